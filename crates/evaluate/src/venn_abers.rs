//! Inductive Venn–Abers predictors (Vovk, Petej and Fedorova, "Large-scale
//! probabilistic prediction with and without validity guarantees", 2015):
//! a probability interval for one class from held-out scores.
//!
//! Given calibration scores with their 0/1 labels and a new score s, the
//! predictor fits isotonic regression twice, on the calibration points plus
//! (s, 0) and plus (s, 1); the fitted values at s are p0 ≤ p1. One of the two
//! is the isotonic calibration of s under its true label, so the pair is
//! *valid*: under exchangeability of the calibration rows and the new row,
//! the true label's frequency among rows given a pair lies in that pair
//! (perfect calibration of one of p0, p1). The merged probability
//! p1 / (1 − p0 + p1) lies inside [p0, p1] and minimises log loss against
//! the worse of the two.
//!
//! Fitting isotonic regression per new score would cost O(n) each. The
//! paper's fast algorithm instead precomputes both values for every slot a
//! new score can fall into (before, between or after the k distinct
//! calibration scores) in O(k) after sorting, by sweeping the new point
//! through the cumulative sum diagram and keeping its greatest convex
//! minorant on a stack; a prediction is then one binary search. No
//! maintained crate implements it, so it is written here (from the paper's
//! Algorithms 1–4) and tested against isotonic regression run from scratch.
//!
//! Ties: a new score equal to a calibration score is pooled with that
//! score's rows, as isotonic regression treats tied inputs. With label 1
//! that is the same as falling just below the tied score, with label 0 just
//! above (the brute-force test covers ties).

use serde::{Deserialize, Serialize};

/// The calibration points as stored: distinct scores in increasing order,
/// with how many rows had each and how many of those were positive. The
/// slot tables are rebuilt from these when a file is read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Stored {
    scores: Vec<f64>,
    counts: Vec<u64>,
    positives: Vec<u64>,
}

/// A fitted inductive Venn–Abers predictor for one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Stored", into = "Stored")]
pub struct VennAbers {
    stored: Stored,
    /// p0 when the new score lies after the first j distinct scores (ties
    /// count as before it), j = 0..=k.
    f0: Vec<f64>,
    /// p1 when the new score lies before distinct score t (ties count as
    /// after it), indexed t − 1 for t = 1..=k + 1.
    f1: Vec<f64>,
}

impl TryFrom<Stored> for VennAbers {
    type Error = String;

    /// A file's points are checked before any table is built from them, so
    /// a tampered file is refused rather than read wrong.
    fn try_from(s: Stored) -> Result<VennAbers, String> {
        let k = s.scores.len();
        if k == 0 {
            return Err("a Venn-Abers predictor has no calibration scores".into());
        }
        if s.counts.len() != k || s.positives.len() != k {
            return Err(format!(
                "a Venn-Abers predictor has {k} scores but {} counts and {} positive counts",
                s.counts.len(),
                s.positives.len()
            ));
        }
        if let Some(i) = s.scores.iter().position(|v| !v.is_finite()) {
            return Err(format!("a Venn-Abers predictor's score {i} is not a finite number"));
        }
        if let Some(i) = s.scores.windows(2).position(|w| w[0] >= w[1]) {
            return Err(format!("a Venn-Abers predictor's scores are not increasing at {}", i + 1));
        }
        if let Some(i) = (0..k).find(|&i| s.counts[i] == 0 || s.positives[i] > s.counts[i]) {
            return Err(format!(
                "a Venn-Abers predictor's score {i} has {} rows and {} positives",
                s.counts[i], s.positives[i]
            ));
        }
        Ok(VennAbers::build(s))
    }
}

impl From<VennAbers> for Stored {
    fn from(v: VennAbers) -> Stored {
        v.stored
    }
}

/// A probability interval and the probability merged from it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
    /// p1 / (1 − p0 + p1), always within [low, high].
    pub probability: f64,
}

impl Interval {
    /// The same interval for the complementary event (the other class of two).
    pub fn complement(self) -> Interval {
        Interval { low: 1.0 - self.high, high: 1.0 - self.low, probability: 1.0 - self.probability }
    }
}

/// p1 / (1 − p0 + p1): the log-loss minimax merge of the pair.
pub fn merge(p0: f64, p1: f64) -> f64 {
    let p = p1 / (1.0 - p0 + p1);
    // Rounding could put it a hair outside; it is inside by construction.
    p.clamp(p0, p1)
}

impl VennAbers {
    fn build(stored: Stored) -> VennAbers {
        let (f0, f1) = slot_tables(&stored.counts, &stored.positives);
        VennAbers { stored, f0, f1 }
    }

    /// Fits on held-out scores and whether each row is of the class. Rows
    /// with a score that is not finite are left out (a model's probability
    /// always is finite). `None` when no row is left.
    pub fn fit(scores: &[f64], labels: &[bool]) -> Option<VennAbers> {
        let mut pts: Vec<(f64, bool)> =
            scores.iter().zip(labels).filter(|(s, _)| s.is_finite()).map(|(&s, &y)| (s, y)).collect();
        if pts.is_empty() {
            return None;
        }
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut stored = Stored { scores: Vec::new(), counts: Vec::new(), positives: Vec::new() };
        for (s, y) in pts {
            // -0.0 and 0.0 are one score.
            if stored.scores.last() == Some(&s) {
                *stored.counts.last_mut().expect("a score was pushed") += 1;
                *stored.positives.last_mut().expect("a score was pushed") += u64::from(y);
            } else {
                stored.scores.push(s);
                stored.counts.push(1);
                stored.positives.push(u64::from(y));
            }
        }
        Some(VennAbers::build(stored))
    }

    /// How many calibration rows the predictor holds.
    pub fn n(&self) -> u64 {
        self.stored.counts.iter().sum()
    }

    /// How many distinct calibration scores it holds.
    pub fn distinct(&self) -> usize {
        self.stored.scores.len()
    }

    /// The pair (p0, p1) for a new score, as an interval with its merge. A
    /// score that is not a number gets the whole of [0, 1].
    pub fn interval(&self, s: f64) -> Interval {
        if s.is_nan() {
            return Interval { low: 0.0, high: 1.0, probability: 0.5 };
        }
        let scores = &self.stored.scores;
        let below = scores.partition_point(|&c| c < s);
        let at_or_below = scores.partition_point(|&c| c <= s);
        // Adding 0.0 turns a slope of -0.0 into 0.0, which prints as "0".
        let (p0, p1) = (self.f0[at_or_below] + 0.0, self.f1[below] + 0.0);
        Interval { low: p0, high: p1, probability: merge(p0, p1) }
    }
}

/// A point of the cumulative sum diagram: (rows so far, positives so far).
type Point = (f64, f64);

fn sub(a: Point, b: Point) -> Point {
    (a.0 - b.0, a.1 - b.1)
}

fn add(a: Point, b: Point) -> Point {
    (a.0 + b.0, a.1 + b.1)
}

/// The z component of (b − a) × (c − b): positive for a left turn. The
/// coordinates are whole numbers, so this is exact below 2^26 rows.
fn turn(a: Point, b: Point, c: Point) -> f64 {
    let (d1, d2) = (sub(b, a), sub(c, b));
    d1.0 * d2.1 - d1.1 * d2.0
}

fn slope(a: Point, b: Point) -> f64 {
    (b.1 - a.1) / (b.0 - a.0)
}

/// Whether `t` lies on or above the line through `p` and `q`.
fn not_below(t: Point, p: Point, q: Point) -> bool {
    // Compared by cross product (no division), with p.x < q.x or p.x > q.x.
    let side = (q.0 - p.0) * (t.1 - p.1) - (q.1 - p.1) * (t.0 - p.0);
    if q.0 > p.0 {
        side >= 0.0
    } else {
        side <= 0.0
    }
}

fn top2(s: &[Point]) -> (Point, Point) {
    (s[s.len() - 1], s[s.len() - 2])
}

/// Algorithms 1 and 3: the convex minorant of `first`, `second` and then
/// `rest`, as a stack. `sign` is 1 when the points come left to right, −1
/// when they come right to left (a turn's sign flips with the direction).
fn minorant(first: Point, second: Point, rest: impl Iterator<Item = Point>, sign: f64) -> Vec<Point> {
    let mut stack = vec![first, second];
    for p in rest {
        while stack.len() > 1 && sign * turn(stack[stack.len() - 2], stack[stack.len() - 1], p) <= 0.0 {
            stack.pop();
        }
        stack.push(p);
    }
    stack
}

/// One step of Algorithms 2 and 4: the point the sweep moved, `p`, joins
/// the reversed stack when it lies below the segment at its top, replacing
/// the vertices it makes redundant; above that segment it changes nothing.
fn moved(stack: &mut Vec<Point>, p: Point, sign: f64) {
    let (top, next) = top2(stack);
    if not_below(p, top, next) {
        return;
    }
    stack.pop();
    while stack.len() > 1 && {
        let (top, next) = top2(stack);
        sign * turn(p, top, next) <= 0.0
    } {
        stack.pop();
    }
    stack.push(p);
}

/// The paper's Algorithms 1–4 on the cumulative sum diagram of the groups:
/// returns (F0 indexed j = 0..=k, F1 indexed t − 1 for t = 1..=k + 1).
fn slot_tables(counts: &[u64], positives: &[u64]) -> (Vec<f64>, Vec<f64>) {
    let k = counts.len();
    // csd[i] = P_i for i = 0..=k.
    let mut csd: Vec<Point> = Vec::with_capacity(k + 1);
    csd.push((0.0, 0.0));
    for (&w, &a) in counts.iter().zip(positives) {
        let last = csd[csd.len() - 1];
        csd.push((last.0 + w as f64, last.1 + a as f64));
    }

    // p1: the new point (label 1) starts before every group, as the step
    // from P_-1 = (-1, -1) to P_0; then it moves right one group at a time.
    // q[i + 1] holds P_i for i = -1..=k.
    let mut q: Vec<Point> = Vec::with_capacity(k + 2);
    q.push((-1.0, -1.0));
    q.extend_from_slice(&csd);
    // Algorithm 1: the greatest convex minorant of P_-1..P_k, left to right.
    let mut stack = minorant(q[0], q[1], q[2..].iter().copied(), 1.0);
    // Algorithm 2: sweep, reading the slope at the new point's step.
    stack.reverse();
    let mut f1 = vec![1.0; k + 1];
    for i in 1..=k {
        let (top, next) = top2(&stack);
        f1[i - 1] = slope(top, next);
        // P_{i-1} ← P_{i-2} + P_i − P_{i-1}: group i now comes before the new point.
        q[i] = add(q[i - 1], sub(q[i + 1], q[i]));
        moved(&mut stack, q[i], 1.0);
    }
    // After every group the new point's value is its own label.
    f1[k] = 1.0;

    // p0: the new point (label 0) starts after every group, as the step
    // from P_k to P_k + (1, 0); then it moves left one group at a time.
    let mut r: Vec<Point> = csd.clone();
    r.push(add(csd[k], (1.0, 0.0)));
    // Algorithm 3: the same minorant built right to left.
    let mut stack = minorant(r[k + 1], r[k], r[..k].iter().rev().copied(), -1.0);
    // Algorithm 4.
    stack.reverse();
    let mut f0 = vec![0.0; k + 1];
    for i in (1..=k).rev() {
        let (top, next) = top2(&stack);
        f0[i] = slope(top, next);
        // P_i ← P_{i-1} + P_{i+1} − P_i: group i now comes after the new point.
        r[i] = add(r[i - 1], sub(r[i + 1], r[i]));
        moved(&mut stack, r[i], -1.0);
    }
    // Before every group the new point's value is its own label.
    f0[0] = 0.0;
    (f0, f1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Isotonic regression from scratch (ties pooled, then pool adjacent
    /// violators), read at `x`.
    fn isotonic_at(points: &[(f64, f64)], x: f64) -> f64 {
        let mut pts = points.to_vec();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        // (x, sum, weight) blocks.
        let mut groups: Vec<(f64, f64, f64)> = Vec::new();
        for (px, py) in pts {
            match groups.last_mut() {
                Some(g) if g.0 == px => {
                    g.1 += py;
                    g.2 += 1.0;
                }
                _ => groups.push((px, py, 1.0)),
            }
        }
        // Blocks of (first x, last x, sum, weight).
        let mut blocks: Vec<(f64, f64, f64, f64)> = Vec::new();
        for (gx, s, w) in groups {
            blocks.push((gx, gx, s, w));
            while blocks.len() > 1 {
                let n = blocks.len();
                let (a, b) = (blocks[n - 2], blocks[n - 1]);
                if a.2 / a.3 >= b.2 / b.3 {
                    blocks.pop();
                    blocks[n - 2] = (a.0, b.1, a.2 + b.2, a.3 + b.3);
                } else {
                    break;
                }
            }
        }
        let b = blocks.iter().find(|b| b.0 <= x && x <= b.1).expect("x is one of the points");
        b.2 / b.3
    }

    fn check(cal: &[(f64, bool)], s: f64) {
        let scores: Vec<f64> = cal.iter().map(|c| c.0).collect();
        let labels: Vec<bool> = cal.iter().map(|c| c.1).collect();
        let va = VennAbers::fit(&scores, &labels).expect("points");
        let got = va.interval(s);
        let mut pts: Vec<(f64, f64)> = cal.iter().map(|&(x, y)| (x, f64::from(u8::from(y)))).collect();
        pts.push((s, 0.0));
        let p0 = isotonic_at(&pts, s);
        pts.pop();
        pts.push((s, 1.0));
        let p1 = isotonic_at(&pts, s);
        assert!((got.low - p0).abs() < 1e-12, "p0 {} vs {p0} for {s} in {cal:?}", got.low);
        assert!((got.high - p1).abs() < 1e-12, "p1 {} vs {p1} for {s} in {cal:?}", got.high);
        assert!(got.low <= got.probability && got.probability <= got.high);
    }

    #[test]
    fn small_cases_by_hand() {
        // One negative at 0.5: a new 0.5 pools with it under either label.
        check(&[(0.5, false)], 0.5);
        check(&[(0.5, false)], 0.2);
        check(&[(0.5, false)], 0.9);
        check(&[(0.5, true)], 0.5);
        check(&[(0.1, false), (0.9, true)], 0.5);
        let va = VennAbers::fit(&[0.1, 0.9], &[false, true]).expect("points");
        let i = va.interval(0.5);
        // Between a negative and a positive, each label is its own block.
        assert_eq!((i.low, i.high), (0.0, 1.0));
        let i = va.interval(0.95);
        assert_eq!((i.low, i.high), (0.5, 1.0));
    }

    #[test]
    fn matches_isotonic_regression_from_scratch() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for case in 0..400 {
            // Mostly small sets, where every slot is reached; some large ones.
            let n = if case % 5 == 0 { rng.gen_range(40..300) } else { rng.gen_range(1..40) };
            // Few distinct scores in some cases, so ties are common.
            let levels = if case % 2 == 0 { rng.gen_range(1..6) } else { 1000 };
            let cal: Vec<(f64, bool)> = (0..n)
                .map(|_| {
                    let x = f64::from(rng.gen_range(0..levels)) / f64::from(levels);
                    (x, rng.gen_bool(0.2 + 0.6 * x))
                })
                .collect();
            for _ in 0..8 {
                // New scores at calibration scores (ties), between them and outside.
                let s = if rng.gen_bool(0.5) { cal[rng.gen_range(0..n)].0 } else { rng.gen_range(-0.2..1.2) };
                check(&cal, s);
            }
        }
    }

    #[test]
    fn survives_a_round_trip_through_json() {
        let va = VennAbers::fit(&[0.3, 0.1, 0.3, 0.8], &[true, false, false, true]).expect("points");
        let text = serde_json::to_string(&va).expect("serialises");
        assert_eq!(text, r#"{"scores":[0.1,0.3,0.8],"counts":[1,2,1],"positives":[0,1,1]}"#);
        let back: VennAbers = serde_json::from_str(&text).expect("reads");
        assert_eq!(back, va);
        assert_eq!(back.n(), 4);
    }

    #[test]
    fn no_points_no_predictor() {
        assert!(VennAbers::fit(&[], &[]).is_none());
        assert!(VennAbers::fit(&[f64::NAN], &[true]).is_none());
    }
}
