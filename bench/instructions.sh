#!/usr/bin/env bash
# Instructions executed by `smsdoc build` on a generated 1,000-document
# handbook, counted by Valgrind (callgrind, no cache simulation), with one
# worker thread (with two, idle workers' spinning is counted too and the
# count varies by ~3%). Unlike wall or CPU time on a shared machine, the
# count repeats to within 0.1% run to run, so it can tell a 1% change
# from noise. It does not see the kernel (file writes, page faults) or
# idle cores: confirm with bench/history.py. See BENCHMARKS.md.
#
#   bash bench/instructions.sh                          # target/release/smsdoc
#   bash bench/instructions.sh /tmp/old-smsdoc target/release/smsdoc
#
# Environment: SMSDOC_GEN (gen-corpus.py, default ../shared/bench/gen-corpus.py),
# SMSDOC_BENCH_DIR (corpus and output, default /tmp/smsdoc-bench).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
gen="${SMSDOC_GEN:-$here/../shared/bench/gen-corpus.py}"
work="${SMSDOC_BENCH_DIR:-/tmp/smsdoc-bench}"
corpus="$work/instructions-1000"
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }
[ -d "$corpus" ] || python3 "$gen" --docs 1000 --out "$corpus" --today 2026-11-24 >/dev/null
[ $# -gt 0 ] || set -- "$here/target/release/smsdoc"
for bin in "$@"; do
  rm -rf "$work/instructions-out"
  count=$(RAYON_NUM_THREADS=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \
      "$bin" build --root "$corpus" --out "$work/instructions-out" --today 2026-11-24 -q \
      2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
  awk -v b="$bin" -v n="$count" 'BEGIN { printf "%-40s %8.1f M instructions\n", b, n / 1e6 }'
done
