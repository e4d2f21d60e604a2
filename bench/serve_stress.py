#!/usr/bin/env python3
"""`smsdoc serve` under stress (issue 10, point 5), on loopback only.

Runs the storm of tests/serve_stress.rs
(`a_storm_of_clients_and_saves_is_served_without_errors`) against the
release binary on a generated corpus, at full size: by default 200
concurrent clients for 10 seconds while 500 file saves arrive, in 2 rounds
(the second shows whether memory stays flat). The clients are the test's
own (Rust threads on std::net, one connection per request), so the figures
measure the server, not a Python client. The test's assertions apply: no
failed or malformed response, no 5xx, the last save served, threads and
memory back where they were.

Figures go to bench/results/serve-stress-<docs>.json and to the part of
BENCHMARKS.md between <!-- serve-stress:start --> and <!-- serve-stress:end -->.

  python3 bench/serve_stress.py                      # 1,000 documents, 200 clients x 10 s x 500 saves
  python3 bench/serve_stress.py --docs 10000 --rounds 1
  python3 bench/serve_stress.py --keep-alive         # clients keep their connections, as browsers do
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time

from serve_latency import machine  # the same machine line in both BENCHMARKS.md sections

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEN = os.environ.get("SMSDOC_GEN", os.path.join(REPO, "..", "shared", "bench", "gen-corpus.py"))
WORK = os.environ.get("SMSDOC_BENCH_DIR", "/tmp/smsdoc-bench")
TEST = "a_storm_of_clients_and_saves_is_served_without_errors"
TODAY = "2026-11-24"


def corpus(docs):
    """The generated corpus (shared with bench/run.sh and serve_latency.py);
    the test edits a copy of it."""
    path = os.path.join(WORK, "corpus", f"smsdoc-{docs}")
    if not os.path.isdir(os.path.join(path, "docs")):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        subprocess.run([sys.executable, GEN, "--docs", str(docs), "--out", path, "--today", TODAY],
                       check=True, stdout=subprocess.DEVNULL)
    return path


def test_binary():
    """Builds the release binary and the test (release, so the clients are
    fast too) and returns the test executable."""
    subprocess.run(["cargo", "build", "--release", "--locked"], cwd=REPO, check=True)
    out = subprocess.run(["cargo", "test", "--release", "--locked", "--test", "serve_stress", "--no-run",
                          "--message-format=json"], cwd=REPO, check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("reason") == "compiler-artifact" and msg.get("target", {}).get("name") == "serve_stress" \
                and msg.get("executable"):
            return msg["executable"]
    raise SystemExit("cargo did not report the serve_stress test executable")


def render(report, command, when, version, passed):
    rows = [
        "| Round | Requests (req/s) | p50 / p90 / p99 / max ms | Statuses | Failed | Overlay responses "
        "| Saves → rebuilds (held back) | Last save → page ms | RSS KiB: before → peak → after | Threads: before → peak → after |",
        "|---:|---:|---|---|---:|---:|---|---:|---|---|",
    ]
    for i, r in enumerate(report["rounds"]):
        status = ", ".join(f"{k}: {v:,}" for k, v in sorted(r["status"].items()))
        rows.append(
            f"| {i + 1} | {r['requests']:,} ({r['rps']:,.0f}) "
            f"| {r['p50_ms']:.1f} / {r['p90_ms']:.1f} / {r['p99_ms']:.1f} / {r['max_ms']:.0f} "
            f"| {status} | {r['failures'] + r['unexpected']} | {r['overlay_responses']:,} "
            f"| {r['saves']} → {r['rebuilds']} ({r['held_back']}) | {r['final_edit_ms']:.0f} "
            f"| {report['rss_before_kb']:,} → {r['rss_max_kb']:,} → {r['rss_after_kb']:,} "
            f"| {report['threads_before']} → {r['threads_max']} → {r['threads_after']} |")
    slowest = report["rounds"][-1].get("slowest", [])
    return "\n".join([
        "<!-- serve-stress:start -->",
        f"Measured {when} on {machine()} (load average {report.get('load', '?')} before the run, "
        "from other work on the machine); "
        f"{version}; {report['pages']:,} pages "
        f"({report['docs']:,} documents); {report['clients']} clients, {report['secs']:g} s and "
        f"{report['saves']} saves per round. Test assertions: **{'passed' if passed else 'FAILED'}**.",
        f"Command: `{command}`.",
        "",
        *rows,
        "",
        "Slowest requests of the last round: " + ("; ".join(f"`{s}`" for s in slowest) or "–") + ".",
        "<!-- serve-stress:end -->",
    ])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--secs", type=float, default=10)
    ap.add_argument("--saves", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--keep-alive", action="store_true",
                    help="each client keeps its connection, as a browser does (default: one per request)")
    ap.add_argument("--timeout", type=float, default=900, help="kill the run after this many seconds")
    ap.add_argument("--no-markdown", action="store_true", help="do not update BENCHMARKS.md")
    a = ap.parse_args()

    root = corpus(a.docs)
    test = test_binary()
    binary = os.path.join(REPO, "target", "release", "smsdoc")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        report_path = os.path.join(tmp, "report.json")
        env = dict(os.environ,
                   SMSDOC_STRESS_BIN=binary, SMSDOC_STRESS_ROOT=root,
                   SMSDOC_STRESS_CLIENTS=str(a.clients), SMSDOC_STRESS_SECS=str(a.secs),
                   SMSDOC_STRESS_SAVES=str(a.saves), SMSDOC_STRESS_ROUNDS=str(a.rounds),
                   SMSDOC_STRESS_TODAY=TODAY, SMSDOC_STRESS_REPORT=report_path,
                   SMSDOC_STRESS_KEEPALIVE="1" if a.keep_alive else "0")
        when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
        # The test kills its server when it ends; the timeout only guards
        # against a hang of the test itself.
        run = subprocess.run([test, "--exact", TEST, "--nocapture", "--test-threads", "1"], env=env,
                             capture_output=True, text=True, timeout=a.timeout)
        sys.stderr.write("\n".join(l for l in run.stderr.splitlines()
                                   if l.startswith(("round ", "  ", "thread ", "test "))) + "\n")
        if not os.path.exists(report_path):
            sys.stderr.write(run.stdout[-5000:] + run.stderr[-5000:])
            raise SystemExit("the storm wrote no report")
        with open(report_path) as f:
            report = json.load(f)
    report["docs"] = a.docs
    report["load"] = load
    report["passed"] = run.returncode == 0
    report["measured"] = when
    report["machine"] = machine()
    report["version"] = version
    command = "python3 bench/serve_stress.py" + "".join(
        f" --{k} {v:g}" if isinstance(v, float) else f" --{k} {v}"
        for k, v in [("docs", a.docs), ("clients", a.clients), ("secs", a.secs), ("saves", a.saves),
                     ("rounds", a.rounds)]) + (" --keep-alive" if a.keep_alive else "")
    report["command"] = command
    report["test_command"] = " ".join(
        [f"{k}={shlex.quote(v)}" for k, v in env.items() if k.startswith("SMSDOC_STRESS_") and k != "SMSDOC_STRESS_REPORT"]
        + [os.path.relpath(test, REPO), "--exact", TEST, "--nocapture"])
    os.makedirs(os.path.join(REPO, "bench", "results"), exist_ok=True)
    out = os.path.join(REPO, "bench", "results", f"serve-stress-{a.docs}.json")
    with open(out, "w") as f:
        json.dump(report, f, indent=2)
    section = render(report, command, when, version, report["passed"])
    if not a.no_markdown:
        path = os.path.join(REPO, "BENCHMARKS.md")
        text = open(path, encoding="utf-8").read()
        if "<!-- serve-stress:start -->" in text:
            text = re.sub(r"<!-- serve-stress:start -->.*?<!-- serve-stress:end -->", lambda _: section, text,
                          flags=re.S)
        else:
            text = text.rstrip("\n") + "\n\n## Preview server under stress\n\n" + section + "\n"
        open(path, "w", encoding="utf-8").write(text)
    print(section)
    if not report["passed"]:
        sys.stderr.write(run.stdout[-3000:])
        raise SystemExit("the storm's assertions failed (figures recorded)")


if __name__ == "__main__":
    main()
