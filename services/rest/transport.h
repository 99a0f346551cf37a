#pragma once

// What the console's HTTP clients (RestBackend, BetterAuthBackend) share about a request that got no
// usable HTTP answer: the certificate problems a reply reported and the message for a transport
// failure (refused, timed out, closed, TLS), worded the same for every kind of server.

#include "domain/result.h"

class QNetworkReply;

namespace portcullis::rest {

// Keeps the certificate problems `reply` reports (QNetworkReply::sslErrors) for transportError().
// Call right after the request is sent.
void keepSslErrors(QNetworkReply* reply);

// The Unavailable error for a reply that failed at the network layer; `timeoutMs` is the transfer
// timeout the request had (for "did not answer within N seconds").
ServiceError transportError(QNetworkReply* reply, int timeoutMs);

} // namespace portcullis::rest
