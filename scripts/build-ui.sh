#!/usr/bin/env bash
# Builds the Leptos UI into ui/dist, which the app embeds at compile time.
set -euo pipefail
cd "$(dirname "$0")/../ui"
export PATH="$HOME/.cargo/bin:$PATH"
trunk build --release
