#pragma once

// The deployment settings' rules in one place: each setting's name, compiled-in default, bounds and
// unit (settingSpecs), and the checks every writer runs (validateSettings). The store reads and
// writes the values (sql/settings.cpp), the server and the console show them; none keeps its own
// copy of a bound.

#include "domain/result.h"
#include "domain/settings.h"

#include <QList>
#include <QString>

namespace portcullis::policy {

struct SettingSpec
{
    enum class Unit
    {
        Minutes,
        Hours,
        Days,
        Count, // wrong passwords, characters, requests per minute
        Switch // on/off
    };
    QString name; // "access_token_minutes": the column in deployment_settings and the JSON field
    Unit unit;
    qint64 minimum;
    qint64 maximum;
    bool zeroMeansOff = false; // audit_retention_days: 0 keeps the log forever, else minimum..maximum
    qint64 (*get)(const DeploymentSettings&);
    void (*set)(DeploymentSettings&, qint64);

    qint64 defaultValue() const { return get(DeploymentSettings {}); }
    bool inRange(qint64 value) const { return (zeroMeansOff && value == 0) || (value >= minimum && value <= maximum); }
};

// Every setting, in the order the console groups them.
const QList<SettingSpec>& settingSpecs();
const SettingSpec* settingSpec(const QString& name);

// Each value within its bounds, and the rules between them (a refresh token outlives the access
// token). Field errors keyed by setting name.
Status validateSettings(const DeploymentSettings& settings);
// `current` with `change` applied: unknown names and values out of range are validation errors
// (all of them at once), then validateSettings.
Result<DeploymentSettings> applySettingsChange(const DeploymentSettings& current, const SettingsChange& change);

} // namespace portcullis::policy
