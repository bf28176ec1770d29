#!/usr/bin/env python3
"""Reference numbers from scikit-learn for the pipeline's tests.

Run from the repository root:  python3 scripts/make_fixtures.py
It writes crates/pipeline/tests/fixtures/*.json (`--only calibration`
writes calibration_maps.json alone, `--only regression`
regression_metrics.json alone, `--only regressors` regressors.json alone). The output is committed, so
the tests need neither Python nor scikit-learn; rerun this script only when a
case is added. Generated with the scikit-learn version recorded in the files.
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn import metrics
from sklearn.calibration import calibration_curve
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "crates" / "pipeline" / "tests" / "fixtures"


def metric_case(name, y_true, proba, n_classes):
    y_true = np.asarray(y_true)
    proba = np.asarray(proba, dtype=np.float64)
    y_pred = proba.argmax(axis=1)
    labels = list(range(n_classes))
    p, r, f, s = metrics.precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0.0
    )
    avg = {}
    for kind in ("macro", "weighted"):
        ap, ar, af, _ = metrics.precision_recall_fscore_support(
            y_true, y_pred, labels=labels, average=kind, zero_division=0.0
        )
        avg[kind] = [ap, ar, af]
    if n_classes == 2:
        auc = metrics.roc_auc_score(y_true, proba[:, 1])
        curves = [metrics.roc_curve(y_true, proba[:, 1])]
        pr = [metrics.precision_recall_curve(y_true, proba[:, 1])]
        ap_per_class = [metrics.average_precision_score(y_true, proba[:, 1])]
        ap = ap_per_class[0]
        brier = metrics.brier_score_loss(y_true, proba[:, 1])
        hits, conf = y_true == 1, proba[:, 1]
    else:
        auc = metrics.roc_auc_score(y_true, proba, multi_class="ovr", average="macro", labels=labels)
        curves = [metrics.roc_curve(y_true == k, proba[:, k]) for k in labels]
        pr = [metrics.precision_recall_curve(y_true == k, proba[:, k]) for k in labels]
        ap_per_class = [metrics.average_precision_score(y_true == k, proba[:, k]) for k in labels]
        ap = metrics.average_precision_score(np.eye(n_classes)[y_true], proba, average="macro")
        brier = metrics.brier_score_loss(y_true, proba, labels=labels)
        # Top-label reliability: the predicted class's probability against whether it was right.
        hits, conf = y_pred == y_true, proba.max(axis=1)
    prob_true, prob_pred = calibration_curve(hits, conf, n_bins=10, strategy="uniform")
    binids = np.searchsorted(np.linspace(0.0, 1.0, 11)[1:-1], conf)
    counts = np.bincount(binids, minlength=10)
    counts = counts[counts > 0]
    return {
        "name": name,
        "n_classes": n_classes,
        "y_true": y_true.tolist(),
        "proba": proba.tolist(),
        "accuracy": metrics.accuracy_score(y_true, y_pred),
        "log_loss": metrics.log_loss(y_true, proba, labels=labels),
        "roc_auc": auc,
        "confusion_matrix": metrics.confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "precision": p.tolist(),
        "recall": r.tolist(),
        "f1": f.tolist(),
        "support": s.tolist(),
        "macro": avg["macro"],
        "weighted": avg["weighted"],
        "roc_curves": [
            {"fpr": c[0].tolist(), "tpr": c[1].tolist(), "thresholds": [None if np.isinf(t) else t for t in c[2].tolist()]}
            for c in curves
        ],
        "pr_curves": [{"precision": c[0].tolist(), "recall": c[1].tolist(), "thresholds": c[2].tolist()} for c in pr],
        "average_precision": ap,
        "average_precision_per_class": ap_per_class,
        "brier": brier,
        "calibration": {
            "prob_true": prob_true.tolist(),
            "prob_pred": prob_pred.tolist(),
            "counts": counts.tolist(),
            "ece": float(np.sum(counts / len(conf) * np.abs(prob_true - prob_pred))),
        },
    }


def random_proba(rng, n, k, ties=False):
    raw = rng.random((n, k))
    if ties:
        raw = np.round(raw * 4) / 4 + 0.01
    return raw / raw.sum(axis=1, keepdims=True)


def metric_cases():
    rng = np.random.default_rng(20261126)
    cases = []
    # Binary, informative scores.
    y = rng.integers(0, 2, 60)
    p1 = np.clip(0.3 * y + 0.7 * rng.random(60), 0, 1)
    cases.append(metric_case("binary_informative", y, np.c_[1 - p1, p1], 2))
    # Binary with many tied scores (tests ROC ties and drop_intermediate).
    y = rng.integers(0, 2, 40)
    p1 = np.round(rng.random(40) * 5) / 5
    cases.append(metric_case("binary_ties", y, np.c_[1 - p1, p1], 2))
    # Binary where one class is never predicted (zero division), with 0 and 1 probabilities (log-loss clipping).
    y = np.array([0, 1, 0, 1, 1, 0, 0, 1])
    p1 = np.array([0.0, 0.4, 0.1, 0.49, 0.3, 0.2, 0.45, 0.05])
    cases.append(metric_case("binary_never_positive", y, np.c_[1 - p1, p1], 2))
    # Multiclass, three and five classes.
    y = rng.integers(0, 3, 90)
    cases.append(metric_case("multiclass_3", y, random_proba(rng, 90, 3), 3))
    y = rng.integers(0, 5, 120)
    cases.append(metric_case("multiclass_5_ties", y, random_proba(rng, 120, 5, ties=True), 5))
    return cases


def regression_case(name, y_true, y_pred):
    """scikit-learn's regression metrics of one case; R² of one row is NaN there, null here."""
    import warnings

    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r2 = metrics.r2_score(y_true, y_pred)
    return {
        "name": name,
        "y_true": y_true.tolist(),
        "y_pred": y_pred.tolist(),
        "r2": None if np.isnan(r2) else float(r2),
        "rmse": float(metrics.root_mean_squared_error(y_true, y_pred)),
        "mae": float(metrics.mean_absolute_error(y_true, y_pred)),
        "mape": float(metrics.mean_absolute_percentage_error(y_true, y_pred)),
        "median_absolute_error": float(metrics.median_absolute_error(y_true, y_pred)),
        "max_error": float(metrics.max_error(y_true, y_pred)),
        "explained_variance": float(metrics.explained_variance_score(y_true, y_pred)),
        "mean_error": float(np.mean(y_true - y_pred)),
    }


def regression_cases():
    rng = np.random.default_rng(20261206)
    y = rng.normal(20, 6, 50)
    cases = [regression_case("informative", y, y + rng.normal(0, 2, 50))]
    # Skewed and biased: predictions too high by 10 % on average.
    y = rng.lognormal(3, 1, 41)
    cases.append(regression_case("skewed_biased", y, y * 1.1 + rng.normal(0, 3, 41)))
    # Zero targets: MAPE divides by machine epsilon there.
    y = np.array([0.0, 1.0, -2.0, 0.0, 5.5, 3.0])
    cases.append(regression_case("zeros_in_target", y, np.array([0.5, 1.0, -1.0, 0.0, 5.0, 2.0])))
    # A constant truth: force_finite gives 1 for exact predictions, 0 otherwise.
    cases.append(regression_case("constant_exact", [4.0] * 5, [4.0] * 5))
    cases.append(regression_case("constant_missed", [4.0] * 5, [4.0, 4.5, 3.0, 4.0, 4.0]))
    # One row: R² is not defined.
    cases.append(regression_case("one_row", [3.0], [2.5]))
    # An even count: the median is the mean of the two middle errors.
    cases.append(regression_case("even_median", [1.0, 2.0, 3.0, 4.0], [1.5, 1.0, 3.0, 6.0]))
    # Worse than the mean: R² below 0.
    y = rng.normal(0, 1, 30)
    cases.append(regression_case("worse_than_mean", y, -y))
    return cases


def model_case(file, target, every=5, estimator="logistic_regression"):
    """Fits scikit-learn's equivalent of the Glassbox pipeline on a fixed split
    (every `every`-th labelled row is a test row) and records its probabilities."""
    df = pd.read_csv(ROOT / "public" / "samples" / file, keep_default_na=True)
    labelled = df[df[target].notna()].reset_index(drop=True)
    test = np.arange(len(labelled)) % every == 0
    X = labelled.drop(columns=[target])
    y = labelled[target].astype(str)
    num = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
    cat = [c for c in X.columns if c not in num]
    pre = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num),
            ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")), cat),
        ],
        sparse_threshold=0,
    )
    clf = {
        "naive_bayes": lambda: GaussianNB(),
        "knn": lambda: KNeighborsClassifier(n_neighbors=5),
        "decision_tree": lambda: DecisionTreeClassifier(max_depth=3, random_state=0),
        "decision_tree_balanced": lambda: DecisionTreeClassifier(max_depth=3, random_state=0, class_weight="balanced"),
        "logistic_regression_balanced": lambda: LogisticRegression(C=1.0, max_iter=10000, tol=1e-10, class_weight="balanced"),
        "logistic_regression": lambda: LogisticRegression(C=1.0, max_iter=10000, tol=1e-10),
    }[estimator]()
    model = make_pipeline(pre, clf)
    model.fit(X[~test], y[~test])
    proba = model.predict_proba(X[test])
    return {
        "file": file,
        "target": target,
        "model": estimator,
        "every": every,
        "classes": model.classes_.tolist(),
        "proba": proba.tolist(),
    }


def feature_case(name, num_steps, cat_steps, spec):
    """A feature pipeline on penguins (missing values, three categorical
    columns), fitted on the training rows (all but every 5th) and applied to
    the test rows: the matrix, with names spelt as Glassbox spells them."""
    df = pd.read_csv(ROOT / "public" / "samples" / "penguins.csv", keep_default_na=True)
    X = df.drop(columns=["species"])
    test = np.arange(len(X)) % 5 == 0
    num = [c for c in X.columns if pd.api.types.is_numeric_dtype(X[c])]
    cat = [c for c in X.columns if c not in num]
    pre = ColumnTransformer(
        [("num", make_pipeline(*num_steps), num), ("cat", make_pipeline(*cat_steps), cat)],
        sparse_threshold=0,
    )
    pre.fit(X[~test])
    out = pre.transform(X[test])

    def rename(n):
        n = n.split("__", 1)[1]
        if n.startswith("missingindicator_"):
            return n[len("missingindicator_"):] + "_missing"
        return n.replace("_infrequent_sklearn", "_other")

    return {
        "name": name,
        "spec": spec,
        "names": [rename(n) for n in pre.get_feature_names_out()],
        "test_rows": np.flatnonzero(test).tolist(),
        "matrix": out.tolist(),
    }


def feature_cases():
    from sklearn.preprocessing import MinMaxScaler, OrdinalEncoder, RobustScaler

    most_frequent = SimpleImputer(strategy="most_frequent")
    return [
        feature_case(
            "mean_minmax_drop_first",
            [SimpleImputer(strategy="mean"), MinMaxScaler()],
            [most_frequent, OneHotEncoder(drop="first", handle_unknown="ignore")],
            {"impute": "mean", "scale": "minmax", "drop_first": True},
        ),
        feature_case(
            "robust_indicator_min_frequency",
            [SimpleImputer(strategy="median", add_indicator=True), RobustScaler()],
            [most_frequent, OneHotEncoder(min_frequency=60, handle_unknown="infrequent_if_exist")],
            {"impute": "median", "missing_indicator": True, "scale": "robust", "min_frequency": 60},
        ),
        feature_case(
            "constant_max_levels",
            [SimpleImputer(strategy="constant", fill_value=-1.0), StandardScaler()],
            [most_frequent, OneHotEncoder(max_categories=3, handle_unknown="infrequent_if_exist")],
            # max_categories counts the infrequent column: two levels plus other.
            {"impute": {"constant": -1.0}, "max_levels": 2},
        ),
        feature_case(
            "ordinal",
            [SimpleImputer(strategy="median"), StandardScaler()],
            [most_frequent, OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1)],
            {"encoding": "ordinal"},
        ),
    ]


def calibration_cases():
    """Platt's sigmoid and isotonic maps as CalibratedClassifierCV fits them."""
    from sklearn.calibration import _sigmoid_calibration
    from sklearn.isotonic import IsotonicRegression

    rng = np.random.default_rng(11)
    cases = []
    for name, n, rounding in (("small", 30, None), ("ties", 200, 1), ("large", 500, None)):
        f = rng.normal(size=n)
        if rounding is not None:
            f = np.round(f, rounding)
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-2 * f))).astype(int)
        a, b = _sigmoid_calibration(f, y)
        iso = IsotonicRegression(out_of_bounds="clip").fit(f, y)
        probe = np.linspace(f.min() - 1, f.max() + 1, 41)
        cases.append({
            "name": name, "scores": f.tolist(), "positive": y.astype(bool).tolist(),
            "sigmoid": {"a": float(a), "b": float(b)},
            "isotonic": {"x": iso.X_thresholds_.tolist(), "y": iso.y_thresholds_.tolist()},
            "probe": probe.tolist(), "isotonic_at_probe": iso.predict(probe).tolist(),
        })
    return cases


def regressor_cases():
    """scikit-learn's regressors on the concrete sample, split by a rule both
    sides replay (every fifth row tests): ridge on standardised features,
    the others on the raw ones; forests and boosting with five seeds each,
    so the test can hold Glassbox to the worst of them."""
    from sklearn.ensemble import ExtraTreesRegressor, HistGradientBoostingRegressor, RandomForestRegressor
    from sklearn.linear_model import Ridge
    from sklearn.neighbors import KNeighborsRegressor
    from sklearn.tree import DecisionTreeRegressor

    df = pd.read_csv(ROOT / "public" / "samples" / "concrete.csv")
    target = "compressive_strength"
    x = df.drop(columns=[target]).to_numpy(float)
    y = df[target].to_numpy(float)
    test = np.arange(len(y)) % 5 == 0
    x_train, x_test, y_train, y_test = x[~test], x[test], y[~test], y[test]
    scaler = StandardScaler().fit(x_train)
    ridge = Ridge(alpha=1.0).fit(scaler.transform(x_train), y_train)
    cases = {
        "file": "concrete.csv",
        "target": target,
        "rule": "row i (0-based) tests when i % 5 == 0",
        "ridge": {"r2": metrics.r2_score(y_test, ridge.predict(scaler.transform(x_test))),
                  "predictions": ridge.predict(scaler.transform(x_test)).tolist()},
        "knn": {"r2": metrics.r2_score(y_test, KNeighborsRegressor(5).fit(x_train, y_train).predict(x_test))},
    }
    # The target transform: ridge fitted on log1p(y), predictions mapped back by expm1.
    from sklearn.compose import TransformedTargetRegressor
    logged = TransformedTargetRegressor(Ridge(alpha=1.0), func=np.log1p, inverse_func=np.expm1)
    logged.fit(scaler.transform(x_train), y_train)
    cases["ridge_log1p"] = {"predictions": logged.predict(scaler.transform(x_test)).tolist()}
    seeded = {
        "decision_tree": lambda s: DecisionTreeRegressor(random_state=s),
        "random_forest": lambda s: RandomForestRegressor(100, random_state=s),
        "extra_trees": lambda s: ExtraTreesRegressor(100, random_state=s),
        "gradient_boosting": lambda s: HistGradientBoostingRegressor(random_state=s),
    }
    for name, make in seeded.items():
        cases[name] = {"r2_by_seed": [metrics.r2_score(y_test, make(s).fit(x_train, y_train).predict(x_test)) for s in range(5)]}
    # The quantile loss, the two ends conformalized quantile regression fits:
    # with fewer than 10,000 rows there is no early stopping and no binning
    # sample, so no seed enters and the predictions are comparable row by row.
    for q in (0.05, 0.95):
        predicted = HistGradientBoostingRegressor(loss="quantile", quantile=q, random_state=0).fit(x_train, y_train).predict(x_test)
        cases[f"gradient_boosting_quantile_{q}"] = {
            "quantile": q,
            "predictions": predicted.tolist(),
            "pinball": metrics.mean_pinball_loss(y_test, predicted, alpha=q),
            "share_below": float(np.mean(y_test < predicted)),
        }
    return cases


def main():
    import sys
    OUT.mkdir(parents=True, exist_ok=True)
    header = {"generated_by": "scripts/make_fixtures.py", "sklearn_version": sklearn.__version__}
    (OUT / "regressors.json").write_text(json.dumps({**header, "cases": regressor_cases()}, indent=1) + "\n")
    if sys.argv[1:] == ["--only", "regressors"]:
        return
    (OUT / "calibration_maps.json").write_text(json.dumps({**header, "cases": calibration_cases()}, indent=1) + "\n")
    # `--only calibration` leaves the other fixtures (made with an older scikit-learn) as they are.
    if sys.argv[1:] == ["--only", "calibration"]:
        return
    (OUT / "regression_metrics.json").write_text(json.dumps({**header, "cases": regression_cases()}, indent=1) + "\n")
    if sys.argv[1:] == ["--only", "regression"]:
        return
    (OUT / "metrics.json").write_text(json.dumps({**header, "cases": metric_cases()}, indent=1) + "\n")
    models = [
        model_case(f, t, estimator=e)
        for e in (
            "logistic_regression",
            "naive_bayes",
            "knn",
            "decision_tree",
            "logistic_regression_balanced",
            "decision_tree_balanced",
        )
        for f, t in (("breast_cancer.csv", "diagnosis"), ("penguins.csv", "species"))
        # Penguins' one-hot columns tie exactly at some tree splits, and
        # scikit-learn breaks ties by a random feature order: trees compare
        # on the continuous breast-cancer features only.
        if not (e.startswith("decision_tree") and f == "penguins.csv")
    ]
    (OUT / "models.json").write_text(json.dumps({**header, "cases": models}, indent=1) + "\n")
    (OUT / "features.json").write_text(json.dumps({**header, "cases": feature_cases()}, indent=1) + "\n")


if __name__ == "__main__":
    main()
