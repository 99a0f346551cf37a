#include "httpjson.h"

#include "policy/settings.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QTimeZone>
#include <QUrlQuery>

#include <cmath>
#include <cstring>

namespace portcullis::server {

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::Json)
};

constexpr double MaxSafeInteger = 9007199254740991.0; // 2^53 - 1: exact in every JSON parser

const char* const kHex = "0123456789abcdef";

} // namespace

// --- JsonWriter ----------------------------------------------------------------------------------

JsonWriter::JsonWriter()
{
    m_out.reserve(512);
}

void JsonWriter::separate()
{
    if (m_afterKey) {
        m_afterKey = false;
        return;
    }
    if (m_first.isEmpty())
        return;
    if (m_first.last())
        m_first.last() = false;
    else
        m_out += ',';
}

JsonWriter& JsonWriter::beginObject()
{
    separate();
    m_out += '{';
    m_first.append(true);
    return *this;
}

JsonWriter& JsonWriter::endObject()
{
    m_out += '}';
    m_first.removeLast();
    return *this;
}

JsonWriter& JsonWriter::beginArray()
{
    separate();
    m_out += '[';
    m_first.append(true);
    return *this;
}

JsonWriter& JsonWriter::endArray()
{
    m_out += ']';
    m_first.removeLast();
    return *this;
}

JsonWriter& JsonWriter::key(const char* name)
{
    separate();
    // QByteArray::append(const char*) goes through insert(); a page writes a thousand keys.
    const qsizetype length = qsizetype(std::strlen(name));
    for (qsizetype i = 0; i < length; ++i) {
        const unsigned char c = static_cast<unsigned char>(name[i]);
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
            // Not a plain name: escaped like any string (invalid UTF-8 becomes U+FFFD).
            appendString(QString::fromUtf8(name, length));
            m_out += ':';
            m_afterKey = true;
            return *this;
        }
    }
    const qsizetype at = m_out.size();
    m_out.resize(at + length + 3);
    char* out = m_out.data() + at;
    *out++ = '"';
    std::memcpy(out, name, size_t(length));
    out += length;
    *out++ = '"';
    *out = ':';
    m_afterKey = true;
    return *this;
}

JsonWriter& JsonWriter::key(const QString& name)
{
    separate();
    appendString(name);
    m_out += ':';
    m_afterKey = true;
    return *this;
}

void JsonWriter::appendString(const QString& text)
{
    m_out += '"';
    const char16_t* data = reinterpret_cast<const char16_t*>(text.constData());
    const qsizetype size = text.size();
    qsizetype i = 0;
    while (i < size) {
        // Runs of plain ASCII are copied byte by byte; anything else goes through UTF-8.
        // The common case: a run that needs no escaping, copied in one step.
        qsizetype end = i;
        while (end < size && data[end] >= 0x20 && data[end] < 0x80 && data[end] != u'"' && data[end] != u'\\')
            ++end;
        if (end > i) {
            const qsizetype at = m_out.size();
            m_out.resize(at + (end - i));
            char* out = m_out.data() + at;
            for (qsizetype k = i; k < end; ++k)
                *out++ = char(data[k]);
            i = end;
            continue;
        }
        const char16_t c = data[i];
        if (c < 0x80) {
            if (c == u'"' || c == u'\\') {
                m_out += '\\';
                m_out += char(c);
            } else if (c < 0x20) {
                switch (c) {
                case u'\n':
                    m_out += "\\n";
                    break;
                case u'\r':
                    m_out += "\\r";
                    break;
                case u'\t':
                    m_out += "\\t";
                    break;
                default:
                    m_out += "\\u00";
                    m_out += kHex[(c >> 4) & 0xf];
                    m_out += kHex[c & 0xf];
                }
            } else {
                m_out += char(c);
            }
            ++i;
            continue;
        }
        qsizetype wide = i;
        while (wide < size && data[wide] >= 0x80)
            ++wide;
        m_out += QStringView(text).mid(i, wide - i).toUtf8();
        i = wide;
    }
    m_out += '"';
}

JsonWriter& JsonWriter::value(const QString& text)
{
    separate();
    appendString(text);
    return *this;
}

JsonWriter& JsonWriter::value(const char* ascii)
{
    separate();
    appendString(QString::fromLatin1(ascii));
    return *this;
}

JsonWriter& JsonWriter::value(qint64 number)
{
    separate();
    m_out += QByteArray::number(number);
    return *this;
}

JsonWriter& JsonWriter::value(bool flag)
{
    separate();
    m_out += flag ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::null()
{
    separate();
    m_out += "null";
    return *this;
}

JsonWriter& JsonWriter::time(const QDateTime& time)
{
    if (!time.isValid())
        return null();
    separate();
    m_out += '"';
    appendIsoUtc(time.toMSecsSinceEpoch());
    m_out += '"';
    return *this;
}

// Writes "YYYY-MM-DDTHH:MM:SS.mmmZ" for a UTC instant. QDateTime::toString() formats through
// QString::asprintf and was the single largest cost of a users page (a seventh of its CPU time);
// this is the civil-from-days conversion of H. Hinnant's date algorithms instead.
void JsonWriter::appendIsoUtc(qint64 msecs)
{
    constexpr qint64 msPerDay = 86'400'000;
    qint64 days = msecs / msPerDay;
    qint64 msOfDay = msecs % msPerDay;
    if (msOfDay < 0) {
        msOfDay += msPerDay;
        --days;
    }
    const qint64 z = days + 719'468;
    const qint64 era = (z >= 0 ? z : z - 146'096) / 146'097;
    const qint64 doe = z - era * 146'097;
    const qint64 yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
    const qint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const qint64 mp = (5 * doy + 2) / 153;
    const qint64 day = doy - (153 * mp + 2) / 5 + 1;
    const qint64 month = mp < 10 ? mp + 3 : mp - 9;
    const qint64 year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    if (year < 0 || year > 9999) { // outside ISO 8601's four digits: let Qt say how
        m_out += QDateTime::fromMSecsSinceEpoch(msecs, Qt::UTC).toString(Qt::ISODateWithMs).toLatin1();
        return;
    }
    char text[24];
    auto put = [&text](int at, qint64 number, int digits) {
        for (int i = digits - 1; i >= 0; --i, number /= 10)
            text[at + i] = char('0' + number % 10);
    };
    put(0, year, 4);
    text[4] = '-';
    put(5, month, 2);
    text[7] = '-';
    put(8, day, 2);
    text[10] = 'T';
    put(11, msOfDay / 3'600'000, 2);
    text[13] = ':';
    put(14, msOfDay / 60'000 % 60, 2);
    text[16] = ':';
    put(17, msOfDay / 1000 % 60, 2);
    text[19] = '.';
    put(20, msOfDay % 1000, 3);
    text[23] = 'Z';
    m_out.append(text, sizeof text);
}

JsonWriter& JsonWriter::strings(const QStringList& list)
{
    beginArray();
    for (const QString& item : list)
        value(item);
    return endArray();
}

JsonWriter& JsonWriter::object(const QJsonObject& object)
{
    separate();
    m_out += QJsonDocument(object).toJson(QJsonDocument::Compact);
    return *this;
}

// --- dates ---------------------------------------------------------------------------------------

QDateTime parseIsoTime(const QString& text)
{
    const QString t = text.trimmed();
    if (t.size() == 10) {
        const QDate date = QDate::fromString(t, Qt::ISODate);
        return date.isValid() ? QDateTime(date, QTime(0, 0), QTimeZone::utc()) : QDateTime();
    }
    // A time without a zone would be read as local time: refuse it rather than guess.
    const bool zoned = t.endsWith(QLatin1Char('Z')) || t.endsWith(QLatin1Char('z'))
        || (t.size() > 6 && (t.at(t.size() - 6) == QLatin1Char('+') || t.at(t.size() - 6) == QLatin1Char('-'))
            && t.at(t.size() - 3) == QLatin1Char(':'));
    if (!zoned)
        return {};
    QDateTime time = QDateTime::fromString(t, Qt::ISODateWithMs);
    if (!time.isValid())
        time = QDateTime::fromString(t, Qt::ISODate);
    return time.isValid() ? time.toUTC() : QDateTime();
}

// --- JsonBody ------------------------------------------------------------------------------------

Result<JsonBody> JsonBody::parse(const QByteArray& body, const QByteArray& contentType, bool allowEmpty)
{
    JsonBody reader;
    if (body.trimmed().isEmpty()) {
        if (allowEmpty)
            return reader;
        return ServiceError::validation(Tr::tr("This request needs a JSON object as its body"));
    }
    const qsizetype semicolon = contentType.indexOf(';');
    const QByteArray type = (semicolon < 0 ? contentType : contentType.left(semicolon)).trimmed().toLower();
    if (type != "application/json" && !(type.startsWith("application/") && type.endsWith("+json"))) {
        ServiceError error = ServiceError::validation(
            Tr::tr("Send the body as JSON with \"Content-Type: application/json\" (got \"%1\")")
                .arg(QString::fromLatin1(contentType.isEmpty() ? QByteArray("nothing") : contentType.left(100))));
        error.fieldErrors.insert(QStringLiteral("$content_type"), error.message);
        return error;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return ServiceError::validation(
            Tr::tr("Malformed JSON at offset %1: %2").arg(parseError.offset).arg(parseError.errorString()));
    if (!document.isObject())
        return ServiceError::validation(Tr::tr("The body must be a JSON object"));
    reader.m_object = document.object();
    return reader;
}

bool JsonBody::isUnsupportedMediaType(const ServiceError& error)
{
    return error.fieldErrors.contains(QStringLiteral("$content_type"));
}

void JsonBody::fail(const QString& field, const QString& message)
{
    if (!m_errors.contains(field))
        m_errors.insert(field, message);
}

QJsonValue JsonBody::take(const char* name, int flags, const char* expected)
{
    const QString key = QString::fromLatin1(name);
    m_read.insert(key);
    const auto it = m_object.constFind(key);
    if (it == m_object.constEnd()) {
        if (flags & Required)
            fail(key, Tr::tr("Required"));
        return QJsonValue(QJsonValue::Undefined);
    }
    if (it->isNull() && !(flags & Nullable)) {
        fail(key, Tr::tr("Must be %1, not null").arg(QString::fromLatin1(expected)));
        return QJsonValue(QJsonValue::Undefined);
    }
    return *it;
}

Field<QString> JsonBody::string(const char* name, int flags, int maxLength)
{
    Field<QString> f;
    const QJsonValue v = take(name, flags, "a string");
    if (v.isUndefined())
        return f;
    f.present = true;
    f.null = v.isNull();
    if (f.null)
        return f;
    if (!v.isString()) {
        fail(QString::fromLatin1(name), Tr::tr("Must be a string"));
        f.present = false;
        return f;
    }
    f.value = v.toString();
    if (f.value.size() > maxLength)
        fail(QString::fromLatin1(name), Tr::tr("At most %1 characters").arg(maxLength));
    return f;
}

Field<qint64> JsonBody::integer(const char* name, int flags)
{
    Field<qint64> f;
    const QJsonValue v = take(name, flags, "an integer");
    if (v.isUndefined())
        return f;
    f.present = true;
    f.null = v.isNull();
    if (f.null)
        return f;
    const double d = v.toDouble();
    if (!v.isDouble() || std::trunc(d) != d || std::fabs(d) > MaxSafeInteger) {
        fail(QString::fromLatin1(name), Tr::tr("Must be an integer"));
        f.present = false;
        return f;
    }
    f.value = qint64(d);
    return f;
}

Field<bool> JsonBody::boolean(const char* name, int flags)
{
    Field<bool> f;
    const QJsonValue v = take(name, flags, "true or false");
    if (v.isUndefined())
        return f;
    f.present = true;
    f.null = v.isNull();
    if (f.null)
        return f;
    if (!v.isBool()) {
        fail(QString::fromLatin1(name), Tr::tr("Must be true or false"));
        f.present = false;
        return f;
    }
    f.value = v.toBool();
    return f;
}

Field<QStringList> JsonBody::strings(const char* name, int flags)
{
    Field<QStringList> f;
    const QJsonValue v = take(name, flags, "an array of strings");
    if (v.isUndefined())
        return f;
    f.present = true;
    f.null = v.isNull();
    if (f.null)
        return f;
    if (!v.isArray()) {
        fail(QString::fromLatin1(name), Tr::tr("Must be an array of strings"));
        f.present = false;
        return f;
    }
    const QJsonArray array = v.toArray();
    if (array.size() > 1000) {
        fail(QString::fromLatin1(name), Tr::tr("At most 1000 items"));
        f.present = false;
        return f;
    }
    for (const QJsonValue& item : array) {
        if (!item.isString()) {
            fail(QString::fromLatin1(name), Tr::tr("Must be an array of strings"));
            f.present = false;
            return f;
        }
        f.value << item.toString();
    }
    return f;
}

Field<QDateTime> JsonBody::time(const char* name, int flags)
{
    Field<QDateTime> f;
    const QJsonValue v = take(name, flags, "an ISO 8601 date-time");
    if (v.isUndefined())
        return f;
    f.present = true;
    f.null = v.isNull();
    if (f.null)
        return f;
    f.value = v.isString() ? parseIsoTime(v.toString()) : QDateTime();
    if (!f.value.isValid()) {
        fail(QString::fromLatin1(name),
             Tr::tr("Must be an ISO 8601 date-time with a time zone, such as 2030-01-31T12:00:00Z"));
        f.present = false;
    }
    return f;
}

Status JsonBody::finish() const
{
    QHash<QString, QString> errors = m_errors;
    for (auto it = m_object.constBegin(); it != m_object.constEnd(); ++it) {
        if (!m_read.contains(it.key()))
            errors.insert(it.key(), Tr::tr("Unknown field"));
    }
    if (errors.isEmpty())
        return {};
    QStringList parts;
    QStringList names = errors.keys();
    names.sort();
    for (const QString& name : std::as_const(names))
        parts << name + QStringLiteral(": ") + errors.value(name);
    return ServiceError::validation(Tr::tr("The request body is not valid (%1)").arg(parts.join(QStringLiteral("; "))),
                                    errors);
}

// --- QueryParams ---------------------------------------------------------------------------------

Result<QueryParams> QueryParams::parse(const QByteArray& query)
{
    QueryParams params;
    if (query.isEmpty())
        return params;
    const QList<QByteArray> items = query.split('&');
    for (const QByteArray& item : items) {
        if (item.isEmpty())
            continue;
        const qsizetype eq = item.indexOf('=');
        QByteArray rawKey = eq < 0 ? item : item.left(eq);
        QByteArray rawValue = eq < 0 ? QByteArray() : item.mid(eq + 1);
        rawKey.replace('+', ' ');
        rawValue.replace('+', ' ');
        const QString key = QString::fromUtf8(QByteArray::fromPercentEncoding(rawKey));
        const QString value = QString::fromUtf8(QByteArray::fromPercentEncoding(rawValue));
        if (params.m_values.contains(key))
            return ServiceError::validationField(key, Tr::tr("Given more than once"));
        params.m_values.insert(key, value);
    }
    return params;
}

void QueryParams::fail(const QString& field, const QString& message)
{
    if (!m_errors.contains(field))
        m_errors.insert(field, message);
}

QString QueryParams::string(const char* name) const
{
    return m_values.value(QString::fromLatin1(name));
}

std::optional<qint64> QueryParams::integer(const char* name, qint64 minimum, qint64 maximum)
{
    const QString key = QString::fromLatin1(name);
    const auto it = m_values.constFind(key);
    if (it == m_values.constEnd())
        return std::nullopt;
    bool ok = false;
    const qint64 value = it->toLongLong(&ok);
    if (!ok || value < minimum || value > maximum) {
        fail(key, Tr::tr("Must be a whole number from %1 to %2").arg(minimum).arg(maximum));
        return std::nullopt;
    }
    return value;
}

std::optional<qint64> QueryParams::integer(const char* name) const
{
    const auto it = m_values.constFind(QString::fromLatin1(name));
    if (it == m_values.constEnd())
        return std::nullopt;
    bool ok = false;
    const qint64 value = it->toLongLong(&ok);
    return ok ? std::optional<qint64>(value) : std::nullopt;
}

std::optional<bool> QueryParams::boolean(const char* name)
{
    const QString key = QString::fromLatin1(name);
    const auto it = m_values.constFind(key);
    if (it == m_values.constEnd())
        return std::nullopt;
    const QString v = it->toLower();
    if (v == QLatin1String("true") || v == QLatin1String("1") || v.isEmpty())
        return true;
    if (v == QLatin1String("false") || v == QLatin1String("0"))
        return false;
    fail(key, Tr::tr("Must be true or false"));
    return std::nullopt;
}

std::optional<QDateTime> QueryParams::time(const char* name)
{
    const QString key = QString::fromLatin1(name);
    const auto it = m_values.constFind(key);
    if (it == m_values.constEnd())
        return std::nullopt;
    const QDateTime time = parseIsoTime(*it);
    if (!time.isValid()) {
        fail(key, Tr::tr("Must be an ISO 8601 date-time with a time zone, such as 2030-01-31T12:00:00Z"));
        return std::nullopt;
    }
    return time;
}

Status QueryParams::finish() const
{
    if (m_errors.isEmpty())
        return {};
    QStringList parts;
    QStringList names = m_errors.keys();
    names.sort();
    for (const QString& name : std::as_const(names))
        parts << name + QStringLiteral(": ") + m_errors.value(name);
    return ServiceError::validation(Tr::tr("The query is not valid (%1)").arg(parts.join(QStringLiteral("; "))),
                                    m_errors);
}

// --- encoders ------------------------------------------------------------------------------------

void writeUser(JsonWriter& w, const User& u)
{
    w.beginObject();
    w.key("id").id(u.id);
    w.field("email", u.email);
    w.field("username", u.username);
    w.field("full_name", u.fullName);
    w.key("organization_id").id(u.organizationId);
    w.field("status", u.status());
    w.field("active", u.active);
    w.field("verified", u.verified);
    w.field("deleted", u.deleted);
    w.key("ban_reason");
    if (u.banReason.isEmpty())
        w.null();
    else
        w.value(u.banReason);
    w.key("ban_expires_at").time(u.banExpiresAt);
    w.key("banned_by").idOrNull(u.bannedBy);
    w.field("failed_logins", u.failedLogins);
    w.key("locked_until").time(u.lockedUntil);
    w.key("last_login_at").time(u.lastLoginAt);
    w.key("created_at").time(u.createdAt);
    w.field("version", u.version);
    w.key("role_codes").strings(u.roleCodes);
    w.field("highest_level", u.highestLevel);
    w.endObject();
}

void writeRole(JsonWriter& w, const Role& r)
{
    w.beginObject();
    w.key("id").id(r.id);
    w.field("code", r.code);
    w.field("name", r.name);
    w.field("description", r.description);
    w.field("level", r.level);
    w.field("built_in", r.builtIn);
    w.key("organization_id").idOrNull(r.organizationId);
    w.key("permission_codes").strings(r.permissions);
    w.key("grants").strings(r.grants);
    w.endObject();
}

void writePermission(JsonWriter& w, const Permission& p)
{
    w.beginObject();
    w.field("code", p.code);
    w.field("category", p.category);
    w.field("description", p.description);
    w.key("organization_id").idOrNull(p.organizationId); // null: built in; else a custom code's organization
    w.endObject();
}

void writeSession(JsonWriter& w, const Session& s)
{
    w.beginObject();
    w.key("id").id(s.id);
    w.key("user_id").id(s.userId);
    w.field("user_email", s.userEmail);
    w.key("organization_id").id(s.organizationId);
    w.field("ip", s.ip);
    w.field("user_agent", s.userAgent);
    w.key("created_at").time(s.createdAt);
    w.key("last_seen_at").time(s.lastSeenAt);
    w.key("expires_at").time(s.expiresAt);
    w.field("revoked", s.revoked);
    w.key("impersonator_id").idOrNull(s.impersonatorId);
    w.key("impersonator_email");
    if (s.impersonatorEmail.isEmpty())
        w.null();
    else
        w.value(s.impersonatorEmail);
    w.key("impersonation_reason");
    if (s.impersonationReason.isEmpty())
        w.null();
    else
        w.value(s.impersonationReason);
    w.endObject();
}

void writeApiKey(JsonWriter& w, const ApiKey& k)
{
    w.key("id").id(k.id);
    w.field("name", k.name);
    w.key("user_id").id(k.userId);
    w.field("owner_email", k.ownerEmail);
    w.key("organization_id").id(k.organizationId);
    w.field("prefix", k.prefix);
    w.key("scopes").strings(k.scopes);
    w.key("expires_at").time(k.expiresAt);
    w.field("rate_limit_per_minute", k.rateLimitPerMinute);
    w.key("ip_allowlist").strings(k.ipAllowlist);
    w.key("last_used_at").time(k.lastUsedAt);
    w.key("created_at").time(k.createdAt);
    w.field("revoked", k.revoked);
    w.key("rotated_at").time(k.rotatedAt);
    w.key("previous_valid_until").time(k.previousValidUntil);
    w.key("previous_used_at").time(k.previousLastUsedAt);
}

void writeOrganization(JsonWriter& w, const Organization& o)
{
    w.beginObject();
    w.key("id").id(o.id);
    w.field("name", o.name);
    w.field("slug", o.slug);
    w.field("plan", o.plan);
    w.field("max_users", o.maxUsers);
    w.key("features").strings(o.features);
    w.field("active", o.active);
    w.key("created_at").time(o.createdAt);
    w.field("user_count", o.userCount);
    w.field("pending_invitations", o.pendingInvitations);
    w.endObject();
}

void writeInvitation(JsonWriter& w, const Invitation& i)
{
    w.key("id").id(i.id);
    w.key("organization_id").id(i.organizationId);
    w.field("email", i.email);
    w.field("role_code", i.roleCode);
    w.key("invited_by").idOrNull(i.invitedBy);
    w.key("created_at").time(i.createdAt);
    w.key("expires_at").time(i.expiresAt);
    w.key("accepted_at").time(i.acceptedAt);
    w.field("revoked", i.revoked);
    w.field("status", i.status());
}

void writeAuditEvent(JsonWriter& w, const AuditEvent& e)
{
    w.beginObject();
    w.key("id").id(e.id);
    w.key("time").time(e.time);
    w.field("actor_type", e.actorType);
    w.key("actor_id").id(e.actorId);
    w.field("actor_email", e.actorLabel);
    w.key("organization_id").id(e.organizationId);
    w.field("action", e.action);
    w.field("resource_type", e.resourceType);
    w.field("resource_id", e.resourceId);
    w.field("resource_label", e.resourceLabel);
    w.key("details").object(e.details);
    w.field("ip", e.ip);
    w.field("outcome", e.outcome);
    w.field("prev_hash", QString::fromLatin1(e.prevHash));
    w.field("hash", QString::fromLatin1(e.hash));
    w.endObject();
}

void writeStats(JsonWriter& w, const Stats& s)
{
    w.beginObject();
    w.field("users_total", s.usersTotal);
    w.field("users_active", s.usersActive);
    w.field("users_banned", s.usersBanned);
    w.field("users_suspended", s.usersSuspended);
    w.field("sessions_active", s.sessionsActive);
    w.field("api_keys_active", s.apiKeysActive);
    w.field("events_last_24h", s.eventsLast24h);
    w.endObject();
}

void writeDayActivity(JsonWriter& w, const DayActivity& d)
{
    w.beginObject();
    w.field("day", d.day.toString(Qt::ISODate));
    w.field("sign_ins", d.signIns);
    w.field("failed_sign_ins", d.failedSignIns);
    w.field("admin_actions", d.adminActions);
    w.endObject();
}

void writeSettings(JsonWriter& w, const DeploymentSettings& settings)
{
    w.beginObject();
    for (const policy::SettingSpec& spec : policy::settingSpecs()) {
        w.key(spec.name);
        if (spec.unit == policy::SettingSpec::Unit::Switch)
            w.value(spec.get(settings) != 0);
        else
            w.value(spec.get(settings));
    }
    w.endObject();
}

void writeMaintenanceRun(JsonWriter& w, const MaintenanceRun& run)
{
    w.beginObject();
    w.key("id").id(run.id);
    w.key("started_at").time(run.startedAt);
    w.key("finished_at").time(run.finishedAt);
    w.field("source", run.source);
    w.key("actor_id").idOrNull(run.actorId);
    w.field("sessions_removed", run.sessionsRemoved);
    w.field("tokens_removed", run.tokensRemoved);
    w.field("invitations_removed", run.invitationsRemoved);
    w.field("audit_events_removed", run.auditEventsRemoved);
    w.key("error");
    if (run.error.isEmpty())
        w.null();
    else
        w.value(run.error);
    w.endObject();
}

void writeActor(JsonWriter& w, const Actor& a)
{
    w.field("actor_type", a.typeName());
    w.key("user_id").id(a.userId);
    w.field("email", a.email);
    w.key("organization_id").id(a.organizationId);
    w.key("api_key_id").idOrNull(a.apiKeyId);
    w.key("session_id").idOrNull(a.sessionId);
    w.key("impersonator_id").idOrNull(a.impersonatorId);
    w.field("level", a.level);
    w.key("roles").strings(a.roleCodes);
    QStringList permissions = a.permissions.values();
    permissions.sort();
    w.key("permissions").strings(permissions);
}

} // namespace portcullis::server
