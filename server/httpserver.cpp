#include "httpserver.h"

#include "httpjson.h"

#include <QDateTime>
#include <QDeadlineTimer>
#include <QLocale>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcHttp, "portcullis.http")

namespace portcullis::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// After an error answer (a 413 before the body, say) the client may still be sending: reading and
// discarding up to this much before closing lets it see the answer instead of a connection reset.
constexpr std::size_t MaxDrainBytes = 8 * 1024 * 1024;
constexpr int MaxHeaderCount = 100;
// How much one read takes from the socket. A connection's buffer holds at most the head limit plus
// this; while a handler has its request nothing is read (pipelined requests wait in the kernel).
constexpr std::size_t ReadChunkBytes = 64 * 1024;
// A TLS close_notify exchange may take this long before the socket is just closed.
constexpr auto TlsShutdownTimeout = std::chrono::seconds(2);

// The Date header, formatted once per second.
QByteArray httpDate()
{
    // Per I/O thread: no lock on the response path.
    thread_local qint64 cachedSecond = -1;
    thread_local QByteArray cached;
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

namespace {

// Failed TLS handshakes (a client without the CA, plain HTTP sent to the TLS port, a scanner) are
// what an operator needs to see when "nothing connects", but a scanner makes thousands: the first
// is logged as a warning with the peer and the reason, then at most one every 10 s, with how many
// failed meanwhile.
std::atomic<qint64> g_handshakeLoggedAtMs { 0 };
std::atomic<qint64> g_handshakesNotLogged { 0 };
constexpr qint64 HandshakeLogIntervalMs = 10000;

void logFailedHandshake(const QHostAddress& peer, const std::string& reason)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    qint64 last = g_handshakeLoggedAtMs.load(std::memory_order_relaxed);
    if ((last != 0 && now - last < HandshakeLogIntervalMs)
        || !g_handshakeLoggedAtMs.compare_exchange_strong(last, now, std::memory_order_relaxed)) {
        g_handshakesNotLogged.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    const qint64 meanwhile = g_handshakesNotLogged.exchange(0, std::memory_order_relaxed);
    QString line
        = QStringLiteral("TLS handshake with %1 failed: %2").arg(peer.toString(), QString::fromStdString(reason));
    if (meanwhile > 0)
        line += QStringLiteral(" (%1 more failed since the last report)").arg(meanwhile);
    qCWarning(lcHttp).noquote() << line;
}

// The access log is written by a thread of its own: a request's I/O thread only queues what the
// line says (its time, ids, status and sizes, a few hundred bytes), and the writer formats the lines
// with the message pattern (qFormatLogMessage, as Qt's default handler does: the time is the
// line's writing, as before a fraction of a millisecond after the answer) and writes whatever has
// queued with one write(2) to standard error. Before, every line was formatted (local time included)
// and flushed on the I/O thread that serves every connection. No line is dropped: with 100,000 lines
// waiting (standard error blocked) a request waits for room; flushAccessLog() returns once every
// line queued before it is written (HttpServer::stop, serve's exit).
class AccessLogWriter
{
public:
    struct Entry
    {
        quint64 id = 0;
        QHostAddress peer;
        QByteArray method;
        QByteArray path;
        int status = 0;
        qint64 ms = 0;
        QString actor;
        qint64 bytes = 0;
    };

    // Never destroyed: the writer may still wait for lines while the process's statics go away (it
    // holds none of them then: flushAccessLog() ran before).
    static AccessLogWriter& instance()
    {
        static AccessLogWriter* writer = new AccessLogWriter;
        return *writer;
    }

    void add(Entry entry)
    {
        std::unique_lock lock(m_mutex);
        m_room.wait(lock, [this] { return m_queue.size() < MaxWaiting; });
        if (!m_thread.joinable())
            m_thread = std::thread([this] { run(); });
        m_queue.push_back(std::move(entry));
        ++m_added;
        if (m_queue.size() == 1)
            m_wake.notify_one();
    }

    void flush()
    {
        std::unique_lock lock(m_mutex);
        const quint64 target = m_added;
        m_written.wait(lock, [&] { return m_done >= target; });
    }

private:
    static constexpr size_t MaxWaiting = 100000;

    [[noreturn]] void run()
    {
        const QMessageLogContext context(nullptr, 0, nullptr, lcHttp().categoryName());
        std::vector<Entry> batch;
        for (;;) {
            {
                std::unique_lock lock(m_mutex);
                m_wake.wait(lock, [this] { return !m_queue.empty(); });
                batch.assign(std::make_move_iterator(m_queue.begin()), std::make_move_iterator(m_queue.end()));
                m_queue.clear();
                m_room.notify_all();
            }
            QByteArray out;
            for (const Entry& e : batch) {
                const QString message
                    = QStringLiteral("#%1 %2 \"%3 %4\" %5 %6ms actor=%7 bytes=%8")
                          .arg(e.id)
                          .arg(e.peer.toString(), QString::fromLatin1(e.method), QString::fromUtf8(e.path))
                          .arg(e.status)
                          .arg(e.ms)
                          .arg(e.actor.isEmpty() ? QStringLiteral("-") : e.actor)
                          .arg(e.bytes);
                out += qFormatLogMessage(QtInfoMsg, context, message).toLocal8Bit();
                out += '\n';
            }
            writeAll(out);
            std::lock_guard lock(m_mutex);
            m_done += batch.size();
            batch.clear();
            m_written.notify_all();
        }
    }

    static void writeAll(const QByteArray& bytes)
    {
        qsizetype offset = 0;
        while (offset < bytes.size()) {
            const ssize_t n = ::write(STDERR_FILENO, bytes.constData() + offset, size_t(bytes.size() - offset));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return; // standard error is gone: nothing to be done
            offset += n;
        }
    }

    std::mutex m_mutex;
    std::condition_variable m_wake; // lines are waiting
    std::condition_variable m_room; // the queue has room again
    std::condition_variable m_written; // a batch was written
    std::deque<Entry> m_queue;
    quint64 m_added = 0;
    quint64 m_done = 0;
    std::thread m_thread;
};

void writeAccessLog(const HttpRequest& request, int status, qint64 ms, const QString& actorLabel, qint64 bytes)
{
    if (!lcHttp().isInfoEnabled())
        return;
    AccessLogWriter::Entry entry;
    entry.id = request.id;
    entry.peer = request.peer;
    entry.method = request.method;
    entry.path = loggablePath(request);
    entry.status = status;
    entry.ms = ms;
    entry.actor = actorLabel;
    entry.bytes = bytes;
    AccessLogWriter::instance().add(std::move(entry));
}

} // namespace

// --- Request parsing: Beast's parser, then our checks ----------------------------------------------

namespace {

QByteArray toBytes(beast::string_view text)
{
    return QByteArray(text.data(), qsizetype(text.size()));
}

RequestHead::Error malformed(const QByteArray& detail)
{
    return { 400, "Malformed request", detail };
}

RequestHead::Error headTooLarge(const QByteArray& detail)
{
    return { 431, "Request header fields too large", detail };
}

RequestHead::Error chunkedRefused()
{
    return { 411, "Length required",
             "Request bodies must be sent with Content-Length; Transfer-Encoding is not accepted." };
}

// Beast's HTTP/1 parser with the callbacks filling our HttpRequest directly (no intermediate
// beast::http::fields). Where our rules are stricter than Beast's, a callback sets `refusal` and
// stops the parser with an error code.
class RequestParser final : public bhttp::basic_parser<true>
{
public:
    explicit RequestParser(int maxHeaderBytes)
    {
        header_limit(std::uint32_t(std::max(256, maxHeaderBytes)));
        body_limit(boost::none); // the connection refuses large bodies itself, from the head (413)
        eager(false); // stop after the head: its checks come before any body byte is read
    }

    HttpRequest request;
    QByteArray body;
    std::optional<RequestHead::Error> refusal;

private:
    void on_request_impl(bhttp::verb, beast::string_view method, beast::string_view target, int version,
                         error_code& ec) override
    {
        request.method = toBytes(method);
        request.target = toBytes(target);
        if (version != 10 && version != 11) {
            refusal
                = RequestHead::Error { 505, "HTTP version not supported", "This server speaks HTTP/1.1 (and 1.0)." };
            ec = bhttp::error::bad_version;
            return;
        }
        request.http10 = version == 10;
        if (!request.target.startsWith('/')) {
            refusal = malformed("The request target must be a path starting with \"/\".");
            ec = bhttp::error::bad_target;
            return;
        }
        for (const char c : request.target) {
            if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
                refusal = malformed("The request target holds characters that must be percent-encoded.");
                ec = bhttp::error::bad_target;
                return;
            }
        }
    }
    void on_response_impl(int, beast::string_view, int, error_code& ec) override { ec = bhttp::error::bad_version; }
    void on_field_impl(bhttp::field name, beast::string_view nameText, beast::string_view value,
                       error_code& ec) override
    {
        if (request.headers.size() >= MaxHeaderCount) {
            refusal = headTooLarge("More than 100 header fields.");
            ec = bhttp::error::header_limit;
            return;
        }
        if (name == bhttp::field::transfer_encoding) {
            refusal = chunkedRefused();
            ec = bhttp::error::bad_transfer_encoding;
            return;
        }
        request.headers.emplaceBack(toBytes(nameText).toLower(), toBytes(value));
    }
    void on_header_impl(error_code&) override { }
    void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override
    {
        if (length)
            body.reserve(qsizetype(std::min<std::uint64_t>(*length, ReadChunkBytes)));
    }
    std::size_t on_body_impl(beast::string_view data, error_code&) override
    {
        body.append(data.data(), qsizetype(data.size()));
        return data.size();
    }
    void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code& ec) override
    {
        ec = bhttp::error::bad_transfer_encoding; // not reached: Transfer-Encoding is refused in the head
    }
    std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view, error_code& ec) override
    {
        ec = bhttp::error::bad_transfer_encoding;
        return 0;
    }
    void on_finish_impl(error_code&) override { }
};

// The refusal for a head Beast (or a callback of ours) stopped on.
RequestHead::Error headError(const RequestParser& parser, const error_code& ec, int maxHeaderBytes,
                             std::string_view raw)
{
    if (parser.refusal)
        return *parser.refusal;
    if (ec == bhttp::error::bad_version) {
        // Beast stops at any version but 1.0 and 1.1 before telling us; "HTTP/2.0" is still a
        // version, only one this server does not speak.
        std::string_view line = raw.substr(0, raw.find('\n'));
        if (line.ends_with('\r'))
            line.remove_suffix(1);
        const std::string_view version = line.substr(line.rfind(' ') + 1);
        if (version == "HTTP/1.1" || version == "HTTP/1.0")
            return malformed("Lines must end with CRLF.");
        if (std::count(line.begin(), line.end(), ' ') == 2 && version.starts_with("HTTP/"))
            return { 505, "HTTP version not supported", "This server speaks HTTP/1.1 (and 1.0)." };
    }
    if (ec == bhttp::error::header_limit)
        return headTooLarge("The request line and headers exceed " + QByteArray::number(maxHeaderBytes) + " bytes.");
    if (ec == bhttp::error::bad_transfer_encoding)
        return chunkedRefused();
    if (ec == bhttp::error::bad_content_length || ec == bhttp::error::multiple_content_length)
        return malformed("Content-Length is not one whole number.");
    if (ec == bhttp::error::bad_line_ending)
        return malformed("Lines must end with CRLF.");
    if (ec == bhttp::error::bad_field || ec == bhttp::error::bad_value || ec == bhttp::error::bad_obs_fold)
        return malformed("A header line is not \"Name: value\" with visible characters.");
    if (ec == bhttp::error::need_more || ec == bhttp::error::partial_message)
        return malformed("The request head is incomplete.");
    return malformed("The request line is not \"METHOD /path HTTP/1.1\".");
}

// The checks once Beast has read a whole head (`raw`: its bytes, for the folding check).
RequestHead finishHead(RequestParser& parser, const char* raw, std::size_t rawSize)
{
    RequestHead parsed;
    // Beast joins obsolete folded lines (RFC 9112 5.2 allows either); a proxy in front may not,
    // which is how requests get smuggled, so they are refused.
    const std::string_view head(raw, rawSize);
    if (head.find("\r\n ") != std::string_view::npos || head.find("\r\n\t") != std::string_view::npos) {
        parsed.error = malformed("Folded header lines are not accepted.");
        return parsed;
    }
    HttpRequest& request = parsed.request;
    request = std::move(parser.request);
    const qsizetype questionMark = request.target.indexOf('?');
    request.path = questionMark < 0 ? request.target : request.target.left(questionMark);
    request.query = questionMark < 0 ? QByteArray() : request.target.mid(questionMark + 1);
    const qsizetype hash = request.query.indexOf('#');
    if (hash >= 0)
        request.query.truncate(hash);
    if (!request.http10 && !request.hasHeader("host")) {
        parsed.error = malformed("HTTP/1.1 requests need a Host header.");
        return parsed;
    }
    const auto length = parser.content_length();
    if (length && *length > std::uint64_t(std::numeric_limits<qint64>::max())) {
        parsed.error = malformed("Content-Length is not one whole number.");
        return parsed;
    }
    parsed.contentLength = length ? qint64(*length) : 0;
    parsed.keepAlive = parser.keep_alive();
    return parsed;
}

} // namespace

RequestHead parseRequestHead(const QByteArray& head, int maxHeaderBytes)
{
    RequestParser parser(maxHeaderBytes);
    const QByteArray bytes = head + "\r\n\r\n";
    error_code ec;
    const std::size_t used = parser.put(asio::buffer(bytes.constData(), std::size_t(bytes.size())), ec);
    if (!ec && !parser.is_header_done())
        ec = bhttp::error::need_more;
    if (ec) {
        RequestHead refused;
        refused.error
            = headError(parser, ec, maxHeaderBytes, std::string_view(bytes.constData(), std::size_t(bytes.size())));
        return refused;
    }
    return finishHead(parser, bytes.constData(), used);
}

// --- Sessions: one connection each ----------------------------------------------------------------

namespace {

// Tells the work on a request that its client is gone, and wakes a writer waiting for room.
// (Out of line: GCC 12 warns falsely about the atomic store when it is inlined into a loop over a map.)
[[gnu::noinline]] void markClosed(ConnectionLink& link)
{
    QMutexLocker lock(&link.mutex);
    link.closed = true;
    link.cancelled.store(true);
    link.drained.wakeAll();
}

} // namespace

// What HttpExchange reaches of a connection. Every function but execute() runs on the session's
// strand (HttpExchange::post puts it there).
class HttpSession
{
public:
    virtual ~HttpSession() = default;
    virtual void execute(std::function<void(HttpSession&)> work) = 0; // any thread
    virtual void sendResponse(const HttpResponse& response, qint64 elapsedMs) = 0;
    virtual void sendStreamHead(int status, const QByteArray& contentType, const HeaderList& headers) = 0;
    virtual void sendStreamData(QByteArray framed, qint64 postedBytes) = 0;
    virtual void finishStream(int status, const QString& actorLabel, qint64 elapsedMs, qint64 bytes) = 0;
    virtual void abort() = 0;
    virtual void stopIfIdle() = 0; // the server stops: a connection waiting for a request ends
};

struct HttpServer::Private
{
    Options options;
    Handler handler;
    std::optional<asio::io_context> io;
    std::optional<asio::ssl::context> ssl;
    std::optional<tcp::acceptor> acceptor;
    std::optional<asio::steady_timer> acceptPause;
    std::chrono::milliseconds acceptBackoff { 0 };
    std::vector<std::thread> threads;
    QString error;
    QHostAddress address;
    quint16 port = 0;
    std::atomic<quint64> requestIds { 0 };
    std::atomic_bool stopping { false }; // close() was called: no new requests

    // Guards the counts and the session registry (any I/O thread; the destructor).
    mutable std::mutex mutex;
    int connections = 0;
    std::map<asio::ip::address, int> perAddress;
    std::unordered_map<HttpSession*, std::shared_ptr<ConnectionLink>> sessions;
    std::chrono::steady_clock::time_point lastCapWarning;

    bool admit(const asio::ip::address& peer)
    {
        std::lock_guard lock(mutex);
        int& fromPeer = perAddress[peer];
        const bool overTotal = connections >= options.maxConnections;
        const bool overPeer = options.maxConnectionsPerAddress > 0 && fromPeer >= options.maxConnectionsPerAddress;
        if (overTotal || overPeer) {
            if (fromPeer == 0)
                perAddress.erase(peer);
            const auto now = std::chrono::steady_clock::now();
            if (now - lastCapWarning > std::chrono::seconds(5)) { // one line per 5 s, not one per refusal
                lastCapWarning = now;
                if (overTotal)
                    qCWarning(lcHttp) << "connection limit reached (" << options.maxConnections
                                      << "); closing new connections";
                else
                    qCWarning(lcHttp).noquote() << QStringLiteral("%1 has %2 connections open (the limit per "
                                                                  "address); closing its new connections")
                                                       .arg(QString::fromStdString(peer.to_string()))
                                                       .arg(fromPeer);
            }
            return false;
        }
        ++fromPeer;
        ++connections;
        return true;
    }
    void enter(HttpSession* session, std::shared_ptr<ConnectionLink> link)
    {
        std::lock_guard lock(mutex);
        sessions.emplace(session, std::move(link));
    }
    void leave(HttpSession* session, const asio::ip::address& peer)
    {
        std::lock_guard lock(mutex);
        sessions.erase(session);
        --connections;
        auto it = perAddress.find(peer);
        if (it != perAddress.end() && --it->second <= 0)
            perAddress.erase(it);
    }

    void accept();
    void onAccept(const error_code& ec, tcp::socket socket);
};

namespace {

// The peer as the socket sees it; an IPv4 client of a dual-stack socket as its IPv4 address.
asio::ip::address plainAddress(const asio::ip::address& address)
{
    if (address.is_v6() && address.to_v6().is_v4_mapped())
        return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    return address;
}

QHostAddress toQt(const asio::ip::address& address)
{
    if (address.is_v4())
        return QHostAddress(quint32(address.to_v4().to_uint()));
    const auto bytes = address.to_v6().to_bytes();
    return QHostAddress(bytes.data());
}

QByteArray problemBody(int status, const QByteArray& title, const QByteArray& detail)
{
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
    return w.take();
}

QByteArray responseHead(int status, const QByteArray& contentType, const HeaderList& headers, qint64 contentLength,
                        bool chunked, bool keepAlive)
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
    head += keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
    for (const auto& [name, value] : headers) {
        head += name;
        head += ": ";
        head += value;
        head += "\r\n";
    }
    head += "\r\n";
    return head;
}

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One connection. Lives as long as a pending operation, a posted call or the exchange of a request
// being answered holds it (ConnectionLink::session only refers to it weakly); everything but
// execute() runs on its strand.
template <class Stream> class Session final : public HttpSession, public std::enable_shared_from_this<Session<Stream>>
{
    static constexpr bool Tls = std::is_same_v<Stream, TlsStream>;

public:
    template <class... StreamArgs>
    Session(HttpServer::Private& server, asio::ip::address peer, StreamArgs&&... streamArgs)
        : m_server(server)
        , m_options(server.options)
        , m_stream(std::forward<StreamArgs>(streamArgs)...)
        , m_buffer(std::size_t(m_options.maxHeaderBytes) + ReadChunkBytes)
        , m_address(peer)
        , m_peer(toQt(peer))
        , m_link(std::make_shared<ConnectionLink>())
    {
        m_link->writeTimeoutMs = m_options.writeTimeoutMs;
    }

    ~Session() override
    {
        closeLink();
        m_server.leave(this, m_address);
    }

    void start()
    {
        m_link->session = this->weak_from_this();
        m_link->socket = lowest().socket().native_handle();
        m_server.enter(this, m_link);
        if constexpr (Tls) {
            lowest().expires_after(ms(m_options.headerTimeoutMs));
            m_stream.async_handshake(asio::ssl::stream_base::server,
                                     [self = this->shared_from_this()](const error_code& ec) {
                                         if (ec) {
                                             logFailedHandshake(self->m_peer, ec.message());
                                             self->closeNow();
                                             return;
                                         }
                                         self->readRequest(true);
                                     });
        } else {
            readRequest(true);
        }
    }

    void execute(std::function<void(HttpSession&)> work) override
    {
        asio::post(m_stream.get_executor(),
                   [self = this->shared_from_this(), work = std::move(work)]() { work(*self); });
    }

    void sendResponse(const HttpResponse& response, qint64 elapsedMs) override
    {
        if (m_state != State::Busy)
            return;
        const bool withBody = response.status != 204 && response.status != 304;
        m_keepAlive = m_keepAlive && !m_server.stopping;
        enqueue(responseHead(response.status, response.contentType, response.headers, response.body.size(), false,
                             m_keepAlive),
                withBody ? response.body : QByteArray(), 0, m_keepAlive ? After::NextRequest : After::Close);
        writeAccessLog(m_logged, response.status, elapsedMs, response.actorLabel, response.body.size());
        m_state = State::Answered;
    }

    void sendStreamHead(int status, const QByteArray& contentType, const HeaderList& headers) override
    {
        if (m_state != State::Busy)
            return;
        m_state = State::Streaming;
        enqueue(responseHead(status, contentType, headers, -1, true, m_keepAlive), {}, 0, After::Nothing);
    }

    void sendStreamData(QByteArray framed, qint64 postedBytes) override
    {
        if (m_state != State::Streaming) {
            release(postedBytes);
            return;
        }
        enqueue(std::move(framed), {}, postedBytes, After::Nothing);
    }

    void finishStream(int status, const QString& actorLabel, qint64 elapsedMs, qint64 bytes) override
    {
        if (m_state != State::Streaming)
            return;
        enqueue(QByteArrayLiteral("0\r\n\r\n"), {}, 0, m_keepAlive ? After::NextRequest : After::Close);
        writeAccessLog(m_logged, status, elapsedMs, actorLabel, bytes);
        m_state = State::Answered;
    }

    void abort() override { closeNow(); }

    void stopIfIdle() override
    {
        if (m_state == State::Reading && !m_headStarted)
            closeNow();
    }

private:
    enum class State
    {
        Reading, // waiting for or reading a request
        Busy, // a handler has the request
        Streaming, // a handler is sending a chunked response
        Answered, // the answer is queued; then the next request, or the end
        Closing
    };
    enum class After
    {
        Nothing,
        NextRequest,
        Close
    };
    struct Outgoing
    {
        QByteArray head;
        QByteArray body;
        qint64 streamBytes = 0; // HttpExchange's share of ConnectionLink::posted
        After after = After::Nothing;
    };

    static std::chrono::milliseconds ms(qint64 value) { return std::chrono::milliseconds(value); }
    beast::tcp_stream& lowest() { return beast::get_lowest_layer(m_stream); }

    void closeLink() { markClosed(*m_link); }

    void closeNow()
    {
        if (m_state == State::Closing && !lowest().socket().is_open())
            return;
        m_state = State::Closing;
        closeLink();
        lowest().close(); // cancels whatever is pending; the handlers then let go of the session
    }

    // Closes after what was written: shuts the sending side, then reads and discards what the
    // client still sends (a refused body, say) for a while, so that it sees the answer instead of
    // a reset.
    void closeGracefully()
    {
        m_state = State::Closing;
        closeLink();
        if constexpr (Tls) {
            lowest().expires_after(TlsShutdownTimeout);
            m_stream.async_shutdown([self = this->shared_from_this()](const error_code&) { self->closeNow(); });
        } else {
            error_code ignored;
            lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
            m_buffer.clear();
            lowest().expires_after(ms(std::min(m_options.headerTimeoutMs, 5000)));
            discard();
        }
    }

    void discard()
    {
        if (m_discarded >= MaxDrainBytes) {
            closeNow();
            return;
        }
        m_stream.async_read_some(m_buffer.prepare(ReadChunkBytes),
                                 [self = this->shared_from_this()](const error_code& ec, std::size_t n) {
                                     self->m_discarded += n;
                                     if (ec) {
                                         self->closeNow();
                                         return;
                                     }
                                     self->discard();
                                 });
    }

    // --- reading -------------------------------------------------------------------------------

    void readRequest(bool first)
    {
        if (m_server.stopping) {
            closeNow();
            return;
        }
        m_state = State::Reading;
        m_parser.emplace(m_options.maxHeaderBytes);
        m_headStarted = false;
        m_bodyStarted = false;
        skipEmptyLines();
        if (m_buffer.size() > 0) {
            startHead();
            parse();
            return;
        }
        // A new connection must start its request within the header deadline; a kept-alive one
        // may wait for the idle timeout.
        lowest().expires_after(ms(first ? m_options.headerTimeoutMs : m_options.idleTimeoutMs));
        readSome();
    }

    void skipEmptyLines() // RFC 9112 2.2: empty lines before a request line are ignored
    {
        for (;;) {
            const auto data = m_buffer.data();
            const char* bytes = static_cast<const char*>(data.data());
            if (data.size() >= 1 && bytes[0] == '\n') // tolerated only as part of CRLF below
                return;
            if (data.size() >= 2 && bytes[0] == '\r' && bytes[1] == '\n') {
                m_buffer.consume(2);
                continue;
            }
            return;
        }
    }

    void startHead()
    {
        m_headStarted = true;
        m_deadline = std::chrono::steady_clock::now() + ms(m_options.headerTimeoutMs);
        lowest().expires_at(m_deadline);
    }

    void readSome()
    {
        const std::size_t room = m_buffer.max_size() - m_buffer.size();
        if (room == 0) { // not reached: Beast's header limit is below the buffer's
            refuse(headTooLarge("The request line and headers exceed " + QByteArray::number(m_options.maxHeaderBytes)
                                + " bytes."));
            return;
        }
        if (m_headStarted)
            lowest().expires_at(m_deadline);
        m_stream.async_read_some(
            m_buffer.prepare(std::min(room, ReadChunkBytes)),
            [self = this->shared_from_this()](const error_code& ec, std::size_t n) { self->onRead(ec, n); });
    }

    void onRead(const error_code& ec, std::size_t n)
    {
        if (m_state != State::Reading)
            return;
        if (ec) {
            if (ec == beast::error::timeout && m_headStarted)
                qCInfo(lcHttp).noquote() << QStringLiteral("%1: dropped, the request %2 did not arrive in time")
                                                .arg(m_peer.toString(),
                                                     m_bodyStarted ? QStringLiteral("body") : QStringLiteral("head"));
            closeNow(); // the client left, or its time is up: nothing is owed
            return;
        }
        m_buffer.commit(n);
        if (!m_headStarted) {
            skipEmptyLines();
            if (m_buffer.size() == 0) {
                readSome();
                return;
            }
            startHead();
        }
        parse();
    }

    void parse()
    {
        error_code ec;
        if (!m_parser->is_header_done()) {
            const auto data = m_buffer.data();
            const std::size_t used = m_parser->put(data, ec);
            if (ec == bhttp::error::need_more) {
                readSome();
                return;
            }
            if (ec) {
                m_request = std::move(m_parser->request);
                refuse(headError(*m_parser, ec, m_options.maxHeaderBytes,
                                 std::string_view(static_cast<const char*>(data.data()), data.size())));
                return;
            }
            RequestHead head = finishHead(*m_parser, static_cast<const char*>(data.data()), used);
            m_buffer.consume(used);
            m_request = std::move(head.request);
            if (head.error) {
                refuse(*head.error);
                return;
            }
            m_keepAlive = head.keepAlive;
            m_contentLength = head.contentLength;
            if (m_contentLength > m_options.maxBodyBytes) {
                refuse({ 413, "Request body too large",
                         "The request body is " + QByteArray::number(m_contentLength) + " bytes; the limit is "
                             + QByteArray::number(m_options.maxBodyBytes) + " bytes." });
                return;
            }
            if (m_parser->is_done()) {
                dispatch();
                return;
            }
            // The body gets the head's time again plus what it takes at the minimum rate.
            m_bodyStarted = true;
            const qint64 rate = std::max<qint64>(1, m_options.minBodyBytesPerSecond);
            m_deadline
                = std::chrono::steady_clock::now() + ms(m_options.headerTimeoutMs) + ms(m_contentLength * 1000 / rate);
            if (m_request.header("expect").toLower() == "100-continue" && m_buffer.size() == 0)
                enqueue(QByteArrayLiteral("HTTP/1.1 100 Continue\r\n\r\n"), {}, 0, After::Nothing);
        }
        while (m_buffer.size() > 0 && !m_parser->is_done()) {
            const std::size_t used = m_parser->put(m_buffer.data(), ec);
            if (ec && ec != bhttp::error::need_more) {
                refuse(malformed("The request body could not be read."));
                return;
            }
            m_buffer.consume(used);
            if (used == 0)
                break;
        }
        if (m_parser->is_done()) {
            dispatch();
            return;
        }
        readSome();
    }

    void dispatch()
    {
        m_state = State::Busy;
        lowest().expires_never();
        HttpRequest request = std::move(m_request);
        m_request = HttpRequest();
        request.body = std::move(m_parser->body);
        m_parser.reset();
        request.id = ++m_server.requestIds;
        request.peer = m_peer;
        request.tls = Tls;
        m_logged = HttpRequest();
        m_logged.id = request.id;
        m_logged.method = request.method;
        m_logged.path = request.path;
        m_logged.query = request.query;
        m_logged.peer = request.peer;
        // The exchange holds the session: it lives as long as a worker may answer through it.
        m_server.handler(std::make_shared<HttpExchange>(std::move(request), m_link, this->shared_from_this()));
    }

    void refuse(const RequestHead::Error& error)
    {
        const QByteArray body = problemBody(error.status, error.title, error.detail);
        m_keepAlive = false;
        m_state = State::Answered;
        enqueue(responseHead(error.status, "application/problem+json", {}, body.size(), false, false), body, 0,
                After::Close);
        HttpRequest logged = std::move(m_request);
        logged.id = ++m_server.requestIds;
        logged.peer = m_peer;
        if (logged.method.isEmpty())
            logged.method = "-";
        writeAccessLog(logged, error.status, 0, QString(), body.size());
    }

    // --- writing -------------------------------------------------------------------------------

    void enqueue(QByteArray head, QByteArray body, qint64 streamBytes, After after)
    {
        m_out.push_back(Outgoing { std::move(head), std::move(body), streamBytes, after });
        if (!m_writing)
            writeNext();
    }

    void writeNext()
    {
        if (m_out.empty() || !lowest().socket().is_open()) {
            m_writing = false;
            return;
        }
        m_writing = true;
        const Outgoing& next = m_out.front();
        const std::array<asio::const_buffer, 2> buffers {
            asio::buffer(next.head.constData(), std::size_t(next.head.size())),
            asio::buffer(next.body.constData(), std::size_t(next.body.size()))
        };
        lowest().expires_after(ms(m_options.writeTimeoutMs));
        asio::async_write(m_stream, buffers, [self = this->shared_from_this()](const error_code& ec, std::size_t) {
            self->onWritten(ec);
        });
    }

    void release(qint64 streamBytes)
    {
        if (streamBytes == 0)
            return;
        QMutexLocker lock(&m_link->mutex);
        m_link->posted -= streamBytes;
        m_link->drained.wakeAll();
    }

    void onWritten(const error_code& ec)
    {
        Outgoing done = std::move(m_out.front());
        m_out.pop_front();
        release(done.streamBytes);
        m_writing = false;
        if (ec) {
            if (ec == beast::error::timeout)
                qCWarning(lcHttp).noquote() << QStringLiteral("%1: dropped, the client took nothing for %2 s")
                                                   .arg(m_peer.toString())
                                                   .arg(m_options.writeTimeoutMs / 1000.0);
            for (const Outgoing& left : m_out)
                release(left.streamBytes);
            m_out.clear();
            closeNow();
            return;
        }
        switch (done.after) {
        case After::Nothing:
            writeNext();
            return;
        case After::NextRequest:
            readRequest(false);
            return;
        case After::Close:
            closeGracefully();
            return;
        }
    }

    HttpServer::Private& m_server;
    const HttpServer::Options& m_options;
    Stream m_stream;
    beast::flat_buffer m_buffer;
    asio::ip::address m_address;
    QHostAddress m_peer;
    std::shared_ptr<ConnectionLink> m_link;
    std::optional<RequestParser> m_parser;
    HttpRequest m_request; // being read
    HttpRequest m_logged; // the request in flight, without headers and body, for the access log
    State m_state = State::Reading;
    bool m_headStarted = false;
    bool m_bodyStarted = false;
    bool m_keepAlive = true;
    qint64 m_contentLength = 0;
    std::chrono::steady_clock::time_point m_deadline;
    std::deque<Outgoing> m_out;
    bool m_writing = false;
    std::size_t m_discarded = 0;
};

} // namespace

// --- HttpExchange --------------------------------------------------------------------------------

HttpExchange::HttpExchange(HttpRequest request, std::shared_ptr<ConnectionLink> link, std::shared_ptr<void> connection)
    : m_request(std::move(request))
    , m_link(std::move(link))
    , m_connection(std::move(connection))
{
    m_timer.start();
}

bool HttpExchange::clientGone() const
{
    QMutexLocker lock(&m_link->mutex);
    if (m_link->closed)
        return true;
    if (m_link->socket < 0)
        return false;
    // Nothing is read from a connection while a handler has its request, so its strand would
    // notice a departed client only when the answer is written. A look at the socket instead:
    // end of stream or an error means gone; data (a pipelined request) or nothing yet means still
    // there. The descriptor stays open while the link is not closed: the session closes it only
    // after marking the link closed under this mutex.
    char byte = 0;
    const ssize_t got = ::recv(m_link->socket, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

bool HttpExchange::post(std::function<void(HttpSession&)> work, qint64 streamBytes)
{
    std::shared_ptr<HttpSession> session; // released after the mutex: its destructor takes it
    {
        QMutexLocker lock(&m_link->mutex);
        if (m_link->closed)
            return false;
        session = m_link->session.lock();
        if (!session)
            return false;
        m_link->posted += streamBytes;
        // Under the mutex: the server marks every link closed (under it) before its io_context goes.
        session->execute(std::move(work));
    }
    return true;
}

void HttpExchange::respond(HttpResponse response)
{
    if (m_answered.exchange(true))
        return;
    const qint64 ms = m_timer.elapsed();
    const QString actor = response.actorLabel;
    const qint64 bytes = response.body.size();
    auto shared = std::make_shared<HttpResponse>(std::move(response));
    if (!post([shared, ms](HttpSession& s) { s.sendResponse(*shared, ms); }))
        writeAccessLog(m_request, 499, ms, actor, bytes); // the client left before the answer
}

void HttpExchange::startStream(int status, const QByteArray& contentType, const HeaderList& headers,
                               const QString& actorLabel)
{
    if (m_answered.exchange(true))
        return;
    m_streamStarted = true;
    m_streamStatus = status;
    m_streamActor = actorLabel;
    post([status, contentType, headers](HttpSession& s) { s.sendStreamHead(status, contentType, headers); });
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
        // The connection's write deadline ends a client that takes nothing (and wakes this wait);
        // this deadline only guards against a wake-up that never comes.
        QDeadlineTimer deadline(m_link->writeTimeoutMs + 5000);
        while (!m_link->closed && m_link->posted > maxInFlight) {
            if (!m_link->drained.wait(&m_link->mutex, deadline))
                break;
        }
        if (m_link->closed)
            return false;
        if (m_link->posted > maxInFlight) {
            lock.unlock();
            qCWarning(lcHttp) << "request" << m_request.id << "stalled: the client read nothing for"
                              << m_link->writeTimeoutMs / 1000 << "s";
            abortStream();
            return false;
        }
    }
    const qint64 size = framed.size();
    m_streamed += data.size();
    return post(
        [framed = std::move(framed), size](HttpSession& s) mutable { s.sendStreamData(std::move(framed), size); },
        size);
}

void HttpExchange::finishStream()
{
    if (!m_streamStarted)
        return;
    const qint64 ms = m_timer.elapsed();
    const int status = m_streamStatus;
    const QString actor = m_streamActor;
    const qint64 bytes = m_streamed;
    if (!post([status, actor, ms, bytes](HttpSession& s) { s.finishStream(status, actor, ms, bytes); }))
        writeAccessLog(m_request, 499, ms, actor, bytes);
}

void HttpExchange::abortStream()
{
    const qint64 ms = m_timer.elapsed();
    writeAccessLog(m_request, m_streamStarted ? m_streamStatus : 500, ms, m_streamActor + QStringLiteral(" aborted"),
                   m_streamed);
    post([](HttpSession& s) { s.abort(); });
}

// --- HttpServer ----------------------------------------------------------------------------------

void HttpServer::Private::accept()
{
    acceptor->async_accept(asio::make_strand(*io),
                           [this](const error_code& ec, tcp::socket socket) { onAccept(ec, std::move(socket)); });
}

void HttpServer::Private::onAccept(const error_code& ec, tcp::socket socket)
{
    if (ec == asio::error::operation_aborted || !acceptor->is_open())
        return;
    if (ec) {
        // Out of descriptors (EMFILE, ENFILE) or memory: the connection stays in the backlog and
        // accepting again at once fails the same way, in a loop. Pause, doubling up to a second;
        // the open connections are served meanwhile and free descriptors as they end.
        const bool first = acceptBackoff.count() == 0;
        acceptBackoff = std::clamp(acceptBackoff * 2, std::chrono::milliseconds(100), std::chrono::milliseconds(1000));
        if (first)
            qCWarning(lcHttp).noquote() << QStringLiteral("cannot accept connections: %1; retrying in %2 ms")
                                               .arg(QString::fromStdString(ec.message()))
                                               .arg(acceptBackoff.count());
        acceptPause->expires_after(acceptBackoff);
        acceptPause->async_wait([this](const error_code& waited) {
            if (!waited)
                accept();
        });
        return;
    }
    if (acceptBackoff.count() != 0) {
        qCInfo(lcHttp) << "accepting connections again";
        acceptBackoff = std::chrono::milliseconds(0);
    }
    error_code peerError;
    const tcp::endpoint remote = socket.remote_endpoint(peerError);
    if (!peerError) {
        const asio::ip::address peer = plainAddress(remote.address());
        if (!admit(peer)) {
            error_code ignored;
            socket.close(ignored); // over a cap: closed at once, before a byte is read
        } else {
            error_code ignored;
            socket.set_option(tcp::no_delay(true), ignored);
            // A session that cannot be set up (no memory for its TLS state, say) loses this
            // connection, not the accept loop.
            bool constructed = false; // from then on the session's destructor gives its place back
            try {
                if (ssl) {
                    auto session = std::make_shared<Session<TlsStream>>(*this, peer, std::move(socket), *ssl);
                    constructed = true;
                    session->start();
                } else {
                    auto session = std::make_shared<Session<PlainStream>>(*this, peer, std::move(socket));
                    constructed = true;
                    session->start();
                }
            } catch (const std::exception& failure) {
                qCWarning(lcHttp) << "cannot set up a connection:" << failure.what();
                if (!constructed)
                    leave(nullptr, peer);
            }
        }
    }
    accept();
}

HttpServer::HttpServer(Options options, Handler handler)
    : d(std::make_unique<Private>())
{
    d->options = std::move(options);
    d->options.ioThreads = std::max(1, d->options.ioThreads);
    d->options.maxConnections = std::max(1, d->options.maxConnections);
    d->handler = std::move(handler);
    d->io.emplace(d->options.ioThreads);
}

HttpServer::~HttpServer()
{
    stop();
    // Sessions still held by an exchange would outlive the io_context: the owner makes sure that no
    // worker holds one any more (serve.cpp destroys the RestApi, which waits for its workers, first).
    d->acceptPause.reset();
    d->acceptor.reset();
    d->io.reset();
    d->ssl.reset();
}

bool HttpServer::listen(const QHostAddress& address, quint16 port)
{
    if (d->options.tls) {
        try {
            d->ssl.emplace(asio::ssl::context::tls_server);
            d->ssl->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2
                                | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1
                                | asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
            SSL_CTX_set_min_proto_version(d->ssl->native_handle(), TLS1_2_VERSION);
            const QByteArray& chain = d->options.tls->certificateChain;
            const QByteArray& key = d->options.tls->privateKey;
            d->ssl->use_certificate_chain(asio::buffer(chain.constData(), std::size_t(chain.size())));
            d->ssl->use_private_key(asio::buffer(key.constData(), std::size_t(key.size())), asio::ssl::context::pem);
        } catch (const boost::system::system_error& error) {
            d->error = QStringLiteral("TLS: %1").arg(QString::fromStdString(error.code().message()));
            d->ssl.reset();
            return false;
        }
    }
    tcp::endpoint endpoint;
    bool dualStack = false;
    if (address == QHostAddress::Any) {
        endpoint = tcp::endpoint(tcp::v6(), port);
        dualStack = true;
    } else if (address == QHostAddress::AnyIPv4) {
        endpoint = tcp::endpoint(tcp::v4(), port);
    } else {
        error_code parseError;
        const asio::ip::address ip = asio::ip::make_address(address.toString().toStdString(), parseError);
        if (parseError) {
            d->error = QString::fromStdString(parseError.message());
            return false;
        }
        endpoint = tcp::endpoint(ip, port);
    }
    d->acceptor.emplace(asio::make_strand(*d->io));
    error_code ec;
    auto open = [&](const tcp::endpoint& at, bool v6Only) {
        ec.clear();
        d->acceptor->open(at.protocol(), ec);
        if (!ec && at.protocol() == tcp::v6())
            d->acceptor->set_option(asio::ip::v6_only(v6Only), ec);
        if (!ec)
            d->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
        if (!ec)
            d->acceptor->bind(at, ec);
        if (!ec)
            d->acceptor->listen(1024, ec);
        if (ec) {
            error_code ignored;
            d->acceptor->close(ignored);
        }
    };
    open(endpoint, false);
    if (ec && dualStack) // no IPv6 here: every IPv4 address
        open(tcp::endpoint(tcp::v4(), port), false);
    if (ec) {
        d->error = QString::fromStdString(ec.message());
        return false;
    }
    const tcp::endpoint local = d->acceptor->local_endpoint(ec);
    d->address = toQt(local.address());
    d->port = local.port();
    d->acceptPause.emplace(d->acceptor->get_executor());
    asio::post(d->acceptor->get_executor(), [p = d.get()]() { p->accept(); });
    for (int i = 0; i < d->options.ioThreads; ++i) {
        d->threads.emplace_back([p = d.get()]() {
            // The work guard keeps run() going while no connection is open.
            auto guard = asio::make_work_guard(*p->io);
            for (;;) {
                try {
                    p->io->run();
                    return;
                } catch (const std::exception& error) {
                    // A handler threw (memory, say): that connection is lost, the server goes on.
                    qCCritical(lcHttp) << "I/O thread:" << error.what();
                }
            }
        });
    }
    return true;
}

QString HttpServer::errorString() const
{
    return d->error;
}

QHostAddress HttpServer::serverAddress() const
{
    return d->address;
}

quint16 HttpServer::serverPort() const
{
    return d->port;
}

void flushAccessLog()
{
    AccessLogWriter::instance().flush();
}

void HttpServer::stop()
{
    close();
    // No handler runs once the threads are joined. Then every exchange still held by a worker is
    // told that its client is gone, so that it posts nothing more and a blocked writer returns.
    d->io->stop();
    for (std::thread& thread : d->threads)
        thread.join();
    d->threads.clear();
    std::lock_guard lock(d->mutex);
    for (auto& entry : d->sessions) {
        if (entry.second)
            markClosed(*entry.second);
    }
    flushAccessLog();
}

void HttpServer::close()
{
    if (!d->acceptor || d->stopping.exchange(true))
        return;
    asio::post(d->acceptor->get_executor(), [p = d.get()]() {
        error_code ignored;
        p->acceptor->close(ignored);
        p->acceptPause->cancel();
    });
    // Connections waiting for a request end now; the others after their answer. The sessions are
    // collected under the mutex and told outside it: the last reference to a session may be one of
    // these, and its destructor takes the mutex.
    std::vector<std::shared_ptr<HttpSession>> sessions;
    {
        std::lock_guard lock(d->mutex);
        sessions.reserve(d->sessions.size());
        for (const auto& entry : d->sessions) {
            if (std::shared_ptr<HttpSession> session = entry.second->session.lock())
                sessions.push_back(std::move(session));
        }
    }
    for (const std::shared_ptr<HttpSession>& session : sessions)
        session->execute([](HttpSession& s) { s.stopIfIdle(); });
}

const HttpServer::Options& HttpServer::options() const
{
    return d->options;
}

int HttpServer::connectionCount() const
{
    std::lock_guard lock(d->mutex);
    return d->connections;
}

int HttpServer::maxConnectionsFor(qint64 descriptorLimit, int workerThreads)
{
    // Standard streams, the listening socket, the signal pipe, the log, the TLS and key files, the
    // checkpoint connection; and per worker a database connection (SQLite: the file, its WAL and
    // shared-memory index; PostgreSQL: a socket).
    const qint64 reserve = 64 + 4 * qint64(std::max(0, workerThreads));
    return int(std::clamp<qint64>(descriptorLimit - reserve, 16, 1'000'000));
}

qint64 HttpServer::raiseDescriptorLimit()
{
    rlimit limit {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return 1024;
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        // May be refused (a seccomp filter without @resources, say): then the soft limit stays.
        if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
            limit = raised;
    }
    if (limit.rlim_cur == RLIM_INFINITY)
        return 1'000'000;
    return qint64(limit.rlim_cur);
}

} // namespace portcullis::http
