#!/usr/bin/env bash
# The test command: installs what is missing, builds with warnings as errors, starts a real
# PostgreSQL server on loopback and runs the whole suite (SQLite and PostgreSQL backends).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --test
build=${PORTCULLIS_BUILD_DIR:-build-test}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPORTCULLIS_WERROR=ON
cmake --build "$build" -j2
cmake --build "$build" --target format-check
# Nothing the build read or the binaries load may be installed here only by accident.
./scripts/check-deps.sh "$build"
# Without a display, run-demo.sh says what to do before installing or building anything.
if out=$(env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM ./scripts/run-demo.sh 2>&1); then
    echo "run-demo.sh started without a display" >&2
    exit 1
elif [[ $out != *xvfb-run* || $out != *--screenshot* ]]; then
    echo "run-demo.sh without a display did not say what to do: $out" >&2
    exit 1
fi
PORTCULLIS_TEST_PG_URL=$(./scripts/start-postgres.sh)
if [[ $PORTCULLIS_TEST_PG_URL != postgresql://* ]]; then
    echo "scripts/start-postgres.sh did not print a PostgreSQL URL: '$PORTCULLIS_TEST_PG_URL'" >&2
    exit 1
fi
export PORTCULLIS_TEST_PG_URL
# Inside a private D-Bus session with an unlocked gnome-keyring, so tst_keychain does a real round trip.
./scripts/with-keychain.sh ctest --test-dir "$build" -j2 --output-on-failure --timeout 900
# The Debian package (cpack -G DEB) and the install tree: contents, dependencies, lintian, man pages.
./scripts/check-package.sh "$build"

# A sanitizer pass (AddressSanitizer + UndefinedBehaviorSanitizer) over the core suites.
asan="$build-asan"
cmake -S . -B "$asan" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DPORTCULLIS_SANITIZE=ON -DPORTCULLIS_BUILD_BENCH=OFF
# tst_rest_abuse: the server under malformed requests; tst_fuzz_regressions: what the fuzzers found;
# tst_betterauth_backend: the better-auth client against the real better-auth server (about 10 s).
core_tests=(tst_policy tst_crypto tst_managers tst_apikeys tst_invitations tst_organizations tst_sessions_store
    tst_stats tst_tokens tst_sqlbackend tst_server_cli tst_rest_abuse tst_fuzz_regressions tst_betterauth_backend)
cmake --build "$asan" -j2 --target portcullis-server portcullis-server-test "${core_tests[@]}"
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
    ctest --test-dir "$asan" -j2 --output-on-failure --timeout 900 -R "^($(IFS='|'; echo "${core_tests[*]}"))\$"

# Fuzzing (docs/fuzzing.md): every libFuzzer target of fuzz/ with ASan and UBSan, in its own build
# directory, for a bounded time each: 9 targets x 20 s (plus the build) keeps the whole command
# within about 30 minutes on 2 cores. PORTCULLIS_FUZZ_SECONDS changes the time per target.
# A fixed seed: a red run is reproducible, and a new find comes from a change, not from chance.
PORTCULLIS_FUZZ_SEED=${PORTCULLIS_FUZZ_SEED:-1} PORTCULLIS_FUZZ_BUILD_DIR="$build-fuzz" \
    ./scripts/fuzz.sh "${PORTCULLIS_FUZZ_SECONDS:-20}"
