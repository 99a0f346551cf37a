#!/usr/bin/env bash
# The run command: installs what is missing, builds, and opens the embedded demo database
# (created and filled with demo data on the first run).
set -euo pipefail
cd "$(dirname "$0")/.."
# Said before the long install and build, not by Qt's platform-plugin error at the very end.
if [[ -z ${DISPLAY:-} && -z ${WAYLAND_DISPLAY:-} && -z ${QT_QPA_PLATFORM:-} ]]; then
    cat >&2 <<'TXT'
run-demo: there is no display here (neither DISPLAY nor WAYLAND_DISPLAY is set), so the console
cannot open a window. Either
  - run it under a virtual X server:    apt-get install xvfb && xvfb-run -a ./scripts/run-demo.sh
  - or save a picture of a pane without any display:
        QT_QPA_PLATFORM=offscreen ./scripts/run-demo.sh --pane users --screenshot users.png
TXT
    exit 1
fi
if [[ ${QT_QPA_PLATFORM:-} == offscreen && " $* " != *" --screenshot "* ]]; then
    echo "run-demo: QT_QPA_PLATFORM=offscreen shows no window; add --screenshot FILE.png to save one" >&2
    exit 1
fi
./scripts/install-deps.sh
build=${PORTCULLIS_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j2
data="${XDG_DATA_HOME:-$HOME/.local/share}/portcullis"
db="$data/demo.db"
server="$build/app/portcullis-server"
mkdir -p "$data"
pwfile=$(mktemp)
trap 'rm -f "$pwfile"' EXIT
printf '%s' 'Demo-Admin-Password-1!' >"$pwfile"
if [[ ! -f "$db" ]]; then
    "$server" init --db "$db" --admin-email admin@demo.test --admin-password-file "$pwfile" --org "Portcullis Demo"
    "$server" seed-demo --db "$db" --tenants 8 --users 5000 --events 50000
fi
echo "Demo database: $db — super admin admin@demo.test / Demo-Admin-Password-1! (demo only)"
"$build/app/portcullis" --db "$db" --user admin@demo.test --password-file "$pwfile" "$@"
