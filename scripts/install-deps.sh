#!/usr/bin/env bash
# Installs the Debian 12 packages Portcullis needs to build and run (and, with --test, to test, plus
# the pinned better-auth test server's npm packages).
# Idempotent: installs only what is missing. Runs apt-get as root (or through sudo).
#   scripts/install-deps.sh [--test]          install what is missing
#   scripts/install-deps.sh --list [--test]   print the package names, one a line, and install nothing
# scripts/check-deps.sh (run by the test command) checks that every package owning a file the build
# reads, or a library the binaries load, is in this list or pulled in by it: a machine that happens
# to have a package installed must not hide a missing one here.
set -euo pipefail

list=0 test=0
for arg in "$@"; do
    case $arg in
    --list) list=1 ;;
    --test) test=1 ;;
    *)
        echo "usage: $0 [--list] [--test]" >&2
        exit 64
        ;;
    esac
done

packages=(cmake ninja-build g++ pkg-config
          qt6-base-dev libxkbcommon-dev libgl-dev
          libqt6sql6-sqlite libqt6sql6-psql qtkeychain-qt6-dev libssl-dev libargon2-dev
          # Boost.Beast and Boost.Asio (header-only) for the REST server's HTTP layer.
          libboost1.81-dev
          # libcsv (RFC 4180) reads the user import files (docs/architecture.md, "CSV import").
          libcsv-dev
          # Qt6Charts' CMake package loads Qt6OpenGL's, which qt6-charts-dev does not depend on.
          qt6-charts-dev libqt6opengl6-dev libqt6svg6 qt6-tools-dev qt6-l10n-tools qt6-translations-l10n)
if ((test)); then
    packages+=(postgresql xvfb xauth dbus dbus-x11 gnome-keyring clang-format)
    # tests/first_week.sh: the operator guide's walkthrough uses curl and sqlite3 (and PostgreSQL's client).
    packages+=(curl sqlite3)
    # tst_load_balancer: two servers on one PostgreSQL database behind a real load balancer.
    packages+=(haproxy)
    # tst_gui_focus_wm (tests/focus_wm.sh): focus after dialogs under a real window manager on Xvfb.
    packages+=(openbox)
    # scripts/check-package.sh: cpack -G DEB (dpkg-shlibdeps, file), lintian, desktop-file-validate, man.
    packages+=(dpkg-dev file lintian desktop-file-utils man-db)
    # scripts/fuzz.sh: Debian's clang (14) and its compiler runtime, which holds libFuzzer
    # (-fsanitize=fuzzer), ASan, UBSan and FuzzedDataProvider.h (docs/architecture.md says why not
    # libfuzzer-15-dev).
    packages+=(clang libclang-rt-14-dev)
    # The better-auth test server (tests/betterauth, docs/better-auth.md) runs on Node.js 18 (Debian
    # 12's nodejs) or later, with npm. Debian's packages only when there is no node at all: a Node.js
    # installed otherwise (NodeSource's, say) brings its own npm, which Debian's npm would conflict with.
    command -v node >/dev/null || packages+=(nodejs npm)
fi

if ((list)); then
    printf '%s\n' "${packages[@]}"
    exit 0
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "Installing: ${missing[*]}"
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The pinned better-auth the tests run (tests/betterauth/package-lock.json) into
# tests/betterauth/node_modules, which git ignores; again only when the lockfile changed since.
if ((test)); then
    betterauth="$(dirname "$0")/../tests/betterauth"
    if ! cmp -s "$betterauth/package-lock.json" "$betterauth/node_modules/.portcullis-installed-lock.json"; then
        echo "Installing the better-auth test server (npm ci in tests/betterauth)"
        (cd "$betterauth" && npm ci --no-audit --no-fund --loglevel=error)
        cp "$betterauth/package-lock.json" "$betterauth/node_modules/.portcullis-installed-lock.json"
    fi
fi
