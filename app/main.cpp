// portcullis: the admin console. Command-line parsing only; the rest lives in ui/.

#include "launcher.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

int main(int argc, char* argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("portcullis"));
    QApplication::setOrganizationName(QStringLiteral("Portcullis"));
    QApplication::setApplicationDisplayName(QStringLiteral("Portcullis"));
    QApplication::setApplicationVersion(QStringLiteral(PORTCULLIS_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/portcullis.svg")));

    QCommandLineParser parser;
    parser.setApplicationDescription(QApplication::translate(
        "main", "Admin console for multi-tenant auth: tenants, users, roles, API keys, sessions and the audit log."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption db(QStringLiteral("db"),
                                QApplication::translate("main", "Open a SQLite file or a postgresql:// URL."),
                                QStringLiteral("PATH_OR_URL"));
    const QCommandLineOption server(QStringLiteral("server"),
                                    QApplication::translate("main", "Connect to a portcullis-server."),
                                    QStringLiteral("URL"));
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
    const QCommandLineOption lang(QStringLiteral("lang"),
                                  QApplication::translate("main", "Use this language (de, fr, en)."),
                                  QStringLiteral("CODE"));
    parser.addOptions({ db, server, caFile, user, passwordFile, pane, screenshot, lang });
    parser.process(app);

    // The language follows the system locale unless --lang says otherwise; Qt's own strings
    // (standard buttons and dialogs) are translated too.
    const QLocale locale = parser.isSet(lang) ? QLocale(parser.value(lang)) : QLocale::system();
    QLocale::setDefault(locale);
    QTranslator qtTranslator;
    if (qtTranslator.load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                          QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(&qtTranslator);
    QTranslator appTranslator;
    if (appTranslator.load(locale, QStringLiteral("portcullis"), QStringLiteral("_"), QStringLiteral(":/i18n")))
        QApplication::installTranslator(&appTranslator);

    portcullis::LaunchOptions options;
    options.db = parser.value(db);
    options.server = parser.value(server);
    options.caFile = parser.value(caFile);
    options.user = parser.value(user);
    options.passwordFile = parser.value(passwordFile);
    options.pane = parser.value(pane);
    options.screenshot = parser.value(screenshot);

    portcullis::Launcher launcher(options);
    QObject::connect(&launcher, &portcullis::Launcher::finished, &app, &QCoreApplication::exit, Qt::QueuedConnection);
    launcher.start();
    return app.exec();
}
