#!/usr/bin/env bash
# Regenerates the screenshots in docs/screenshots/ with the console's own --screenshot option, on a
# fresh demo database (offscreen: no display needed).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${PORTCULLIS_BUILD_DIR:-build}
server="$build/app/portcullis-server"
console="$build/app/portcullis"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%s' 'Demo-Admin-Password-1!' >"$work/pw"
"$server" init --db "$work/demo.db" --admin-email admin@demo.test --admin-password-file "$work/pw" --org "Portcullis Demo" >/dev/null
"$server" seed-demo --db "$work/demo.db" --tenants 8 --users 5000 --events 50000 >/dev/null
mkdir -p docs/screenshots
for pane in dashboard organizations users roles api-keys sessions audit; do
    QT_QPA_PLATFORM=offscreen "$console" --db "$work/demo.db" --user admin@demo.test --password-file "$work/pw" \
        --pane "$pane" --screenshot "docs/screenshots/$pane.png" ${PORTCULLIS_SCREENSHOT_ARGS:-}
done
# Two panes in German, as an admin in Berlin sees them (translations, local times with their zone).
for pane in users audit; do
    TZ=Europe/Berlin QT_QPA_PLATFORM=offscreen "$console" --db "$work/demo.db" --user admin@demo.test --password-file "$work/pw" \
        --pane "$pane" --lang de --screenshot "docs/screenshots/de-$pane.png" ${PORTCULLIS_SCREENSHOT_ARGS:-}
done
# The users pane at 200 % (QT_SCALE_FACTOR=2): text stays readable when the desktop scales it.
QT_SCALE_FACTOR=2 QT_QPA_PLATFORM=offscreen "$console" --db "$work/demo.db" --user admin@demo.test --password-file "$work/pw" \
    --pane users --screenshot docs/screenshots/scale-200.png ${PORTCULLIS_SCREENSHOT_ARGS:-}
# A few custom permission codes of the demo organization (for the permission-codes dialog), defined
# over the REST API as an organization's admin would: serve on a free loopback port, sign in, POST.
"$server" serve --db "$work/demo.db" --listen 127.0.0.1:0 >"$work/serve.log" 2>&1 &
serve=$!
url=
for _ in $(seq 200); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$work/serve.log" | head -n 1) && [ -n "$url" ] && break
    sleep 0.1
done
token=$(curl -sf "$url/api/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"admin@demo.test\",\"password\":\"$(cat "$work/pw")\"}" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
while IFS='|' read -r code description; do
    curl -sf "$url/api/admin/organizations/1/permissions" -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' -d "{\"code\":\"$code\",\"description\":\"$description\"}" >/dev/null
done <<'CODES'
portcullis-demo:invoice:approve|Approve invoices above the team's limit
portcullis-demo:report:export|Export reports as CSV
portcullis-demo:report:view|Read the monthly reports
CODES
kill "$serve" && wait "$serve" || true
# Dialogs, opened by name over a pane (--dialog; `portcullis --dialog x --screenshot y` lists the names).
# One line per dialog: "pane dialog [file]".
while read -r pane dialog file; do
    [ -n "$pane" ] || continue
    QT_QPA_PLATFORM=offscreen "$console" --db "$work/demo.db" --user admin@demo.test --password-file "$work/pw" \
        --pane "$pane" --dialog "$dialog" --screenshot "docs/screenshots/${file:-dialog-$dialog.png}" ${PORTCULLIS_SCREENSHOT_ARGS:-}
done <<'DIALOGS'
dashboard preferences
api-keys edit-api-key
api-keys rotate-api-key
roles permission-codes
users move-user
dashboard deployment-settings
users import-users
DIALOGS
# The console on a better-auth deployment: the pinned test server (tests/betterauth, installed by
# scripts/install-deps.sh --test) on a free loopback port with 40 users, about a second to start.
# The users pane, and panes that say what better-auth lacks instead of showing a list.
betterauth=tests/betterauth
if command -v node >/dev/null && [ -d "$betterauth/node_modules/better-auth" ]; then
    printf '%s' 'Better-Auth-Admin-7!' >"$work/ba-pw"
    (cd "$betterauth" && exec node server.mjs --port 0 --admin-email admin@betterauth.example \
        --admin-password "$(cat "$work/ba-pw")" --admin-name "Ada Admin" --users 40) >"$work/ba.log" 2>&1 &
    baserver=$!
    baurl=
    for _ in $(seq 200); do
        baurl=$(grep -o 'http://127\.0\.0\.1:[0-9]*/api/auth' "$work/ba.log" | head -n 1) && [ -n "$baurl" ] && break
        sleep 0.1
    done
    for shot in users:betterauth-users roles:betterauth-roles sessions:betterauth-sessions dashboard:betterauth-dashboard; do
        QT_QPA_PLATFORM=offscreen "$console" --server "$baurl" --kind better-auth --user admin@betterauth.example \
            --password-file "$work/ba-pw" --pane "${shot%%:*}" --screenshot "docs/screenshots/${shot#*:}.png" \
            ${PORTCULLIS_SCREENSHOT_ARGS:-}
    done
    kill "$baserver" && wait "$baserver" || true
else
    echo "screenshots.sh: no better-auth screenshots (node or tests/betterauth/node_modules missing:" \
        "run scripts/install-deps.sh --test)" >&2
fi
