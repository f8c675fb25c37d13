#!/usr/bin/env bash
# Idempotent set-up of everything the build and tests need, from the package registries
# only (no GitHub downloads): the wasm32 target, wasm-bindgen-cli at exactly the version
# in Cargo.lock, worker-build, npm packages (wrangler, miniflare, esbuild, binaryen) and,
# with --browser, Debian's Chromium. Tools go to a cache outside the clone so a fresh
# clone on the same machine reuses them. A re-run is a no-op.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${IMGINFO_TOOLS:-$HOME/.cache/imginfo-edge/tools}"
WORKER_BUILD_VERSION=0.8.7
log() { printf '[setup] %s\n' "$*" >&2; }

rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown ||
  { log "adding rust target wasm32-unknown-unknown"; rustup target add wasm32-unknown-unknown; }

# wasm-bindgen-cli must match the wasm-bindgen crate in Cargo.lock exactly.
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
[ -n "$WB_VERSION" ] || { echo "cannot read the wasm-bindgen version from Cargo.lock" >&2; exit 1; }
if [ "$("$TOOLS/bin/wasm-bindgen" --version 2>/dev/null | awk '{print $NF}')" != "$WB_VERSION" ]; then
  log "installing wasm-bindgen-cli $WB_VERSION into $TOOLS (a few minutes, once)"
  # No --locked: the registry here lacks one of its locked dependencies.
  cargo install wasm-bindgen-cli --version "$WB_VERSION" --root "$TOOLS" --force
fi
if [ "$("$TOOLS/bin/worker-build" --version 2>/dev/null | awk '{print $NF}')" != "$WORKER_BUILD_VERSION" ]; then
  log "installing worker-build $WORKER_BUILD_VERSION into $TOOLS"
  cargo install worker-build --version "$WORKER_BUILD_VERSION" --locked --root "$TOOLS" --force
fi

# npm packages, pinned by package-lock.json; reinstall only when the lock changed.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "${1:-}" = "--browser" ] && ! command -v chromium >/dev/null 2>&1; then
  log "installing Debian chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
