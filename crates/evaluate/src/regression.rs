//! Regression metrics with scikit-learn's definitions (`sklearn.metrics`
//! 1.9): the same numbers to 1e-9 relative on the fixtures that
//! `scripts/make_fixtures.py --only regression` writes, edge rules included.
//!
//! - R² and explained variance follow `force_finite=True`: a constant true
//!   target gives 1 when every prediction is exact and 0 otherwise.
//!   R² of fewer than two rows is not defined (scikit-learn returns NaN with
//!   a warning): here it is `None`, which the views say in words.
//! - MAPE is a fraction, each row's error divided by `max(|y|, ε)` with ε the
//!   f64 machine epsilon, so a zero target gives a huge term, not a division
//!   by zero.
//! - `mean_error` is the mean of `y − ŷ`: positive when the model predicts
//!   too low on average.
//!
//! Every sum runs over errors scaled by a power of two near the largest
//! magnitude, and is scaled back at the end. A power of two scales exactly,
//! so the numbers equal the unscaled ones bit for bit whenever those do not
//! overflow, and a target near 1e300 gives its metrics instead of `inf`
//! (squares of 1e300 do not fit in an f64). A metric that itself cannot be
//! represented is refused with its name, never shown as `inf`.

use serde::{Deserialize, Serialize};

use glassbox_core::{Error, ErrorKind, Result};

/// How far predictions are from the truth, as scikit-learn measures it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RegressionMetrics {
    /// `None` with fewer than two rows, where R² is not defined.
    pub r2: Option<f64>,
    pub rmse: f64,
    pub mae: f64,
    /// A fraction (0.1 is 10 %).
    pub mape: f64,
    pub median_absolute_error: f64,
    pub max_error: f64,
    pub explained_variance: f64,
    /// The mean of `y − ŷ`: positive when predictions are too low on average.
    pub mean_error: f64,
    pub rows: usize,
}

/// The metrics of `y_pred` against `y_true`. Refuses empty or unequal
/// inputs, a value that is not a finite number (naming its row, counted
/// from 1), and a metric too large for an f64.
pub fn regression_metrics(y_true: &[f64], y_pred: &[f64]) -> Result<RegressionMetrics> {
    if y_true.len() != y_pred.len() {
        return Err(Error::new(
            ErrorKind::Internal,
            format!("{} true values but {} predictions", y_true.len(), y_pred.len()),
        ));
    }
    if y_true.is_empty() {
        return Err(Error::new(ErrorKind::BadTarget, "no rows to measure the predictions on"));
    }
    for (what, values) in [("true value", y_true), ("prediction", y_pred)] {
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(Error::new(
                ErrorKind::BadValue,
                format!("the {what} of row {} is {}, not a finite number", i + 1, values[i]),
            ));
        }
    }
    let n = y_true.len() as f64;
    let s = scale(y_true.iter().chain(y_pred).fold(0.0_f64, |m, v| m.max(v.abs())));
    // Scaled truths and errors: exact, as `s` is a power of two.
    let t: Vec<f64> = y_true.iter().map(|y| y / s).collect();
    let d: Vec<f64> = y_true.iter().zip(y_pred).map(|(y, p)| y / s - p / s).collect();
    let abs: Vec<f64> = d.iter().map(|e| e.abs()).collect();

    let sse: f64 = d.iter().map(|e| e * e).sum();
    let t_mean = t.iter().sum::<f64>() / n;
    let sst: f64 = t.iter().map(|y| (y - t_mean) * (y - t_mean)).sum();
    let d_mean = d.iter().sum::<f64>() / n;
    let var_d = d.iter().map(|e| (e - d_mean) * (e - d_mean)).sum::<f64>() / n;
    let mape = y_true
        .iter()
        .zip(&abs)
        .map(|(y, e)| {
            // |y − ŷ| / max(|y|, ε), both sides over s when that keeps the ε.
            let floor = y.abs().max(f64::EPSILON);
            let scaled_floor = floor / s;
            if scaled_floor > 0.0 && scaled_floor.is_normal() {
                e / scaled_floor
            } else {
                e * s / floor
            }
        })
        .sum::<f64>()
        / n;

    let metrics = RegressionMetrics {
        r2: (y_true.len() >= 2).then(|| assemble(sse, sst)),
        rmse: (sse / n).sqrt() * s,
        mae: abs.iter().sum::<f64>() / n * s,
        mape,
        median_absolute_error: median(&abs) * s,
        max_error: abs.iter().fold(0.0_f64, |m, &e| m.max(e)) * s,
        explained_variance: assemble(var_d, sst / n),
        mean_error: d_mean * s,
        rows: y_true.len(),
    };
    for (name, value) in [
        ("the root mean squared error", metrics.rmse),
        ("the mean absolute error", metrics.mae),
        ("the mean absolute percentage error", metrics.mape),
        ("the median absolute error", metrics.median_absolute_error),
        ("the largest error", metrics.max_error),
        ("the mean error", metrics.mean_error),
    ] {
        if !value.is_finite() {
            return Err(Error::new(
                ErrorKind::BadValue,
                format!("{name} is too large to represent as a number (over 1.8e308): the target's values are too far apart"),
            ));
        }
    }
    Ok(metrics)
}

/// `1 − residual / total`, with scikit-learn's `force_finite` rule for a
/// constant truth: 1 when the residual is 0 too, else 0.
fn assemble(residual: f64, total: f64) -> f64 {
    if total == 0.0 {
        if residual == 0.0 {
            1.0
        } else {
            0.0
        }
    } else {
        1.0 - residual / total
    }
}

/// The power of two at or below `largest` (1 for zero), kept in the normal
/// range so dividing by it is exact.
fn scale(largest: f64) -> f64 {
    if largest == 0.0 {
        return 1.0;
    }
    // The exponent field, read from the bits: exact, and no platform `log2`.
    let exponent = (((largest.to_bits() >> 52) & 0x7ff) as i64 - 1023).clamp(-1000, 1000);
    f64::from_bits(((exponent + 1023) as u64) << 52)
}

/// NumPy's median: the middle value, or the mean of the two middle values.
fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        v[m - 1] / 2.0 + v[m] / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Equal to 1e-15 relative: the hand-written formulas round their own way.
    fn check(y: &[f64], p: &[f64], want: RegressionMetrics) {
        let got = regression_metrics(y, p).unwrap();
        let fields = |m: &RegressionMetrics| {
            [
                m.r2.unwrap_or(f64::NAN),
                m.rmse,
                m.mae,
                m.mape,
                m.median_absolute_error,
                m.max_error,
                m.explained_variance,
                m.mean_error,
            ]
        };
        for (g, w) in fields(&got).into_iter().zip(fields(&want)) {
            assert!((g - w).abs() <= 1e-15 * w.abs().max(1.0), "y = {y:?}, ŷ = {p:?}: {got:?} against {want:?}");
        }
        assert_eq!(got.rows, want.rows);
    }

    #[test]
    fn small_cases_by_hand() {
        // Errors 1, −1, 2: SSE 6, truth mean 2 and SST 2.
        check(
            &[1.0, 2.0, 3.0],
            &[0.0, 3.0, 1.0],
            RegressionMetrics {
                r2: Some(1.0 - 6.0 / 2.0),
                rmse: 2.0_f64.sqrt(),
                mae: 4.0 / 3.0,
                mape: (1.0 + 0.5 + 2.0 / 3.0) / 3.0,
                median_absolute_error: 1.0,
                max_error: 2.0,
                explained_variance: 1.0 - (14.0 / 9.0) / (2.0 / 3.0),
                mean_error: 2.0 / 3.0,
                rows: 3,
            },
        );
    }

    #[test]
    fn the_scale_is_the_power_of_two_at_or_below() {
        assert_eq!(scale(3.0), 2.0);
        assert_eq!(scale(1.0), 1.0);
        assert_eq!(scale(0.3), 0.25);
        assert_eq!(scale(1e300), 2.0_f64.powi(996));
        assert_eq!(scale(f64::MAX), 2.0_f64.powi(1000));
        assert_eq!(scale(0.0), 1.0);
    }

    #[test]
    fn one_row_has_no_r2() {
        let m = regression_metrics(&[5.0], &[4.0]).unwrap();
        assert_eq!(m.r2, None);
        assert_eq!((m.rmse, m.mean_error), (1.0, 1.0));
    }

    #[test]
    fn constant_truth_follows_force_finite() {
        assert_eq!(regression_metrics(&[2.0, 2.0], &[2.0, 2.0]).unwrap().r2, Some(1.0));
        assert_eq!(regression_metrics(&[2.0, 2.0], &[2.0, 3.0]).unwrap().r2, Some(0.0));
    }

    #[test]
    fn huge_targets_give_their_metrics_not_inf() {
        // Errors −1e300, 0, 2e300: their squares do not fit in an f64, their mean square's root does.
        let m = regression_metrics(&[1e300, -1e300, 3e300], &[2e300, -1e300, 1e300]).unwrap();
        let want = (5.0_f64 / 3.0).sqrt() * 1e300;
        assert!((m.rmse - want).abs() <= 1e-15 * want, "{} against {want}", m.rmse);
        assert_eq!(m.max_error, 2e300);
        assert!(m.r2.unwrap().is_finite() && m.explained_variance.is_finite());
    }

    #[test]
    fn a_metric_past_f64_is_refused_by_name() {
        let e = regression_metrics(&[1.7e308, -1.7e308], &[-1.7e308, 1.7e308]).unwrap_err();
        assert!(e.to_string().contains("root mean squared error is too large"), "{e}");
    }

    #[test]
    fn bad_values_name_their_row() {
        let e = regression_metrics(&[1.0, f64::NAN], &[1.0, 2.0]).unwrap_err();
        assert!(e.to_string().contains("true value of row 2 is NaN"), "{e}");
        assert!(regression_metrics(&[], &[]).is_err());
    }
}
