#!/usr/bin/env bash
# Runs a GUI test binary on a real X server with a real window manager: Xvfb on a free display,
# openbox managing it, the binary on Qt's xcb platform. Used by CTest for tst_gui_focus_wm (focus
# after dialogs close: only a window manager activates windows, which the offscreen platform never
# does). Exits 77 (CTest's skip code) when Xvfb or openbox is not installed;
# scripts/install-deps.sh --test installs both.
#   tests/focus_wm.sh TEST_BINARY [TEST ARGUMENTS...]
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 TEST_BINARY [ARGUMENTS...]" >&2
    exit 64
fi
for tool in Xvfb openbox; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool is not installed, so there is no window manager to test focus under" \
            "(scripts/install-deps.sh --test installs xvfb and openbox)"
        exit 77
    fi
done

work=$(mktemp -d)
xvfb_pid="" openbox_pid=""
cleanup() {
    [[ -z $openbox_pid ]] || kill "$openbox_pid" 2>/dev/null || true
    [[ -z $xvfb_pid ]] || kill "$xvfb_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# -displayfd: Xvfb picks a free display itself and writes its number once it accepts connections.
Xvfb -displayfd 3 -screen 0 1280x1024x24 -nolisten tcp 3>"$work/display" 2>"$work/xvfb.log" &
xvfb_pid=$!
for _ in $(seq 100); do
    [[ -s $work/display ]] && break
    kill -0 "$xvfb_pid" 2>/dev/null || { cat "$work/xvfb.log" >&2; echo "FAIL: Xvfb did not start" >&2; exit 1; }
    sleep 0.1
done
[[ -s $work/display ]] || { echo "FAIL: Xvfb gave no display number" >&2; exit 1; }
export DISPLAY=":$(tr -d '\n' <"$work/display")"

# openbox runs --startup once it manages the screen; the test starts only then.
openbox --sm-disable --startup "touch $work/wm-ready" >"$work/openbox.log" 2>&1 &
openbox_pid=$!
for _ in $(seq 100); do
    [[ -e $work/wm-ready ]] && break
    kill -0 "$openbox_pid" 2>/dev/null || { cat "$work/openbox.log" >&2; echo "FAIL: openbox did not start" >&2; exit 1; }
    sleep 0.1
done
[[ -e $work/wm-ready ]] || { echo "FAIL: openbox did not become ready" >&2; exit 1; }
echo "focus_wm: Xvfb on $DISPLAY with openbox $(openbox --version | head -n 1 | awk '{ print $2 }')"

status=0
QT_QPA_PLATFORM=xcb "$@" || status=$?
exit "$status"
