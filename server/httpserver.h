#pragma once

// The REST API's HTTP/1.1 server (plain or TLS 1.2+) on Boost.Beast and Boost.Asio: Beast parses the
// request line and header fields (http::basic_parser) and Asio runs the sockets, the TLS handshake
// (OpenSSL through asio::ssl) and every deadline. What stays ours is the strictness on top of Beast
// (RequestHead, a plain function that the fuzzer and the connections share), the write queue with
// back-pressure for streamed responses, the connection limits and the access log. docs/architecture.md
// ("HTTP layer: Boost.Beast") says why Beast rather than libmicrohttpd or QHttpServer.
//
// Threading and ownership: HttpServer owns an asio::io_context run by Options::ioThreads threads
// of its own (the "I/O threads"); the Qt event loop of the process is not involved. Each connection
// is a session on a strand of its own, so its reads, writes and timers never run concurrently. A
// complete request is handed to the Handler, on an I/O thread, as a shared HttpExchange; the handler
// must not block (RestApi::handle queues the work in a thread pool) and may answer from any thread,
// later: respond() posts the bytes to the session's strand. When the client goes away first, the
// exchange notices (clientGone(), cancelFlag()) and whatever it is given is dropped. One request is
// in flight per connection at a time; pipelined requests wait in the buffer, so replies keep their
// order.
//
// Limits (Options; serve's command line sets them, docs/operator-guide.md lists the defaults):
// request line and headers at most maxHeaderBytes (431) and 100 fields (431), Host required for
// HTTP/1.1, a body at most maxBodyBytes (413, refused from the Content-Length before the body is
// read), no chunked request bodies (411); the head must arrive within headerTimeoutMs of its first
// byte and the body within headerTimeoutMs + size / minBodyBytesPerSecond, or the connection is
// dropped; an idle keep-alive connection is closed after idleTimeoutMs; a write that the client does
// not take within writeTimeoutMs closes the connection (and frees a streaming worker). At most
// maxConnections connections (below the descriptor limit) and maxConnectionsPerAddress from one
// peer address: a connection over either cap is closed at once. Accept errors (EMFILE, ENFILE) pause
// accepting for 100 ms, doubling up to 1 s, while the open connections are served.

#include <QByteArray>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QList>
#include <QLoggingCategory>
#include <QMutex>
#include <QString>
#include <QWaitCondition>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

Q_DECLARE_LOGGING_CATEGORY(lcHttp) // "portcullis.http"

namespace portcullis::http {

using HeaderList = QList<std::pair<QByteArray, QByteArray>>;

struct HttpRequest
{
    quint64 id = 0; // per server, for logs
    QByteArray method; // "GET", as sent
    QByteArray target; // "/api/admin/users?page=2", as sent
    QByteArray path; // the target before '?', still percent-encoded
    QByteArray query; // after '?', still percent-encoded
    HeaderList headers; // names in lower case
    QByteArray body;
    QHostAddress peer;
    bool tls = false;
    bool http10 = false; // an HTTP/1.0 client: no chunked responses

    // The first header of that (lower-case) name, or a null QByteArray.
    QByteArray header(const QByteArray& lowerCaseName) const; // the first one of that name
    // Every field of that name joined with ", " in arrival order (RFC 9110 5.3), for list headers
    // such as X-Forwarded-For that a proxy may append as a line of its own.
    QByteArray combinedHeader(const QByteArray& lowerCaseName) const;
    bool hasHeader(const QByteArray& lowerCaseName) const;
};

struct HttpResponse
{
    int status = 200;
    QByteArray contentType; // empty: no body type (e.g. 204)
    HeaderList headers;
    QByteArray body;
    QString actorLabel; // for the access log: "user:12", "api_key:3", "-"
};

class HttpSession; // one connection, on its strand (httpserver.cpp)

// The shared state between a connection (its strand) and the work answering its request (any
// thread). Guarded by `mutex`; `closed` is set, and `session` expires, when the connection ends.
struct ConnectionLink
{
    QMutex mutex;
    QWaitCondition drained;
    std::weak_ptr<HttpSession> session;
    bool closed = false;
    int socket = -1; // the connection's descriptor (open while !closed), for clientGone()
    qint64 posted = 0; // stream bytes posted to the connection and not yet taken by the socket
    int writeTimeoutMs = 60000; // HttpServer::Options::writeTimeoutMs
    std::atomic_bool cancelled { false }; // set when the client is gone
};

// One request and its answer. respond(), or startStream()/writeChunk()/finishStream(), may be
// called from any thread, once; later calls are ignored.
class HttpExchange
{
public:
    // `connection` keeps the connection's session alive while the exchange exists.
    HttpExchange(HttpRequest request, std::shared_ptr<ConnectionLink> link, std::shared_ptr<void> connection = {});
    HttpExchange(const HttpExchange&) = delete;
    HttpExchange& operator=(const HttpExchange&) = delete;

    const HttpRequest& request() const { return m_request; }
    // True once the connection is closed, or (asked from any thread) the client has closed its end
    // or reset it while its request waits: nobody will read the answer.
    bool clientGone() const;
    // Set when the client disconnects; suitable for ExportOptions::cancel.
    const std::atomic_bool* cancelFlag() const { return &m_link->cancelled; }
    qint64 elapsedMs() const { return m_timer.elapsed(); }

    void respond(HttpResponse response);

    // A chunked response with back-pressure: writeChunk() blocks while more than `maxInFlight`
    // bytes wait to be written to a slow client, and returns false once the client is gone. A
    // client that takes nothing for the server's write timeout (Options::writeTimeoutMs) is
    // disconnected, which wakes the writer. finishStream() ends the response properly, abortStream()
    // closes the connection so the client sees a truncated response instead of a short one.
    void startStream(int status, const QByteArray& contentType, const HeaderList& headers, const QString& actorLabel);
    bool writeChunk(const QByteArray& data);
    void finishStream();
    void abortStream();
    bool streamStarted() const { return m_streamStarted; }

    static constexpr qint64 maxInFlight = 1024 * 1024;

private:
    // Runs `work` on the connection's strand, unless the connection is gone.
    bool post(std::function<void(HttpSession&)> work, qint64 streamBytes = 0);

    HttpRequest m_request;
    std::shared_ptr<ConnectionLink> m_link;
    std::shared_ptr<void> m_connection;
    QElapsedTimer m_timer;
    std::atomic_bool m_answered { false };
    bool m_streamStarted = false;
    int m_streamStatus = 200;
    QString m_streamActor;
    qint64 m_streamed = 0;
};

using Handler = std::function<void(std::shared_ptr<HttpExchange>)>;

class HttpServer
{
public:
    // The PEM files of --tls-cert and --tls-key, as read.
    struct TlsPem
    {
        QByteArray certificateChain;
        QByteArray privateKey;
    };

    struct Options
    {
        qint64 maxBodyBytes = 1024 * 1024;
        int maxHeaderBytes = 16 * 1024;
        int headerTimeoutMs = 10000; // from the first byte of a request to the end of its head
        qint64 minBodyBytesPerSecond = 8 * 1024; // the body may take headerTimeoutMs + size / this
        int idleTimeoutMs = 30000; // a keep-alive connection waiting for its next request
        int writeTimeoutMs = 60000; // one write the client does not take in this time closes it
        int maxConnections = 2048; // serve sets it below the descriptor limit (maxConnectionsFor)
        int maxConnectionsPerAddress = 64; // 0: no per-address cap
        int ioThreads = 1;
        std::optional<TlsPem> tls; // set: every connection is TLS 1.2 or later
    };

    // `handler` is called on an I/O thread for each complete request; it must not block.
    HttpServer(Options options, Handler handler);
    ~HttpServer(); // stop(), then every connection is closed
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds, listens and starts the I/O threads. False with errorString() when it cannot (or when
    // the TLS certificate and key are not usable).
    bool listen(const QHostAddress& address, quint16 port);
    QString errorString() const;
    QHostAddress serverAddress() const;
    quint16 serverPort() const;
    // Stops accepting connections and reading new requests: connections waiting for one end now,
    // the others after the answer in flight.
    void close();
    // Then stops the I/O threads: every exchange still running learns that its client is gone.
    // Call it, and let every exchange go (wait for the workers), before destroying the server.
    void stop();

    const Options& options() const;
    int connectionCount() const;

    // The connection cap for a soft descriptor limit: room is kept for the listening socket, the
    // database files or connections of `workerThreads` workers, the log and the TLS files.
    static int maxConnectionsFor(qint64 descriptorLimit, int workerThreads);
    // Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit in effect afterwards.
    static qint64 raiseDescriptorLimit();

    struct Private;

private:
    std::unique_ptr<Private> d;
};

// One request head (the request line and header fields, without the blank line that ends them)
// through Beast's parser (http::basic_parser) and then our checks: a token method, an origin-form
// target of visible ASCII, HTTP/1.1 or 1.0 (505 otherwise), a Host for HTTP/1.1, at most one
// Content-Length value, no Transfer-Encoding (411), no folded lines, at most 100 fields and
// `maxHeaderBytes` (431). A plain function over bytes, so the parsing is fuzzed
// (fuzz/fuzz_http_head.cpp) without sockets; connections run the same parser and checks on what
// they read. The body-size limit is the connection's to apply.
struct RequestHead
{
    struct Error
    {
        int status = 400;
        QByteArray title;
        QByteArray detail;
    };
    std::optional<Error> error; // set: refuse the request with this status
    HttpRequest request; // method, target, path, query, headers, http10
    qint64 contentLength = 0;
    bool keepAlive = true;
};
RequestHead parseRequestHead(const QByteArray& head, int maxHeaderBytes = 16 * 1024);

// Reason phrase of a status code ("Not Found").
QByteArray reasonPhrase(int status);
// Returns once every access log line queued so far is written to standard error (the lines are
// written by a thread of their own; HttpServer::stop() calls it too).
void flushAccessLog();

// The path and query for the access log, with secrets masked.
QByteArray loggablePath(const HttpRequest& request);

} // namespace portcullis::http
