//! Every drift statistic against SciPy on the same numbers
//! (`scripts/make_drift_fixtures.py` wrote the answers), to 1e-9.

use glassbox_monitor::stats;
use serde_json::Value;

const TOL: f64 = 1e-9;

fn fixtures() -> Value {
    serde_json::from_str(include_str!("fixtures/scipy.json")).unwrap()
}

/// The fixture script's generator, operation for operation.
fn sample(recipe: &Value) -> Vec<f64> {
    let f = |k: &str| recipe[k].as_f64().unwrap();
    let (mut state, n) = (recipe["seed"].as_u64().unwrap(), recipe["n"].as_u64().unwrap());
    let (scale, shift, step) = (f("scale"), f("shift"), f("step"));
    (0..n)
        .map(|_| {
            let mut acc = 0.0;
            for _ in 0..3 {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                acc += (state >> 11) as f64 / 9007199254740992.0;
            }
            let v = shift + scale * (acc / 3.0);
            if step > 0.0 {
                (v / step).floor() * step
            } else {
                v
            }
        })
        .collect()
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn check(what: &str, got: f64, want: f64) {
    let scale = want.abs().max(1.0);
    assert!((got - want).abs() <= TOL * scale, "{what}: got {got:e}, SciPy {want:e}");
}

#[test]
fn ks_2samp_matches_scipy_in_the_exact_regime() {
    for case in fixtures()["ks_2samp"].as_array().unwrap() {
        let (a, b) = (sorted(sample(&case["a"])), sorted(sample(&case["b"])));
        let t = stats::ks_2samp(&a, &b);
        let what = format!("ks {}×{}", a.len(), b.len());
        check(&format!("{what} statistic"), t.statistic, case["statistic"].as_f64().unwrap());
        check(&format!("{what} p-value"), t.p_value, case["p_value"].as_f64().unwrap());
    }
}

#[test]
fn ks_2samp_matches_scipy_above_ten_thousand_values_a_side() {
    for case in fixtures()["ks_asymptotic"].as_array().unwrap() {
        let (a, b) = (sorted(sample(&case["a"])), sorted(sample(&case["b"])));
        let t = stats::ks_2samp(&a, &b);
        let what = format!("ks {}×{}", a.len(), b.len());
        check(&format!("{what} statistic"), t.statistic, case["statistic"].as_f64().unwrap());
        check(&format!("{what} p-value"), t.p_value, case["p_value"].as_f64().unwrap());
    }
}

#[test]
fn kstwo_matches_scipy_in_every_region() {
    for case in fixtures()["kstwo"].as_array().unwrap() {
        let (n, x) = (case["n"].as_u64().unwrap(), case["x"].as_f64().unwrap());
        check(&format!("kstwo.sf({x}, {n})"), glassbox_monitor::kstwo::sf(n, x), case["sf"].as_f64().unwrap());
    }
}

#[test]
fn binomial_quantiles_match_scipy() {
    for case in fixtures()["binom_ppf"].as_array().unwrap() {
        let (q, n, p) = (case["q"].as_f64().unwrap(), case["n"].as_u64().unwrap(), case["p"].as_f64().unwrap());
        assert_eq!(stats::binom_ppf(q, n, p), case["ppf"].as_u64().unwrap(), "binom.ppf({q}, {n}, {p})");
    }
}

#[test]
fn wasserstein_matches_scipy() {
    let f = fixtures();
    for case in f["wasserstein"].as_array().unwrap() {
        let (a, b) = (sorted(sample(&case["a"])), sorted(sample(&case["b"])));
        let d = stats::wasserstein(&stats::unit_weights(&a), &stats::unit_weights(&b));
        check("wasserstein", d, case["distance"].as_f64().unwrap());
    }
    for case in f["wasserstein_weighted"].as_array().unwrap() {
        let pairs = |v: &str, w: &str| -> Vec<(f64, f64)> {
            let mut p: Vec<(f64, f64)> = numbers(&case[v]).into_iter().zip(numbers(&case[w])).collect();
            p.sort_by(|a, b| a.0.total_cmp(&b.0));
            p
        };
        let d = stats::wasserstein(&pairs("u", "u_weights"), &pairs("v", "v_weights"));
        check("weighted wasserstein", d, case["distance"].as_f64().unwrap());
    }
}

#[test]
fn psi_kl_and_jensen_shannon_match_scipy_and_evidently() {
    for case in fixtures()["shares"].as_array().unwrap() {
        let (r, c) = (numbers(&case["reference"]), numbers(&case["current"]));
        check("psi", stats::psi(&r, &c), case["psi"].as_f64().unwrap());
        check("kl (scipy.stats.entropy)", stats::kl_divergence(&r, &c), case["kl"].as_f64().unwrap());
        check("jensenshannon base 2", stats::jensen_shannon(&r, &c), case["js"].as_f64().unwrap());
    }
}

#[test]
fn chi2_contingency_matches_scipy_with_yates_at_one_degree_of_freedom() {
    for case in fixtures()["chi2_contingency"].as_array().unwrap() {
        let (r, c) = (numbers(&case["reference"]), numbers(&case["current"]));
        let (t, dof) = stats::chi2_contingency(&r, &c).unwrap();
        assert_eq!(dof as u64, case["dof"].as_u64().unwrap());
        check("chi2 statistic", t.statistic, case["statistic"].as_f64().unwrap());
        check("chi2 p-value", t.p_value, case["p_value"].as_f64().unwrap());
    }
    for case in fixtures()["chi2_sf"].as_array().unwrap() {
        let (x, k) = (case["x"].as_f64().unwrap(), case["k"].as_f64().unwrap());
        check(&format!("chi2.sf({x}, {k})"), stats::chi2_sf(x, k), case["sf"].as_f64().unwrap());
    }
}

#[test]
fn chi2_needs_two_categories() {
    assert!(stats::chi2_contingency(&[10.0, 0.0], &[5.0, 0.0]).is_none());
    assert!(stats::chi2_contingency(&[0.0, 0.0], &[5.0, 3.0]).is_none());
}
