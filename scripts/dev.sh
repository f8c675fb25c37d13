#!/usr/bin/env bash
# Starts both Workers locally (wrangler dev, local mode: no Cloudflare account, no
# prompts): the info Worker (wrangler.toml) on PORT (8787), with the hue Worker
# (wrangler.hue.toml) behind its HUE service binding, one wrangler process, the same
# local R2 bucket seeded from samples/. Then, for example:
#   curl -s 'localhost:8787/photo.jpg?image/info'
#   curl -s 'localhost:8787/photo.jpg?x-oss-process=image/average-hue'
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
node tests/support/seed.mjs
export CI=true WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
# wrangler re-runs each configuration's [build] command (scripts/build.sh info, and hue).
exec npx wrangler dev --local --port "${PORT:-8787}" --ip 127.0.0.1 -c wrangler.toml -c wrangler.hue.toml "$@"
