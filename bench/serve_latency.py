#!/usr/bin/env python3
"""Save-to-page latency of `smsdoc serve` (issue: preview server).

Starts `smsdoc serve --port 0` on a generated corpus, listens on the live
reload event stream, then repeatedly edits one document (appending a unique
marker line) and measures, per edit:

  reload  time from the file write to the `reload` event on the stream
  page    time from the file write until GET of the edited page returns the
          marker (what a writer sees)

It also collects the server's own "rebuilt N pages in X ms" lines. Results
go to bench/results/serve-<docs>.json and the section of BENCHMARKS.md
between <!-- serve:start --> and <!-- serve:end -->.

  python3 bench/serve_latency.py --docs 1000 10000 --edits 20
"""
import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEN = os.environ.get("SMSDOC_GEN", os.path.join(REPO, "..", "shared", "bench", "gen-corpus.py"))
WORK = os.environ.get("SMSDOC_BENCH_DIR", "/tmp/smsdoc-bench")


def corpus(docs):
    src = os.path.join(WORK, "corpus", f"smsdoc-{docs}")
    if not os.path.isdir(src):
        os.makedirs(os.path.dirname(src), exist_ok=True)
        subprocess.run([sys.executable, GEN, "--docs", str(docs), "--out", src, "--today", "2026-11-24"],
                       check=True, stdout=subprocess.DEVNULL)
    # Edits go to a copy, so the shared corpus stays pristine.
    dst = os.path.join(WORK, "serve", f"smsdoc-{docs}")
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    return dst


class Events:
    """Reads the server-sent event stream and timestamps `reload` events."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=120)
        # The server answers only requests addressed to it (DNS-rebinding guard).
        self.sock.sendall(f"GET /__smsdoc/events HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
        self.reloads = []
        self.cond = threading.Condition()
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        buf = b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while b"\n\n" in buf:
                block, buf = buf.split(b"\n\n", 1)
                if b"event: reload" in block:
                    with self.cond:
                        self.reloads.append(time.monotonic())
                        self.cond.notify_all()

    def wait_after(self, t0, timeout=20):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                hits = [t for t in self.reloads if t >= t0]
                if hits:
                    return hits[0]
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)


def run(binary, docs, edits, pause):
    root = corpus(docs)
    proc = subprocess.Popen([binary, "serve", "--root", root, "--port", "0", "--today", "2026-11-24"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    url = None
    rebuilds = []
    lines = []

    def pump(stream):
        nonlocal url
        for line in stream:
            lines.append(line.rstrip())
            m = re.search(r"(http://[0-9.:\[\]]+)/?", line)
            if m and url is None:
                url = m.group(1)
            m = re.search(r"rebuilt .*? in (\d+) ms", line)
            if m:
                rebuilds.append(int(m.group(1)))

    for s in (proc.stdout, proc.stderr):
        threading.Thread(target=pump, args=(s,), daemon=True).start()
    started = time.monotonic()
    while url is None and time.monotonic() - started < 600:
        if proc.poll() is not None:
            raise SystemExit("smsdoc serve exited:\n" + "\n".join(lines))
        time.sleep(0.05)
    startup = time.monotonic() - started
    host, port = url.replace("http://", "").rsplit(":", 1)
    events = Events(host, int(port))
    time.sleep(0.5)

    procs = sorted(os.listdir(os.path.join(root, "docs", "procedures")))
    target = os.path.join(root, "docs", "procedures", procs[len(procs) // 2])
    page = f"{url}/procedures/{os.path.splitext(os.path.basename(target))[0]}/"
    reload_ms, page_ms = [], []
    try:
        for n in range(edits):
            marker = f"smsdoc-latency-marker-{n}-{time.time_ns()}"
            with open(target, "a", encoding="utf-8") as f:
                f.write(f"\n{marker}\n")
            t0 = time.monotonic()
            got = events.wait_after(t0)
            if got is None:
                raise SystemExit(f"no reload event within 60 s (edit {n}); server said:\n" + "\n".join(lines[-10:]))
            reload_ms.append((got - t0) * 1000)
            while True:
                body = urllib.request.urlopen(page, timeout=60).read().decode("utf-8", "replace")
                if marker in body:
                    break
                if time.monotonic() - t0 > 60:
                    raise SystemExit(f"edited page never showed the marker (edit {n})")
                time.sleep(0.005)
            page_ms.append((time.monotonic() - t0) * 1000)
            # A writer saves every few seconds; the pause lets the server
            # finish the background work of the previous save (overview
            # pages, exports), as it would between real saves.
            time.sleep(pause)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    stat = lambda xs: {"median": round(statistics.median(xs), 1), "min": round(min(xs), 1), "max": round(max(xs), 1)}
    return {
        "docs": docs, "edits": edits, "startup_s": round(startup, 2),
        "reload_ms": stat(reload_ms), "page_ms": stat(page_ms),
        "server_rebuild_ms": stat(rebuilds[-edits:]) if rebuilds else None,
    }


def machine():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores, {cpu or platform.processor()}, {platform.system()} {platform.release()}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--pause", type=float, default=3.0, help="seconds between saves (default 3)")
    ap.add_argument("--no-build", action="store_true")
    a = ap.parse_args()
    if not a.no_build:
        subprocess.run(["cargo", "build", "--release", "--locked"], cwd=REPO, check=True)
    binary = os.path.join(REPO, "target", "release", "smsdoc")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    results = [run(binary, d, a.edits, a.pause) for d in a.docs]
    os.makedirs(os.path.join(REPO, "bench", "results"), exist_ok=True)
    for r in results:
        with open(os.path.join(REPO, "bench", "results", f"serve-{r['docs']}.json"), "w") as f:
            json.dump(r, f, indent=2)
    rows = ["| Documents | Edits | Startup (full build) s | Save → reload event ms (median / min / max) | "
            "Save → edited page served ms (median / min / max) | Server rebuild ms (median / min / max) |",
            "|---:|---:|---:|---|---|---|"]
    fmt = lambda s: f"{s['median']} / {s['min']} / {s['max']}" if s else "–"
    for r in results:
        rows.append(f"| {r['docs']:,} | {r['edits']} | {r['startup_s']} | {fmt(r['reload_ms'])} | "
                    f"{fmt(r['page_ms'])} | {fmt(r['server_rebuild_ms'])} |")
    big = [r for r in results if r["docs"] >= 10000]
    goal = ("not measured (no 10,000-document run)" if not big
            else "met" if all(r["page_ms"]["median"] < 100 for r in big) else "not met")
    section = "\n".join([
        "<!-- serve:start -->",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine()}; {version}.",
        f"Command: `python3 bench/serve_latency.py --docs {' '.join(map(str, a.docs))} --edits {a.edits} --pause {a.pause}`.",
        "",
        *rows,
        "",
        f"Goal (median save → page under 100 ms at 10,000 documents): {goal}. "
        "The time includes the file watcher's debounce (the editor's save is only seen once writes settle).",
        "<!-- serve:end -->",
    ])
    path = os.path.join(REPO, "BENCHMARKS.md")
    text = open(path, encoding="utf-8").read() if os.path.exists(path) else "# Benchmarks\n"
    if "<!-- serve:start -->" in text:
        text = re.sub(r"<!-- serve:start -->.*?<!-- serve:end -->", lambda _: section, text, flags=re.S)
    else:
        text += "\n## Preview server: save to page\n\n" + section + "\n"
    open(path, "w", encoding="utf-8").write(text)
    print(section)


if __name__ == "__main__":
    main()
