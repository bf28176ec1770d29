//! A model whose probabilities are calibrated, as scikit-learn's
//! `CalibratedClassifierCV` does by default (`cv=5`, `ensemble=True`):
//! the training rows are split into five stratified folds (seeded); for
//! each, the model is fitted on the other four and a calibration map per
//! class is fitted on its scores for the held-out fold; a prediction is the
//! mean over the five (model, maps) pairs of their calibrated probabilities.
//!
//! The scores a map reads are the model's margins when it has them
//! (logistic regression's `decision_function`), its probabilities
//! otherwise, as scikit-learn picks. For two classes one map calibrates the
//! positive class and the negative gets the rest; for more, each class has
//! its map (one-vs-rest) and the row is normalised to sum to 1 (uniform when
//! every map says 0).
//!
//! All members share the one feature pipeline fitted on all the training
//! rows (scikit-learn's `make_pipeline(preprocessing,
//! CalibratedClassifierCV(model))`), so the calibrated model reads the
//! same feature matrix as the model it calibrates.

use serde::{Deserialize, Serialize};

use glassbox_core::control::Control;
use glassbox_core::error::{Error, ErrorKind, Result};
use glassbox_core::Matrix;
use glassbox_evaluate::recalibrate::{Calibrator, Method};
use glassbox_train::model::{FittedModel, ModelSpec};

/// The folds `CalibratedClassifierCV` uses by default.
pub const FOLDS: usize = 5;

/// One fold's model and its maps (one for two classes, one per class otherwise).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub model: FittedModel,
    pub maps: Vec<Calibrator>,
}

/// The calibrated ensemble.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibrated {
    pub method: Method,
    pub members: Vec<Member>,
}

/// What a map reads: margins when the model has them, else probabilities;
/// one column for two classes (the positive class), one per class otherwise.
fn scores(model: &FittedModel, x: &Matrix, n_classes: usize) -> Vec<Vec<f64>> {
    if let Some(lin) = model.linear() {
        return (0..x.n_rows)
            .map(|r| {
                let row = x.row(r);
                lin.coefficients
                    .iter()
                    .zip(lin.intercepts)
                    .map(|(w, b)| b + w.iter().zip(row).map(|(w, v)| w * v).sum::<f64>())
                    .collect()
            })
            .collect();
    }
    let proba = model.predict_proba(x);
    if n_classes == 2 {
        proba.into_iter().map(|p| vec![p[1]]).collect()
    } else {
        proba
    }
}

impl Calibrated {
    /// Fits `spec` and its maps on the five folds of the training matrix.
    #[allow(clippy::too_many_arguments)]
    pub fn fit(
        method: Method,
        spec: &ModelSpec,
        x: &Matrix,
        y: &[usize],
        n_classes: usize,
        class_weight: Option<&[f64]>,
        seed: u64,
        control: &Control<'_>,
    ) -> Result<Calibrated> {
        let smallest = (0..n_classes).map(|c| y.iter().filter(|&&v| v == c).count()).min().unwrap_or(0);
        if smallest < FOLDS {
            return Err(Error::new(
                ErrorKind::BadSpec,
                format!(
                    "calibration fits the model on {FOLDS} folds of the training rows and needs at least {FOLDS} training rows of every class, but the smallest class has {smallest}; train without calibration"
                ),
            ));
        }
        let folds = glassbox_evaluate::validate::stratified_folds(y, n_classes, FOLDS, seed)?;
        let members = control.map("calibration fold", &folds, |held| {
            let mut out = vec![false; y.len()];
            held.iter().for_each(|&i| out[i] = true);
            let train: Vec<usize> = (0..y.len()).filter(|&i| !out[i]).collect();
            let y_train: Vec<usize> = train.iter().map(|&i| y[i]).collect();
            let model = spec.fit_with(&x.select_rows(&train), &y_train, n_classes, class_weight, &control.quiet())?;
            let s = scores(&model, &x.select_rows(held), n_classes);
            let maps = (0..s.first().map_or(0, Vec::len))
                .map(|c| {
                    let class = if n_classes == 2 { 1 } else { c };
                    let f: Vec<f64> = s.iter().map(|row| row[c]).collect();
                    let positive: Vec<bool> = held.iter().map(|&i| y[i] == class).collect();
                    Calibrator::fit(method, &f, &positive)
                })
                .collect();
            Ok(Member { model, maps })
        })?;
        Ok(Calibrated { method, members })
    }

    /// The mean of the members' calibrated probabilities for every row.
    pub fn predict_proba(&self, x: &Matrix, n_classes: usize) -> Vec<Vec<f64>> {
        let mut out = vec![vec![0.0; n_classes]; x.n_rows];
        for m in &self.members {
            for (row, s) in out.iter_mut().zip(scores(&m.model, x, n_classes)) {
                let mut p: Vec<f64> = if n_classes == 2 {
                    let q = m.maps[0].apply(s[0]);
                    vec![1.0 - q, q]
                } else {
                    m.maps.iter().zip(&s).map(|(map, &v)| map.apply(v)).collect()
                };
                let total: f64 = p.iter().sum();
                if total > 0.0 {
                    p.iter_mut().for_each(|v| *v /= total);
                } else {
                    p.iter_mut().for_each(|v| *v = 1.0 / n_classes as f64);
                }
                for (o, v) in row.iter_mut().zip(p) {
                    *o += v / self.members.len() as f64;
                }
            }
        }
        out
    }

    /// In words, for reports and manifests.
    pub fn describe(&self) -> String {
        let how = match self.method {
            Method::Sigmoid => "sigmoid (Platt)",
            Method::Isotonic => "isotonic",
        };
        format!("calibrated: {how}, the mean of {} models fitted on cross-validation folds of the training rows, each with its map fitted on its held-out fold", self.members.len())
    }
}
