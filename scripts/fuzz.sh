#!/usr/bin/env bash
# Fuzzes the parsing core with cargo-fuzz (libFuzzer), one target at a time.
#
#   bash scripts/fuzz.sh <target|all|list> [seconds per target, default 60]
#
# Installs cargo-fuzz idempotently into ~/.cache/imginfo-edge/tools (or $IMGINFO_TOOLS)
# from crates.io, builds the seed corpora (fuzz/corpus/<target>, from ../shared/corpus
# when present and samples/), builds the targets and runs them sequentially, each as a
# single process (the machine has 2 shared cores). Crashes land in fuzz/artifacts/<target>/,
# full logs in fuzz/logs/<target>.log; one summary line per target goes to stdout.
#
# Only the stable toolchain is needed. cargo-fuzz passes `-Zsanitizer=address`, which
# stable rustc accepts with RUSTC_BOOTSTRAP=1 (the ASan runtime ships with the stable
# rust-std); ASan gives libFuzzer the malloc hooks behind -malloc_limit_mb, so a single
# allocation sized from a hostile header is reported even when it is never touched.
# FUZZ_SANITIZER=none builds without ASan (about twice the executions per second; no
# -Z flag at all, plain stable).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOLS="${IMGINFO_TOOLS:-$HOME/.cache/imginfo-edge/tools}"
CARGO_FUZZ_VERSION=0.13.2
SANITIZER="${FUZZ_SANITIZER:-address}"
# Inputs are cut to the seed size (headers live in the first bytes; see make_seeds.py).
MAX_LEN=65536
# One allocation over this is a finding: no input of MAX_LEN may make the core ask for
# more (the largest legitimate buffers are the 2 MiB EXIF and 1 MiB HEIF meta limits).
MALLOC_LIMIT_MB=64
RSS_LIMIT_MB=1024
# Any single input taking longer than this is a finding (an unbounded loop).
TIMEOUT_S=10
log() { printf '[fuzz] %s\n' "$*" >&2; }

usage() {
  echo "usage: bash scripts/fuzz.sh <target|all|list> [seconds per target]" >&2
  exit 2
}
[ $# -ge 1 ] || usage
WHAT=$1
SECONDS_PER=${2:-60}
[[ $SECONDS_PER =~ ^[0-9]+$ ]] || usage

export PATH="$TOOLS/bin:$PATH"
if [ "$(cargo-fuzz --version 2>/dev/null | awk '{print $NF}')" != "$CARGO_FUZZ_VERSION" ]; then
  log "installing cargo-fuzz $CARGO_FUZZ_VERSION into $TOOLS (about a minute, once)"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --root "$TOOLS" --force
fi

TARGETS=$(cd fuzz && cargo fuzz list)
if [ "$WHAT" = list ]; then
  echo "$TARGETS"
  exit 0
fi
if [ "$WHAT" = all ]; then
  RUN=$TARGETS
else
  grep -qx "$WHAT" <<<"$TARGETS" || { echo "unknown target '$WHAT'; targets: $(echo $TARGETS)" >&2; exit 2; }
  RUN=$WHAT
fi

python3 fuzz/make_seeds.py "$ROOT" $RUN

# fuzz <build|run> [target] [-- libFuzzer flags]: optimised, with debug assertions and
# overflow checks on (-a), as `cargo test` has them, so a wrapping length is a crash.
fuzz() {
  local sub=$1
  shift
  local opts=(-O -a --sanitizer "$SANITIZER")
  if [ "$SANITIZER" = none ]; then
    cargo fuzz "$sub" "${opts[@]}" "$@"
  else
    RUSTC_BOOTSTRAP=1 cargo fuzz "$sub" "${opts[@]}" "$@"
  fi
}

log "building targets ($SANITIZER sanitizer)"
if [ "$WHAT" = all ]; then fuzz build; else fuzz build "$WHAT"; fi

mkdir -p fuzz/logs
status=0
for t in $RUN; do
  log "running $t for ${SECONDS_PER}s"
  set +e
  fuzz run "$t" -- -max_total_time="$SECONDS_PER" -max_len=$MAX_LEN \
    -malloc_limit_mb=$MALLOC_LIMIT_MB -rss_limit_mb=$RSS_LIMIT_MB -timeout=$TIMEOUT_S \
    -print_final_stats=1 >"fuzz/logs/$t.log" 2>&1
  rc=$?
  set -e
  runs=$( (grep -o 'stat::number_of_executed_units: *[0-9]*' "fuzz/logs/$t.log" || true) | awk '{print $2}' | tail -1)
  secs=$( (grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "fuzz/logs/$t.log" || true) | awk '{print $5}' | tail -1)
  cov=$( (grep -Eo 'cov: [0-9]+ ft: [0-9]+' "fuzz/logs/$t.log" || true) | tail -1)
  if [ $rc -eq 0 ]; then
    echo "$t: ok, ${runs:-?} executions in ${secs:-$SECONDS_PER} s ($cov, corpus fuzz/corpus/$t)"
  else
    status=1
    crash=$( (grep -Eo 'Test unit written to [^ ]+' "fuzz/logs/$t.log" || true) | tail -1 | awk '{print $NF}')
    echo "$t: FAILED (exit $rc) after ${runs:-?} executions: ${crash:-see fuzz/logs/$t.log}"
  fi
done
exit $status
