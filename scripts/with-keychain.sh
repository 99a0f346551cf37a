#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring (a real Secret
# Service), so QtKeychain reads and writes for real in a headless run (CI runs as root, no display).
# Without dbus-run-session or gnome-keyring the command runs as is and the keychain test skips.
set -euo pipefail
if [[ -z "${PORTCULLIS_KEYRING_SESSION:-}" ]] && command -v dbus-run-session >/dev/null \
    && command -v gnome-keyring-daemon >/dev/null; then
    export PORTCULLIS_KEYRING_SESSION=1
    exec dbus-run-session -- "$0" "$@"
fi
if [[ -n "${PORTCULLIS_KEYRING_SESSION:-}" ]]; then
    # The keyring lives in a throw-away home so a run never touches a real user's keyrings.
    keyring_home=$(mktemp -d)
    trap 'rm -rf "$keyring_home"' EXIT
    export XDG_DATA_HOME="$keyring_home/data" XDG_RUNTIME_DIR="$keyring_home/run"
    mkdir -p "$XDG_DATA_HOME/keyrings" "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
    # --unlock reads the password of a new login keyring from standard input: an empty line (an
    # empty stdin creates no keyring at all).
    if ! eval "$(echo '' | gnome-keyring-daemon --unlock --components=secrets)"; then
        echo "with-keychain.sh: gnome-keyring-daemon did not start; the keychain test will fail" >&2
    fi
    "$@"
    exit $?
fi
exec "$@"
