#!/usr/bin/env bash
# Builds the web build of the core (www/_/wasm/, scripts/build-web.sh) and the Worker
# (build/) with worker-build pointed at local tools, so it never falls back to
# downloading wasm-bindgen, wasm-opt or esbuild from GitHub.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${IMGINFO_TOOLS:-$HOME/.cache/imginfo-edge/tools}"
export WASM_BINDGEN_BIN="$TOOLS/bin/wasm-bindgen"
export WASM_OPT_BIN="$PWD/node_modules/binaryen/bin/wasm-opt"
export ESBUILD_BIN="$PWD/node_modules/esbuild/bin/esbuild"
for b in "$WASM_BINDGEN_BIN" "$WASM_OPT_BIN" "$ESBUILD_BIN" "$TOOLS/bin/worker-build"; do
  # A path that does not resolve makes worker-build fetch from GitHub: fail loudly instead.
  [ -x "$b" ] || { echo "missing tool $b: run scripts/setup.sh" >&2; exit 1; }
done
# The browser build of the core for the inspector page (www/_/wasm/, a static asset).
bash scripts/build-web.sh
"$TOOLS/bin/worker-build" --release
