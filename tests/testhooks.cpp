// The test hooks, linked into every test suite and into portcullis-server-test (never into an
// installed binary): PORTCULLIS_ARGON2_MEMORY_KIB lowers the Argon2 memory cost so that hashing a
// password takes a millisecond instead of tens. Read once, before main(); a product binary does not
// contain this file, so no environment can weaken its hashing.

#include "security/crypto.h"

#include <QtGlobal>

namespace {

[[maybe_unused]] const bool g_argon2CostLowered = [] {
    bool ok = false;
    const uint memoryKiB = qEnvironmentVariable("PORTCULLIS_ARGON2_MEMORY_KIB").toUInt(&ok);
    if (ok)
        portcullis::crypto::setArgon2MemoryKiBForTests(memoryKiB);
    return ok;
}();

} // namespace
