#!/usr/bin/env bash
# Runs every test: the parsing core natively (cargo test), then the built Worker in
# workerd (Miniflare) against a real local R2 bucket and a real local HTTP origin, and
# the inspector page (www/) in headless Debian Chromium (tests/www.test.mjs).
# Set-up (toolchain, npm packages, browser) is idempotent and part of this command.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
echo "== cargo test (native core)"
cargo test --workspace --exclude imginfo-edge
echo "== build the Worker and the web build of the core"
bash scripts/build.sh
echo "== integration tests in workerd"
export CI=true WRANGLER_SEND_METRICS=false CLOUDFLARE_CF_FETCH_ENABLED=false
node --test --test-concurrency=1 tests/
