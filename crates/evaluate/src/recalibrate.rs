//! Calibration maps: a model's scores made into probabilities that can be
//! trusted, as scikit-learn's `CalibratedClassifierCV` makes them.
//!
//! - `sigmoid` is Platt scaling, `_sigmoid_calibration`: P = 1 / (1 +
//!   exp(A f + B)) fitted by maximum likelihood to Platt's smoothed targets
//!   ((N₊ + 1) / (N₊ + 2) for positives, 1 / (N₋ + 2) for negatives), here
//!   by Newton's method with a halving line search on the two parameters
//!   (scikit-learn runs L-BFGS on the same convex loss, from the same start).
//! - `isotonic` is `IsotonicRegression(out_of_bounds="clip")`: tied scores
//!   merged (their mean target, weighted by count), pool-adjacent-violators
//!   for the increasing fit, points inside flat runs dropped, and new scores
//!   read by linear interpolation, clipped to the fitted range.
//!
//! Both are fitted per class one-vs-rest on held-out scores; how the
//! classes' maps are combined (and over which folds) is the caller's.

use serde::{Deserialize, Serialize};

/// Which map a calibration fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Sigmoid,
    Isotonic,
}

impl Method {
    pub fn parse(s: &str) -> Option<Method> {
        match s {
            "sigmoid" => Some(Method::Sigmoid),
            "isotonic" => Some(Method::Isotonic),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Sigmoid => "sigmoid",
            Method::Isotonic => "isotonic",
        }
    }
}

/// A fitted map from a score to a probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Calibrator {
    /// P = 1 / (1 + exp(a f + b)).
    Sigmoid { a: f64, b: f64 },
    /// Increasing steps through (x, y), interpolated, clipped at the ends.
    Isotonic { x: Vec<f64>, y: Vec<f64> },
}

fn sigmoid_of(z: f64) -> f64 {
    // 1 / (1 + e^z) without overflow on either side.
    if z >= 0.0 {
        let e = libm::exp(-z);
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + libm::exp(z))
    }
}

impl Calibrator {
    /// Fits `method` to scores `f` of rows whose class is `positive`.
    pub fn fit(method: Method, f: &[f64], positive: &[bool]) -> Calibrator {
        match method {
            Method::Sigmoid => fit_sigmoid(f, positive),
            Method::Isotonic => fit_isotonic(f, positive),
        }
    }

    pub fn apply(&self, f: f64) -> f64 {
        match self {
            Calibrator::Sigmoid { a, b } => sigmoid_of(a * f + b),
            Calibrator::Isotonic { x, y } => {
                if x.is_empty() {
                    return 0.5;
                }
                let f = f.clamp(x[0], x[x.len() - 1]);
                let right = x.partition_point(|&v| v <= f);
                if right == 0 {
                    return y[0];
                }
                if right == x.len() {
                    return y[x.len() - 1];
                }
                let (x0, x1, y0, y1) = (x[right - 1], x[right], y[right - 1], y[right]);
                y0 + (y1 - y0) * (f - x0) / (x1 - x0)
            }
        }
    }
}

/// The negative log-likelihood of Platt's targets `t` under (a, b), with its gradient and Hessian.
fn platt_loss(f: &[f64], t: &[f64], a: f64, b: f64) -> (f64, [f64; 2], [f64; 3]) {
    let (mut loss, mut g, mut h) = (0.0, [0.0; 2], [0.0; 3]);
    for (&fi, &ti) in f.iter().zip(t) {
        let z = a * fi + b;
        let p = sigmoid_of(z);
        // −[t ln p + (1 − t) ln(1 − p)] with ln p = −softplus(z), ln(1 − p) = z − softplus(z).
        let softplus = if z > 0.0 { z + libm::log1p(libm::exp(-z)) } else { libm::log1p(libm::exp(z)) };
        loss += softplus - (1.0 - ti) * z;
        // d loss / d z = (1 − p) − (1 − t) = t − p; its derivative is p (1 − p).
        let d = ti - p;
        let w = p * (1.0 - p);
        g[0] += d * fi;
        g[1] += d;
        h[0] += w * fi * fi;
        h[1] += w * fi;
        h[2] += w;
    }
    (loss, g, h)
}

fn fit_sigmoid(f: &[f64], positive: &[bool]) -> Calibrator {
    let n_pos = positive.iter().filter(|&&p| p).count() as f64;
    let n_neg = positive.len() as f64 - n_pos;
    let (hi, lo) = ((n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0));
    let t: Vec<f64> = positive.iter().map(|&p| if p { hi } else { lo }).collect();
    let (mut a, mut b) = (0.0, libm::log((n_neg + 1.0) / (n_pos + 1.0)));
    let (mut loss, mut g, mut h) = platt_loss(f, &t, a, b);
    for _ in 0..100 {
        // Newton's step on the 2×2 system, kept positive definite.
        let (h00, h01, h11) = (h[0] + 1e-12, h[1], h[2] + 1e-12);
        let det = h00 * h11 - h01 * h01;
        if det <= 0.0 {
            break;
        }
        let (da, db) = ((h11 * g[0] - h01 * g[1]) / det, (h00 * g[1] - h01 * g[0]) / det);
        let mut step = 1.0;
        let mut improved = false;
        while step > 1e-10 {
            let (na, nb) = (a - step * da, b - step * db);
            let (nl, ng, nh) = platt_loss(f, &t, na, nb);
            if nl < loss + 1e-4 * step * -(g[0] * da + g[1] * db) || nl < loss {
                (a, b, loss, g, h) = (na, nb, nl, ng, nh);
                improved = true;
                break;
            }
            step /= 2.0;
        }
        if !improved || (da * step).abs() + (db * step).abs() < 1e-12 {
            break;
        }
    }
    Calibrator::Sigmoid { a, b }
}

fn fit_isotonic(f: &[f64], positive: &[bool]) -> Calibrator {
    let mut order: Vec<usize> = (0..f.len()).collect();
    order.sort_by(|&i, &j| f[i].total_cmp(&f[j]));
    // Tied scores become one point: their mean target, weighted by their count.
    let (mut x, mut y, mut w): (Vec<f64>, Vec<f64>, Vec<f64>) = (Vec::new(), Vec::new(), Vec::new());
    for i in order {
        let v = f64::from(u8::from(positive[i]));
        if x.last() == Some(&f[i]) {
            let k = x.len() - 1;
            y[k] = (y[k] * w[k] + v) / (w[k] + 1.0);
            w[k] += 1.0;
        } else {
            x.push(f[i]);
            y.push(v);
            w.push(1.0);
        }
    }
    // Pool adjacent violators: blocks of (mean, weight, points).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
    for (&yi, &wi) in y.iter().zip(&w) {
        blocks.push((yi, wi, 1));
        while blocks.len() > 1 && blocks[blocks.len() - 2].0 >= blocks[blocks.len() - 1].0 {
            let (m2, w2, n2) = blocks.pop().expect("two blocks");
            let (m1, w1, n1) = blocks.pop().expect("two blocks");
            blocks.push(((m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, n1 + n2));
        }
    }
    let fitted: Vec<f64> = blocks.iter().flat_map(|&(m, _, n)| std::iter::repeat_n(m, n)).collect();
    // Inside a flat run only its ends matter for interpolation.
    let n = x.len();
    let keep: Vec<usize> =
        (0..n).filter(|&i| i == 0 || i + 1 == n || fitted[i - 1] != fitted[i] || fitted[i] != fitted[i + 1]).collect();
    Calibrator::Isotonic { x: keep.iter().map(|&i| x[i]).collect(), y: keep.iter().map(|&i| fitted[i]).collect() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isotonic_pools_violators_and_interpolates_between_steps() {
        let f = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
        let y = [false, true, false, true, true, true];
        let c = Calibrator::fit(Method::Isotonic, &f, &y);
        // 0.2 and 0.3 pool to 0.5; the flat run of 1s keeps its ends.
        assert_eq!(c, Calibrator::Isotonic { x: vec![0.1, 0.2, 0.3, 0.4, 0.6], y: vec![0.0, 0.5, 0.5, 1.0, 1.0] });
        assert!((c.apply(0.35) - 0.75).abs() < 1e-12);
        assert_eq!((c.apply(-1.0), c.apply(9.0)), (0.0, 1.0), "clipped at the ends");
    }

    #[test]
    fn platt_scaling_reaches_the_optimum_of_its_smoothed_targets() {
        let f: Vec<f64> = (0..40).map(|i| f64::from(i) / 39.0).collect();
        let y: Vec<bool> = (0..40).map(|i| (i * 7919) % 40 < i).collect();
        let Calibrator::Sigmoid { a, b } = Calibrator::fit(Method::Sigmoid, &f, &y) else { panic!() };
        let n_pos = y.iter().filter(|&&p| p).count() as f64;
        let t: Vec<f64> =
            y.iter().map(|&p| if p { (n_pos + 1.0) / (n_pos + 2.0) } else { 1.0 / (40.0 - n_pos + 2.0) }).collect();
        let (_, g, _) = platt_loss(&f, &t, a, b);
        assert!(g[0].abs() < 1e-9 && g[1].abs() < 1e-9, "gradient {g:?} at a = {a}, b = {b}");
        assert!(a < 0.0, "higher scores, more positives: {a}");
    }
}
