#!/usr/bin/env bash
# The serving load test of BENCHMARKS.md: glassbox serve and the FastAPI +
# scikit-learn service of the same model family, trained on the same rows,
# each sent single-row and 100-row bodies at concurrency 1, 16 and 64 over
# loopback. Bounded: a fixed number of requests per cell. Not part of
# `make test` (a benchmark reports, it does not assert).
#
#   scripts/bench_serve.sh [MODEL]      (logistic_regression or random_forest on
#                                        penguins' species; ridge on concrete's strength)
set -euo pipefail
cd "$(dirname "$0")/.."
model="${1:-logistic_regression}"
work="$(mktemp -d)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
pip install -q fastapi uvicorn scikit-learn pandas
cargo build -q --release --bin glassbox -p glassbox-cli
cargo build -q --release -p glassbox-server --example load
if [ "$model" = ridge ]; then
  data=public/samples/concrete.csv target=compressive_strength
else
  data=public/samples/penguins.csv target=species
fi
target/release/glassbox train "$data" --target "$target" --model "$model" --out "$work/m" > /dev/null
python3 - "$data" "$work" "$target" <<'PY'
import csv, json, sys
rows = []
with open(sys.argv[1]) as f:
    for r in csv.DictReader(f):
        r.pop(sys.argv[3])
        rows.append({k: (None if v in ("", "NA") else (float(v) if k not in ("island", "sex") else v)) for k, v in r.items()})
json.dump(rows[0], open(f"{sys.argv[2]}/one.json", "w"))
json.dump((rows * 2)[:100], open(f"{sys.argv[2]}/hundred.json", "w"))
PY
target/release/glassbox serve "$work/m/model.json" --port 18080 > "$work/glassbox.log" &
python3 scripts/fastapi_service.py "$data" "$target" 18081 "$model" > "$work/fastapi.log" 2>&1 &
for port in 18080 18081; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 0.3; done
done
load=target/release/examples/load
for c in 1 16 64; do
  echo "glassbox  1 row   $("$load" 127.0.0.1:18080 /predict "$work/one.json" 20000 "$c")"
  echo "glassbox  100 rows $("$load" 127.0.0.1:18080 /predict "$work/hundred.json" 2000 "$c")"
  echo "fastapi   1 row   $("$load" 127.0.0.1:18081 /predict "$work/one.json" 1000 "$c")"
  echo "fastapi   100 rows $("$load" 127.0.0.1:18081 /predict "$work/hundred.json" 300 "$c")"
done
