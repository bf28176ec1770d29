//! L2-regularised logistic regression (multinomial for more than two
//! classes, as scikit-learn's default `lbfgs` solver), fitted by the L-BFGS
//! in [`crate::optim`]: the objective `loss + 1/(2C) * |w|^2` with the
//! intercept unpenalised has the same minimum as scikit-learn's
//! `C * loss + 1/2 * |w|^2`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use glassbox_core::{Error, ErrorKind, Matrix, Result};

use crate::estimator::{Classifier, Dim, Estimator, FitInput};
use crate::optim::{sigmoid, softmax, Lbfgs, LogisticLoss, Objective};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logistic {
    /// Inverse regularisation strength, as scikit-learn's `C`.
    #[serde(rename = "C")]
    pub c: f64,
    /// Stop when the largest gradient component of the mean loss is at
    /// most this (scikit-learn's `tol`, default 1e-4).
    #[serde(default = "default_tol")]
    pub tol: f64,
    /// L-BFGS iterations at most (scikit-learn's default is 100; ours
    /// 1000, as its fits here rarely need more than 50).
    #[serde(default = "default_max_iter")]
    pub max_iter: usize,
}

fn default_tol() -> f64 {
    1e-4
}

fn default_max_iter() -> usize {
    1000
}

impl Default for Logistic {
    fn default() -> Self {
        Logistic { c: 1.0, tol: default_tol(), max_iter: default_max_iter() }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedLogistic {
    /// One row per class for multinomial; a single row (the positive class) for binary.
    pub coefficients: Vec<Vec<f64>>,
    pub intercepts: Vec<f64>,
    /// L-BFGS iterations, and whether the gradient fell below tolerance.
    pub iterations: usize,
    pub converged: bool,
}

impl Estimator for Logistic {
    type Fitted = FittedLogistic;

    fn with_seed(_seed: u64) -> Self {
        Logistic::default()
    }

    fn check(&self) -> Result<()> {
        let Logistic { c, tol, max_iter } = *self;
        if max_iter == 0 {
            return Err(Error::new(ErrorKind::BadSpec, "max_iter must be at least 1, got 0"));
        }
        if !(tol.is_finite() && tol > 0.0) {
            return Err(Error::new(ErrorKind::BadSpec, format!("tol must be a positive number, got {tol}")));
        }
        if !(c.is_finite() && c > 0.0) {
            return Err(Error::new(ErrorKind::BadSpec, format!("C must be a positive number, got {c}")));
        }
        Ok(())
    }

    fn describe(&self, _task: glassbox_core::task::Task) -> String {
        let Logistic { c, tol, max_iter } = self;
        format!("C = {c}, penalty = l2, intercept unpenalised, tol = {tol}, max_iter = {max_iter}")
    }

    fn space(&self) -> Vec<Dim> {
        vec![Dim::new("C", 1e-3, 1e3, true, false)]
    }

    fn with_params(&self, p: &BTreeMap<String, f64>) -> Self {
        Logistic { c: p["C"], ..*self }
    }

    fn fit(&self, input: &FitInput<'_>) -> Result<FittedLogistic> {
        let FitInput { x, y, n_classes, class_weight, .. } = *input;
        let lbfgs = Lbfgs { grad_tol: self.tol, max_iter: self.max_iter, ..Lbfgs::default() };
        let blocks = if n_classes == 2 { 1 } else { n_classes };
        let loss =
            LogisticLoss { x: &x.values, n: x.n_rows, p: x.n_cols, y, blocks, lambda: 1.0 / self.c, class_weight };
        let m = lbfgs.minimize(&loss, vec![0.0; loss.dim()]);
        let stride = x.n_cols + 1;
        let coefficients: Vec<Vec<f64>> =
            (0..blocks).map(|k| m.x[k * stride..k * stride + x.n_cols].to_vec()).collect();
        let intercepts: Vec<f64> = (0..blocks).map(|k| m.x[k * stride + x.n_cols]).collect();
        if coefficients.iter().flatten().chain(&intercepts).any(|v| !v.is_finite()) {
            return Err(Error::new(
                ErrorKind::Internal,
                "logistic regression failed: the optimiser produced non-finite coefficients",
            ));
        }
        Ok(FittedLogistic { coefficients, intercepts, iterations: m.iterations, converged: m.converged })
    }
}

impl Classifier for FittedLogistic {
    fn check(&self, n_classes: usize) -> std::result::Result<(), String> {
        let margins = if n_classes == 2 { 1 } else { n_classes };
        if self.coefficients.len() != margins {
            return Err(format!(
                "the model has {} coefficient rows; {n_classes} classes need {margins}",
                self.coefficients.len()
            ));
        }
        Ok(())
    }

    fn predict_proba(&self, x: &Matrix) -> Vec<Vec<f64>> {
        (0..x.n_rows)
            .map(|i| {
                let row = x.row(i);
                let z: Vec<f64> = self
                    .coefficients
                    .iter()
                    .zip(&self.intercepts)
                    .map(|(w, b)| w.iter().zip(row).map(|(w, x)| w * x).sum::<f64>() + b)
                    .collect();
                if z.len() == 1 {
                    let p = sigmoid(z[0]);
                    vec![1.0 - p, p]
                } else {
                    softmax(&z)
                }
            })
            .collect()
    }

    fn n_features(&self) -> Option<usize> {
        Some(self.coefficients.first().map_or(0, Vec::len))
    }

    fn linear(&self) -> Option<crate::estimator::Linear<'_>> {
        Some(crate::estimator::Linear { coefficients: &self.coefficients, intercepts: &self.intercepts })
    }

    fn warnings(&self) -> Vec<String> {
        if self.converged {
            return Vec::new();
        }
        vec![format!(
            "logistic regression did not converge in {} iterations: its coefficients could still change; raise max_iter (--param max_iter=N) or regularise more (a smaller C)",
            self.iterations
        )]
    }
}
