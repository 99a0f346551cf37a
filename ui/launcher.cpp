#include "launcher.h"

#include "betterauth/betterauthbackend.h"
#include "connectdialog.h"
#include "credentials/secretstore.h"
#include "firstrundialog.h"
#include "mainwindow.h"
#include "messagebox.h"
#include "pane.h"
#include "panes.h"
#include "plaintext.h"
#include "policy/catalog.h"
#include "policy/policy.h"
#include "rest/restbackend.h"
#include "sqlbackend.h"

#include <QApplication>
#include <QDeadlineTimer>
#include <QDialog>
#include <QFile>
#include <QFileInfo>
#include <QNetworkAccessManager>
#include <QTextStream>
#include <QTimer>

#include <cstdio>

namespace portcullis {

namespace {
constexpr int kScreenshotTimeoutMs = 60000;

QString readPasswordFile(const QString& path, QString* error)
{
    QFile file;
    bool opened = false;
    if (path == QLatin1String("-"))
        opened = file.open(stdin, QIODevice::ReadOnly);
    else {
        file.setFileName(path);
        opened = file.open(QIODevice::ReadOnly);
    }
    if (!opened) {
        *error = Launcher::tr("Cannot read the password file %1: %2").arg(path, file.errorString());
        return {};
    }
    QString password = QString::fromUtf8(file.readLine(4096));
    while (password.endsWith(QLatin1Char('\n')) || password.endsWith(QLatin1Char('\r')))
        password.chop(1);
    if (password.isEmpty())
        *error = Launcher::tr("The password file %1 is empty").arg(path);
    return password;
}
// The console is for admins and support staff: anyone who may at least look at users or the audit log.
bool mayUseConsole(const Actor& actor)
{
    for (const QString& permission : { perm::UserView, perm::UserRead, perm::AuditView, perm::AuditRead }) {
        if (policy::hasPermission(actor.permissions, permission))
            return true;
    }
    return false;
}
} // namespace

Launcher::Launcher(const LaunchOptions& options, QObject* parent, SecretStore* secrets)
    : QObject(parent)
    , m_options(options)
    , m_secrets(secrets)
{
    plaintext::install(); // data from the database is never rendered as markup
    if (!m_secrets) {
        auto keychain = std::make_unique<KeychainSecretStore>();
        // Without a secret service the password is kept for this session only; say so plainly.
        connect(keychain.get(), &KeychainSecretStore::keychainUnavailable, this,
                [this](const QString& message) { MessageBox::warning(m_window, tr("Keychain unavailable"), message); });
        m_secrets = keychain.get();
        m_ownSecrets = std::move(keychain);
    }
    m_unattended = !options.screenshot.isEmpty();
}

Launcher::~Launcher()
{
    delete m_dialog;
    delete m_window;
}

void Launcher::fail(const QString& message)
{
    std::fprintf(stderr, "portcullis: %s\n", qPrintable(message));
    if (m_signedIn && m_backend) {
        // A failed unattended run must not leave its session open for the refresh lifetime: the
        // sign-out is audited, and the process ends once it is done (or failed).
        m_signedIn = false;
        whenDone(m_backend->signOut(), this, [this](const Status&) { emit finished(1); });
        return;
    }
    emit finished(1);
}

void Launcher::start()
{
    // Arguments are checked before anything is opened or signed in to.
    if (m_unattended && !m_options.pane.isEmpty() && !allPaneNames().contains(m_options.pane))
        return fail(
            tr("Unknown pane %1; choose one of %2").arg(m_options.pane, allPaneNames().join(QStringLiteral(", "))));
    if (!m_options.kind.isEmpty() && m_options.kind != QLatin1String("portcullis")
        && m_options.kind != QLatin1String("better-auth"))
        return fail(tr("Unknown kind of server %1; choose portcullis or better-auth").arg(m_options.kind));
    if (!m_options.server.isEmpty()) {
        const QUrl url(m_options.server.trimmed());
        if (!url.isValid() || (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http"))
            || url.host().isEmpty()) {
            const QString message
                = tr("%1 is not a server address; give one like https://iam.example.com").arg(m_options.server);
            return m_unattended ? fail(message) : showConnectDialog(message);
        }
        QString serverPassword;
        if (!m_options.passwordFile.isEmpty()) {
            QString error;
            serverPassword = readPasswordFile(m_options.passwordFile, &error);
            if (!error.isEmpty())
                return m_unattended ? fail(error) : showConnectDialog(error);
        }
        if (m_options.user.isEmpty() || serverPassword.isEmpty()) {
            if (m_unattended)
                return fail(tr("--screenshot needs --user and --password-file"));
            ConnectionProfile profile;
            profile.kind = m_options.kind == QLatin1String("better-auth") ? QStringLiteral("betterauth")
                                                                          : QStringLiteral("rest");
            profile.location = m_options.server;
            profile.user = m_options.user;
            showConnectDialog();
            if (auto* dialog = m_dialog.data())
                dialog->setProfile(profile);
            return;
        }
        if (m_options.kind == QLatin1String("better-auth"))
            return openBetterAuth(url, m_options.user, serverPassword, m_options.caFile);
        if (m_options.kind.isEmpty())
            return detectServer(url, m_options.user, serverPassword);
        return openRest(url, m_options.user, serverPassword, m_options.caFile);
    }
    if (m_options.db.isEmpty()) {
        if (m_unattended)
            return fail(tr("--screenshot needs --db, --user and --password-file"));
        return showConnectDialog();
    }
    auto config = DatabaseConfig::parse(m_options.db);
    if (!config)
        return m_unattended ? fail(config.error().message) : showConnectDialog(config.error().message);
    QString password;
    if (!m_options.passwordFile.isEmpty()) {
        QString error;
        password = readPasswordFile(m_options.passwordFile, &error);
        if (!error.isEmpty())
            return m_unattended ? fail(error) : showConnectDialog(error);
    }
    if (m_options.user.isEmpty() || password.isEmpty()) {
        if (m_unattended)
            return fail(tr("--screenshot needs --user and --password-file"));
        ConnectionProfile profile;
        profile.kind = config->dialect == Dialect::Sqlite ? QStringLiteral("sqlite") : QStringLiteral("postgres");
        profile.location = m_options.db;
        profile.user = m_options.user;
        showConnectDialog();
        if (auto* dialog = m_dialog.data())
            dialog->setProfile(profile);
        return;
    }
    if (config->dialect == Dialect::Sqlite && !QFileInfo::exists(config->path))
        return m_unattended ? fail(tr("The database file %1 does not exist").arg(config->path))
                            : showConnectDialog(tr("The database file %1 does not exist").arg(config->path));
    openBackend(*config, m_options.user, password);
}

void Launcher::showConnectDialog(const QString& error)
{
    auto* dialog = new ConnectDialog;
    dialog->setParent(nullptr);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setSecretStore(m_secrets);
    m_dialog = dialog;
    QPointer<ConnectDialog> guard(dialog);
    connect(dialog, &QDialog::rejected, this, [this] {
        if (!m_window)
            emit finished(0);
    });
    connect(dialog, &ConnectDialog::connectRequested, this, [this, guard] {
        if (!guard)
            return;
        const ConnectionProfile profile = guard->profile();
        if (profile.kind == QLatin1String("rest") || profile.kind == QLatin1String("betterauth")) {
            const bool betterAuth = profile.kind == QLatin1String("betterauth");
            const QUrl url(profile.location.trimmed());
            if (!url.isValid() || (url.scheme() != QLatin1String("https") && url.scheme() != QLatin1String("http"))
                || url.host().isEmpty()) {
                guard->showError(betterAuth ? tr("%1 is not a better-auth address; give its base path, like "
                                                 "https://app.example.com/api/auth")
                                                  .arg(profile.location)
                                            : tr("%1 is not a server address; give one like https://iam.example.com")
                                                  .arg(profile.location));
                return;
            }
            guard->setBusy(true);
            const QString caFile = profile.caFile.isEmpty() ? m_options.caFile : profile.caFile;
            if (betterAuth)
                openBetterAuth(url, profile.user, guard->password(), caFile);
            else
                openRest(url, profile.user, guard->password(), caFile);
            return;
        }
        auto config = DatabaseConfig::parse(profile.location);
        if (!config) {
            guard->showError(config.error().message);
            return;
        }
        const QString password = guard->password();
        if (config->dialect == Dialect::Sqlite && !QFileInfo::exists(config->path)) {
            auto* wizard = new FirstRunDialog(config->path, profile.user, password, guard);
            wizard->setAttribute(Qt::WA_DeleteOnClose);
            const DatabaseConfig newDatabase = *config;
            connect(wizard, &QDialog::accepted, this, [this, guard, wizard, newDatabase] {
                if (!guard)
                    return;
                guard->setBusy(true, tr("Creating the database…"));
                NewOrganization org;
                org.name = wizard->organizationName();
                org.plan = QStringLiteral("enterprise");
                org.maxUsers = 1000;
                NewUser admin;
                admin.email = wizard->email();
                admin.username = wizard->email().section(QLatin1Char('@'), 0, 0).left(60);
                admin.fullName = tr("Super Admin");
                admin.password = wizard->password();
                const QString email = admin.email;
                const QString adminPassword = admin.password;
                auto backend = std::make_unique<SqlBackend>(newDatabase);
                auto* raw = backend.get();
                m_backend = std::move(backend);
                whenDone(raw->createFirstSuperAdmin(org, admin), this,
                         [this, guard, email, adminPassword](const Result<User>& created) {
                             if (!created.ok()) {
                                 if (guard)
                                     guard->showError(
                                         tr("Could not create the database: %1").arg(created.error().message));
                                 return;
                             }
                             signIn(email, adminPassword);
                         });
            });
            wizard->open();
            return;
        }
        guard->setBusy(true);
        openBackend(*config, profile.user, password);
    });
    if (!error.isEmpty())
        dialog->showError(error);
    dialog->show();
}

void Launcher::openBackend(const DatabaseConfig& config, const QString& user, const QString& password)
{
    m_backend = std::make_unique<SqlBackend>(config);
    auto* backend = static_cast<SqlBackend*>(m_backend.get());
    backend->open().then(this, [this, user, password](const Status& opened) {
        if (!opened.ok()) {
            if (m_unattended)
                return fail(opened.error().message);
            if (auto* dialog = m_dialog.data())
                dialog->showError(opened.error().message);
            else
                showConnectDialog(opened.error().message);
            return;
        }
        signIn(user, password);
    });
}

void Launcher::openRest(const QUrl& url, const QString& user, const QString& password, const QString& caFile)
{
    if (!m_network)
        m_network = new QNetworkAccessManager(this);
    // A new attempt starts clean: a connection kept from a refused attempt (an untrusted certificate,
    // say) would otherwise be reused, and trusting a CA file would seem to change nothing.
    m_network->clearConnectionCache();
    auto backend = std::make_unique<RestBackend>(m_network, url);
    if (!caFile.isEmpty()) {
        const Status trusted = backend->trustCaFile(caFile);
        if (!trusted.ok()) {
            if (m_unattended)
                return fail(trusted.error().message);
            if (auto* dialog = m_dialog.data()) // the dialog that asked: say it there
                return dialog->showError(trusted.error().message);
            return showConnectDialog(trusted.error().message);
        }
    }
    m_backend = std::move(backend);
    signIn(user, password);
}

void Launcher::detectServer(const QUrl& url, const QString& user, const QString& password)
{
    if (!m_network)
        m_network = new QNetworkAccessManager(this);
    // Only a positive answer counts: {"ok":true} at <url>/ok is better-auth's; anything else (our
    // server answers 404 there, or nothing answers at all) connects as before, and the sign-in then
    // says what is wrong in our usual words.
    whenDone(BetterAuthBackend::detect(m_network, url, 10000), this,
             [this, url, user, password](const Result<bool>& betterAuth) {
                 if (betterAuth.ok() && betterAuth.value())
                     openBetterAuth(url, user, password, m_options.caFile);
                 else
                     openRest(url, user, password, m_options.caFile);
             });
}

void Launcher::openBetterAuth(const QUrl& url, const QString& user, const QString& password, const QString& caFile)
{
    if (!m_network)
        m_network = new QNetworkAccessManager(this);
    m_network->clearConnectionCache();
    auto backend = std::make_unique<BetterAuthBackend>(m_network, url);
    if (!caFile.isEmpty()) {
        const Status trusted = backend->trustCaFile(caFile);
        if (!trusted.ok()) {
            if (m_unattended)
                return fail(trusted.error().message);
            if (auto* dialog = m_dialog.data())
                return dialog->showError(trusted.error().message);
            return showConnectDialog(trusted.error().message);
        }
    }
    m_backend = std::move(backend);
    signIn(user, password);
}

void Launcher::signIn(const QString& user, const QString& password)
{
    whenDone(m_backend->signIn(user, password), this, [this](const Result<SignedIn>& signedIn) {
        ConnectDialog* dialog = m_dialog.data();
        if (!signedIn.ok()) {
            if (m_unattended)
                return fail(signedIn.error().code == ErrorCode::Unavailable
                                ? tr("Cannot sign in: %1").arg(signedIn.error().message)
                                : tr("Sign-in refused: %1").arg(signedIn.error().message));
            if (dialog)
                dialog->showError(signedIn.error().message);
            else
                showConnectDialog(signedIn.error().message);
            return;
        }
        m_signedIn = true;
        const Actor& actor = signedIn.value().actor;
        if (!mayUseConsole(actor)) {
            const QString message
                = tr("%1 has no administrative permissions; the console is for admins").arg(actor.email);
            if (m_unattended)
                return fail(message);
            // The session is of no use here: end it rather than leave it open.
            m_signedIn = false;
            m_backend->signOut();
            if (dialog)
                dialog->showError(message);
            return;
        }
        if (dialog) {
            dialog->rememberProfile();
            dialog->close();
        }
        showMainWindow();
    });
}

void Launcher::showMainWindow()
{
    m_window = new MainWindow(m_backend.get());
    addAllPanes(m_window, m_backend.get());
    connect(m_window, &MainWindow::signOutRequested, this, [this] {
        m_window->setAttribute(Qt::WA_QuitOnClose, false);
        connect(m_window, &QObject::destroyed, this, [this] { showConnectDialog(); });
        m_window->setAttribute(Qt::WA_DeleteOnClose);
        m_window->close();
    });
    // Banned, revoked or suspended elsewhere: the next call found out. Back to sign-in, saying why.
    connect(m_backend.get(), &Backend::sessionEnded, m_window, [this](const QString& reason) {
        m_signedIn = false; // ended already
        if (m_unattended)
            return fail(reason);
        m_window->setAttribute(Qt::WA_QuitOnClose, false);
        connect(m_window, &QObject::destroyed, this, [this, reason] { showConnectDialog(reason); });
        m_window->setAttribute(Qt::WA_DeleteOnClose);
        m_window->close();
    });
    m_window->setAttribute(Qt::WA_QuitOnClose, true);
    if (!m_options.pane.isEmpty() && !m_window->showPane(m_options.pane)) {
        const QString message = tr("Unknown pane %1; choose one of %2")
                                    .arg(m_options.pane, m_window->paneNames().join(QStringLiteral(", ")));
        if (m_unattended)
            return fail(message);
        MessageBox::warning(m_window, tr("Unknown pane"), message);
    }
    m_window->show();
    if (m_unattended)
        takeScreenshot();
}

void Launcher::takeScreenshot()
{
    Pane* pane = m_window->currentPane();
    auto capture = [this] {
        if (!m_options.dialog.isEmpty())
            return captureDialog();
        // One more turn of the event loop lets the views lay out the rows that just arrived.
        QTimer::singleShot(250, this, [this] {
            const QPixmap pixmap = m_window->grab();
            if (!pixmap.save(m_options.screenshot, "PNG"))
                return fail(tr("Cannot write the screenshot %1").arg(m_options.screenshot));
            std::fprintf(stdout, "%s\n", qPrintable(tr("saved %1").arg(m_options.screenshot)));
            // End the session (audited as a sign-out) before quitting.
            m_signedIn = false;
            whenDone(m_backend->signOut(), this, [this](const Status&) { emit finished(0); });
        });
    };
    if (!pane || pane->isLoaded())
        return capture();
    connect(pane, &Pane::loaded, this, capture);
    QTimer::singleShot(kScreenshotTimeoutMs, this, [this, pane] {
        if (pane && !pane->isLoaded())
            fail(tr("The %1 pane did not show its data within %2 s")
                     .arg(pane->paneName())
                     .arg(kScreenshotTimeoutMs / 1000));
    });
}

void Launcher::captureDialog()
{
    QPointer<QDialog> dialog = m_window->openDialog(m_options.dialog);
    if (!dialog) {
        const QStringList names = m_window->dialogNames();
        return fail(
            names.contains(m_options.dialog)
                ? tr("The dialog %1 cannot open on this pane for this admin").arg(m_options.dialog)
                : tr("Unknown dialog %1; choose one of %2").arg(m_options.dialog, names.join(QStringLiteral(", "))));
    }
    auto* poll = new QTimer(this);
    poll->setInterval(100);
    const QDeadlineTimer deadline(kScreenshotTimeoutMs);
    connect(poll, &QTimer::timeout, this, [this, poll, dialog, deadline] {
        if (!dialog) {
            poll->deleteLater();
            return fail(tr("The dialog %1 closed before it could be saved").arg(m_options.dialog));
        }
        if (dialog->property("loading").toBool() && !deadline.hasExpired())
            return;
        poll->deleteLater();
        if (dialog->property("loading").toBool())
            return fail(tr("The dialog %1 did not show its data within %2 s")
                            .arg(m_options.dialog)
                            .arg(kScreenshotTimeoutMs / 1000));
        // A turn of the event loop more, for the layout of what just arrived.
        QTimer::singleShot(250, this, [this, dialog] {
            if (!dialog)
                return fail(tr("The dialog %1 closed before it could be saved").arg(m_options.dialog));
            const QPixmap pixmap = dialog->grab();
            if (!pixmap.save(m_options.screenshot, "PNG"))
                return fail(tr("Cannot write the screenshot %1").arg(m_options.screenshot));
            std::fprintf(stdout, "%s\n", qPrintable(tr("saved %1").arg(m_options.screenshot)));
            dialog->reject();
            m_signedIn = false;
            whenDone(m_backend->signOut(), this, [this](const Status&) { emit finished(0); });
        });
    });
    poll->start();
}

} // namespace portcullis
