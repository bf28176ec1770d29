//! Can the probabilities be trusted? The reliability diagram, the expected
//! calibration error and the Brier score.
//!
//! The diagram is `sklearn.calibration.calibration_curve(n_bins=10,
//! strategy="uniform")`: equal-width bins over [0, 1] (a probability on an
//! inner edge goes to the bin below it, as `np.searchsorted` puts it), empty
//! bins dropped, and here also the rows per bin. For two classes it is of the
//! positive class; for more, of the top label (the predicted class's
//! probability against whether the prediction was right), which is how the
//! expected calibration error is usually defined for many classes.

use serde::{Deserialize, Serialize};

/// Bins of the reliability diagram, as scikit-learn's default.
pub const CALIBRATION_BINS: usize = 10;

/// Whose probabilities a reliability diagram bins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalibrationOf {
    /// The positive (second) class of a binary target.
    #[default]
    PositiveClass,
    /// The predicted class's probability, against whether it was right.
    TopLabel,
}

/// A reliability diagram: per non-empty bin, the share of positives, the
/// mean predicted probability and the rows; and the expected calibration
/// error, Σ (rows / all rows) · |share − mean probability| over those bins.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Calibration {
    pub of: CalibrationOf,
    pub prob_true: Vec<f64>,
    pub prob_pred: Vec<f64>,
    pub counts: Vec<usize>,
    pub ece: f64,
}

/// The reliability diagram of `proba` against `y_true` with `n_bins` bins.
pub fn calibration(y_true: &[usize], proba: &[Vec<f64>], n_bins: usize) -> Calibration {
    let binary = proba.first().is_some_and(|p| p.len() == 2);
    let (of, hits, scores): (CalibrationOf, Vec<bool>, Vec<f64>) = if binary {
        (CalibrationOf::PositiveClass, y_true.iter().map(|&t| t == 1).collect(), proba.iter().map(|p| p[1]).collect())
    } else {
        let top: Vec<usize> = proba.iter().map(|p| glassbox_core::argmax(p)).collect();
        let hits = y_true.iter().zip(&top).map(|(t, k)| t == k).collect();
        (CalibrationOf::TopLabel, hits, proba.iter().zip(&top).map(|(p, &k)| p[k]).collect())
    };
    // The inner edges as `np.linspace(0, 1, n_bins + 1)[1:-1]` computes them.
    let step = 1.0 / n_bins as f64;
    let edges: Vec<f64> = (1..n_bins).map(|i| i as f64 * step).collect();
    let (mut sums, mut trues, mut totals) = (vec![0.0; n_bins], vec![0.0; n_bins], vec![0usize; n_bins]);
    for (&p, &hit) in scores.iter().zip(&hits) {
        let bin = edges.iter().take_while(|&&e| e < p).count();
        sums[bin] += p;
        trues[bin] += if hit { 1.0 } else { 0.0 };
        totals[bin] += 1;
    }
    let mut c = Calibration { of, ..Calibration::default() };
    let n = scores.len() as f64;
    for b in (0..n_bins).filter(|&b| totals[b] > 0) {
        let (t, m) = (trues[b] / totals[b] as f64, sums[b] / totals[b] as f64);
        c.ece += totals[b] as f64 / n * (t - m).abs();
        c.prob_true.push(t);
        c.prob_pred.push(m);
        c.counts.push(totals[b]);
    }
    c
}

/// `sklearn.metrics.brier_score_loss`: for two classes the mean of
/// (p − y)² over the positive class's probability; for more, the mean over
/// rows of Σₖ (pₖ − yₖ)² over the whole probability matrix, as scikit-learn
/// computes it for many classes.
pub fn brier_score(y_true: &[usize], proba: &[Vec<f64>]) -> f64 {
    let binary = proba.first().is_some_and(|p| p.len() == 2);
    let total: f64 = y_true
        .iter()
        .zip(proba)
        .map(|(&t, p)| {
            if binary {
                let y = if t == 1 { 1.0 } else { 0.0 };
                (p[1] - y) * (p[1] - y)
            } else {
                p.iter().enumerate().map(|(k, &pk)| if k == t { (pk - 1.0) * (pk - 1.0) } else { pk * pk }).sum()
            }
        })
        .sum();
    total / y_true.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(got: &[f64], want: &[f64]) {
        assert_eq!(got.len(), want.len(), "{got:?} vs {want:?}");
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{got:?} vs {want:?}");
        }
    }

    /// Regression guard: `floor(p * 10)` puts 0.3 in the fourth bin, while
    /// numpy's third edge is 0.30000000000000004 and 0.3 stays in the third.
    #[test]
    fn a_probability_on_or_near_an_edge_goes_where_numpy_puts_it() {
        let y = [0, 1, 0, 1, 1, 0];
        let p1 = [0.1, 0.2, 0.15, 0.25, 0.3, 0.95];
        let proba: Vec<Vec<f64>> = p1.iter().map(|&p| vec![1.0 - p, p]).collect();
        let c = calibration(&y, &proba, CALIBRATION_BINS);
        assert_eq!(c.of, CalibrationOf::PositiveClass);
        assert_eq!(c.counts, [1, 2, 2, 1]);
        close(&c.prob_true, &[0.0, 0.5, 1.0, 0.0]);
        close(&c.prob_pred, &[0.1, 0.175, 0.275, 0.95]);
        close(&[c.ece], &[0.525]);
    }

    #[test]
    fn many_classes_bin_the_top_label() {
        let proba = vec![vec![0.7, 0.2, 0.1], vec![0.1, 0.1, 0.8], vec![0.45, 0.35, 0.2]];
        let c = calibration(&[0, 1, 1], &proba, CALIBRATION_BINS);
        assert_eq!(c.of, CalibrationOf::TopLabel);
        assert_eq!(c.counts, [1, 1, 1]);
        close(&c.prob_true, &[0.0, 1.0, 0.0]);
        close(&c.prob_pred, &[0.45, 0.7, 0.8]);
        // Brier over the matrix: (0.09+0.04+0.01) + (0.01+0.81+0.64) + (0.2025+0.4225+0.04), over 3 rows.
        close(&[brier_score(&[0, 1, 1], &proba)], &[(0.14 + 1.46 + 0.665) / 3.0]);
    }
}
