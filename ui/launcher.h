#pragma once

// Start-up of the console: the connection (dialog or command line), the first-run wizard for a new
// SQLite file, the sign-in, the main window and, with --screenshot, the unattended capture of a pane.

#include "mainwindow.h"

#include <QObject>
#include <QPointer>
#include <QString>
#include <QUrl>

#include <memory>

class QNetworkAccessManager;

namespace portcullis {

class Backend;
struct DatabaseConfig;

struct LaunchOptions
{
    QString db; // SQLite path or postgresql:// URL
    QString server; // REST server URL, or a better-auth server's base path (kind)
    QString kind; // of --server: "portcullis", "better-auth", or empty to detect it
    QString caFile; // PEM certificates trusted for the REST server besides the system's
    QString user; // email or username
    QString passwordFile; // read the password from this file ("-" = stdin)
    QString pane; // pane to open
    QString screenshot; // save a PNG of the main window and exit
    QString dialog; // open this dialog over the pane (MainWindow::dialogNames); with screenshot, save it
};

class ConnectDialog;
class SecretStore;

class Launcher : public QObject
{
    Q_OBJECT

public:
    // `secrets`: where "Remember the password" keeps it; the OS keychain when none is given.
    explicit Launcher(const LaunchOptions& options, QObject* parent = nullptr, SecretStore* secrets = nullptr);
    ~Launcher() override;

    // Starts the flow; finished(code) is emitted when the console should exit (after the window
    // closes, or at once on a failure in unattended mode).
    void start();
    MainWindow* mainWindow() const { return m_window; }
    Backend* backend() const { return m_backend.get(); }

signals:
    void finished(int exitCode);

private:
    void fail(const QString& message);
    void openBackend(const DatabaseConfig& config, const QString& user, const QString& password);
    // caFile: PEM certificates to trust besides the system's (--ca-file, or the connection's own)
    void openRest(const QUrl& url, const QString& user, const QString& password, const QString& caFile);
    // A better-auth server's base path (e.g. https://app.example.com/api/auth), signed in to with
    // email and password.
    void openBetterAuth(const QUrl& url, const QString& user, const QString& password, const QString& caFile);
    // --server without --kind: better-auth when GET <url>/ok answers {"ok":true}, else our server.
    void detectServer(const QUrl& url, const QString& user, const QString& password);
    void signIn(const QString& user, const QString& password);
    void showMainWindow();
    void takeScreenshot();
    void captureDialog();
    void showConnectDialog(const QString& error = {});

    LaunchOptions m_options;
    bool m_unattended = false;
    bool m_signedIn = false; // a session is open: fail() ends it before quitting
    // Owned here and handed to RestBackend: one manager per console, never a global.
    QNetworkAccessManager* m_network = nullptr;
    std::unique_ptr<Backend> m_backend;
    std::unique_ptr<SecretStore> m_ownSecrets;
    SecretStore* m_secrets = nullptr;
    QPointer<MainWindow> m_window;
    QPointer<ConnectDialog> m_dialog; // the connection dialog this launcher opened, if it is open
};

} // namespace portcullis
