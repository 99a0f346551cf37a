#pragma once

// A session's User-Agent header as a person reads it: "Firefox 121 on Windows", "Safari 17 on iOS",
// "curl 8.5", "Portcullis console 0.9.0". The raw header stays available (details, tooltips): this
// only names the client, it proves nothing about it.

#include <QString>

namespace portcullis::useragent {

// The readable client; the header itself when it names nothing known; empty for an empty header.
QString readable(const QString& userAgent);

} // namespace portcullis::useragent
