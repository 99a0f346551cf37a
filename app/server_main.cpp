// portcullis-server: dispatches to the headless admin commands (server/commands.h).

#include "commands.h"
#include "serve.h"

#include <QCoreApplication>
#include <QLoggingCategory>

#include <array>

namespace {

using namespace portcullis::server;

class ServerMain
{
    Q_DECLARE_TR_FUNCTIONS(ServerMain)
};

struct Command
{
    const char* name;
    const char* summary;
    int (*run)(const QStringList& arguments);
};

const std::array<Command, 7> kCommands { {
    { "init",
      QT_TRANSLATE_NOOP("ServerMain", "create a database: schema, built-in roles, first organization and super admin"),
      &initCommand },
    { "seed-demo", QT_TRANSLATE_NOOP("ServerMain", "fill a database with realistic demo tenants, users and events"),
      &seedDemoCommand },
    { "verify-audit", QT_TRANSLATE_NOOP("ServerMain", "check the audit log's hash chain"), &verifyAuditCommand },
    { "purge-audit", QT_TRANSLATE_NOOP("ServerMain", "remove audit events older than N days (retention)"),
      &purgeAuditCommand },
    { "serve", QT_TRANSLATE_NOOP("ServerMain", "serve the REST API (JWT and API-key auth, optional TLS)"),
      &serveCommand },
    { "permissions", QT_TRANSLATE_NOOP("ServerMain", "print the permission catalog and the built-in roles (Markdown)"),
      &permissionsCommand },
    { "openapi", QT_TRANSLATE_NOOP("ServerMain", "print the REST API's contract as an OpenAPI 3.1 document (JSON)"),
      &openApiCommand },
} };

QStringList commandList()
{
    QStringList lines;
    for (const Command& command : kCommands)
        lines << QStringLiteral("  %1  %2")
                     .arg(QString::fromLatin1(command.name).leftJustified(14), ServerMain::tr(command.summary));
    return lines;
}

void printUsage(void (*print)(const QString&))
{
    print(ServerMain::tr("Usage: %1 <command> [options]").arg(programName()));
    print(QString());
    print(ServerMain::tr("Commands:"));
    for (const QString& line : commandList())
        print(line);
    print(QString());
    print(ServerMain::tr("Run \"%1 <command> --help\" for the options of a command.").arg(programName()));
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(programName());
    QCoreApplication::setApplicationVersion(programVersion());
    // The commands report failures themselves, in one line; the library's diagnostics would only
    // repeat them. QT_LOGGING_RULES still turns them back on.
    QLoggingCategory::setFilterRules(QStringLiteral("portcullis.*=false"));

    const QStringList arguments = QCoreApplication::arguments();
    if (arguments.size() < 2) {
        printUsage(&printErr);
        return exitcode::Usage;
    }
    const QString name = arguments.at(1);
    if (name == QLatin1String("help") || name == QLatin1String("--help") || name == QLatin1String("-h")) {
        // "help <command>" shows the command's own help.
        if (name == QLatin1String("help") && arguments.size() > 2) {
            for (const Command& command : kCommands) {
                if (arguments.at(2) == QLatin1String(command.name))
                    return command.run({ QStringLiteral("--help") });
            }
        }
        printUsage(&printOut);
        return exitcode::Ok;
    }
    if (name == QLatin1String("--version") || name == QLatin1String("-v") || name == QLatin1String("version")) {
        printOut(programName() + QLatin1Char(' ') + programVersion());
        return exitcode::Ok;
    }
    for (const Command& command : kCommands) {
        if (name == QLatin1String(command.name))
            return command.run(arguments.mid(2));
    }
    printErr(ServerMain::tr("%1: unknown command \"%2\"").arg(programName(), name));
    printErr(QString());
    printUsage(&printErr);
    return exitcode::Usage;
}
