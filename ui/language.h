#pragma once

// The console's language: which one to use (--lang, else the saved setting, else the system's),
// the locale that formats dates and numbers, and the translators (Portcullis' own and Qt's).

#include <QLocale>
#include <QString>
#include <QStringList>

namespace portcullis::language {

// QSettings key of the saved choice: "" follows the system, otherwise a code from available().
inline constexpr char SettingKey[] = "ui/language";

// The languages the console ships translations for ("en", "de", "fr").
QStringList available();

// The language code of a request such as "de", "de_AT" or "fr-CA", or "" when it is none of available().
QString codeOf(const QString& request);

// --lang wins over the saved setting, which wins over the system's UI languages; English otherwise.
QString choose(const QString& commandLine, const QString& saved, const QLocale& system);

// The locale that formats dates and numbers for `code`: the system's own when it speaks that
// language (so de_AT keeps its formats), the request's when that names a region, else the language's.
QLocale localeFor(const QString& code, const QString& request, const QLocale& system);

// Makes `locale` the default and installs Qt's and Portcullis' translations for `code`, replacing
// those of an earlier call. Returns false when Portcullis' own catalog could not be loaded.
bool apply(const QString& code, const QLocale& locale);

// The saved choice ("" = system), and the value of --lang for this run ("" when not given).
QString saved();
void save(const QString& code);
QString commandLineOverride();
void setCommandLineOverride(const QString& code);

} // namespace portcullis::language
