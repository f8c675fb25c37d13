#!/usr/bin/env bash
# The benchmark command: set-up (toolchain, pinned npm packages), the Worker's build
# (scripts/build.sh), the peer's bundle, then bench/run.mjs, which writes
# bench/RESULTS.md and the table in README's Performance section.
#   bash bench/run.sh            full run (~10 minutes)
#   bash bench/run.sh --quick    a few seconds per cell, writes bench/out/RESULTS.quick.md
# Other options are passed to bench/run.mjs (see its header). The corpus is read from
# ../shared/corpus (or $IMGINFO_CORPUS); the local R2 bucket lives in
# ~/.cache/imginfo-edge/bench (or $IMGINFO_BENCH_STATE), outside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "${BENCH_SKIP_BUILD:-}" != 1 ]; then
  echo "== build the Worker"
  bash scripts/build.sh
fi
echo "== bundle the JavaScript peer"
node bench/peer/build.mjs
echo "== benchmark"
export CI=true WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
node bench/run.mjs "$@"
