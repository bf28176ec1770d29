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
        // The rows go through in blocks, each a call of its own: a browser
        // runs a WebAssembly function's first calls in its baseline compiler
        // and only later calls in optimised code, so one call over all
        // 80,000 rows ran three times slower in Chromium than the same
        // loops called per block. The sums keep their row order either way.
        let mut x_mean = vec![0.0; p];
        for start in (0..n).step_by(ROWS_PER_CALL) {
            add_rows(x, start..n.min(start + ROWS_PER_CALL), &mut x_mean);
        }
        for m in &mut x_mean {
            *m /= n as f64;
        }
        let y_mean = crate::models::baseline::mean(y);
        // Normal equations on centred data: (XcᵀXc + αI) w = Xcᵀ(y - ȳ).
        let mut a = vec![0.0; p * p];
        let mut b = vec![0.0; p];
        for start in (0..n).step_by(ROWS_PER_CALL) {
            let rows = start..n.min(start + ROWS_PER_CALL);
            add_gram(x, &y[rows.clone()], rows, &x_mean, y_mean, &mut a, &mut b);
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
/// Rows per call of the fit's loops (see `fit`).
const ROWS_PER_CALL: usize = 256;

/// Adds rows `rows` of `x` to the column sums `sums`, row by row, so the
/// matrix is read in memory order.
#[inline(never)]
fn add_rows(x: &Matrix, rows: std::ops::Range<usize>, sums: &mut [f64]) {
    for i in rows {
        for (m, v) in sums.iter_mut().zip(x.row(i)) {
            *m += v;
        }
    }
}

/// Adds centred rows `rows` of `x` (targets `y`) to the lower triangle of
/// `a` = XcᵀXc and to `b` = Xcᵀ(y − ȳ).
#[inline(never)]
fn add_gram(
    x: &Matrix,
    y: &[f64],
    rows: std::ops::Range<usize>,
    x_mean: &[f64],
    y_mean: f64,
    a: &mut [f64],
    b: &mut [f64],
) {
    let p = x_mean.len();
    // Four rows at a time: each entry of the triangle is loaded and stored
    // once per four rows, with their products added in row order first.
    let mut c = vec![0.0; 4 * p];
    let mut yc = [0.0; 4];
    let rows: Vec<usize> = rows.collect();
    for (quad, ys) in rows.chunks(4).zip(y.chunks(4)) {
        for (r, &i) in quad.iter().enumerate() {
            for (c, (v, m)) in c[r * p..(r + 1) * p].iter_mut().zip(x.row(i).iter().zip(x_mean)) {
                *c = v - m;
            }
            yc[r] = ys[r] - y_mean;
        }
        if quad.len() < 4 {
            // The last rows of the data, one at a time.
            for r in 0..quad.len() {
                let c = &c[r * p..(r + 1) * p];
                for j in 0..p {
                    b[j] += c[j] * yc[r];
                    for (a, ck) in a[j * p..=j * p + j].iter_mut().zip(&c[..=j]) {
                        *a += c[j] * ck;
                    }
                }
            }
            continue;
        }
        let (c0, rest) = c.split_at(p);
        let (c1, rest) = rest.split_at(p);
        let (c2, c3) = rest.split_at(p);
        for j in 0..p {
            b[j] += c0[j] * yc[0] + c1[j] * yc[1] + c2[j] * yc[2] + c3[j] * yc[3];
            let (d0, d1, d2, d3) = (c0[j], c1[j], c2[j], c3[j]);
            let row = &mut a[j * p..=j * p + j];
            for ((((a, e0), e1), e2), e3) in row.iter_mut().zip(&c0[..=j]).zip(&c1[..=j]).zip(&c2[..=j]).zip(&c3[..=j])
            {
                *a += d0 * e0 + d1 * e1 + d2 * e2 + d3 * e3;
            }
        }
    }
}

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
    fn rows_in_blocks_and_a_tail_recover_an_exact_linear_target() {
        // 1,027 rows: four calls of 256 rows, then three rows one at a time.
        let rows: Vec<Vec<f64>> = (0..1027u32)
            .map(|i| vec![f64::from(i % 17) / 3.0, f64::from(i * 7 % 23) - 11.0, f64::from(i % 5) * 0.25])
            .collect();
        let refs: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
        let y: Vec<f64> = rows.iter().map(|r| 2.0 * r[0] - 0.5 * r[1] + 4.0 * r[2] + 7.0).collect();
        let m = ModelSpec::from(Ridge { alpha: 0.0 }).fit_numbers(&Matrix::from_rows(&refs), &y).unwrap();
        let crate::model::FittedModel::Ridge(r) = &m else { panic!("ridge") };
        for (got, want) in r.coefficients[0].iter().zip([2.0, -0.5, 4.0]) {
            assert!((got - want).abs() < 1e-9, "{got} against {want}");
        }
        assert!((r.intercepts[0] - 7.0).abs() < 1e-9, "{}", r.intercepts[0]);
    }

    #[test]
    fn alpha_zero_on_a_repeated_feature_is_refused_in_words() {
        let x = Matrix::from_rows(&[&[1.0, 1.0], &[2.0, 2.0], &[3.0, 3.0]]);
        let e = ModelSpec::from(Ridge { alpha: 0.0 }).fit_numbers(&x, &[1.0, 2.0, 3.0]).unwrap_err();
        assert!(e.message().contains("give alpha above 0"), "{e}");
    }
}
