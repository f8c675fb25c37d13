#!/usr/bin/env bash
# Builds the two Workers (README "Two Workers"), the same crate twice, with worker-build
# pointed at local tools so it never falls back to downloading wasm-bindgen, wasm-opt or
# esbuild from GitHub:
#   build/      the info Worker (default features: no average colour; wrangler.toml),
#               with the web build of the core for its inspector page (www/_/wasm/);
#   build-hue/  the hue Worker (--features hue-all: every route plus average colour and
#               its pixel codecs; wrangler.hue.toml), reached through the info Worker's
#               HUE service binding.
#   bash scripts/build.sh [info|hue]    (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
WHICH="${1:-all}"
case "$WHICH" in info | hue | all) ;; *) echo "usage: $0 [info|hue]" >&2; exit 2 ;; esac
TOOLS="${IMGINFO_TOOLS:-$HOME/.cache/imginfo-edge/tools}"
export WASM_BINDGEN_BIN="$TOOLS/bin/wasm-bindgen"
export WASM_OPT_BIN="$PWD/node_modules/binaryen/bin/wasm-opt"
export ESBUILD_BIN="$PWD/node_modules/esbuild/bin/esbuild"
for b in "$WASM_BINDGEN_BIN" "$WASM_OPT_BIN" "$ESBUILD_BIN" "$TOOLS/bin/worker-build"; do
  # A path that does not resolve makes worker-build fetch from GitHub: fail loudly instead.
  [ -x "$b" ] || { echo "missing tool $b: run scripts/setup.sh" >&2; exit 1; }
done

# wasm-opt, here rather than in worker-build (Cargo.toml turns its pass off): -O as
# worker-build runs it, with the features it enables, but without the name section and
# producers. worker-build keeps names (--debuginfo) for stack traces; the worker crate's
# panic hook already logs each panic's message and source location, and the names are
# ~26 KiB of the upload (gzip). IMGINFO_KEEP_NAMES=1 keeps them (profiling, twiggy).
optimize() {
  local names=(--strip-debug --strip-producers)
  [ "${IMGINFO_KEEP_NAMES:-}" = 1 ] && names=(--debuginfo)
  "$WASM_OPT_BIN" "$1/index_bg.wasm" -o "$1/index_bg.opt.wasm" -O "${names[@]}" \
    --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int \
    --enable-bulk-memory --enable-multivalue --enable-reference-types --enable-exception-handling
  mv "$1/index_bg.opt.wasm" "$1/index_bg.wasm"
}

if [ "$WHICH" != hue ]; then
  # The browser build of the core for the inspector page (www/_/wasm/, a static asset).
  bash scripts/build-web.sh
  "$TOOLS/bin/worker-build" --release
  optimize build
fi
if [ "$WHICH" != info ]; then
  # Extra arguments after worker-build's own go to `cargo build`.
  "$TOOLS/bin/worker-build" --release --out-dir build-hue --features hue-all
  optimize build-hue
fi
