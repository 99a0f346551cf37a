#pragma once

// Values from the database (names, descriptions, ban reasons) are shown as the text they are, never
// as markup: a full name like `<img src="/dev/zero"><b>x</b>` must not render, let alone load a
// file. QLabel, QMessageBox and tooltips guess "rich text" (Qt::AutoText) by default; the console
// turns that guess off in one place instead of at each of the hundreds of places that show a value.

#include <QString>

namespace portcullis::plaintext {

// Installs, once per application, the rule: every QLabel (and so every message box text and every
// tooltip, which Qt shows in labels) is plain text unless the code that made it chose
// Qt::RichText explicitly; such code escapes every value it puts in (escaped() below).
// Called by the main window and the launcher; idempotent.
void install();

// A value for a rich-text label: HTML-escaped, so it shows literally.
inline QString escaped(const QString& value)
{
    return value.toHtmlEscaped();
}

} // namespace portcullis::plaintext
