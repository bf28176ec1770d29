//! A regressor's prediction interval: split conformal
//! ([`glassbox_evaluate::conformal`]) on a seeded slice of the training rows
//! that the saved model was not fitted on, or, for a small training set,
//! CV+ (Barber, Candès, Ramdas and Tibshirani, "Predictive inference with
//! the jackknife+", 2021; MAPIE's `method="plus"`): the model refitted on
//! each of K folds' complements, every training row's absolute residual
//! from the model that did not see it, and for a new row the
//! ⌊(n+1)α⌋-th smallest of μ₋ₖ₍ᵢ₎(x) − Rᵢ and the ⌈(n+1)(1−α)⌉-th smallest
//! of μ₋ₖ₍ᵢ₎(x) + Rᵢ over the n training rows. It wastes no row on
//! calibration; its guarantee is 1 − 2α in theory and close to 1 − α in
//! practice. Or, as the person chooses, conformalized quantile regression
//! (Romano, Patterson and Candès, "Conformalized quantile regression",
//! 2019; MAPIE's `ConformalizedQuantileRegressor`): two gradient-boosting
//! models of the α/2 and 1 − α/2 quantiles fitted beside the point model,
//! each calibration row's score max(q̂₋(x) − y, y − q̂₊(x)), and for a new row
//! [q̂₋(x) − q, q̂₊(x) + q] with q the ⌈(n+1)(1−α)⌉-th smallest score (negative
//! when the quantile models were too wide). Its width follows the errors:
//! narrow where the target varies little, wide where it varies much.
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
use glassbox_train::model::FittedModel;

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
    /// the model was fitted on; `None` when unbounded, and for CV+, whose
    /// width differs from row to row.
    pub half_width: Option<f64>,
    /// CV+'s fold models and residuals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv_plus: Option<CvPlus>,
    /// Conformalized quantile regression's two quantile models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cqr: Option<Cqr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Split,
    CvPlus,
    Cqr,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Split => "split",
            Method::CvPlus => "cv_plus",
            Method::Cqr => "cqr",
        }
    }

    /// Whether the method calibrates on training rows held out of every
    /// fit (split conformal and CQR); CV+ uses them all.
    pub fn holds_out_rows(self) -> bool {
        self != Method::CvPlus
    }
}

/// CV+'s parts: the model fitted without each fold, and per training row
/// its fold and its absolute residual from that fold's model, on the
/// scale the model was fitted on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvPlus {
    pub models: Vec<FittedModel>,
    pub fold_of: Vec<usize>,
    pub residuals: Vec<f64>,
}

/// Conformalized quantile regression's models of the `quantiles` (α/2 and
/// 1 − α/2), fitted on the rows the point model was fitted on, on the scale
/// it was fitted on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cqr {
    pub quantiles: [f64; 2],
    pub low: FittedModel,
    pub high: FittedModel,
}

impl Cqr {
    /// The quantiles CQR models at `level`: α/2 and 1 − α/2, rounded to 12
    /// decimals so 90% reads 0.05 and 0.95, not 0.04999999999999999.
    pub fn quantiles(level: Level) -> [f64; 2] {
        let round = |v: f64| (v * 1e12).round() / 1e12;
        [round(level.alpha() / 2.0), round(1.0 - level.alpha() / 2.0)]
    }
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
    /// `folds` are the row's outputs of [`Conformal::models`]: CV+'s fold
    /// models, or CQR's low and high quantile models (empty for split).
    ///
    /// A CQR interval is widened to hold the point prediction when the
    /// point model (not one of the quantile models) falls outside it: a
    /// wider interval keeps the guarantee, and a prediction outside its own
    /// interval would read as a contradiction.
    pub fn around(&self, fitted: f64, folds: &[f64], back: impl Fn(f64) -> f64) -> Option<NumberInterval> {
        let (low, high) = match &self.cv_plus {
            None if self.cqr.is_some() => {
                let q = self.half_width?;
                ((folds[0] - q).min(fitted), (folds[1] + q).max(fitted))
            }
            None => {
                let q = self.half_width?;
                (fitted - q, fitted + q)
            }
            Some(cv) => {
                let high_rank = self.rank?;
                // ⌊(n + 1)α⌋ = n + 1 − ⌈(n + 1)(1 − α)⌉, in integers.
                let low_rank = cv.residuals.len() + 1 - high_rank;
                let mut lows: Vec<f64> = cv.fold_of.iter().zip(&cv.residuals).map(|(&k, r)| folds[k] - r).collect();
                let mut highs: Vec<f64> = cv.fold_of.iter().zip(&cv.residuals).map(|(&k, r)| folds[k] + r).collect();
                (kth_smallest(&mut lows, low_rank), kth_smallest(&mut highs, high_rank))
            }
        };
        Some(NumberInterval { low: back(low), high: back(high) })
    }

    /// The models besides the point model whose outputs the interval reads:
    /// CV+'s fold models, or CQR's low and high quantile models.
    pub fn models(&self) -> Vec<&FittedModel> {
        let cv = self.cv_plus.iter().flat_map(|cv| cv.models.iter());
        cv.chain(self.cqr.iter().flat_map(|c| [&c.low, &c.high])).collect()
    }

    /// The intervals of feature rows `x` whose model outputs are `fitted`:
    /// it reads each of [`Conformal::models`]' outputs for every row first.
    pub fn intervals(
        &self,
        x: &glassbox_core::Matrix,
        fitted: &[f64],
        back: impl Fn(f64) -> f64,
    ) -> Vec<Option<NumberInterval>> {
        let folds: Vec<Vec<Vec<f64>>> = self.models().iter().map(|m| m.predict_proba(x)).collect();
        fitted
            .iter()
            .enumerate()
            .map(|(r, &f)| {
                let row: Vec<f64> = folds.iter().map(|o| o[r][0]).collect();
                self.around(f, &row, &back)
            })
            .collect()
    }

    /// Whether rows get a bounded interval (the rank is within the rows).
    pub fn is_bounded(&self) -> bool {
        self.rank.is_some()
    }

    /// The method in words: "split conformal, 165 calibration rows held
    /// out of the fit" or "CV+ over 5 folds of the 404 training rows".
    pub fn describe(&self) -> String {
        describe(self.method, self.level, self.calibration_rows, self.cv_plus.as_ref().map(|cv| cv.models.len()))
    }

    /// Why the interval is unbounded, in words; `None` when it is not.
    pub fn unbounded_reason(&self) -> Option<String> {
        (!self.is_bounded()).then(|| {
            format!(
                "the {}% prediction interval is unbounded: {} {} rows are too few to promise that level (it needs at least {})",
                crate::conformal::percent(self.level),
                self.calibration_rows,
                if self.method == Method::CvPlus { "training" } else { "calibration" },
                self.level.rows_needed()
            )
        })
    }

    /// The file's fields agree: a finite, non-negative half-width exactly
    /// when the rank is within the calibration rows, and that rank the one
    /// the level gives.
    pub fn check(&self) -> std::result::Result<(), String> {
        let rank = self.level.rank(self.calibration_rows);
        if let Some(cv) = &self.cv_plus {
            let n = self.calibration_rows;
            if self.method != Method::CvPlus || cv.fold_of.len() != n || cv.residuals.len() != n {
                return Err(format!("CV+ needs {n} folds and residuals, one per training row"));
            }
            if cv.fold_of.iter().any(|&k| k >= cv.models.len()) {
                return Err("a CV+ row names a fold that has no model".into());
            }
            if cv.residuals.iter().any(|r| !(r.is_finite() && *r >= 0.0)) {
                return Err("a CV+ residual is not a finite number of at least 0".into());
            }
            if self.half_width.is_some() || rank != self.rank {
                return Err(format!("CV+'s rank {:?} is not ⌈(n + 1)·level⌉ = {rank:?}", self.rank));
            }
            return Ok(());
        }
        if let Some(c) = &self.cqr {
            let want = Cqr::quantiles(self.level);
            if self.method != Method::Cqr || c.quantiles != want {
                return Err(format!("CQR's quantile models must be at {} and {}", want[0], want[1]));
            }
            if rank != self.rank || self.half_width.is_some() != rank.is_some() {
                return Err(format!("CQR's rank {:?} is not ⌈(n + 1)·level⌉ = {rank:?}", self.rank));
            }
            // A negative q narrows the quantile models' band: they were too wide.
            return match self.half_width {
                Some(q) if !q.is_finite() => Err(format!("CQR's correction {q} is not a number")),
                _ => Ok(()),
            };
        }
        if self.method != Method::Split {
            return Err(format!("a {} interval without its models", self.method.as_str()));
        }
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

/// A method in words, from what the model file and `metrics.json` both
/// keep: the level, the calibration (or, for CV+, training) rows, and CV+'s
/// folds.
pub fn describe(method: Method, level: Level, rows: usize, folds: Option<usize>) -> String {
    match method {
        Method::CvPlus => format!("CV+ over {} folds of the {rows} training rows", folds.unwrap_or_default()),
        Method::Cqr => {
            let [low, high] = Cqr::quantiles(level);
            format!(
                "conformalized quantile regression (boosting at the {low} and {high} quantiles), {rows} calibration rows held out of the fit"
            )
        }
        Method::Split => format!("split conformal, {rows} calibration rows held out of the fit"),
    }
}

/// The k-th smallest value (1-based) of `values`: the same value whatever
/// the selection's order, so every program gives the same bits.
fn kth_smallest(values: &mut [f64], k: usize) -> f64 {
    let (_, v, _) = values.select_nth_unstable_by(k - 1, f64::total_cmp);
    *v
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
        Conformal {
            method: Method::Split,
            level,
            calibration_rows: n,
            rank: level.rank(n),
            half_width: q,
            cv_plus: None,
            cqr: None,
        }
    }

    #[test]
    fn intervals_map_back_like_the_prediction() {
        let c = conformal(99, Some(0.5));
        assert_eq!(c.around(2.0, &[], |v| v), Some(NumberInterval { low: 1.5, high: 2.5 }));
        // A map that stretches the upper side more, as expm1 does.
        let stretched = c.around(2.0, &[], |v| v * v).unwrap();
        assert_eq!((stretched.low, stretched.high), (2.25, 6.25));
        assert_eq!(conformal(8, None).around(2.0, &[], |v| v), None);
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

    /// CV+ by hand: 19 rows in two folds, residuals 1..=19; at 90% the
    /// upper end is the 18th smallest of fold output + residual and the
    /// lower the 2nd smallest of fold output − residual.
    #[test]
    fn cv_plus_takes_the_ranks_of_the_fold_outputs_plus_and_minus_the_residuals() {
        let level = Level::new(0.9).unwrap();
        let n = 19;
        let c = Conformal {
            method: Method::CvPlus,
            level,
            calibration_rows: n,
            rank: level.rank(n),
            half_width: None,
            cqr: None,
            cv_plus: Some(CvPlus {
                models: Vec::new(),
                fold_of: (0..n).map(|i| i % 2).collect(),
                residuals: (1..=n).map(|r| r as f64).collect(),
            }),
        };
        assert_eq!(c.rank, Some(18));
        // Fold 0 says 10, fold 1 says 20: highs are 10 + odd residuals, 20 + even ones.
        let i = c.around(15.0, &[10.0, 20.0], |v| v).unwrap();
        let mut highs: Vec<f64> = (1..=n).map(|r| if (r - 1) % 2 == 0 { 10.0 } else { 20.0 } + r as f64).collect();
        highs.sort_by(f64::total_cmp);
        let mut lows: Vec<f64> = (1..=n).map(|r| if (r - 1) % 2 == 0 { 10.0 } else { 20.0 } - r as f64).collect();
        lows.sort_by(f64::total_cmp);
        assert_eq!((i.low, i.high), (lows[1], highs[17]));
        // Rows name folds 0 and 1, and there are no models here.
        assert!(c.check().unwrap_err().contains("no model"));
    }

    /// CQR by hand: the quantile models say 10 and 20, the correction is
    /// ±1.5; a point prediction outside the band widens it to hold it.
    #[test]
    fn cqr_corrects_the_quantile_models_and_holds_the_prediction() {
        let level = Level::new(0.9).unwrap();
        assert_eq!(Cqr::quantiles(level), [0.05, 0.95]);
        let constant = || {
            let mean = glassbox_train::model::ModelSpec::by_name("baseline_mean", 0).unwrap();
            mean.fit_numbers(&glassbox_core::Matrix::new(1, 1, vec![0.0]), &[0.0]).unwrap()
        };
        let with = |q: f64| Conformal {
            method: Method::Cqr,
            half_width: Some(q),
            cqr: Some(Cqr { quantiles: Cqr::quantiles(level), low: constant(), high: constant() }),
            ..conformal(99, Some(q))
        };
        let same = |v: f64| v;
        assert_eq!(with(1.5).around(15.0, &[10.0, 20.0], same), Some(NumberInterval { low: 8.5, high: 21.5 }));
        assert_eq!(with(-1.5).around(15.0, &[10.0, 20.0], same), Some(NumberInterval { low: 11.5, high: 18.5 }));
        assert_eq!(with(1.5).around(30.0, &[10.0, 20.0], same), Some(NumberInterval { low: 8.5, high: 30.0 }));
        // The quantile models crossed after a negative correction: the point alone.
        assert_eq!(with(-6.0).around(15.0, &[10.0, 20.0], same), Some(NumberInterval { low: 15.0, high: 15.0 }));
        assert!(with(-1.5).check().is_ok());
        let mut wrong = with(1.5);
        wrong.cqr.as_mut().unwrap().quantiles = [0.1, 0.9];
        assert!(wrong.check().unwrap_err().contains("0.05 and 0.95"));
        assert!(with(1.5).describe().starts_with("conformalized quantile regression"));
    }

    #[test]
    fn unbounded_says_how_many_rows_it_needs() {
        let why = conformal(8, None).unbounded_reason().unwrap();
        assert!(why.contains("90%") && why.contains("8 calibration rows") && why.contains("at least 9"), "{why}");
        assert_eq!(percent(Level::new(0.995).unwrap()), "99.5");
    }
}
