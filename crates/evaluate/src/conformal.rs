//! Conformal prediction intervals for numbers, and the audit of an
//! interval's coverage on rows it never saw.
//!
//! Split conformal (Vovk et al.; Lei et al. 2018; MAPIE's
//! `SplitConformalRegressor`): a model fitted on some rows, its absolute
//! residuals on other rows (the calibration scores), and the interval
//! `ŷ ± q̂` with `q̂` the k-th smallest score, `k = ⌈(n + 1)·level⌉`. For
//! exchangeable rows, a new row's true value falls inside with probability
//! at least `level` (and below `level + 1/(n + 1)` when scores are
//! distinct). When `k > n` no score is large enough to promise the level,
//! and the interval is unbounded: MAPIE then takes the largest score
//! silently, which promises less than it says.
//!
//! `k` is computed in integers: `(n + 1)·0.9` in floating point is
//! `90.00000000000001` for `n = 99`, whose ceiling (91) would widen the
//! interval for nothing. A level is read to six decimals ([`Level`]).

use serde::{Deserialize, Serialize};

use glassbox_core::{Error, ErrorKind, Result};

/// An interval's level, a fraction strictly between 0 and 1, held as
/// millionths so the quantile's rank is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Level(u32);

const MILLION: u64 = 1_000_000;

impl Level {
    /// The level `value` (0.9 for 90%), refused outside (0, 1) or with more
    /// than six decimals, naming what was given.
    pub fn new(value: f64) -> Result<Level> {
        let millionths = (value * MILLION as f64).round();
        if !(value > 0.0 && value < 1.0 && (1.0..MILLION as f64).contains(&millionths)) {
            return Err(Error::new(
                ErrorKind::BadSpec,
                format!("an interval level is a fraction between 0 and 1, such as 0.9 for 90%; got {value}"),
            ));
        }
        if (millionths / MILLION as f64 - value).abs() > 1e-12 {
            return Err(Error::new(
                ErrorKind::BadSpec,
                format!("an interval level has at most six decimals; got {value}"),
            ));
        }
        Ok(Level(millionths as u32))
    }

    pub fn value(self) -> f64 {
        f64::from(self.0) / MILLION as f64
    }

    /// The miscoverage α = 1 − level.
    pub fn alpha(self) -> f64 {
        (MILLION - u64::from(self.0)) as f64 / MILLION as f64
    }

    /// `⌈(n + 1)·level⌉`, the rank (from 1) of the calibration score that is
    /// the interval's half-width; `None` when it is past `n`, where the
    /// interval is unbounded.
    pub fn rank(self, n: usize) -> Option<usize> {
        let num = (n as u128 + 1) * u128::from(self.0);
        let k = num.div_ceil(u128::from(MILLION)) as usize;
        (k >= 1 && k <= n).then_some(k)
    }

    /// The fewest calibration rows for which the interval is bounded.
    pub fn rows_needed(self) -> usize {
        // The smallest n with ⌈(n + 1)·level⌉ ≤ n, i.e. (n + 1)·α ≥ 1.
        let alpha = MILLION - u64::from(self.0);
        (MILLION.div_ceil(alpha) - 1) as usize
    }
}

impl Serialize for Level {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_f64(self.value())
    }
}

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Level, D::Error> {
        Level::new(f64::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// The half-width of split conformal intervals at `level` from calibration
/// `scores` (absolute residuals, each finite and at least 0): the k-th
/// smallest, or `None` when there are too few rows for the level.
pub fn split_quantile(scores: &[f64], level: Level) -> Result<Option<f64>> {
    if let Some(i) = scores.iter().position(|s| !(s.is_finite() && *s >= 0.0)) {
        return Err(Error::new(
            ErrorKind::Internal,
            format!("calibration score {} is {}, not a finite distance", i + 1, scores[i]),
        ));
    }
    score_quantile(scores, level)
}

/// The k-th smallest of calibration `scores` that may be negative
/// (conformalized quantile regression's: how far a value lies outside the
/// quantile models' band, negative inside it), k = ⌈(n + 1)·level⌉; `None`
/// when there are too few rows for the level.
pub fn score_quantile(scores: &[f64], level: Level) -> Result<Option<f64>> {
    if let Some(i) = scores.iter().position(|s| !s.is_finite()) {
        return Err(Error::new(
            ErrorKind::Internal,
            format!("calibration score {} is {}, not a number", i + 1, scores[i]),
        ));
    }
    let Some(k) = level.rank(scores.len()) else { return Ok(None) };
    let mut sorted = scores.to_vec();
    let (_, kth, _) = sorted.select_nth_unstable_by(k - 1, f64::total_cmp);
    Ok(Some(*kth))
}

/// How an interval did on rows with known values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Audit {
    pub level: Level,
    pub rows: usize,
    /// The share of rows whose value lies inside its interval (ends included).
    pub coverage: f64,
    /// The Wilson score 95% interval of that share.
    pub coverage_low: f64,
    pub coverage_high: f64,
    /// `None` for unbounded intervals.
    pub mean_width: Option<f64>,
    /// The mean interval (Winkler) score: width, plus 2/α times how far a
    /// value falls outside; lower is better. `None` for unbounded intervals.
    pub winkler: Option<f64>,
    /// Coverage by decile of the prediction (rows sorted by prediction, ties
    /// in row order, cut into ten groups as equal as they can be), lowest first.
    pub by_decile: Vec<DecileCoverage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecileCoverage {
    /// The decile's smallest and largest prediction.
    pub from: f64,
    pub to: f64,
    pub rows: usize,
    pub coverage: f64,
}

/// The Wilson score interval of `hits` out of `n` at 95% (z = 1.959964):
/// unlike the normal approximation it stays inside [0, 1] and is sensible at
/// 0 and n (`scipy.stats.binomtest(...).proportion_ci(method="wilson")`).
pub fn wilson(hits: usize, n: usize) -> (f64, f64) {
    wilson_at(hits, n, 1.959_963_984_540_054)
}

/// The Wilson score interval at normal quantile `z`.
fn wilson_at(hits: usize, n: usize, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (n, p) = (n as f64, hits as f64 / n as f64);
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

impl Audit {
    /// The decile of the prediction whose coverage falls short of the
    /// level beyond chance, the lowest if several: its Wilson interval at
    /// z = 2.807 (95% with Bonferroni's correction over the ten deciles)
    /// lies wholly below the level. Then one width does not fit every row:
    /// the errors grow or shrink with the prediction. Only deciles of at
    /// least 30 rows are judged: below that a few rows that happen to share
    /// large errors would speak for a whole range (a 300-row test set's).
    pub fn short_decile(&self) -> Option<&DecileCoverage> {
        const Z_TEN: f64 = 2.807_033_768_343_811;
        self.by_decile
            .iter()
            .filter(|d| d.rows >= 30)
            .filter(|d| {
                let hits = (d.coverage * d.rows as f64).round() as usize;
                wilson_at(hits, d.rows, Z_TEN).1 < self.level.value()
            })
            .min_by(|a, b| a.coverage.total_cmp(&b.coverage))
    }
}

/// The audit of intervals `[low, high]` (infinite ends for unbounded ones)
/// around `predicted` against the `actual` values.
pub fn audit(level: Level, actual: &[f64], predicted: &[f64], low: &[f64], high: &[f64]) -> Result<Audit> {
    let n = actual.len();
    if n == 0 || predicted.len() != n || low.len() != n || high.len() != n {
        return Err(Error::new(
            ErrorKind::Internal,
            format!(
                "an interval audit needs as many rows of each kind: {n} values, {} predictions, {} lows, {} highs",
                predicted.len(),
                low.len(),
                high.len()
            ),
        ));
    }
    let inside = |i: usize| low[i] <= actual[i] && actual[i] <= high[i];
    let hits = (0..n).filter(|&i| inside(i)).count();
    let (coverage_low, coverage_high) = wilson(hits, n);
    let bounded = low.iter().chain(high).all(|v| v.is_finite());
    let alpha = level.alpha();
    let (mean_width, winkler) = if bounded {
        let width: f64 = (0..n).map(|i| high[i] - low[i]).sum::<f64>() / n as f64;
        let score: f64 = (0..n)
            .map(|i| {
                let miss = (low[i] - actual[i]).max(0.0) + (actual[i] - high[i]).max(0.0);
                high[i] - low[i] + 2.0 / alpha * miss
            })
            .sum::<f64>()
            / n as f64;
        (Some(width), Some(score))
    } else {
        (None, None)
    };
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| predicted[a].total_cmp(&predicted[b]).then(a.cmp(&b)));
    let groups = n.min(10);
    let by_decile = (0..groups)
        .map(|g| {
            let rows = &order[g * n / groups..(g + 1) * n / groups];
            DecileCoverage {
                from: predicted[rows[0]],
                to: predicted[rows[rows.len() - 1]],
                rows: rows.len(),
                coverage: rows.iter().filter(|&&i| inside(i)).count() as f64 / rows.len() as f64,
            }
        })
        .collect();
    Ok(Audit {
        level,
        rows: n,
        coverage: hits as f64 / n as f64,
        coverage_low,
        coverage_high,
        mean_width,
        winkler,
        by_decile,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(v: f64) -> Level {
        Level::new(v).unwrap()
    }

    #[test]
    fn rank_is_the_exact_ceiling() {
        // (n + 1) · 0.9 = 90 exactly for n = 99, and a float ceiling can say 91.
        for (n, v, k) in [
            (99, 0.9, Some(90)),
            (100, 0.9, Some(91)),
            (9, 0.9, Some(9)),
            (8, 0.9, None),
            (19, 0.95, Some(19)),
            (18, 0.95, None),
            (1, 0.5, Some(1)),
            (0, 0.5, None),
        ] {
            assert_eq!(level(v).rank(n), k, "n = {n}, level = {v}");
        }
    }

    #[test]
    fn rows_needed_is_the_first_bounded_size() {
        for v in [0.5, 0.8, 0.9, 0.95, 0.99, 0.123457, 0.999999] {
            let l = level(v);
            let n = l.rows_needed();
            assert!(l.rank(n).is_some(), "{v}: {n} rows");
            assert!(n == 0 || l.rank(n - 1).is_none(), "{v}: {} rows", n - 1);
        }
    }

    #[test]
    fn levels_outside_zero_one_or_too_fine_are_refused() {
        for bad in [0.0, 1.0, -0.1, 1.5, f64::NAN, f64::INFINITY, 0.1234567] {
            let e = Level::new(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::BadSpec, "{bad}");
            assert!(e.message().contains("interval level"), "{}", e.message());
        }
    }

    #[test]
    fn quantile_is_the_kth_smallest_score() {
        let scores: Vec<f64> = (1..=19).rev().map(f64::from).collect();
        // n = 19, level 0.9: k = ⌈18⌉ = 18.
        assert_eq!(split_quantile(&scores, level(0.9)).unwrap(), Some(18.0));
        assert_eq!(split_quantile(&scores, level(0.95)).unwrap(), Some(19.0));
        assert_eq!(split_quantile(&scores[..8], level(0.9)).unwrap(), None);
        assert!(split_quantile(&[1.0, f64::NAN], level(0.5)).is_err());
    }

    #[test]
    fn wilson_matches_scipy() {
        // scipy.stats.binomtest(k, n).proportion_ci(method="wilson"), SciPy 1.17.
        for (k, n, lo, hi) in [
            (90, 100, 0.8256343384950865, 0.9447708629393249),
            (0, 10, 0.0, 0.27753279986288926),
            (10, 10, 0.7224672001371109, 1.0),
            (873, 1000, 0.8509252474282143, 0.8922199907415616),
        ] {
            let (a, b) = wilson(k, n);
            assert!((a - lo).abs() < 1e-12 && (b - hi).abs() < 1e-12, "{k}/{n}: {a} {b}");
        }
    }

    /// SciPy's Wilson interval at 99.5% (95% over ten deciles):
    /// 50/100 reaches 0.635, 26/30 0.963 and 20/30 0.850.
    #[test]
    fn a_decile_is_short_when_its_bonferroni_wilson_interval_is_below_the_level() {
        for (k, n, hi) in [(50, 100, 0.6351289190550977), (26, 30, 0.9631795393785327), (20, 30, 0.8497755563578182)] {
            assert!((wilson_at(k, n, 2.807_033_768_343_811).1 - hi).abs() < 1e-12, "{k}/{n}");
        }
        let decile =
            |rows: usize, hits: usize| DecileCoverage { from: 0.0, to: 1.0, rows, coverage: hits as f64 / rows as f64 };
        let with = |by_decile: Vec<DecileCoverage>| Audit {
            level: level(0.9),
            rows: 0,
            coverage: 0.9,
            coverage_low: 0.0,
            coverage_high: 1.0,
            mean_width: None,
            winkler: None,
            by_decile,
        };
        // 26 of 30 could be chance at 90%; 20 of 30 and 50 of 100 cannot, and the lower is named.
        assert_eq!(with(vec![decile(30, 26), decile(30, 30)]).short_decile(), None);
        assert_eq!(with(vec![decile(5, 0)]).short_decile(), None, "too few rows to judge");
        let a = with(vec![decile(30, 20), decile(100, 50), decile(30, 26)]);
        assert_eq!(a.short_decile().map(|d| d.coverage), Some(0.5));
    }

    #[test]
    fn audit_counts_ends_as_inside_and_scores_misses() {
        let actual = [1.0, 2.0, 5.0, 0.0];
        let predicted = [1.0, 2.0, 3.0, 4.0];
        let (low, high) = ([0.0, 2.0, 2.0, 3.0], [2.0, 3.0, 4.0, 5.0]);
        let a = audit(level(0.8), &actual, &predicted, &low, &high).unwrap();
        assert_eq!(a.coverage, 0.5);
        assert_eq!(a.mean_width, Some(1.75));
        // Misses: 5 above 4 by 1, 0 below 3 by 3; 2/α = 10.
        assert!((a.winkler.unwrap() - (7.0 + 10.0 * 4.0) / 4.0).abs() < 1e-12);
        assert_eq!(a.by_decile.len(), 4);
        assert_eq!(a.by_decile.iter().map(|d| d.coverage).collect::<Vec<_>>(), [1.0, 1.0, 0.0, 0.0]);
        let unbounded = audit(level(0.8), &actual, &predicted, &[f64::NEG_INFINITY; 4], &[f64::INFINITY; 4]).unwrap();
        assert_eq!((unbounded.coverage, unbounded.mean_width, unbounded.winkler), (1.0, None, None));
    }

    #[test]
    fn split_conformal_covers_at_least_its_level() {
        // 2,000 draws of calibration and test residuals from one seeded
        // stream: the marginal coverage promised is at least the level.
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let l = level(0.9);
        let (mut hits, mut total) = (0usize, 0usize);
        for _ in 0..2000 {
            let scores: Vec<f64> = (0..30).map(|_| rng.gen::<f64>().powi(2)).collect();
            let q = split_quantile(&scores, l).unwrap().unwrap();
            let test = rng.gen::<f64>().powi(2);
            hits += usize::from(test <= q);
            total += 1;
        }
        let c = hits as f64 / total as f64;
        // Exactly 28/31 = 0.9032 in expectation; 2,000 draws put it within 0.02.
        assert!((c - 28.0 / 31.0).abs() < 0.02, "{c}");
    }
}
