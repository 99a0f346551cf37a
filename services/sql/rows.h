#pragma once

// Internal to services/sql: SELECT lists and row decoders shared by the manager implementations.

#include "store.h"

#include <QLoggingCategory>
#include <QSqlQuery>

Q_DECLARE_LOGGING_CATEGORY(lcSql) // "portcullis.sql", defined in database.cpp

namespace portcullis {

// "SELECT ... FROM users u" with role_codes and highest_level; `from` replaces "users u" (a join
// that names the users table `u`). `extraColumn`, when given, is selected after the user's
// UserColumnCount columns (userFromQuery reads those).
QString userSelect(const StoreCore& core, const QString& from = QStringLiteral("users u"),
                   const QString& extraColumn = {});
inline constexpr int UserColumnCount = 17;
// The total of a filtered list: runs `sql` (a "SELECT 1 FROM ... WHERE ..." over the matching rows)
// counting at most limits::ExactTotalBound + 1 rows. `prepared`: keep the statement prepared
// (StoreCore::execPrepared); false for statements whose plan depends on the values bound (a search
// pattern on PostgreSQL, where a cached generic plan would scan). Storage errors say `what` failed.
struct BoundedTotal
{
    qint64 total = 0;
    bool isLowerBound = false; // more than total rows match
};
Result<BoundedTotal> countBounded(StoreCore& core, const QString& sql, const QVariantList& values, bool prepared,
                                  const QString& what);
User userFromQuery(const QSqlQuery& query);
QString roleSelect(const StoreCore& core); // "SELECT ... FROM roles r" with permissions and grants
Role roleFromQuery(const QSqlQuery& query);
QList<Role> rolesFromQuery(QSqlQuery& query);
// "SELECT ... FROM organizations o" with the user count and the invitations pending at `now`.
QString organizationSelect(qint64 now);
Organization organizationFromQuery(const QSqlQuery& query);
// The columns policy::AccountState is made of, for a query that names the user `u` and its
// organization `o` (8 columns), and their decoder starting at column `first`. Every sign-in
// eligibility check reads the account through these two.
QString accountStateColumns();
policy::AccountState accountStateFromQuery(const QSqlQuery& query, int first);

// Clamp a page request to sane bounds.
inline int clampLimit(int limit)
{
    return std::clamp(limit, 1, limits::MaxPageSize);
}
inline int clampPage(int page)
{
    return std::max(page, 1);
}

} // namespace portcullis
