//! The operating point of a binary classifier: a row is predicted positive
//! when its probability of the positive class is at least the threshold.
//! Every distinct probability is a candidate threshold; at each, the
//! confusion matrix, precision, recall, F1, accuracy and a cost. The app's
//! slider reads these on the page's thread (no worker round trip), and the
//! CLI's `--threshold-for` chooses among the same points.

use serde::{Deserialize, Serialize};

use glassbox_core::error::{Error, ErrorKind, Result};
use glassbox_core::roc::{binary_counts, ratio, BinaryCounts};

/// What each cell of the confusion matrix costs (a benefit is a negative
/// cost), in the person's units, as Weka's cost/benefit analysis asks.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Costs {
    pub tp: f64,
    pub fp: f64,
    #[serde(rename = "fn")]
    pub fn_: f64,
    pub tn: f64,
}

impl Default for Costs {
    /// Every mistake costs 1 and every right answer nothing: the total is the errors.
    fn default() -> Self {
        Costs { tp: 0.0, fp: 1.0, fn_: 1.0, tn: 0.0 }
    }
}

impl Costs {
    /// Reads `tp=0,fp=1,fn=5,tn=0`; a cell left out keeps its default.
    pub fn parse(text: &str) -> Result<Costs> {
        let bad = |m: String| Error::new(ErrorKind::BadSpec, m);
        let mut c = Costs::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (cell, value) = part
                .split_once('=')
                .ok_or_else(|| bad(format!("costs are CELL=NUMBER (tp, fp, fn, tn), got '{part}'")))?;
            let v: f64 =
                value.trim().parse().ok().filter(|v: &f64| v.is_finite()).ok_or_else(|| {
                    bad(format!("the cost of {} must be a number, got '{}'", cell.trim(), value.trim()))
                })?;
            match cell.trim() {
                "tp" => c.tp = v,
                "fp" => c.fp = v,
                "fn" => c.fn_ = v,
                "tn" => c.tn = v,
                other => return Err(bad(format!("unknown cost cell '{other}': the cells are tp, fp, fn, tn"))),
            }
        }
        Ok(c)
    }

    pub fn total(&self, p: &OperatingPoint) -> f64 {
        self.tp * p.tp as f64 + self.fp * p.fp as f64 + self.fn_ * p.fn_ as f64 + self.tn * p.tn as f64
    }
}

/// The confusion matrix and its scores at one threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OperatingPoint {
    pub threshold: f64,
    pub tp: usize,
    pub fp: usize,
    #[serde(rename = "fn")]
    pub fn_: usize,
    pub tn: usize,
}

impl OperatingPoint {
    /// Of the positive class (zero when nothing is predicted positive, as scikit-learn).
    pub fn precision(&self) -> f64 {
        ratio(self.tp as f64, (self.tp + self.fp) as f64)
    }

    pub fn recall(&self) -> f64 {
        ratio(self.tp as f64, (self.tp + self.fn_) as f64)
    }

    /// `2tp / (2tp + fp + fn)`, as scikit-learn computes F1.
    pub fn f1(&self) -> f64 {
        ratio(2.0 * self.tp as f64, (2 * self.tp + self.fp + self.fn_) as f64)
    }

    pub fn accuracy(&self) -> f64 {
        ratio((self.tp + self.tn) as f64, (self.tp + self.fp + self.fn_ + self.tn) as f64)
    }

    /// The matrix with true classes as rows, `[[tn, fp], [fn, tp]]`, as the
    /// negative class comes first in the label order.
    pub fn confusion_matrix(&self) -> Vec<Vec<usize>> {
        vec![vec![self.tn, self.fp], vec![self.fn_, self.tp]]
    }
}

/// The point at threshold `t`: rows whose score is at least `t` are positive.
pub fn operating_point(positive: &[bool], score: &[f64], t: f64) -> OperatingPoint {
    let (mut tp, mut fp, mut fn_, mut tn) = (0, 0, 0, 0);
    for (&y, &s) in positive.iter().zip(score) {
        match (s >= t, y) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fn_ += 1,
            (false, false) => tn += 1,
        }
    }
    OperatingPoint { threshold: t, tp, fp, fn_, tn }
}

/// Every operating point worth a look: at each distinct score, highest
/// first, and last a threshold above every score (nothing positive), which
/// is written as the largest score's next float up.
pub fn operating_points(positive: &[bool], score: &[f64]) -> Vec<OperatingPoint> {
    let BinaryCounts { tps, fps, thresholds } = binary_counts(positive, score);
    let p = positive.iter().filter(|&&y| y).count();
    let n = positive.len() - p;
    let above = thresholds.first().map_or(1.0, |&t| t.next_up());
    let mut out = vec![OperatingPoint { threshold: above, tp: 0, fp: 0, fn_: p, tn: n }];
    for ((&tp, &fp), &t) in tps.iter().zip(&fps).zip(&thresholds) {
        let (tp, fp) = (tp as usize, fp as usize);
        out.push(OperatingPoint { threshold: t, tp, fp, fn_: p - tp, tn: n - fp });
    }
    out
}

/// How a threshold is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum ThresholdRule {
    /// A threshold the person set.
    Fixed { value: f64 },
    /// The largest F1 (the highest such threshold when several tie).
    F1,
    /// The smallest total cost (the highest such threshold when several tie).
    Cost { costs: Costs },
    /// The highest threshold whose recall is at least `recall`.
    Recall { recall: f64 },
}

impl ThresholdRule {
    /// Reads the CLI's `f1`, `cost` (with `costs`) or `recall=0.9`.
    pub fn parse(text: &str, costs: Option<Costs>) -> Result<ThresholdRule> {
        let bad = |m: String| Error::new(ErrorKind::BadSpec, m);
        match text.trim() {
            "f1" => Ok(ThresholdRule::F1),
            "cost" => Ok(ThresholdRule::Cost { costs: costs.unwrap_or_default() }),
            other => match other.strip_prefix("recall=") {
                Some(r) => {
                    let recall: f64 =
                        r.trim().parse().map_err(|_| bad(format!("recall must be a number, got '{r}'")))?;
                    ThresholdRule::Recall { recall }.validated()
                }
                None => Err(bad(format!("a threshold is chosen by f1, cost or recall=R, got '{other}'"))),
            },
        }
    }

    /// The rule, or an error naming what is out of range.
    pub fn validated(self) -> Result<ThresholdRule> {
        let bad = |m: String| Err(Error::new(ErrorKind::BadSpec, m));
        match self {
            ThresholdRule::Fixed { value } if !(0.0..=1.0).contains(&value) => {
                bad(format!("the threshold must be between 0 and 1, got {value}"))
            }
            ThresholdRule::Recall { recall } if !(recall > 0.0 && recall <= 1.0) => {
                bad(format!("the recall to reach must be above 0 and at most 1, got {recall}"))
            }
            ThresholdRule::Cost { costs }
                if ![costs.tp, costs.fp, costs.fn_, costs.tn].iter().all(|c| c.is_finite()) =>
            {
                bad("every cost must be a finite number".to_string())
            }
            rule => Ok(rule),
        }
    }

    /// How the rule reads in a report and in `metrics.json`'s `chosen_by`.
    pub fn describe(&self) -> String {
        match self {
            ThresholdRule::Fixed { .. } => "set".to_string(),
            ThresholdRule::F1 => "best F1 on the test rows".to_string(),
            ThresholdRule::Cost { costs } => format!(
                "least cost on the test rows (tp {}, fp {}, fn {}, tn {})",
                costs.tp, costs.fp, costs.fn_, costs.tn
            ),
            ThresholdRule::Recall { recall } => format!("recall at least {recall} on the test rows"),
        }
    }

    /// The threshold this rule picks for these rows.
    pub fn choose(&self, positive: &[bool], score: &[f64]) -> Result<f64> {
        let points = operating_points(positive, score);
        // Points run from the highest threshold down, so `max_by` taking
        // the last of equals would pick the lowest: compare and keep the first.
        let best = |key: &dyn Fn(&OperatingPoint) -> f64| {
            points.iter().fold(None::<&OperatingPoint>, |b, p| match b {
                Some(b) if key(b) >= key(p) => Some(b),
                _ => Some(p),
            })
        };
        let pick = match self {
            ThresholdRule::Fixed { value } => return Ok(*value),
            ThresholdRule::F1 => best(&|p| p.f1()),
            ThresholdRule::Cost { costs } => best(&|p| -costs.total(p)),
            ThresholdRule::Recall { recall } => points.iter().find(|p| p.recall() >= *recall),
        };
        pick.map(|p| p.threshold.clamp(0.0, 1.0)).ok_or_else(|| {
            Error::new(ErrorKind::BadSpec, "no threshold reaches that recall: the test rows have no positive class")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Y: [bool; 8] = [false, true, false, true, true, false, false, true];
    const S: [f64; 8] = [0.1, 0.8, 0.4, 0.35, 0.9, 0.6, 0.2, 0.6];

    #[test]
    fn every_point_is_the_matrix_at_its_threshold() {
        let points = operating_points(&Y, &S);
        // Above every score, then 0.9, 0.8, 0.6 (two rows), 0.4, 0.35, 0.2, 0.1.
        assert_eq!(points.len(), 8);
        for p in &points {
            assert_eq!(*p, operating_point(&Y, &S, p.threshold), "at {}", p.threshold);
        }
        assert_eq!((points[0].tp, points[0].fp), (0, 0));
        assert_eq!(points[3].confusion_matrix(), [[3, 1], [1, 3]], "at 0.6");
    }

    #[test]
    fn rules_pick_the_highest_of_equally_good_thresholds() {
        // F1 is 0.75 at 0.6 (3 tp, 1 fp, 1 fn) and 0.8 at 0.35 (4 tp, 2 fp): the most.
        assert_eq!(ThresholdRule::F1.choose(&Y, &S).unwrap(), 0.35);
        assert_eq!(ThresholdRule::Recall { recall: 0.75 }.choose(&Y, &S).unwrap(), 0.6);
        assert_eq!(ThresholdRule::Recall { recall: 1.0 }.choose(&Y, &S).unwrap(), 0.35);
        // A missed positive costs 5: the cheapest threshold catches them all.
        let costs = Costs { fn_: 5.0, ..Costs::default() };
        assert_eq!(ThresholdRule::Cost { costs }.choose(&Y, &S).unwrap(), 0.35);
        // With the default costs (errors): 0.8, 0.6 and 0.35 each make 2 errors; the highest wins.
        assert_eq!(ThresholdRule::Cost { costs: Costs::default() }.choose(&Y, &S).unwrap(), 0.8);
    }

    #[test]
    fn bad_rules_and_costs_say_what_is_wrong() {
        let msg = |r: Result<ThresholdRule>| r.unwrap_err().message().to_string();
        assert_eq!(
            msg(ThresholdRule::Fixed { value: 1.5 }.validated()),
            "the threshold must be between 0 and 1, got 1.5"
        );
        assert_eq!(
            msg(ThresholdRule::parse("recall=2", None)),
            "the recall to reach must be above 0 and at most 1, got 2"
        );
        assert_eq!(msg(ThresholdRule::parse("auc", None)), "a threshold is chosen by f1, cost or recall=R, got 'auc'");
        assert_eq!(Costs::parse("fp=x").unwrap_err().message(), "the cost of fp must be a number, got 'x'");
        assert_eq!(Costs::parse("fq=1").unwrap_err().message(), "unknown cost cell 'fq': the cells are tp, fp, fn, tn");
        assert_eq!(Costs::parse("tp=0, fp=1,fn=5").unwrap(), Costs { fn_: 5.0, ..Costs::default() });
        let none = [false; 3];
        assert!(ThresholdRule::Recall { recall: 0.5 }.choose(&none, &[0.1, 0.2, 0.3]).is_err());
    }
}
