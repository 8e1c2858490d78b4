#!/usr/bin/env bash
# Whole-process timings of the command-line examples (issue 18): `classify`
# (full output, and `--class-only`, which writes the naive program's two
# fields) against the naive reference `classify_naive` on the same file (best of
# RUNS, the ratio and MB/s), peak RSS from /usr/bin/time -v when present,
# and `cluster` and `triage` wall time and RSS. The input is built at run
# time from ../shared/data by scripts/scale_jsonl.py and never committed.
#
#   bash scripts/bench_cli.sh [N=100000] [RUNS=3]
#
# The figures are noisy on a shared machine: read the ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
RUNS=${2:-3}
TARGET=${CARGO_TARGET_DIR:-target}
TMP=${TMPDIR:-/tmp}/feedback-triage-bench-$$
mkdir -p "$TMP"
trap 'rm -rf "$TMP"' EXIT

cargo build --release --example classify --example classify_naive --example cluster --example triage >&2
FILE="$TMP/items-$N.jsonl"
python3 scripts/scale_jsonl.py "$N" > "$FILE"
BYTES=$(stat -c %s "$FILE")
echo "input: $N items, $BYTES bytes"

# best wall seconds of RUNS runs of a command (stdout to /dev/null)
best() {
  local best=""
  for _ in $(seq "$RUNS"); do
    local s e
    s=$(date +%s.%N)
    "$@" > /dev/null 2>&1 || true
    e=$(date +%s.%N)
    best=$(python3 -c "import sys; a=float('$e')-float('$s'); b='$best'; print(min(a, float(b)) if b else a)")
  done
  echo "$best"
}

# peak RSS in MB of one run, or "n/a"
rss() {
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$@" 2>&1 > /dev/null | awk '/Maximum resident/ {printf "%.1f", $6/1024}'
  else
    echo "n/a"
  fi
}

EX="$TARGET/release/examples"
naive=$(best "$EX/classify_naive" "$FILE")
ours=$(best "$EX/classify" "$FILE")
short=$(best "$EX/classify" --class-only "$FILE")
python3 - "$naive" "$ours" "$short" "$BYTES" <<'PY'
import sys
naive, ours, short, size = map(float, sys.argv[1:5])
mb = size / 1e6
print(f"classify_naive:         {naive:.3f} s, {mb / naive:.1f} MB/s")
print(f"classify:               {ours:.3f} s, {mb / ours:.1f} MB/s")
print(f"classify --class-only:  {short:.3f} s, {mb / short:.1f} MB/s")
print(f"ratio classify / naive throughput: {naive / ours:.2f}x")
print(f"ratio classify --class-only / naive throughput (the same two fields out): {naive / short:.2f}x")
PY
echo "classify peak RSS: $(rss "$EX/classify" "$FILE") MB; naive: $(rss "$EX/classify_naive" "$FILE") MB"
if [ "${CLUSTER:-1}" = 1 ]; then
  for tool in cluster triage; do
    t=$(best "$EX/$tool" "$FILE")
    echo "$tool: $t s, peak RSS $(rss "$EX/$tool" "$FILE") MB"
  done
fi
