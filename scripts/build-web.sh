#!/usr/bin/env bash
# Builds the browser (web) WebAssembly build of the parsing core, crates/imginfo-web, into
# www/_/wasm/ (generated, git-ignored), where the inspector page loads it from when a
# person drops a local file. Uses the same cached wasm-bindgen-cli as the Worker build
# (`--target web`: an ES module with an init function) and npm binaryen's wasm-opt, and
# prints the sizes (raw and gzip). Called by scripts/build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS="${IMGINFO_TOOLS:-$HOME/.cache/imginfo-edge/tools}"
WASM_BINDGEN="$TOOLS/bin/wasm-bindgen"
WASM_OPT="$PWD/node_modules/binaryen/bin/wasm-opt"
for b in "$WASM_BINDGEN" "$WASM_OPT"; do
  [ -x "$b" ] || { echo "missing tool $b: run scripts/setup.sh" >&2; exit 1; }
done
OUT=www/_/wasm
cargo build -p imginfo-web --target wasm32-unknown-unknown --release --quiet
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$WASM_BINDGEN" --target web --no-typescript --out-dir "$TMP" \
  target/wasm32-unknown-unknown/release/imginfo_web.wasm
# Size first. wasm-opt takes the enabled features from the module's target_features
# section (what rustc enabled); --all-features would let it emit encodings browsers
# do not accept yet (compact imports).
"$WASM_OPT" -Oz --strip-debug --strip-producers \
  "$TMP/imginfo_web_bg.wasm" -o "$TMP/imginfo_web_bg.opt.wasm"
mv "$TMP/imginfo_web_bg.opt.wasm" "$TMP/imginfo_web_bg.wasm"
mkdir -p "$OUT"
# Replace atomically-enough for a dev server watching www/: copy, then rename.
for f in imginfo_web.js imginfo_web_bg.wasm; do
  cp "$TMP/$f" "$OUT/.$f.tmp" && mv "$OUT/.$f.tmp" "$OUT/$f"
done
raw=$(wc -c <"$OUT/imginfo_web_bg.wasm")
gz=$(gzip -9c "$OUT/imginfo_web_bg.wasm" | wc -c)
js=$(gzip -9c "$OUT/imginfo_web.js" | wc -c)
printf 'web wasm: %s/imginfo_web_bg.wasm %d B (%d B gzip), glue imginfo_web.js %d B gzip\n' \
  "$OUT" "$raw" "$gz" "$js"
