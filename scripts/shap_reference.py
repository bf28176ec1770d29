#!/usr/bin/env python3
"""The TreeSHAP benchmark's reference side: shap.TreeExplainer (its C++
extension, feature_perturbation="tree_path_dependent") on scikit-learn's
forest and histogram boosting of the same size, fitted on the training rows
Glassbox chose and explaining the same first ROWS test rows, on one thread.

  python3 scripts/shap_reference.py target/bench/models.csv target/bench/split.json [ROWS]

Prints JSON per model: fit seconds, explanation seconds, rows per second and
the largest additivity error. Needs `pip install scikit-learn shap`.
"""
import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402


def main(path, split_path, rows=1000):
    import shap
    import sklearn
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.preprocessing import StandardScaler

    data = np.loadtxt(path, delimiter=",", skiprows=1)
    x, y = data[:, :-1], data[:, -1].astype(int)
    split = json.load(open(split_path))
    train, test = np.array(split["train"]), np.array(split["test"])[:rows]
    scaler = StandardScaler().fit(x[train])
    xt, xs = scaler.transform(x[train]), scaler.transform(x[test])
    models = {
        "random_forest": RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1),
        "gradient_boosting": HistGradientBoostingClassifier(random_state=0),
    }
    for name, model in models.items():
        t0 = time.perf_counter()
        model.fit(xt, y[train])
        fit = time.perf_counter() - t0
        explainer = shap.TreeExplainer(model, feature_perturbation="tree_path_dependent")
        t0 = time.perf_counter()
        values = explainer.shap_values(xs)
        seconds = time.perf_counter() - t0
        # Random forests explain every class; the positive class is the last.
        phi = values[..., 1] if np.ndim(values) == 3 else values
        base = np.atleast_1d(explainer.expected_value)[-1]
        out = model.predict_proba(xs)[:, 1] if name == "random_forest" else model.decision_function(xs)
        err = float(np.max(np.abs(base + phi.sum(axis=1) - out)))
        print(json.dumps({
            "model": name, "sklearn": sklearn.__version__, "shap": shap.__version__, "rows": len(test),
            "fit_seconds": fit, "explain_seconds": seconds, "rows_per_second": len(test) / seconds,
            "max_additivity_error": err,
        }), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1000)
