#pragma once

// A small, strict HTTP/1.1 server on QTcpServer (plain or TLS), written for the REST API rather
// than on QHttpServer 6.4, which buffers any request body whole before a handler can refuse it,
// replies only on the thread of the socket and cannot stream a response with back-pressure.
//
// Threading and ownership: the HttpServer, its listening socket and every HttpConnection live on
// the thread that created the server (the "I/O thread"), which only parses and writes bytes. A
// complete request is handed to the Handler as a shared HttpExchange; the handler may answer from
// any thread, later (respond() posts the bytes to the I/O thread). When the client goes away first,
// the exchange notices (clientGone()) and whatever it is given is dropped. One request is in flight
// per connection at a time; pipelined requests wait in the buffer, so replies keep their order.
//
// Limits: request line and headers at most 16 KiB (431), a body at most HttpServer::Options::
// maxBodyBytes (413, refused from the Content-Length before the body is read), no chunked request
// bodies (411), an idle connection is closed after Options::idleTimeoutMs and a request that takes
// longer than Options::requestTimeoutMs to arrive gets 408.

#include <QByteArray>
#include <QElapsedTimer>
#include <QHostAddress>
#include <QList>
#include <QLoggingCategory>
#include <QMutex>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QTcpServer>
#include <QWaitCondition>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <utility>

class QTcpSocket;
class QTimer;

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

class HttpConnection;

// The shared state between a connection (I/O thread) and the work answering its request (any
// thread). Guarded by `mutex`; `connection` is cleared when the connection is destroyed.
struct ConnectionLink
{
    QMutex mutex;
    QWaitCondition drained;
    HttpConnection* connection = nullptr;
    bool closed = false;
    qint64 posted = 0; // stream bytes posted to the I/O thread and not yet written to the socket
    qint64 backlog = 0; // bytes the socket still holds
    std::atomic_bool cancelled { false }; // set when the client is gone
};

// One request and its answer. respond(), or startStream()/writeChunk()/finishStream(), may be
// called from any thread, once; later calls are ignored.
class HttpExchange
{
public:
    HttpExchange(HttpRequest request, std::shared_ptr<ConnectionLink> link);
    HttpExchange(const HttpExchange&) = delete;
    HttpExchange& operator=(const HttpExchange&) = delete;

    const HttpRequest& request() const { return m_request; }
    bool clientGone() const;
    // Set when the client disconnects; suitable for ExportOptions::cancel.
    const std::atomic_bool* cancelFlag() const { return &m_link->cancelled; }
    qint64 elapsedMs() const { return m_timer.elapsed(); }

    void respond(HttpResponse response);

    // A chunked response with back-pressure: writeChunk() blocks while more than `maxInFlight`
    // bytes wait to be written to a slow client, and returns false once the client is gone (or
    // has not read anything for `stallTimeoutMs`). finishStream() ends it properly, abortStream()
    // closes the connection so the client sees a truncated response instead of a short one.
    void startStream(int status, const QByteArray& contentType, const HeaderList& headers, const QString& actorLabel);
    bool writeChunk(const QByteArray& data);
    void finishStream();
    void abortStream();
    bool streamStarted() const { return m_streamStarted; }

    static constexpr qint64 maxInFlight = 1024 * 1024;
    static constexpr int stallTimeoutMs = 60000;

private:
    // Runs `work` on the connection's thread with the connection, unless it is gone.
    bool post(std::function<void(HttpConnection*)> work, qint64 streamBytes = 0);

    HttpRequest m_request;
    std::shared_ptr<ConnectionLink> m_link;
    QElapsedTimer m_timer;
    std::atomic_bool m_answered { false };
    bool m_streamStarted = false;
    int m_streamStatus = 200;
    QString m_streamActor;
    qint64 m_streamed = 0;
};

using Handler = std::function<void(std::shared_ptr<HttpExchange>)>;

class HttpServer : public QTcpServer
{
    Q_OBJECT

public:
    struct Options
    {
        qint64 maxBodyBytes = 1024 * 1024;
        int maxHeaderBytes = 16 * 1024;
        int idleTimeoutMs = 30000; // no byte for this long: the connection is closed
        int requestTimeoutMs = 60000; // a request's head and body must arrive within this
        int maxConnections = 2048;
        std::optional<QSslConfiguration> tls; // set: every connection is TLS
    };

    // `handler` is called on this object's thread for each complete request.
    HttpServer(Options options, Handler handler, QObject* parent = nullptr);
    ~HttpServer() override;

    const Options& options() const { return m_options; }
    int connectionCount() const { return m_connections; }
    quint64 nextRequestId() { return ++m_requestIds; }

    // Called by connections (I/O thread).
    void dispatch(std::shared_ptr<HttpExchange> exchange);
    void connectionClosed();
    // One access-log line: method, path (query values that look secret are masked), status, time,
    // actor, peer. Never a header, a body or a token.
    void logAccess(const HttpRequest& request, int status, qint64 ms, const QString& actorLabel, qint64 bytes);

protected:
    void incomingConnection(qintptr socketDescriptor) override;

private:
    Options m_options;
    Handler m_handler;
    int m_connections = 0;
    quint64 m_requestIds = 0;
};

// One request head (the request line and header fields, without the blank line that ends them)
// read strictly: CRLF lines, no folding, a Host for HTTP/1.1, one Content-Length, no
// Transfer-Encoding, at most 100 fields. A plain function over bytes, so the parser is fuzzed
// (fuzz/fuzz_http_head.cpp) without sockets; the body-size limit is the connection's to apply.
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
RequestHead parseRequestHead(const QByteArray& head);

// Reason phrase of a status code ("Not Found").
QByteArray reasonPhrase(int status);
// The path and query for the access log, with secrets masked.
QByteArray loggablePath(const HttpRequest& request);

class HttpConnection : public QObject
{
    Q_OBJECT

public:
    HttpConnection(HttpServer* server, QTcpSocket* socket, bool tls);
    ~HttpConnection() override;

    // I/O thread only (called through HttpExchange::post).
    void sendResponse(const HttpResponse& response, qint64 elapsedMs);
    void sendStreamHead(int status, const QByteArray& contentType, const HeaderList& headers);
    void sendStreamChunk(const QByteArray& framed, qint64 postedBytes);
    void finishStream(int status, const QString& actorLabel, qint64 elapsedMs, qint64 bytes);
    void abort();

private:
    enum class State
    {
        Headers, // reading a request line and headers
        Body, // reading a body of m_contentLength bytes
        Busy, // a handler has the request
        Draining, // an error reply was sent; discarding the rest of the body, then closing
        Closing
    };

    void onReadyRead();
    void process();
    bool parseHead(const QByteArray& head);
    void dispatchRequest();
    void refuse(int status, const QByteArray& title, const QByteArray& detail, bool drainBody = false);
    void writeHead(int status, const QByteArray& contentType, const HeaderList& headers, qint64 contentLength,
                   bool chunked);
    void requestDone();
    void closeSoon();
    void updateBacklog();
    void armIdleTimer();

    HttpServer* m_server;
    QPointer<QTcpSocket> m_socket;
    QTimer* m_idleTimer;
    QElapsedTimer m_requestTimer; // since the first byte of the request being read
    bool m_tls;
    State m_state = State::Headers;
    QByteArray m_buffer;
    HttpRequest m_request; // being read
    HttpRequest m_logged; // the request in flight, without headers and body, for the access log
    qint64 m_contentLength = 0;
    qint64 m_drainLeft = 0;
    bool m_keepAlive = true;
    bool m_closeAfterResponse = false;
    std::shared_ptr<ConnectionLink> m_link;
};

} // namespace portcullis::http
