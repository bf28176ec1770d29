#!/usr/bin/env bash
# The Parquet benchmark of BENCHMARKS.md (not a test): a 1 GB Parquet file
# (snappy, pyarrow's default row groups) and its CSV twin read by
# `glassbox inspect` (file → typed table → profile), wall time and peak
# memory from /usr/bin/time, beside pandas reading each (read_parquet
# through pyarrow, read_csv). Numeric columns (random floats do not
# compress, so 1 GB of Parquet is 2.6 GB of CSV) plus a categorical one
# and a 0/1 target, seeded.
#
#   scripts/bench_parquet.sh            # about 1 GB; SIZE_ROWS=N for another size
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c "import pyarrow, pandas, numpy" 2>/dev/null || python3 -m pip install --quiet --root-user-action=ignore pyarrow pandas numpy
cargo build --release --locked --bin glassbox -p glassbox-cli >/dev/null
GB=target/release/glassbox
W=${BENCH_DIR:-$(mktemp -d)}; [ -n "${BENCH_DIR:-}" ] || trap 'rm -rf "$W"' EXIT
ROWS=${SIZE_ROWS:-4200000}
python3 - "$W" "$ROWS" <<'PY'
import sys, numpy as np, pyarrow as pa, pyarrow.parquet as pq, pyarrow.csv as pc
out, rows = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(7)
cols = {f"f{i}": rng.standard_normal(rows) for i in range(30)}
cols["city"] = pa.array(np.array(["Berlin", "Lyon", "Porto", "Graz"])[rng.integers(0, 4, rows)]).dictionary_encode()
cols["target"] = (cols["f0"] + 0.5 * cols["f1"] + rng.standard_normal(rows) > 0).astype(np.int64)
t = pa.table(cols)
pq.write_table(t, f"{out}/big.parquet", compression="snappy")
pc.write_csv(t.set_column(30, "city", t.column("city").cast(pa.string())), f"{out}/big.csv")
PY
size() { echo "$(( $(stat -c %s "$1") / 1000000 )) MB"; }
measure() { # name, command...
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$W/t" "$@" >/dev/null 2>"$W/err" || { cat "$W/err" >&2; exit 1; }
  read -r secs kb < "$W/t"
  printf "| %-44s | %8.2f | %7.0f |\n" "$name" "$secs" "$(echo "$kb / 1024" | bc)"
}
echo "rows: $ROWS; big.parquet: $(size "$W/big.parquet"); big.csv: $(size "$W/big.csv")"
echo "| read by                                      |   wall s | peak MB |"
echo "|---|---:|---:|"
for round in 1 2; do
  measure "glassbox inspect big.parquet (round $round)" $GB inspect "$W/big.parquet"
  measure "glassbox inspect big.csv (round $round)" $GB inspect "$W/big.csv"
done
measure "pandas.read_parquet (pyarrow)" python3 -c "import pandas as pd, sys; pd.read_parquet(sys.argv[1])" "$W/big.parquet"
measure "pandas.read_csv" python3 -c "import pandas as pd, sys; pd.read_csv(sys.argv[1])" "$W/big.csv"
