//! Permutation importance, as `sklearn.inspection.permutation_importance`
//! defines it: shuffle one input column over the scored rows, score again,
//! and the importance is how much the score drops, over `repeats` seeded
//! shuffles (mean and population standard deviation).
//!
//! A raw input column may make several features (one-hot levels, date
//! parts); they are shuffled together, by rows, so the column moves as one.
//! The shuffles are seeded by the run's seed, the column and the repeat, so
//! each (column, repeat) is an independent job with the same answer on any
//! thread or worker. scikit-learn's numbers differ only by its other random
//! shuffles.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use glassbox_core::Matrix;

use crate::metrics::{accuracy, roc_auc, roc_curves};

/// The default number of shuffles per column, as scikit-learn's.
pub const REPEATS: usize = 5;

/// What a scoring pass gives: ROC AUC and accuracy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    /// ROC AUC; for a regressor, R².
    pub roc_auc: f64,
    /// Accuracy; for a regressor, minus the RMSE (scikit-learn's
    /// `neg_root_mean_squared_error`), so that for both tasks a drop in
    /// either score is what shuffling a column cost.
    pub accuracy: f64,
}

/// The scores of a regressor's predictions (`outputs`, one per row)
/// against the numbers `y`: R² and minus the RMSE (see [`Scores`]).
pub fn regression_scores(y: &[f64], outputs: &[Vec<f64>]) -> glassbox_core::Result<Scores> {
    let predicted: Vec<f64> = outputs.iter().map(|p| p[0]).collect();
    let m = crate::regression::regression_metrics(y, &predicted)?;
    Ok(Scores { roc_auc: m.r2.unwrap_or(0.0), accuracy: -m.rmse })
}

/// The scores of `proba` against `y` with predictions made by `decide`.
pub fn scores(y: &[usize], proba: &[Vec<f64>], n_classes: usize, decide: &dyn Fn(&[f64]) -> usize) -> Scores {
    let predicted: Vec<usize> = proba.iter().map(|p| decide(p)).collect();
    Scores { roc_auc: roc_auc(&roc_curves(y, proba, n_classes)), accuracy: accuracy(y, &predicted) }
}

/// `x` with the rows of features `block` (a raw column's features) in the
/// order of shuffle `repeat` of column `column`.
pub fn shuffled(x: &Matrix, block: std::ops::Range<usize>, seed: u64, column: usize, repeat: usize) -> Matrix {
    let mut order: Vec<usize> = (0..x.n_rows).collect();
    // One stream per (column, repeat): a job's shuffle does not depend on the others.
    let stream = seed ^ ((column as u64) << 32 | repeat as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(stream));
    let mut out = x.clone();
    let values = out.values_mut();
    for (to, &from) in order.iter().enumerate() {
        let (dst, src) = (to * x.n_cols, from * x.n_cols);
        values[dst + block.start..dst + block.end].copy_from_slice(&x.values[src + block.start..src + block.end]);
    }
    out
}

/// One column's importance over its repeats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Importance {
    pub column: String,
    /// The drop in ROC AUC: mean and standard deviation over the repeats.
    pub mean: f64,
    pub std: f64,
    /// The drop in accuracy.
    pub accuracy_mean: f64,
    pub accuracy_std: f64,
    pub repeats: usize,
    /// The test rows it was measured on (a big test set is sampled).
    #[serde(default)]
    pub rows: usize,
}

/// Mean and population standard deviation (`np.std`, as scikit-learn reports).
fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    (mean, (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt())
}

/// Importances from each (column, repeat)'s drops in score (in job order:
/// column by column), measured on `rows` rows; most important (largest mean
/// AUC drop) first, ties keeping the columns' order.
pub fn summarize(columns: &[String], repeats: usize, rows: usize, drops: &[Scores]) -> Vec<Importance> {
    let mut out: Vec<Importance> = columns
        .iter()
        .zip(drops.chunks(repeats.max(1)))
        .map(|(name, s)| {
            let auc: Vec<f64> = s.iter().map(|x| x.roc_auc).collect();
            let acc: Vec<f64> = s.iter().map(|x| x.accuracy).collect();
            let ((mean, std), (accuracy_mean, accuracy_std)) = (mean_std(&auc), mean_std(&acc));
            Importance { column: name.clone(), mean, std, accuracy_mean, accuracy_std, repeats, rows }
        })
        .collect();
    out.sort_by(|a, b| b.mean.total_cmp(&a.mean));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shuffle_moves_a_block_by_rows_and_only_that_block() {
        let x =
            Matrix::from_rows(&[&[1.0, 10.0, 100.0], &[2.0, 20.0, 200.0], &[3.0, 30.0, 300.0], &[4.0, 40.0, 400.0]]);
        let s = shuffled(&x, 1..3, 7, 0, 0);
        for r in 0..4 {
            assert_eq!(s.row(r)[0], x.row(r)[0], "column 0 stays");
            assert_eq!(s.row(r)[2], s.row(r)[1] * 10.0, "the block's features move together");
        }
        let mut moved: Vec<f64> = (0..4).map(|r| s.row(r)[1]).collect();
        moved.sort_by(f64::total_cmp);
        assert_eq!(moved, [10.0, 20.0, 30.0, 40.0], "a permutation");
        assert_eq!(s, shuffled(&x, 1..3, 7, 0, 0), "seeded");
        assert_ne!(shuffled(&x, 1..3, 7, 0, 1), shuffled(&x, 1..3, 7, 0, 2), "each repeat its own shuffle");
    }

    #[test]
    fn the_summary_is_the_mean_and_population_spread_of_the_drops() {
        let s = |drop: f64| Scores { roc_auc: drop, accuracy: 0.0 };
        let cols = ["a".to_string(), "b".to_string()];
        let out = summarize(&cols, 2, 10, &[s(0.0), s(0.0), s(0.3), s(0.1)]);
        assert_eq!(out[0].column, "b", "largest drop first");
        assert!((out[0].mean - 0.2).abs() < 1e-12 && (out[0].std - 0.1).abs() < 1e-12, "{:?}", out[0]);
        assert_eq!((out[1].mean, out[1].std, out[1].accuracy_mean), (0.0, 0.0, 0.0));
    }
}
