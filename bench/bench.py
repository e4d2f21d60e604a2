#!/usr/bin/env python3
"""Timing and reporting loop of the smsdoc benchmark (called by bench/run.sh).

For each corpus size it generates the corpora (smsdoc, Hugo, Zola and mdBook
flavors of the same content, cached by generator hash), then times full
builds of every available tool side by side: one warm-up round, then --runs
rounds, the tool order rotating every round, every run writing a new output
directory (all deleted after the last round, outside the timed region). Wall time is taken with
time.perf_counter() around the process; peak RSS, CPU time and the exit status
come from `/usr/bin/time -v`.

Results: bench/results/<size>.md (Markdown) and <size>.json (raw runs), and
the section of BENCHMARKS.md between `<!-- bench:start -->` and
`<!-- bench:end -->`, regenerated from every results/<size>.json present.
Standard library only.
"""
import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

START, END = "<!-- bench:start -->", "<!-- bench:end -->"
TARGET_SIZE = 10000
TARGETS = {  # as stated in BENCHMARKS.md
    "peer_speedup": 2.0,   # smsdoc build at least 2x faster than the fastest of Hugo and Zola
    "floor_ratio": 3.0,    # smsdoc build within 3x of the pulldown-cmark floor
    "rss_mib": 300.0,      # peak RSS of smsdoc build below 300 MiB
    "check_speedup": 3.0,  # smsdoc check at least 3x faster than smsdoc build
}
# Row order in the tables.
ORDER = ["smsdoc-build", "smsdoc-check", "hugo", "zola", "mdbook",
         "floor-pulldown", "floor-pulldown-1", "floor-cat"]


def log(msg):
    print("[bench] " + msg, file=sys.stderr, flush=True)


def sh(cmd, **kw):
    """First line of a command's output, or None."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=60, **kw)
    except (OSError, subprocess.SubprocessError):
        return None
    lines = [l.strip() for l in p.stdout.splitlines() if l.strip()]
    return lines[0] if p.returncode == 0 and lines else None


def read_kv(path, sep=":"):
    out = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if sep in line:
                    k, v = line.split(sep, 1)
                    out.setdefault(k.strip(), v.strip())
    except OSError:
        pass
    return out


def machine_facts():
    cpu = read_kv("/proc/cpuinfo")
    mem = read_kv("/proc/meminfo")
    osr = read_kv("/etc/os-release", "=")
    try:
        ram = "%.1f GiB" % (int(mem["MemTotal"].split()[0]) / 1024 / 1024)
    except (KeyError, ValueError):
        ram = "unknown"
    nproc = sh(["nproc"]) or str(os.cpu_count())
    return {
        "nproc": nproc,
        "cpu": cpu.get("model name", platform.processor() or "unknown"),
        "ram": ram,
        "kernel": platform.release(),
        "os": osr.get("PRETTY_NAME", "").strip('"') or platform.platform(),
        "loadavg": "%.2f %.2f %.2f" % os.getloadavg(),
    }


def cargo_lock_version(repo, crate):
    try:
        text = open(os.path.join(repo, "Cargo.lock"), encoding="utf-8").read()
    except OSError:
        return None
    m = re.search(r'name = "%s"\nversion = "([^"]+)"' % re.escape(crate), text)
    return m.group(1) if m else None


def git_rev(repo):
    rev = sh(["git", "-C", repo, "rev-parse", "--short", "HEAD"])
    if not rev:
        return "(none: the repository has no commit yet)"
    dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout.strip()
    return rev + (" (with uncommitted changes)" if dirty else "")


# --------------------------------------------------------------------------- corpora

def gen_corpus(gen, workdir, flavor, n):
    """Generate (or reuse) a corpus; returns its directory."""
    d = os.path.join(workdir, "corpus", "%s-%d" % (flavor, n))
    with open(gen, "rb") as f:
        h = hashlib.sha256(f.read()).hexdigest()
    stamp_path = d + ".stamp"
    stamp = "%s docs=%d flavor=%s seed=1" % (h, n, flavor)
    if os.path.isdir(d) and os.path.exists(stamp_path) and open(stamp_path).read() == stamp:
        return d
    os.makedirs(os.path.dirname(d), exist_ok=True)
    if os.path.exists(stamp_path):
        os.remove(stamp_path)
    cmd = [sys.executable, gen, "--docs", str(n), "--out", d]
    if flavor != "smsdoc":
        cmd += ["--flavor", flavor]
    log("generating: " + " ".join(cmd))
    subprocess.run(cmd, check=True, stdout=sys.stderr)
    with open(stamp_path, "w") as f:
        f.write(stamp)
    return d


def tree_stats(d, ext=None):
    files = size = 0
    for root, _, names in os.walk(d):
        for name in names:
            if ext and not name.endswith(ext):
                continue
            files += 1
            try:
                size += os.path.getsize(os.path.join(root, name))
            except OSError:
                pass
    return files, size


# --------------------------------------------------------------------------- timing

def parse_time_v(path):
    kv = read_kv(path)
    def num(key, conv=float):
        try:
            return conv(kv[key])
        except (KeyError, ValueError):
            return None
    return {
        "rss_kib": num("Maximum resident set size (kbytes)", int),
        "user": num("User time (seconds)"),
        "sys": num("System time (seconds)"),
        "status": num("Exit status", int),
        "signal": next((l for l in open(path, errors="replace")
                        if l.startswith("Command terminated by signal")), None) if os.path.exists(path) else None,
    }


def run_dir(tool, rnd):
    """The output directory of round `rnd`: every run writes a new one."""
    return "%s.run%d" % (tool["out"], rnd)


def run_once(tool, timeout, timefile, rnd):
    out = run_dir(tool, rnd) if tool.get("out") else None
    if out:
        shutil.rmtree(out, ignore_errors=True)
    cmd = ["/usr/bin/time", "-v", "-o", timefile] + [out if a == tool.get("out") else a for a in tool["cmd"]]
    t0 = time.perf_counter()
    # A session of its own, so that a timeout ends the tool and every process it started.
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, cwd=tool.get("cwd"), start_new_session=True)
    try:
        _, stderr = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.communicate()
        return None, "timeout"
    wall = time.perf_counter() - t0
    tv = parse_time_v(timefile)
    code = p.returncode
    if code not in tool.get("ok", (0,)):
        tail = [l for l in stderr.decode("utf-8", "replace").splitlines() if l.strip()]
        why = "exit %s" % code
        if tv.get("signal"):
            why = tv["signal"].strip()
        if tail:
            why += ": " + re.sub(r"\x1b\[[0-9;]*m", "", tail[-1]).strip()[:160]
        return None, why
    if out and not os.path.isdir(out):
        return None, "exit 0 but wrote no output directory"
    return {"wall": wall, "cpu": (tv["user"] or 0) + (tv["sys"] or 0),
            "rss_mib": (tv["rss_kib"] or 0) / 1024, "exit": code}, None


def bench_size(n, tools, runs, warmup, timeout, budget):
    """Time every tool for one size; mutates and returns the tool records.

    A tool whose run takes longer than `budget` seconds is not run again: if
    that was its warm-up, the warm-up becomes its one timed run. A run over
    `timeout` seconds is killed and the tool reported as timed out.
    """
    live = [t for t in tools if not t.get("skip") and not t.get("failed")]
    # Every run writes a new output directory, and they are all deleted
    # after the last round. Deleting the previous output right before each
    # run made ext4 (without a journal, as on this machine) skip the tens of
    # thousands of just-freed inodes one by one when allocating new ones,
    # which slowed every tool by seconds depending on what ran before it.
    for t in live:
        if t.get("out"):
            remove_outputs(t)
    sync()
    fd, timefile = tempfile.mkstemp(prefix="smsdoc-bench-time-")
    os.close(fd)
    try:
        for rnd in range(warmup + runs):
            k = rnd % max(1, len(live))
            order = live[k:] + live[:k]   # alternate: rotate the order every round
            label = "warm-up" if rnd < warmup else "run %d/%d" % (rnd - warmup + 1, runs)
            for t in order:
                if t.get("failed") or t.get("timeout") or t.get("over_budget"):
                    continue
                res, err = run_once(t, timeout, timefile, rnd)
                if err == "timeout":
                    t["timeout"] = timeout
                    log("%d docs, %s: %s TIMED OUT after %g s" % (n, label, t["name"], timeout))
                    continue
                if err:
                    t["failed"] = err
                    log("%d docs, %s: %s FAILED: %s" % (n, label, t["name"], err))
                    continue
                log("%d docs, %s: %-34s %8.3f s  %7.1f MiB" % (n, label, t["name"], res["wall"], res["rss_mib"]))
                if rnd >= warmup or res["wall"] > budget:
                    t["runs"].append(res)
                if res["wall"] > budget:
                    t["over_budget"] = budget
                    log("%d docs: %s took over the %g s budget; it is not run again" % (n, t["name"], budget))
    finally:
        os.remove(timefile)
    for t in tools:
        last = run_dir(t, warmup + runs - 1) if t.get("out") else None
        if last and t.get("runs") and not t.get("failed") and os.path.isdir(last):
            t["output"] = dict(zip(("files", "bytes"), tree_stats(last)))
            t["output"]["html"] = tree_stats(last, ".html")[0]
        if t.get("out"):
            remove_outputs(t)
    sync()
    return tools


def remove_outputs(tool):
    """Deletes every run's output directory of `tool` (and a plain one left by older versions)."""
    parent, base = os.path.split(tool["out"])
    if os.path.isdir(parent):
        for name in os.listdir(parent):
            if name == base or name.startswith(base + ".run"):
                shutil.rmtree(os.path.join(parent, name), ignore_errors=True)


def sync():
    try:
        os.sync()
    except (AttributeError, OSError):
        pass


def summarize(t):
    w = [r["wall"] for r in t.get("runs", [])]
    if not w or t.get("failed") or t.get("skip") or t.get("timeout"):
        return None
    return {"median": statistics.median(w), "min": min(w), "max": max(w),
            "cpu": statistics.median(r["cpu"] for r in t["runs"]),
            "rss_mib": max(r["rss_mib"] for r in t["runs"]), "n": len(w)}


# --------------------------------------------------------------------------- reporting

def fmt_s(x):
    return "%.3f" % x if x < 10 else "%.2f" % x if x < 100 else "%.1f" % x


def fmt_mib(b):
    return "%.1f MiB" % (b / 1048576)


def ratios(res):
    """Key ratios of one size's results (None where not measurable)."""
    s = {t["id"]: summarize(t) for t in res["tools"]}
    b = s.get("smsdoc-build")
    out = {"build": b}
    peers = [(s[p]["median"], name) for p, name in (("hugo", "Hugo"), ("zola", "Zola")) if s.get(p)]
    if b and peers:
        fastest, name = min(peers)
        out["peer"] = (b["median"] / fastest, name)
    floors = [s[f]["median"] for f in ("floor-pulldown", "floor-pulldown-1") if s.get(f)]
    if b and floors:   # the faster of the all-cores and the one-thread floor
        out["floor"] = b["median"] / min(floors)
    if b and s.get("smsdoc-check"):
        out["check"] = s["smsdoc-check"]["median"] / b["median"]
    return out


# bench/results/<size>.json, or <size>-<filesystem>.json for runs with --out-dir.
RESULT_FILE = re.compile(r"\d+(-[a-z0-9]+)?\.json")


def faster(ratio):
    """'2.50× faster than' for a time ratio of 0.4, '1.25× slower than' for 1.25."""
    return "%.2f× faster than" % (1 / ratio) if ratio <= 1 else "%.2f× slower than" % ratio


def targets_table(res):
    r = ratios(res)
    judged = res["size"] == TARGET_SIZE
    def status(ok):
        if ok is None:
            return "not measured"
        if not judged:
            return "(informative)"
        return "**met**" if ok else "**not met**"
    rows = ["| Target (at 10,000 documents) | Measured | Status |", "|---|---|---|"]
    if "peer" in r:
        ratio, name = r["peer"]
        rows.append("| build ≥ %.0f× faster than the fastest of Hugo and Zola | %s %s (smsdoc/%s = %.3f) | %s |"
                    % (TARGETS["peer_speedup"], faster(ratio), name, name, ratio, status(1 / ratio >= TARGETS["peer_speedup"])))
    else:
        rows.append("| build ≥ %.0f× faster than the fastest of Hugo and Zola | – | not measured |" % TARGETS["peer_speedup"])
    if "floor" in r:
        rows.append("| build within %.0f× of the pulldown-cmark floor (the faster of its two rows) | smsdoc/floor = %.2f | %s |"
                    % (TARGETS["floor_ratio"], r["floor"], status(r["floor"] <= TARGETS["floor_ratio"])))
    else:
        rows.append("| build within %.0f× of the pulldown-cmark floor | – | not measured |" % TARGETS["floor_ratio"])
    if r.get("build"):
        rss = r["build"]["rss_mib"]
        rows.append("| build peak RSS < %.0f MiB | %.1f MiB | %s |" % (TARGETS["rss_mib"], rss, status(rss < TARGETS["rss_mib"])))
    else:
        rows.append("| build peak RSS < %.0f MiB | – | not measured |" % TARGETS["rss_mib"])
    if "check" in r:
        rows.append("| check ≥ %.0f× faster than build | check/build = %.3f (%s build) | %s |"
                    % (TARGETS["check_speedup"], r["check"], faster(r["check"]), status(1 / r["check"] >= TARGETS["check_speedup"])))
    else:
        rows.append("| check ≥ %.0f× faster than build | – | not measured |" % TARGETS["check_speedup"])
    return "\n".join(rows)


def size_section(res, level="##"):
    n = res["size"]
    L = []
    where = " (outputs on %s)" % res["out_fs"] if res.get("variant") else ""
    L.append("%s %s documents%s\n" % (level, format(n, ","), where))
    c = res["corpus"]
    L.append("Measured %s at commit %s: %d timed runs per tool after %d warm-up round(s), "
             "tools alternating (order rotated every round), each run writing a new output directory "
             "(all deleted after the last round). "
             "Corpus: `gen-corpus.py --docs %d` (seed 1), %s Markdown files, %s.\n"
             % (res["date"], res["commit"], res["runs"], res["warmup"], n,
                format(c["files"], ","), fmt_mib(c["bytes"])))
    b = summarize(next((t for t in res["tools"] if t["id"] == "smsdoc-build"), {}))
    L.append("| Tool | Runs | Median s | Min s | Max s | CPU s | Peak RSS MiB | Output | smsdoc build ÷ tool |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---|---:|")
    notes = []
    for t in sorted(res["tools"], key=lambda t: ORDER.index(t["id"])):
        s = summarize(t)
        esc = lambda x: str(x).replace("|", "\\|")
        if t.get("skip"):
            L.append("| %s | skipped: %s | | | | | | | |" % (t["name"], esc(t["skip"])))
        elif t.get("timeout") and not s:
            L.append("| %s | timed out | > %g | | | | | | < %s |" % (
                t["name"], t["timeout"], "%.3f" % (b["median"] / t["timeout"]) if b else "–"))
        elif t.get("failed") or not s:
            L.append("| %s | failed: %s | | | | | | | |" % (t["name"], esc(t.get("failed") or "no runs")))
        else:
            o = t.get("output")
            out = "%s files (%s HTML), %s" % (format(o["files"], ","), format(o["html"], ","), fmt_mib(o["bytes"])) if o else "–"
            ratio = "%.3f" % (b["median"] / s["median"]) if b else "–"
            mark = ""
            if t.get("over_budget"):
                mark = "¹"
                notes.append("%s (%d run%s)" % (t["name"], s["n"], "" if s["n"] == 1 else "s"))
            L.append("| %s | %d%s | %s | %s | %s | %s | %.1f | %s | %s |" % (
                t["name"], s["n"], mark, fmt_s(s["median"]), fmt_s(s["min"]), fmt_s(s["max"]), fmt_s(s["cpu"]),
                s["rss_mib"], out, ratio))
    L.append("")
    if notes:
        L.append("¹ Took longer than the %g s budget per run (`--budget`), so not run again: %s.\n"
                 % (next(t["over_budget"] for t in res["tools"] if t.get("over_budget")), ", ".join(notes)))
    L.append("CPU s = user + system time (median); a value above the wall time means several cores were used. "
             "smsdoc build ÷ tool < 1 means smsdoc's build is faster than that tool.\n")
    L.append(targets_table(res) + "\n")
    L.append("<details><summary>Commands timed</summary>\n")
    for t in sorted(res["tools"], key=lambda t: ORDER.index(t["id"])):
        if t.get("cmd") and not t.get("skip"):
            L.append("- %s: `%s`" % (t["name"], shlex.join(t["cmd"])))
    L.append("\n</details>\n")
    return "\n".join(L)


def env_section(res, level="##"):
    m, v = res["machine"], res["versions"]
    L = ["%s Environment\n" % level,
         "- Machine: %s cores (`nproc`), %s, %s RAM; %s, kernel %s; load average (1, 5, 15 min) %s at start, %s at end"
         % (m["nproc"], m["cpu"], m["ram"], m["os"], m["kernel"], m["loadavg"], m.get("loadavg_end", "?"))]
    for k in ("smsdoc", "hugo", "zola", "mdbook", "pulldown-cmark", "rustc", "python3", "time"):
        L.append("- %s: %s" % (k, v.get(k) or "not available"))
    L.append("- Command: `%s`" % res["command"])
    return "\n".join(L) + "\n"


def results_md(res):
    return ("# smsdoc benchmark: %s documents\n\n_Generated by `bench/run.sh`; do not edit by hand._\n\n"
            % format(res["size"], ",")) + size_section(res) + "\n" + env_section(res)


def scaling_table(all_res):
    cols = [("smsdoc-build", "smsdoc build"), ("smsdoc-check", "smsdoc check"), ("hugo", "Hugo"),
            ("zola", "Zola"), ("mdbook", "mdBook"), ("floor-pulldown", "pulldown-cmark floor (faster row)")]
    L = ["| Documents | " + " | ".join(c for _, c in cols) + " | smsdoc docs/s | smsdoc peak RSS MiB |",
         "|---:|" + "---:|" * (len(cols) + 2)]
    for res in all_res:
        s = {t["id"]: (summarize(t), t) for t in res["tools"]}
        cells = []
        floors = [s[f] for f in ("floor-pulldown", "floor-pulldown-1") if s.get(f, (None,))[0]]
        if floors:   # the faster of the all-cores and one-thread floors, as in the ratios
            s["floor-pulldown"] = min(floors, key=lambda x: x[0]["median"])
        for tid, _ in cols:
            sm, t = s.get(tid, (None, {}))
            cells.append(fmt_s(sm["median"]) if sm else "skipped" if t.get("skip") else
                         "> %g" % t["timeout"] if t.get("timeout") else "failed" if t.get("failed") else "–")
        b = s.get("smsdoc-build", (None, {}))[0]
        cells.append(format(int(res["size"] / b["median"]), ",") if b else "–")
        cells.append("%.1f" % b["rss_mib"] if b else "–")
        L.append("| %s | %s |" % (format(res["size"], ","), " | ".join(cells)))
    return "\n".join(L)


def update_benchmarks_md(path, results_dir, latest):
    all_res = []
    for name in os.listdir(results_dir):
        if RESULT_FILE.fullmatch(name):
            with open(os.path.join(results_dir, name), encoding="utf-8") as f:
                all_res.append(json.load(f))
    all_res.sort(key=lambda r: (r["size"], r.get("variant", "")))
    L = [START, "",
         "_This section is generated by `bench/run.sh` from `bench/results/*.json`; do not edit it by hand. "
         "Each size shows when and on which commit it was last measured._", ""]
    L.append("### Scaling (median wall seconds of a full build)\n")
    L.append(scaling_table([r for r in all_res if not r.get("variant")]) + "\n")
    L.append(env_section(latest, "###").replace("### Environment", "### Environment (latest run: %s)" % latest["date"], 1))
    for res in all_res:
        L.append(size_section(res, "###"))
        if res["date"] != latest["date"]:
            L.append("_Environment of this measurement: %s; smsdoc %s; command `%s`._\n"
                     % (res["machine"]["cpu"], res["versions"].get("smsdoc") or "n/a", res["command"]))
    L.append(END)
    block = "\n".join(L)
    try:
        text = open(path, encoding="utf-8").read()
    except FileNotFoundError:
        text = "# Benchmarks\n\n## Results\n\n%s\n%s\n" % (START, END)
    if START in text and END in text and text.index(START) < text.index(END):
        i, j = text.index(START), text.index(END) + len(END)
        text = text[:i] + block + text[j:]
    else:
        text = text.rstrip("\n") + "\n\n## Results\n\n" + block + "\n"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


# --------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", nargs="+", type=int, default=[])
    ap.add_argument("--render", action="store_true",
                    help="measure nothing: rewrite results/<size>.md and BENCHMARKS.md from results/*.json")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=600, help="seconds after which one run is killed")
    ap.add_argument("--budget", type=float, default=120,
                    help="a tool whose run takes longer than this many seconds is not run again")
    ap.add_argument("--repo", required=True)
    ap.add_argument("--gen", help="path of gen-corpus.py")
    ap.add_argument("--workdir", help="corpora and outputs go here")
    ap.add_argument("--out-dir", help="outputs go here instead (e.g. /dev/shm: a tmpfs, to take the disk out of "
                    "the comparison); results are kept apart as <size>-<filesystem>.json")
    ap.add_argument("--command", default="bash bench/run.sh", help="the command line, for the report")
    ap.add_argument("--only", default="", help="comma-separated tool ids to run (default: all)")
    for name in ("smsdoc", "hugo", "zola", "mdbook", "floor"):
        ap.add_argument("--" + name, default="", help="path of the %s binary" % name)
    ap.add_argument("--skip", action="append", default=[], metavar="ID=REASON",
                    help="report a tool as skipped (smsdoc, hugo, zola, mdbook, floor)")
    ap.add_argument("--fail", action="append", default=[], metavar="ID=REASON",
                    help="report a tool as failed (e.g. smsdoc=cargo build failed)")
    a = ap.parse_args()
    if a.render:
        results_dir = os.path.join(os.path.abspath(a.repo), "bench", "results")
        latest = None
        for name in sorted(os.listdir(results_dir)):
            if RESULT_FILE.fullmatch(name):
                with open(os.path.join(results_dir, name), encoding="utf-8") as f:
                    res = json.load(f)
                with open(os.path.join(results_dir, name[:-len(".json")] + ".md"), "w", encoding="utf-8") as f:
                    f.write(results_md(res))
                if latest is None or res["date"] > latest["date"]:
                    latest = res
        if latest is None:
            sys.exit("bench.py: no results/*.json to render")
        update_benchmarks_md(os.path.join(os.path.abspath(a.repo), "BENCHMARKS.md"), results_dir, latest)
        return
    if not (a.sizes and a.gen and a.workdir):
        ap.error("--sizes, --gen and --workdir are required unless --render")
    if a.runs < 1:
        ap.error("--runs must be at least 1")
    if not os.access("/usr/bin/time", os.X_OK):
        sys.exit("bench.py: /usr/bin/time is missing (apt-get install time)")

    repo, workdir = os.path.abspath(a.repo), os.path.abspath(a.workdir)
    skip = dict(s.split("=", 1) for s in a.skip)
    fail = dict(s.split("=", 1) for s in a.fail)
    only = set(filter(None, a.only.split(",")))
    results_dir = os.path.join(repo, "bench", "results")
    os.makedirs(results_dir, exist_ok=True)

    ver = lambda path, *args: (sh([path] + list(args)) if path else None)
    hugo_v = ver(a.hugo, "version")
    versions = {
        "smsdoc": ver(a.smsdoc, "--version") or ("n/a (%s)" % fail["smsdoc"] if "smsdoc" in fail
                                                 else "n/a (`smsdoc --version` failed)" if a.smsdoc else None),
        "hugo": hugo_v and re.sub(r"\s+BuildDate=.*", "", hugo_v),
        "zola": ver(a.zola, "--version"),
        "mdbook": ver(a.mdbook, "--version"),
        "pulldown-cmark": cargo_lock_version(repo, "pulldown-cmark"),
        "rustc": sh(["rustc", "--version"]),
        "python3": platform.python_version(),
        "time": "GNU time " + (sh(["dpkg-query", "-W", "-f", "${Version}", "time"]) or "(version unknown)"),
    }
    for k in ("hugo", "zola", "mdbook"):
        if versions[k]:
            versions[k] += " (`%s`)" % getattr(a, k)
    machine = machine_facts()
    nthreads = os.cpu_count() or 1

    for n in a.sizes:
        log("=== %d documents ===" % n)
        out_base = os.path.abspath(a.out_dir) if a.out_dir else os.path.join(workdir, "out")
        os.makedirs(out_base, exist_ok=True)
        out = lambda tid: os.path.join(out_base, "%s-%d" % (tid, n))
        out_fs = sh(["stat", "-f", "-c", "%T", out_base]) or "unknown"
        variant = re.sub(r"[^a-z0-9]+", "", out_fs.lower()) if a.out_dir else ""
        stem = "%d-%s" % (n, variant) if variant else "%d" % n
        need = {"smsdoc"} | {f for f in ("hugo", "zola", "mdbook") if getattr(a, f) and f not in skip}
        corpus = {f: gen_corpus(a.gen, workdir, f, n) for f in sorted(need)}
        src = corpus["smsdoc"]
        docs = os.path.join(src, "docs")
        files, size = tree_stats(docs, ".md")
        tools = [
            {"id": "smsdoc-build", "name": "smsdoc build", "bin": a.smsdoc, "key": "smsdoc",
             "cmd": [a.smsdoc, "build", "--root", src, "--out", out("smsdoc"), "--quiet"], "out": out("smsdoc")},
            {"id": "smsdoc-check", "name": "smsdoc check", "bin": a.smsdoc, "key": "smsdoc",
             "cmd": [a.smsdoc, "check", "--root", src, "--quiet"], "ok": (0, 1)},
            {"id": "hugo", "name": "Hugo", "bin": a.hugo, "key": "hugo",
             "cmd": [a.hugo, "--source", corpus.get("hugo", ""), "--destination", out("hugo"), "--quiet",
                     "--noBuildLock"], "out": out("hugo")},
            {"id": "zola", "name": "Zola", "bin": a.zola, "key": "zola",
             "cmd": [a.zola, "--root", corpus.get("zola", ""), "build", "--output-dir", out("zola")],
             "out": out("zola")},
            {"id": "mdbook", "name": "mdBook", "bin": a.mdbook, "key": "mdbook",
             "cmd": [a.mdbook, "build", corpus.get("mdbook", ""), "--dest-dir", out("mdbook")],
             "out": out("mdbook")},
            {"id": "floor-pulldown", "name": "pulldown-cmark floor (%d threads)" % nthreads, "bin": a.floor,
             "key": "floor", "cmd": [a.floor, docs, "--threads", str(nthreads)]},
            {"id": "floor-pulldown-1", "name": "pulldown-cmark floor (1 thread)", "bin": a.floor,
             "key": "floor", "cmd": [a.floor, docs, "--threads", "1"]},
            {"id": "floor-cat", "name": "cat floor (`cat` of all sources)", "bin": "/bin/sh", "key": "cat",
             "cmd": ["/bin/sh", "-c", 'find "$1" -type f -name "*.md" -exec cat {} + >/dev/null', "sh", docs]},
        ]
        if nthreads == 1:
            tools = [t for t in tools if t["id"] != "floor-pulldown-1"]
        for t in tools:
            t["runs"] = []
            if only and t["id"] not in only and t["key"] not in only:
                t["skip"] = "not selected (--only)"
            elif t["key"] in skip:
                t["skip"] = skip[t["key"]]
            elif t["key"] in fail:
                t["failed"] = fail[t["key"]]
            elif not t["bin"]:
                t["skip"] = "no binary"
        bench_size(n, tools, a.runs, a.warmup, a.timeout, a.budget)
        machine["loadavg_end"] = "%.2f %.2f %.2f" % os.getloadavg()
        res = {
            "size": n, "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "commit": git_rev(repo), "runs": a.runs, "warmup": a.warmup, "command": a.command,
            "corpus": {"files": files, "bytes": size}, "machine": machine, "versions": versions,
            "budget": a.budget, "timeout": a.timeout, "out_fs": out_fs, "variant": variant,
            "tools": [{k: t.get(k) for k in ("id", "name", "cmd", "skip", "failed", "timeout", "over_budget",
                                             "runs", "output")}
                      for t in tools],
        }
        with open(os.path.join(results_dir, stem + ".json"), "w", encoding="utf-8") as f:
            json.dump(res, f, indent=1)
            f.write("\n")
        md = results_md(res)
        with open(os.path.join(results_dir, stem + ".md"), "w", encoding="utf-8") as f:
            f.write(md)
        print(md)
        update_benchmarks_md(os.path.join(repo, "BENCHMARKS.md"), results_dir, res)
        log("wrote bench/results/%s.md and updated BENCHMARKS.md" % stem)


if __name__ == "__main__":
    main()
