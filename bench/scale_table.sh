#!/bin/sh
# The scale table of docs/benchmarks.md ("Scale table"): for each size, seed a fresh database
# (timed), take its size, time the requests of issue 11 in the store (portcullis-bench-scale, which
# also times the audit export), time the console from launch to its first pane with data and take
# its memory after scrolling the whole audit log (portcullis-bench-console), and print one markdown
# table with a column per size.
#
#   bench/scale_table.sh --build build --dir /tmp/scale [--postgres URL] [--iterations N] SIZE...
#
# SIZE is USERS:EVENTS, e.g. 10000:100000 100000:1000000 1000000:10000000 (50 tenants each).
# --table-only prints the table from the outputs an earlier run left in --dir. --no-scroll leaves out
# the console's memory after paging the whole audit log in (minutes at 10M events).
# --reuse keeps a database of the same size from an earlier run in --dir instead of seeding again
# (the seed time is then the one logged by that run). With --postgres URL (an owner's URL, e.g.
# postgresql://user:pw@127.0.0.1:5432/postgres) each size is seeded into a database of its own on
# that server, scale_USERS_EVENTS (created and dropped through the URL's database with psql), with
# an audit key of its own in --dir; its outputs are named pgscale-* instead of scale-*.
#
# Run it with nothing else on the machine, or take every benchmark under one exclusive lock:
#   flock -x /tmp/portcullis-cpu.lock bench/scale_table.sh ...   (the seeding is not a measurement
# of the requests, but its time is one of the table's rows.)
set -eu

build=build
dir=/tmp/portcullis-scale
iterations=10
reuse=0
lock=
tableonly=0
postgres=
noscroll=
while [ $# -gt 0 ]; do
    case "$1" in
    --build) build=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --iterations) iterations=$2; shift 2 ;;
    --reuse) reuse=1; shift ;;
    --lock) lock=$2; shift 2 ;; # take this file's exclusive lock around each measurement (not the seeding)
    --table-only) tableonly=1; shift ;; # only print the table from the outputs of earlier runs in --dir
    --postgres) postgres=$2; shift 2 ;;
    --no-scroll) noscroll=--no-scroll; shift ;; # the console bench does not page the whole audit log in
    --) shift; break ;;
    -*) echo "unknown option $1" >&2; exit 64 ;;
    *) break ;;
    esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--build DIR] [--dir DIR] [--postgres URL] [--iterations N] [--reuse] [--lock FILE] USERS:EVENTS..." >&2; exit 64; }
prefix=scale
[ -z "$postgres" ] || prefix=pgscale

server=$build/app/portcullis-server
scale=$build/bench/portcullis-bench-scale
console=$build/bench/portcullis-bench-console
for b in "$server" "$scale" "$console"; do
    [ -x "$b" ] || { echo "missing $b (configure with -DPORTCULLIS_BUILD_BENCH=ON and build it)" >&2; exit 2; }
done
mkdir -p "$dir"
printf 'BenchPassword-123!' >"$dir/pw.txt"

measure() {
    if [ -n "$lock" ]; then flock -x "$lock" "$@"; else "$@"; fi
}

for size in "$@"; do
    [ "$tableonly" = 0 ] || break
    users=${size%%:*}
    events=${size#*:}
    out=$dir/$prefix-$users-$events
    if [ -n "$postgres" ]; then
        name=scale_${users}_${events}
        db=$(printf '%s' "$postgres" | sed -E "s#^(postgres(ql)?://[^/]+)/[^?]*#\\1/$name#")
        export PORTCULLIS_AUDIT_KEY_FILE="$out.audit-key"
        if [ "$reuse" = 0 ] || ! psql "$db" -Atqc 'SELECT 1' >/dev/null 2>&1; then
            psql "$postgres" -qc "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
            rm -f "$out.audit-key" "$out.audit-key".*
            head -c 32 /dev/urandom >"$out.audit-key"
            chmod 600 "$out.audit-key"
            fresh=1
        else
            fresh=0
        fi
    else
        db=$dir/scale-$users-$events.db
        fresh=0
        if [ "$reuse" = 0 ] || [ ! -f "$db" ]; then
            rm -f "$db" "$db"-wal "$db"-shm "$db".*
            fresh=1
        fi
    fi
    if [ "$fresh" = 1 ]; then
        PORTCULLIS_ARGON2_MEMORY_KIB=${PORTCULLIS_ARGON2_MEMORY_KIB:-65536} \
            "$server" init --db "$db" --admin-email admin@bench.test --admin-password-file "$dir/pw.txt" >/dev/null
        start=$(date +%s.%N)
        "$server" seed-demo --db "$db" --tenants 50 --users "$users" --events "$events" --seed 11 >"$out.seed"
        end=$(date +%s.%N)
        echo "$start $end" | awk '{ printf "%.0f\n", $2 - $1 }' >"$out.seedtime"
    fi
    if [ -n "$postgres" ]; then
        psql "$db" -Atc 'SELECT pg_database_size(current_database())' | awk '{ printf "%.2f GB\n", $1 / 1e9 }' >"$out.size"
    else
        # Fold the WAL into the file, so that its size is the database's.
        sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null 2>&1 || true
        du -b "$db" | awk '{ printf "%.2f GB\n", $1 / 1e9 }' >"$out.size"
    fi
    measure "$scale" --db "$db" --iterations "$iterations" >"$out.scale"
    measure env QT_QPA_PLATFORM=offscreen "$console" --db "$db" --user admin@bench.test \
        --password-file "$dir/pw.txt" $noscroll >"$out.console"
done

# One table: a row per measurement, a column per size (the median in ms for the requests).
{
    printf '| | '
    for size in "$@"; do printf '%s users / %s events | ' "${size%%:*}" "${size#*:}"; done
    printf '\n|---|'
    for size in "$@"; do printf -- '---:|'; done
    printf '\n'
    row() { # name, then a command printing the value for a size's output prefix
        name=$1; shift
        printf '| %s | ' "$name"
        for size in $sizes; do printf '%s | ' "$("$@" "$dir/$prefix-${size%%:*}-${size#*:}")"; done
        printf '\n'
    }
    sizes="$*"
    seedtime() { if [ -f "$1.seedtime" ]; then echo "$(cat "$1.seedtime") s"; else echo "–"; fi; }
    sizeof() { cat "$1.size"; }
    scalerow() { awk -F'|' -v n="$key" '$2 == " " n " " { gsub(/ /, "", $4); print $4 " ms"; found = 1 } END { if (!found) print "–" }' "$1.scale"; }
    exportrate() { awk -F'|' '$2 ~ /audit export/ { match($6, /[0-9]+ rows\/s/); print substr($6, RSTART, RLENGTH); found = 1 } END { if (!found) print "–" }' "$1.scale"; }
    consolerow() { awk -F'|' -v n="$key" '$2 == " " n " " { gsub(/^ +| +$/, "", $3); print $3; found = 1 } END { if (!found) print "–" }' "$1.console"; }
    row "seed-demo (50 tenants)" seedtime
    row "database size" sizeof
    for key in "users page of 50 (with total)" "users search \`smith\` (page of 50 with total)" \
        "users search \`zzq\` (page of 50 with total)" "**users search, median over the 10 terms**" \
        "users filtered by status \`banned\`" "sessions page of 50 (open sessions, with total)" \
        "stats (dashboard tiles), every tenant" "audit first page (100), no filter" \
        "audit first page (100), action \`role.*\`" "audit first page (100), login failures" \
        "audit first page (100), one IP address" "audit first page (100), one day 45 days ago"; do
        row "$key" scalerow
    done
    row "audit export (CSV)" exportrate
    for key in "launch → first pane with data (open, sign-in with Argon2id, dashboard)" \
        "resident memory after scrolling to the end"; do
        row "console: $key" consolerow
    done
} | tee "$dir/$prefix-table.md"
