#!/usr/bin/env bash
# Starts Debian's PostgreSQL 15 cluster on localhost:5432 for the test suite and makes sure the
# test role exists. Prints the admin URL the tests use (they create one database per test).
set -euo pipefail
# Only the URL goes to stdout (the caller captures it): everything the PostgreSQL tools print goes
# to stderr (pg_ctlcluster says "Removed stale pid file." on stdout, for one). No extra descriptor
# is opened for this, since the server started here would inherit it and keep $(...) waiting.
{
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
if [[ $(id -u) -eq 0 ]]; then AS_POSTGRES="runuser -u postgres --"; else AS_POSTGRES="sudo -u postgres"; fi
if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
    $SUDO pg_createcluster 15 main >/dev/null
fi
cluster=$(pg_lsclusters -h | awk 'NR==1 {print $1" "$2}')
if ! pg_lsclusters -h | awk 'NR==1 {print $4}' | grep -q online; then
    # A server killed without a shutdown (a container snapshot, say) leaves its socket lock file
    # behind, and a new server refuses to start while it exists. Remove it once its PID is gone.
    remove_stale_locks() {
        local lock pid
        for lock in /var/run/postgresql/.s.PGSQL.*.lock; do
            [[ -e $lock ]] || continue
            pid=$(head -n1 "$lock" 2>/dev/null | tr -dc '0-9')
            if [[ -z $pid ]] || ! kill -0 "$pid" 2>/dev/null; then
                $SUDO rm -f "$lock" "${lock%.lock}"
            fi
        done
    }
    for attempt in 1 2 3; do
        remove_stale_locks
        $SUDO pg_ctlcluster $cluster start && break
        [[ $attempt -lt 3 ]] || exit 1
        sleep 2
    done
fi
for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 1
done
$AS_POSTGRES psql -q -v ON_ERROR_STOP=1 -d postgres <<'SQL' >/dev/null
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'portcullis_test') THEN
        CREATE ROLE portcullis_test LOGIN SUPERUSER PASSWORD 'portcullis_test';
    END IF;
END
$$;
SQL
} >&2
echo "postgresql://portcullis_test:portcullis_test@127.0.0.1:5432/postgres"
