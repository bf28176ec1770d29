#!/usr/bin/env python3
"""pandas.read_csv throughput on the same files as the ingest benchmark:
  python3 scripts/bench_pandas.py /tmp/numeric_100mb.csv /tmp/mixed_100mb.csv
Best of three, MB/s, default engine (C)."""
import os
import sys
import time

import pandas as pd

for path in sys.argv[1:]:
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        df = pd.read_csv(path)
        best = min(best, time.perf_counter() - t)
    mb = os.path.getsize(path) / 1e6
    print(f"{path}: {mb:.1f} MB, {len(df)} rows, best {best:.3f} s, {mb / best:.0f} MB/s (pandas {pd.__version__})")
