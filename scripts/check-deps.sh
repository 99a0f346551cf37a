#!/usr/bin/env bash
# Checks that nothing the build uses is installed only by accident: every Debian package that owns
# a file the build read (the CMake package files CMake loaded, the headers in the compiler's
# dependency files, the tools and libraries the ninja files name) or a shared library that the two
# binaries or the Qt plugins they load at run time need must be installed by scripts/install-deps.sh,
# directly or as an apt dependency of what it lists. Fails naming the missing packages.
# Usage: scripts/check-deps.sh BUILD_DIR    (a Ninja build directory that has been built)
set -euo pipefail

if [[ $# -ne 1 || ! -f "$1/build.ninja" || ! -f "$1/app/portcullis" ]]; then
    echo "usage: $0 BUILD_DIR (a built Ninja build directory)" >&2
    exit 64
fi
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
source "$src/scripts/lib/debian-deps.bash"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- What the build read --------------------------------------------------------------------------
# A compiler launcher chosen for this build directory (ccache, say) is the developer's, not the build's.
launcher=$(sed -n 's/^CMAKE_CXX_COMPILER_LAUNCHER:[A-Z]*=//p' "$build/CMakeCache.txt")
[[ -z $launcher ]] || launcher=$(command -v "$launcher" || echo "$launcher")
outside_tree() {
    awk -v src="$src/" -v build="$build/" -v launcher="$launcher" \
        'index($0, "/") == 1 && index($0, src) != 1 && index($0, build) != 1 && $0 != launcher' | sort -u
}
# The files CMake read while configuring: ninja re-runs CMake when one of them changes.
awk '/^build build\.ninja: RERUN_CMAKE/,/^$/' "$build/build.ninja" | tr ' ' '\n' | outside_tree >"$tmp/cmake"
# The headers every object was compiled from (the compiler's dependency files, kept by ninja).
ninja -C "$build" -t deps | sed -n 's/^    //p' | outside_tree >"$tmp/headers"
# The tools the build runs and the libraries it links, as the ninja files name them.
grep -ohE '/(usr|lib|bin|opt)/[^ :;"$]+' "$build/build.ninja" "$build/CMakeFiles/rules.ninja" |
    while read -r f; do [[ -f $f ]] && echo "$f"; done | outside_tree >"$tmp/tools"
read_files=$(cat "$tmp/cmake" "$tmp/headers" "$tmp/tools" | sort -u)

# --- What the binaries load -----------------------------------------------------------------------
# Qt loads these plugins at run time (platform, SQL drivers, TLS, SVG icons), so ldd of the binaries
# alone does not see them.
plugins=$(qtpaths6 --query QT_INSTALL_PLUGINS)
runtime=("$build/app/portcullis" "$build/app/portcullis-server")
for plugin in platforms/libqxcb.so platforms/libqoffscreen.so sqldrivers/libqsqlite.so sqldrivers/libqsqlpsql.so \
    tls/libqopensslbackend.so iconengines/libqsvgicon.so imageformats/libqsvg.so; do
    if [[ -f $plugins/$plugin ]]; then
        runtime+=("$plugins/$plugin")
    else
        echo "check-deps: FAIL: the Qt plugin $plugins/$plugin is not installed" >&2
        exit 1
    fi
done
loaded=$( (printf '%s\n' "${runtime[@]:2}"; shared_libraries "${runtime[@]}") | sort -u)
if missing_libs=$(for f in "${runtime[@]}"; do ldd "$f"; done | grep 'not found'); then
    echo "check-deps: FAIL: libraries that cannot be found:"$'\n'"$missing_libs" >&2
    exit 1
fi

# --- Owners, and what install-deps.sh brings -------------------------------------------------------
# shellcheck disable=SC2086
owners_of $read_files $loaded >"$tmp/owners"
mapfile -t listed < <("$src/scripts/install-deps.sh" --list --test)
apt_closure "${listed[@]}" >"$tmp/closure"

awk -F'\t' '$1 != "-" { print $1 }' "$tmp/owners" | sort -u >"$tmp/needed"
comm -23 "$tmp/needed" "$tmp/closure" >"$tmp/missing"
unowned=$(awk -F'\t' '$1 == "-" { print $2 }' "$tmp/owners")
if [[ -n $unowned ]]; then
    # Files no Debian package owns (a hand-installed library under /usr/local, say) cannot come from
    # install-deps.sh on a fresh machine either.
    echo "check-deps: FAIL: the build reads files that no Debian package installed:"$'\n'"$unowned" >&2
    exit 1
fi
if [[ -s $tmp/missing ]]; then
    echo "check-deps: FAIL: these packages are used by the build but scripts/install-deps.sh does not install" \
        "them (add them to its list):" >&2
    while read -r pkg; do
        echo "  $pkg, for $(awk -F'\t' -v p="$pkg" '$1 == p { print $2 }' "$tmp/owners" | head -n 3 | paste -sd' ')" >&2
    done <"$tmp/missing"
    exit 1
fi
echo "check-deps: ok: $(wc -l <"$tmp/needed") packages own the $(wc -l <<<"$read_files") files the build read" \
    "and the $(wc -l <<<"$loaded") libraries and plugins the binaries load; all come from" \
    "scripts/install-deps.sh (${#listed[@]} packages, $(wc -l <"$tmp/closure") with their dependencies)"
