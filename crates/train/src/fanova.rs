//! Which searched hyper-parameter the score depends on: fANOVA (Hutter,
//! Hoos and Leyton-Brown, 2014), as Optuna's `FanovaImportanceEvaluator`
//! computes it.
//!
//! A regression forest (64 bootstrap trees, depth at most 64, every
//! parameter tried at each split: Optuna's settings for scikit-learn's
//! `RandomForestRegressor`) learns the trials' scores from their parameter
//! values, on the parameters' own scale (Optuna's `transform_log=False`).
//! Each tree cuts the search space into boxes with a constant score. A
//! parameter's main effect in a tree is the variance, over the parameter's
//! value, of the score averaged over every other parameter (uniformly over
//! the space); its importance is that variance as a share of the tree's
//! whole variance, averaged over the trees whose variance is not zero, and
//! the shares are then scaled to sum to 1 as `optuna.importance.get_param_importances`
//! does. The unscaled mean share is kept too: what the main effects leave
//! unexplained is the parameters' interactions.
//!
//! Written here, not taken from a crate: no Rust crate computes fANOVA, and
//! with the forest this crate already grows it is a walk over each tree's
//! leaves. Optuna marginalises over the nodes whose subtree does not split
//! on the parameter; summing over their leaves, as here, is the same sum.

use serde::{Deserialize, Serialize};

use glassbox_core::{Error, ErrorKind, Matrix, Result};

use crate::control::Control;
use crate::estimator::{Dim, FitInput};
use crate::trees::{fit_forest_with, Node, Tree, TreeParams};

/// Trees in the forest, as Optuna's default.
pub const TREES: usize = 64;
/// Their depth limit, as Optuna's default.
pub const MAX_DEPTH: usize = 64;

/// One parameter's importance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParamImportance {
    pub param: String,
    /// Its share of the importances, which sum to 1 over the parameters
    /// (Optuna's `get_param_importances`).
    pub importance: f64,
    /// The share of the score's variance its main effect explains, the mean
    /// over the trees (Optuna's `evaluate` before scaling).
    pub main_effect: f64,
    /// The spread of that share over the trees (population standard deviation).
    pub std: f64,
}

/// A tree's leaves as boxes of the search space: each with its score and,
/// per parameter, the interval `(low, high]` it covers.
struct Boxes {
    values: Vec<f64>,
    bounds: Vec<Vec<(f64, f64)>>,
    /// Per parameter, the tree's thresholds on it, sorted, without repeats.
    splits: Vec<Vec<f64>>,
}

impl Boxes {
    fn of(tree: &Tree, space: &[(f64, f64)]) -> Boxes {
        let mut out = Boxes { values: Vec::new(), bounds: Vec::new(), splits: vec![Vec::new(); space.len()] };
        let mut stack = vec![(0usize, space.to_vec())];
        while let Some((i, b)) = stack.pop() {
            match tree.node(i) {
                Node::Split { feature, threshold, left, right, .. } => {
                    out.splits[feature].push(threshold);
                    let (mut l, mut r) = (b.clone(), b);
                    l[feature].1 = threshold;
                    r[feature].0 = threshold;
                    stack.push((right, r));
                    stack.push((left, l));
                }
                Node::Leaf { proba, .. } => {
                    out.values.push(proba.first().copied().unwrap_or(0.0));
                    out.bounds.push(b);
                }
            }
        }
        for s in &mut out.splits {
            s.sort_by(f64::total_cmp);
            s.dedup();
        }
        out
    }

    /// The volume of leaf `l`, leaving out parameter `skip` if given.
    fn volume(&self, l: usize, skip: Option<usize>) -> f64 {
        self.bounds[l].iter().enumerate().filter(|&(d, _)| Some(d) != skip).map(|(_, (lo, hi))| hi - lo).product()
    }

    /// The variance of the tree's score over the whole space.
    fn variance(&self) -> f64 {
        let pairs: Vec<(f64, f64)> = (0..self.values.len()).map(|l| (self.values[l], self.volume(l, None))).collect();
        weighted_variance(&pairs)
    }

    /// The variance of parameter `d`'s main effect: the score averaged over
    /// the other parameters, at the middle of each interval between the
    /// tree's thresholds on `d`, weighted by the interval's length.
    fn marginal_variance(&self, d: usize, space: (f64, f64)) -> f64 {
        let edges: Vec<f64> = std::iter::once(space.0).chain(self.splits[d].iter().copied()).chain([space.1]).collect();
        let points: Vec<(f64, f64)> = edges
            .windows(2)
            .map(|w| {
                let (mid, size) = (0.5 * (w[0] + w[1]), w[1] - w[0]);
                let (mut sum, mut weight) = (0.0, 0.0);
                for l in 0..self.values.len() {
                    let (lo, hi) = self.bounds[l][d];
                    if lo < mid && mid <= hi {
                        let v = self.volume(l, Some(d));
                        sum += self.values[l] * v;
                        weight += v;
                    }
                }
                (if weight > 0.0 { sum / weight } else { 0.0 }, weight * size)
            })
            .collect();
        weighted_variance(&points).max(0.0)
    }
}

/// The variance of values weighted by their weights (numpy's `average` of
/// the squared deviations from the weighted mean).
fn weighted_variance(pairs: &[(f64, f64)]) -> f64 {
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    if total <= 0.0 {
        return 0.0;
    }
    let mean = pairs.iter().map(|(v, w)| v * w).sum::<f64>() / total;
    pairs.iter().map(|(v, w)| (v - mean) * (v - mean) * w).sum::<f64>() / total
}

/// Per tree with a variance, each parameter's share of it; trees whose
/// score is constant explain nothing and are left out, as in Optuna.
pub fn tree_fractions(trees: &[Tree], space: &[(f64, f64)]) -> Vec<Vec<f64>> {
    trees
        .iter()
        .filter_map(|t| {
            let boxes = Boxes::of(t, space);
            let total = boxes.variance();
            (total > 0.0).then(|| (0..space.len()).map(|d| boxes.marginal_variance(d, space[d]) / total).collect())
        })
        .collect()
}

/// The importance of each of `dims` over `trials` (each the parameters'
/// values in `dims`' order, and its score), seeded; most important first,
/// ties in `dims`' order. Empty when there is nothing to tell apart: fewer
/// than two trials, or scores that do not vary (Optuna refuses those).
pub fn importance(dims: &[Dim], trials: &[(Vec<f64>, f64)], seed: u64) -> Result<Vec<ParamImportance>> {
    if dims.is_empty() || trials.len() < 2 {
        return Ok(Vec::new());
    }
    if trials.iter().any(|(p, s)| p.len() != dims.len() || !s.is_finite() || p.iter().any(|v| !v.is_finite())) {
        return Err(Error::new(ErrorKind::Internal, "a trial without a finite value for every searched parameter"));
    }
    let x = Matrix::new(trials.len(), dims.len(), trials.iter().flat_map(|t| t.0.iter().copied()).collect());
    let scores: Vec<f64> = trials.iter().map(|t| t.1).collect();
    let control = Control::default();
    let input = FitInput { x: &x, y: &[], n_classes: 1, values: Some(&scores), class_weight: None, control: &control };
    // Every parameter is tried at each split, in a random order per node, as
    // scikit-learn visits them: between splits that part the rows alike
    // (common with a few dozen trials) the first visited wins, so a fixed
    // order would favour the first parameter.
    let params = TreeParams {
        max_depth: Some(MAX_DEPTH),
        min_samples_leaf: 1,
        max_features: Some(dims.len()),
        random_thresholds: false,
    };
    let trees = fit_forest_with(&input, &(0..TREES).collect::<Vec<_>>(), params, seed)?;
    let space: Vec<(f64, f64)> = dims.iter().map(|d| (d.low, d.high)).collect();
    let fractions = tree_fractions(&trees, &space);
    if fractions.is_empty() {
        return Ok(Vec::new());
    }
    let n = fractions.len() as f64;
    let mut out: Vec<ParamImportance> = dims
        .iter()
        .enumerate()
        .map(|(d, dim)| {
            let mean = fractions.iter().map(|f| f[d]).sum::<f64>() / n;
            let var = fractions.iter().map(|f| (f[d] - mean) * (f[d] - mean)).sum::<f64>() / n;
            ParamImportance { param: dim.name.to_string(), importance: 0.0, main_effect: mean, std: var.sqrt() }
        })
        .collect();
    let sum: f64 = out.iter().map(|p| p.main_effect).sum();
    for p in &mut out {
        p.importance = if sum > 0.0 { p.main_effect / sum } else { 1.0 / dims.len() as f64 };
    }
    out.sort_by(|a, b| b.importance.total_cmp(&a.importance));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims() -> Vec<Dim> {
        vec![
            Dim::new("a", 0.0, 1.0, false, false),
            Dim::new("b", 1.0, 100.0, true, true),
            Dim::new("c", -5.0, 5.0, false, false),
        ]
    }

    /// Trials spread over the space by a fixed low-discrepancy walk, scored by `f`.
    fn trials(n: usize, f: impl Fn(&[f64]) -> f64) -> Vec<(Vec<f64>, f64)> {
        (0..n)
            .map(|i| {
                let u = |k: f64| ((i as f64 + 0.5) * k).fract();
                let p = vec![u(0.618_034), (1.0 + 99.0 * u(0.754_878)).round(), -5.0 + 10.0 * u(0.569_840)];
                let s = f(&p);
                (p, s)
            })
            .collect()
    }

    #[test]
    fn a_planted_parameter_takes_the_importance() {
        // Only `b` moves the score; the others add a hair of noise.
        let t = trials(60, |p| (p[1] / 100.0).sqrt() + 1e-4 * p[0] + 1e-4 * libm::sin(p[2]));
        let imp = importance(&dims(), &t, 7).unwrap();
        assert_eq!(imp[0].param, "b");
        assert!(imp[0].importance >= 0.8, "{imp:?}");
        let sum: f64 = imp.iter().map(|p| p.importance).sum();
        assert!((sum - 1.0).abs() < 1e-12, "{sum}");
    }

    #[test]
    fn an_additive_score_splits_its_variance_by_the_effects() {
        // Two effects with variances in the ratio 4 : 1 and no interaction:
        // the main effects explain nearly all the variance, 0.8 and 0.2.
        let t = trials(200, |p| 2.0 * p[0] + 0.1 * p[2]);
        let imp = importance(&dims(), &t, 3).unwrap();
        let of = |name: &str| imp.iter().find(|p| p.param == name).unwrap().clone();
        assert!((of("a").importance - 0.8).abs() < 0.05, "{imp:?}");
        assert!((of("c").importance - 0.2).abs() < 0.05, "{imp:?}");
        assert!(of("b").importance < 0.02, "{imp:?}");
        assert!(of("a").main_effect + of("c").main_effect > 0.9, "{imp:?}");
    }

    #[test]
    fn a_single_tree_is_decomposed_exactly() {
        // On [0,1]²: x0 ≤ 0.5 scores 0; otherwise x1 ≤ 0.5 scores 1, else 3.
        // Volumes ½, ¼, ¼: mean 1, variance ½·1 + ¼·0 + ¼·4 = 1.5. Main effect
        // of x0: ½·(0−1)² + ½·(2−1)² = 1; of x1: values ½ and 1.5, variance 0.25.
        let leaf = |v: f64| Node::Leaf { proba: vec![v], cover: 1.0 };
        let split =
            |f: usize, left: usize, right: usize| Node::Split { feature: f, threshold: 0.5, left, right, cover: 1.0 };
        let tree = Tree::from_nodes(vec![split(0, 1, 2), leaf(0.0), split(1, 3, 4), leaf(1.0), leaf(3.0)]).unwrap();
        let f = tree_fractions(&[tree], &[(0.0, 1.0), (0.0, 1.0)]);
        assert!((f[0][0] - 1.0 / 1.5).abs() < 1e-15, "{f:?}");
        assert!((f[0][1] - 0.25 / 1.5).abs() < 1e-15, "{f:?}");
    }

    #[test]
    fn scores_that_do_not_vary_tell_nothing() {
        assert!(importance(&dims(), &trials(20, |_| 0.7), 1).unwrap().is_empty());
        assert!(importance(&dims(), &trials(1, |p| p[0]), 1).unwrap().is_empty());
    }

    #[test]
    fn the_same_seed_gives_the_same_importances() {
        let t = trials(40, |p| p[0] * p[2]);
        assert_eq!(importance(&dims(), &t, 5).unwrap(), importance(&dims(), &t, 5).unwrap());
    }
}
