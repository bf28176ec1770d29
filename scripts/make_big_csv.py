#!/usr/bin/env python3
"""Generates large CSVs for the ingest benchmark and the browser memory check.

  python3 scripts/make_big_csv.py numeric  100  /tmp/numeric_100mb.csv
  python3 scripts/make_big_csv.py mixed    100  /tmp/mixed_100mb.csv
  python3 scripts/make_big_csv.py numeric 1000  /tmp/numeric_1gb.csv

`numeric`: 30 float columns written with 17 significant digits plus a 0/1
target, about 590 bytes a row (1 GB is about 1.7 million rows). `mixed`:
floats, integers, two categorical columns, a few missing values and a target.
Deterministic (fixed seed); the files are not committed.
"""
import random
import sys


def numeric_rows(rng):
    header = ",".join(f"f{i}" for i in range(30)) + ",target\n"
    yield header
    while True:
        xs = [rng.gauss(0, 1) for _ in range(30)]
        y = 1 if xs[0] + 0.5 * xs[1] - 0.25 * xs[2] + rng.gauss(0, 1) > 0 else 0
        yield ",".join(f"{x:.17g}" for x in xs) + f",{y}\n"


def mixed_rows(rng):
    yield "age,income,visits,city,plan,score,churned\n"
    cities = ["Berlin", "Lyon", "Porto", "Graz", "Turku", "Gdansk", "Bilbao", "Brno"]
    plans = ["basic", "plus", "pro"]
    while True:
        age = rng.randint(18, 90)
        income = "" if rng.random() < 0.02 else f"{rng.lognormvariate(10, 0.5):.2f}"
        visits = rng.randint(0, 40)
        city = rng.choice(cities)
        plan = "NA" if rng.random() < 0.01 else rng.choice(plans)
        score = f"{rng.random():.6f}"
        churned = "yes" if rng.random() < 0.3 + 0.01 * (visits < 5) else "no"
        yield f"{age},{income},{visits},{city},{plan},{score},{churned}\n"


def main():
    kind, megabytes, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rng = random.Random(20261126)
    rows = numeric_rows(rng) if kind == "numeric" else mixed_rows(rng)
    limit = megabytes * 1_000_000
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as f:
        buf = []
        for row in rows:
            buf.append(row)
            written += len(row)
            if len(buf) >= 10_000:
                f.write("".join(buf))
                buf.clear()
            if written >= limit:
                break
        f.write("".join(buf))


if __name__ == "__main__":
    main()
