#pragma once

// Importing users from a CSV file: the parsed rows, what the import decides for each, and the CSV
// reader (libcsv, RFC 4180). The reader is pure (no database); the store classifies and writes
// (UserManager::importUsers), the console previews, the server takes the same CSV text over REST.

#include "domain/result.h"
#include "domain/types.h"

#include <QByteArray>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include <optional>

namespace portcullis {

// One data row of the file. `row` is its number as a spreadsheet shows it (the header is row 1).
struct ImportRow
{
    int row = 0;
    QString email;
    QString username;
    QString fullName;
    QStringList roleCodes; // empty: the default role "user"
    QString organization; // slug or name; empty: the import's organization
    QString problem; // the reader could not use the row (too many fields): an error row
};

// How new accounts get their first password (they are never in the file).
enum class ImportDelivery
{
    ResetCode, // the user is created without a password (cannot sign in) and gets a one-time reset code
    Invitation, // no user is created: an invitation to the organization, with the row's one role
};

struct ImportRequest
{
    QList<ImportRow> rows;
    bool dryRun = true; // classify only: nothing is written, not even the audit log
    ImportDelivery delivery = ImportDelivery::ResetCode;
    Id organizationId = 0; // rows without an organization go here; 0 = the actor's organization
};

// What the import decided (dry run) or did with a row.
enum class ImportOutcome
{
    WillCreate, // dry run: the row is valid and would be created (or invited)
    Created, // the user was created (ResetCode) or invited (Invitation)
    Exists, // a user with that email or username exists: skipped
    Error, // refused; `problem` says why
    NotRun, // the import was cancelled before this row
};

// Why a row is refused (ImportOutcome::Error).
enum class ImportProblem
{
    None,
    Malformed, // the reader could not use the row
    InvalidEmail,
    InvalidField, // username or full name
    DuplicateInFile, // an earlier row of the file has the same email or username
    UnknownOrganization, // no such organization, or one outside the importer's tenant
    OrganizationSuspended,
    UnknownRole,
    RoleNotAllowed, // the level rule: the importer may not assign it
    InvitationOneRole, // an invitation carries exactly one role
    SeatLimit, // the organization's plan has no seat left
    Failed, // the database refused the write
};

struct ImportRowResult
{
    int row = 0;
    QString email;
    QString username;
    Id organizationId = 0;
    ImportOutcome outcome = ImportOutcome::Error;
    ImportProblem problem = ImportProblem::None;
    QString message; // human-readable reason (empty when none)
    Id userId = 0; // Created with ResetCode
    Id invitationId = 0; // Created with Invitation
    QString code; // the one-time reset code or invitation token: shown once, never stored in clear
};

struct ImportReport
{
    bool dryRun = true;
    bool cancelled = false;
    QList<ImportRowResult> rows;

    int count(ImportOutcome outcome) const;
    int count(ImportProblem problem) const;
};

namespace userimport {

// Per REST request (the console sends larger files in batches) and per file.
inline constexpr int MaxRowsPerRequest = 1000;
inline constexpr int MaxRowsPerFile = 100000;
inline constexpr qint64 MaxFileBytes = 32LL * 1024 * 1024;

struct Parsed
{
    QList<ImportRow> rows;
    char separator = ',';
};

// Reads a CSV file: UTF-8 with or without a BOM; `,` or `;` (whichever the header row holds more of);
// quoted fields may hold separators, quotes and line breaks. The header row names the columns (any
// order, any case): email, username, full name, roles, organization; email and username are
// required, an unknown column is an error. Roles in one field are separated by `|`, `,`, `;` or
// spaces. A file that cannot be read at all is a validation error; a bad row becomes a row with
// `problem` set. Blank lines are skipped.
Result<Parsed> parseCsv(const QByteArray& data);

// The rows back as CSV text with a header (`,`, CRLF, formula-safe fields are not applied: these
// are values for the importer, not for a spreadsheet). For sending a batch over REST.
QByteArray toCsv(const QList<ImportRow>& rows);

// The stable names of outcomes and problems (REST, the saved results): "will_create", "created",
// "exists", "error", "not_run"; "malformed", "invalid_email", ... Empty for ImportProblem::None.
QString outcomeName(ImportOutcome outcome);
ImportOutcome outcomeFromName(const QString& name);
QString problemName(ImportProblem problem);
ImportProblem problemFromName(const QString& name);
QString deliveryName(ImportDelivery delivery);

// The results as CSV for a spreadsheet (csv::field: formula-safe): row, email, username,
// organization id, outcome, problem, message, user id; with `withCodes` also the code column.
QString resultsToCsv(const ImportReport& report, bool withCodes);

// The first occurrence of each email and username (case-insensitive) wins; later rows with either
// get DuplicateInFile. `seenEmails`/`seenUsernames` carry what earlier batches held.
bool isDuplicate(const ImportRow& row, QSet<QString>& seenEmails, QSet<QString>& seenUsernames);

} // namespace userimport

} // namespace portcullis
