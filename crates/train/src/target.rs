//! The scale a regressor learns its target on, as scikit-learn's
//! `TransformedTargetRegressor(func=np.log1p, inverse_func=np.expm1)`: the
//! model is fitted on `log1p(y)` and its predictions are mapped back with
//! `expm1`, so every metric is measured on the target's own scale.
//!
//! A right-skewed target (prices, charges, counts) has a few large values
//! that dominate squared error; on the log scale they weigh like the rest.
//! Whether that helps is an empirical question, so the composer decides by
//! cross-validation (see the pipeline's plan); this module only says which
//! targets are worth asking about ([`log1p_candidate`]).

use serde::{Deserialize, Serialize};

use glassbox_core::{Error, ErrorKind, Result};

/// How the target is transformed before fitting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetTransform {
    /// Fitted on the target as it is.
    #[default]
    None,
    /// Fitted on `log1p(y)`, predictions mapped back by `expm1`.
    Log1p,
}

/// The least skewness (scipy's `skew`, the biased sample estimate) at which
/// `auto` tries `log1p`: a target this right-skewed has a long tail of large
/// values that squared error chases. Below it the two fits hardly differ and
/// the comparison is not worth its folds.
pub const SKEWNESS_FOR_LOG1P: f64 = 0.75;

impl TargetTransform {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetTransform::None => "none",
            TargetTransform::Log1p => "log1p",
        }
    }

    pub fn is_none(&self) -> bool {
        *self == TargetTransform::None
    }

    /// The values the model is fitted on. `log1p` needs every value above
    /// −1; the composer refuses such a target before, naming its line, so
    /// here it is an internal error.
    pub fn forward(self, values: &[f64]) -> Result<Vec<f64>> {
        match self {
            TargetTransform::None => Ok(values.to_vec()),
            TargetTransform::Log1p => {
                if values.iter().any(|&v| v.is_nan() || v <= -1.0) {
                    return Err(Error::new(ErrorKind::Internal, "log1p of a target value at or below -1"));
                }
                Ok(values.iter().map(|&v| libm::log1p(v)).collect())
            }
        }
    }

    /// A prediction on the target's scale from one on the model's.
    pub fn inverse(self, value: f64) -> f64 {
        match self {
            TargetTransform::None => value,
            TargetTransform::Log1p => libm::expm1(value),
        }
    }

    /// Maps a regressor's outputs (one column) back to the target's scale, in place.
    pub fn inverse_outputs(self, outputs: &mut [Vec<f64>]) {
        if self.is_none() {
            return;
        }
        for v in outputs.iter_mut().flat_map(|row| row.iter_mut()) {
            *v = self.inverse(*v);
        }
    }
}

/// scipy's `skew(values)` (biased: `m3 / m2^1.5` with central moments);
/// 0 for a constant. The values are first divided by their largest
/// magnitude, which leaves the skewness as it is and keeps the cubes of
/// large targets (up to 1e100) finite.
pub fn skewness(values: &[f64]) -> f64 {
    let scale = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if values.is_empty() || scale == 0.0 {
        return 0.0;
    }
    let n = values.len() as f64;
    let mean = values.iter().map(|v| v / scale).sum::<f64>() / n;
    let (mut m2, mut m3) = (0.0, 0.0);
    for v in values {
        let d = v / scale - mean;
        m2 += d * d;
        m3 += d * d * d;
    }
    let (m2, m3) = (m2 / n, m3 / n);
    if m2 <= 0.0 {
        return 0.0;
    }
    m3 / (m2 * libm::sqrt(m2))
}

/// Whether `auto` should try `log1p` on training target `values`: every
/// value above −1 (so `log1p` is defined) and a skewness of at least
/// [`SKEWNESS_FOR_LOG1P`]. `Err` says in words why not.
pub fn log1p_candidate(values: &[f64]) -> std::result::Result<f64, String> {
    if let Some(low) = values.iter().copied().filter(|&v| v <= -1.0).reduce(f64::min) {
        return Err(format!("log1p needs every value above -1, and the target holds {low}"));
    }
    let skew = skewness(values);
    if skew < SKEWNESS_FOR_LOG1P {
        return Err(format!("its skewness is {skew:.2}, below {SKEWNESS_FOR_LOG1P}"));
    }
    Ok(skew)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skewness_matches_scipy() {
        // scipy.stats.skew([1, 2, 3, 10]) = 1.0182337649086284
        assert!((skewness(&[1.0, 2.0, 3.0, 10.0]) - 1.018_233_764_908_628_4).abs() < 1e-12);
        // Scale does not change it, even at magnitudes whose cubes overflow.
        assert!((skewness(&[1e100, 2e100, 3e100, 1e101]) - 1.018_233_764_908_628_4).abs() < 1e-12);
        assert_eq!(skewness(&[5.0; 4]), 0.0);
        assert!((skewness(&[-10.0, -3.0, -2.0, -1.0]) + 1.018_233_764_908_628_4).abs() < 1e-12);
    }

    #[test]
    fn log1p_round_trips_and_refuses_what_it_cannot_take() {
        let y = [0.0, 1.0, 1e-12, 1e6, -0.5];
        let z = TargetTransform::Log1p.forward(&y).unwrap();
        for (a, b) in y.iter().zip(&z) {
            assert!((TargetTransform::Log1p.inverse(*b) - a).abs() <= 1e-9 * a.abs().max(1e-12), "{a}");
        }
        assert!(TargetTransform::Log1p.forward(&[0.0, -1.0]).is_err());
        assert_eq!(TargetTransform::None.forward(&[-7.0]).unwrap(), [-7.0]);
    }

    #[test]
    fn only_a_right_skewed_target_above_minus_one_is_a_candidate() {
        let skewed: Vec<f64> = (1..=50).map(|i| f64::from(i * i * i)).collect();
        assert!(log1p_candidate(&skewed).unwrap() > SKEWNESS_FOR_LOG1P);
        let flat: Vec<f64> = (1..=50).map(f64::from).collect();
        assert_eq!(log1p_candidate(&flat).unwrap_err(), "its skewness is 0.00, below 0.75");
        let below: Vec<f64> = skewed.iter().map(|v| v - 2.0).collect();
        assert_eq!(log1p_candidate(&below).unwrap_err(), "log1p needs every value above -1, and the target holds -1");
    }
}
