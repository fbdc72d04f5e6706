#!/usr/bin/env bash
# Builds and runs Gridwalk on this machine: a local sync server (embedded
# SQLite, demo community) and the desktop app connected to it. Without a
# screen it runs on a virtual display and says how to take a screenshot.
# Installs what is missing first; safe to rerun.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
PORT="${GRIDWALK_PORT:-8787}"
DATA="${GRIDWALK_DATA:-$root/data}"

GRIDWALK_SETUP_E2E=0 GRIDWALK_SETUP_NEXTEST=0 GRIDWALK_SETUP_FUZZ=0 bash scripts/setup.sh
bash scripts/build-ui.sh
cargo build -p gridwalk-sync-server -p gridwalk-app

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

if curl -fsS "http://127.0.0.1:$PORT/v1/health" >/dev/null 2>&1; then
  echo "A sync server already answers on port $PORT; using it."
else
  target/debug/gridwalk-sync-server --demo --listen "127.0.0.1:$PORT" --data-dir "$DATA/server" &
  pids+=($!)
  for _ in $(seq 50); do
    curl -fsS "http://127.0.0.1:$PORT/v1/health" >/dev/null 2>&1 && break
    sleep 0.2
  done
fi

if [ -z "${DISPLAY:-}" ]; then
  export DISPLAY=:77
  Xvfb "$DISPLAY" -screen 0 1280x900x24 -nolisten tcp >/dev/null 2>&1 &
  pids+=($!)
  sleep 1
  echo "No screen: the app runs on virtual display $DISPLAY."
  echo "Screenshot: import -display $DISPLAY -window root shot.png"
fi

# The demo server writes fresh one-time codes at every start; the app binds
# itself with the office's code only if it is not bound yet, so rerunning
# is safe (an already bound device ignores the code).
invitation=()
codes="$DATA/server/demo-invitations.txt"
if [ -f "$codes" ]; then
  code="$(awk -F'\t' '$1 == "office" { print $3; exit }' "$codes")"
  [ -n "$code" ] && invitation=(--invitation "$code")
fi

echo "Sync server: http://127.0.0.1:$PORT (data in $DATA/server)"
echo "App data:    $DATA/device"
[ -f "$codes" ] && echo "Invitation codes for other devices: $codes"
target/debug/gridwalk-app --data-dir "$DATA/device" --server "http://127.0.0.1:$PORT" "${invitation[@]}"
