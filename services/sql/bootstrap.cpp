#include "bootstrap.h"

#include "policy/policy.h"

#include <QSqlQuery>

namespace portcullis {

Result<User> createFirstSuperAdmin(SqlStore& store, const NewOrganization& organization, NewUser admin)
{
    if (auto prepared = store.prepare(); !prepared)
        return prepared.error();
    const Actor system = Actor::system();
    const QString slug = organization.slug.isEmpty() ? policy::slugify(organization.name) : organization.slug;
    Id organizationId = 0;
    {
        QSqlQuery q(store.core().db());
        q.prepare(QStringLiteral("SELECT id FROM organizations WHERE slug = ?"));
        q.addBindValue(slug);
        if (q.exec() && q.next())
            organizationId = q.value(0).toLongLong();
    }
    if (organizationId == 0) {
        NewOrganization o = organization;
        o.slug = slug;
        auto created = store.organizations().create(system, o);
        if (!created)
            return created.error();
        organizationId = created->id;
    }
    admin.organizationId = organizationId;
    admin.roleCodes = { QStringLiteral("super_admin") };
    admin.verified = true;
    return store.users().create(system, admin);
}

} // namespace portcullis
