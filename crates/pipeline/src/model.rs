//! Models: a validated spec, and a separate fitted type that predicts
//! probabilities and serialises.
//!
//! The first model is L2-regularised logistic regression (multinomial for more
//! than two classes, as scikit-learn's default `lbfgs` solver), fitted by the
//! L-BFGS in [`crate::optim`]: the objective `loss + 1/(2C) * |w|^2` with the
//! intercept unpenalised has the same minimum as scikit-learn's
//! `C * loss + 1/2 * |w|^2`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::features::Matrix;
use crate::optim::{sigmoid, softmax, Lbfgs, LogisticLoss, Objective};

/// What the person chose: the model family and its hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum ModelSpec {
    LogisticRegression {
        /// Inverse regularisation strength, as scikit-learn's `C`.
        #[serde(rename = "C")]
        c: f64,
    },
}

impl Default for ModelSpec {
    fn default() -> Self {
        ModelSpec::LogisticRegression { c: 1.0 }
    }
}

impl ModelSpec {
    pub fn name(&self) -> &'static str {
        match self {
            ModelSpec::LogisticRegression { .. } => "logistic_regression",
        }
    }

    /// The hyper-parameters as `name = value` text, for reports.
    pub fn params_text(&self) -> String {
        match self {
            ModelSpec::LogisticRegression { c } => {
                format!("C = {c}, penalty = l2, intercept unpenalised")
            }
        }
    }

    pub fn validate(&self) -> Result<()> {
        match *self {
            ModelSpec::LogisticRegression { c } if !(c.is_finite() && c > 0.0) => {
                Err(Error::new(ErrorKind::BadSpec, format!("C must be a positive number, got {c}")))
            }
            _ => Ok(()),
        }
    }

    /// Fits the model on `x` with classes `y` (indices below `n_classes`).
    /// Every class must occur in `y`.
    pub fn fit(&self, x: &Matrix, y: &[usize], n_classes: usize) -> Result<FittedModel> {
        self.validate()?;
        match *self {
            ModelSpec::LogisticRegression { c } => fit_logistic(x, y, n_classes, c),
        }
    }
}

/// A fitted model. Fields are private: it is made by [`ModelSpec::fit`] and read back from a model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum FittedModel {
    LogisticRegression {
        /// One row per class for multinomial; a single row (the positive class) for binary.
        coefficients: Vec<Vec<f64>>,
        intercepts: Vec<f64>,
        /// L-BFGS iterations, and whether the gradient fell below tolerance.
        iterations: usize,
        converged: bool,
    },
}

fn fit_logistic(x: &Matrix, y: &[usize], n_classes: usize, c: f64) -> Result<FittedModel> {
    let blocks = if n_classes == 2 { 1 } else { n_classes };
    let loss = LogisticLoss { x: &x.values, n: x.n_rows, p: x.n_cols, y, blocks, lambda: 1.0 / c };
    let m = Lbfgs::default().minimize(&loss, vec![0.0; loss.dim()]);
    let stride = x.n_cols + 1;
    let coefficients: Vec<Vec<f64>> = (0..blocks).map(|k| m.x[k * stride..k * stride + x.n_cols].to_vec()).collect();
    let intercepts: Vec<f64> = (0..blocks).map(|k| m.x[k * stride + x.n_cols]).collect();
    if coefficients.iter().flatten().chain(&intercepts).any(|v| !v.is_finite()) {
        return Err(Error::new(
            ErrorKind::Internal,
            "logistic regression failed: the optimiser produced non-finite coefficients",
        ));
    }
    Ok(FittedModel::LogisticRegression { coefficients, intercepts, iterations: m.iterations, converged: m.converged })
}

impl FittedModel {
    pub fn n_features(&self) -> usize {
        match self {
            FittedModel::LogisticRegression { coefficients, .. } => coefficients.first().map_or(0, Vec::len),
        }
    }

    /// Class probabilities, one row per matrix row, columns in class order.
    pub fn predict_proba(&self, x: &Matrix) -> Vec<Vec<f64>> {
        match self {
            FittedModel::LogisticRegression { coefficients, intercepts, .. } => (0..x.n_rows)
                .map(|i| {
                    let row = x.row(i);
                    let z: Vec<f64> = coefficients
                        .iter()
                        .zip(intercepts)
                        .map(|(w, b)| w.iter().zip(row).map(|(w, x)| w * x).sum::<f64>() + b)
                        .collect();
                    if z.len() == 1 {
                        let p = sigmoid(z[0]);
                        vec![1.0 - p, p]
                    } else {
                        softmax(&z)
                    }
                })
                .collect(),
        }
    }
}

/// The index of the largest probability; ties go to the first class, as `np.argmax`.
pub fn argmax(p: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in p.iter().enumerate() {
        if v > p[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(rows: &[&[f64]]) -> Matrix {
        Matrix {
            n_rows: rows.len(),
            n_cols: rows[0].len(),
            values: rows.iter().flat_map(|r| r.iter().copied()).collect(),
        }
    }

    #[test]
    fn binary_matches_scikit_learn_coefficients() {
        // sklearn LogisticRegression(C=1).fit([[0],[1],[2],[3]], [0,0,1,1]):
        // With tol=1e-12 (its default stops early): coef_ = [[0.9582859498791921]], intercept_ = [-1.4374289249407233].
        let x = matrix(&[&[0.0], &[1.0], &[2.0], &[3.0]]);
        let m = ModelSpec::default().fit(&x, &[0, 0, 1, 1], 2).unwrap();
        let FittedModel::LogisticRegression { coefficients, intercepts, converged, .. } = &m;
        assert!(converged);
        assert!((coefficients[0][0] - 0.958_285_949_879_192_1).abs() < 1e-10, "{coefficients:?}");
        assert!((intercepts[0] + 1.437_428_924_940_723_3).abs() < 1e-10, "{intercepts:?}");
        let p = m.predict_proba(&x);
        assert!(p.iter().all(|r| (r[0] + r[1] - 1.0).abs() < 1e-12));
        assert!(p[0][1] < p[3][1]);
    }

    #[test]
    fn multiclass_probabilities_sum_to_one() {
        let x = matrix(&[&[0.0, 1.0], &[1.0, 0.0], &[5.0, 5.0], &[6.0, 5.0], &[-5.0, 3.0], &[-6.0, 4.0]]);
        let m = ModelSpec::default().fit(&x, &[0, 0, 1, 1, 2, 2], 3).unwrap();
        let p = m.predict_proba(&x);
        for (row, want) in p.iter().zip([0, 0, 1, 1, 2, 2]) {
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            assert_eq!(argmax(row), want);
        }
    }

    #[test]
    fn invalid_c_is_rejected() {
        let e = ModelSpec::LogisticRegression { c: 0.0 }.validate().unwrap_err();
        assert_eq!(e.message(), "C must be a positive number, got 0");
    }
}
