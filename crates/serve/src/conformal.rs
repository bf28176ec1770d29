//! A regressor's prediction interval: split conformal
//! ([`glassbox_evaluate::conformal`]) on a seeded slice of the training rows
//! that the saved model was not fitted on.
//!
//! The half-width is computed on the scale the model was fitted on (the
//! target's own, or log1p of it) and the ends are mapped back like the
//! prediction: a monotone map keeps a value inside its interval, so the
//! guarantee holds on the target's scale, and a log1p model's interval is
//! wider above its prediction than below, as its errors are.
//!
//! The file holds the half-width itself, not only the scores, so the
//! browser, the CLI and the server add the same f64 to the same output and
//! give the same interval bit for bit.

use serde::{Deserialize, Serialize};

pub use glassbox_evaluate::conformal::{Audit, DecileCoverage, Level};

/// How a saved regressor's intervals were made, and their half-width.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conformal {
    /// `split`: absolute residuals on a held-out slice of the training rows.
    pub method: Method,
    /// The promised share of new rows whose value lies inside (0.9).
    pub level: Level,
    /// How many training rows were held out to calibrate (the model was
    /// fitted on the others).
    pub calibration_rows: usize,
    /// The rank of the calibration score taken, ⌈(n + 1)·level⌉; `None` when
    /// it is past `calibration_rows` and the interval is unbounded.
    pub rank: Option<usize>,
    /// That score: the interval is the model's output ± this, on the scale
    /// the model was fitted on; `None` when unbounded.
    pub half_width: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Split,
}

/// One row's prediction and interval on the target's scale.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NumberInterval {
    pub low: f64,
    pub high: f64,
}

impl Conformal {
    /// The interval around a model output `fitted` (on the fitted scale),
    /// with `back` the map to the target's scale; `None` when unbounded.
    pub fn around(&self, fitted: f64, back: impl Fn(f64) -> f64) -> Option<NumberInterval> {
        let q = self.half_width?;
        Some(NumberInterval { low: back(fitted - q), high: back(fitted + q) })
    }

    /// Why the interval is unbounded, in words; `None` when it is not.
    pub fn unbounded_reason(&self) -> Option<String> {
        self.half_width.is_none().then(|| {
            format!(
                "the {}% prediction interval is unbounded: {} calibration rows are too few to promise that level (it needs at least {})",
                crate::conformal::percent(self.level),
                self.calibration_rows,
                self.level.rows_needed()
            )
        })
    }

    /// The file's fields agree: a finite, non-negative half-width exactly
    /// when the rank is within the calibration rows, and that rank the one
    /// the level gives.
    pub fn check(&self) -> std::result::Result<(), String> {
        let rank = self.level.rank(self.calibration_rows);
        if rank != self.rank {
            return Err(format!(
                "the conformal rank {:?} is not ⌈(n + 1)·level⌉ = {rank:?} for {} calibration rows",
                self.rank, self.calibration_rows
            ));
        }
        match (rank, self.half_width) {
            (Some(_), Some(q)) if q.is_finite() && q >= 0.0 => Ok(()),
            (None, None) => Ok(()),
            (_, q) => Err(format!("the conformal half-width {q:?} does not fit rank {rank:?}")),
        }
    }
}

/// A level as a percentage without trailing zeros: 90, 95, 99.5.
pub fn percent(level: Level) -> String {
    let p = level.value() * 100.0;
    let text = format!("{p:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conformal(n: usize, q: Option<f64>) -> Conformal {
        let level = Level::new(0.9).unwrap();
        Conformal { method: Method::Split, level, calibration_rows: n, rank: level.rank(n), half_width: q }
    }

    #[test]
    fn intervals_map_back_like_the_prediction() {
        let c = conformal(99, Some(0.5));
        assert_eq!(c.around(2.0, |v| v), Some(NumberInterval { low: 1.5, high: 2.5 }));
        // A map that stretches the upper side more, as expm1 does.
        let stretched = c.around(2.0, |v| v * v).unwrap();
        assert_eq!((stretched.low, stretched.high), (2.25, 6.25));
        assert_eq!(conformal(8, None).around(2.0, |v| v), None);
    }

    #[test]
    fn check_refuses_fields_that_disagree() {
        assert!(conformal(99, Some(0.5)).check().is_ok());
        assert!(conformal(8, None).check().is_ok());
        assert!(conformal(99, None).check().is_err());
        assert!(conformal(8, Some(1.0)).check().is_err());
        assert!(conformal(99, Some(f64::NAN)).check().is_err());
        assert!(conformal(99, Some(-1.0)).check().is_err());
        let mut wrong = conformal(99, Some(0.5));
        wrong.rank = Some(5);
        assert!(wrong.check().unwrap_err().contains("rank"));
    }

    #[test]
    fn unbounded_says_how_many_rows_it_needs() {
        let why = conformal(8, None).unbounded_reason().unwrap();
        assert!(why.contains("90%") && why.contains("8 calibration rows") && why.contains("at least 9"), "{why}");
        assert_eq!(percent(Level::new(0.995).unwrap()), "99.5");
    }
}
