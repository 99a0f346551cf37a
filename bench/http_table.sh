#!/bin/sh
# The HTTP rows of issue 11 (docs/benchmarks.md, "Over HTTP at scale"): starts `portcullis-server
# serve` on a seeded database, signs in as its super admin and measures with wrk on loopback
#   - the users page of 50 with its total, at 1 and at 32 connections, with the access log off and
#     on (standard error to a file, as under systemd's journal);
#   - the users search (page of 50 with its total) at 32 connections, each term on its own and the
#     terms in turn (one wrk run cycling through them);
# and prints one markdown table (req/s, p50 / p99).
#
#   bench/http_table.sh --build build --db /tmp/big.db --password-file pw.txt [--user EMAIL]
#       [--jwt-secret-file F] [--port 18780] [--duration 8] [--threads 4] [--lock FILE]
#       [--terms smith,garcia,...] [--dir /tmp/portcullis-http]
#
# --db takes a SQLite file or a postgresql:// URL (then give --jwt-secret-file and set
# PORTCULLIS_AUDIT_KEY_FILE as for serve). With --lock FILE each wrk run holds that file's
# exclusive lock (builds on a shared machine take it shared), so nothing compiles while it runs.
set -eu

build=build
db=
user=admin@bench.test
passwordfile=
jwtsecret=
port=18780
duration=8
threads=4
lock=
dir=/tmp/portcullis-http
terms=smith,garcia,anna,chen,zzq,son,mar,ex,jo,k
while [ $# -gt 0 ]; do
    case "$1" in
    --build) build=$2; shift 2 ;;
    --db) db=$2; shift 2 ;;
    --user) user=$2; shift 2 ;;
    --password-file) passwordfile=$2; shift 2 ;;
    --jwt-secret-file) jwtsecret=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --lock) lock=$2; shift 2 ;;
    --terms) terms=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 64 ;;
    esac
done
[ -n "$db" ] && [ -n "$passwordfile" ] || {
    echo "usage: $0 --build DIR --db PATH_OR_URL --password-file FILE [--user EMAIL] [--jwt-secret-file F]" >&2
    exit 64
}
server=$build/app/portcullis-server
[ -x "$server" ] || { echo "missing $server" >&2; exit 2; }
for tool in wrk curl; do
    command -v $tool >/dev/null || { echo "$tool is needed (apt install $tool)" >&2; exit 2; }
done
mkdir -p "$dir"
base=http://127.0.0.1:$port
pid=

stop() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        pid=
    fi
}
trap stop EXIT INT TERM

# start LOGRULES: serve with the access log on (LOGRULES empty) or off.
start() {
    stop
    set -- --db "$db" --listen "127.0.0.1:$port" --threads "$threads" --maintenance-interval 0
    [ -z "$jwtsecret" ] || set -- "$@" --jwt-secret-file "$jwtsecret"
    QT_LOGGING_RULES="$logrules" "$server" serve "$@" 2>"$dir/serve.log" &
    pid=$!
    for _ in $(seq 1 300); do
        curl -fs "$base/api/health/auth" >/dev/null 2>&1 && return 0
        kill -0 "$pid" 2>/dev/null || { cat "$dir/serve.log" >&2; exit 1; }
        sleep 0.2
    done
    echo "serve did not answer within 60 s" >&2
    exit 1
}

token() {
    password=$(cat "$passwordfile")
    body=$(printf '{"email":"%s","password":"%s"}' "$user" "$password")
    curl -fs -H 'Content-Type: application/json' -d "$body" "$base/api/auth/login" |
        sed -E 's/.*"access_token":"([^"]+)".*/\1/'
}

# wrk CONNECTIONS PATH_OR_SCRIPT -> "req/s (p50 / p99 ms)"
run() {
    connections=$1
    target=$2
    wthreads=2
    [ "$connections" -gt 1 ] || wthreads=1
    if [ -f "$target" ]; then set -- -s "$target" "$base/"; else set -- "$base$target"; fi
    # two seconds of warm-up first, then the measured run
    wrk -t"$wthreads" -c"$connections" -d2s -H "Authorization: Bearer $TOKEN" "$@" >/dev/null 2>&1 || true
    if [ -n "$lock" ]; then
        flock -x "$lock" wrk -t"$wthreads" -c"$connections" -d"${duration}s" --latency \
            -H "Authorization: Bearer $TOKEN" "$@" >"$dir/wrk.out"
    else
        wrk -t"$wthreads" -c"$connections" -d"${duration}s" --latency -H "Authorization: Bearer $TOKEN" "$@" \
            >"$dir/wrk.out"
    fi
    awk '
        function ms(v) {
            if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
            if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
            if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
            return v
        }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        $1 == "Requests/sec:" { rps = $2 }
        /Non-2xx/ { bad = $NF }
        END {
            printf "%s (%.2f / %.2f ms)%s", sprintf("%\047d", rps), p50, p99, bad ? " **" bad " non-2xx**" : ""
        }' "$dir/wrk.out"
}

cycle="$dir/search-cycle.lua"
{
    printf 'local terms = {'
    printf '%s' "$terms" | tr ',' '\n' | sed 's/.*/"&",/' | tr -d '\n'
    printf '}\nlocal i = 0\n'
    printf 'request = function()\n    i = i %% #terms + 1\n'
    printf '    return wrk.format(nil, "/api/admin/users?page=1&limit=50&search=" .. terms[i])\nend\n'
} >"$cycle"

echo "| request | connections | access log | req/s (p50 / p99) |"
echo "|---|---:|---|---|"
logrules="portcullis.http.info=false"
start
TOKEN=$(token)
[ -n "$TOKEN" ] || { echo "sign-in failed" >&2; exit 1; }
echo "| users page of 50 (with total) | 1 | off | $(run 1 '/api/admin/users?page=1&limit=50') |"
echo "| users page of 50 (with total) | 32 | off | $(run 32 '/api/admin/users?page=1&limit=50') |"
for term in $(printf '%s' "$terms" | tr ',' ' '); do
    echo "| users search \`$term\` | 32 | off | $(run 32 "/api/admin/users?page=1&limit=50&search=$term") |"
done
echo "| users search, the $(printf '%s' "$terms" | tr ',' ' ' | wc -w) terms in turn | 32 | off | $(run 32 "$cycle") |"
logrules=
start
TOKEN=$(token)
echo "| users page of 50 (with total) | 32 | on | $(run 32 '/api/admin/users?page=1&limit=50') |"
echo "| users page of 50 (with total) | 32 | on | $(run 32 '/api/admin/users?page=1&limit=50') |"
echo "| users page of 50 (with total) | 32 | on | $(run 32 '/api/admin/users?page=1&limit=50') |"
echo "| users search, the terms in turn | 32 | on | $(run 32 "$cycle") |"
stop
echo
echo "access log lines written: $(grep -c . "$dir/serve.log" || true)"
