#pragma once

// `portcullis-server serve`: the REST API over a database, until SIGINT or SIGTERM.
//
//   portcullis-server serve --db PATH_OR_URL --listen HOST:PORT [--tls-cert FILE --tls-key FILE]
//                           [--jwt-secret-file FILE] [--threads N] [--password-threads N]
//                           [--queue-limit N] [connection limits]
//
// On start it applies pending migrations, prints one line "listening on http(s)://HOST:PORT" to
// standard output (with the port actually bound, so --listen 127.0.0.1:0 works), then writes the
// access log (one line per request, never a secret) to standard error.
//
// Each option may be given by an environment variable instead, PORTCULLIS_<OPTION> with dashes as
// underscores (PORTCULLIS_DB, PORTCULLIS_TLS_CERT, PORTCULLIS_NO_CREATE_SECRET=yes,
// PORTCULLIS_TRUSTED_PROXY="10.0.0.5 10.0.0.6"); the command line wins. The audit key keeps its
// variable of every command, PORTCULLIS_AUDIT_KEY_FILE.

#include "commands.h"

#include <QHostAddress>

namespace portcullis::server {

struct ServeOptions
{
    QString database;
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 8080;
    QString tlsCertificate; // PEM, the server certificate first, then its chain
    QString tlsKey; // PEM, unencrypted
    QString jwtSecretFile; // empty: "<database>.jwt-secret" beside a SQLite file (required for PostgreSQL)
    // empty: "<database>.audit-key" beside a SQLite file, or $PORTCULLIS_AUDIT_KEY_FILE (one of them is
    // required for PostgreSQL)
    QString auditKeyFile;
    int checkpointSeconds = 60; // how often the audit chain's head is checkpointed beside the key
    int maintenanceSeconds = 3600; // how often maintenance runs (Maintainer in serve.cpp); 0: never
    int threads = 0; // 0: a default from the CPU count
    int passwordThreads = -1; // -1: half the cores; 0: password hashing shares the workers
    int queueLimit = 0; // requests waiting per pool before 503; 0: a default from the thread counts
    QList<QPair<QHostAddress, int>> trustedProxies; // subnets whose X-Forwarded-For is believed
    bool noCreateSecret = false; // a missing JWT secret file is an error, not made anew
    int startupWaitMs = 60000; // how long start keeps trying while the database is unreachable
    // Connection limits (http::HttpServer::Options); times in milliseconds.
    int headerTimeoutMs = 10000;
    int idleTimeoutMs = 30000;
    int writeTimeoutMs = 60000;
    qint64 minBodyRate = 8 * 1024; // bytes per second
    int maxConnections = 0; // 0: from the descriptor limit
    int maxConnectionsPerAddress = 64; // 0: no cap
};

Parsed<ServeOptions> parseServe(const QStringList& arguments);
int runServe(const ServeOptions& options);
int serveCommand(const QStringList& arguments);

// Reads the JWT signing secret, or creates it (32 random bytes, mode 0600) when the file does not
// exist. Several servers started at once agree on one secret: the file is created atomically.
// Refuses a file that others may read, and one shorter than 32 bytes.
// `mayCreate` false (--no-create-secret): a missing file is an error instead. `created` (optional)
// tells whether this call made the file.
Result<QByteArray> loadOrCreateJwtSecret(const QString& path, bool mayCreate = true, bool* created = nullptr);

// The environment variable that gives `serve`'s option `option` ("tls-cert": PORTCULLIS_TLS_CERT).
QString settingVariable(const QString& option);

// "127.0.0.1:8080", "[::1]:8443", "localhost:0", "*:8080" or ":8080" (any address).
bool parseListenAddress(const QString& text, QHostAddress* address, quint16* port);

} // namespace portcullis::server
