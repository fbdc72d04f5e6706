#!/usr/bin/env bash
# Runs every check and test of Gridwalk, installing what is missing first.
# This is what CI runs (.ci/run); run it yourself before pushing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "tools"
bash scripts/setup.sh

step "formatting"
cargo fmt --all --check

step "UI (wasm)"
bash scripts/build-ui.sh
cargo clippy -p gridwalk-ui --target wasm32-unknown-unknown -- -D warnings

step "lints"
cargo clippy --workspace --all-targets -- -D warnings

step "fuzz: 30 s of the server's decode-and-validate path"
# A crash fails the run; its input lands in sync-server/fuzz/artifacts/ and
# belongs in sync-server/fuzz/regressions/ once fixed.
mkdir -p sync-server/fuzz/corpus/decode_validate
(cd sync-server && cargo +nightly fuzz run decode_validate \
  fuzz/corpus/decode_validate fuzz/seeds -- -max_total_time=30 -print_final_stats=1)

step "PostgreSQL for the server's second backend"
# shellcheck source=scripts/postgres-for-tests.sh
source scripts/postgres-for-tests.sh

step "tests (unit, server on SQLite and PostgreSQL, two-device sync, real window via WebDriver)"
cargo nextest run --workspace --no-fail-fast

echo
echo "Screenshots of the E2E run: target/e2e-artifacts/*.png"
