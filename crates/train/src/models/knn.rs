//! k nearest neighbours by Euclidean distance on the preprocessed features,
//! uniform weights, as `KNeighborsClassifier`.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use glassbox_core::{Error, ErrorKind, Matrix, Result};

use crate::estimator::{Classifier, Dim, Estimator, FitInput};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Knn {
    pub k: usize,
}

/// The training rows themselves (k-NN has no other state): the model
/// file grows with the training set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedKnn {
    pub k: usize,
    pub n_classes: usize,
    pub n_cols: usize,
    /// Shared with the matrix it was fitted on: no copy at fit time.
    pub x: Arc<Vec<f64>>,
    pub y: Vec<usize>,
    /// A regressor's training numbers (then `y` is empty): the prediction is
    /// the mean of the neighbours' numbers, as `KNeighborsRegressor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<f64>>,
}

impl Estimator for Knn {
    type Fitted = FittedKnn;

    fn with_seed(_seed: u64) -> Self {
        Knn { k: 5 }
    }

    fn check(&self) -> Result<()> {
        if self.k == 0 {
            return Err(Error::new(ErrorKind::BadSpec, "k must be at least 1, got 0"));
        }
        Ok(())
    }

    fn describe(&self, _task: glassbox_core::task::Task) -> String {
        format!("k = {}, uniform weights, Euclidean distance", self.k)
    }

    fn space(&self) -> Vec<Dim> {
        vec![Dim::new("k", 1.0, 50.0, true, true)]
    }

    fn with_params(&self, p: &BTreeMap<String, f64>) -> Self {
        Knn { k: p["k"] as usize }
    }

    fn fit(&self, input: &FitInput<'_>) -> Result<FittedKnn> {
        let FitInput { x, y, n_classes, values, .. } = *input;
        let values = values.map(<[f64]>::to_vec);
        Ok(FittedKnn { k: self.k, n_classes, n_cols: x.n_cols, x: Arc::clone(&x.values), y: y.to_vec(), values })
    }
}

impl Classifier for FittedKnn {
    fn check(&self, n_classes: usize) -> std::result::Result<(), String> {
        let FittedKnn { k, n_classes: n, n_cols, x, y, values } = self;
        if let Some(v) = values {
            if !y.is_empty() || *n != 1 || n_classes != 1 {
                return Err("a k-NN regressor holds numbers, not classes".into());
            }
            if *k == 0 || v.is_empty() || v.iter().any(|v| !v.is_finite()) {
                return Err("a k-NN regressor needs k of at least 1 and finite training numbers".into());
            }
            if Some(x.len()) != v.len().checked_mul(*n_cols) {
                return Err(format!("k-NN has {} values for {} rows of {n_cols} features", x.len(), v.len()));
            }
            return Ok(());
        }
        if *n != n_classes {
            return Err(format!("k-NN says {n} classes but the file has {n_classes}"));
        }
        if *k == 0 || y.is_empty() {
            return Err("k-NN needs k of at least 1 and at least one training row".into());
        }
        if Some(x.len()) != y.len().checked_mul(*n_cols) {
            return Err(format!("k-NN has {} values for {} rows of {n_cols} features", x.len(), y.len()));
        }
        if let Some(r) = y.iter().position(|&c| c >= n_classes) {
            return Err(format!("k-NN training row {r} has class index {}, past the {n_classes} classes", y[r]));
        }
        Ok(())
    }

    fn predict_proba(&self, x: &Matrix) -> Vec<Vec<f64>> {
        let FittedKnn { k, n_classes, n_cols, x: train, y, values } = self;
        let rows = values.as_ref().map_or(y.len(), Vec::len);
        (0..x.n_rows)
            .map(|i| {
                let row = x.row(i);
                let mut d: Vec<(f64, usize)> = (0..rows)
                    .map(|j| {
                        let t = &train[j * n_cols..(j + 1) * n_cols];
                        (row.iter().zip(t).map(|(a, b)| (a - b) * (a - b)).sum::<f64>(), j)
                    })
                    .collect();
                // Nearest first; equal distances in training order, so the choice is stable.
                let k = (*k).min(d.len());
                d.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                if let Some(v) = values {
                    // Summed nearest first, as numpy sums scikit-learn's sorted neighbours.
                    d[..k].sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                    return vec![d[..k].iter().map(|&(_, j)| v[j]).sum::<f64>() / k as f64];
                }
                let mut proba = vec![0.0; *n_classes];
                for &(_, j) in &d[..k] {
                    proba[y[j]] += 1.0 / k as f64;
                }
                proba
            })
            .collect()
    }

    fn n_features(&self) -> Option<usize> {
        Some(self.n_cols)
    }
}
