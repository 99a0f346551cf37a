#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang, AddressSanitizer, UndefinedBehaviorSanitizer) in a
# build directory of their own and runs each over its seed corpus (fuzz/corpus/<target>/) for a
# bounded time. Fails on the first target that crashes, leaks, breaks an invariant or times out;
# the input that did it is kept in $build/fuzz-artifacts/ and named in the output.
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 30; scripts/test.sh passes its own budget)
#        PORTCULLIS_FUZZ_BUILD_DIR   the build directory (default build-fuzz)
#        PORTCULLIS_FUZZ_TARGETS     a space-separated subset of the targets to run
#        PORTCULLIS_FUZZ_SEED        libFuzzer's -seed (default 0: a new random seed each run; the
#                                    test command fixes it so that CI explores the same way each time)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds < 1)); then
    echo "usage: $0 [SECONDS_PER_TARGET]" >&2
    exit 64
fi
build=${PORTCULLIS_FUZZ_BUILD_DIR:-build-fuzz}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DPORTCULLIS_FUZZ=ON -DPORTCULLIS_WERROR=ON -DPORTCULLIS_BUILD_TESTS=OFF -DPORTCULLIS_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" -j2 --target fuzz_all

# The target list is fuzz/CMakeLists.txt's: every target there runs.
read -r -a targets <<<"${PORTCULLIS_FUZZ_TARGETS:-$(sed -n '/^set(PORTCULLIS_FUZZ_TARGETS/,/)/p' fuzz/CMakeLists.txt |
    tr -d '()' | tr ' ' '\n' | grep '^fuzz_' | paste -sd' ')}"
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
failed=()
for target in "${targets[@]}"; do
    seeds="fuzz/corpus/$target"
    if [[ ! -d $seeds ]]; then
        echo "fuzz: no seed corpus $seeds for $target" >&2
        exit 1
    fi
    # New inputs go to a scratch corpus (first directory); the seeds in the repository stay as they are.
    work="$build/fuzz-corpus/$target"
    mkdir -p "$work"
    echo "fuzz: $target for ${seconds}s"
    if ! "$build/fuzz/$target" -max_total_time="$seconds" -seed="${PORTCULLIS_FUZZ_SEED:-0}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$artifacts/$target-" "$work" "$seeds" >"$build/$target.log" 2>&1; then
        tail -n 60 "$build/$target.log" >&2
        echo "fuzz: FAIL: $target; the input is in $artifacts/ (reproduce: $build/fuzz/$target FILE)" >&2
        failed+=("$target")
        continue
    fi
    grep -E '^stat::number_of_executed_units|^Done' "$build/$target.log" | paste -sd' ' | sed "s/^/fuzz: $target: /"
done
if ((${#failed[@]})); then
    echo "fuzz: FAIL: ${failed[*]}" >&2
    exit 1
fi
echo "fuzz: ${#targets[@]} targets, ${seconds}s each, no crash"
