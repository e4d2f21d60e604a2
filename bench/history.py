#!/usr/bin/env python3
"""Document-control benchmark (issue 17): `smsdoc build` of a generated
handbook committed with a long Git history, with `[history] enabled` on
(cold: no `.git/smsdoc-history-cache`, as on a fresh CI clone; warm: with
it) and off, and Zola building the same corpus (its own flavour from
gen-corpus.py), alternating run by run so that the machine's drift hits
every variant alike. Prints the medians, the ratios and the runs as a
Markdown table for BENCHMARKS.md.

  cargo build --profile dist                                # the binary releases ship
  python3 bench/history.py                                  # 10,000 docs, 2,000 commits, 5 runs
  python3 bench/history.py --zola /path/to/zola --runs 7
  python3 bench/history.py --smsdoc /tmp/old-smsdoc        # another build of smsdoc

Corpora and outputs go under --work (default /dev/shm/smsdoc-history, a
tmpfs, to keep the disk out of it).
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEN = os.environ.get("SMSDOC_GEN", os.path.join(REPO, "..", "shared", "bench", "gen-corpus.py"))
TODAY = "2026-11-24"


def run(cmd, **kw):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)


def timed(cmd):
    t = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    took = time.perf_counter() - t
    # 1: the generated corpus has findings (warnings fail nothing, but a
    # corpus may carry errors by design); anything else is a failure.
    if p.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}):\n{p.stderr[-2000:]}")
    return took


def set_history(root, enabled):
    path = os.path.join(root, "smsdoc.toml")
    text = open(path, encoding="utf-8").read()
    head, _, _ = text.partition("\n[history]")
    with open(path, "w", encoding="utf-8") as f:
        f.write(head.rstrip("\n") + f"\n\n[history]\nenabled = {'true' if enabled else 'false'}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=10000)
    ap.add_argument("--commits", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--smsdoc", default=os.path.join(REPO, "target", "dist", "smsdoc"),
                    help="the smsdoc binary (default: the one releases ship, `cargo build --profile dist`)")
    ap.add_argument("--zola", default=shutil.which("zola"), help="a zola binary (default: zola on PATH; none: skipped)")
    ap.add_argument("--work", default="/dev/shm/smsdoc-history")
    a = ap.parse_args()

    os.makedirs(a.work, exist_ok=True)
    plain = os.path.join(a.work, f"smsdoc-{a.docs}")
    git = os.path.join(a.work, f"smsdoc-{a.docs}-git{a.commits}")
    zola = os.path.join(a.work, f"zola-{a.docs}")
    if not os.path.isdir(plain):
        run([sys.executable, GEN, "--docs", str(a.docs), "--out", plain, "--today", TODAY])
    if not os.path.isdir(git):
        run([sys.executable, os.path.join(REPO, "bench", "gen-git-history.py"), "--corpus", plain, "--out", git,
             "--commits", str(a.commits)])
    if a.zola and not os.path.isdir(zola):
        run([sys.executable, GEN, "--flavor", "zola", "--docs", str(a.docs), "--out", zola, "--today", TODAY])
    cache = os.path.join(git, ".git", "smsdoc-history-cache")
    out = os.path.join(a.work, "out")

    def smsdoc(history, warm):
        set_history(git, history)
        if not warm and os.path.exists(cache):
            os.remove(cache)
        return timed([a.smsdoc, "build", "--root", git, "--out", out, "--today", TODAY, "-q"])

    variants = {
        "history off": lambda: smsdoc(False, True),
        "history on, cold (no cache: a fresh clone)": lambda: smsdoc(True, False),
        "history on, warm (cache from an earlier run)": lambda: smsdoc(True, True),
    }
    if a.zola:
        variants["zola build"] = lambda: timed([a.zola, "--root", zola, "build", "--force", "--output-dir", out + "-zola"])
    times = {k: [] for k in variants}
    for _ in range(a.runs + 1):  # the first round warms the page cache and is dropped
        for k, f in variants.items():
            times[k].append(f())
    set_history(git, True)
    med = {k: statistics.median(v[1:]) for k, v in times.items()}
    version = subprocess.run([a.smsdoc, "--version"], capture_output=True, text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores ({cpu}), "
          f"{version}; `python3 bench/history.py --docs {a.docs} --commits {a.commits} --runs {a.runs}`; "
          f"median of {a.runs} alternating runs after one warm-up round.\n")
    print("| variant | median s | runs s |")
    print("|---|---:|---|")
    for k, v in times.items():
        print(f"| {k} | {med[k]:.2f} | {' '.join(f'{x:.2f}' for x in v[1:])} |")
    off = med["history off"]
    print()
    print(f"- history on ÷ off: cold {med['history on, cold (no cache: a fresh clone)'] / off:.2f}×, "
          f"warm {med['history on, warm (cache from an earlier run)'] / off:.2f}×")
    if a.zola:
        z = med["zola build"]
        print(f"- Zola ÷ smsdoc: history off {z / off:.2f}×, history on cold "
              f"{z / med['history on, cold (no cache: a fresh clone)']:.2f}×, warm "
              f"{z / med['history on, warm (cache from an earlier run)']:.2f}×")


if __name__ == "__main__":
    main()
