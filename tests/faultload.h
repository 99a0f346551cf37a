#pragma once

// Concurrent HTTP traffic against a real portcullis-server for the fault suites: several request
// chains over a few QNetworkAccessManagers, all on the test's thread and fully asynchronous (the test
// waits with QTRY_* or QSignalSpy, which run the event loop). Every answer is recorded with its
// status, content type, Retry-After, body and timing; nothing is asserted here.

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QObject>
#include <QPointer>

#include <algorithm>
#include <functional>
#include <memory>
#include <vector>

namespace portcullis::test {

struct LoadOp
{
    QString kind; // "create", "ban", "list", ...
    QByteArray method;
    QString path;
    QJsonObject body; // empty: no body
    QVariant tag; // what the test needs to check the answer (an email, a user id)
};

struct LoadResult
{
    LoadOp op;
    int chain = 0;
    qint64 startedMs = 0; // on the driver's clock
    qint64 finishedMs = 0;
    int status = 0; // 0: no HTTP answer (transport error)
    QNetworkReply::NetworkError error = QNetworkReply::NoError;
    QString errorString;
    QByteArray contentType;
    QByteArray retryAfter;
    QByteArray body;

    QJsonObject json() const { return QJsonDocument::fromJson(body).object(); }
    bool acknowledged() const { return status >= 200 && status < 300; }
    QString describe() const
    {
        return QStringLiteral("%1 %2 %3 -> HTTP %4 [%5] %6 (%7 ms) %8")
            .arg(op.kind, QString::fromLatin1(op.method), op.path)
            .arg(status)
            .arg(QString::fromLatin1(contentType), errorString)
            .arg(finishedMs - startedMs)
            .arg(QString::fromUtf8(body.left(300)));
    }
};

class LoadDriver : public QObject
{
public:
    // `next(chain, n)` gives the n-th request of a chain; `chains` run at once over `managers`
    // QNetworkAccessManagers (each opens up to six connections per host).
    LoadDriver(QString baseUrl, QByteArray token, std::function<LoadOp(int chain, int n)> next, int chains,
               int managers = 4, int timeoutMs = 15000)
        : m_baseUrl(std::move(baseUrl))
        , m_token(std::move(token))
        , m_next(std::move(next))
        , m_chains(chains)
        , m_timeoutMs(timeoutMs)
    {
        for (int i = 0; i < std::max(1, managers); ++i)
            m_managers.push_back(std::make_unique<QNetworkAccessManager>());
        m_clock.start();
    }

    void start()
    {
        m_running = true;
        for (int chain = 0; chain < m_chains; ++chain)
            issue(chain, 0);
    }
    // No new requests; the ones in flight finish (or fail) on their own.
    void stop() { m_running = false; }
    void setBaseUrl(const QString& baseUrl) { m_baseUrl = baseUrl; }

    int inFlight() const { return m_inFlight; }
    qint64 now() const { return m_clock.elapsed(); }
    const std::vector<LoadResult>& results() const { return m_results; }
    int count(const std::function<bool(const LoadResult&)>& predicate) const
    {
        return int(std::count_if(m_results.cbegin(), m_results.cend(), predicate));
    }

private:
    void issue(int chain, int n)
    {
        if (!m_running)
            return;
        LoadOp op = m_next(chain, n);
        QNetworkRequest request(QUrl(m_baseUrl + op.path));
        request.setTransferTimeout(m_timeoutMs);
        request.setRawHeader("Authorization", "Bearer " + m_token);
        QByteArray payload;
        if (!op.body.isEmpty()) {
            payload = QJsonDocument(op.body).toJson(QJsonDocument::Compact);
            request.setHeader(QNetworkRequest::ContentTypeHeader, QStringLiteral("application/json"));
        }
        QNetworkAccessManager& manager = *m_managers.at(size_t(chain) % m_managers.size());
        QNetworkReply* reply = payload.isEmpty() ? manager.sendCustomRequest(request, op.method)
                                                 : manager.sendCustomRequest(request, op.method, payload);
        ++m_inFlight;
        const qint64 started = now();
        connect(reply, &QNetworkReply::finished, this, [this, reply, op, chain, n, started] {
            --m_inFlight;
            LoadResult result;
            result.op = op;
            result.chain = chain;
            result.startedMs = started;
            result.finishedMs = now();
            result.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            result.error = reply->error();
            result.errorString = reply->errorString();
            result.contentType = reply->rawHeader("Content-Type");
            result.retryAfter = reply->rawHeader("Retry-After");
            result.body = reply->readAll();
            reply->deleteLater();
            m_results.push_back(std::move(result));
            issue(chain, n + 1);
        });
    }

    QString m_baseUrl;
    QByteArray m_token;
    std::function<LoadOp(int, int)> m_next;
    int m_chains = 1;
    int m_timeoutMs = 15000;
    std::vector<std::unique_ptr<QNetworkAccessManager>> m_managers;
    QElapsedTimer m_clock;
    bool m_running = false;
    int m_inFlight = 0;
    std::vector<LoadResult> m_results;
};

} // namespace portcullis::test
