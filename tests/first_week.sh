#!/usr/bin/env bash
# The operator guide's "The first week" walkthrough, run as written: every shell block after a
# `<!-- first-week HOST -->` line, in order, on one machine. What a test machine cannot do is stood
# in for, as the guide says: the paths live below a folder per host, `systemctl` runs
# `portcullis-server serve` directly with the unit's Environment= lines and the settings file,
# each host's port 8443 is a free port, iam*.example.com resolve to 127.0.0.1, db.example.com/iam
# is a database of its own on the test's PostgreSQL, and runuser, install -o/-g, scp, sudo -u,
# createuser and editor are shims. Fails when a command fails or an expected answer is missing.
#
# Usage: tests/first_week.sh docs/operator-guide.md resources/linux/portcullis-server.service
# Needs: PORTCULLIS_SERVER_BIN, PORTCULLIS_TEST_PG_URL (scripts/start-postgres.sh), curl, sqlite3,
# openssl, psql, pg_dump, pg_restore.
set -euo pipefail

guide=$1
unit=$2
: "${PORTCULLIS_SERVER_BIN:?PORTCULLIS_SERVER_BIN names the portcullis-server binary}"
: "${PORTCULLIS_TEST_PG_URL:?PORTCULLIS_TEST_PG_URL names the test PostgreSQL (scripts/start-postgres.sh)}"
for tool in curl sqlite3 openssl psql pg_dump pg_restore; do
    command -v "$tool" >/dev/null || { echo "first_week: $tool is missing (scripts/install-deps.sh --test)" >&2; exit 1; }
done

# postgresql://USER:PASSWORD@HOST:PORT/DB
if [[ ! $PORTCULLIS_TEST_PG_URL =~ ^postgresql://([^:@/]+):([^@/]*)@([^:/]+):([0-9]+)/ ]]; then
    echo "first_week: cannot read PORTCULLIS_TEST_PG_URL as postgresql://user:password@host:port/db" >&2
    exit 1
fi
pg_user=${BASH_REMATCH[1]} pg_password=${BASH_REMATCH[2]} pg_host=${BASH_REMATCH[3]} pg_port=${BASH_REMATCH[4]}
pg_db="first_week_$$_$RANDOM"

root=$(mktemp -d)
cleanup() {
    for pidfile in "$root"/*/serve.pid; do
        if [[ -f $pidfile ]]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
    done
    psql -q "$PORTCULLIS_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$root"
}
trap cleanup EXIT

free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
}
port_iam1=$(free_port)
port_iam2=$(free_port)
while [[ $port_iam2 == "$port_iam1" ]]; do port_iam2=$(free_port); done

# What the package makes on each host: the state directory, the settings file as shipped (every
# line commented out), root's home.
for host in iam1 iam2 db; do
    mkdir -p "$root/$host/var/lib/portcullis" "$root/$host/etc/default" "$root/$host/root" "$root/$host/var/backups"
    chmod 0750 "$root/$host/var/lib/portcullis"
    cp "$(dirname "$unit")/portcullis-server.default" "$root/$host/etc/default/portcullis-server"
done
printf '%s:%s:*:%s:%s\n' "$pg_host" "$pg_port" "$pg_user" "$pg_password" >"$root/pgpass"
chmod 0600 "$root/pgpass"

# The guide's text for HOST, with its paths, port and database URL moved to this machine's.
rewrite() {
    local host=$1 port=8443
    [[ $host == iam1 ]] && port=$port_iam1
    [[ $host == iam2 ]] && port=$port_iam2
    sed -e "s|/var/lib/portcullis|$root/$host/var/lib/portcullis|g" \
        -e "s|/var/backups/portcullis|$root/$host/var/backups/portcullis|g" \
        -e "s|/etc/default/portcullis-server|$root/$host/etc/default/portcullis-server|g" \
        -e "s|/etc/portcullis|$root/$host/etc/portcullis|g" \
        -e "s|/root/|$root/$host/root/|g" \
        -e "s|:8443|:$port|g" \
        -e "s|postgresql://portcullis@db.example.com/iam|postgresql://$pg_user@$pg_host:$pg_port/$pg_db|g"
}

# The blocks, in order: "HOST LINE" then the block, then a line "@@end".
blocks=$(awk '
    /^<!-- first-week [a-z0-9]+ -->$/ { host = $3; line = NR; expect = 1; next }
    expect && /^```sh$/ { print host " " line; inside = 1; expect = 0; next }
    expect { print "first_week: the line after the marker at line " line " does not open a sh block" > "/dev/stderr"; exit 1 }
    inside && /^```$/ { print "@@end"; inside = 0; next }
    inside { print }
' "$guide")
count=$(grep -c '^@@end$' <<<"$blocks" || true)
if ((count < 10)); then
    echo "first_week: found only $count marked blocks in $guide" >&2
    exit 1
fi

script="$root/walkthrough.sh"
{
    cat <<SHIMS
root='$root'
unit_file='$unit'
port_iam1=$port_iam1
port_iam2=$port_iam2
pg_url='$PORTCULLIS_TEST_PG_URL'
pg_db='$pg_db'
export PGPASSFILE='$root/pgpass'
SHIMS
    cat <<'SHIMS'
H=
fw_host() { H="$root/$1"; FW_HOST=$1; }
portcullis-server() { "$PORTCULLIS_SERVER_BIN" "$@"; }
runuser() { while (($#)) && [[ $1 != -- ]]; do shift; done; shift; "$@"; }
sudo() { if [[ $1 == -u ]]; then shift 2; fi; "$@"; }
createuser() { echo "(createuser: the test's PostgreSQL role stands in for portcullis)"; }
createdb() { psql -q "$pg_url" -c "CREATE DATABASE $pg_db"; }
editor() { echo "(editor $*: PGPASSFILE stands in for .pgpass)"; }
install() {
    local args=()
    while (($#)); do
        case $1 in
        -o | -g) shift 2 ;;
        *) args+=("$1"); shift ;;
        esac
    done
    command install "${args[@]}"
}
scp() {
    local args=() last
    while (($#)); do
        case $1 in -p) shift ;; *) args+=("$1"); shift ;; esac
    done
    last=${args[-1]}
    unset 'args[-1]'
    local host=${last%%:*} path=${last#*:}
    host=${host#*@}
    host=${host%%.*}
    path="$root/$host/${path#"$root"/*/}"
    cp -p "${args[@]}" "$path"
    # The settings file names the same paths and port on every host: here, the other host's.
    if [[ -f $path/portcullis-server ]]; then
        local to_port=$port_iam2 from_port=$port_iam1
        [[ $host == iam1 ]] && to_port=$port_iam1 from_port=$port_iam2
        sed -i -e "s|$root/$FW_HOST/|$root/$host/|g" -e "s|:$from_port|:$to_port|g" "$path/portcullis-server"
    fi
}
curl() {
    command curl --resolve "iam.example.com:$port_iam1:127.0.0.1" --resolve "iam1.example.com:$port_iam1:127.0.0.1" \
        --resolve "iam2.example.com:$port_iam2:127.0.0.1" "$@"
}
journalctl() { cat "$H/serve.log"; }
# KEY=VALUE lines as systemd reads them: comments and blank lines skipped, quotes around the value
# removed, no shell expansion.
fw_environment_lines() {
    local line key value
    while IFS= read -r line; do
        [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
        key=${line%%=*}
        value=${line#*=}
        if [[ $value == \"*\" || $value == \'*\' ]]; then value=${value:1:-1}; fi
        printf '%s=%s\n' "$key" "$value"
    done
}
fw_start() {
    local log="$H/serve.log" before=0 port=8443
    [[ $FW_HOST == iam1 ]] && port=$port_iam1
    [[ $FW_HOST == iam2 ]] && port=$port_iam2
    touch "$log"
    before=$(wc -c <"$log")
    (
        # The unit's Environment= lines, then EnvironmentFile=-/etc/default/portcullis-server.
        while IFS= read -r line; do export "$line"; done < <(grep '^Environment=' "$unit_file" |
            sed -e 's/^Environment=//' -e 's/^"\(.*\)"$/\1/' -e 's/%%/%/g' -e "s|/var/lib/portcullis|$H/var/lib/portcullis|g" -e "s|:8443|:$port|g" |
            fw_environment_lines)
        if [[ -f $H/etc/default/portcullis-server ]]; then
            while IFS= read -r line; do export "$line"; done < <(fw_environment_lines <"$H/etc/default/portcullis-server")
        fi
        cd "$H/var/lib/portcullis"
        # ExecStart=... serve $PORTCULLIS_OPTIONS (split on white space, as systemd does)
        exec "$PORTCULLIS_SERVER_BIN" serve $PORTCULLIS_OPTIONS
    ) >>"$log" 2>&1 </dev/null &
    echo $! >"$H/serve.pid"
    local waited=0
    until tail -c +$((before + 1)) "$log" | grep 'listening on ' >/dev/null; do
        if ! kill -0 "$(cat "$H/serve.pid")" 2>/dev/null || ((waited > 600)); then
            echo "first_week: portcullis-server serve on $FW_HOST did not start:" >&2
            tail -c +$((before + 1)) "$log" >&2
            return 1
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    tail -c +$((before + 1)) "$log" | grep -E 'listening on|created|migrated|TLS certificate'
}
fw_stop() {
    [[ -f $H/serve.pid ]] || return 0
    local pid
    pid=$(cat "$H/serve.pid")
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    rm -f "$H/serve.pid"
}
systemctl() {
    local verb=$1
    shift
    if [[ $verb == enable && ${1-} == --now ]]; then verb=start; shift; fi
    [[ ${1-} == portcullis-server ]] || { echo "systemctl shim: unit '${1-}'?" >&2; return 1; }
    case $verb in
    start) fw_start ;;
    stop) fw_stop ;;
    restart) fw_stop; fw_start ;;
    enable) ;;
    *) echo "systemctl shim: '$verb'?" >&2; return 1 ;;
    esac
}
SHIMS
    host='' line=''
    while IFS= read -r text; do
        if [[ -z $host ]]; then
            read -r host line <<<"$text"
            printf '\necho "### operator-guide.md line %s, on %s"\nfw_host %s\n' "$line" "$host" "$host"
            continue
        fi
        if [[ $text == @@end ]]; then
            host=''
            continue
        fi
        rewrite "$host" <<<"$text"
    done <<<"$blocks"
    printf '\nfor H in "$root"/iam*; do fw_stop; done\n'
} >"$script"

# The super admin's password, for each `read -rsp` of the walkthrough.
printf 'Gatekeeper-7-Raven!\nGatekeeper-7-Raven!\nGatekeeper-7-Raven!\n' >"$root/stdin"
output="$root/output"
started=$SECONDS
if ! bash -euo pipefail "$script" <"$root/stdin" >"$output" 2>&1; then
    cat "$output"
    for log in "$root"/*/serve.log; do
        echo "--- $log"
        tail -n 30 "$log"
    done
    echo "first_week: FAIL: a command of the walkthrough failed (above)" >&2
    exit 1
fi
cat "$output"

# What the guide says the operator sees.
expect() {
    if ! grep -qF -- "$1" "$output"; then
        echo "first_week: FAIL: the walkthrough's output lacks: $1" >&2
        exit 1
    fi
}
expect 'created the JWT signing secret'
expect '"status":"healthy","database":"connected","dialect":"sqlite"'
expect 'listening on https://0.0.0.0:'
expect '"status":"healthy","database":"connected","dialect":"postgresql"'
expect 'ok: '
expect 'database already initialised'
# Every health check answered (four over HTTPS, on both hosts, after TLS and PostgreSQL were added).
healthy=$(grep -c '"status":"healthy"' "$output" || true)
if ((healthy < 6)); then
    echo "first_week: FAIL: $healthy health checks answered, expected 6" >&2
    exit 1
fi
# The second host served with the first one's secret: it never made its own.
if grep -q 'created a new JWT signing secret' "$root/iam2/serve.log"; then
    echo "first_week: FAIL: the second host created a JWT secret of its own" >&2
    exit 1
fi
echo "first_week: ok: $count blocks of the walkthrough ran in $((SECONDS - started)) s"
