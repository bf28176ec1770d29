#!/usr/bin/env python3
"""The model benchmark's data and its scikit-learn side.

  python3 scripts/bench_models.py data target/bench/models.csv
      writes make_classification(100,000 x 30, 10 informative, seed 0) as CSV
      (columns f01..f30 and y).
  python3 scripts/bench_models.py data-regression target/bench/regression.csv
      writes make_regression(100,000 x 30, 10 informative, noise 10, seed 0)
      the same way: a number to predict.
  python3 scripts/bench_models.py sklearn target/bench/models.csv target/bench/split.json
      fits scikit-learn's equivalents on one thread, on the training rows
      Glassbox chose (split.json, written by the native benchmark
      `cargo run --release -p glassbox-pipeline --example model_bench`), and
      prints JSON: per model, fit seconds (best of 3 for fast models) and test ROC AUC.

Preprocessing as Glassbox's: median imputation and standard scaling (all
columns are numeric here, so it is only the scaler). Times are for `fit` on
the scaled training rows, as Glassbox's are.
"""
import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def data(path):
    from sklearn.datasets import make_classification

    x, y = make_classification(n_samples=100_000, n_features=30, n_informative=10, random_state=0)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    header = ",".join([f"f{i:02d}" for i in range(1, 31)] + ["y"])
    with open(path, "w") as f:
        f.write(header + "\n")
        for row, label in zip(x, y):
            f.write(",".join(repr(float(v)) for v in row) + f",{label}\n")


def data_regression(path):
    from sklearn.datasets import make_regression

    x, y = make_regression(n_samples=100_000, n_features=30, n_informative=10, noise=10.0, random_state=0)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    header = ",".join([f"f{i:02d}" for i in range(1, 31)] + ["y"])
    with open(path, "w") as f:
        f.write(header + "\n")
        for row, target in zip(x, y):
            f.write(",".join(repr(float(v)) for v in row) + f",{float(target)!r}\n")


def sklearn_regression(path, split_path):
    """scikit-learn's regressors on one thread, on Glassbox's training rows: fit seconds and test R²."""
    import sklearn as sk
    from sklearn.ensemble import ExtraTreesRegressor, HistGradientBoostingRegressor, RandomForestRegressor
    from sklearn.linear_model import Ridge
    from sklearn.metrics import r2_score
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeRegressor
    from threadpoolctl import threadpool_limits

    table = np.loadtxt(path, delimiter=",", skiprows=1)
    x, y = table[:, :-1], table[:, -1]
    split = json.load(open(split_path))
    train, test = np.array(split["train"]), np.array(split["test"])
    scaler = StandardScaler().fit(x[train])
    xtr, xte = scaler.transform(x[train]), scaler.transform(x[test])
    models = {
        "ridge": lambda: Ridge(alpha=1.0),
        "knn": lambda: KNeighborsRegressor(n_jobs=1),
        "decision_tree": lambda: DecisionTreeRegressor(random_state=0),
        "random_forest": lambda: RandomForestRegressor(n_estimators=100, n_jobs=1, random_state=0),
        "extra_trees": lambda: ExtraTreesRegressor(n_estimators=100, n_jobs=1, random_state=0),
        "gradient_boosting": lambda: HistGradientBoostingRegressor(random_state=0),
    }
    only = os.environ.get("MODELS")
    out = {"sklearn_version": sk.__version__, "models": {}}
    with threadpool_limits(1):
        for name, make in models.items():
            if only and name not in only.split(","):
                continue
            repeats = 1 if name in ("random_forest", "extra_trees", "decision_tree") else 3
            best = float("inf")
            for _ in range(repeats):
                m = make()
                t = time.perf_counter()
                m.fit(xtr, y[train])
                best = min(best, time.perf_counter() - t)
            out["models"][name] = {"fit_seconds": best, "r2": r2_score(y[test], m.predict(xte))}
            print(name, out["models"][name], file=sys.stderr)
    print(json.dumps(out, indent=2))


def sklearn(path, split_path):
    import sklearn as sk
    from sklearn.ensemble import ExtraTreesClassifier, HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier
    from threadpoolctl import threadpool_limits

    table = np.loadtxt(path, delimiter=",", skiprows=1)
    x, y = table[:, :-1], table[:, -1].astype(int)
    split = json.load(open(split_path))
    train, test = np.array(split["train"]), np.array(split["test"])
    scaler = StandardScaler().fit(x[train])
    xtr, xte = scaler.transform(x[train]), scaler.transform(x[test])
    models = {
        "logistic_regression": lambda: LogisticRegression(max_iter=1000),
        "naive_bayes": GaussianNB,
        "knn": lambda: KNeighborsClassifier(n_jobs=1),
        "decision_tree": lambda: DecisionTreeClassifier(random_state=0),
        "random_forest": lambda: RandomForestClassifier(n_estimators=100, n_jobs=1, random_state=0),
        "extra_trees": lambda: ExtraTreesClassifier(n_estimators=100, n_jobs=1, random_state=0),
        "gradient_boosting": lambda: HistGradientBoostingClassifier(random_state=0),
    }
    out = {"sklearn_version": sk.__version__, "models": {}}
    with threadpool_limits(1):
        for name, make in models.items():
            repeats = 1 if name in ("random_forest", "extra_trees", "decision_tree") else 3
            best = float("inf")
            for _ in range(repeats):
                m = make()
                t = time.perf_counter()
                m.fit(xtr, y[train])
                best = min(best, time.perf_counter() - t)
            t = time.perf_counter()
            proba = m.predict_proba(xte)[:, 1]
            predict = time.perf_counter() - t
            out["models"][name] = {
                "fit_seconds": best,
                "predict_seconds": predict,
                "roc_auc": roc_auc_score(y[test], proba),
            }
            print(name, out["models"][name], file=sys.stderr)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    if sys.argv[1] == "data":
        data(sys.argv[2])
    elif sys.argv[1] == "data-regression":
        data_regression(sys.argv[2])
    elif sys.argv[1] == "sklearn-regression":
        sklearn_regression(sys.argv[2], sys.argv[3])
    else:
        sklearn(sys.argv[2], sys.argv[3])
