// The HTTP/1.1 request head (server/httpserver.cpp, http::parseRequestHead) on arbitrary bytes:
// Boost.Beast's parser (http::basic_parser, subclassed to fill our HttpRequest) and then our own
// checks, the same parser class and checks the server's connections run on what they read.
//
// Invariants: an accepted head has a token method, a target that starts with '/' and holds only
// visible ASCII, path + query taken from the target, lower-case header names, a Host for HTTP/1.1
// and a non-negative Content-Length; a refused one carries a 4xx/505 status and a title.

#include "fuzzutil.h"
#include "httpserver.h"

using namespace portcullis;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray head = fuzz::bytes(data, size);
    const http::RequestHead parsed = http::parseRequestHead(head);
    if (parsed.error) {
        const int status = parsed.error->status;
        FUZZ_CHECK(status == 400 || status == 411 || status == 431 || status == 505, QByteArray::number(status));
        FUZZ_CHECK(!parsed.error->title.isEmpty(), head);
        return 0;
    }
    const http::HttpRequest& request = parsed.request;
    FUZZ_CHECK(!request.method.isEmpty(), head);
    for (const char c : request.method)
        FUZZ_CHECK(c > 0x20 && c < 0x7f && c != ':' && c != '/', request.method);
    FUZZ_CHECK(request.target.startsWith('/'), request.target);
    for (const char c : request.target)
        FUZZ_CHECK(static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f, request.target);
    FUZZ_CHECK(request.target.startsWith(request.path), request.target);
    FUZZ_CHECK(!request.path.contains('?'), request.path);
    FUZZ_CHECK(!request.query.contains('#'), request.query);
    for (const auto& [name, value] : request.headers) {
        FUZZ_CHECK(!name.isEmpty() && name == name.toLower(), name);
        FUZZ_CHECK(!value.contains('\r') && !value.contains('\n') && !value.contains('\0'), value);
    }
    FUZZ_CHECK(request.http10 || request.hasHeader("host"), head);
    FUZZ_CHECK(!request.hasHeader("transfer-encoding"), head);
    FUZZ_CHECK(parsed.contentLength >= 0, QByteArray::number(parsed.contentLength));
    return 0;
}
