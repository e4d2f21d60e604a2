#!/usr/bin/env bash
# Latency of 200 concurrent GETs against `smsdoc serve`, measured by an
# asynchronous client (one thread, 200 tokio tasks), so that the figures are
# the server's and not those of 200 client threads competing for the same
# cores (see `concurrent_gets_latency` in tests/serve_stress.rs). Binaries
# alternate run by run; one connection per request, then keep-alive.
#
#   bash bench/serve_load.sh [--runs 3] [--docs 1000] BINARY...
#   bash bench/serve_load.sh /tmp/smsdoc-before target/release/smsdoc
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
runs=3
docs=1000
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --docs) docs="$2"; shift 2 ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 2; }
work="${SMSDOC_BENCH_DIR:-/tmp/smsdoc-bench}"
corpus="$work/corpus/smsdoc-$docs"
gen="${SMSDOC_GEN:-$repo/../shared/bench/gen-corpus.py}"
[ -d "$corpus/docs" ] || python3 "$gen" --docs "$docs" --out "$corpus" --today 2026-11-24 >/dev/null
cd "$repo"
test_bin="$(cargo test --release --locked --test serve_stress --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json,sys
for l in sys.stdin:
    try: m=json.loads(l)
    except ValueError: continue
    if m.get("reason")=="compiler-artifact" and m.get("executable") and m["target"]["name"]=="serve_stress": print(m["executable"])')"
echo "| binary | connections | run | requests/s | p50 ms | p90 ms | p99 ms | max ms | failed |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for ka in 0 1; do
  for run in $(seq "$runs"); do
    for bin in "$@"; do
      report="$(mktemp)"
      SMSDOC_STRESS_BIN="$(realpath "$bin")" SMSDOC_STRESS_ROOT="$corpus" SMSDOC_STRESS_TODAY=2026-11-24 \
        SMSDOC_STRESS_KEEPALIVE="$ka" SMSDOC_STRESS_REPORT="$report" \
        "$test_bin" --exact concurrent_gets_latency --ignored --nocapture >/dev/null 2>&1 || true
      python3 - "$report" "$bin" "$ka" "$run" <<'PY'
import json, sys
path, binary, ka, run = sys.argv[1:]
try:
    r = json.load(open(path))
except (OSError, ValueError):
    print(f"| {binary} | {'keep-alive' if ka == '1' else 'one per request'} | {run} | failed | | | | | |")
    raise SystemExit
print(f"| {binary} | {'keep-alive' if ka == '1' else 'one per request'} | {run} | {r['rps']:,.0f} | {r['p50_ms']:.1f} | "
      f"{r['p90_ms']:.1f} | {r['p99_ms']:.1f} | {r['max_ms']:.0f} | {r['failed']} |")
PY
      rm -f "$report"
    done
  done
done
