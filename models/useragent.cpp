#include "useragent.h"

#include <QCoreApplication>
#include <QRegularExpression>

namespace portcullis::useragent {

namespace {

// The version after `token/` up to its first dot (browsers: the major version), or its first two
// parts (tools: "8.5"); empty when the header has no such token.
QString versionAfter(const QString& agent, const QString& token, int parts)
{
    const QRegularExpression re(QRegularExpression::escape(token) + QStringLiteral("/([0-9][0-9A-Za-z.]*)"));
    const QRegularExpressionMatch match = re.match(agent);
    if (!match.hasMatch())
        return {};
    return match.captured(1).section(QLatin1Char('.'), 0, parts - 1);
}

QString operatingSystem(const QString& agent)
{
    // Order matters: iOS and Android agents also say "Mac OS X" and "Linux".
    if (agent.contains(QLatin1String("iPhone")) || agent.contains(QLatin1String("iPad")))
        return QStringLiteral("iOS");
    if (agent.contains(QLatin1String("Android")))
        return QStringLiteral("Android");
    if (agent.contains(QLatin1String("Windows")))
        return QStringLiteral("Windows");
    if (agent.contains(QLatin1String("CrOS")))
        return QStringLiteral("ChromeOS");
    if (agent.contains(QLatin1String("Macintosh")) || agent.contains(QLatin1String("Mac OS X")))
        return QStringLiteral("macOS");
    if (agent.contains(QLatin1String("Linux")) || agent.contains(QLatin1String("X11")))
        return QStringLiteral("Linux");
    return {};
}

struct Browser
{
    const char* token; // in the header
    const char* name; // as people call it
};

} // namespace

QString readable(const QString& userAgent)
{
    const QString agent = userAgent.trimmed();
    if (agent.isEmpty())
        return {};
    // The console itself: "Portcullis-Console/0.9.0" over REST, "Portcullis console" standalone.
    if (agent.startsWith(QLatin1String("Portcullis-Console"), Qt::CaseInsensitive)
        || agent.startsWith(QLatin1String("Portcullis console"), Qt::CaseInsensitive)) {
        const QString version = versionAfter(agent, QStringLiteral("Portcullis-Console"), 3);
        return version.isEmpty()
            ? QCoreApplication::translate("portcullis::useragent", "Portcullis console")
            : QCoreApplication::translate("portcullis::useragent", "Portcullis console %1").arg(version);
    }
    if (agent.startsWith(QLatin1String("Mozilla/"))) {
        // Most specific first: Edge and Opera agents also name Chrome, Chrome's names Safari.
        static const Browser browsers[] = { { "Edg", "Edge" },
                                            { "EdgA", "Edge" },
                                            { "EdgiOS", "Edge" },
                                            { "OPR", "Opera" },
                                            { "SamsungBrowser", "Samsung Internet" },
                                            { "Firefox", "Firefox" },
                                            { "FxiOS", "Firefox" },
                                            { "CriOS", "Chrome" },
                                            { "Chromium", "Chromium" },
                                            { "Chrome", "Chrome" } };
        QString name;
        QString version;
        for (const Browser& b : browsers) {
            version = versionAfter(agent, QString::fromLatin1(b.token), 1);
            if (!version.isEmpty()) {
                name = QString::fromLatin1(b.name);
                break;
            }
        }
        if (name.isEmpty() && agent.contains(QLatin1String("Safari/"))) {
            name = QStringLiteral("Safari");
            version = versionAfter(agent, QStringLiteral("Version"), 1);
        }
        const QString os = operatingSystem(agent);
        if (!name.isEmpty()) {
            const QString browser = version.isEmpty() ? name : name + QLatin1Char(' ') + version;
            return os.isEmpty() ? browser
                                : QCoreApplication::translate("portcullis::useragent", "%1 on %2").arg(browser, os);
        }
        if (!os.isEmpty())
            return QCoreApplication::translate("portcullis::useragent", "A browser on %1").arg(os);
        return agent;
    }
    // Tools name themselves first: "curl/8.5.0", "python-requests/2.31.0", "Wget/1.21.3 (linux-gnu)".
    static const QRegularExpression tool(QStringLiteral("^([A-Za-z][A-Za-z0-9._-]*)/([0-9][0-9A-Za-z.]*)"));
    const QRegularExpressionMatch match = tool.match(agent);
    if (match.hasMatch())
        return match.captured(1) + QLatin1Char(' ') + match.captured(2).section(QLatin1Char('.'), 0, 1);
    return agent;
}

} // namespace portcullis::useragent
