#pragma once

// What the console's HTTP clients (RestBackend, BetterAuthBackend) share about a request that got no
// usable HTTP answer: the certificate problems a reply reported and the message for a transport
// failure (refused, timed out, closed, TLS), worded the same for every kind of server.

#include "domain/result.h"

class QNetworkReply;
class QSslConfiguration;

namespace portcullis::rest {

// Keeps the certificate problems `reply` reports (QNetworkReply::sslErrors) for transportError().
// Call right after the request is sent.
void keepSslErrors(QNetworkReply* reply);

// The Unavailable error for a reply that failed at the network layer; `timeoutMs` is the transfer
// timeout the request had (for "did not answer within N seconds").
ServiceError transportError(QNetworkReply* reply, int timeoutMs);

// Sets `ssl` to the system's trusted certificates plus those in `pemFile` (a private CA or a
// self-signed server certificate). Verification stays on. Fails (field "ca_file") when the file is
// missing, unreadable or holds no PEM certificate; then `ssl` is unchanged.
Status trustCaFile(QSslConfiguration& ssl, const QString& pemFile);

} // namespace portcullis::rest
