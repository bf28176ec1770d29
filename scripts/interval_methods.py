#!/usr/bin/env python3
"""CV+ against split conformal on small regression data sets, over seeds.

For each data set, model and seed, trains with the release CLI twice
(`--interval-method cv-plus` and `split`, everything else the defaults) and
averages the test rows' coverage, mean interval width and RMSE over the
seeds: what the size rule (CV+ below 500 training rows) buys. Not a test:
the data sets are not in the repository.

    cargo build --release -p glassbox-cli
    python3 scripts/interval_methods.py DATA_DIR [SEEDS]
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile

CLI = os.environ.get("GLASSBOX", "target/release/glassbox")
SETS = [
    ("tips.csv", "tip", []),
    ("mpg.csv", "mpg", ["--drop", "name"]),
    ("boston.csv", "medv", []),
]


def run(path, target, extra, model, method, seed):
    with tempfile.TemporaryDirectory() as out:
        cmd = [CLI, "train", path, "--target", target, "--model", model, "--seed", str(seed),
               "--interval-method", method, "--importance-repeats", "0", "--out", out, *extra]
        subprocess.run(cmd, check=True, capture_output=True)
        m = json.load(open(os.path.join(out, "metrics.json")))
        t = m["interval"]["test"]
        return t["coverage"], t["mean_width"], m["rmse"]


def main():
    data = sys.argv[1]
    seeds = range(1, 1 + int(sys.argv[2] if len(sys.argv) > 2 else 20))
    print("| data set | model | method | seeds | mean coverage (min–max) | mean width | mean test RMSE |")
    print("|---|---|---|---|---|---|---|")
    for name, target, extra in SETS:
        path = os.path.join(data, name)
        for model in ["ridge", "gradient_boosting"]:
            for method in ["cv-plus", "split"]:
                got = [run(path, target, extra, model, method, s) for s in seeds]
                cov = [g[0] for g in got]
                print(
                    f"| {name} ({target}) | {model} | {method} | {len(got)} | {statistics.mean(cov):.4f} "
                    f"({min(cov):.3f}–{max(cov):.3f}) | {statistics.mean(g[1] for g in got):.4g} "
                    f"| {statistics.mean(g[2] for g in got):.4g} |"
                )


if __name__ == "__main__":
    main()
