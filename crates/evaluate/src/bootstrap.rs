//! The paired bootstrap: is one model's score on the same rows larger than
//! another's by more than the rows' noise?
//!
//! Rows are drawn with replacement, the same draw scores both models, and
//! the difference's percentile interval is read from the resamples
//! (Efron and Tibshirani's percentile method; numpy's default linear
//! interpolation between order statistics). Pairing matters: two models
//! scored on the same hard rows err together, and an unpaired interval
//! would call most real improvements noise.

use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// The difference (second − first) of a score over resamples of the rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedInterval {
    /// The level of the interval, 0.95 for 95%.
    pub level: f64,
    pub low: f64,
    pub high: f64,
    /// Resamples whose score was a number for both (a resample with one
    /// class has no ROC AUC, and is left out).
    pub resamples: usize,
    /// Resamples drawn.
    pub drawn: usize,
}

/// Draws `drawn` resamples of `n` row positions with a seeded stream, and
/// gives `score` each draw; it answers both models' scores on those rows, or
/// `None` when the score is not defined there. The interval is `None`
/// when fewer than half the draws gave scores.
pub fn paired(
    n: usize,
    drawn: usize,
    level: f64,
    seed: u64,
    mut score: impl FnMut(&[usize]) -> Option<(f64, f64)>,
) -> Option<PairedInterval> {
    if n == 0 || drawn == 0 || !(level > 0.0 && level < 1.0) {
        return None;
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut rows = vec![0usize; n];
    let mut differences = Vec::with_capacity(drawn);
    for _ in 0..drawn {
        for r in rows.iter_mut() {
            *r = rng.gen_range(0..n);
        }
        if let Some((first, second)) = score(&rows) {
            let d = second - first;
            if d.is_finite() {
                differences.push(d);
            }
        }
    }
    if differences.len() * 2 < drawn {
        return None;
    }
    differences.sort_by(f64::total_cmp);
    let tail = (1.0 - level) / 2.0;
    Some(PairedInterval {
        level,
        low: percentile(&differences, tail),
        high: percentile(&differences, 1.0 - tail),
        resamples: differences.len(),
        drawn,
    })
}

/// `numpy.percentile(sorted, 100 q)` with linear interpolation.
fn percentile(sorted: &[f64], q: f64) -> f64 {
    let at = q * (sorted.len() - 1) as f64;
    let below = at.floor() as usize;
    let above = (below + 1).min(sorted.len() - 1);
    sorted[below] + (sorted[above] - sorted[below]) * (at - below as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean(v: &[f64], rows: &[usize]) -> f64 {
        rows.iter().map(|&r| v[r]).sum::<f64>() / rows.len() as f64
    }

    #[test]
    fn percentiles_are_numpys() {
        // numpy.percentile([1, 2, 3, 4], [2.5, 50, 97.5]) = [1.075, 2.5, 3.925]
        let v = [1.0, 2.0, 3.0, 4.0];
        for (q, want) in [(0.025, 1.075), (0.5, 2.5), (0.975, 3.925)] {
            assert!((percentile(&v, q) - want).abs() < 1e-12, "{q}");
        }
    }

    #[test]
    fn pairing_sees_a_small_steady_gain_that_noise_would_hide() {
        // The second model is right on every row the first is, and on 10% more;
        // the rows' difficulty varies a lot, which both share.
        let n = 400;
        let first: Vec<f64> = (0..n).map(|i| if i % 3 == 0 { 0.0 } else { 1.0 }).collect();
        let second: Vec<f64> = (0..n).map(|i| if i % 3 == 0 && i % 30 != 0 { 0.0 } else { 1.0 }).collect();
        let i = paired(n, 1000, 0.95, 7, |rows| Some((mean(&first, rows), mean(&second, rows)))).unwrap();
        assert!(i.low > 0.0 && i.high < 0.1, "{i:?}");
        assert_eq!(i.resamples, 1000);
        // The same seed draws the same rows.
        assert_eq!(Some(i), paired(n, 1000, 0.95, 7, |rows| Some((mean(&first, rows), mean(&second, rows)))));
    }

    #[test]
    fn equal_models_have_an_interval_around_zero_or_none() {
        let v: Vec<f64> = (0..50).map(|i| (i % 7) as f64).collect();
        let i = paired(50, 200, 0.95, 1, |rows| Some((mean(&v, rows), mean(&v, rows)))).unwrap();
        assert_eq!((i.low, i.high), (0.0, 0.0));
        assert_eq!(paired(50, 200, 0.95, 1, |_| None), None);
        assert_eq!(paired(0, 200, 0.95, 1, |_| Some((0.0, 1.0))), None);
    }
}
