//! The drift statistics, each defined as SciPy (or Evidently, for PSI)
//! defines it, so a person who checks a number with those tools gets the
//! same number. `tests/scipy.rs` holds every function here to SciPy's
//! answers on the same inputs (`scripts/make_drift_fixtures.py`), to 1e-9.
//!
//! Written here rather than taken from a crate: the two-sample KS p-value
//! must follow SciPy's exact lattice-path method (Hodges, with Viehmann's
//! stable recursion) and its switch to the asymptotic one, which no Rust
//! statistics crate implements; the rest are a few lines each.

/// Empty bin shares are raised to this before PSI and KL divergence (as
/// Evidently does), so a bin that one side never fills gives a large but
/// finite value instead of infinity.
pub const SHARE_FLOOR: f64 = 1e-4;

/// Above this many values on either side, the KS p-value switches from the
/// exact distribution to the asymptotic one, as `ks_2samp(method="auto")`.
pub const KS_EXACT_MAX: usize = 10_000;

/// Shares of a count vector (all zero stays all zero).
pub fn shares(counts: &[f64]) -> Vec<f64> {
    let total: f64 = counts.iter().sum();
    counts.iter().map(|&c| if total > 0.0 { c / total } else { 0.0 }).collect()
}

fn floored(counts: &[f64]) -> Vec<f64> {
    shares(counts).into_iter().map(|s| if s == 0.0 { SHARE_FLOOR } else { s }).collect()
}

/// Population stability index: Σ (current − reference) · ln(current /
/// reference) over bin shares, empty shares floored at [`SHARE_FLOOR`] and
/// not renormalised (Evidently's `psi_stat_test`).
pub fn psi(reference: &[f64], current: &[f64]) -> f64 {
    let (r, c) = (floored(reference), floored(current));
    r.iter().zip(&c).map(|(&r, &c)| (c - r) * libm::log(c / r)).sum()
}

/// The usual reading of a PSI value.
pub fn psi_band(psi: f64) -> &'static str {
    if psi < 0.1 {
        "stable"
    } else if psi <= 0.25 {
        "moderate"
    } else {
        "major"
    }
}

/// KL divergence of the reference from the current shares, in nats:
/// `scipy.stats.entropy(reference, current)` on the floored shares (which
/// `entropy` renormalises), as Evidently's `kl_div` test computes it.
pub fn kl_divergence(reference: &[f64], current: &[f64]) -> f64 {
    let (r, c) = (shares(&floored(reference)), shares(&floored(current)));
    r.iter().zip(&c).map(|(&p, &q)| rel_entr(p, q)).sum()
}

/// `scipy.special.rel_entr`: p ln(p/q), 0 at p = 0.
fn rel_entr(p: f64, q: f64) -> f64 {
    if p == 0.0 {
        0.0
    } else if q == 0.0 {
        f64::INFINITY
    } else {
        p * libm::log(p / q)
    }
}

/// Jensen–Shannon distance in base 2 (between 0 and 1):
/// `scipy.spatial.distance.jensenshannon(reference, current, base=2)`.
pub fn jensen_shannon(reference: &[f64], current: &[f64]) -> f64 {
    let (p, q) = (shares(reference), shares(current));
    let js: f64 = p
        .iter()
        .zip(&q)
        .map(|(&p, &q)| {
            let m = (p + q) / 2.0;
            rel_entr(p, m) + rel_entr(q, m)
        })
        .sum();
    (js / std::f64::consts::LN_2 / 2.0).max(0.0).sqrt()
}

/// A test's statistic and p-value.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Test {
    pub statistic: f64,
    pub p_value: f64,
}

/// The two-sample Kolmogorov–Smirnov test on two sorted samples (NaN-free,
/// non-empty): `scipy.stats.ks_2samp(a, b)`, two-sided, method "auto".
pub fn ks_2samp(a: &[f64], b: &[f64]) -> Test {
    let (n1, n2) = (a.len(), b.len());
    let (mut i, mut j, mut d) = (0, 0, 0.0f64);
    // Walk the merged values; at each distinct value both CDFs step past
    // every copy of it (SciPy's searchsorted side="right").
    while i < n1 && j < n2 {
        let v = a[i].min(b[j]);
        while i < n1 && a[i] <= v {
            i += 1;
        }
        while j < n2 && b[j] <= v {
            j += 1;
        }
        d = d.max((i as f64 / n1 as f64 - j as f64 / n2 as f64).abs());
    }
    ks_p_value(d, n1, n2)
}

/// The KS statistic `d` of samples of `n1` and `n2` values with its
/// p-value, as `ks_2samp` computes it: exact when neither sample has more
/// than [`KS_EXACT_MAX`] values (`d` is then rounded to the lattice of
/// attainable values, as SciPy rounds it), else the finite-n distribution
/// `kstwo` at the effective size n = round(n1·n2/(n1+n2)), half to even as
/// NumPy rounds ([`crate::kstwo`]).
pub fn ks_p_value(d: f64, n1: usize, n2: usize) -> Test {
    if n1 == 0 || n2 == 0 {
        return Test { statistic: d, p_value: 1.0 };
    }
    let mut d = d;
    if n1.max(n2) <= KS_EXACT_MAX {
        let g = gcd(n1, n2);
        let lcm = (n1 / g) as u64 * n2 as u64;
        let h = (d * lcm as f64).round_ties_even() as u64;
        d = h as f64 / lcm as f64;
        if h == 0 {
            return Test { statistic: d, p_value: 1.0 };
        }
        let p = if n1 == n2 { outside_square(n1 as u64, h) } else { outer_inside(n1 as u64, n2 as u64, g as u64, h) };
        if (0.0..=1.0).contains(&p) {
            return Test { statistic: d, p_value: p };
        }
    }
    let (m, n) = (n1.max(n2) as f64, n1.min(n2) as f64);
    let en = (m * n / (m + n)).round_ties_even().max(1.0);
    Test { statistic: d, p_value: crate::kstwo::sf(en as u64, d) }
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// P(D ≥ h/n) for two samples of n: 2 Σ (−1)^(k−1) C(2n, n−kh) / C(2n, n),
/// in SciPy's Horner-like form that avoids the alternating sum's
/// cancellation.
fn outside_square(n: u64, h: u64) -> f64 {
    let mut p = 0.0;
    let mut k = (n / h) as i64;
    while k >= 0 {
        let k_ = k as u64;
        let mut p1 = 1.0;
        for j in 0..h {
            // Terms past the lattice are zero, as SciPy's float loop makes them.
            let num = n as f64 - (k_ * h) as f64 - j as f64;
            p1 = num * p1 / (n + k_ * h + j + 1) as f64;
        }
        p = p1 * (1.0 - p);
        k -= 1;
    }
    2.0 * p
}

/// 1 − the share of lattice paths from (0, 0) to (m, n) that stay strictly
/// inside |x/m − y/n| < h/lcm, by Viehmann's recursion for the complement
/// (SciPy's `_compute_outer_prob_inside_method`).
fn outer_inside(m: u64, n: u64, g: u64, h: u64) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (mg, ng) = (m / g, n / g);
    let ceil_div = |a: i64, b: i64| -> i64 { (a as f64 / b as f64).ceil() as i64 };
    let floor_div = |a: i64, b: i64| -> i64 { (a as f64 / b as f64).floor() as i64 };
    let (n_, h_, mg_, ng_) = (n as i64, h as i64, mg as i64, ng as i64);
    let mut minj: i64 = 0;
    let mut maxj: i64 = ceil_div(h_, mg_).min(n_ + 1);
    let mut curlen = maxj - minj;
    let len = ((2 * maxj + 2).min(n_ + 1)) as usize;
    let mut a = vec![1.0f64; len];
    for v in a.iter_mut().take(maxj as usize).skip(minj as usize) {
        *v = 0.0;
    }
    for i in 1..=m as i64 {
        let (lastminj, lastlen) = (minj, curlen);
        minj = (floor_div(ng_ * i - h_, mg_) + 1).max(0).min(n_);
        maxj = ceil_div(ng_ * i + h_, mg_).min(n_ + 1);
        if maxj <= minj {
            return 1.0;
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        for jj in 0..(maxj - minj) {
            let j = jj + minj;
            val = (a[(jj + minj - lastminj) as usize] * i as f64 + val * j as f64) / (i + j) as f64;
            a[jj as usize] = val;
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            let from = (maxj - minj) as usize;
            for v in a.iter_mut().skip(from).take((lastlen - curlen) as usize) {
                *v = 1.0;
            }
        }
    }
    a[(maxj - minj - 1) as usize]
}

/// Pearson's chi-square test of independence on a 2 × k table (reference
/// counts, current counts): `scipy.stats.chi2_contingency` with its default
/// Yates correction when the table has one degree of freedom. Categories
/// empty on both sides are left out, as they carry no information (SciPy
/// refuses tables with them). `None` when fewer than two categories remain.
pub fn chi2_contingency(reference: &[f64], current: &[f64]) -> Option<(Test, usize)> {
    let pairs: Vec<(f64, f64)> =
        reference.iter().zip(current).map(|(&r, &c)| (r, c)).filter(|&(r, c)| r + c > 0.0).collect();
    let (tr, tc): (f64, f64) = pairs.iter().fold((0.0, 0.0), |(a, b), &(r, c)| (a + r, b + c));
    if pairs.len() < 2 || tr == 0.0 || tc == 0.0 {
        return None;
    }
    let total = tr + tc;
    let dof = pairs.len() - 1;
    let mut stat = 0.0;
    for &(r, c) in &pairs {
        for (observed, row_total) in [(r, tr), (c, tc)] {
            let expected = row_total * (r + c) / total;
            let mut diff = observed - expected;
            if dof == 1 {
                // Yates: move each observation half a unit toward its
                // expectation, never past it.
                diff = diff.signum() * (diff.abs() - 0.5).max(0.0);
            }
            stat += diff * diff / expected;
        }
    }
    Some((Test { statistic: stat, p_value: chi2_sf(stat, dof as f64) }, dof))
}

/// The chi-square survival function: Q(k/2, x/2).
pub fn chi2_sf(x: f64, k: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    gamma_q(k / 2.0, x / 2.0)
}

/// The regularised upper incomplete gamma function Q(a, x), by its series
/// below a + 1 and Lentz's continued fraction above (Numerical Recipes
/// §6.2), both to full double precision.
fn gamma_q(a: f64, x: f64) -> f64 {
    let ln_front = a * libm::log(x) - x - libm::lgamma(a);
    if x < a + 1.0 {
        let (mut sum, mut term, mut ap) = (1.0 / a, 1.0 / a, a);
        for _ in 0..10_000 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-17 {
                break;
            }
        }
        1.0 - sum * libm::exp(ln_front)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-17 {
                break;
            }
        }
        libm::exp(ln_front) * h
    }
}

/// The first Wasserstein distance between two weighted samples, each sorted
/// by value: ∫ |F_u − F_v| over the merged values
/// (`scipy.stats.wasserstein_distance(u, v, u_weights, v_weights)`).
pub fn wasserstein(u: &[(f64, f64)], v: &[(f64, f64)]) -> f64 {
    let (wu, wv): (f64, f64) = (u.iter().map(|p| p.1).sum(), v.iter().map(|p| p.1).sum());
    if wu <= 0.0 || wv <= 0.0 {
        return f64::NAN;
    }
    let (mut i, mut j) = (0, 0);
    let (mut cu, mut cv) = (0.0, 0.0);
    let mut last: Option<f64> = None;
    let mut total = 0.0;
    while i < u.len() || j < v.len() {
        let x = match (u.get(i), v.get(j)) {
            (Some(a), Some(b)) => a.0.min(b.0),
            (Some(a), None) => a.0,
            (None, Some(b)) => b.0,
            (None, None) => unreachable!(),
        };
        if let Some(prev) = last {
            total += (cu / wu - cv / wv).abs() * (x - prev);
        }
        while i < u.len() && u[i].0 <= x {
            cu += u[i].1;
            i += 1;
        }
        while j < v.len() && v[j].0 <= x {
            cv += v[j].1;
            j += 1;
        }
        last = Some(x);
    }
    total
}

/// Sorted values with unit weights, merged where equal: the weighted form
/// [`wasserstein`] takes.
pub fn unit_weights(sorted: &[f64]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for &x in sorted {
        match out.last_mut() {
            Some(last) if last.0 == x => last.1 += 1.0,
            _ => out.push((x, 1.0)),
        }
    }
    out
}

/// The q-quantile of Binomial(n, p): the smallest k with P(X ≤ k) ≥ q
/// (`scipy.stats.binom.ppf`), the probabilities summed in logs from 0.
pub fn binom_ppf(q: f64, n: u64, p: f64) -> u64 {
    if p <= 0.0 || q <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return n;
    }
    let nf = n as f64;
    let (lp, lq, lg) = (libm::log(p), libm::log1p(-p), libm::lgamma(nf + 1.0));
    let mut cdf = 0.0;
    for k in 0..=n {
        let kf = k as f64;
        cdf += libm::exp(lg - libm::lgamma(kf + 1.0) - libm::lgamma(nf - kf + 1.0) + kf * lp + (nf - kf) * lq);
        // A hair of slack: SciPy's answer where the sum lands on q itself.
        if cdf >= q * (1.0 - 1e-12) {
            return k;
        }
    }
    n
}

/// The population standard deviation (NumPy's `std`, ddof 0).
pub fn std_dev(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt()
}

/// The q-quantile of sorted values by linear interpolation (NumPy's
/// default `quantile` method).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = pos - lo as f64;
    sorted[lo] + (sorted[hi] - sorted[lo]) * frac
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_distributions_show_no_drift() {
        let c = [10.0, 20.0, 30.0];
        assert!(psi(&c, &c).abs() < 1e-15);
        assert!(jensen_shannon(&c, &c).abs() < 1e-7);
        assert!(kl_divergence(&c, &c).abs() < 1e-15);
        let a: Vec<f64> = (0..50).map(f64::from).collect();
        assert_eq!(ks_2samp(&a, &a).statistic, 0.0);
        assert_eq!(ks_2samp(&a, &a).p_value, 1.0);
        assert_eq!(wasserstein(&unit_weights(&a), &unit_weights(&a)), 0.0);
    }

    #[test]
    fn disjoint_samples_reach_the_extremes() {
        let a: Vec<f64> = (0..20).map(f64::from).collect();
        let b: Vec<f64> = (100..120).map(f64::from).collect();
        let t = ks_2samp(&a, &b);
        assert_eq!(t.statistic, 1.0);
        assert!(t.p_value < 1e-9);
        assert!((jensen_shannon(&[1.0, 0.0], &[0.0, 1.0]) - 1.0).abs() < 1e-12);
        assert_eq!(wasserstein(&unit_weights(&a), &unit_weights(&b)), 100.0);
    }

    #[test]
    fn psi_bands() {
        assert_eq!(psi_band(0.05), "stable");
        assert_eq!(psi_band(0.1), "moderate");
        assert_eq!(psi_band(0.25), "moderate");
        assert_eq!(psi_band(0.26), "major");
    }

    #[test]
    fn quantiles_interpolate_as_numpy() {
        let s = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&s, 0.5), 2.5);
        assert_eq!(quantile(&s, 0.0), 1.0);
        assert_eq!(quantile(&s, 1.0), 4.0);
    }
}
