//! The survival function of the finite-n two-sided one-sample
//! Kolmogorov–Smirnov statistic, `scipy.stats.kstwo.sf(x, n)`, which
//! `ks_2samp` uses above 10,000 values a side at n = round(n1·n2/(n1+n2)).
//!
//! Written here because no Rust crate has it. It follows Simard and
//! L'Ecuyer's choice of method by region (as SciPy's `_ksstats.py` does):
//! Ruben–Gambino's closed forms at the edges, Durbin's matrix (in Marsaglia,
//! Tsang and Wang's form) and Pomeranz's recursion for small n·x², twice
//! the one-sided Smirnov tail where the two tails cannot overlap or the
//! overlap is negligible, and Pelz–Good's expansion for large n. SciPy's
//! one-sided Smirnov sum runs in double-double arithmetic; here the terms
//! are summed in logs in f64, which keeps p-values within 1e-12 of SciPy's
//! on `tests/scipy.rs`'s grid (the tests hold it to 1e-9).

use std::f64::consts::PI;

/// 2^128 and 2^-128: the scale steps that keep long products in range.
const EP128: f64 = 3.402_823_669_209_385e38;
const EM128: f64 = 2.938_735_877_055_719e-39;

/// P(D_n ≥ x) for the two-sided statistic of a sample of n.
pub fn sf(n: u64, x: f64) -> f64 {
    if n == 0 || x.is_nan() {
        return f64::NAN;
    }
    if x >= 1.0 {
        return 0.0;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let nf = n as f64;
    let t = nf * x;
    if t <= 1.0 {
        // Ruben–Gambino: P(D_n ≤ x) = n!/nⁿ (2t − 1)ⁿ for 1/2n ≤ x ≤ 1/n.
        if t <= 0.5 {
            return 1.0;
        }
        let cdf = if n <= 140 {
            (1..=n).map(|i| i as f64 * (1.0 / nf) * (2.0 * t - 1.0)).product::<f64>()
        } else {
            libm::exp(log_nfactorial_over_n_pow_n(nf) + nf * libm::log(2.0 * t - 1.0))
        };
        return clip(1.0 - cdf);
    }
    if t >= nf - 1.0 {
        return clip(2.0 * libm::pow(1.0 - x, nf));
    }
    if x >= 0.5 {
        // The two one-sided tails cannot both be crossed.
        return clip(2.0 * smirnov_sf(n, x));
    }
    let nx2 = t * x;
    if n <= 140 {
        if nx2 <= 0.754693 {
            return clip(1.0 - durbin_cdf(n, x));
        }
        if nx2 <= 4.0 {
            return clip(1.0 - pomeranz_cdf(n, x));
        }
        return clip(2.0 * smirnov_sf(n, x));
    }
    if nx2 >= 370.0 {
        return 0.0;
    }
    if nx2 >= 2.2 {
        return clip(2.0 * smirnov_sf(n, x));
    }
    let cdf = if n <= 100_000 && nf * libm::pow(x, 1.5) <= 1.4 { durbin_cdf(n, x) } else { pelz_good_cdf(nf, x) };
    clip(1.0 - cdf)
}

fn clip(p: f64) -> f64 {
    p.clamp(0.0, 1.0)
}

/// ln(n!/nⁿ) by Stirling's series with n ln n taken out first, so nothing
/// cancels (SciPy's `_log_nfactorial_div_n_pow_n`).
fn log_nfactorial_over_n_pow_n(n: f64) -> f64 {
    const STIRLING: [f64; 8] = [
        -2.955_065_359_477_124_2e-2,
        6.410_256_410_256_41e-3,
        -1.917_526_917_526_917_6e-3,
        8.417_508_417_508_417e-4,
        -5.952_380_952_380_953e-4,
        7.936_507_936_507_937e-4,
        -2.777_777_777_777_778e-3,
        8.333_333_333_333_333e-2,
    ];
    let rn = 1.0 / n;
    let poly = STIRLING.iter().fold(0.0, |acc, &c| acc * (rn / n) + c);
    libm::log(n) / 2.0 - n + libm::log(2.0 * PI) / 2.0 + rn * poly
}

/// The one-sided tail P(D_n⁺ ≥ x): Birnbaum and Tingey's sum
/// x Σ_{v=0}^{⌊n(1−x)⌋} C(n,v) (x + v/n)^(v−1) (1 − x − v/n)^(n−v),
/// each term formed in logs so neither the binomial nor the powers
/// overflow (SciPy's `smirnov`).
pub fn smirnov_sf(n: u64, x: f64) -> f64 {
    if !(0.0..=1.0).contains(&x) {
        return f64::NAN;
    }
    let nf = n as f64;
    if n == 1 {
        return 1.0 - x;
    }
    if x == 0.0 {
        return 1.0;
    }
    if x == 1.0 {
        return 0.0;
    }
    let nx = nf * x;
    let nxfl = nx.floor();
    let alpha = nx - nxfl;
    if nxfl == 0.0 || (nxfl == 1.0 && alpha == 0.0) {
        return 1.0 - x * libm::pow(1.0 + x, nf - 1.0);
    }
    if -2.0 * nf * x * x < -708.396_418_532_264_1 {
        return 0.0;
    }
    if nxfl >= nf - 1.0 {
        return libm::pow(1.0 - x, nf);
    }
    if n > 1_000_000 {
        // SciPy's approximation for n too large to sum.
        let logp = -libm::pow(6.0 * nx + 1.0, 2.0) / 18.0 / nf;
        return if logp < -std::f64::consts::LN_2 { libm::exp(logp) } else { 1.0 + libm::expm1(logp) };
    }
    // v runs to ⌈n(1 − x)⌉ − 1: the term at v = n(1 − x) is zero when n·x
    // is a whole number, and SciPy leaves it out.
    let last = n - nxfl as u64 - 1;
    let ln_nfact = libm::lgamma(nf + 1.0);
    let mut sum = 0.0;
    for v in 0..=last {
        let vf = v as f64;
        let lo = x + vf / nf;
        let hi = (nf - vf) / nf - x;
        if hi <= 0.0 {
            break;
        }
        let ln_c = ln_nfact - libm::lgamma(vf + 1.0) - libm::lgamma(nf - vf + 1.0);
        let term = libm::exp(ln_c + (vf - 1.0) * libm::log(lo) + (nf - vf) * libm::log(hi));
        sum += term;
        // SciPy's early stop: the rest cannot move the sum.
        if term != 0.0 && v != last && 4.0 * (last - v) as f64 * term < f64::EPSILON * sum {
            break;
        }
    }
    (x * sum).clamp(0.0, 1.0)
}

/// P(D_n ≤ d) by Durbin's matrix: the k-th diagonal entry of Hⁿ, times
/// n!/nⁿ, with H of order 2k − 1 for k = ⌈n·d⌉ (Marsaglia, Tsang and
/// Wang's form, scaled by 2^128 steps so nothing overflows).
fn durbin_cdf(n: u64, d: f64) -> f64 {
    if d >= 1.0 {
        return 1.0;
    }
    let nd = n as f64 * d;
    if nd <= 0.5 {
        return 0.0;
    }
    let k = nd.ceil() as usize;
    let h = k as f64 - nd;
    let m = 2 * k - 1;
    let mut v = vec![0.0; m];
    let mut w = vec![0.0; m];
    let mut fac = 1.0;
    for j in 1..=m {
        w[j - 1] = fac;
        fac /= j as f64;
        v[j - 1] = (1.0 - libm::pow(h, j as f64)) * fac;
    }
    let tt = libm::pow((2.0 * h - 1.0).max(0.0), m as f64) - 2.0 * libm::pow(h, m as f64);
    v[m - 1] = (1.0 + tt) * fac;
    let mut hm = vec![0.0; m * m];
    for i in 1..m {
        for r in (i - 1)..m {
            hm[r * m + i] = w[r - (i - 1)];
        }
    }
    for r in 0..m {
        hm[r * m] = v[r];
    }
    for c in 0..m {
        hm[(m - 1) * m + c] = v[m - 1 - c];
    }
    let mut power = vec![0.0; m * m];
    for i in 0..m {
        power[i * m + i] = 1.0;
    }
    let (mut nn, mut expnt, mut h_expnt) = (n, 0i32, 0i32);
    while nn > 0 {
        if nn % 2 == 1 {
            power = matmul(&power, &hm, m);
            expnt += h_expnt;
        }
        hm = matmul(&hm, &hm, m);
        h_expnt *= 2;
        if hm[(k - 1) * m + (k - 1)].abs() > EP128 {
            hm.iter_mut().for_each(|x| *x /= EP128);
            h_expnt += 128;
        }
        nn /= 2;
    }
    let mut p = power[(k - 1) * m + (k - 1)];
    for i in 1..=n {
        p = i as f64 * p / n as f64;
        if p.abs() < EM128 {
            p *= EP128;
            expnt -= 128;
        }
    }
    libm::ldexp(p, expnt).clamp(0.0, 1.0)
}

fn matmul(a: &[f64], b: &[f64], m: usize) -> Vec<f64> {
    let mut out = vec![0.0; m * m];
    for i in 0..m {
        for l in 0..m {
            let x = a[i * m + l];
            if x == 0.0 {
                continue;
            }
            for j in 0..m {
                out[i * m + j] += x * b[l * m + j];
            }
        }
    }
    out
}

/// P(D_n ≤ x) by Pomeranz's recursion: 2n + 1 convolutions of a short row
/// with Poisson-like weights, n! at the end (SciPy's `_kolmogn_Pomeranz`).
fn pomeranz_cdf(n: u64, x: f64) -> f64 {
    let n = n as i64;
    let t = n as f64 * x;
    let ll = t.floor() as i64;
    let f = t - ll as f64;
    let g = f.min(1.0 - f);
    let ceilf = i64::from(f > 0.0);
    let roundf = i64::from(f > 0.5);
    let npwrs = (2 * (ll + 1)) as usize;
    let (mut gp, mut twogp, mut onem2gp) = (vec![1.0; npwrs], vec![1.0; npwrs], vec![1.0; npwrs]);
    let (a, b, c) = (g / n as f64, 2.0 * g / n as f64, (1.0 - 2.0 * g) / n as f64);
    for m in 1..npwrs {
        gp[m] = gp[m - 1] * a / m as f64;
        twogp[m] = twogp[m - 1] * b / m as f64;
        onem2gp[m] = onem2gp[m - 1] * c / m as f64;
    }
    let bounds = |i: i64| -> (i64, i64) {
        let (j1, j2) = if i == 0 {
            (-ll - ceilf - 1, ll + ceilf - 1)
        } else {
            let (half, odd) = ((i + 1) / 2, (i + 1) % 2);
            if odd == 0 {
                if half == n + 1 {
                    (n - ll - ceilf - 1, n + ll + ceilf - 1)
                } else {
                    (half - 1 - ll - roundf - 1, half + ll - 1 + ceilf - 1)
                }
            } else {
                (half - 1 - ll - 1, half + ll + roundf - 1)
            }
        };
        ((j1 + 2).max(0), j2.min(n))
    };
    let mut v0 = vec![0.0; npwrs];
    let mut v1 = vec![0.0; npwrs];
    v1[0] = 1.0;
    let (mut v0s, mut v1s) = (0i64, 0i64);
    let mut expnt = 0i32;
    let (mut j1, _) = bounds(0);
    for i in 1..(2 * n + 2) {
        let k1 = j1;
        std::mem::swap(&mut v0, &mut v1);
        std::mem::swap(&mut v0s, &mut v1s);
        v1.iter_mut().for_each(|x| *x = 0.0);
        let (nj1, j2) = bounds(i);
        j1 = nj1;
        let pwrs = if i == 1 || i == 2 * n + 1 {
            &gp
        } else if i % 2 == 1 {
            &twogp
        } else {
            &onem2gp
        };
        let ln2 = j2 - k1 + 1;
        if ln2 > 0 {
            let from = (k1 - v0s) as usize;
            let src: Vec<f64> = v0.iter().skip(from).take(ln2 as usize).copied().collect();
            let kernel = &pwrs[..(ln2 as usize).min(npwrs)];
            let (start, len) = ((j1 - k1) as usize, (j2 - j1 + 1).max(0) as usize);
            for (o, slot) in v1.iter_mut().enumerate().take(len) {
                let idx = start + o;
                let mut s = 0.0;
                for (j, &a) in src.iter().enumerate() {
                    if j <= idx && idx - j < kernel.len() {
                        s += a * kernel[idx - j];
                    }
                }
                *slot = s;
            }
            let max = v1.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if max > 0.0 && max < EM128 {
                v1.iter_mut().for_each(|x| *x *= EP128);
                expnt -= 128;
            }
            v1s = v0s + j1 - k1;
        }
    }
    let mut ans = v1[(n - v1s) as usize];
    for m in 1..=n {
        if ans.abs() > EP128 {
            ans *= EM128;
            expnt += 128;
        }
        ans *= m as f64;
    }
    libm::ldexp(ans, expnt).clamp(0.0, 1.0)
}

/// Pelz and Good's expansion of P(D_n ≤ x) in powers of 1/√n, each term
/// a theta-function series that converges fast for small √n·x.
fn pelz_good_cdf(n: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let (pi2, pi4, pi6) = (PI * PI, PI.powi(4), PI.powi(6));
    let z = n.sqrt() * x;
    let (z2, z3, z4, z6) = (z * z, z * z * z, z.powi(4), z.powi(6));
    let qlog = -pi2 / 8.0 / z2;
    if qlog < -708.0 {
        return 0.0;
    }
    let q = libm::exp(qlog);
    let (k1a, k1b) = (-z2, pi2 / 4.0);
    let (k2a, k2b, k2c) = (6.0 * z6 + 2.0 * z4, (2.0 * z4 - 5.0 * z2) * pi2 / 4.0, pi4 * (1.0 - 2.0 * z2) / 16.0);
    let k3d = pi6 * (5.0 - 30.0 * z2) / 64.0;
    let k3c = pi4 * (-60.0 * z2 + 212.0 * z4) / 16.0;
    let k3b = pi2 * (135.0 * z4 - 96.0 * z6) / 4.0;
    let k3a = -30.0 * z6 - 90.0 * z.powi(8);
    let mut k = [0.0f64; 4];
    let maxk = (16.0 * z / PI).ceil() as i64;
    for kk in (1..=maxk).rev() {
        let m = (2 * kk - 1) as f64;
        let (m2, m4, m6) = (m * m, m.powi(4), m.powi(6));
        let qpower = libm::pow(q, (8 * kk) as f64);
        let coeffs = [1.0, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
        for (acc, c) in k.iter_mut().zip(coeffs) {
            *acc = *acc * qpower + c;
        }
    }
    let sqrt2pi = (2.0 * PI).sqrt();
    let denominators = [z, 6.0 * z4, 72.0 * z.powi(7), 6480.0 * z.powi(10)];
    for (acc, d) in k.iter_mut().zip(denominators) {
        *acc = *acc * q * sqrt2pi / d;
    }
    let q = libm::exp(-pi2 / 2.0 / z2);
    let (mut k2extra, mut k3extra) = (0.0, 0.0);
    let sqrt3z = 3f64.sqrt() * z;
    for kk in (1..=maxk).rev() {
        let ks = (kk * kk) as f64;
        let qp = libm::pow(q, ks);
        let kspi = PI * kk as f64;
        k2extra += ks * qp;
        k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ks * qp;
    }
    k[2] += k2extra * pi2 * sqrt2pi / (-36.0 * z3);
    k[3] += k3extra * pi2 * sqrt2pi / (216.0 * z6);
    k.iter().enumerate().map(|(i, v)| v / libm::pow(n, i as f64 / 2.0)).sum()
}
