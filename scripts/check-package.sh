#!/usr/bin/env bash
# Builds the Debian package from an already-built build directory and checks it: the files it
# ships and their modes, its control fields (runtime dependencies, version, conffiles, maintainer
# scripts), the desktop entry (desktop-file-validate), both manual pages (man --warnings), lintian
# (no errors), the systemd unit (systemd-analyze verify, when systemd is installed), the binaries
# (they start; the server ignores the tests' Argon2 cost override), and that "cmake --install
# --prefix DIR" lays out the same tree.
# Usage: scripts/check-package.sh BUILD_DIR     (needs: scripts/install-deps.sh --test)
set -euo pipefail

if [[ $# -ne 1 || ! -f "$1/CPackConfig.cmake" ]]; then
    echo "usage: $0 BUILD_DIR (a configured and built build directory with CPackConfig.cmake)" >&2
    exit 64
fi
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)

for tool in cpack dpkg-deb lintian desktop-file-validate man gzip; do
    if ! command -v "$tool" >/dev/null; then
        echo "check-package: $tool is missing; run scripts/install-deps.sh --test" >&2
        exit 1
    fi
done

source "$src/scripts/lib/debian-deps.bash"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
    echo "check-package: FAIL: $*" >&2
    failures=$((failures + 1))
}
pass() { echo "check-package: ok: $*"; }

# --- The package ----------------------------------------------------------------------------------
if ! cpack --config "$build/CPackConfig.cmake" -G DEB -B "$tmp/cpack" >"$tmp/cpack.log" 2>&1; then
    cat "$tmp/cpack.log" >&2
    echo "check-package: FAIL: cpack could not build the package" >&2
    exit 1
fi
debs=("$tmp"/cpack/*.deb)
if [[ ${#debs[@]} -ne 1 || ! -f ${debs[0]} ]]; then
    echo "check-package: FAIL: expected one .deb from cpack, got: ${debs[*]}" >&2
    exit 1
fi
deb=${debs[0]}
pass "built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

# --- Contents and modes ---------------------------------------------------------------------------
# "mode owner size date time path": keep mode, owner and path of everything but directories.
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { sub(/^\.\//, "", $6); print $1, $2, $6 }' | sort -k3 >"$tmp/listing"
cut -d' ' -f3 "$tmp/listing" >"$tmp/files"
expected=(
    usr/bin/portcullis
    usr/bin/portcullis-server
    usr/share/applications/portcullis.desktop
    usr/share/icons/hicolor/scalable/apps/portcullis.svg
    usr/share/man/man1/portcullis.1.gz
    usr/share/man/man1/portcullis-server.1.gz
    usr/lib/systemd/system/portcullis-server.service
    usr/lib/sysusers.d/portcullis.conf
    usr/lib/tmpfiles.d/portcullis.conf
    etc/default/portcullis-server
    usr/share/doc/portcullis/copyright
    usr/share/doc/portcullis/changelog.Debian.gz
)
for size in 16 22 24 32 48 64 128 256; do
    expected+=("usr/share/icons/hicolor/${size}x${size}/apps/portcullis.png")
done
missing=0
for path in "${expected[@]}"; do
    grep -qxF "$path" "$tmp/files" || { fail "the package lacks $path"; missing=1; }
done
((missing)) || pass "the package has all ${#expected[@]} expected files ($(wc -l <"$tmp/files") in all)"
# The test build of the server (test hooks: a lowered Argon2 cost) is never installed.
if grep -q 'portcullis-server-test' "$tmp/files"; then
    fail "the package ships the test build portcullis-server-test"
fi
bad_modes=$(awk '$2 != "root/root" || ($3 ~ /^usr\/bin\// ? $1 != "-rwxr-xr-x" : $1 != "-rw-r--r--")' \
    "$tmp/listing")
if [[ -n $bad_modes ]]; then
    fail "files with a wrong mode or owner (want root/root, 0755 in usr/bin, 0644 elsewhere):"$'\n'"$bad_modes"
else
    pass "modes: root/root, 0755 for usr/bin, 0644 for the rest"
fi

# --- Control fields and maintainer scripts -------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
[[ $(field Package) == portcullis ]] || fail "Package is '$(field Package)', not portcullis"
[[ $(field Section) == admin && $(field Priority) == optional ]] || fail "Section/Priority are not admin/optional"
project_version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
version=$(field Version)
[[ $version == "$project_version"-* ]] ||
    fail "Version $version does not start with the project version $project_version"
changelog_version=$(sed -n '1s/^portcullis (\([^)]*\)).*/\1/p' "$src/resources/linux/debian/changelog")
[[ $version == "$changelog_version" ]] ||
    fail "Version $version has no entry in resources/linux/debian/changelog (its latest is $changelog_version)"
depends=$(field Depends)
for needed in libqt6core6 libqt6widgets6 libqt6network6 libqt6sql6 libqt6keychain1 libssl3 libargon2-1 \
    libcsv3 libqt6sql6-sqlite libqt6svg6 adduser; do
    grep -qE "(^|, )$needed( |,|$)" <<<"$depends" || fail "Depends does not name $needed: $depends"
done
dpkg-deb -e "$deb" "$tmp/control"
grep -qxF /etc/default/portcullis-server "$tmp/control/conffiles" 2>/dev/null ||
    fail "conffiles does not list /etc/default/portcullis-server"
[[ -s $tmp/control/md5sums ]] || fail "the package has no md5sums"
for script in postinst prerm postrm; do
    if [[ $(stat -c %a "$tmp/control/$script" 2>/dev/null) != 755 ]]; then
        fail "the $script script is missing or not 0755"
    elif ! sh -n "$tmp/control/$script"; then
        fail "the $script script is not valid sh"
    fi
done
pass "control: $version, Depends: $depends"

# --- Files of the package ------------------------------------------------------------------------
root="$tmp/root"
dpkg-deb -x "$deb" "$root"

# --- Every library the installed binaries load comes with Depends ---------------------------------
# ldd of both binaries plus the Qt plugins they load at run time; each library's package must be in
# Depends or pulled in by it (Recommends counts only for the PostgreSQL driver it recommends).
package_names() { tr ',|' '\n\n' | sed 's/(.*)//; s/[[:space:]]//g; s/:.*//' | grep . | sort -u; }
mapfile -t depends_list < <(package_names <<<"$depends")
mapfile -t recommends_list < <(field Recommends | package_names)
plugins=$(qtpaths6 --query QT_INSTALL_PLUGINS)
required=("$root/usr/bin/portcullis" "$root/usr/bin/portcullis-server")
for plugin in platforms/libqxcb.so sqldrivers/libqsqlite.so tls/libqopensslbackend.so iconengines/libqsvgicon.so \
    imageformats/libqsvg.so; do
    required+=("$plugins/$plugin")
done
check_covered() { # what, closure file, files...
    local what=$1 closure=$2
    shift 2
    owners_of "$@" $(shared_libraries "$@") | awk -F'\t' '$1 != "-" { print $1 }' | sort -u >"$tmp/needed"
    comm -23 "$tmp/needed" "$closure" >"$tmp/uncovered"
    if [[ -s $tmp/uncovered ]]; then
        fail "$what: libraries of packages that Depends does not bring: $(paste -sd' ' "$tmp/uncovered")"
    else
        pass "$what: the $(wc -l <"$tmp/needed") packages of the libraries it loads all come with Depends"
    fi
}
apt_closure "${depends_list[@]}" >"$tmp/depends-closure"
apt_closure "${depends_list[@]}" "${recommends_list[@]}" >"$tmp/recommends-closure"
check_covered "the binaries and the Qt plugins they load" "$tmp/depends-closure" "${required[@]}"
check_covered "the recommended PostgreSQL driver" "$tmp/recommends-closure" "$plugins/sqldrivers/libqsqlpsql.so"
if out=$(desktop-file-validate "$root/usr/share/applications/portcullis.desktop" 2>&1) && [[ -z $out ]]; then
    pass "desktop-file-validate: clean"
else
    fail "desktop-file-validate:"$'\n'"$out"
fi
for page in portcullis.1 portcullis-server.1; do
    # groff's warnings go to standard error; the page must have none.
    if out=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z \
        "$root/usr/share/man/man1/$page.gz" 2>&1 >/dev/null) && [[ -z $out ]]; then
        pass "man $page: renders without warnings"
    else
        fail "man $page:"$'\n'"$out"
    fi
    if gzip -dc "$root/usr/share/man/man1/$page.gz" | grep -q '@[A-Z_]*@'; then
        fail "$page has an unfilled @VARIABLE@"
    fi
done
for program in portcullis portcullis-server; do
    out=$(QT_QPA_PLATFORM=offscreen "$root/usr/bin/$program" --version 2>/dev/null) || true
    [[ $out == "$program $project_version" ]] || fail "$program --version printed '$out'"
done
pass "both binaries start and print version $project_version"
# PORTCULLIS_ARGON2_MEMORY_KIB lowers the password hashing cost only in the test build of the server
# (portcullis-server-test, linked with tests/testhooks.cpp); the packaged binary must hash with the
# product's cost (m=19456 KiB) whatever the environment says. The PHC string sits in clear in the
# SQLite file (or its write-ahead log).
printf '%s\n' 'Package-Check-Password-1!' >"$tmp/admin-password"
if PORTCULLIS_ARGON2_MEMORY_KIB=8 "$root/usr/bin/portcullis-server" init --db "$tmp/argon2.db" \
    --admin-email check@example.com --admin-password-file "$tmp/admin-password" >"$tmp/argon2.log" 2>&1; then
    cost=$(cat "$tmp"/argon2.db* | grep -a -o '\$argon2id\$v=19\$m=[0-9]*,t=[0-9]*,p=[0-9]*' | sort -u)
    if [[ $cost == '$argon2id$v=19$m=19456,t=2,p=1' ]]; then
        pass "the packaged portcullis-server ignores PORTCULLIS_ARGON2_MEMORY_KIB (hashes with m=19456,t=2,p=1)"
    else
        fail "the packaged portcullis-server hashed with '${cost:-nothing found}' under PORTCULLIS_ARGON2_MEMORY_KIB=8"
    fi
else
    fail "portcullis-server init failed:"$'\n'"$(cat "$tmp/argon2.log")"
fi
unit="$root/usr/lib/systemd/system/portcullis-server.service"
grep -q '^ExecStart=/usr/bin/portcullis-server serve ' "$unit" ||
    fail "the unit does not run /usr/bin/portcullis-server serve"
grep -qx 'EnvironmentFile=-/etc/default/portcullis-server' "$unit" ||
    fail "the unit does not read /etc/default/portcullis-server"
# A second host whose copy of the JWT secret is missing must refuse to start, not mint its own.
grep -qx 'Environment=PORTCULLIS_NO_CREATE_SECRET=yes' "$unit" ||
    fail "the unit does not set PORTCULLIS_NO_CREATE_SECRET=yes"
# Settings are one variable each (serve reads PORTCULLIS_<OPTION>): the shipped settings file has
# no PORTCULLIS_OPTIONS line, whose last assignment used to replace the others.
settings="$root/etc/default/portcullis-server"
if grep -q 'PORTCULLIS_OPTIONS' "$settings"; then
    fail "the settings file still suggests PORTCULLIS_OPTIONS"
elif dupes=$(grep -oE '^#?PORTCULLIS_[A-Z_]+=' "$settings" | tr -d '#' | sort | uniq -d) && [[ -n $dupes ]]; then
    fail "the settings file suggests a variable twice: $dupes"
else
    pass "the unit refuses to mint a JWT secret; the settings file has one line per setting"
fi
if command -v systemd-analyze >/dev/null; then
    # systemd-analyze checks that ExecStart exists, so the copy points at the extracted binary.
    mkdir "$tmp/unit"
    sed "s|/usr/bin/portcullis-server|$root/usr/bin/portcullis-server|" "$unit" >"$tmp/unit/portcullis-server.service"
    if out=$(systemd-analyze verify --man=no "$tmp/unit/portcullis-server.service" 2>&1) && [[ -z $out ]]; then
        pass "systemd-analyze verify: clean"
    else
        fail "systemd-analyze verify:"$'\n'"$out"
    fi
else
    echo "check-package: skipped: systemd-analyze verify (systemd is not installed)"
fi

# --- lintian -------------------------------------------------------------------------------------
# As root lintian says it would rather not run as root; CI runs as root, so that line is dropped.
status=0
lintian --fail-on error --display-info "$deb" >"$tmp/lintian" 2>&1 || status=$?
grep -v 'running with root privileges is not recommended' "$tmp/lintian" | sed 's/^/    /' || true
if ((status)); then
    fail "lintian reports errors (exit $status)"
else
    pass "lintian: no errors ($(grep -c '^W:' "$tmp/lintian" || true) warnings," \
        "$(grep -c '^I:' "$tmp/lintian" || true) infos)"
fi

# --- cmake --install lays out the same tree ------------------------------------------------------
if ! cmake --install "$build" --prefix "$tmp/install" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log" >&2
    fail "cmake --install failed"
else
    # The package uses the /usr prefix; the tree under a plain prefix is the same without "usr/".
    (cd "$tmp/install" && find . ! -type d | sed 's|^\./||' | sort) >"$tmp/installed"
    sed 's|^usr/||' "$tmp/files" | sort >"$tmp/packaged"
    if diff -u "$tmp/packaged" "$tmp/installed" >"$tmp/tree.diff"; then
        pass "cmake --install --prefix DIR: the same $(wc -l <"$tmp/installed") files as the package"
    else
        fail "cmake --install lays out a different tree than the package (- package, + install):"$'\n'"$(
            cat "$tmp/tree.diff")"
    fi
    grep -qF "ExecStart=$tmp/install/bin/portcullis-server serve " \
        "$tmp/install/lib/systemd/system/portcullis-server.service" ||
        fail "the installed unit does not run the installed binary"
    grep -qxF "EnvironmentFile=-$tmp/install/etc/default/portcullis-server" \
        "$tmp/install/lib/systemd/system/portcullis-server.service" ||
        fail "the installed unit does not read the installed settings"
fi

if ((failures)); then
    echo "check-package: $failures check(s) failed" >&2
    exit 1
fi
echo "check-package: all checks passed"
