//! Models: a validated spec, and a separate fitted type that predicts
//! probabilities and serialises.
//!
//! The first model is L2-regularised logistic regression (multinomial for more
//! than two classes, as scikit-learn's default `lbfgs` solver). smartcore does
//! the optimisation; its objective `loss + alpha/2 * |w|^2` with the intercept
//! unpenalised equals scikit-learn's `C * loss + 1/2 * |w|^2` when
//! `alpha = 1 / C`. smartcore gives labels but no probabilities, so the fitted
//! type keeps the coefficients and computes them itself.

use serde::{Deserialize, Serialize};
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::logistic_regression::{LogisticRegression, LogisticRegressionParameters};

use crate::error::{Error, ErrorKind, Result};
use crate::features::Matrix;

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
    },
}

fn fit_logistic(x: &Matrix, y: &[usize], n_classes: usize, c: f64) -> Result<FittedModel> {
    let internal = |what: String| Error::new(ErrorKind::Internal, format!("logistic regression failed: {what}"));
    let xm = DenseMatrix::new(x.n_rows, x.n_cols, x.values.clone(), false).map_err(|e| internal(e.to_string()))?;
    let yv: Vec<i32> = y.iter().map(|&c| c as i32).collect();
    let params = LogisticRegressionParameters::default().with_alpha(1.0 / c);
    let lr = LogisticRegression::fit(&xm, &yv, params).map_err(|e| internal(e.to_string()))?;
    if lr.classes().len() != n_classes {
        return Err(internal(format!("expected {n_classes} classes in training, found {}", lr.classes().len())));
    }
    let coef = lr.coefficients();
    let (rows, cols) = coef.shape();
    let coefficients: Vec<Vec<f64>> = (0..rows).map(|r| (0..cols).map(|j| *coef.get((r, j))).collect()).collect();
    let icpt = lr.intercept();
    let intercepts: Vec<f64> = (0..icpt.shape().0).map(|r| *icpt.get((r, 0))).collect();
    if coefficients.iter().flatten().chain(&intercepts).any(|v| !v.is_finite()) {
        return Err(internal("the optimiser produced non-finite coefficients".into()));
    }
    Ok(FittedModel::LogisticRegression { coefficients, intercepts })
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
            FittedModel::LogisticRegression { coefficients, intercepts } => (0..x.n_rows)
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

fn sigmoid(z: f64) -> f64 {
    // Two forms so that neither exp overflows.
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

fn softmax(z: &[f64]) -> Vec<f64> {
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = z.iter().map(|v| (v - max).exp()).collect();
    let s: f64 = e.iter().sum();
    e.into_iter().map(|v| v / s).collect()
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
        // coef_ = [[0.95826546]], intercept_ = [-1.43738173].
        let x = matrix(&[&[0.0], &[1.0], &[2.0], &[3.0]]);
        let m = ModelSpec::default().fit(&x, &[0, 0, 1, 1], 2).unwrap();
        let FittedModel::LogisticRegression { coefficients, intercepts } = &m;
        assert!((coefficients[0][0] - 0.958_265_46).abs() < 1e-4, "{coefficients:?}");
        assert!((intercepts[0] + 1.437_381_73).abs() < 1e-4, "{intercepts:?}");
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
