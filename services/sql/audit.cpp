#include "auditchain.h"
#include "auditformat.h"
#include "auditkey.h"
#include "domain/csv.h"
#include "policy/catalog.h"
#include "policy/policy.h"
#include "rows.h"
#include "security/crypto.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QSqlQuery>

#include <algorithm>
#include <limits>
#include <optional>

namespace portcullis {

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::Audit)
};

} // namespace

using namespace sqlutil;

namespace {

const QString kAuditColumns = QStringLiteral(
    "SELECT id, occurred_at, actor_type, actor_id, actor_label, organization_id, action, resource_type, resource_id, "
    "details, ip, outcome, prev_hash, hash FROM audit_events");

auditchain::Row chainRow(const QSqlQuery& q)
{
    auditchain::Row r;
    r.id = q.value(0).toLongLong();
    r.occurredAtMs = q.value(1).toLongLong();
    r.actorType = q.value(2).toString();
    r.actorId = q.value(3).toLongLong();
    r.actorLabel = q.value(4).toString();
    r.organizationId = q.value(5).toLongLong();
    r.action = q.value(6).toString();
    r.resourceType = q.value(7).toString();
    r.resourceId = q.value(8).toString();
    r.details = q.value(9).toString();
    r.ip = q.value(10).toString();
    r.outcome = q.value(11).toString();
    return r;
}

AuditEvent eventFromQuery(const QSqlQuery& q)
{
    AuditEvent e;
    e.id = q.value(0).toLongLong();
    e.time = timeFrom(q.value(1));
    e.actorType = q.value(2).toString();
    e.actorId = q.value(3).toLongLong();
    e.actorLabel = q.value(4).toString();
    e.organizationId = q.value(5).toLongLong();
    e.action = q.value(6).toString();
    e.resourceType = q.value(7).toString();
    e.resourceId = q.value(8).toString();
    e.details = QJsonDocument::fromJson(q.value(9).toString().toUtf8()).object();
    e.ip = q.value(10).toString();
    e.outcome = q.value(11).toString();
    e.prevHash = q.value(12).toString().toLatin1();
    e.hash = q.value(13).toString().toLatin1();
    return e;
}

struct Filter
{
    QString where;
    QVariantList values;
};

// The ids of the events of a time range, lowest and highest (empty when there is none).
struct IdRange
{
    Id lowest = 1;
    Id highest = 0;
};

Id scopeOf(const Actor& actor, const AuditQuery& query)
{
    return actor.isSuperAdmin() ? query.organizationId : actor.organizationId;
}

// A time range read as "occurred_at in range ORDER BY id DESC" collects and sorts every event of
// the range before its first row (a day of a 10M-event log: 110,000 rows, 0.2 s). Ids grow with
// time nearly always, so the range's events lie between the lowest and the highest id of the range,
// which the time index answers without reading a row (SQLite's index carries the rowid; the
// organization's index where a tenant is named). The page is then read from the primary key (or a
// filter's (column, id) index) in id order and stops at the page's end. The time condition stays:
// an event written out of time order (a clock set back, two servers) lies inside the id range
// without belonging to it, and is still left out; nothing of the range lies outside.
Result<std::optional<IdRange>> idRangeOf(StoreCore& core, const Actor& actor, const AuditQuery& query)
{
    if (!query.from.isValid() || !query.to.isValid() || query.from >= query.to)
        return std::optional<IdRange>();
    const Id orgId = scopeOf(actor, query);
    // PostgreSQL answers MIN(id) / MAX(id) with a walk of the primary key from either end until a
    // row of the range turns up (half the log for a day in the middle: 0.35 s at 1M events); "id + 0"
    // is no longer the key's order, so it reads the range from the time index instead (3 ms).
    QString sql = core.dialect() == Dialect::Postgres
        ? QStringLiteral("SELECT MIN(id + 0), MAX(id + 0) FROM audit_events WHERE occurred_at >= ? AND occurred_at < ?")
        : QStringLiteral("SELECT MIN(id), MAX(id) FROM audit_events WHERE occurred_at >= ? AND occurred_at < ?");
    QVariantList values { query.from.toMSecsSinceEpoch(), query.to.toMSecsSinceEpoch() };
    if (orgId != 0) {
        sql += QStringLiteral(" AND organization_id = ?");
        values << orgId;
    }
    QSqlQuery q(core.db());
    q.setForwardOnly(true);
    if (!core.exec(q, sql, values))
        return core.sqlError(q, Tr::tr("Reading the audit log"));
    IdRange range;
    if (q.next() && !q.value(0).isNull()) {
        range.lowest = q.value(0).toLongLong();
        range.highest = q.value(1).toLongLong();
    }
    return std::optional<IdRange>(range);
}

// `tenantOnRows`: the tenant is checked on the rows read, never through its index ("+" keeps both
// planners off it): for a user's involvement, whose two index ranges are far shorter than a
// tenant's. Without it an org admin's count over the OR walked the tenant's events (1.3 s at 10M
// events, docs/benchmarks.md), and without ANALYZE statistics SQLite took the tenant's index for a
// page's actor half too.
Result<Filter> buildFilter(const Actor& actor, const AuditQuery& query, const std::optional<IdRange>& ids = {},
                           bool tenantOnRows = false)
{
    QStringList where;
    Filter f;
    const Id orgId = scopeOf(actor, query); // checked by the caller
    if (orgId != 0) {
        where << (tenantOnRows ? QStringLiteral("+organization_id = ?") : QStringLiteral("organization_id = ?"));
        f.values << orgId;
    }
    if (query.actorId != 0) {
        where << QStringLiteral("actor_id = ?");
        f.values << query.actorId;
    }
    if (!query.actorType.isEmpty()) {
        where << QStringLiteral("actor_type = ?");
        f.values << query.actorType;
    }
    if (!query.actorEmail.trimmed().isEmpty()) {
        where << QStringLiteral("actor_label = ?");
        f.values << query.actorEmail.trimmed().toLower();
    }
    if (!query.action.isEmpty()) {
        if (query.action.endsWith(QLatin1Char('*'))) {
            // A prefix range keeps the (action, id) index usable on both databases.
            const QString prefix = query.action.chopped(1);
            where << QStringLiteral("action >= ? AND action < ?");
            f.values << prefix << QString(prefix + QChar(0xFFFF));
        } else {
            where << QStringLiteral("action = ?");
            f.values << query.action;
        }
    }
    if (!query.resourceType.isEmpty()) {
        where << QStringLiteral("resource_type = ?");
        f.values << query.resourceType;
    }
    if (!query.resourceId.isEmpty()) {
        where << QStringLiteral("resource_id = ?");
        f.values << query.resourceId;
    }
    if (query.involvesUserId != 0) {
        // Reading pages, AuditManager::query() splits this into its two halves (each an index range
        // in id order); the OR stands for counts and offsets.
        where << QStringLiteral("((actor_type = ? AND actor_id = ?) OR (resource_type = ? AND resource_id = ?))");
        f.values << QStringLiteral("user") << query.involvesUserId << QStringLiteral("user")
                 << QString::number(query.involvesUserId);
    }
    if (!query.outcome.isEmpty()) {
        if (query.outcome != QLatin1String("success") && query.outcome != QLatin1String("denied"))
            return ServiceError::validationField(QStringLiteral("outcome"), Tr::tr("Outcome is success or denied"));
        where << QStringLiteral("outcome = ?");
        f.values << query.outcome;
    }
    if (!query.ip.isEmpty()) {
        where << QStringLiteral("ip = ?");
        f.values << query.ip;
    }
    if (query.from.isValid() && query.to.isValid() && query.from >= query.to)
        return ServiceError::validationField(QStringLiteral("from"), Tr::tr("The start must be before the end"));
    // With the range's ids the time is only checked on the rows read ("+occurred_at" keeps both
    // planners off the time index, whose order would need the sort again).
    const QString time = ids ? QStringLiteral("+occurred_at") : QStringLiteral("occurred_at");
    if (query.from.isValid()) {
        where << time + QStringLiteral(" >= ?");
        f.values << query.from.toMSecsSinceEpoch();
    }
    if (query.to.isValid()) {
        where << time + QStringLiteral(" < ?");
        f.values << query.to.toMSecsSinceEpoch();
    }
    if (ids) {
        where << QStringLiteral("id >= ? AND id <= ?");
        f.values << ids->lowest << ids->highest;
    }
    f.where = where.join(QStringLiteral(" AND "));
    return f;
}

// What each kind of audit target is called, with the tenant it belongs to: "SELECT id, name, org".
const QHash<QString, QString>& targetNameQueries()
{
    static const QHash<QString, QString> queries {
        { QStringLiteral("user"), QStringLiteral("SELECT id, email, organization_id FROM users WHERE id IN (%1)") },
        { QStringLiteral("role"), QStringLiteral("SELECT id, code, organization_id FROM roles WHERE id IN (%1)") },
        { QStringLiteral("organization"), QStringLiteral("SELECT id, name, id FROM organizations WHERE id IN (%1)") },
        { QStringLiteral("api_key"),
          QStringLiteral("SELECT id, name, organization_id FROM api_keys WHERE id IN (%1)") },
        { QStringLiteral("invitation"),
          QStringLiteral("SELECT id, email, organization_id FROM invitations WHERE id IN (%1)") },
        { QStringLiteral("session"),
          QStringLiteral("SELECT s.id, u.email, s.organization_id FROM sessions s JOIN users u ON u.id = s.user_id "
                         "WHERE s.id IN (%1)") },
    };
    return queries;
}

// The names of the targets of a page or an export batch as they are called now, keyed
// "type:id": one query per kind of target and 500 ids, never one per event. A target in a tenant
// the actor does not see stays unnamed (its id is all the event discloses, as before).
Result<QHash<QString, QString>> targetNames(StoreCore& core, const Actor& actor,
                                            const QList<std::pair<QString, QString>>& targets)
{
    QHash<QString, QList<Id>> idsByType;
    for (const auto& [type, id] : targets) {
        if (!targetNameQueries().contains(type))
            continue;
        bool ok = false;
        const Id number = id.toLongLong(&ok);
        if (ok && number > 0 && !idsByType.value(type).contains(number))
            idsByType[type] << number;
    }
    QHash<QString, QString> names;
    for (auto it = idsByType.cbegin(); it != idsByType.cend(); ++it) {
        const QList<Id>& ids = it.value();
        for (qsizetype start = 0; start < ids.size(); start += 500) {
            const QList<Id> chunk = ids.mid(start, 500);
            QStringList marks;
            QVariantList values;
            for (Id id : chunk) {
                marks << QStringLiteral("?");
                values << id;
            }
            QSqlQuery q(core.db());
            q.setForwardOnly(true);
            if (!core.exec(q, targetNameQueries().value(it.key()).arg(marks.join(QLatin1Char(','))), values))
                return core.sqlError(q, Tr::tr("Reading the audit log"));
            while (q.next()) {
                if (StoreCore::canSee(actor, q.value(2).toLongLong()))
                    names.insert(it.key() + QLatin1Char(':') + q.value(0).toString(), q.value(1).toString());
            }
        }
    }
    return names;
}

Status nameTargets(StoreCore& core, const Actor& actor, QList<AuditEvent>& events)
{
    QList<std::pair<QString, QString>> targets;
    targets.reserve(events.size());
    for (const AuditEvent& e : std::as_const(events))
        targets.append({ e.resourceType, e.resourceId });
    auto names = targetNames(core, actor, targets);
    if (!names)
        return names.error();
    for (AuditEvent& e : events)
        e.resourceLabel = names->value(e.resourceType + QLatin1Char(':') + e.resourceId);
    return {};
}

} // namespace

Result<AuditPage> AuditManager::query(const Actor& actor, const AuditQuery& query)
{
    const Audited op(m_core, actor, actions::AuditQueried, QStringLiteral("audit"), {}, query.organizationId);
    if (query.organizationId != 0) {
        if (auto org = m_core.organizationFor(actor, query.organizationId, op.action()); !org)
            return org.error();
    }
    policy::Decision d = policy::requirePermission(actor, perm::AuditView);
    if (!d)
        d = policy::requirePermission(actor, perm::AuditRead);
    if (d && query.organizationId != 0)
        d = policy::requireTenant(actor, query.organizationId);
    if (!d)
        return op.deny(d.reason);
    Id before = 0;
    if (!query.cursor.isEmpty()) {
        auto decoded = auditformat::decodeCursor(query.cursor);
        if (!decoded)
            return decoded.error();
        before = *decoded;
    }
    if (query.beforeId < 0 || query.afterId < 0)
        return ServiceError::validationField(QStringLiteral("before_id"), Tr::tr("Invalid event id"));
    if (query.offset < 0)
        return ServiceError::validationField(QStringLiteral("offset"), Tr::tr("The offset cannot be negative"));
    if (query.beforeId > 0 && (before == 0 || query.beforeId < before))
        before = query.beforeId;
    const Id after = query.afterId;
    const int limit = clampLimit(query.limit);

    auto ids = idRangeOf(m_core, actor, query);
    if (!ids)
        return ids.error();
    auto whole = buildFilter(actor, query, *ids, query.involvesUserId != 0);
    if (!whole)
        return whole.error();
    // The filter with the id bounds of the cursor and of following.
    auto bounded = [&](const Filter& filter) {
        Filter f = filter;
        QStringList where;
        if (!f.where.isEmpty())
            where << f.where;
        if (before != 0) {
            where << QStringLiteral("id < ?");
            f.values << before;
        }
        if (after != 0) {
            where << QStringLiteral("id > ?");
            f.values << after;
        }
        f.where = where.isEmpty() ? QString() : QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND "));
        return f;
    };

    AuditPage page;
    qint64 offset = query.offset;
    if (whole->where.isEmpty() && (query.withTotal || offset > 0)) {
        // No filter: the ids are consecutive (each event takes the last id + 1 in the chain's
        // transaction; a purge removes only the oldest; verify-audit reports a gap), so the count is
        // the span of ids and a position is an id: two reads of the primary key's ends.
        QSqlQuery q(m_core.db());
        q.setForwardOnly(true);
        // Two subqueries: SQLite reads MIN() and MAX() from the index's ends only when each is
        // alone in its SELECT (together they scan the table: 0.7 s at 10M events).
        if (!m_core.exec(
                q, QStringLiteral("SELECT (SELECT MIN(id) FROM audit_events), (SELECT MAX(id) FROM audit_events)"), {}))
            return m_core.sqlError(q, Tr::tr("Reading the audit log"));
        Id lowest = 1;
        Id highest = 0;
        if (q.next() && !q.value(0).isNull()) {
            lowest = std::max(q.value(0).toLongLong(), after + 1);
            highest = before != 0 ? std::min(q.value(1).toLongLong(), before - 1) : q.value(1).toLongLong();
        }
        if (query.withTotal)
            page.total = std::max<qint64>(0, highest - lowest + 1);
        if (offset > 0) {
            if (highest - offset < lowest)
                return page;
            before = highest - offset + 1;
            offset = 0;
        }
    } else if (query.withTotal || offset > 0) {
        const Filter f = bounded(*whole);
        QSqlQuery q(m_core.db());
        q.setForwardOnly(true);
        if (query.withTotal) {
            // A count over the filter's index (or the time range's ids): as long as the matches.
            if (!m_core.exec(q, QStringLiteral("SELECT COUNT(*) FROM audit_events") + f.where, f.values))
                return m_core.sqlError(q, Tr::tr("Reading the audit log"));
            page.total = q.next() ? q.value(0).toLongLong() : 0;
        }
        if (offset > 0) {
            // The offset is walked on ids alone (the filter's (column, id) index, no row read); the
            // page is then read from the id found, as any keyset page.
            QVariantList values = f.values;
            values << offset;
            if (!m_core.exec(q,
                             QStringLiteral("SELECT id FROM audit_events") + f.where
                                 + QStringLiteral(" ORDER BY id DESC LIMIT 1 OFFSET ?"),
                             values))
                return m_core.sqlError(q, Tr::tr("Reading the audit log"));
            if (!q.next())
                return page;
            before = q.value(0).toLongLong() + 1;
            offset = 0;
        }
    }

    // An action prefix ("role.*") read as one range of the (action, id) index must collect and
    // sort every matching event before the first page. The few distinct actions under the prefix
    // come cheaply from the index instead, and each is read newest-first in index order: k small
    // reads merged here, whatever the size of the log.
    QList<AuditQuery> parts { query };
    if (query.action.endsWith(QLatin1Char('*'))) {
        const QString prefix = query.action.chopped(1);
        QSqlQuery distinct(m_core.db());
        distinct.setForwardOnly(true);
        if (!m_core.exec(distinct,
                         QStringLiteral("SELECT DISTINCT action FROM audit_events WHERE action >= ? AND action < ?"),
                         { prefix, QString(prefix + QChar(0xFFFF)) }))
            return m_core.sqlError(distinct, Tr::tr("Reading the audit log"));
        QStringList actions;
        while (distinct.next())
            actions << distinct.value(0).toString();
        if (actions.size() <= 32) {
            parts.clear();
            for (const QString& action : std::as_const(actions)) {
                AuditQuery exact = query;
                exact.action = action;
                parts << exact;
            }
        }
    }

    // A user's involvement is two index ranges, (actor_id, id) and (resource_type, resource_id, id),
    // each read newest-first and merged, where one OR would collect and sort all the user's events
    // before the first page. A half the other filters exclude is left out.
    if (query.involvesUserId != 0) {
        const Id user = query.involvesUserId;
        const QString userType = QStringLiteral("user");
        QList<AuditQuery> halves;
        for (const AuditQuery& part : std::as_const(parts)) {
            AuditQuery asActor = part;
            asActor.involvesUserId = 0;
            if ((part.actorId == 0 || part.actorId == user)
                && (part.actorType.isEmpty() || part.actorType == userType)) {
                asActor.actorId = user;
                asActor.actorType = userType;
                halves << asActor;
            }
            AuditQuery asTarget = part;
            asTarget.involvesUserId = 0;
            if ((part.resourceType.isEmpty() || part.resourceType == userType)
                && (part.resourceId.isEmpty() || part.resourceId == QString::number(user))) {
                asTarget.resourceType = userType;
                asTarget.resourceId = QString::number(user);
                halves << asTarget;
            }
        }
        parts = halves;
    }

    // Following reads upwards from `after` (the oldest newer events first), a page downwards.
    const bool upwards = after != 0;
    QList<AuditEvent> events;
    for (const AuditQuery& part : std::as_const(parts)) {
        auto filter = buildFilter(actor, part, *ids, query.involvesUserId != 0);
        if (!filter)
            return filter.error();
        const Filter f = bounded(*filter);
        QVariantList values = f.values;
        values << limit + 1;
        QSqlQuery q(m_core.db());
        q.setForwardOnly(true);
        const QString sql = kAuditColumns + f.where
            + (upwards ? QStringLiteral(" ORDER BY id ASC LIMIT ?") : QStringLiteral(" ORDER BY id DESC LIMIT ?"));
        if (!m_core.exec(q, sql, values))
            return m_core.sqlError(q, Tr::tr("Reading the audit log"));
        while (q.next())
            events << eventFromQuery(q);
    }
    if (parts.size() > 1 || upwards)
        std::sort(events.begin(), events.end(),
                  [upwards](const AuditEvent& a, const AuditEvent& b) { return upwards ? a.id < b.id : a.id > b.id; });
    // A user acting on their own account is in both halves of an involvement query.
    if (query.involvesUserId != 0)
        events.erase(std::unique(events.begin(), events.end(),
                                 [](const AuditEvent& a, const AuditEvent& b) { return a.id == b.id; }),
                     events.end());

    for (const AuditEvent& e : std::as_const(events)) {
        if (page.items.size() == limit) {
            if (!upwards)
                page.nextCursor = auditformat::encodeCursor(page.items.last().id);
            break;
        }
        page.items << e;
    }
    if (upwards)
        std::reverse(page.items.begin(), page.items.end());
    if (auto named = nameTargets(m_core, actor, page.items); !named)
        return named.error();
    return page;
}

Result<AuditEvent> AuditManager::get(const Actor& actor, Id eventId)
{
    AuditEvent event;
    {
        QSqlQuery q(m_core.db());
        if (!m_core.exec(q, kAuditColumns + QStringLiteral(" WHERE id = ?"), { eventId }))
            return m_core.sqlError(q, Tr::tr("Reading the audit log"));
        const bool found = q.next();
        if (found)
            event = eventFromQuery(q);
        q.finish(); // before requireVisible() may write a denial
        // Another tenant's event reads as missing, not as forbidden: its existence is not disclosed.
        if (auto visible = m_core.requireVisible(actor, found, event.organizationId, Resource::AuditEvent,
                                                 QString::number(eventId), actions::AuditQueried);
            !visible)
            return visible.error();
    }
    policy::Decision d = policy::requirePermission(actor, perm::AuditView);
    if (!d)
        d = policy::requirePermission(actor, perm::AuditRead);
    if (!d)
        return Audited(m_core, actor, actions::AuditQueried, QStringLiteral("audit"), QString::number(eventId))
            .deny(d.reason);
    QList<AuditEvent> named { event };
    if (auto status = nameTargets(m_core, actor, named); !status)
        return status.error();
    return named.first();
}

Result<qint64> AuditManager::exportTo(const Actor& actor, const AuditQuery& query, QIODevice& out,
                                      const ExportOptions& options)
{
    // The event goes where the exported events live: a super admin names the organization (0: all).
    const Audited op(m_core, actor, actions::AuditExported, QStringLiteral("audit"), {},
                     actor.isSuperAdmin() ? query.organizationId : actor.organizationId);
    if (query.organizationId != 0) {
        if (auto org = m_core.organizationFor(actor, query.organizationId, op.action()); !org)
            return org.error();
    }
    policy::Decision d = policy::requirePermission(actor, perm::AuditExport);
    if (d && query.organizationId != 0)
        d = policy::requireTenant(actor, query.organizationId);
    if (!d)
        return op.deny(d.reason);
    auto ids = idRangeOf(m_core, actor, query);
    if (!ids)
        return ids.error();
    auto filter = buildFilter(actor, query, *ids);
    if (!filter)
        return filter.error();
    const int batch = std::clamp(options.batchSize, 100, 50000);
    qint64 written = 0;
    Id before = 0;
    if (options.format == ExportFormat::Csv)
        out.write("id,time_utc,actor_type,actor_id,actor_email,organization_id,action,resource_type,resource_id,"
                  "resource_label,outcome,ip,details,hash\n");
    QSqlQuery q(m_core.db());
    q.setForwardOnly(true);
    for (;;) {
        if (options.cancel && options.cancel->load())
            return ServiceError::conflict(Tr::tr("Export cancelled after %1 events").arg(written));
        QStringList where;
        if (!filter->where.isEmpty())
            where << filter->where;
        QVariantList values = filter->values;
        if (before != 0) {
            where << QStringLiteral("id < ?");
            values << before;
        }
        values << batch;
        const QString sql = kAuditColumns
            + (where.isEmpty() ? QString() : QStringLiteral(" WHERE ") + where.join(QStringLiteral(" AND ")))
            + QStringLiteral(" ORDER BY id DESC LIMIT ?");
        if (!m_core.exec(q, sql, values))
            return m_core.sqlError(q, Tr::tr("Exporting the audit log"));
        QList<auditformat::ExportRow> batchRows;
        while (q.next()) {
            before = q.value(0).toLongLong();
            auditformat::ExportRow& row = batchRows.emplace_back();
            row.id = before;
            row.time = timeFrom(q.value(1)).toString(Qt::ISODateWithMs);
            row.actorType = q.value(2).toString();
            row.actorId = q.value(3).toString();
            row.actorLabel = q.value(4).toString();
            row.organizationId = q.value(5).toString();
            row.action = q.value(6).toString();
            row.resourceType = q.value(7).toString();
            row.resourceId = q.value(8).toString();
            row.details = q.value(9).toString();
            row.ip = q.value(10).toString();
            row.outcome = q.value(11).toString();
            row.hash = q.value(13).toString();
        }
        const auto rows = int(batchRows.size());
        QList<std::pair<QString, QString>> targets;
        targets.reserve(rows);
        for (const auditformat::ExportRow& row : std::as_const(batchRows))
            targets.append({ row.resourceType, row.resourceId });
        auto names = targetNames(m_core, actor, targets);
        if (!names)
            return names.error();
        QByteArray chunk;
        for (auditformat::ExportRow& row : batchRows) {
            row.resourceLabel = names->value(row.resourceType + QLatin1Char(':') + row.resourceId);
            chunk += options.format == ExportFormat::Csv ? auditformat::csvLine(row) : auditformat::jsonLine(row);
        }
        if (!chunk.isEmpty() && out.write(chunk) != chunk.size())
            return ServiceError::storage(Tr::tr("Could not write the export: %1").arg(out.errorString()));
        written += rows;
        if (options.progress)
            options.progress(written);
        if (rows < batch)
            break;
    }
    q.finish();
    auto audited = m_core.inTransaction<bool>([&]() -> Result<bool> {
        if (auto a
            = op.succeed({ { QStringLiteral("rows"), written },
                           { QStringLiteral("format"),
                             options.format == ExportFormat::Csv ? QStringLiteral("csv") : QStringLiteral("jsonl") } });
            !a)
            return a.error();
        return true;
    });
    if (!audited)
        return audited.error();
    return written;
}

namespace {

struct PurgeRecord
{
    Id id = 0;
    Id purgedBeforeId = 0;
    QByteArray anchorHash;
    qint64 purgedAtMs = 0;
    Id purgedBy = 0;
    QByteArray mac;
};

bool isKeyedLink(const QByteArray& key, const QSqlQuery& q, const auditchain::Row& row)
{
    return crypto::constantTimeEquals(auditchain::keyedHash(key, q.value(12).toString().toLatin1(), row),
                                      q.value(13).toString().toLatin1());
}

} // namespace

AuditVerification AuditManager::verifyChain(const std::atomic_bool* cancel)
{
    using Finding = AuditVerification::Finding;
    AuditVerification result;
    auto fail = [&result](Finding finding, Id id, const QString& problem) {
        result.ok = false;
        result.finding = finding;
        result.firstBrokenId = id;
        result.problem = problem;
        return result;
    };
    // Without the key nothing can be told apart from a forgery: say so instead of half a check.
    auto key = m_core.auditKey(false);
    if (!key)
        return fail(Finding::KeyProblem, 0, key.error().message);
    auto checkpoint = auditkey::readCheckpoint(auditkey::checkpointPath(m_core.auditKeyFile()), *key);
    if (!checkpoint)
        return fail(Finding::KeyProblem, 0, checkpoint.error().message);
    const std::optional<auditchain::Checkpoint> cp = *checkpoint;
    if (cp)
        result.checkpointCounter = cp->counter;

    QSqlQuery q(m_core.db());
    q.setForwardOnly(true);
    // Every purge record must be authentic; the one reaching furthest is what the delete trigger
    // honours, so the chain is verified from its anchor.
    std::optional<PurgeRecord> start;
    if (!m_core.exec(q,
                     QStringLiteral("SELECT id, purged_before_id, anchor_hash, purged_at, purged_by, mac "
                                    "FROM audit_purges ORDER BY purged_before_id DESC, id DESC"))) {
        return fail(Finding::Unreadable, 0, m_core.sqlError(q, Tr::tr("Reading the audit purges")).message);
    }
    while (q.next()) {
        PurgeRecord p;
        p.id = q.value(0).toLongLong();
        p.purgedBeforeId = q.value(1).toLongLong();
        p.anchorHash = q.value(2).toString().toLatin1();
        p.purgedAtMs = q.value(3).toLongLong();
        p.purgedBy = q.value(4).toLongLong();
        p.mac = q.value(5).toString().toLatin1();
        const bool legacy = p.mac.isEmpty();
        if (!legacy
            && !crypto::constantTimeEquals(
                p.mac, auditchain::purgeMac(*key, p.purgedBeforeId, p.anchorHash, p.purgedAtMs, p.purgedBy))) {
            result.purgeRecordId = p.id;
            return fail(Finding::ForgedPurge, p.purgedBeforeId,
                        Tr::tr("forged purge: purge record #%1 (events before %2) is not authenticated by the audit "
                               "key")
                            .arg(p.id)
                            .arg(p.purgedBeforeId));
        }
        // An unauthenticated purge can only be one from before the key: it cannot reach into the part
        // of the chain a checkpoint saw keyed.
        if (legacy && cp && cp->firstKeyedId > 0 && p.purgedBeforeId > cp->firstKeyedId) {
            result.purgeRecordId = p.id;
            return fail(Finding::ForgedPurge, p.purgedBeforeId,
                        Tr::tr("forged purge: purge record #%1 (events before %2) carries no MAC, but the key was in "
                               "use from event %3")
                            .arg(p.id)
                            .arg(p.purgedBeforeId)
                            .arg(cp->firstKeyedId));
        }
        if (!start)
            start = p;
    }
    q.finish();

    const Id startId = start ? start->purgedBeforeId : 1;
    QByteArray expectedPrev = start ? start->anchorHash : auditchain::kGenesisHash;
    Id expectedId = startId;
    bool keyedSeen = false;
    bool first = true;
    const int batch = 20000;
    Id after = startId - 1;
    for (;;) {
        if (!m_core.exec(q, kAuditColumns + QStringLiteral(" WHERE id > ? ORDER BY id LIMIT ?"), { after, batch }))
            return fail(Finding::Unreadable, 0, m_core.sqlError(q, Tr::tr("Reading the audit log")).message);
        int rows = 0;
        while (q.next()) {
            // Checked every 4,096 events: a cancelled run stops within milliseconds.
            if (cancel && (rows & 4095) == 0 && cancel->load(std::memory_order_relaxed)) {
                result.ok = false;
                result.cancelled = true;
                return result;
            }
            ++rows;
            const auditchain::Row row = chainRow(q);
            after = row.id;
            const QByteArray prev = q.value(12).toString().toLatin1();
            const QByteArray stored = q.value(13).toString().toLatin1();
            if (row.id != expectedId) {
                if (row.id > expectedId) {
                    result.missingFrom = expectedId;
                    result.missingTo = row.id - 1;
                    return fail(Finding::MissingRange, expectedId,
                                Tr::tr("missing range: events %1 to %2 are missing (deleted without an authentic "
                                       "purge)")
                                    .arg(expectedId)
                                    .arg(row.id - 1));
                }
                return fail(Finding::EditedEvent, row.id, Tr::tr("unexpected id (expected %1)").arg(expectedId));
            }
            if (prev != expectedPrev)
                return fail(Finding::EditedEvent, row.id,
                            Tr::tr("edited event: the previous-hash link does not match the event before it (an "
                                   "event was altered)"));
            const bool keyed = isKeyedLink(*key, q, row);
            if (keyed) {
                keyedSeen = true;
                if (first && start && start->mac.isEmpty()) {
                    result.purgeRecordId = start->id;
                    return fail(Finding::ForgedPurge, startId,
                                Tr::tr("forged purge: purge record #%1 (events before %2) carries no MAC, but the "
                                       "events after it were written with the key")
                                    .arg(start->id)
                                    .arg(startId));
                }
            } else if (!keyedSeen && auditchain::hash(prev, row) == stored) {
                if (cp && cp->firstKeyedId > 0 && row.id >= cp->firstKeyedId)
                    return fail(Finding::EditedEvent, row.id,
                                Tr::tr("edited event: rewritten without the key (an unkeyed link where checkpoint %1 "
                                       "saw the key in use from event %2; the event was altered)")
                                    .arg(cp->counter)
                                    .arg(cp->firstKeyedId));
                if (result.unkeyedFrom == 0)
                    result.unkeyedFrom = row.id;
                result.unkeyedTo = row.id;
            } else {
                return fail(Finding::EditedEvent, row.id,
                            Tr::tr("edited event: the content does not match its keyed hash (the event was altered)"));
            }
            if (cp && row.id == cp->lastId && stored != cp->lastHash)
                return fail(Finding::EditedEvent, row.id,
                            Tr::tr("edited event: it does not match checkpoint %1 (the event was altered, or the "
                                   "tail was cut off and written anew)")
                                .arg(cp->counter));
            first = false;
            ++result.count;
            expectedPrev = stored;
            ++expectedId;
        }
        if (rows < batch)
            break;
    }
    if (cp && cp->lastId >= expectedId) {
        result.missingFrom = expectedId;
        result.missingTo = cp->lastId;
        return fail(Finding::TruncatedTail, expectedId,
                    Tr::tr("truncated tail since checkpoint %1: events %2 to %3 are missing (the checkpoint of %4 "
                           "recorded event %3 as the newest)")
                        .arg(cp->counter)
                        .arg(expectedId)
                        .arg(cp->lastId)
                        .arg(QDateTime::fromMSecsSinceEpoch(cp->writtenAtMs, Qt::UTC).toString(Qt::ISODate)));
    }
    return result;
}

namespace {

// The first event with a keyed link, by bisection: keyed events form a suffix of an intact chain.
// A few point reads, whatever the size of the log. 0 when the newest event is unkeyed.
Result<Id> firstKeyedId(StoreCore& core, const QByteArray& key, Id low, Id high)
{
    QSqlQuery q(core.db());
    q.setForwardOnly(true);
    auto keyedAt = [&](Id id, Id* found) -> Result<bool> {
        if (!core.exec(q, kAuditColumns + QStringLiteral(" WHERE id >= ? ORDER BY id LIMIT 1"), { id }))
            return core.sqlError(q, Tr::tr("Reading the audit log"));
        if (!q.next())
            return false;
        *found = q.value(0).toLongLong();
        const bool keyed = isKeyedLink(key, q, chainRow(q));
        q.finish();
        return keyed;
    };
    Id found = 0;
    auto headKeyed = keyedAt(high, &found);
    if (!headKeyed)
        return headKeyed.error();
    if (!*headKeyed)
        return Id(0);
    Id answer = found;
    while (low < high) {
        const Id middle = low + (high - low) / 2;
        auto keyed = keyedAt(middle, &found);
        if (!keyed)
            return keyed.error();
        if (*keyed) {
            answer = found;
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    auto last = keyedAt(low, &found);
    if (!last)
        return last.error();
    if (*last)
        answer = std::min(answer, found);
    return answer;
}

} // namespace

Result<auditchain::Checkpoint> AuditManager::writeCheckpoint()
{
    auto key = m_core.auditKey();
    if (!key)
        return key.error();
    const QString path = auditkey::checkpointPath(m_core.auditKeyFile());
    auto read = auditkey::readCheckpoint(path, *key);
    if (!read)
        return read.error();
    const std::optional<auditchain::Checkpoint> previous = *read;
    QSqlQuery q(m_core.db());
    q.setForwardOnly(true);
    if (!m_core.exec(q, QStringLiteral("SELECT MIN(id), MAX(id) FROM audit_events")) || !q.next())
        return m_core.sqlError(q, Tr::tr("Reading the audit chain"));
    const Id low = q.value(0).toLongLong();
    const Id head = q.value(1).toLongLong();
    q.finish();
    if (head == 0)
        return previous.value_or(auditchain::Checkpoint());
    if (!m_core.exec(q, QStringLiteral("SELECT hash FROM audit_events WHERE id = ?"), { head }) || !q.next())
        return m_core.sqlError(q, Tr::tr("Reading the audit chain"));
    const QByteArray headHash = q.value(0).toString().toLatin1();
    q.finish();
    if (previous) {
        if (previous->lastId == head && previous->lastHash == headHash)
            return *previous;
        // The head only ever grows: a checkpoint never overwrites the evidence of a cut or an edit.
        if (!m_core.exec(q, QStringLiteral("SELECT hash FROM audit_events WHERE id = ?"), { previous->lastId }))
            return m_core.sqlError(q, Tr::tr("Reading the audit chain"));
        const bool present = q.next();
        const QByteArray recorded = present ? q.value(0).toString().toLatin1() : QByteArray();
        q.finish();
        if (head < previous->lastId || (present && recorded != previous->lastHash)
            || (!present && previous->lastId >= low))
            return ServiceError::conflict(
                Tr::tr("The audit log no longer holds event %1 as checkpoint %2 recorded it (run verify-audit); the "
                       "checkpoint is kept as it is")
                    .arg(previous->lastId)
                    .arg(previous->counter));
    }
    auditchain::Checkpoint next;
    next.counter = previous ? previous->counter + 1 : 1;
    next.lastId = head;
    next.lastHash = headHash;
    next.writtenAtMs = m_core.now();
    next.keyId = auditchain::keyId(*key);
    if (previous && previous->firstKeyedId > 0) {
        next.firstKeyedId = previous->firstKeyedId;
    } else {
        auto found = firstKeyedId(m_core, *key, low, head);
        if (!found)
            return found.error();
        next.firstKeyedId = *found;
    }
    next.mac = auditchain::checkpointMac(*key, next);
    if (auto written = auditkey::writeCheckpoint(path, next); !written)
        return written.error();
    return next;
}

Result<AuditVerification> AuditManager::verify(const Actor& actor, const std::atomic_bool* cancel)
{
    const Audited op(m_core, actor, actions::AuditVerified, QStringLiteral("audit"), {}, actor.organizationId);
    policy::Decision d = policy::requirePermission(actor, perm::AuditVerify);
    // The chain is one for the whole deployment: its result (how many events, which one is broken)
    // describes every tenant. Refused rather than scoped for everyone but super admins.
    if (d && !actor.isSuperAdmin())
        d = policy::Decision::deny(
            Tr::tr("Verifying the audit chain covers every organization of the deployment: only super admins can "
                   "run it"));
    if (!d)
        return op.deny(d.reason);
    // A whole-chain scan costs seconds at millions of events: one at a time per deployment, so that
    // repeated clicks or a script in a loop cannot keep every worker of every server reading it.
    auto exclusive = m_core.tryExclusive(
        QStringLiteral("audit-verify"),
        Tr::tr("An audit verification is already running for this deployment; try again when it has finished"));
    if (!exclusive)
        return exclusive.error();
    const AuditVerification result = verifyChain(cancel);
    if (result.cancelled)
        return ServiceError::unavailable(Tr::tr("The audit verification was cancelled"));
    auto audited = m_core.inTransaction<bool>([&]() -> Result<bool> {
        QJsonObject details { { QStringLiteral("ok"), result.ok }, { QStringLiteral("events"), result.count } };
        if (!result.ok) {
            details.insert(QStringLiteral("first_broken_id"), result.firstBrokenId);
            details.insert(QStringLiteral("problem"), result.problem);
        }
        if (auto a = op.succeed(details); !a)
            return a.error();
        return true;
    });
    if (!audited)
        return audited.error();
    return result;
}

Result<qint64> AuditManager::purge(const Actor& actor, const QDateTime& before, bool keepYounger)
{
    // A purge is global: its events belong to no organization.
    const Audited op(m_core, actor, actions::AuditPurged, QStringLiteral("audit"));
    if (!actor.isSuperAdmin())
        return op.deny(Tr::tr("Only super admins can purge the audit log"));
    if (!before.isValid() || before > QDateTime::currentDateTimeUtc())
        return ServiceError::validationField(QStringLiteral("before"), Tr::tr("Choose a date in the past"));
    return m_core.inTransaction<qint64>([&]() -> Result<qint64> {
        QSqlQuery q(m_core.db());
        const qint64 beforeMs = before.toMSecsSinceEpoch();
        const bool found = keepYounger
            ? m_core.exec(q,
                          QStringLiteral("SELECT id, hash FROM audit_events WHERE occurred_at < ? AND id < "
                                         "COALESCE((SELECT MIN(id) FROM audit_events WHERE occurred_at >= ?), ?) "
                                         "ORDER BY id DESC LIMIT 1"),
                          { beforeMs, beforeMs, std::numeric_limits<qint64>::max() })
            : m_core.exec(
                q, QStringLiteral("SELECT id, hash FROM audit_events WHERE occurred_at < ? ORDER BY id DESC LIMIT 1"),
                { beforeMs });
        if (!found)
            return m_core.sqlError(q, Tr::tr("Finding the purge point"));
        if (!q.next()) {
            // Nothing that old: the run is still recorded, so a retention job leaves a trace every time.
            q.finish();
            if (auto a = op.succeed({ { QStringLiteral("events_removed"), 0 },
                                      { QStringLiteral("before"), before.toUTC().toString(Qt::ISODate) } });
                !a)
                return a.error();
            return qint64(0);
        }
        const Id lastPurged = q.value(0).toLongLong();
        const QString anchor = q.value(1).toString();
        q.finish();
        if (!m_core.exec(q, QStringLiteral("SELECT COUNT(*) FROM audit_events WHERE id <= ?"), { lastPurged })
            || !q.next())
            return m_core.sqlError(q, Tr::tr("Counting events to purge"));
        const qint64 count = q.value(0).toLongLong();
        q.finish();
        // The purge record is what allows the trigger to delete below it, and what verify starts from.
        // The trigger cannot check its MAC; verify does, so a record forged without the key is found.
        auto key = m_core.auditKey();
        if (!key)
            return key.error();
        const qint64 purgedAt = m_core.now();
        const QByteArray mac = auditchain::purgeMac(*key, lastPurged + 1, anchor.toLatin1(), purgedAt, actor.userId);
        if (!m_core.exec(q,
                         QStringLiteral("INSERT INTO audit_purges (purged_before_id, anchor_hash, purged_at, "
                                        "purged_by, mac) VALUES (?, ?, ?, ?, ?)"),
                         { lastPurged + 1, anchor, purgedAt, actor.userId, QString::fromLatin1(mac) }))
            return m_core.sqlError(q, Tr::tr("Recording the purge"));
        if (!m_core.exec(q, QStringLiteral("DELETE FROM audit_events WHERE id <= ?"), { lastPurged }))
            return m_core.sqlError(q, Tr::tr("Purging the audit log"));
        if (auto a = op.succeed({ { QStringLiteral("events_removed"), count },
                                  { QStringLiteral("before"), before.toUTC().toString(Qt::ISODate) },
                                  { QStringLiteral("purged_before_id"), lastPurged + 1 } });
            !a)
            return a.error();
        return count;
    });
}

Result<QList<DayActivity>> AuditManager::dailyActivity(const Actor& actor, Id organizationId, int days)
{
    const Audited op(m_core, actor, actions::StatsViewed, QStringLiteral("audit"), {}, organizationId);
    if (organizationId != 0) {
        if (auto org = m_core.organizationFor(actor, organizationId, op.action()); !org)
            return org.error();
    }
    policy::Decision d = policy::requirePermission(actor, perm::StatsRead);
    if (d && organizationId != 0)
        d = policy::requireTenant(actor, organizationId);
    if (!d)
        return op.deny(d.reason);
    const Id orgId = actor.isSuperAdmin() ? organizationId : actor.organizationId;
    days = std::clamp(days, 1, 366);
    constexpr qint64 dayMs = 86400000;
    const QDate today = QDateTime::currentDateTimeUtc().date();
    const QDate first = today.addDays(-(days - 1));
    const qint64 fromMs = QDateTime(first, QTime(0, 0), Qt::UTC).toMSecsSinceEpoch();
    // The counters migration 7 keeps per organization and day (admin actions: successful state
    // changes by people, not the sign-in bookkeeping): at most 366 rows per organization.
    QString sql = QStringLiteral("SELECT day, SUM(sign_ins), SUM(failed_sign_ins), SUM(admin_actions) "
                                 "FROM audit_daily WHERE day >= ?");
    QVariantList values { fromMs / dayMs };
    if (orgId != 0) {
        sql += QStringLiteral(" AND organization_id = ?");
        values << orgId;
    }
    sql += QStringLiteral(" GROUP BY day");
    QSqlQuery q(m_core.db());
    q.setForwardOnly(true);
    if (!m_core.exec(q, sql, values))
        return m_core.sqlError(q, Tr::tr("Counting activity"));
    QHash<qint64, DayActivity> byDay;
    while (q.next()) {
        DayActivity a;
        a.signIns = q.value(1).toLongLong();
        a.failedSignIns = q.value(2).toLongLong();
        a.adminActions = q.value(3).toLongLong();
        byDay.insert(q.value(0).toLongLong(), a);
    }
    QList<DayActivity> series;
    for (QDate day = first; day <= today; day = day.addDays(1)) {
        const qint64 index = QDateTime(day, QTime(0, 0), Qt::UTC).toMSecsSinceEpoch() / dayMs;
        DayActivity a = byDay.value(index);
        a.day = day;
        series << a;
    }
    return series;
}

namespace auditformat {

QString encodeCursor(Id id)
{
    return QString::fromLatin1(QByteArray("a:" + QByteArray::number(id))
                                   .toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

Result<Id> decodeCursor(const QString& cursor)
{
    // Strict: Qt's lenient base64 decoding skips stray characters, and toLongLong() takes signs and
    // spaces, so several texts would name one position; only the canonical form is accepted.
    auto invalid = [] { return ServiceError::validationField(QStringLiteral("cursor"), Tr::tr("Invalid cursor")); };
    if (cursor.isEmpty() || cursor.size() > 32)
        return invalid();
    const auto decoded = QByteArray::fromBase64Encoding(
        cursor.toLatin1(), QByteArray::Base64UrlEncoding | QByteArray::AbortOnBase64DecodingErrors);
    if (decoded.decodingStatus != QByteArray::Base64DecodingStatus::Ok || !decoded.decoded.startsWith("a:"))
        return invalid();
    bool ok = false;
    const Id id = decoded.decoded.mid(2).toLongLong(&ok);
    if (!ok || id <= 0 || encodeCursor(id) != cursor)
        return invalid();
    return id;
}

QByteArray csvLine(const ExportRow& row)
{
    const QStringList fields = { QString::number(row.id),
                                 row.time,
                                 row.actorType,
                                 row.actorId,
                                 row.actorLabel,
                                 row.organizationId,
                                 row.action,
                                 row.resourceType,
                                 row.resourceId,
                                 row.resourceLabel,
                                 row.outcome,
                                 row.ip,
                                 row.details,
                                 row.hash };
    QStringList escaped;
    escaped.reserve(fields.size());
    for (const QString& field : fields)
        escaped << csv::field(field);
    return escaped.join(QLatin1Char(',')).toUtf8() + '\n';
}

QByteArray jsonLine(const ExportRow& row)
{
    const QJsonObject o { { QStringLiteral("id"), row.id },
                          { QStringLiteral("time"), row.time },
                          { QStringLiteral("actor_type"), row.actorType },
                          { QStringLiteral("actor_id"), row.actorId.toLongLong() },
                          { QStringLiteral("actor_email"), row.actorLabel },
                          { QStringLiteral("organization_id"), row.organizationId.toLongLong() },
                          { QStringLiteral("action"), row.action },
                          { QStringLiteral("resource_type"), row.resourceType },
                          { QStringLiteral("resource_id"), row.resourceId },
                          { QStringLiteral("resource_label"), row.resourceLabel },
                          { QStringLiteral("details"), QJsonDocument::fromJson(row.details.toUtf8()).object() },
                          { QStringLiteral("ip"), row.ip },
                          { QStringLiteral("outcome"), row.outcome },
                          { QStringLiteral("hash"), row.hash } };
    return QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
}

} // namespace auditformat

} // namespace portcullis
