//! fANOVA against Optuna's `FanovaImportanceEvaluator`, on trials Glassbox
//! exported (fixtures made by `scripts/fanova_reference.py`).
//!
//! Two checks. The decomposition is checked exactly: on the very trees
//! scikit-learn grew for Optuna, each parameter's share of each tree's
//! variance equals Optuna's to rounding (1e-9). The importances are checked
//! against Optuna's spread: Glassbox grows its forest with its own
//! generator, so its bootstrap samples (and its ties between equally good
//! splits) differ from scikit-learn's and no single seed can match. Both
//! are draws of the same estimator, so the mean over [`OURS`] of our seeds
//! must lie within [`Z`] standard errors of Optuna's mean over its seeds,
//! the standard deviation taken from Optuna's seeds: were the two the same
//! estimator, a parameter would fail this less than once in 15,000 times.

use std::collections::BTreeMap;

use serde::Deserialize;

use glassbox_train::estimator::Dim;
use glassbox_train::fanova::{importance, tree_fractions};
use glassbox_train::trees::{Node, Tree};

/// Our seeds averaged.
const OURS: u64 = 8;
/// Standard errors allowed.
const Z: f64 = 4.0;

#[derive(Deserialize)]
struct Fixture {
    optuna: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Param {
    name: String,
    low: f64,
    high: f64,
    log: bool,
    integer: bool,
}

#[derive(Deserialize)]
struct TrialJson {
    params: BTreeMap<String, f64>,
    score: f64,
}

#[derive(Deserialize)]
struct Optuna {
    seeds: usize,
    importance_mean: BTreeMap<String, f64>,
    importance_std: BTreeMap<String, f64>,
    main_effect_mean: BTreeMap<String, f64>,
    main_effect_std: BTreeMap<String, f64>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    space: Vec<Param>,
    trials: Vec<TrialJson>,
    optuna: Optuna,
    trees: Vec<Vec<Node>>,
    tree_fractions: Vec<Vec<f64>>,
}

fn fixture() -> Fixture {
    let path = format!("{}/tests/fixtures/fanova.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn dims(case: &Case) -> Vec<Dim> {
    // `Dim` names are the model's static names; a test can leak a few.
    case.space
        .iter()
        .map(|p| Dim::new(Box::leak(p.name.clone().into_boxed_str()), p.low, p.high, p.log, p.integer))
        .collect()
}

#[test]
fn each_trees_variance_splits_as_optunas() {
    let fx = fixture();
    for case in &fx.cases {
        let trees: Vec<Tree> = case.trees.iter().map(|n| Tree::from_nodes(n.clone()).unwrap()).collect();
        let space: Vec<(f64, f64)> = case.space.iter().map(|p| (p.low, p.high)).collect();
        let ours = tree_fractions(&trees, &space);
        assert_eq!(ours.len(), case.tree_fractions.len(), "{}: trees with a variance", case.name);
        for (t, (a, b)) in ours.iter().zip(&case.tree_fractions).enumerate() {
            for (d, (x, y)) in a.iter().zip(b).enumerate() {
                assert!(
                    (x - y).abs() <= 1e-9 * y.abs().max(1.0),
                    "{} tree {t} parameter {d}: {x} against Optuna {} {y}",
                    case.name,
                    fx.optuna
                );
            }
        }
    }
}

#[test]
fn importances_fall_within_optunas_seed_spread() {
    let fx = fixture();
    for case in &fx.cases {
        let dims = dims(case);
        let trials: Vec<(Vec<f64>, f64)> =
            case.trials.iter().map(|t| (dims.iter().map(|d| t.params[d.name]).collect(), t.score)).collect();
        let mut share = BTreeMap::<String, f64>::new();
        let mut main = BTreeMap::<String, f64>::new();
        for seed in 0..OURS {
            for p in importance(&dims, &trials, seed).unwrap() {
                *share.entry(p.param.clone()).or_default() += p.importance / OURS as f64;
                *main.entry(p.param).or_default() += p.main_effect / OURS as f64;
            }
        }
        let theirs = (case.optuna.seeds as f64, OURS as f64);
        for d in &dims {
            for (what, ours, mean, std) in [
                ("importance", share[d.name], case.optuna.importance_mean[d.name], case.optuna.importance_std[d.name]),
                (
                    "main effect",
                    main[d.name],
                    case.optuna.main_effect_mean[d.name],
                    case.optuna.main_effect_std[d.name],
                ),
            ] {
                let se = (std * std / theirs.0 + std * std / theirs.1).sqrt();
                let allowed = Z * se + 1e-9;
                println!(
                    "{} {} {what}: ours {ours:.4}, Optuna {mean:.4} ± {std:.4} (allowed {allowed:.4})",
                    case.name, d.name
                );
                assert!(
                    (ours - mean).abs() <= allowed,
                    "{} {} {what}: ours {ours} against Optuna's {mean} (allowed {allowed})",
                    case.name,
                    d.name
                );
            }
        }
    }
}
