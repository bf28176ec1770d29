//! Performance decay: a labelled prediction log scored period by period
//! (UTC days, or ISO weeks from Monday), with the last period's relative
//! F1 change and an alert when it falls past the threshold.

use glassbox_core::error::{Error, ErrorKind, Result};
use glassbox_evaluate::metrics;
use serde::{Deserialize, Serialize};

use crate::profile::ReferenceMetrics;

/// One logged prediction whose true label is known.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedRow {
    /// Seconds since 1970-01-01 UTC.
    pub time: f64,
    pub label: usize,
    pub predicted: usize,
    pub proba: Vec<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Day,
    Week,
    /// Every row in one period: a labelled file without times (or a person
    /// who asks) is still evaluated, once, against the model's test scores.
    All,
}

impl Period {
    pub fn parse(text: &str) -> Result<Period> {
        match text {
            "day" => Ok(Period::Day),
            "week" => Ok(Period::Week),
            "all" => Ok(Period::All),
            other => {
                Err(Error::new(ErrorKind::BadSpec, format!("unknown period '{other}': expected day, week or all")))
            }
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::All => "period",
        }
    }

    /// The first day (days since 1970-01-01) of the period holding `day`.
    pub(crate) fn start(self, day: i64) -> i64 {
        match self {
            Period::Day => day,
            // 1970-01-01 was a Thursday: Monday is three days before.
            Period::Week => day - (day + 3).rem_euclid(7),
            Period::All => 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodScore {
    /// The period's first day, `YYYY-MM-DD` (UTC).
    pub start: String,
    pub rows: usize,
    pub f1: f64,
    pub accuracy: f64,
    /// Null when the period lacks a class (the AUC is then undefined).
    pub roc_auc: Option<f64>,
    /// Relative F1 change from the period before, in percent.
    pub change: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decay {
    pub period: Period,
    /// What F1 means here: of the positive class, or the macro average.
    pub f1_of: String,
    pub periods: Vec<PeriodScore>,
    /// The last period's relative F1 change, in percent.
    pub change: Option<f64>,
    /// The alert fires when the change falls below −`f1_drop` percent.
    pub f1_drop: f64,
    pub alert: bool,
    /// The model's own test-set scores, for comparison.
    pub reference: Option<ReferenceMetrics>,
    pub message: String,
}

/// F1 as decay reads it: of the positive class for two classes, else the macro average.
pub fn f1_score(y: &[usize], predicted: &[usize], n_classes: usize) -> f64 {
    let scores = metrics::per_class(&metrics::confusion_matrix(y, predicted, n_classes));
    if n_classes == 2 {
        scores[1].f1
    } else {
        metrics::macro_avg(&scores).f1
    }
}

/// ROC AUC when every class is present, else `None`.
pub fn roc_auc(y: &[usize], proba: &[Vec<f64>], n_classes: usize) -> Option<f64> {
    let mut seen = vec![false; n_classes];
    y.iter().for_each(|&k| seen[k] = true);
    seen.iter().all(|&s| s).then(|| metrics::roc_auc(&metrics::roc_curves(y, proba, n_classes)))
}

pub fn decay(
    rows: &[LoggedRow],
    classes: &[String],
    period: Period,
    f1_drop: f64,
    reference: Option<ReferenceMetrics>,
) -> Result<Decay> {
    if !(f1_drop.is_finite() && f1_drop >= 0.0) {
        return Err(Error::new(
            ErrorKind::BadSpec,
            format!("the F1 drop must be a percentage of at least 0, not {f1_drop}"),
        ));
    }
    if rows.is_empty() {
        return Err(Error::new(ErrorKind::HeaderOnly, "the log has no labelled rows to score"));
    }
    let n = classes.len();
    let mut keyed: Vec<(i64, &LoggedRow)> =
        rows.iter().map(|r| (period.start((r.time / 86_400.0).floor() as i64), r)).collect();
    keyed.sort_by_key(|k| k.0);
    let mut periods: Vec<PeriodScore> = Vec::new();
    for group in keyed.chunk_by(|a, b| a.0 == b.0) {
        let y: Vec<usize> = group.iter().map(|g| g.1.label).collect();
        let pred: Vec<usize> = group.iter().map(|g| g.1.predicted).collect();
        let proba: Vec<Vec<f64>> = group.iter().map(|g| g.1.proba.clone()).collect();
        let f1 = f1_score(&y, &pred, n);
        let change = periods.last().and_then(|prev| relative(prev.f1, f1));
        periods.push(PeriodScore {
            start: if period == Period::All { "all rows".to_string() } else { day_text(group[0].0) },
            rows: group.len(),
            f1,
            accuracy: metrics::accuracy(&y, &pred),
            roc_auc: roc_auc(&y, &proba, n),
            change,
        });
    }
    let change = periods.last().and_then(|p| p.change);
    let alert = change.is_some_and(|c| c < -f1_drop);
    let f1_of = if n == 2 { format!("F1 of '{}'", classes[1]) } else { "macro-averaged F1".to_string() };
    let each = period.name();
    let message = match (periods.len(), change) {
        (1, _) if period == Period::All => match reference {
            Some(r) => {
                format!("{f1_of} {:.4} on these rows, against {:.4} on the model's test rows", periods[0].f1, r.f1)
            }
            None => format!("{f1_of} {:.4} on these rows", periods[0].f1),
        },
        (1, _) => format!("one {each} of labelled rows so far: no change to measure yet"),
        (_, None) => format!("the {each} before had an F1 of 0: no relative change to measure"),
        (_, Some(c)) => {
            let last = &periods[periods.len() - 1];
            let prev = &periods[periods.len() - 2];
            format!(
                "{f1_of} {} {:.1}% {each} over {each} ({:.4} → {:.4}, {} rows in the last {each}){}",
                if c < 0.0 { "fell" } else { "rose" },
                c.abs(),
                prev.f1,
                last.f1,
                last.rows,
                if alert { format!(": past the {f1_drop}% alert threshold") } else { String::new() }
            )
        }
    };
    Ok(Decay { period, f1_of, periods, change, f1_drop, alert, reference, message })
}

fn relative(before: f64, after: f64) -> Option<f64> {
    (before > 0.0).then(|| (after - before) / before * 100.0)
}

/// A day since 1970-01-01 as `YYYY-MM-DD`.
pub fn day_text(day: i64) -> String {
    match jiff::Timestamp::from_second(day * 86_400) {
        Ok(t) => jiff::tz::Offset::UTC.to_datetime(t).date().to_string(),
        Err(_) => format!("day {day}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        // 2026-11-30 is a Monday; 2026-12-06 the Sunday after.
        let midnight = jiff::civil::date(2026, 11, 30).to_datetime(jiff::civil::Time::midnight());
        let monday = jiff::tz::Offset::UTC.to_timestamp(midnight).unwrap().as_second() / 86_400;
        assert_eq!(day_text(Period::Week.start(monday + 6)), "2026-11-30");
        assert_eq!(day_text(Period::Week.start(monday)), "2026-11-30");
        assert_eq!(day_text(Period::Week.start(monday - 1)), "2026-11-23");
        assert_eq!(day_text(Period::Day.start(monday + 2)), "2026-12-02");
    }
}
