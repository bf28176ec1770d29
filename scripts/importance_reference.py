#!/usr/bin/env python3
"""Permutation importance: Glassbox against scikit-learn on the same rows.

A benchmark, not a test (the shuffles differ, so the numbers agree only
statistically). For each case it trains Glassbox's logistic regression with
the CLI, reads the test rows and importances from metrics.json, fits
scikit-learn's equivalent pipeline on the other labelled rows, runs
`permutation_importance(scoring="roc_auc", n_repeats=5)` on the same test
rows, and prints both, most important first.

Run from the repository root:  python3 scripts/importance_reference.py
"""
import json
import pathlib
import subprocess
import tempfile

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

ROOT = pathlib.Path(__file__).resolve().parent.parent


def case(file, target):
    out = pathlib.Path(tempfile.mkdtemp())
    subprocess.run(["cargo", "run", "-q", "--release", "--bin", "glassbox", "--", "train", f"public/samples/{file}",
                    "--target", target, "--out", str(out)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    m = json.loads((out / "metrics.json").read_text())
    df = pd.read_csv(ROOT / "public" / "samples" / file)
    test = np.array(m["test_rows"])
    labelled = df[target].notna().to_numpy()
    train = np.array([i for i in range(len(df)) if labelled[i] and i not in set(test)])
    X, y = df.drop(columns=[target]), df[target].astype(str)
    num = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
    cat = [c for c in X.columns if c not in num]
    pre = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")), cat),
    ], sparse_threshold=0)
    clf = make_pipeline(pre, LogisticRegression(max_iter=1000)).fit(X.iloc[train], y.iloc[train])
    r = permutation_importance(clf, X.iloc[test], y.iloc[test], scoring="roc_auc", n_repeats=5, random_state=0)
    ours = sorted(m["importance"].items(), key=lambda kv: -kv[1]["mean"])
    theirs = sorted(zip(X.columns, r.importances_mean, r.importances_std), key=lambda t: -t[1])
    print(f"{file} ({target}), {len(test)} test rows")
    print(f"  {'glassbox':34} {'scikit-learn':34}")
    for (a, g), (b, mean, std) in zip(ours, theirs):
        print(f"  {a:18} {g['mean']:.4f} ± {g['std']:.4f}   {b:18} {mean:.4f} ± {std:.4f}")


if __name__ == "__main__":
    case("penguins.csv", "sex")
    case("breast_cancer.csv", "diagnosis")
