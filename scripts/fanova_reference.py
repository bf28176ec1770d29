#!/usr/bin/env python3
"""Optuna's fANOVA on trials exported by Glassbox: the reference for
crates/train/tests/fanova.rs.

Run from the repository root, after building the CLI:

  cargo build --release -p glassbox-cli
  python3 scripts/fanova_reference.py [path/to/glassbox]

For each case it runs `glassbox train ... --search ...`, reads the trials and
the searched space from the run's metrics.json, puts them in an Optuna study
(`create_trial` with an Int- or FloatDistribution per parameter, log as
searched) and writes crates/train/tests/fixtures/fanova.json with:

- `trees`: the 64 trees of the forest Optuna's `FanovaImportanceEvaluator`
  (seed 0) fitted, as scikit-learn grew them, and `tree_fractions`, Optuna's
  share of each tree's variance per parameter (`get_marginal_variance / variance`,
  trees with variance 0 left out as Optuna leaves them out). Glassbox's
  decomposition of the same trees must give the same shares to rounding.
- `optuna`: per parameter, the mean and standard deviation over SEEDS seeds
  of `get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=s))`
  (scaled to sum to 1) and of the unscaled `evaluate`. Glassbox's forest is
  grown by its own generator, so it is compared with this spread, not one seed.

Needs `pip install optuna scikit-learn`. The output is committed; rerun only
when a case is added.
"""
import json
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "crates" / "train" / "tests" / "fixtures" / "fanova.json"
SEEDS = 32

# (name, data, target, model, search, trials per sampler)
CASES = [
    ("concrete_random_forest_tpe", "concrete.csv", "compressive_strength", "random_forest", "tpe", 30),
    ("breast_cancer_boosting_random", "breast_cancer.csv", "diagnosis", "gradient_boosting", "random", 30),
    ("penguins_decision_tree_both", "penguins.csv", "species", "decision_tree", "both", 15),
]


def glassbox_trials(binary, data, target, model, search, trials):
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            [binary, "train", str(ROOT / "public" / "samples" / data), "--target", target, "--model", model,
             "--search", search, "--trials", str(trials), "--out", out],
            check=True, capture_output=True,
        )
        metrics = json.loads(pathlib.Path(out, "metrics.json").read_text())
    return metrics["search"]["space"], metrics["search"]["trials"]


def study_of(space, trials):
    import optuna
    from optuna.distributions import FloatDistribution, IntDistribution

    dists = {
        p["name"]: (IntDistribution(int(p["low"]), int(p["high"]), log=p["log"]) if p["integer"]
                    else FloatDistribution(p["low"], p["high"], log=p["log"]))
        for p in space
    }
    study = optuna.create_study(direction="maximize")
    for t in trials:
        if t["score"] is None:
            continue
        params = {k: (int(v) if p_int else v) for k, v, p_int in
                  ((k, v, next(p["integer"] for p in space if p["name"] == k)) for k, v in t["params"].items())}
        study.add_trial(optuna.trial.create_trial(params=params, distributions=dists, value=t["score"]))
    return study


def main():
    import optuna
    from optuna.importance import FanovaImportanceEvaluator, get_param_importances
    import sklearn

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    binary = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target" / "release" / "glassbox")
    cases = []
    for name, data, target, model, search, n in CASES:
        space, trials = glassbox_trials(binary, data, target, model, search, n)
        # Optuna's forest sees the parameters sorted by name: the fixture's
        # space is in that order, so the trees' feature indices point into it.
        space = sorted(space, key=lambda p: p["name"])
        study = study_of(space, trials)
        names = [p["name"] for p in space]
        from optuna.importance._base import _get_distributions
        assert list(_get_distributions(study, None)) == names
        shares = {k: [] for k in names}
        raw = {k: [] for k in names}
        for seed in range(SEEDS):
            scaled = get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=seed))
            unscaled = FanovaImportanceEvaluator(seed=seed).evaluate(study)
            for k in names:
                shares[k].append(scaled[k])
                raw[k].append(unscaled[k])
        # Seed 0's forest, tree by tree, with Optuna's share of each tree's variance.
        ev = FanovaImportanceEvaluator(seed=0)
        ev.evaluate(study)
        fanova = ev._evaluator
        trees, fractions = [], []
        for est, ftree in zip(fanova._forest.estimators_, fanova._trees):
            t = est.tree_
            nodes = []
            for i in range(t.node_count):
                if t.children_left[i] < 0:
                    nodes.append({"proba": [float(t.value[i].reshape(-1)[0])], "cover": float(t.weighted_n_node_samples[i])})
                else:
                    nodes.append({"feature": int(t.feature[i]), "threshold": float(t.threshold[i]),
                                  "left": int(t.children_left[i]), "right": int(t.children_right[i]),
                                  "cover": float(t.weighted_n_node_samples[i])})
            trees.append(nodes)
            if ftree.variance > 0.0:
                fractions.append([max(ftree.get_marginal_variance(np.array([d])), 0.0) / ftree.variance
                                  for d in range(len(names))])
        cases.append({
            "name": name,
            "space": space,
            "trials": [{"params": t["params"], "score": t["score"]} for t in trials if t["score"] is not None],
            "optuna": {
                "seeds": SEEDS,
                "importance_mean": {k: float(np.mean(v)) for k, v in shares.items()},
                "importance_std": {k: float(np.std(v)) for k, v in shares.items()},
                "main_effect_mean": {k: float(np.mean(v)) for k, v in raw.items()},
                "main_effect_std": {k: float(np.std(v)) for k, v in raw.items()},
            },
            "trees": trees,
            "tree_fractions": fractions,
        })
    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc = {"optuna": optuna.__version__, "sklearn": sklearn.__version__, "cases": cases}
    # Compact: the trees are most of it, and nobody reads them by eye.
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
