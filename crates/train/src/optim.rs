//! L-BFGS for smooth convex objectives, and the logistic-regression loss.
//!
//! Written here rather than taken from smartcore, which this replaced, for two
//! reasons measured on this project: smartcore's optimiser ran 14× slower than
//! scikit-learn's, and its use of the platform's `exp`/`ln` made the browser's
//! coefficients differ from the CLI's in the ninth digit. Every transcendental
//! function here is `libm`'s (the same Rust code on every target) and every
//! sum runs in a fixed order, so native and wasm builds produce the same bits.

/// A differentiable objective: the value, and the gradient written into `grad`.
pub trait Objective {
    fn dim(&self) -> usize;
    fn value_and_gradient(&self, x: &[f64], grad: &mut [f64]) -> f64;
    /// How many terms the objective sums (rows, weighted): stopping
    /// tolerances on the gradient scale with it, so a million rows are not
    /// held to a tolerance meant for ten.
    fn scale(&self) -> f64 {
        1.0
    }
}

/// Stopping rules and memory of the optimiser.
#[derive(Debug, Clone, Copy)]
pub struct Lbfgs {
    pub memory: usize,
    pub max_iter: usize,
    /// Stop when the largest gradient component is at most this.
    pub grad_tol: f64,
    /// Or when the objective improves by less than this, relatively.
    pub rel_tol: f64,
}

impl Default for Lbfgs {
    fn default() -> Self {
        Lbfgs { memory: 10, max_iter: 1000, grad_tol: 1e-9, rel_tol: 1e-15 }
    }
}

/// Where the optimiser stopped and why.
#[derive(Debug, Clone)]
pub struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
    pub iterations: usize,
    pub converged: bool,
}

/// A dot product with four running sums, combined in a fixed order: the
/// sums are independent, so the CPU overlaps them (a single running sum
/// waits on each addition), and the fixed order keeps the result the same
/// on every platform.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

impl Lbfgs {
    /// Minimises `f` from `x0`.
    pub fn minimize(&self, f: &impl Objective, x0: Vec<f64>) -> Minimum {
        let n = f.dim();
        // The objective is a sum over rows: its gradient tolerance scales with it.
        let grad_tol = self.grad_tol * f.scale();
        let mut x = x0;
        let mut g = vec![0.0; n];
        let mut fx = f.value_and_gradient(&x, &mut g);
        let mut s_hist: Vec<Vec<f64>> = Vec::new();
        let mut y_hist: Vec<Vec<f64>> = Vec::new();
        let mut rho: Vec<f64> = Vec::new();
        let mut x_new = vec![0.0; n];
        let mut g_new = vec![0.0; n];
        for iter in 0..self.max_iter {
            if g.iter().fold(0.0f64, |m, v| m.max(v.abs())) <= grad_tol {
                return Minimum { x, value: fx, iterations: iter, converged: true };
            }
            // Two-loop recursion: d = -H g.
            let mut d: Vec<f64> = g.iter().map(|v| -v).collect();
            let k = s_hist.len();
            let mut alpha = vec![0.0; k];
            for i in (0..k).rev() {
                alpha[i] = rho[i] * dot(&s_hist[i], &d);
                for (dj, yj) in d.iter_mut().zip(&y_hist[i]) {
                    *dj -= alpha[i] * yj;
                }
            }
            let gamma =
                if k > 0 { dot(&s_hist[k - 1], &y_hist[k - 1]) / dot(&y_hist[k - 1], &y_hist[k - 1]) } else { 1.0 };
            for dj in d.iter_mut() {
                *dj *= gamma;
            }
            for i in 0..k {
                let beta = rho[i] * dot(&y_hist[i], &d);
                for (dj, sj) in d.iter_mut().zip(&s_hist[i]) {
                    *dj += (alpha[i] - beta) * sj;
                }
            }
            let mut slope = dot(&g, &d);
            if slope >= 0.0 {
                // Not a descent direction (numerical trouble): restart from steepest descent.
                s_hist.clear();
                y_hist.clear();
                rho.clear();
                d = g.iter().map(|v| -v).collect();
                slope = dot(&g, &d);
            }
            // Backtracking line search with the Armijo condition; the first
            // step is scaled so it moves about one unit.
            let mut step = if k == 0 { 1.0 / dot(&g, &g).sqrt().max(1.0) } else { 1.0 };
            let mut f_new;
            let mut tries = 0;
            loop {
                for ((xn, xi), di) in x_new.iter_mut().zip(&x).zip(&d) {
                    *xn = xi + step * di;
                }
                f_new = f.value_and_gradient(&x_new, &mut g_new);
                if f_new <= fx + 1e-4 * step * slope || tries >= 30 {
                    break;
                }
                step *= 0.5;
                tries += 1;
            }
            if f_new > fx {
                // No step decreases the objective any more: it is flat to
                // machine precision. Converged if the gradient is small too.
                let converged = g.iter().fold(0.0f64, |m, v| m.max(v.abs())) <= 1e-6 * f.scale();
                return Minimum { x, value: fx, iterations: iter, converged };
            }
            let s: Vec<f64> = x_new.iter().zip(&x).map(|(a, b)| a - b).collect();
            let yv: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
            let sy = dot(&s, &yv);
            let improvement = fx - f_new;
            std::mem::swap(&mut x, &mut x_new);
            std::mem::swap(&mut g, &mut g_new);
            fx = f_new;
            if sy > 1e-12 * dot(&yv, &yv).max(f64::MIN_POSITIVE) {
                if s_hist.len() == self.memory {
                    s_hist.remove(0);
                    y_hist.remove(0);
                    rho.remove(0);
                }
                s_hist.push(s);
                y_hist.push(yv);
                rho.push(1.0 / sy);
            }
            if improvement <= self.rel_tol * fx.abs().max(1.0) {
                let converged = g.iter().fold(0.0f64, |m, v| m.max(v.abs())) <= grad_tol.max(1e-6 * f.scale());
                return Minimum { x, value: fx, iterations: iter + 1, converged };
            }
        }
        Minimum { x, value: fx, iterations: self.max_iter, converged: false }
    }
}

/// `ln(1 + e^z)` without overflow.
pub fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + libm::log1p(libm::exp(-z))
    } else {
        libm::log1p(libm::exp(z))
    }
}

/// The logistic function without overflow.
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + libm::exp(-z))
    } else {
        let e = libm::exp(z);
        e / (1.0 + e)
    }
}

/// Softmax of `z`, shifted by the maximum so no exponent overflows.
pub fn softmax(z: &[f64]) -> Vec<f64> {
    let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = z.iter().map(|v| libm::exp(v - max)).collect();
    let s: f64 = e.iter().sum();
    e.into_iter().map(|v| v / s).collect()
}

/// L2-regularised logistic loss: `sum of log-losses + lambda/2 * |W|^2`,
/// intercepts unpenalised. Parameters are laid out class by class, each
/// `p` weights then the intercept; binary problems have one such block.
pub struct LogisticLoss<'a> {
    pub x: &'a [f64],
    pub n: usize,
    pub p: usize,
    pub y: &'a [usize],
    /// 1 for binary (the positive class's block), K for multinomial.
    pub blocks: usize,
    pub lambda: f64,
    /// Per class: the weight of each of its rows in the loss.
    pub class_weight: Option<&'a [f64]>,
}

impl Objective for LogisticLoss<'_> {
    fn dim(&self) -> usize {
        self.blocks * (self.p + 1)
    }

    fn scale(&self) -> f64 {
        let w = |i: usize| self.class_weight.map_or(1.0, |cw| cw[self.y[i]]);
        (0..self.n).map(w).sum::<f64>().max(1.0)
    }

    fn value_and_gradient(&self, w: &[f64], grad: &mut [f64]) -> f64 {
        let (p, stride) = (self.p, self.p + 1);
        grad.iter_mut().for_each(|g| *g = 0.0);
        let mut loss = 0.0;
        let mut z = vec![0.0; self.blocks];
        // Residuals: predicted probability minus the truth, per block, weighted.
        // One buffer for all rows: this loop is the whole cost of a fit.
        let mut residual = vec![0.0; self.blocks];
        for i in 0..self.n {
            let row = &self.x[i * p..(i + 1) * p];
            for (k, zk) in z.iter_mut().enumerate() {
                let wk = &w[k * stride..k * stride + p];
                *zk = dot(wk, row) + w[k * stride + p];
            }
            let w = self.class_weight.map_or(1.0, |cw| cw[self.y[i]]);
            if self.blocks == 1 {
                let t = if self.y[i] == 1 { 1.0 } else { 0.0 };
                // softplus(z) and sigmoid(z) from one exponential, e = exp(-|z|).
                let zi = z[0];
                let e = libm::exp(-zi.abs());
                let softplus = zi.max(0.0) + libm::log1p(e);
                let sigmoid = if zi >= 0.0 { 1.0 / (1.0 + e) } else { e / (1.0 + e) };
                loss += w * (softplus - t * zi);
                residual[0] = w * (sigmoid - t);
            } else {
                let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let lse = max + libm::log(z.iter().map(|v| libm::exp(v - max)).sum::<f64>());
                loss += w * (lse - z[self.y[i]]);
                for (k, (r, v)) in residual.iter_mut().zip(&z).enumerate() {
                    *r = w * (libm::exp(v - lse) - if k == self.y[i] { 1.0 } else { 0.0 });
                }
            }
            for (k, r) in residual.iter().enumerate() {
                let gk = &mut grad[k * stride..(k + 1) * stride];
                for (g, xj) in gk[..p].iter_mut().zip(row) {
                    *g += r * xj;
                }
                gk[p] += r;
            }
        }
        for k in 0..self.blocks {
            for j in 0..p {
                let wkj = w[k * stride + j];
                loss += 0.5 * self.lambda * wkj * wkj;
                grad[k * stride + j] += self.lambda * wkj;
            }
        }
        loss
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Quadratic;
    impl Objective for Quadratic {
        fn dim(&self) -> usize {
            2
        }
        fn value_and_gradient(&self, x: &[f64], g: &mut [f64]) -> f64 {
            // (x - 3)^2 + 10 (y + 1)^2, minimum at (3, -1).
            g[0] = 2.0 * (x[0] - 3.0);
            g[1] = 20.0 * (x[1] + 1.0);
            (x[0] - 3.0).powi(2) + 10.0 * (x[1] + 1.0).powi(2)
        }
    }

    #[test]
    fn finds_the_minimum_of_a_quadratic() {
        let m = Lbfgs::default().minimize(&Quadratic, vec![0.0, 0.0]);
        assert!(m.converged);
        assert!((m.x[0] - 3.0).abs() < 1e-9 && (m.x[1] + 1.0).abs() < 1e-9, "{:?}", m.x);
    }

    #[test]
    fn logistic_gradient_matches_finite_differences() {
        let x = [0.5, -1.0, 1.5, 2.0, -0.3, 0.7, 1.1, -2.0];
        let y = [0, 2, 1, 2];
        let loss =
            LogisticLoss { x: &x, n: 4, p: 2, y: &y, blocks: 3, lambda: 0.7, class_weight: Some(&[1.0, 2.0, 0.5]) };
        let w: Vec<f64> = (0..loss.dim()).map(|i| 0.1 * i as f64 - 0.3).collect();
        let mut g = vec![0.0; loss.dim()];
        loss.value_and_gradient(&w, &mut g);
        for j in 0..w.len() {
            let (mut a, mut b) = (w.clone(), w.clone());
            a[j] += 1e-6;
            b[j] -= 1e-6;
            let mut scratch = vec![0.0; loss.dim()];
            let numeric =
                (loss.value_and_gradient(&a, &mut scratch) - loss.value_and_gradient(&b, &mut scratch)) / 2e-6;
            assert!((numeric - g[j]).abs() < 1e-6, "component {j}: {numeric} vs {}", g[j]);
        }
    }
}
