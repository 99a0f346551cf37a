#include "httpserver.h"

#include "httpjson.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QLocale>
#include <QMetaObject>
#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

Q_LOGGING_CATEGORY(lcHttp, "portcullis.http")

namespace portcullis::http {

namespace {

// A request refused before its body was read (413) still has its body on the way; reading and
// discarding up to this much lets the client see the answer instead of a connection reset.
constexpr qint64 MaxDrainBytes = 8 * 1024 * 1024;
constexpr int MaxHeaderCount = 100;
// How much a connection lets pile up in the socket while a handler has its request (pipelining).
constexpr qint64 SocketReadBufferBytes = 64 * 1024;

bool isTokenChar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
        return true;
    default:
        return false;
    }
}

bool isToken(const QByteArray& text)
{
    if (text.isEmpty())
        return false;
    for (const char c : text) {
        if (!isTokenChar(c))
            return false;
    }
    return true;
}

// The Date header, formatted once per second.
QByteArray httpDate()
{
    static qint64 cachedSecond = -1;
    static QByteArray cached;
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const qint64 second = now.toSecsSinceEpoch();
    if (second != cachedSecond) {
        cached = QLocale::c().toString(now, QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'")).toLatin1();
        cachedSecond = second;
    }
    return cached;
}

bool looksSecret(const QByteArray& key, const QByteArray& value)
{
    const QByteArray k = key.toLower();
    for (const char* word : { "token", "key", "password", "secret", "confirm", "auth", "jwt", "session" }) {
        if (k.contains(word))
            return true;
    }
    const QByteArray v = QByteArray::fromPercentEncoding(value);
    return v.startsWith("pk_") || v.startsWith("rt_") || v.startsWith("eyJ") || v.size() > 40;
}

} // namespace

// --- HttpRequest ---------------------------------------------------------------------------------

QByteArray HttpRequest::header(const QByteArray& lowerCaseName) const
{
    for (const auto& [name, value] : headers) {
        if (name == lowerCaseName)
            return value;
    }
    return {};
}

QByteArray HttpRequest::combinedHeader(const QByteArray& lowerCaseName) const
{
    QByteArray combined;
    for (const auto& [name, value] : headers) {
        if (name != lowerCaseName)
            continue;
        if (!combined.isEmpty())
            combined += ", ";
        combined += value;
    }
    return combined;
}

bool HttpRequest::hasHeader(const QByteArray& lowerCaseName) const
{
    for (const auto& header : headers) {
        if (header.first == lowerCaseName)
            return true;
    }
    return false;
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 428:
        return "Precondition Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Status";
    }
}

QByteArray loggablePath(const HttpRequest& request)
{
    QByteArray line = request.path;
    if (request.query.isEmpty())
        return line;
    QList<QByteArray> parts;
    const QList<QByteArray> items = request.query.split('&');
    for (const QByteArray& item : items) {
        const qsizetype eq = item.indexOf('=');
        const QByteArray key = eq < 0 ? item : item.left(eq);
        const QByteArray value = eq < 0 ? QByteArray() : item.mid(eq + 1);
        parts << (looksSecret(key, value) ? QByteArray(key + "=***") : item);
    }
    return line + '?' + parts.join('&');
}

static void writeAccessLog(const HttpRequest& request, int status, qint64 ms, const QString& actorLabel, qint64 bytes)
{
    if (!lcHttp().isInfoEnabled())
        return;
    qCInfo(lcHttp).noquote() << QStringLiteral("#%1 %2 \"%3 %4\" %5 %6ms actor=%7 bytes=%8")
                                    .arg(request.id)
                                    .arg(request.peer.toString(), QString::fromLatin1(request.method),
                                         QString::fromUtf8(loggablePath(request)))
                                    .arg(status)
                                    .arg(ms)
                                    .arg(actorLabel.isEmpty() ? QStringLiteral("-") : actorLabel)
                                    .arg(bytes);
}

// --- HttpExchange --------------------------------------------------------------------------------

HttpExchange::HttpExchange(HttpRequest request, std::shared_ptr<ConnectionLink> link)
    : m_request(std::move(request))
    , m_link(std::move(link))
{
    m_timer.start();
}

bool HttpExchange::clientGone() const
{
    QMutexLocker lock(&m_link->mutex);
    return m_link->closed || !m_link->connection;
}

bool HttpExchange::post(std::function<void(HttpConnection*)> work, qint64 streamBytes)
{
    QMutexLocker lock(&m_link->mutex);
    HttpConnection* connection = m_link->connection;
    if (m_link->closed || !connection)
        return false;
    m_link->posted += streamBytes;
    // The connection cannot be destroyed while the mutex is held (its destructor takes it), and a
    // queued call to an object that is destroyed later is dropped by Qt.
    QMetaObject::invokeMethod(
        connection, [connection, work = std::move(work)]() { work(connection); }, Qt::QueuedConnection);
    return true;
}

void HttpExchange::respond(HttpResponse response)
{
    if (m_answered.exchange(true))
        return;
    const qint64 ms = m_timer.elapsed();
    const HttpRequest& request = m_request;
    const QString actor = response.actorLabel;
    const qint64 bytes = response.body.size();
    if (!post([response = std::move(response), ms](HttpConnection* c) { c->sendResponse(response, ms); }))
        writeAccessLog(request, 499, ms, actor, bytes); // the client left before the answer
}

void HttpExchange::startStream(int status, const QByteArray& contentType, const HeaderList& headers,
                               const QString& actorLabel)
{
    if (m_answered.exchange(true))
        return;
    m_streamStarted = true;
    m_streamStatus = status;
    m_streamActor = actorLabel;
    post([status, contentType, headers](HttpConnection* c) { c->sendStreamHead(status, contentType, headers); });
}

bool HttpExchange::writeChunk(const QByteArray& data)
{
    if (!m_streamStarted)
        return false;
    if (data.isEmpty())
        return true;
    QByteArray framed = QByteArray::number(data.size(), 16) + "\r\n";
    framed.reserve(framed.size() + data.size() + 2);
    framed += data;
    framed += "\r\n";
    {
        QMutexLocker lock(&m_link->mutex);
        QDeadlineTimer deadline(stallTimeoutMs);
        while (!m_link->closed && m_link->connection && m_link->posted + m_link->backlog > maxInFlight) {
            if (!m_link->drained.wait(&m_link->mutex, deadline))
                break;
        }
        if (m_link->closed || !m_link->connection)
            return false;
        if (m_link->posted + m_link->backlog > maxInFlight) {
            lock.unlock();
            qCWarning(lcHttp) << "request" << m_request.id << "stalled: the client read nothing for"
                              << stallTimeoutMs / 1000 << "s";
            abortStream();
            return false;
        }
    }
    const qint64 size = framed.size();
    m_streamed += data.size();
    return post([framed = std::move(framed), size](HttpConnection* c) { c->sendStreamChunk(framed, size); }, size);
}

void HttpExchange::finishStream()
{
    if (!m_streamStarted)
        return;
    const qint64 ms = m_timer.elapsed();
    const int status = m_streamStatus;
    const QString actor = m_streamActor;
    const qint64 bytes = m_streamed;
    if (!post([status, actor, ms, bytes](HttpConnection* c) {
            c->sendStreamChunk(QByteArrayLiteral("0\r\n\r\n"), 0);
            c->finishStream(status, actor, ms, bytes);
        }))
        writeAccessLog(m_request, 499, ms, actor, bytes);
}

void HttpExchange::abortStream()
{
    const qint64 ms = m_timer.elapsed();
    writeAccessLog(m_request, m_streamStarted ? m_streamStatus : 500, ms, m_streamActor + QStringLiteral(" aborted"),
                   m_streamed);
    post([](HttpConnection* c) { c->abort(); });
}

// --- HttpServer ----------------------------------------------------------------------------------

HttpServer::HttpServer(Options options, Handler handler, QObject* parent)
    : QTcpServer(parent)
    , m_options(std::move(options))
    , m_handler(std::move(handler))
{
    setListenBacklogSize(1024);
}

HttpServer::~HttpServer()
{
    // Connections are children: they go first, telling any running work that the client is gone.
    const auto connections = findChildren<HttpConnection*>(Qt::FindDirectChildrenOnly);
    for (HttpConnection* connection : connections)
        delete connection;
}

void HttpServer::incomingConnection(qintptr socketDescriptor)
{
    QTcpSocket* socket = nullptr;
    if (m_options.tls) {
        auto* ssl = new QSslSocket;
        ssl->setSslConfiguration(*m_options.tls);
        socket = ssl;
    } else {
        socket = new QTcpSocket;
    }
    if (!socket->setSocketDescriptor(socketDescriptor)) {
        qCWarning(lcHttp) << "cannot accept a connection:" << socket->errorString();
        delete socket;
        return;
    }
    if (m_connections >= m_options.maxConnections) {
        qCWarning(lcHttp) << "too many connections (" << m_connections << "); refusing" << socket->peerAddress();
        if (!m_options.tls)
            socket->write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        socket->disconnectFromHost();
        connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        QTimer::singleShot(5000, socket, &QObject::deleteLater);
        return;
    }
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    socket->setReadBufferSize(SocketReadBufferBytes);
    ++m_connections;
    new HttpConnection(this, socket, m_options.tls.has_value());
    if (m_options.tls)
        static_cast<QSslSocket*>(socket)->startServerEncryption();
}

void HttpServer::dispatch(std::shared_ptr<HttpExchange> exchange)
{
    m_handler(std::move(exchange));
}

void HttpServer::connectionClosed()
{
    --m_connections;
}

void HttpServer::logAccess(const HttpRequest& request, int status, qint64 ms, const QString& actorLabel, qint64 bytes)
{
    writeAccessLog(request, status, ms, actorLabel, bytes);
}

// --- HttpConnection ------------------------------------------------------------------------------

HttpConnection::HttpConnection(HttpServer* server, QTcpSocket* socket, bool tls)
    : QObject(server)
    , m_server(server)
    , m_socket(socket)
    , m_idleTimer(new QTimer(this))
    , m_tls(tls)
    , m_link(std::make_shared<ConnectionLink>())
{
    socket->setParent(this);
    m_link->connection = this;
    m_idleTimer->setSingleShot(true);
    m_idleTimer->setInterval(server->options().idleTimeoutMs);
    connect(m_idleTimer, &QTimer::timeout, this, [this]() {
        if (m_state == State::Busy)
            return; // a handler is working; its answer restarts the clock
        abort();
    });
    connect(socket, &QTcpSocket::readyRead, this, &HttpConnection::onReadyRead);
    connect(socket, &QTcpSocket::bytesWritten, this, &HttpConnection::updateBacklog);
    if (tls) {
        auto* ssl = static_cast<QSslSocket*>(socket);
        connect(ssl, &QSslSocket::encryptedBytesWritten, this, &HttpConnection::updateBacklog);
        connect(ssl, &QSslSocket::handshakeInterruptedOnError, this, [this](const QSslError& error) {
            qCInfo(lcHttp) << "TLS handshake failed:" << error.errorString();
            abort();
        });
    }
    connect(socket, &QTcpSocket::disconnected, this, &HttpConnection::abort);
    connect(socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (error != QAbstractSocket::RemoteHostClosedError)
            qCDebug(lcHttp) << "connection error:" << (m_socket ? m_socket->errorString() : QString());
        abort();
    });
    armIdleTimer();
}

HttpConnection::~HttpConnection()
{
    if (ConnectionLink* link = m_link.get()) {
        QMutexLocker lock(&link->mutex);
        link->connection = nullptr;
        link->closed = true;
        link->cancelled.store(true);
        link->drained.wakeAll();
    }
    m_server->connectionClosed();
}

void HttpConnection::armIdleTimer()
{
    m_idleTimer->start();
}

void HttpConnection::abort()
{
    if (m_state == State::Closing && !m_socket)
        return;
    m_state = State::Closing;
    if (ConnectionLink* link = m_link.get()) {
        QMutexLocker lock(&link->mutex);
        link->closed = true;
        link->cancelled.store(true);
        link->drained.wakeAll();
    }
    if (m_socket) {
        QTcpSocket* socket = m_socket;
        m_socket = nullptr;
        socket->disconnect(this);
        socket->abort();
    }
    deleteLater();
}

void HttpConnection::closeSoon()
{
    m_state = State::Closing;
    if (!m_socket)
        return;
    // Flushes what was written, then closes; "disconnected" then ends this connection.
    m_socket->disconnectFromHost();
    if (m_socket && m_socket->state() == QAbstractSocket::UnconnectedState)
        abort();
}

void HttpConnection::updateBacklog()
{
    if (!m_socket)
        return;
    qint64 backlog = m_socket->bytesToWrite();
    if (m_tls)
        backlog += static_cast<QSslSocket*>(m_socket.data())->encryptedBytesToWrite();
    QMutexLocker lock(&m_link->mutex);
    m_link->backlog = backlog;
    m_link->drained.wakeAll();
}

void HttpConnection::onReadyRead()
{
    if (!m_socket)
        return;
    switch (m_state) {
    case State::Busy:
    case State::Closing:
        return; // read later: the socket's bounded buffer holds it (and then the TCP window)
    case State::Draining: {
        while (m_drainLeft > 0 && m_socket->bytesAvailable() > 0)
            m_drainLeft -= m_socket->read(std::min<qint64>(m_drainLeft, 64 * 1024)).size();
        if (m_drainLeft <= 0)
            closeSoon();
        else
            armIdleTimer();
        return;
    }
    case State::Headers:
    case State::Body:
        break;
    }
    if (m_state == State::Headers && m_buffer.isEmpty())
        m_requestTimer.start(); // the first byte of a request
    m_buffer += m_socket->readAll();
    // A client that trickles a request byte by byte (slowloris) would keep resetting the idle
    // timer; a whole request gets a fixed time.
    if (m_requestTimer.isValid() && m_requestTimer.elapsed() > m_server->options().requestTimeoutMs) {
        refuse(408, "Request timeout", "The request took too long to arrive.");
        return;
    }
    armIdleTimer();
    process();
}

void HttpConnection::process()
{
    const HttpServer::Options& options = m_server->options();
    for (;;) {
        if (m_state == State::Headers) {
            // Tolerate empty lines before a request line (RFC 9112, 2.2).
            while (m_buffer.startsWith("\r\n"))
                m_buffer.remove(0, 2);
            const qsizetype end = m_buffer.indexOf("\r\n\r\n");
            if (end < 0 && m_buffer.contains("\n\n")) {
                refuse(400, "Malformed request", "Lines must end with CRLF.");
                return;
            }
            if (end < 0) {
                if (m_buffer.size() > options.maxHeaderBytes)
                    refuse(431, "Request header fields too large",
                           "The request line and headers exceed " + QByteArray::number(options.maxHeaderBytes)
                               + " bytes.");
                return;
            }
            if (end + 4 > options.maxHeaderBytes) {
                refuse(431, "Request header fields too large",
                       "The request line and headers exceed " + QByteArray::number(options.maxHeaderBytes) + " bytes.");
                return;
            }
            const QByteArray head = m_buffer.left(end);
            m_buffer.remove(0, end + 4);
            if (!parseHead(head))
                return;
            if (m_contentLength == 0) {
                dispatchRequest();
                return;
            }
            m_state = State::Body;
            if (m_request.header("expect").toLower() == "100-continue" && m_buffer.isEmpty() && m_socket)
                m_socket->write("HTTP/1.1 100 Continue\r\n\r\n");
        }
        if (m_state == State::Body) {
            if (m_buffer.size() < m_contentLength)
                return;
            m_request.body = m_buffer.left(m_contentLength);
            m_buffer.remove(0, m_contentLength);
            dispatchRequest();
            return;
        }
        return;
    }
}

RequestHead parseRequestHead(const QByteArray& head)
{
    RequestHead parsed;
    HttpRequest& request = parsed.request;
    auto fail = [&parsed](int status, const QByteArray& title, const QByteArray& detail) {
        parsed.error = RequestHead::Error { status, title, detail };
        return parsed;
    };
    const QList<QByteArray> lines = head.split('\n');
    QList<QByteArray> clean;
    clean.reserve(lines.size());
    for (qsizetype i = 0; i < lines.size(); ++i) {
        QByteArray line = lines.at(i);
        // Every line but the last ends in CR (the last lost its CRLF to the split of the head).
        if (i + 1 < lines.size()) {
            if (!line.endsWith('\r')) {
                return fail(400, "Malformed request", "Lines must end with CRLF.");
            }
            line.chop(1);
        }
        if (line.contains('\r') || line.contains('\0')) {
            return fail(400, "Malformed request", "Stray CR or NUL in the request head.");
        }
        clean << line;
    }

    const QList<QByteArray> requestLine = clean.constFirst().split(' ');
    if (requestLine.size() != 3 || !isToken(requestLine.at(0))) {
        return fail(400, "Malformed request", "The request line is not \"METHOD /path HTTP/1.1\".");
    }
    const QByteArray& version = requestLine.at(2);
    if (version != "HTTP/1.1" && version != "HTTP/1.0") {
        if (version.startsWith("HTTP/"))
            return fail(505, "HTTP version not supported", "This server speaks HTTP/1.1 (and 1.0).");
        return fail(400, "Malformed request", "The request line is not \"METHOD /path HTTP/1.1\".");
    }
    const bool http10 = version == "HTTP/1.0";
    request.http10 = http10;
    request.method = requestLine.at(0);
    request.target = requestLine.at(1);
    if (!request.target.startsWith('/')) {
        return fail(400, "Malformed request", "The request target must be a path starting with \"/\".");
    }
    for (const char c : request.target) {
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
            return fail(400, "Malformed request", "The request target holds characters that must be percent-encoded.");
        }
    }
    const qsizetype questionMark = request.target.indexOf('?');
    request.path = questionMark < 0 ? request.target : request.target.left(questionMark);
    request.query = questionMark < 0 ? QByteArray() : request.target.mid(questionMark + 1);
    const qsizetype hash = request.query.indexOf('#');
    if (hash >= 0)
        request.query.truncate(hash);

    if (clean.size() - 1 > MaxHeaderCount) {
        return fail(431, "Request header fields too large", "More than 100 header fields.");
    }
    std::optional<qint64> contentLength;
    bool closeRequested = false;
    bool keepAliveRequested = false;
    for (qsizetype i = 1; i < clean.size(); ++i) {
        const QByteArray& line = clean.at(i);
        if (line.startsWith(' ') || line.startsWith('\t')) {
            return fail(400, "Malformed request", "Folded header lines are not accepted.");
        }
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.left(colon))) {
            return fail(400, "Malformed request", "A header line is not \"Name: value\".");
        }
        const QByteArray name = line.left(colon).toLower();
        const QByteArray value = line.mid(colon + 1).trimmed();
        if (name == "content-length") {
            bool ok = value.size() <= 18 && !value.isEmpty();
            for (const char c : value)
                ok = ok && c >= '0' && c <= '9';
            const qint64 length = ok ? value.toLongLong(&ok) : -1;
            if (!ok || (contentLength && *contentLength != length)) {
                return fail(400, "Malformed request", "Content-Length is not one whole number.");
            }
            contentLength = length;
        } else if (name == "transfer-encoding") {
            return fail(411, "Length required",
                        "Request bodies must be sent with Content-Length; Transfer-Encoding is not accepted.");
        } else if (name == "connection") {
            const QList<QByteArray> tokens = value.toLower().split(',');
            for (const QByteArray& token : tokens) {
                closeRequested = closeRequested || token.trimmed() == "close";
                keepAliveRequested = keepAliveRequested || token.trimmed() == "keep-alive";
            }
        }
        request.headers.emplaceBack(name, value);
    }
    if (!http10 && !request.hasHeader("host")) {
        return fail(400, "Malformed request", "HTTP/1.1 requests need a Host header.");
    }
    parsed.keepAlive = http10 ? keepAliveRequested && !closeRequested : !closeRequested;
    parsed.contentLength = contentLength.value_or(0);
    return parsed;
}

bool HttpConnection::parseHead(const QByteArray& head)
{
    RequestHead parsed = parseRequestHead(head);
    if (parsed.error) {
        refuse(parsed.error->status, parsed.error->title, parsed.error->detail);
        return false;
    }
    m_request = std::move(parsed.request);
    m_keepAlive = parsed.keepAlive;
    m_contentLength = parsed.contentLength;
    if (m_contentLength > m_server->options().maxBodyBytes) {
        const bool expectsContinue = m_request.header("expect").toLower() == "100-continue";
        refuse(413, "Request body too large",
               "The request body is " + QByteArray::number(m_contentLength) + " bytes; the limit is "
                   + QByteArray::number(m_server->options().maxBodyBytes) + " bytes.",
               !expectsContinue);
        return false;
    }
    return true;
}

void HttpConnection::dispatchRequest()
{
    if (!m_socket)
        return;
    m_state = State::Busy;
    m_idleTimer->stop();
    m_requestTimer.invalidate();
    HttpRequest request = std::move(m_request);
    m_request = HttpRequest();
    request.id = m_server->nextRequestId();
    request.peer = m_socket->peerAddress();
    request.tls = m_tls;
    m_logged = HttpRequest();
    m_logged.id = request.id;
    m_logged.method = request.method;
    m_logged.path = request.path;
    m_logged.query = request.query;
    m_logged.peer = request.peer;
    m_server->dispatch(std::make_shared<HttpExchange>(std::move(request), m_link));
}

void HttpConnection::refuse(int status, const QByteArray& title, const QByteArray& detail, bool drainBody)
{
    if (!m_socket)
        return;
    // The same problem shape as the API's (httpapi.cpp), through the one JSON writer.
    server::JsonWriter w;
    w.beginObject();
    w.field("type", QString(QStringLiteral("urn:portcullis:problem:http-") + QString::number(status)));
    w.field("title", QString::fromUtf8(title));
    w.field("status", status);
    w.field("detail", QString::fromUtf8(detail));
    w.field("code", "validation");
    w.key("errors").beginObject().endObject();
    w.endObject();
    const QByteArray body = w.take();
    m_keepAlive = false;
    writeHead(status, "application/problem+json", {}, body.size(), false);
    m_socket->write(body);
    HttpRequest logged = m_request;
    logged.id = m_server->nextRequestId();
    logged.peer = m_socket->peerAddress();
    if (logged.method.isEmpty())
        logged.method = "-";
    m_server->logAccess(logged, status, 0, QString(), body.size());
    if (drainBody && m_contentLength > 0 && m_contentLength <= MaxDrainBytes) {
        m_drainLeft = m_contentLength - m_buffer.size();
        m_buffer.clear();
        m_state = State::Draining;
        if (m_drainLeft <= 0)
            closeSoon();
        else if (m_socket->bytesAvailable() > 0)
            QMetaObject::invokeMethod(this, &HttpConnection::onReadyRead, Qt::QueuedConnection);
        return;
    }
    closeSoon();
}

void HttpConnection::writeHead(int status, const QByteArray& contentType, const HeaderList& headers,
                               qint64 contentLength, bool chunked)
{
    QByteArray head;
    head.reserve(256);
    head += "HTTP/1.1 ";
    head += QByteArray::number(status);
    head += ' ';
    head += reasonPhrase(status);
    head += "\r\nDate: ";
    head += httpDate();
    head += "\r\nServer: portcullis\r\n";
    if (!contentType.isEmpty()) {
        head += "Content-Type: ";
        head += contentType;
        head += "\r\n";
    }
    if (chunked) {
        head += "Transfer-Encoding: chunked\r\n";
    } else if (status != 204 && status != 304 && contentLength >= 0) {
        head += "Content-Length: ";
        head += QByteArray::number(contentLength);
        head += "\r\n";
    }
    head += m_keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
    for (const auto& [name, value] : headers) {
        head += name;
        head += ": ";
        head += value;
        head += "\r\n";
    }
    head += "\r\n";
    m_socket->write(head);
}

void HttpConnection::sendResponse(const HttpResponse& response, qint64 elapsedMs)
{
    if (m_state != State::Busy || !m_socket)
        return;
    writeHead(response.status, response.contentType, response.headers, response.body.size(), false);
    if (response.status != 204 && response.status != 304 && !response.body.isEmpty())
        m_socket->write(response.body);
    m_server->logAccess(m_logged, response.status, elapsedMs, response.actorLabel, response.body.size());
    requestDone();
}

void HttpConnection::sendStreamHead(int status, const QByteArray& contentType, const HeaderList& headers)
{
    if (m_state != State::Busy || !m_socket)
        return;
    writeHead(status, contentType, headers, -1, true);
    updateBacklog();
}

void HttpConnection::sendStreamChunk(const QByteArray& framed, qint64 postedBytes)
{
    if (!m_socket)
        return;
    m_socket->write(framed);
    qint64 backlog = m_socket->bytesToWrite();
    if (m_tls)
        backlog += static_cast<QSslSocket*>(m_socket.data())->encryptedBytesToWrite();
    QMutexLocker lock(&m_link->mutex);
    m_link->posted -= postedBytes;
    m_link->backlog = backlog;
    m_link->drained.wakeAll();
}

void HttpConnection::finishStream(int status, const QString& actorLabel, qint64 elapsedMs, qint64 bytes)
{
    if (m_state != State::Busy || !m_socket)
        return;
    m_server->logAccess(m_logged, status, elapsedMs, actorLabel, bytes);
    requestDone();
}

void HttpConnection::requestDone()
{
    if (!m_keepAlive) {
        closeSoon();
        return;
    }
    m_state = State::Headers;
    armIdleTimer();
    if (!m_buffer.isEmpty())
        m_requestTimer.start(); // a pipelined request is already here
    if (!m_buffer.isEmpty() || (m_socket && m_socket->bytesAvailable() > 0))
        QMetaObject::invokeMethod(
            this,
            [this]() {
                if (m_state != State::Headers)
                    return;
                if (m_socket && m_socket->bytesAvailable() > 0) {
                    if (m_buffer.isEmpty())
                        m_requestTimer.start();
                    m_buffer += m_socket->readAll();
                }
                process();
            },
            Qt::QueuedConnection);
}

} // namespace portcullis::http
