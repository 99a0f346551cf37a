// portcullis: the admin console. Command-line parsing only; the rest lives in ui/.

#include "language.h"
#include "launcher.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDebug>
#include <QIcon>
#include <QLocale>

#include <cstdio>

namespace {

// Without a display, QApplication aborts with Qt's platform-plugin error, which does not say what to
// do. Said here first, in English: no translation is loaded before QApplication exists.
bool explainMissingDisplay(int argc, char* argv[])
{
    if (!qEnvironmentVariableIsEmpty("DISPLAY") || !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY")
        || !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        return false;
    bool needsNoWindow = false;
    for (int i = 1; i < argc; ++i) {
        const QByteArray argument(argv[i]);
        if (argument == "-platform" || argument == "--platform")
            return false;
        if (argument == "--help" || argument == "-h" || argument == "--version" || argument == "-v")
            needsNoWindow = true;
    }
    if (needsNoWindow) {
        // --help and --version print and exit; they need no display at all.
        qputenv("QT_QPA_PLATFORM", "offscreen");
        return false;
    }
    std::fputs("portcullis: there is no display here (neither DISPLAY nor WAYLAND_DISPLAY is set), so no window\n"
               "can open. Run it on a desktop, under a virtual X server (xvfb-run -a portcullis ...), or save\n"
               "a picture of a pane without any display:\n"
               "  QT_QPA_PLATFORM=offscreen portcullis --db FILE --user EMAIL --password-file F --pane users "
               "--screenshot users.png\n",
               stderr);
    return true;
}

} // namespace

int main(int argc, char* argv[])
{
    if (explainMissingDisplay(argc, argv))
        return 1;
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("portcullis"));
    QApplication::setOrganizationName(QStringLiteral("Portcullis"));
    QApplication::setApplicationDisplayName(QStringLiteral("Portcullis"));
    QApplication::setApplicationVersion(QStringLiteral(PORTCULLIS_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/portcullis.svg")));

    // The language: --lang for this run, else the one chosen in Edit > Preferences, else the
    // system's. Dates and numbers follow the same locale; Qt's own strings are translated too.
    // Chosen before the options are described, so that --help speaks it as well.
    QString requested;
    const QStringList arguments = QApplication::arguments();
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        if (arguments.at(i) == QLatin1String("--lang") && i + 1 < arguments.size())
            requested = arguments.at(i + 1);
        else if (arguments.at(i).startsWith(QLatin1String("--lang=")))
            requested = arguments.at(i).mid(7);
    }
    if (!requested.isEmpty() && portcullis::language::codeOf(requested).isEmpty())
        qWarning().noquote() << QApplication::translate("main", "Unknown language %1; choose one of %2")
                                    .arg(requested, portcullis::language::available().join(QStringLiteral(", ")));
    const QString code = portcullis::language::choose(requested, portcullis::language::saved(), QLocale::system());
    if (!portcullis::language::codeOf(requested).isEmpty())
        portcullis::language::setCommandLineOverride(code);
    portcullis::language::apply(code, portcullis::language::localeFor(code, requested, QLocale::system()));

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate(
        "main", "Admin console for multi-tenant auth: tenants, users, roles, API keys, sessions and the audit log."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption db(QStringLiteral("db"),
                                QApplication::translate("main", "Open a SQLite file or a postgresql:// URL."),
                                QStringLiteral("PATH_OR_URL"));
    const QCommandLineOption server(
        QStringLiteral("server"),
        QApplication::translate("main", "Connect to a portcullis-server or a better-auth server."),
        QStringLiteral("URL"));
    const QCommandLineOption kind(
        QStringLiteral("kind"),
        QApplication::translate("main",
                                "The kind of --server: portcullis or better-auth (a better-auth server's base path, "
                                "such as https://app.example.com/api/auth). Detected when not given."),
        QStringLiteral("KIND"));
    const QCommandLineOption caFile(
        QStringLiteral("ca-file"),
        QApplication::translate("main", "Also trust the certificates in this PEM file for --server (a private CA)."),
        QStringLiteral("F"));
    const QCommandLineOption user(QStringLiteral("user"), QApplication::translate("main", "Sign in as this admin."),
                                  QStringLiteral("EMAIL"));
    const QCommandLineOption passwordFile(
        QStringLiteral("password-file"),
        QApplication::translate("main", "Read the password from this file (- for standard input)."),
        QStringLiteral("F"));
    const QCommandLineOption pane(
        QStringLiteral("pane"),
        QApplication::translate("main",
                                "Open this pane: dashboard, organizations, users, roles, api-keys, sessions or audit."),
        QStringLiteral("NAME"));
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QApplication::translate("main",
                                "Sign in, open the pane, wait for its data, save a PNG of the window and exit."),
        QStringLiteral("PNG"));
    const QCommandLineOption dialog(
        QStringLiteral("dialog"),
        QApplication::translate("main",
                                "With --screenshot: open this dialog over the pane and save it instead of the "
                                "window (preferences, …)."),
        QStringLiteral("NAME"));
    const QCommandLineOption lang(QStringLiteral("lang"),
                                  QApplication::translate("main", "Use this language (de, fr, en)."),
                                  QStringLiteral("CODE"));
    parser.addOptions({ db, server, kind, caFile, user, passwordFile, pane, screenshot, dialog, lang });
    parser.process(app);

    portcullis::LaunchOptions options;
    options.db = parser.value(db);
    options.server = parser.value(server);
    options.kind = parser.value(kind);
    options.caFile = parser.value(caFile);
    options.user = parser.value(user);
    options.passwordFile = parser.value(passwordFile);
    options.pane = parser.value(pane);
    options.screenshot = parser.value(screenshot);
    options.dialog = parser.value(dialog);

    portcullis::Launcher launcher(options);
    QObject::connect(&launcher, &portcullis::Launcher::finished, &app, &QCoreApplication::exit, Qt::QueuedConnection);
    launcher.start();
    return app.exec();
}
