//! Why a row got its score: Shapley values per input column, with respect
//! to a baseline row (the training rows' mean features, stored in the model
//! file), so that `base + Σ φ = output` for every row.
//!
//! - A linear model is explained exactly in its margin (log-odds):
//!   `φ_c = Σ_{j ∈ c} w_j (x_j − μ_j)` over the column's features, the
//!   interventional linear SHAP of `shap.LinearExplainer`.
//! - Any other model is explained in probability by permutation sampling
//!   (Štrumbelj and Kononenko): for each sampled order of the columns, the
//!   columns move one by one from the baseline to the row's values and each
//!   is credited with the change in output it causes. Orders come in
//!   antithetic pairs (an order and its reverse), seeded; the standard error
//!   of each φ is reported. Every order's credits add up to
//!   `f(x) − f(μ)`, so additivity is exact, not approximate.
//!
//! Trees, forests and boosting are explained exactly by TreeSHAP, with each
//! node's training cover, in `crate::tree_shap`; the sampler is for the rest.
//!
//! A column's features (one-hot levels, date parts) move together, so the
//! explanation is per raw input column, as the person sees the data.

use std::ops::Range;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use glassbox_core::Matrix;

/// Orders of the columns the sampler averages over (in antithetic pairs).
pub const PERMUTATIONS: usize = 16;

/// The space an explanation's numbers are in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Space {
    /// The explained class's margin: its log-odds for two classes.
    LogOdds,
    /// The explained class's probability.
    Probability,
    /// A regressor's prediction, in the target's units.
    Target,
    /// The log of a regressor's prediction (a Poisson booster's raw score).
    LogTarget,
    /// `log1p` of the prediction: a regressor fitted on `log1p(y)`.
    Log1pTarget,
}

impl Space {
    pub fn as_str(self) -> &'static str {
        match self {
            Space::LogOdds => "log_odds",
            Space::Probability => "probability",
            Space::Target => "target",
            Space::LogTarget => "log_target",
            Space::Log1pTarget => "log1p_target",
        }
    }
}

/// One row's explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The output at the baseline row.
    pub base: f64,
    /// Per input column, in the model's column order.
    pub phi: Vec<f64>,
    /// The standard error of each φ (0 when exact).
    pub std_error: Vec<f64>,
    /// The output for this row: `base + Σ phi`.
    pub output: f64,
    /// Per input column, its value as the model saw it when the column is
    /// one feature (a number, scaled or not), for colouring a beeswarm by
    /// value; `None` for a column of several features (one-hot levels, date parts).
    #[serde(default)]
    pub values: Vec<Option<f64>>,
}

/// Each column's value in `row` when the column is a single feature.
pub fn column_values(blocks: &[Range<usize>], row: &[f64]) -> Vec<Option<f64>> {
    blocks.iter().map(|b| (b.len() == 1).then(|| row[b.start])).collect()
}

/// Exact linear SHAP of the margin `w · x + b` for one row.
pub fn linear(w: &[f64], b: f64, baseline: &[f64], blocks: &[Range<usize>], row: &[f64]) -> Explanation {
    let phi: Vec<f64> = blocks.iter().map(|bl| bl.clone().map(|j| w[j] * (row[j] - baseline[j])).sum()).collect();
    Explanation {
        base: b + w.iter().zip(baseline).map(|(w, m)| w * m).sum::<f64>(),
        std_error: vec![0.0; blocks.len()],
        output: b + w.iter().zip(row).map(|(w, v)| w * v).sum::<f64>(),
        values: column_values(blocks, row),
        phi,
    }
}

/// Permutation-sampled Shapley values of `output` (one number per row of a
/// matrix: row `r`'s explained class's probability) for each row of `x`, over
/// `permutations` orders (rounded up to a pair) seeded by `seed`.
pub fn sampled(
    output: &dyn Fn(&Matrix) -> Vec<f64>,
    baseline: &[f64],
    blocks: &[Range<usize>],
    x: &Matrix,
    permutations: usize,
    seed: u64,
) -> Vec<Explanation> {
    let (n, d, k) = (x.n_rows, x.n_cols, blocks.len());
    let start = Matrix::new(n, d, (0..n).flat_map(|_| baseline.iter().copied()).collect());
    // Each row's base is the baseline scored in that row's place, for its
    // class (and for a model whose output depends on the row's position).
    let bases = output(&start);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut orders: Vec<Vec<usize>> = Vec::new();
    while orders.len() < permutations.max(2) {
        let mut order: Vec<usize> = (0..k).collect();
        order.shuffle(&mut rng);
        orders.push(order.iter().rev().copied().collect());
        orders.push(order);
    }
    let (mut sum, mut sum_sq) = (vec![0.0; n * k], vec![0.0; n * k]);
    for order in &orders {
        let mut cur = start.clone();
        let mut prev = bases.clone();
        for &c in order {
            let values = cur.values_mut();
            for r in 0..n {
                let (at, range) = (r * d, blocks[c].clone());
                values[at + range.start..at + range.end].copy_from_slice(&x.values[at + range.start..at + range.end]);
            }
            let now = output(&cur);
            for r in 0..n {
                let credit = now[r] - prev[r];
                sum[r * k + c] += credit;
                sum_sq[r * k + c] += credit * credit;
            }
            prev = now;
        }
    }
    let m = orders.len() as f64;
    let outputs = output(x);
    (0..n)
        .map(|r| {
            let phi: Vec<f64> = (0..k).map(|c| sum[r * k + c] / m).collect();
            let std_error = (0..k)
                .map(|c| {
                    let mean = sum[r * k + c] / m;
                    ((sum_sq[r * k + c] / m - mean * mean).max(0.0) / m).sqrt()
                })
                .collect();
            Explanation { base: bases[r], phi, std_error, output: outputs[r], values: column_values(blocks, x.row(r)) }
        })
        .collect()
}

/// Mean |φ| per column over explanations: the global summary.
pub fn mean_abs(explanations: &[Explanation]) -> Vec<f64> {
    let k = explanations.first().map_or(0, |e| e.phi.len());
    let n = explanations.len().max(1) as f64;
    (0..k).map(|c| explanations.iter().map(|e| e.phi[c].abs()).sum::<f64>() / n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_additive(es: &[Explanation], tol: f64) {
        for e in es {
            let total = e.base + e.phi.iter().sum::<f64>();
            assert!((total - e.output).abs() < tol, "base {} + Σφ {} ≠ output {}", e.base, total - e.base, e.output);
        }
    }

    /// Exact Shapley values by brute force over every coalition of columns,
    /// the absent ones at the baseline: what the sampler must approach.
    fn brute_force(
        f: &dyn Fn(&Matrix) -> Vec<f64>,
        baseline: &[f64],
        blocks: &[Range<usize>],
        row: &[f64],
    ) -> Vec<f64> {
        let k = blocks.len();
        let value = |mask: usize| {
            let mut v = baseline.to_vec();
            for (_, b) in blocks.iter().enumerate().filter(|(c, _)| mask >> c & 1 == 1) {
                v[b.clone()].copy_from_slice(&row[b.clone()]);
            }
            f(&Matrix::new(1, v.len(), v))[0]
        };
        let fact = |n: usize| (1..=n).product::<usize>() as f64;
        (0..k)
            .map(|c| {
                (0..1usize << k)
                    .filter(|m| m >> c & 1 == 0)
                    .map(|m| {
                        let s = m.count_ones() as usize;
                        fact(s) * fact(k - s - 1) / fact(k) * (value(m | 1 << c) - value(m))
                    })
                    .sum()
            })
            .collect()
    }

    #[test]
    fn linear_shap_adds_up_and_sums_a_columns_features() {
        let (w, b) = ([0.5, -1.0, 2.0], 0.25);
        let baseline = [1.0, 0.0, 0.5];
        let blocks = [0..1, 1..3];
        let es: Vec<Explanation> =
            [[3.0, 1.0, 0.0], [1.0, 0.0, 0.5]].iter().map(|row| linear(&w, b, &baseline, &blocks, row)).collect();
        check_additive(&es, 1e-12);
        // Column 0: 0.5 × (3 − 1); column 1: −1 × (1 − 0) + 2 × (0 − 0.5).
        assert_eq!(es[0].phi, [1.0, -2.0]);
        assert_eq!(es[1].phi, [0.0, 0.0], "the baseline row itself");
    }

    #[test]
    fn the_sampler_adds_up_exactly_and_finds_the_exact_values_of_an_additive_model() {
        // With no interactions every order credits each column alike: exact.
        let f = |m: &Matrix| (0..m.n_rows).map(|r| 0.3 * m.row(r)[0] - 0.2 * m.row(r)[1] + 0.1 * m.row(r)[2]).collect();
        let baseline = [0.0, 1.0, 2.0];
        let blocks = [0..1, 1..2, 2..3];
        let x = Matrix::from_rows(&[&[1.0, 3.0, 2.0]]);
        let es = sampled(&f, &baseline, &blocks, &x, 8, 1);
        check_additive(&es, 1e-12);
        for (got, want) in es[0].phi.iter().zip([0.3, -0.4, 0.0]) {
            assert!((got - want).abs() < 1e-12, "{:?}", es[0].phi);
        }
    }

    #[test]
    fn with_interactions_the_sampler_approaches_brute_force_within_its_error() {
        // A small tree-like model: the first column matters only when the second is high.
        let f = |m: &Matrix| {
            (0..m.n_rows)
                .map(|r| {
                    let v = m.row(r);
                    if v[1] > 0.5 {
                        0.2 + 0.6 * f64::from(v[0] > 0.5)
                    } else {
                        0.1 + 0.1 * v[2] + 0.2 * v[3] * v[0]
                    }
                })
                .collect::<Vec<f64>>()
        };
        let baseline = [0.2, 0.3, 0.5, 0.4];
        let blocks = [0..1, 1..2, 2..3, 3..4];
        let x = Matrix::from_rows(&[&[0.9, 0.8, 0.1, 1.0]]);
        let exact = brute_force(&f, &baseline, &blocks, x.row(0));
        let es = sampled(&f, &baseline, &blocks, &x, 400, 7);
        check_additive(&es, 1e-12);
        for (c, want) in exact.iter().enumerate() {
            let (got, se) = (es[0].phi[c], es[0].std_error[c]);
            assert!((got - want).abs() <= 4.0 * se + 1e-12, "column {c}: {got} ± {se} vs exact {want}");
        }
        assert_eq!(es, sampled(&f, &baseline, &blocks, &x, 400, 7), "seeded");
    }
}
