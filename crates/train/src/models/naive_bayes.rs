//! Gaussian naive Bayes, as scikit-learn's `GaussianNB`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use glassbox_core::{Error, ErrorKind, Matrix, Result};

use crate::estimator::{Classifier, Dim, Estimator, FitInput};
use crate::optim::softmax;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NaiveBayes {
    /// Added to every variance: this share of the largest feature variance.
    pub var_smoothing: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedNaiveBayes {
    /// Per class: the prior, and each feature's mean and variance.
    pub priors: Vec<f64>,
    pub means: Vec<Vec<f64>>,
    pub variances: Vec<Vec<f64>>,
}

impl Estimator for NaiveBayes {
    type Fitted = FittedNaiveBayes;

    fn with_seed(_seed: u64) -> Self {
        NaiveBayes { var_smoothing: 1e-9 }
    }

    fn check(&self) -> Result<()> {
        let v = self.var_smoothing;
        if !(v.is_finite() && v >= 0.0) {
            return Err(Error::new(ErrorKind::BadSpec, format!("var_smoothing must be zero or more, got {v}")));
        }
        Ok(())
    }

    fn describe(&self, _task: glassbox_core::task::Task) -> String {
        format!("var_smoothing = {}", self.var_smoothing)
    }

    fn space(&self) -> Vec<Dim> {
        vec![Dim::new("var_smoothing", 1e-12, 1e-1, true, false)]
    }

    fn with_params(&self, p: &BTreeMap<String, f64>) -> Self {
        NaiveBayes { var_smoothing: p["var_smoothing"] }
    }

    /// As scikit-learn fits it: per-class means and population variances,
    /// plus `var_smoothing` times the largest variance of any feature over all rows.
    fn fit(&self, input: &FitInput<'_>) -> Result<FittedNaiveBayes> {
        let FitInput { x, y, n_classes, .. } = *input;
        let p = x.n_cols;
        let n = x.n_rows.max(1) as f64;
        let overall_max_var = (0..p)
            .map(|j| {
                let mean = (0..x.n_rows).map(|i| x.row(i)[j]).sum::<f64>() / n;
                (0..x.n_rows).map(|i| (x.row(i)[j] - mean).powi(2)).sum::<f64>() / n
            })
            .fold(0.0, f64::max);
        let epsilon = self.var_smoothing * overall_max_var;
        let mut counts = vec![0.0; n_classes];
        let mut means = vec![vec![0.0; p]; n_classes];
        for (i, &c) in y.iter().enumerate() {
            counts[c] += 1.0;
            for (m, v) in means[c].iter_mut().zip(x.row(i)) {
                *m += v;
            }
        }
        for (m, &count) in means.iter_mut().zip(&counts) {
            m.iter_mut().for_each(|v| *v /= f64::max(count, 1.0));
        }
        let mut variances = vec![vec![0.0; p]; n_classes];
        for (i, &c) in y.iter().enumerate() {
            for ((s, v), m) in variances[c].iter_mut().zip(x.row(i)).zip(&means[c]) {
                *s += (v - m) * (v - m);
            }
        }
        for (s, &count) in variances.iter_mut().zip(&counts) {
            s.iter_mut().for_each(|v| *v = *v / f64::max(count, 1.0) + epsilon);
        }
        let priors = counts.iter().map(|c| c / n).collect();
        Ok(FittedNaiveBayes { priors, means, variances })
    }
}

impl Classifier for FittedNaiveBayes {
    fn check(&self, n_classes: usize) -> std::result::Result<(), String> {
        crate::estimator::check_class_values("the priors", &self.priors, n_classes)?;
        let n_cols = self.means.first().map_or(0, Vec::len);
        if self.means.len() != n_classes
            || self.variances.len() != n_classes
            || self.means.iter().chain(&self.variances).any(|r| r.len() != n_cols)
        {
            return Err(format!("the means and variances are not {n_classes} rows of {n_cols} features"));
        }
        if self.means.iter().flatten().any(|m| !m.is_finite()) {
            return Err("the means: a value that is not finite".into());
        }
        // A Gaussian needs a positive variance; zero or less would divide by
        // zero or take the log of a negative number and give NaN probabilities.
        if self.variances.iter().flatten().any(|v| !(v.is_finite() && *v > 0.0)) {
            return Err("the variances: a value that is not a positive finite number".into());
        }
        if self.priors.iter().any(|p| *p < 0.0) {
            return Err("the priors: a negative probability".into());
        }
        Ok(())
    }

    fn predict_proba(&self, x: &Matrix) -> Vec<Vec<f64>> {
        (0..x.n_rows)
            .map(|i| {
                let row = x.row(i);
                let joint: Vec<f64> = self
                    .priors
                    .iter()
                    .zip(self.means.iter().zip(&self.variances))
                    .map(|(prior, (mean, var))| {
                        let ll: f64 = row
                            .iter()
                            .zip(mean.iter().zip(var))
                            .map(|(v, (m, s))| {
                                -0.5 * libm::log(2.0 * std::f64::consts::PI * s) - 0.5 * (v - m) * (v - m) / s
                            })
                            .sum();
                        if *prior > 0.0 {
                            libm::log(*prior) + ll
                        } else {
                            f64::NEG_INFINITY
                        }
                    })
                    .collect();
                softmax(&joint)
            })
            .collect()
    }

    fn n_features(&self) -> Option<usize> {
        Some(self.means.first().map_or(0, Vec::len))
    }
}
