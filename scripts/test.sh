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
PORTCULLIS_TEST_PG_URL=$(./scripts/start-postgres.sh)
export PORTCULLIS_TEST_PG_URL
ctest --test-dir "$build" -j2 --output-on-failure --timeout 900
