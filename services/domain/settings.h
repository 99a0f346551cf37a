#pragma once

// Deployment settings (Edit > Deployment settings..., GET|PATCH /api/admin/settings) and the record
// of a maintenance run (serve's schedule, Tools > Run maintenance). The settings' names, defaults
// and bounds are policy::settingSpecs(); a value a super admin never changed is the compiled-in
// default.

#include "types.h"

#include <QDateTime>
#include <QMap>
#include <QString>

namespace portcullis {

struct DeploymentSettings
{
    int accessTokenMinutes = 60; // REST access token (JWT) lifetime
    int refreshTokenHours = 168; // REST refresh token lifetime (a session lives as long as its newest)
    int lockoutThreshold = 5; // wrong passwords in a row that lock an account
    int lockoutMinutes = 15; // how long the lock lasts
    int passwordMinLength = 12; // never below seed 002's 12
    int apiKeyRateLimit = 60; // requests per minute of a new API key that names none
    bool impersonationEnabled = true;
    int impersonationMaxMinutes = 120;
    int auditRetentionDays = 0; // 0: keep the audit log forever
    int invitationDays = 7; // how long a new invitation is valid unless the inviter says otherwise

    bool operator==(const DeploymentSettings&) const = default;
};

// A PATCH: setting name (snake_case, as in policy::settingSpecs()) -> new value (booleans as 0/1).
using SettingsChange = QMap<QString, qint64>;

struct MaintenanceRun
{
    Id id = 0;
    QDateTime startedAt;
    QDateTime finishedAt; // invalid while running (or when the run died)
    QString source; // "schedule" (serve) or "console" (a super admin's Run maintenance)
    Id actorId = 0; // 0: serve's schedule
    qint64 sessionsRemoved = 0;
    qint64 tokensRemoved = 0;
    qint64 invitationsRemoved = 0;
    qint64 auditEventsRemoved = 0;
    QString error; // empty when the run succeeded
};

} // namespace portcullis
