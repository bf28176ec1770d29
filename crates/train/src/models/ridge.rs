//! Ridge regression, as scikit-learn's `Ridge(alpha=1.0)`: least squares
//! with an L2 penalty `alpha‖w‖²` on the coefficients (not the intercept),
//! solved exactly on centred features by a Cholesky factorisation of
//! `XᵀX + alpha·I` (scikit-learn's `cholesky` solver, which its `auto`
//! picks for dense data). Written here because linfa's elastic net is
//! iterative and pulls in ndarray; the normal equations are a page.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use glassbox_core::{Error, ErrorKind, Matrix, Result};

use crate::estimator::{Classifier, Dim, Estimator, FitInput, Linear};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ridge {
    pub alpha: f64,
}

/// The fitted line: one coefficient row and an intercept, so explanations
/// read it as a linear model's margin (here, the prediction itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedRidge {
    pub coefficients: Vec<Vec<f64>>,
    pub intercepts: Vec<f64>,
}

impl Estimator for Ridge {
    type Fitted = FittedRidge;

    fn with_seed(_seed: u64) -> Self {
        Ridge { alpha: 1.0 }
    }

    fn check(&self) -> Result<()> {
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(Error::new(ErrorKind::BadSpec, format!("alpha must be zero or more, got {}", self.alpha)));
        }
        Ok(())
    }

    fn describe(&self, _task: glassbox_core::task::Task) -> String {
        format!("alpha = {}, fit_intercept, cholesky", self.alpha)
    }

    fn space(&self) -> Vec<Dim> {
        vec![Dim::new("alpha", 1e-3, 1e3, true, false)]
    }

    fn with_params(&self, p: &BTreeMap<String, f64>) -> Self {
        Ridge { alpha: p["alpha"] }
    }

    fn fit(&self, input: &FitInput<'_>) -> Result<FittedRidge> {
        let (x, y) = (input.x, input.numbers()?);
        let (n, p) = (x.n_rows, x.n_cols);
        if n == 0 {
            return Err(Error::new(ErrorKind::BadTarget, "ridge needs at least one training row"));
        }
        let x_mean: Vec<f64> = (0..p).map(|j| (0..n).map(|i| x.row(i)[j]).sum::<f64>() / n as f64).collect();
        let y_mean = crate::models::baseline::mean(y);
        // Normal equations on centred data: (XcᵀXc + αI) w = Xcᵀ(y - ȳ).
        let mut a = vec![0.0; p * p];
        let mut b = vec![0.0; p];
        let mut centred = vec![0.0; p];
        for (i, &yi) in y.iter().enumerate() {
            for (c, (v, m)) in centred.iter_mut().zip(x.row(i).iter().zip(&x_mean)) {
                *c = v - m;
            }
            let yc = yi - y_mean;
            for j in 0..p {
                let cj = centred[j];
                b[j] += cj * yc;
                // The row's part of the lower triangle, as slices so the
                // loop vectorises; the sums keep their row order.
                for (a, c) in a[j * p..=j * p + j].iter_mut().zip(&centred[..=j]) {
                    *a += cj * c;
                }
            }
        }
        for j in 0..p {
            a[j * p + j] += self.alpha;
            for k in 0..j {
                a[k * p + j] = a[j * p + k];
            }
        }
        let w = solve_spd(&mut a, &mut b, p).ok_or_else(|| {
            Error::new(
                ErrorKind::BadTarget,
                "ridge's equations have no single solution with alpha = 0 (a feature is constant or repeats another): give alpha above 0",
            )
        })?;
        let intercept = y_mean - w.iter().zip(&x_mean).map(|(w, m)| w * m).sum::<f64>();
        Ok(FittedRidge { coefficients: vec![w], intercepts: vec![intercept] })
    }
}

/// Solves `A w = b` for a symmetric positive definite `A` (row-major, `p × p`)
/// by Cholesky, in place; `None` when `A` is not positive definite.
fn solve_spd(a: &mut [f64], b: &mut [f64], p: usize) -> Option<Vec<f64>> {
    // A = L Lᵀ, L stored in the lower triangle.
    for j in 0..p {
        let diagonal = a[j * p + j];
        let mut d = diagonal;
        for k in 0..j {
            d -= a[j * p + k] * a[j * p + k];
        }
        // What is left of the diagonal after the earlier columns: nothing
        // (to rounding) means this column repeats them.
        if d.is_nan() || d <= 1e-12 * diagonal {
            return None;
        }
        let l = libm::sqrt(d);
        a[j * p + j] = l;
        for i in j + 1..p {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= a[i * p + k] * a[j * p + k];
            }
            a[i * p + j] = s / l;
        }
    }
    // L z = b, then Lᵀ w = z.
    for i in 0..p {
        let mut s = b[i];
        for k in 0..i {
            s -= a[i * p + k] * b[k];
        }
        b[i] = s / a[i * p + i];
    }
    for i in (0..p).rev() {
        let mut s = b[i];
        for k in i + 1..p {
            s -= a[k * p + i] * b[k];
        }
        b[i] = s / a[i * p + i];
    }
    Some(b.to_vec())
}

impl Classifier for FittedRidge {
    fn check(&self, n_outputs: usize) -> std::result::Result<(), String> {
        if n_outputs != 1 || self.coefficients.len() != 1 {
            return Err(format!("ridge gives one number per row, not {n_outputs} outputs"));
        }
        crate::estimator::check_class_values("the intercept", &self.intercepts, 1)?;
        if self.coefficients[0].iter().any(|v| !v.is_finite()) {
            return Err("a ridge coefficient is not finite".into());
        }
        Ok(())
    }

    fn predict_proba(&self, x: &Matrix) -> Vec<Vec<f64>> {
        let (w, b) = (&self.coefficients[0], self.intercepts[0]);
        (0..x.n_rows).map(|i| vec![b + x.row(i).iter().zip(w).map(|(v, w)| v * w).sum::<f64>()]).collect()
    }

    fn n_features(&self) -> Option<usize> {
        Some(self.coefficients[0].len())
    }

    fn linear(&self) -> Option<Linear<'_>> {
        Some(Linear { coefficients: &self.coefficients, intercepts: &self.intercepts })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ModelSpec;

    #[test]
    fn matches_scikit_learn_ridge() {
        // sklearn.linear_model.Ridge(alpha=1.0).fit(X, y) with
        // X = [[0,1],[1,0],[2,2],[3,1],[4,5]], y = [1,2,5,6,11]:
        // coef_ = [1.46767241, 0.87284483] (to 8 places), intercept_ = 0.49353448.
        let x = Matrix::from_rows(&[&[0.0, 1.0], &[1.0, 0.0], &[2.0, 2.0], &[3.0, 1.0], &[4.0, 5.0]]);
        let y = [1.0, 2.0, 5.0, 6.0, 11.0];
        let m = ModelSpec::from(Ridge { alpha: 1.0 }).fit_numbers(&x, &y).unwrap();
        let crate::model::FittedModel::Ridge(r) = &m else { panic!("ridge") };
        let want = [1.467_672_41, 0.872_844_83];
        for (got, want) in r.coefficients[0].iter().zip(want) {
            assert!((got - want).abs() < 1e-8, "{got} against {want}");
        }
        assert!((r.intercepts[0] - 0.493_534_48).abs() < 1e-8, "{}", r.intercepts[0]);
        assert_eq!(m.predict_proba(&x).len(), 5);
    }

    #[test]
    fn alpha_zero_on_a_repeated_feature_is_refused_in_words() {
        let x = Matrix::from_rows(&[&[1.0, 1.0], &[2.0, 2.0], &[3.0, 3.0]]);
        let e = ModelSpec::from(Ridge { alpha: 0.0 }).fit_numbers(&x, &[1.0, 2.0, 3.0]).unwrap_err();
        assert!(e.message().contains("give alpha above 0"), "{e}");
    }
}
