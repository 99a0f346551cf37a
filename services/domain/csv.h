#pragma once

#include <QString>

namespace portcullis::csv {

// One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. A value that a
// spreadsheet would read as a formula (it starts with = + - @, a TAB or a CR; OWASP's list) gets a
// leading apostrophe, so an exported audit log cannot run anything in the reader's spreadsheet.
QString field(const QString& value);

} // namespace portcullis::csv
