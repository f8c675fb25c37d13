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
# Strip the wasm's name section and producers: worker-build keeps names (wasm-opt
# --debuginfo) for stack traces, but the worker crate's panic hook already logs each
# panic's message and source location, and the names are ~26 KiB of the upload (gzip).
# IMGINFO_KEEP_NAMES=1 keeps them (profiling). Features as worker-build enables them.
if [ "${IMGINFO_KEEP_NAMES:-}" != 1 ]; then
  "$WASM_OPT_BIN" build/index_bg.wasm -o build/index_bg.stripped.wasm --strip-debug --strip-producers \
    --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int \
    --enable-bulk-memory --enable-multivalue --enable-reference-types --enable-exception-handling
  mv build/index_bg.stripped.wasm build/index_bg.wasm
fi
