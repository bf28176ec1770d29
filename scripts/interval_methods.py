#!/usr/bin/env python3
"""Interval methods side by side on regression data sets, over seeds.

Default: CV+ against split conformal on small data sets. For each data
set, model and seed, trains with the release CLI twice (`--interval-method
cv-plus` and `split`, everything else the defaults) and averages the test
rows' coverage, mean interval width and RMSE over the seeds: what the size
rule (CV+ below 500 training rows) buys.

`--cqr`: conformalized quantile regression against split conformal on
larger data sets whose errors grow with the value (prices, spending
shares), adding the Winkler score (width plus 2/α times each miss; lower
is better) and the lowest and highest coverage over the deciles of the
prediction: what adapting the width to the row buys.

Not a test: the data sets are not in the repository.

    cargo build --release -p glassbox-cli
    python3 scripts/interval_methods.py DATA_DIR [SEEDS]
    python3 scripts/interval_methods.py --cqr DATA_DIR [SEEDS]
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
# Larger sets whose spread grows with the value (pydataset's diamonds,
# Computers and BudgetFood; the concrete sample).
CQR_SETS = [
    ("diamonds.csv", "price", []),
    ("Computers.csv", "price", []),
    ("BudgetFood.csv", "wfood", []),
    ("concrete.csv", "compressive_strength", []),
]


def run(path, target, extra, model, method, seed):
    with tempfile.TemporaryDirectory() as out:
        cmd = [CLI, "train", path, "--target", target, "--model", model, "--seed", str(seed),
               "--interval-method", method, "--importance-repeats", "0", "--out", out, *extra]
        subprocess.run(cmd, check=True, capture_output=True)
        m = json.load(open(os.path.join(out, "metrics.json")))
        t = m["interval"]["test"]
        deciles = [d["coverage"] for d in t["by_decile"]]
        return t["coverage"], t["mean_width"], m["rmse"], t["winkler"], min(deciles), max(deciles)


def main():
    args = sys.argv[1:]
    cqr = args[:1] == ["--cqr"]
    args = args[1:] if cqr else args
    data = args[0]
    seeds = range(1, 1 + int(args[1] if len(args) > 1 else 20))
    sets, methods = (CQR_SETS, ["cqr", "split"]) if cqr else (SETS, ["cv-plus", "split"])
    mean = statistics.mean
    if cqr:
        print("| data set | model | method | seeds | mean coverage (min–max) | mean width | Winkler score | decile coverage, lowest–highest |")
        print("|---|---|---|---|---|---|---|---|")
    else:
        print("| data set | model | method | seeds | mean coverage (min–max) | mean width | mean test RMSE |")
        print("|---|---|---|---|---|---|---|")
    for name, target, extra in sets:
        path = os.path.join(data, name)
        for model in ["ridge", "gradient_boosting"]:
            for method in methods:
                got = [run(path, target, extra, model, method, s) for s in seeds]
                cov = [g[0] for g in got]
                head = (f"| {name} ({target}) | {model} | {method} | {len(got)} | {mean(cov):.4f} "
                        f"({min(cov):.3f}–{max(cov):.3f}) | {mean(g[1] for g in got):.4g} ")
                if cqr:
                    print(head + f"| {mean(g[3] for g in got):.4g} | {mean(g[4] for g in got):.3f}–{mean(g[5] for g in got):.3f} |")
                else:
                    print(head + f"| {mean(g[2] for g in got):.4g} |")


if __name__ == "__main__":
    main()
