#!/usr/bin/env bash
# Installs what building, running and testing Gridwalk needs, skipping what is
# already there. Safe to rerun. Versions are pinned where the toolchain
# demands it (see ../shared/TOOLCHAIN.md).
set -euo pipefail

APT_PACKAGES=(
  libwebkit2gtk-4.1-dev build-essential pkg-config libssl-dev libxdo-dev
  libayatana-appindicator3-dev librsvg2-dev xvfb webkit2gtk-driver imagemagick fonts-noto-cjk fonts-noto-color-emoji
  poppler-utils
)
# The server's second storage backend is tested against a real PostgreSQL.
[ "${GRIDWALK_SETUP_POSTGRES:-1}" = 1 ] && APT_PACKAGES+=(postgresql)
TRUNK_VERSION=0.21.14
# Must equal the wasm-bindgen crate pinned in ui/Cargo.toml.
WASM_BINDGEN_VERSION=0.2.130

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

version_of() { "$1" --version 2>/dev/null | awk '{print $2}'; }

if [ "$(version_of trunk)" != "$TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (~7 min on 2 cores)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi
if [ "$(version_of wasm-bindgen)" != "$WASM_BINDGEN_VERSION" ]; then
  # Not --locked: its lock file wants a crate release the registry lacks.
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi
if [ "${GRIDWALK_SETUP_E2E:-1}" = 1 ] && ! command -v tauri-driver >/dev/null; then
  say "installing tauri-driver"
  cargo install tauri-driver --locked
fi
# An S3-compatible server over a folder, for the photo-bucket test. 0.14.1
# is the newest that builds with the pinned Rust (0.17 wants 1.96).
S3S_FS_VERSION=0.14.1
if [ "$(version_of s3s-fs)" != "$S3S_FS_VERSION" ]; then
  say "installing s3s-fs $S3S_FS_VERSION"
  cargo install s3s-fs --version "$S3S_FS_VERSION" --features binary --locked
fi
if [ "${GRIDWALK_SETUP_NEXTEST:-1}" = 1 ] && ! command -v cargo-nextest >/dev/null; then
  say "installing cargo-nextest"
  cargo install cargo-nextest --locked
fi
if [ "${GRIDWALK_SETUP_FUZZ:-1}" = 1 ]; then
  # cargo-fuzz builds with sanitizer coverage, which needs nightly.
  if ! rustup toolchain list | grep -q '^nightly'; then
    say "installing the nightly toolchain (for cargo fuzz only)"
    rustup toolchain install nightly --profile minimal
  fi
  if ! command -v cargo-fuzz >/dev/null; then
    say "installing cargo-fuzz"
    cargo install cargo-fuzz --locked
  fi
fi
say "tools ready"
