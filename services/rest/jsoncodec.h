#pragma once

// JSON of the REST contract (docs/api.md) on the client side: snake_case objects to domain types and
// request bodies from domain types. Plain functions on values; no I/O, usable from any thread.

#include "backend.h"
#include "domain/actor.h"
#include "domain/types.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QUrlQuery>

namespace portcullis::rest {

// ISO 8601 in UTC with milliseconds ("2026-11-23T14:55:03.213Z"); null for an invalid time.
QJsonValue timeToJson(const QDateTime& time);
QString timeToString(const QDateTime& time);
QDateTime timeFromJson(const QJsonValue& value);

User userFromJson(const QJsonObject& o);
Role roleFromJson(const QJsonObject& o);
Permission permissionFromJson(const QJsonObject& o);
Session sessionFromJson(const QJsonObject& o);
ApiKey apiKeyFromJson(const QJsonObject& o);
Organization organizationFromJson(const QJsonObject& o);
Invitation invitationFromJson(const QJsonObject& o);
AuditEvent auditEventFromJson(const QJsonObject& o);
Stats statsFromJson(const QJsonObject& o);
DayActivity dayActivityFromJson(const QJsonObject& o);
AuditCheck auditCheckFromJson(const QJsonObject& o);
// Deployment settings: one field per policy::settingSpecs() name (switches as booleans); a field
// that is missing keeps its default.
DeploymentSettings settingsFromJson(const QJsonObject& o);
QJsonObject settingsChangeToJson(const SettingsChange& change);
MaintenanceRun maintenanceRunFromJson(const QJsonObject& o);
// The answer of GET /api/auth/me.
Actor actorFromJson(const QJsonObject& o);

template <typename T, typename Decode> QList<T> listFromJson(const QJsonValue& items, Decode decode)
{
    QList<T> out;
    const QJsonArray array = items.toArray();
    out.reserve(array.size());
    for (const QJsonValue& item : array)
        out.append(decode(item.toObject()));
    return out;
}
template <typename T, typename Decode> Page<T> pageFromJson(const QJsonObject& o, Decode decode)
{
    Page<T> page;
    page.items = listFromJson<T>(o.value(QLatin1String("items")), decode);
    page.total = o.value(QLatin1String("total")).toInteger();
    page.totalIsLowerBound = o.value(QLatin1String("total_is_lower_bound")).toBool();
    page.page = o.value(QLatin1String("page")).toInt(1);
    page.limit = o.value(QLatin1String("limit")).toInt(50);
    return page;
}
QStringList stringsFromJson(const QJsonValue& value);

QJsonObject newUserToJson(const NewUser& user);
QJsonObject userUpdateToJson(const UserUpdate& update);
QJsonObject newRoleToJson(const NewRole& role);
QJsonObject roleUpdateToJson(const RoleUpdate& update);
QJsonObject newApiKeyToJson(const NewApiKey& key);
// Only the fields that are set; an expiry set to an invalid time goes out as null (never expires).
QJsonObject apiKeyUpdateToJson(const ApiKeyUpdate& update);
QJsonObject newOrganizationToJson(const NewOrganization& organization);
QJsonObject organizationUpdateToJson(const OrganizationUpdate& update);

QUrlQuery userQueryToUrl(const UserQuery& query);
// The audit filters (shared by the query and the export); without cursor and limit.
QUrlQuery auditFiltersToUrl(const AuditQuery& query);

} // namespace portcullis::rest
