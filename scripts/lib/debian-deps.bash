# Helpers shared by scripts/check-deps.sh and scripts/check-package.sh: which Debian packages own
# some files, and which packages a list of packages pulls in through apt's dependencies.
# Sourced, not run.

# owners_of FILE...: prints "package<TAB>file" for every file a Debian package owns, and
# "-<TAB>file" for a file no package owns. Symlinks are followed, and on a merged-/usr system the
# /lib and /usr/lib spellings of one file are both tried (dpkg knows only the one it installed).
owners_of() {
    local f real alt
    local -A candidates=()
    for f in "$@"; do
        [[ -e $f ]] || continue
        real=$(readlink -f "$f")
        # One spelling can stand for several of the files asked about (a symlink and its target).
        for alt in "$f" "$real" "${f/#\/usr\/lib\//\/lib\/}" "${f/#\/lib\//\/usr\/lib\/}" \
            "${real/#\/usr\/lib\//\/lib\/}" "${real/#\/lib\//\/usr\/lib\/}"; do
            [[ " ${candidates[$alt]:-} " == *" $f "* ]] || candidates[$alt]+="${candidates[$alt]:+ }$f"
        done
    done
    ((${#candidates[@]})) || return 0
    local -A found=()
    local line pkgs path p asked
    # "pkg1, pkg2: /path" (architecture qualifiers dropped); "diversion by ..." lines skipped.
    while IFS= read -r line; do
        [[ $line == diversion* ]] && continue
        pkgs=${line%%: /*}
        path=/${line#*: /}
        [[ -n ${candidates[$path]:-} ]] || continue
        for asked in ${candidates[$path]}; do
            for p in ${pkgs//,/ }; do
                printf '%s\t%s\n' "${p%%:*}" "$asked"
            done
            found[$asked]=1
        done
    done < <(printf '%s\n' "${!candidates[@]}" | xargs -r -d '\n' dpkg-query -S 2>/dev/null || true)
    for f in "$@"; do
        [[ -e $f && -z ${found[$f]:-} ]] && printf -- '-\t%s\n' "$f"
    done
    return 0
}

# apt_closure PACKAGE...: the packages, one a line, and everything they depend on or pre-depend on
# (recursively; every alternative and every provider of a virtual package counts).
apt_closure() {
    ((${#@})) || return 0
    apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
        --no-enhances "$@" 2>/dev/null |
        awk '/^[^ ]/ { print } /^ +(\|)?(Pre)?Depends: / { print $NF } /^    [^ ]/ { print $1 }' |
        tr -d '<>' | sed 's/:.*//' | sort -u
}

# shared_libraries FILE...: the shared libraries these ELF files load (ldd), one path a line.
shared_libraries() {
    local f
    for f in "$@"; do
        ldd "$f" 2>/dev/null | awk '/=> \// { print $3 } /^\t\// { print $1 }'
    done | sort -u
}
