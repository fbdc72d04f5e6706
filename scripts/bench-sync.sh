#!/usr/bin/env bash
# Gridwalk's sync beside the official Automerge stack, in one run (see
# src-tauri/benches/side_by_side.rs). Release builds; the peer harness in
# ../shared/peers/automerge-repo installs its npm packages on first use.
#   bash scripts/bench-sync.sh                         # N = 1,000 and 10,000
#   GRIDWALK_BENCH_SIZES=1000 bash scripts/bench-sync.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v node >/dev/null || { echo "the peer needs node and npm: apt-get install nodejs npm" >&2; exit 1; }
cargo build --release -p gridwalk-sync-server --bin gridwalk-sync-server
exec cargo bench -p gridwalk-app --bench side_by_side
