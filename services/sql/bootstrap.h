#pragma once

#include "store.h"

namespace portcullis {

// The first start of a database (portcullis-server init, the console's first-run wizard): applies
// the migrations, seeds the catalog, finds or creates the organization (an interrupted earlier run
// may have created it) and creates a verified super admin in it.
Result<User> createFirstSuperAdmin(SqlStore& store, const NewOrganization& organization, NewUser admin);

} // namespace portcullis
