#!/usr/bin/env python3
"""`make bench`: every speed goal of BENCHMARKS.md measured side by side
with its peer in one run, and one table of ratios at the end.

  python3 scripts/bench_all.py [ROUNDS]

Runs, one after another on the same machine (nothing else should run):

  scoring     scripts/bench_scoring.py: glassbox predict against the
              scikit-learn process (forest, boosting, k-NN), one thread each
              and two threads each, best of ROUNDS (default 2)
  TreeSHAP    the shap_bench example against scripts/shap_reference.py
              (shap.TreeExplainer's C++), 100 test rows, one thread
  CSV read    the ingest_bench example against pandas.read_csv on a
              generated 100 MB numeric file, natively (the browser's figure
              needs `make dist` and `node e2e/measure.mjs FILE`)
  serving     scripts/bench_serve.sh logistic_regression: single rows at 16
              connections, glassbox serve against FastAPI + scikit-learn
  download    what a first visit fetches (dist/sw.js's list, gzip -9),
              when dist/ is built

Builds what it runs first (release: the CLI and two examples). Writes the
table to target/bench/summary.json as well. A benchmark reports; it asserts
nothing (the e2e size test guards the download budgets).
"""
import gzip
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "target", "bench")
RELEASE = os.path.join(ROOT, "target", "release")


def run(command, **kw):
    """Runs `command` in the repository, echoing its output, and returns it."""
    print("$", " ".join(command), flush=True)
    out = subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.PIPE, text=True, **kw).stdout
    print(out, end="", flush=True)
    return out


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def main():
    rounds = sys.argv[1] if len(sys.argv) > 1 else "2"
    started = time.time()
    # The peers (the serving script installs its own as well).
    run([sys.executable, "-m", "pip", "install", "-q", "scikit-learn", "pandas", "shap", "fastapi", "uvicorn"])
    run(["cargo", "build", "--release", "--locked", "-p", "glassbox-cli", "-p", "glassbox-pipeline",
         "--bin", "glassbox", "--example", "shap_bench", "--example", "ingest_bench"])
    built = time.time()
    os.makedirs(BENCH, exist_ok=True)
    data = os.path.join(BENCH, "models.csv")
    if not os.path.exists(data):
        run([sys.executable, "scripts/bench_models.py", "data", data])
    rows = []  # (goal, glassbox, peer, ratio, bar): ratio is glassbox's time over the peer's

    scoring = json_lines(run([sys.executable, "scripts/bench_scoring.py", os.path.join(RELEASE, "glassbox"), rounds]))[-1]
    for model, by_threads in scoring.items():
        for threads, r in by_threads.items():
            bar = "stays ahead" if model == "gradient_boosting" else "<= 1.0"
            rows.append((f"scoring: {model}, {threads.replace('_', ' ')}", f"{r['glassbox_s']} s",
                         f"{r['sklearn_s']} s", r["ratio"], bar))

    ours = json_lines(run([os.path.join(RELEASE, "examples", "shap_bench"), data, "100", "1",
                           "random_forest", "gradient_boosting"]))
    theirs = json_lines(run([sys.executable, "scripts/shap_reference.py", data, os.path.join(BENCH, "split.json"), "100"]))
    for o in ours:
        t = next(t for t in theirs if t["model"] == o["model"])
        rows.append((f"TreeSHAP: {o['model']}, 1 thread", f"{o['rows_per_second']:.1f} rows/s",
                     f"{t['rows_per_second']:.1f} rows/s", round(t["rows_per_second"] / o["rows_per_second"], 2), "<= 1.0"))

    csv = os.path.join(BENCH, "numeric_100mb.csv")
    if not os.path.exists(csv):
        run([sys.executable, "scripts/make_big_csv.py", "numeric", "100", csv])
    native = float(re.search(r"= (\d+) MB/s", run([os.path.join(RELEASE, "examples", "ingest_bench"), csv])).group(1))
    pandas = float(re.search(r"(\d+) MB/s", run([sys.executable, "scripts/bench_pandas.py", csv])).group(1))
    rows.append(("CSV read, 100 MB numeric, natively", f"{native:.0f} MB/s", f"{pandas:.0f} MB/s",
                 round(pandas / native, 2), "<= 2.0 (in the tab)"))

    serve = run(["scripts/bench_serve.sh", "logistic_regression"])
    rate = {}
    for line in serve.splitlines():
        m = re.match(r"(glassbox|fastapi)\s+1 row .*concurrency 16\s+throughput (\d+)/s.*p99 ([\d.]+) ms", line)
        if m:
            rate[m.group(1)] = (int(m.group(2)), float(m.group(3)))
    if len(rate) == 2:
        (g, g99), (f, _) = rate["glassbox"], rate["fastapi"]
        rows.append(("serving: 1 row, 16 connections", f"{g} req/s (p99 {g99} ms)", f"{f} req/s",
                     round(f / g, 4), "<= 0.01 (100x), p99 < 5 ms"))

    sw = os.path.join(ROOT, "dist", "sw.js")
    if os.path.exists(sw):
        names = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", open(sw).read(), re.S).group(1))
        files = ["index.html" if n == "./" else n for n in names]
        size = sum(len(gzip.compress(open(os.path.join(ROOT, "dist", f), "rb").read(), 9)) for f in files)
        rows.append(("first visit download (gzip -9)", f"{size:,} B", "1,000,000 B", round(size / 1e6, 2), "<= 1.0"))

    print(f"\nmake bench: {time.time() - built:.0f} s measuring after {built - started:.0f} s building\n")
    print(f"{'goal':42} {'glassbox':>26} {'peer':>16} {'ratio':>8}  bar")
    for goal, g, p, ratio, bar in rows:
        print(f"{goal:42} {g:>26} {p:>16} {ratio:>8}  {bar}")
    with open(os.path.join(BENCH, "summary.json"), "w") as f:
        json.dump([dict(zip(("goal", "glassbox", "peer", "ratio", "bar"), r)) for r in rows], f, indent=1)


if __name__ == "__main__":
    main()
