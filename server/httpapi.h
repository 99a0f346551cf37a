#pragma once

// RestApi: the REST contract of docs/api.md over the core managers. It maps HTTP to manager calls
// and ServiceError to RFC 9457 problems; every rule (permissions, levels, tenants, validation,
// lockout) stays in the managers and services/policy.
//
// Threading: handle() is called on the HTTP server's I/O thread and only queues the request on the
// API's thread pool. Each pool thread opens its own database connection on first use (SqlStore is
// synchronous and belongs to one thread) and keeps it, with its prepared statements and role cache,
// for the life of the pool (the threads never expire); a connection that fails as unavailable is
// dropped and reopened by the next request on that thread.

#include "domain/result.h"
#include "httpserver.h"
#include "sql/database.h"
#include "sql/workerstores.h"

#include <QByteArray>
#include <QObject>
#include <QThreadPool>

#include <atomic>
#include <memory>

namespace portcullis::server {

struct ApiConfig
{
    DatabaseConfig database;
    QByteArray jwtSecret; // at least jwt::MinimumSecretBytes bytes
    QString auditKeyFile; // the audit key every worker's store writes the chain with
    int threads = 8;
    // Threads of the pool that answers the requests that hash passwords (sign-in, reset
    // redemption): Argon2 there never takes a worker from the other requests. -1: half the cores;
    // 0: no pool of their own (they share the workers).
    int passwordThreads = -1;
    // Requests waiting for a thread, per pool, beyond which a request is answered at once with 503
    // and Retry-After instead of queueing (memory and latency stay bounded under a flood).
    // 0: a default (64 per worker thread, 16 per password thread).
    int queueLimit = 0;
    // Load balancers in front of the servers: for a request from one of these subnets, the client
    // address (audit log, sessions, API-key allowlists) is taken from X-Forwarded-For.
    QList<QPair<QHostAddress, int>> trustedProxies;
};

// The answer while `serve` waits for its database at start (I/O thread, no worker, no database):
// GET /api/health/auth is 503 {"status":"starting",...}, everything else a 503 problem; both with
// Retry-After, so that a load balancer keeps the server out and a client comes back.
void answerStarting(http::HttpExchange& exchange, const DatabaseConfig& database);

// The client's address: the peer, or, when the peer is a trusted proxy, the right-most address of
// X-Forwarded-For that is not itself a trusted proxy (the left part is whatever the client claimed).
QString clientAddress(const QHostAddress& peer, const QByteArray& forwardedFor,
                      const QList<QPair<QHostAddress, int>>& trustedProxies);

class RestApi : public QObject
{
    Q_OBJECT

public:
    explicit RestApi(ApiConfig config, QObject* parent = nullptr);
    ~RestApi() override; // waits for the requests in progress

    // I/O thread: hands the request to a worker.
    void handle(std::shared_ptr<http::HttpExchange> exchange);

    // Stops taking work and waits up to `msecs` for the requests in progress.
    bool drain(int msecs);

private:
    void process(http::HttpExchange& exchange); // worker thread
    // A full queue: 503 with Retry-After (a sign-in's after a second's delay).
    void refuseOverloaded(std::shared_ptr<http::HttpExchange> exchange, bool passwords);
    Result<WorkerStore*> contextForThisThread();
    void dropContextOfThisThread();

    ApiConfig m_config;
    quint64 m_id;
    // Declared before the pools so it outlives their threads (which delete their stores on exit).
    WorkerStores m_stores;
    QThreadPool m_pool;
    QThreadPool m_passwordPool; // POST /api/auth/login and /api/auth/password/reset
    bool m_sharedPasswordWork = false; // passwordThreads 0: m_pool takes them too
    // Requests handed to each pool and not finished yet (running or waiting), and the most each may
    // hold before new ones are refused with 503.
    std::atomic_int m_poolLoad { 0 };
    std::atomic_int m_passwordLoad { 0 };
    int m_poolCapacity = 0;
    std::atomic<qint64> m_refusedSinceLog { 0 };
    std::atomic<qint64> m_lastRefusalLogMs { 0 };
    int m_passwordCapacity = 0;
};

} // namespace portcullis::server
