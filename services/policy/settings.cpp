#include "policy/settings.h"

#include "policy.h"

#include <QCoreApplication>

namespace portcullis::policy {

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::Settings)
};

using Unit = SettingSpec::Unit;

#define PORTCULLIS_SETTING(member)                                                                                     \
    [](const DeploymentSettings& s) -> qint64 { return qint64(s.member); },                                            \
        [](DeploymentSettings& s, qint64 v) { s.member = decltype(s.member)(v); }

} // namespace

const QList<SettingSpec>& settingSpecs()
{
    // Bounds: never weaker than the seeds (passwords of at least 12 characters, a lock after a
    // handful of wrong passwords, impersonation of at most limits::MaxImpersonationMinutes), never
    // so long that a stolen token or a forgotten invitation stays useful for months.
    static const QList<SettingSpec> specs {
        { QStringLiteral("access_token_minutes"), Unit::Minutes, 1, 24 * 60, false,
          PORTCULLIS_SETTING(accessTokenMinutes) },
        { QStringLiteral("refresh_token_hours"), Unit::Hours, 1, 90 * 24, false,
          PORTCULLIS_SETTING(refreshTokenHours) },
        { QStringLiteral("lockout_threshold"), Unit::Count, 3, 100, false, PORTCULLIS_SETTING(lockoutThreshold) },
        { QStringLiteral("lockout_minutes"), Unit::Minutes, 1, 24 * 60, false, PORTCULLIS_SETTING(lockoutMinutes) },
        { QStringLiteral("password_min_length"), Unit::Count, 12, 128, false, PORTCULLIS_SETTING(passwordMinLength) },
        { QStringLiteral("api_key_rate_limit"), Unit::Count, 1, limits::MaxApiKeyRatePerMinute, false,
          PORTCULLIS_SETTING(apiKeyRateLimit) },
        { QStringLiteral("impersonation_enabled"), Unit::Switch, 0, 1, false,
          PORTCULLIS_SETTING(impersonationEnabled) },
        { QStringLiteral("impersonation_max_minutes"), Unit::Minutes, 1, limits::MaxImpersonationMinutes, false,
          PORTCULLIS_SETTING(impersonationMaxMinutes) },
        { QStringLiteral("audit_retention_days"), Unit::Days, 7, 36500, true, PORTCULLIS_SETTING(auditRetentionDays) },
        { QStringLiteral("invitation_days"), Unit::Days, 1, limits::MaxInvitationDays, false,
          PORTCULLIS_SETTING(invitationDays) },
    };
    return specs;
}

#undef PORTCULLIS_SETTING

const SettingSpec* settingSpec(const QString& name)
{
    for (const SettingSpec& spec : settingSpecs()) {
        if (spec.name == name)
            return &spec;
    }
    return nullptr;
}

namespace {

QString rangeMessage(const SettingSpec& spec)
{
    if (spec.unit == Unit::Switch)
        return Tr::tr("Use on or off.");
    if (spec.zeroMeansOff)
        return Tr::tr("Use 0 (keep forever) or a whole number from %1 to %2.").arg(spec.minimum).arg(spec.maximum);
    return Tr::tr("Use a whole number from %1 to %2.").arg(spec.minimum).arg(spec.maximum);
}

} // namespace

Status validateSettings(const DeploymentSettings& settings)
{
    QHash<QString, QString> errors;
    for (const SettingSpec& spec : settingSpecs()) {
        if (!spec.inRange(spec.get(settings)))
            errors.insert(spec.name, rangeMessage(spec));
    }
    if (!errors.contains(QStringLiteral("refresh_token_hours"))
        && qint64(settings.refreshTokenHours) * 60 < settings.accessTokenMinutes)
        errors.insert(QStringLiteral("refresh_token_hours"),
                      Tr::tr("A refresh token must last at least as long as an access token."));
    if (!errors.isEmpty())
        return ServiceError::validation(Tr::tr("Some settings are out of range."), errors);
    return {};
}

Result<DeploymentSettings> applySettingsChange(const DeploymentSettings& current, const SettingsChange& change)
{
    DeploymentSettings next = current;
    QHash<QString, QString> errors;
    for (auto it = change.cbegin(); it != change.cend(); ++it) {
        const SettingSpec* spec = settingSpec(it.key());
        if (!spec) {
            errors.insert(it.key(), Tr::tr("There is no setting %1.").arg(it.key()));
            continue;
        }
        if (!spec->inRange(it.value())) {
            errors.insert(it.key(), rangeMessage(*spec));
            continue;
        }
        spec->set(next, it.value());
    }
    if (!errors.isEmpty())
        return ServiceError::validation(Tr::tr("Some settings are out of range."), errors);
    if (auto valid = validateSettings(next); !valid)
        return valid.error();
    return next;
}

} // namespace portcullis::policy
