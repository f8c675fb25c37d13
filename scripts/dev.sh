#!/usr/bin/env bash
# Starts the Worker locally (wrangler dev, local mode: no Cloudflare account, no prompts)
# with its local R2 bucket seeded from samples/. Then, for example:
#   curl -s 'localhost:8787/photo.jpg?image/info'
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
node tests/support/seed.mjs
export CI=true WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
# wrangler re-runs the [build] command (a no-op when nothing changed).
exec npx wrangler dev --local --port "${PORT:-8787}" --ip 127.0.0.1 "$@"
