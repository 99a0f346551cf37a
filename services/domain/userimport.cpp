#include "userimport.h"

#include "domain/csv.h"

#include <QCoreApplication>
#include <QHash>
#include <QRegularExpression>
#include <QSet>
#include <QStringDecoder>

#include <csv.h>

namespace portcullis {

namespace {

struct Tr
{
    Q_DECLARE_TR_FUNCTIONS(Portcullis::UserImport)
};

enum class Column
{
    Email,
    Username,
    FullName,
    Roles,
    Organization,
    Ignored // the users export's other columns: an exported file goes back through the import
};

std::optional<Column> columnNamed(QString name)
{
    name = name.trimmed().toLower().remove(QLatin1Char('_')).remove(QLatin1Char(' ')).remove(QLatin1Char('-'));
    if (name == QLatin1String("email") || name == QLatin1String("emailaddress"))
        return Column::Email;
    if (name == QLatin1String("username") || name == QLatin1String("login"))
        return Column::Username;
    if (name == QLatin1String("fullname") || name == QLatin1String("name"))
        return Column::FullName;
    if (name == QLatin1String("roles") || name == QLatin1String("role"))
        return Column::Roles;
    if (name == QLatin1String("organization") || name == QLatin1String("organisation") || name == QLatin1String("org"))
        return Column::Organization;
    if (name == QLatin1String("id") || name == QLatin1String("status") || name == QLatin1String("verified")
        || name == QLatin1String("createdat") || name == QLatin1String("lastloginat"))
        return Column::Ignored;
    return std::nullopt;
}

// The records libcsv hands over, field by field (its callbacks), as UTF-8 bytes.
struct Records
{
    QList<QList<QByteArray>> records;
    QList<QByteArray> current;
    bool tooMany = false;

    static void onField(void* data, size_t length, void* self)
    {
        auto* r = static_cast<Records*>(self);
        r->current.append(QByteArray(static_cast<const char*>(data), static_cast<qsizetype>(length)));
    }
    static void onRecord(int, void* self)
    {
        auto* r = static_cast<Records*>(self);
        if (r->records.size() > userimport::MaxRowsPerFile) {
            r->tooMany = true;
            r->current.clear();
            return;
        }
        r->records.append(std::move(r->current));
        r->current.clear();
    }
};

// `,` or `;`: whichever the header line (up to the first line break) holds more of.
char detectSeparator(const QByteArray& text)
{
    qsizetype end = text.indexOf('\n');
    if (end < 0)
        end = text.size();
    const QByteArray header = text.left(end);
    return header.count(';') > header.count(',') ? ';' : ',';
}

// A field's text as written: QString::fromUtf8 would drop a byte-order mark that starts a field
// (not only the file), so a value "\uFEFFx" read back from the rows the console sends over REST
// (toCsv) would differ from the value previewed (found by fuzz_user_import).
QString fieldText(const QByteArray& field)
{
    QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::ConvertInitialBom);
    return utf8.decode(field);
}

QStringList splitRoles(const QString& field)
{
    static const QRegularExpression separators(QStringLiteral("[|,;\\s]+"));
    return field.split(separators, Qt::SkipEmptyParts);
}

} // namespace

int ImportReport::count(ImportOutcome outcome) const
{
    int n = 0;
    for (const ImportRowResult& row : rows)
        n += row.outcome == outcome ? 1 : 0;
    return n;
}

int ImportReport::count(ImportProblem problem) const
{
    int n = 0;
    for (const ImportRowResult& row : rows)
        n += row.problem == problem ? 1 : 0;
    return n;
}

namespace userimport {

Result<Parsed> parseCsv(const QByteArray& input)
{
    if (input.size() > MaxFileBytes)
        return ServiceError::validation(Tr::tr("The file is larger than %1 MB").arg(MaxFileBytes / (1024 * 1024)));
    QByteArray text = input;
    if (text.startsWith("\xEF\xBB\xBF"))
        text.remove(0, 3);
    {
        // Refuse a file in another encoding rather than import mangled names.
        QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        const QString decoded = utf8.decode(text);
        Q_UNUSED(decoded);
        if (utf8.hasError())
            return ServiceError::validation(
                Tr::tr("The file is not UTF-8 text; save it as \"CSV UTF-8\" and try again"));
    }

    Parsed parsed;
    parsed.separator = detectSeparator(text);
    csv_parser parser;
    if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
        return ServiceError::storage(Tr::tr("Could not start the CSV reader"));
    csv_set_delim(&parser, static_cast<unsigned char>(parsed.separator));
    Records records;
    const size_t length = static_cast<size_t>(text.size());
    const size_t read = csv_parse(&parser, text.constData(), length, &Records::onField, &Records::onRecord, &records);
    const bool broken = read != length || csv_fini(&parser, &Records::onField, &Records::onRecord, &records) != 0;
    csv_free(&parser);
    if (broken) {
        // Strict mode: a quote inside an unquoted field, or a quoted field never closed.
        return ServiceError::validation(
            Tr::tr("The file is not valid CSV after row %1: check the quotes").arg(records.records.size()));
    }
    if (records.tooMany)
        return ServiceError::validation(Tr::tr("The file has more than %L1 rows").arg(MaxRowsPerFile));
    if (records.records.isEmpty())
        return ServiceError::validation(Tr::tr("The file is empty"));

    // The header row.
    QList<std::optional<Column>> columns;
    QSet<Column> seen;
    for (const QByteArray& name : records.records.constFirst()) {
        const QString title = QString::fromUtf8(name).trimmed(); // a stray BOM before a name is forgiven
        const auto column = columnNamed(title);
        if (!column)
            return ServiceError::validation(
                Tr::tr("Unknown column \"%1\": the columns are email, username, full name, roles, organization")
                    .arg(title.left(40)));
        if (seen.contains(*column) && *column != Column::Ignored)
            return ServiceError::validation(Tr::tr("The column \"%1\" appears twice").arg(title.left(40)));
        seen.insert(*column);
        columns.append(column);
    }
    if (!seen.contains(Column::Email) || !seen.contains(Column::Username))
        return ServiceError::validation(Tr::tr("The header row must name the columns email and username"));

    for (qsizetype i = 1; i < records.records.size(); ++i) {
        const QList<QByteArray>& fields = records.records.at(i);
        ImportRow row;
        row.row = int(i) + 1;
        for (qsizetype f = 0; f < fields.size(); ++f) {
            const QString value = fieldText(fields.at(f));
            if (f >= columns.size()) {
                if (!value.trimmed().isEmpty())
                    row.problem = Tr::tr("The row has %1 fields, the header %2").arg(fields.size()).arg(columns.size());
                continue;
            }
            switch (*columns.at(f)) {
            case Column::Email:
                row.email = value.trimmed();
                break;
            case Column::Username:
                row.username = value.trimmed();
                break;
            case Column::FullName:
                row.fullName = value.trimmed();
                break;
            case Column::Roles:
                row.roleCodes = splitRoles(value);
                break;
            case Column::Organization:
                row.organization = value.trimmed();
                break;
            case Column::Ignored:
                break;
            }
        }
        parsed.rows.append(row);
    }
    return parsed;
}

QByteArray toCsv(const QList<ImportRow>& rows)
{
    // Quoting only (no formula guard): the importer must get the values as they were.
    auto quoted = [](const QString& value) -> QString {
        QString v = value;
        return QLatin1Char('"') + v.replace(QLatin1Char('"'), QLatin1String("\"\"")) + QLatin1Char('"');
    };
    QString out = QStringLiteral("email,username,full name,roles,organization\r\n");
    for (const ImportRow& row : rows) {
        out += quoted(row.email) + QLatin1Char(',') + quoted(row.username) + QLatin1Char(',') + quoted(row.fullName)
            + QLatin1Char(',') + quoted(row.roleCodes.join(QLatin1Char(' '))) + QLatin1Char(',')
            + quoted(row.organization) + QLatin1String("\r\n");
    }
    return out.toUtf8();
}

namespace {

const QList<QPair<ImportOutcome, QString>>& outcomeNames()
{
    static const QList<QPair<ImportOutcome, QString>> names {
        { ImportOutcome::WillCreate, QStringLiteral("will_create") },
        { ImportOutcome::Created, QStringLiteral("created") },
        { ImportOutcome::Exists, QStringLiteral("exists") },
        { ImportOutcome::Error, QStringLiteral("error") },
        { ImportOutcome::NotRun, QStringLiteral("not_run") },
    };
    return names;
}

const QList<QPair<ImportProblem, QString>>& problemNames()
{
    static const QList<QPair<ImportProblem, QString>> names {
        { ImportProblem::None, QString() },
        { ImportProblem::Malformed, QStringLiteral("malformed") },
        { ImportProblem::InvalidEmail, QStringLiteral("invalid_email") },
        { ImportProblem::InvalidField, QStringLiteral("invalid_field") },
        { ImportProblem::DuplicateInFile, QStringLiteral("duplicate_in_file") },
        { ImportProblem::UnknownOrganization, QStringLiteral("unknown_organization") },
        { ImportProblem::OrganizationSuspended, QStringLiteral("organization_suspended") },
        { ImportProblem::UnknownRole, QStringLiteral("unknown_role") },
        { ImportProblem::RoleNotAllowed, QStringLiteral("role_not_allowed") },
        { ImportProblem::InvitationOneRole, QStringLiteral("invitation_one_role") },
        { ImportProblem::SeatLimit, QStringLiteral("seat_limit") },
        { ImportProblem::Failed, QStringLiteral("failed") },
    };
    return names;
}

} // namespace

QString outcomeName(ImportOutcome outcome)
{
    for (const auto& [value, name] : outcomeNames())
        if (value == outcome)
            return name;
    return {};
}

ImportOutcome outcomeFromName(const QString& name)
{
    for (const auto& [value, n] : outcomeNames())
        if (n == name)
            return value;
    return ImportOutcome::Error;
}

QString problemName(ImportProblem problem)
{
    for (const auto& [value, name] : problemNames())
        if (value == problem)
            return name;
    return {};
}

ImportProblem problemFromName(const QString& name)
{
    if (name.isEmpty())
        return ImportProblem::None;
    for (const auto& [value, n] : problemNames())
        if (n == name)
            return value;
    return ImportProblem::Failed;
}

QString deliveryName(ImportDelivery delivery)
{
    return delivery == ImportDelivery::Invitation ? QStringLiteral("invitation") : QStringLiteral("reset_code");
}

QString resultsToCsv(const ImportReport& report, bool withCodes)
{
    QString out = QStringLiteral("row,email,username,organization_id,outcome,problem,message,user_id");
    if (withCodes)
        out += QStringLiteral(",code");
    out += QStringLiteral("\r\n");
    for (const ImportRowResult& r : report.rows) {
        out += QString::number(r.row) + QLatin1Char(',') + csv::field(r.email) + QLatin1Char(',')
            + csv::field(r.username) + QLatin1Char(',') + QString::number(r.organizationId) + QLatin1Char(',')
            + outcomeName(r.outcome) + QLatin1Char(',') + problemName(r.problem) + QLatin1Char(',')
            + csv::field(r.message) + QLatin1Char(',') + (r.userId ? QString::number(r.userId) : QString());
        if (withCodes)
            out += QLatin1Char(',') + csv::field(r.code);
        out += QStringLiteral("\r\n");
    }
    return out;
}

bool isDuplicate(const ImportRow& row, QSet<QString>& seenEmails, QSet<QString>& seenUsernames)
{
    const QString email = row.email.trimmed().toLower();
    const QString username = row.username.trimmed().toLower();
    const bool duplicate
        = (!email.isEmpty() && seenEmails.contains(email)) || (!username.isEmpty() && seenUsernames.contains(username));
    if (!duplicate) {
        if (!email.isEmpty())
            seenEmails.insert(email);
        if (!username.isEmpty())
            seenUsernames.insert(username);
    }
    return duplicate;
}

} // namespace userimport

} // namespace portcullis
