#!/usr/bin/env python3
"""Commit a generated handbook into a Git repository with a long history, for
the document-control benchmark (issue 17): the corpus as the first commit,
then N-1 commits that each change one to five random documents (a line
appended to the body), with dates one day apart and a few authors. Written
with `git fast-import`, so 2,000 commits over 10,000 files take seconds.

  gen-git-history.py --corpus /tmp/corpus-10k --out /tmp/corpus-10k-git --commits 2000
"""
import argparse
import datetime as dt
import os
import random
import shutil
import subprocess


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True, help="a handbook made by gen-corpus.py")
    ap.add_argument("--out", required=True)
    ap.add_argument("--commits", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    files = {}
    for dirpath, _, names in os.walk(a.corpus):
        for n in names:
            p = os.path.join(dirpath, n)
            rel = os.path.relpath(p, a.corpus)
            with open(p, "rb") as f:
                files[rel] = f.read()
    docs = sorted(r for r in files if r.endswith(".md"))
    os.makedirs(a.out)
    subprocess.run(["git", "init", "-q", "-b", "main", a.out], check=True)
    authors = ["Alex Auditor", "Dana Editor", "Sam Owner", "Kim Manager"]
    start = dt.datetime(2021, 1, 4, 9, 0, tzinfo=dt.timezone.utc)
    fi = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=a.out, stdin=subprocess.PIPE)
    w = fi.stdin

    def blob(data):
        w.write(b"data %d\n" % len(data))
        w.write(data)
        w.write(b"\n")

    for k in range(a.commits):
        when = int((start + dt.timedelta(days=k * 0.7)).timestamp())
        who = authors[k % len(authors)]
        msg = b"Import the handbook" if k == 0 else b"Update %d documents" % 0
        changed = list(files) if k == 0 else rnd.sample(docs, rnd.randint(1, 5))
        if k > 0:
            msg = ("Update " + ", ".join(os.path.basename(c) for c in changed)).encode()
            for c in changed:
                files[c] = files[c] + b"\nRevision note %d.\n" % k
        w.write(b"commit refs/heads/main\n")
        w.write(b"author %s <%s@example.org> %d +0000\n" % (who.encode(), who.split()[0].lower().encode(), when))
        w.write(b"committer %s <%s@example.org> %d +0000\n" % (who.encode(), who.split()[0].lower().encode(), when))
        blob(msg)
        for c in changed:
            w.write(b"M 100644 inline %s\n" % c.encode())
            blob(files[c])
        w.write(b"\n")
    w.close()
    if fi.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=a.out, check=True)


if __name__ == "__main__":
    main()
