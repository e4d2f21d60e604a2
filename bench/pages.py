#!/usr/bin/env python3
"""Size and load time of the heavy pages of a large handbook in Chromium.

Builds a generated handbook (release binary), serves it over loopback
(Python's http.server, as a web server would), and opens each page in
headless Chromium through chromedriver:

  html KB     the page's HTML (and gzip -6 of it, as a server would send it)
  load ms     navigation start to the end of the load event (the page's own
              scripts, deferred, have run by then): usable from here
  filter ms   register: choosing a type in the type filter until the table,
              the counts and the address are updated; coverage: choosing
              "gaps only"
  tree ms     opening the document tree's largest group (drawn on demand)

Each page is loaded `--runs` times; the median is reported. Results go to
bench/results/pages-<docs>.json and the section of BENCHMARKS.md between
<!-- pages:start --> and <!-- pages:end -->.

  python3 bench/pages.py --docs 10000
"""
import argparse
import functools
import gzip
import http.server
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
import urllib.parse
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GEN = os.environ.get("SMSDOC_GEN", os.path.join(REPO, "..", "shared", "bench", "gen-corpus.py"))
WORK = os.environ.get("SMSDOC_BENCH_DIR", "/tmp/smsdoc-bench")
BIN = os.path.join(REPO, "target", "release", "smsdoc")


def corpus(docs):
    src = os.path.join(WORK, "corpus", f"smsdoc-{docs}")
    if not os.path.isdir(src):
        os.makedirs(os.path.dirname(src), exist_ok=True)
        subprocess.run([sys.executable, GEN, "--docs", str(docs), "--out", src], check=True)
    return src


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Driver:
    """The few WebDriver calls this needs, over chromedriver's HTTP API."""

    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [shutil.which("chromedriver") or "chromedriver", f"--port={self.port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                self.call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        args = ["--headless=new", "--disable-gpu", "--window-size=1366,900", "--no-first-run"]
        if os.geteuid() == 0:
            args.append("--no-sandbox")
        caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {"args": args}}}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=300) as r:
            return json.loads(r.read() or b"{}")["value"] if r.status == 200 else None

    def goto(self, url):
        self.call("POST", f"/session/{self.session}/url", {"url": url})

    def js(self, script):
        return self.call("POST", f"/session/{self.session}/execute/sync", {"script": script, "args": []})

    def close(self):
        try:
            self.call("DELETE", f"/session/{self.session}")
        finally:
            self.proc.terminate()


LOAD = ("const n = performance.getEntriesByType('navigation')[0];"
        "return n.loadEventEnd - n.startTime;")
REGISTER_FILTER = ("const s = document.querySelector('select[name=type]'); const t = performance.now();"
                   "s.value = 'procedure'; s.dispatchEvent(new Event('change', {bubbles: true}));"
                   "return performance.now() - t;")
COVERAGE_FILTER = ("const r = document.querySelector('input[name=cov-filter][value=gaps]'); const t = performance.now();"
                   "r.checked = true; r.dispatchEvent(new Event('change', {bubbles: true}));"
                   "document.body.offsetHeight; return performance.now() - t;")
TREE = ("const ds = [...document.querySelectorAll('#doc-tree details')]; if (!ds.length) return null;"
        "const big = ds.reduce((a, b) => (parseInt(b.textContent.match(/\\((\\d+)\\)/)[1]) > parseInt(a.textContent.match(/\\((\\d+)\\)/)[1]) ? b : a));"
        "const t = performance.now(); big.open = true; big.dispatchEvent(new Event('toggle'));"
        "document.body.offsetHeight; return performance.now() - t;")


def measure(docs, runs):
    src = corpus(docs)
    out = os.path.join(WORK, f"pages-site-{docs}")
    t = time.time()
    subprocess.run([BIN, "build", "--root", src, "--out", out, "--quiet", "--today", "2026-12-04"], check=False)
    build_s = time.time() - t
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=out)
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    href = re.search(r'<td data-sort="0"><a href="([^"]+)"',
                     open(os.path.join(out, "register", "index.html"), encoding="utf-8").read()).group(1)
    first_doc = urllib.parse.urljoin(base + "register/", href)[len(base):].replace("index.html", "")
    pages = [("home", ""), ("register", "register/"), ("coverage", "coverage/"),
             ("document", first_doc), ("print", "print/")]
    driver = Driver()
    rows = []
    try:
        for name, path in pages:
            html = open(os.path.join(out, path, "index.html"), "rb").read()
            loads, filters, trees = [], [], []
            for _ in range(runs):
                driver.goto(base + path)
                loads.append(driver.js(LOAD))
                if name == "register":
                    filters.append(driver.js(REGISTER_FILTER))
                if name == "coverage":
                    filters.append(driver.js(COVERAGE_FILTER))
                if name == "document":
                    trees.append(driver.js(TREE))
            rows.append({
                "page": name, "path": "/" + path,
                "html_kb": round(len(html) / 1024, 1),
                "gzip_kb": round(len(gzip.compress(html, 6)) / 1024, 1),
                "load_ms": round(statistics.median(loads), 1),
                "filter_ms": round(statistics.median(filters), 1) if filters else None,
                "tree_ms": round(statistics.median([x for x in trees if x is not None]), 1) if any(trees) else None,
            })
            print(rows[-1], flush=True)
    finally:
        driver.close()
        httpd.shutdown()
    tree_js = os.path.getsize(os.path.join(out, "doc-tree.js"))
    return {"docs": docs, "build_s": round(build_s, 2), "doc_tree_js_kb": round(tree_js / 1024, 1),
            "doc_tree_js_gzip_kb": round(len(gzip.compress(open(os.path.join(out, "doc-tree.js"), "rb").read(), 6)) / 1024, 1),
            "pages": rows}


def chromium_version():
    try:
        return subprocess.run(["chromium", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, nargs="+", default=[10000])
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    results = [measure(n, a.runs) for n in a.docs]
    os.makedirs(os.path.join(REPO, "bench", "results"), exist_ok=True)
    for r in results:
        with open(os.path.join(REPO, "bench", "results", f"pages-{r['docs']}.json"), "w") as f:
            json.dump(r, f, indent=2)
    lines = [f"Measured {time.strftime('%Y-%m-%d')} on {os.cpu_count()} cores ({platform.machine()}), "
             f"{chromium_version()} headless at 1366×900, pages served over loopback by Python's "
             f"http.server; median of {a.runs} loads. Command: `python3 bench/pages.py --docs "
             f"{' '.join(str(n) for n in a.docs)}`.", ""]
    for r in results:
        lines.append(f"{r['docs']:,} documents (build {r['build_s']} s; `doc-tree.js` {r['doc_tree_js_kb']:,} KB, "
                     f"{r['doc_tree_js_gzip_kb']:,} KB gzipped, loaded once and cached):")
        lines.append("")
        lines.append("| page | HTML KB | gzip KB | load ms | filter ms | tree ms |")
        lines.append("|---|---:|---:|---:|---:|---:|")
        for p in r["pages"]:
            def f(x):
                return "–" if x is None else f"{x:,}"
            lines.append(f"| {p['page']} (`{p['path']}`) | {f(p['html_kb'])} | {f(p['gzip_kb'])} | "
                         f"{f(p['load_ms'])} | {f(p['filter_ms'])} | {f(p['tree_ms'])} |")
        lines.append("")
    md_path = os.path.join(REPO, "BENCHMARKS.md")
    md = open(md_path, encoding="utf-8").read()
    block = "<!-- pages:start -->\n" + "\n".join(lines) + "<!-- pages:end -->"
    if "<!-- pages:start -->" in md:
        md = re.sub(r"<!-- pages:start -->.*?<!-- pages:end -->", lambda _: block, md, flags=re.S)
    else:
        md += "\n## Heavy pages in the browser (issue 20)\n\n" + block + "\n"
    open(md_path, "w", encoding="utf-8").write(md)


if __name__ == "__main__":
    main()
