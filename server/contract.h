#pragma once

// The REST contract as an OpenAPI 3.1 document, built from the declarations: the route table of
// httphandlers.cpp (paths, methods, permissions, query parameters, request bodies, responses) and
// the schemas of the response bodies in contract.cpp. `portcullis-server openapi` prints it,
// GET /api/openapi.json serves it, and docs/openapi.json is the committed copy (the CTest
// openapi_current fails when that copy is stale).

#include <QByteArray>

namespace portcullis::server {

// Indented JSON ending in a newline; the same bytes on every call (built once, thread-safe).
const QByteArray& openApiDocument();

} // namespace portcullis::server
