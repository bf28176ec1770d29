#!/usr/bin/env python3
"""Scoring a file with a saved model: `glassbox predict` against the
scikit-learn process that does the same, whole processes, side by side.

  python3 scripts/bench_scoring.py [GLASSBOX] [ROUNDS] [MODEL...]

GLASSBOX defaults to target/release/glassbox; ROUNDS (default 3) rounds are
interleaved (Glassbox, scikit-learn, Glassbox, ...) and the best of each
side is kept, so both meet the same machine load. Each model is timed with
both sides on one thread, then both on two threads.

The data is the model benchmark's (`bench_models.py data`: 100,000 x 30,
seed 0), written to target/bench/ if missing. Each model is trained once
by `glassbox train` (on its 80% split) and by scikit-learn on the first
80,000 rows (the same size; only scoring is timed, so which rows does not
matter). Scored:

  random_forest       100 trees, all 100,000 rows
  gradient_boosting   all 100,000 rows (boosting is already ahead)
  knn                 k = 5, 20,000 rows against the 80,000 training rows

The scikit-learn side is one `python3` process per score, as a person
would run it: import, unpickle the pipeline (scaler + model), read the CSV
with pandas, `predict_proba`, write predictions with pandas. Its command is
this script's `score` mode. The ratio printed is Glassbox's time over
scikit-learn's: at most 1.0 is the goal. Needs scikit-learn and pandas
(`pip install scikit-learn pandas`); `make bench-scoring` builds the
binary and runs it.
"""
import json
import os
import pickle
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "target", "bench")
DATA = os.path.join(BENCH, "models.csv")
# Each side on one thread, then each on two (glassbox predict --workers;
# scikit-learn's n_jobs and OMP_NUM_THREADS).
THREADS = (1, 2)
MODELS = {
    "random_forest": "all",
    "gradient_boosting": "all",
    "knn": "knn",
}


def score(model_path, csv_path, out_path):
    """The scikit-learn process being timed."""
    import pandas as pd

    with open(model_path, "rb") as f:
        pipe = pickle.load(f)
    # Both cores when the round gives them: the forest's trees over
    # joblib's threads, k-NN's distances over OpenMP's (OMP_NUM_THREADS).
    pipe[-1].n_jobs = int(os.environ["OMP_NUM_THREADS"])
    x = pd.read_csv(csv_path)
    if "y" in x.columns:
        x = x.drop(columns=["y"])
    p = pipe.predict_proba(x.to_numpy())
    labels = pipe.classes_[p.argmax(axis=1)]
    pd.DataFrame({"prediction": labels, "probability": p.max(axis=1)}).to_csv(out_path, index=False)


def sklearn_model(name):
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = {
        "random_forest": lambda: RandomForestClassifier(n_estimators=100, n_jobs=1, random_state=0),
        "gradient_boosting": lambda: HistGradientBoostingClassifier(random_state=0),
        "knn": lambda: KNeighborsClassifier(n_neighbors=5, n_jobs=1),
    }[name]()
    return make_pipeline(StandardScaler(), model)


def prepare(glassbox):
    import pandas as pd

    os.makedirs(BENCH, exist_ok=True)
    if not os.path.exists(DATA):
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "bench_models.py"), "data", DATA], check=True)
    frame = pd.read_csv(DATA)
    knn_rows = os.path.join(BENCH, "scoring_knn.csv")
    if not os.path.exists(knn_rows):
        frame.iloc[80_000:].to_csv(knn_rows, index=False)
    x, y = frame.drop(columns=["y"]).to_numpy()[:80_000], frame["y"].to_numpy()[:80_000]
    for name in MODELS:
        out = os.path.join(BENCH, f"scoring_{name}")
        if not os.path.exists(os.path.join(out, "model.json")):
            subprocess.run(
                [glassbox, "train", DATA, "--target", "y", "--model", name, "--out", out, "--seed", "42", "--workers", "2", "--importance-repeats", "0"],
                check=True,
                stdout=subprocess.DEVNULL,
            )
        pickled = os.path.join(BENCH, f"scoring_{name}.pkl")
        if not os.path.exists(pickled):
            pipe = sklearn_model(name).fit(x, y)
            with open(pickled, "wb") as f:
                pickle.dump(pipe, f)


def timed(command, threads):
    t0 = time.perf_counter()
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - t0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "score":
        score(*sys.argv[2:5])
        return
    glassbox = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release", "glassbox")
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    chosen = sys.argv[3:] or list(MODELS)
    prepare(glassbox)
    results = {}
    for name in chosen:
        rows = MODELS[name]
        csv = DATA if rows == "all" else os.path.join(BENCH, "scoring_knn.csv")
        results[name] = {}
        for threads in THREADS:
            ours = [glassbox, "predict", os.path.join(BENCH, f"scoring_{name}", "model.json"), csv,
                    "--workers", str(threads), "--out", os.path.join(BENCH, f"scoring_{name}_glassbox.csv")]
            theirs = [sys.executable, os.path.abspath(__file__), "score", os.path.join(BENCH, f"scoring_{name}.pkl"), csv,
                      os.path.join(BENCH, f"scoring_{name}_sklearn.csv")]
            g, s = [], []
            for _ in range(rounds):
                g.append(timed(ours, threads))
                s.append(timed(theirs, threads))
            results[name][f"{threads}_threads"] = {
                "glassbox_s": round(min(g), 3), "sklearn_s": round(min(s), 3), "ratio": round(min(g) / min(s), 2)}
            print(f"{name:18} {threads} thread{'s' if threads > 1 else ' '}  glassbox {min(g):7.2f} s   "
                  f"scikit-learn {min(s):7.2f} s   ratio {min(g) / min(s):5.2f}", flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
