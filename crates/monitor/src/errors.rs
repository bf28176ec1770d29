//! Performance decay of a regressor: a labelled prediction log scored
//! period by period (MAE, RMSE, mean error, interval coverage) with three
//! alarms and, for each, what to do, read from the last period's rows.
//!
//! An error here is always actual − prediction (as the training report's
//! error by decile), so a positive mean error (bias) means the model
//! predicts too low.
//!
//! - **RMSE rises** more than `rmse_rise` percent period over period (the
//!   classifier's F1 rule, turned round for errors).
//! - **Coverage falls below the binomial band**: with intervals at level ℓ
//!   that keep their promise, the covered rows of a period of n follow at
//!   least Binomial(n, ℓ); fewer than its 2.5% quantile alarms.
//! - **The bias moves** outside the reference's mean error ± 3 standard
//!   errors of a period's mean (the test errors' standard deviation over
//!   √n).

use glassbox_core::error::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};

use crate::decay::{day_text, Period};
use crate::profile::{bin_of, ReferenceErrors};
use crate::short_number;
use crate::stats;

/// One logged prediction of a number whose true value is known.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedNumber {
    /// Seconds since 1970-01-01 UTC.
    pub time: f64,
    pub actual: f64,
    pub predicted: f64,
    /// The logged interval, when the model gave one.
    pub interval: Option<(f64, f64)>,
    /// The row's values of the numeric input columns named in [`Inputs`],
    /// where the log has them.
    pub inputs: Vec<Option<f64>>,
}

/// Numeric input columns the log may carry, with the reference's decile
/// edges: where errors concentrate is read in those ranges.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    pub names: Vec<String>,
    pub edges: Vec<Vec<f64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodErrors {
    /// The period's first day, `YYYY-MM-DD` (UTC).
    pub start: String,
    pub rows: usize,
    pub mae: f64,
    pub rmse: f64,
    /// Mean of actual − prediction.
    pub bias: f64,
    /// Share of rows inside their logged interval; null without intervals.
    pub coverage: Option<f64>,
    /// Rows with a logged interval.
    pub interval_rows: usize,
    /// The central 95% of covered shares a promise of the level allows at
    /// this many rows (binomial quantiles over the rows).
    pub coverage_band: Option<(f64, f64)>,
    /// Relative RMSE change from the period before, in percent.
    pub rmse_change: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorAlert {
    /// `rmse_rise`, `coverage` or `bias`.
    pub kind: String,
    pub message: String,
    pub suggestion: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDecay {
    pub period: Period,
    pub periods: Vec<PeriodErrors>,
    /// The last period's relative RMSE change, in percent.
    pub rmse_change: Option<f64>,
    /// The RMSE alarm fires above this many percent.
    pub rmse_rise: f64,
    /// The interval level the model promises, when it has intervals.
    pub level: Option<f64>,
    /// The model's own test-set errors, for comparison.
    pub reference: Option<ReferenceErrors>,
    /// The band the last period's bias must stay in: (low, high).
    pub bias_band: Option<(f64, f64)>,
    pub alerts: Vec<ErrorAlert>,
    pub alert: bool,
    pub message: String,
}

/// Scores a labelled log of numbers period by period.
pub fn decay_numbers(
    rows: &[LoggedNumber],
    period: Period,
    rmse_rise: f64,
    level: Option<f64>,
    reference: Option<ReferenceErrors>,
    inputs: &Inputs,
) -> Result<ErrorDecay> {
    if !(rmse_rise.is_finite() && rmse_rise >= 0.0) {
        return Err(Error::new(
            ErrorKind::BadSpec,
            format!("the RMSE rise must be a percentage of at least 0, not {rmse_rise}"),
        ));
    }
    if rows.is_empty() {
        return Err(Error::new(ErrorKind::HeaderOnly, "the log has no labelled rows to score"));
    }
    let mut keyed: Vec<(i64, &LoggedNumber)> =
        rows.iter().map(|r| (period.start((r.time / 86_400.0).floor() as i64), r)).collect();
    keyed.sort_by_key(|k| k.0);
    let groups: Vec<Vec<&LoggedNumber>> =
        keyed.chunk_by(|a, b| a.0 == b.0).map(|g| g.iter().map(|k| k.1).collect()).collect();
    let mut periods: Vec<PeriodErrors> = Vec::new();
    for (group, first) in groups.iter().zip(keyed.chunk_by(|a, b| a.0 == b.0).map(|g| g[0].0)) {
        let scored = score(group, level);
        let rmse_change = periods.last().and_then(|prev| relative(prev.rmse, scored.rmse));
        periods.push(PeriodErrors {
            start: if period == Period::All { "all rows".to_string() } else { day_text(first) },
            rmse_change,
            ..scored
        });
    }
    let last = periods.last().expect("at least one period").clone();
    let last_rows = groups.last().expect("at least one period");
    let each = period.name();
    let bias_band = reference.filter(|r| r.error_std.is_finite()).map(|r| {
        let se = r.error_std / (last.rows as f64).sqrt();
        (r.bias - 3.0 * se, r.bias + 3.0 * se)
    });
    let bias_out = bias_band.is_some_and(|(lo, hi)| !(lo..=hi).contains(&last.bias));
    let advice = Advice::of(last_rows, level, inputs, each);
    let recentre = || advice.recentre(&last, bias_band);
    let mut alerts = Vec::new();
    if let Some(c) = last.rmse_change.filter(|&c| c > rmse_rise) {
        let prev = &periods[periods.len() - 2];
        alerts.push(ErrorAlert {
            kind: "rmse_rise".into(),
            message: format!(
                "RMSE rose {:.1}% {each} over {each} ({} → {}, {} rows in the last {each}): past the {rmse_rise}% alert threshold",
                c,
                short_number(prev.rmse),
                short_number(last.rmse),
                last.rows
            ),
            suggestion: advice
                .concentration
                .clone()
                .or_else(|| bias_out.then(recentre))
                .unwrap_or_else(|| advice.recalibrate(&last, bias_band)),
        });
    }
    if let (Some(cov), Some((lo, _)), Some(level)) = (last.coverage, last.coverage_band, level) {
        if cov < lo {
            alerts.push(ErrorAlert {
                kind: "coverage".into(),
                message: format!(
                    "the {}% intervals covered {:.1}% of the last {each}'s {} rows, below the {:.1}% a kept promise allows at that count",
                    percent(level),
                    100.0 * cov,
                    last.interval_rows,
                    100.0 * lo
                ),
                suggestion: if bias_out { recentre() } else { advice.recalibrate(&last, bias_band) },
            });
        }
    }
    if let (true, Some((lo, hi)), Some(r)) = (bias_out, bias_band, reference) {
        alerts.push(ErrorAlert {
            kind: "bias".into(),
            message: format!(
                "the mean error of the last {each} is {}, outside the model's test mean error {} ± 3 standard errors ({} to {})",
                short_number(last.bias),
                short_number(r.bias),
                short_number(lo),
                short_number(hi)
            ),
            suggestion: recentre(),
        });
    }
    let rmse_change = last.rmse_change;
    let alert = !alerts.is_empty();
    let message = match (periods.len(), rmse_change) {
        _ if alert => format!(
            "{} alarm{} on the last {each} ({} rows): RMSE {}{}, mean error {}{}",
            alerts.len(),
            if alerts.len() == 1 { "" } else { "s" },
            last.rows,
            short_number(last.rmse),
            rmse_change.map_or(String::new(), |c| format!(" ({c:+.1}% {each} over {each})")),
            short_number(last.bias),
            last.coverage.map_or(String::new(), |c| format!(", interval coverage {:.1}%", 100.0 * c))
        ),
        (1, _) if period == Period::All => match reference {
            Some(r) => format!(
                "RMSE {} on these rows, against {} on the model's test rows",
                short_number(last.rmse),
                short_number(r.rmse)
            ),
            None => format!("RMSE {} on these rows", short_number(last.rmse)),
        },
        (1, _) => format!("one {each} of labelled rows so far: no change to measure yet"),
        (_, None) => format!("the {each} before had an RMSE of 0: no relative change to measure"),
        (_, Some(c)) => format!(
            "RMSE {} {:.1}% {each} over {each} ({} → {}, {} rows in the last {each}); mean error {}{}",
            if c < 0.0 { "fell" } else { "rose" },
            c.abs(),
            short_number(periods[periods.len() - 2].rmse),
            short_number(last.rmse),
            last.rows,
            short_number(last.bias),
            last.coverage.map_or(String::new(), |c| format!(", coverage {:.1}%", 100.0 * c))
        ),
    };
    Ok(ErrorDecay { period, periods, rmse_change, rmse_rise, level, reference, bias_band, alerts, alert, message })
}

impl ErrorDecay {
    /// The alerts' suggestions, each once, in the alerts' order.
    pub fn suggestions(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for a in &self.alerts {
            if !out.contains(&a.suggestion.as_str()) {
                out.push(&a.suggestion);
            }
        }
        out
    }
}

fn percent(level: f64) -> String {
    short_number(100.0 * level)
}

fn relative(before: f64, after: f64) -> Option<f64> {
    (before > 0.0).then(|| (after - before) / before * 100.0)
}

/// A period's numbers (its start and change are filled in by the caller).
fn score(rows: &[&LoggedNumber], level: Option<f64>) -> PeriodErrors {
    let n = rows.len() as f64;
    let errors: Vec<f64> = rows.iter().map(|r| r.actual - r.predicted).collect();
    let with_interval: Vec<(f64, (f64, f64))> = rows.iter().filter_map(|r| r.interval.map(|i| (r.actual, i))).collect();
    let covered = with_interval.iter().filter(|(a, (lo, hi))| lo <= a && a <= hi).count();
    let m = with_interval.len();
    PeriodErrors {
        start: String::new(),
        rows: rows.len(),
        mae: errors.iter().map(|e| e.abs()).sum::<f64>() / n,
        rmse: (errors.iter().map(|e| e * e).sum::<f64>() / n).sqrt(),
        bias: errors.iter().sum::<f64>() / n,
        coverage: (m > 0).then(|| covered as f64 / m as f64),
        interval_rows: m,
        coverage_band: level.filter(|_| m > 0).map(|l| {
            let m64 = m as u64;
            (stats::binom_ppf(0.025, m64, l) as f64 / m as f64, stats::binom_ppf(0.975, m64, l) as f64 / m as f64)
        }),
        rmse_change: None,
    }
}

/// What the last period's rows say to do.
struct Advice {
    each: &'static str,
    median_error: f64,
    /// A symmetric half-width that covers the level's share of the last
    /// period's rows (its conformal rank), on the target's scale.
    half_width: Option<f64>,
    level: Option<f64>,
    concentration: Option<String>,
}

impl Advice {
    fn of(rows: &[&LoggedNumber], level: Option<f64>, inputs: &Inputs, each: &'static str) -> Advice {
        let mut errors: Vec<f64> = rows.iter().map(|r| r.actual - r.predicted).collect();
        errors.sort_by(f64::total_cmp);
        let mut abs: Vec<f64> = errors.iter().map(|e| e.abs()).collect();
        abs.sort_by(f64::total_cmp);
        let half_width = level.and_then(|l| {
            let k = ((abs.len() + 1) as f64 * l).ceil() as usize;
            (1..=abs.len()).contains(&k).then(|| abs[k - 1])
        });
        Advice {
            each,
            median_error: stats::quantile(&errors, 0.5),
            half_width,
            level,
            concentration: concentration(rows, inputs, each),
        }
    }

    fn recentre(&self, last: &PeriodErrors, band: Option<(f64, f64)>) -> String {
        let m = self.median_error;
        format!(
            "predictions run {} by a steady amount: the last {}'s median error (actual − prediction) is {} (mean {}{}); re-centre by {} {} {} every prediction until the model is retrained on recent rows",
            if m > 0.0 { "low" } else { "high" },
            self.each,
            short_number(m),
            short_number(last.bias),
            band.map_or(String::new(), |(lo, hi)| format!(
                ", where the model's test errors allow {} to {}",
                short_number(lo),
                short_number(hi)
            )),
            if m > 0.0 { "adding" } else { "subtracting" },
            short_number(m.abs()),
            if m > 0.0 { "to" } else { "from" }
        )
    }

    fn recalibrate(&self, last: &PeriodErrors, band: Option<(f64, f64)>) -> String {
        let stable = match band {
            Some((lo, hi)) => format!(
                " while the bias held ({} within {} to {})",
                short_number(last.bias),
                short_number(lo),
                short_number(hi)
            ),
            None => String::new(),
        };
        let width = match (self.half_width, self.level) {
            (Some(q), Some(l)) => format!(
                "; on the last {}'s rows a half-width of {} would cover {}%",
                self.each,
                short_number(q),
                percent(l)
            ),
            _ => String::new(),
        };
        format!("errors widened{stable}: recalibrate the interval on recent labelled rows (retrain with them){width}")
    }
}

/// Where the last period's squared error concentrates: the numeric input
/// and reference decile range whose share of the squared error is at
/// least twice its share of the rows and at least 30% of the whole.
fn concentration(rows: &[&LoggedNumber], inputs: &Inputs, each: &str) -> Option<String> {
    let mut best: Option<(f64, String)> = None;
    for (k, (name, edges)) in inputs.names.iter().zip(&inputs.edges).enumerate() {
        let mut sse = vec![0.0; edges.len() + 1];
        let mut count = vec![0usize; edges.len() + 1];
        for r in rows {
            if let Some(v) = r.inputs.get(k).copied().flatten().filter(|v| v.is_finite()) {
                let b = bin_of(edges, v);
                let e = r.actual - r.predicted;
                sse[b] += e * e;
                count[b] += 1;
            }
        }
        let (total_sse, total_rows): (f64, usize) = (sse.iter().sum(), count.iter().sum());
        if total_sse <= 0.0 || total_rows < 20 {
            continue;
        }
        let share = |from: usize, to: usize| {
            let e: f64 = sse[from..=to].iter().sum();
            let c: usize = count[from..=to].iter().sum();
            (e / total_sse, c as f64 / total_rows as f64, c)
        };
        for b in 0..sse.len() {
            let (share_sse, share_rows, rows_in) = share(b, b);
            if rows_in < 10 || share_sse < 0.3 || share_sse < 2.0 * share_rows {
                continue;
            }
            // Grow the range over neighbouring bins that carry more than
            // their share too, so it names the whole region, not its worst tenth.
            let (mut from, mut to) = (b, b);
            let heavy = |k: usize| sse[k] / total_sse >= 1.5 * count[k] as f64 / total_rows as f64 && count[k] > 0;
            while from > 0 && heavy(from - 1) {
                from -= 1;
            }
            while to + 1 < sse.len() && heavy(to + 1) {
                to += 1;
            }
            let (share_sse, share_rows, _) = share(from, to);
            let ratio = share_sse / share_rows;
            if best.as_ref().is_none_or(|(r, _)| ratio > *r) {
                let range = match (from.checked_sub(1).map(|i| edges[i]), edges.get(to)) {
                    (None, Some(hi)) => format!("at most {}", short_number(*hi)),
                    (Some(lo), None) => format!("above {}", short_number(lo)),
                    (Some(lo), Some(hi)) => format!("in ({}, {}]", short_number(lo), short_number(*hi)),
                    (None, None) => "anywhere".to_string(),
                };
                best = Some((
                    ratio,
                    format!(
                        "errors concentrate where '{name}' is {range}: {:.0}% of the last {each}'s squared error from {:.0}% of its rows; look at what changed for those rows, then retrain with them",
                        100.0 * share_sse,
                        100.0 * share_rows
                    ),
                ));
            }
        }
    }
    best.map(|b| b.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(day: i64, actual: f64, predicted: f64, half: f64, x: f64) -> LoggedNumber {
        LoggedNumber {
            time: (day * 86_400) as f64,
            actual,
            predicted,
            interval: Some((predicted - half, predicted + half)),
            inputs: vec![Some(x)],
        }
    }

    fn reference() -> ReferenceErrors {
        ReferenceErrors {
            rows: 400,
            mae: 0.8,
            rmse: 1.0,
            bias: 0.0,
            error_std: 1.0,
            level: Some(0.9),
            coverage: Some(0.9),
        }
    }

    fn inputs() -> Inputs {
        Inputs { names: vec!["x".into()], edges: vec![(1..10).map(|k| k as f64 * 10.0).collect()] }
    }

    /// Errors of ±1 in a fixed pattern: RMSE 1, bias 0.
    fn steady(day: i64, n: usize, shift: f64, spread: f64, x: impl Fn(usize) -> f64) -> Vec<LoggedNumber> {
        (0..n).map(|i| row(day, 10.0, 10.0 + shift + spread * [1.0, -1.0][i % 2], 1.7, x(i))).collect()
    }

    #[test]
    fn a_steady_log_raises_nothing() {
        let mut rows = steady(0, 100, 0.0, 1.0, |i| i as f64);
        rows.extend(steady(7, 100, 0.0, 1.0, |i| i as f64));
        let d = decay_numbers(&rows, Period::Week, 5.0, Some(0.9), Some(reference()), &inputs()).unwrap();
        assert_eq!(d.periods.len(), 2);
        assert!((d.periods[1].rmse - 1.0).abs() < 1e-12 && d.periods[1].bias.abs() < 1e-12);
        assert_eq!(d.periods[1].coverage, Some(1.0));
        assert!(!d.alert, "{:?}", d.alerts);
    }

    #[test]
    fn a_constant_shift_alarms_on_bias_and_suggests_recentring_by_the_median() {
        let mut rows = steady(0, 100, 0.0, 1.0, |i| i as f64);
        rows.extend(steady(7, 100, 2.0, 0.5, |i| i as f64));
        let d = decay_numbers(&rows, Period::Week, 5.0, Some(0.9), Some(reference()), &inputs()).unwrap();
        let kinds: Vec<&str> = d.alerts.iter().map(|a| a.kind.as_str()).collect();
        assert!(kinds.contains(&"bias"), "{kinds:?}");
        let bias = d.alerts.iter().find(|a| a.kind == "bias").unwrap();
        assert!(bias.suggestion.contains("subtracting 2"), "{}", bias.suggestion);
    }

    #[test]
    fn wider_errors_with_a_stable_bias_suggest_recalibrating() {
        let mut rows = steady(0, 200, 0.0, 1.0, |i| (i % 100) as f64);
        rows.extend(steady(7, 200, 0.0, 2.0, |i| (i % 100) as f64));
        let d = decay_numbers(&rows, Period::Week, 5.0, Some(0.9), Some(reference()), &inputs()).unwrap();
        let kinds: Vec<&str> = d.alerts.iter().map(|a| a.kind.as_str()).collect();
        assert_eq!(kinds, ["rmse_rise", "coverage"], "{:?}", d.alerts);
        assert_eq!(d.periods[1].coverage, Some(0.0));
        assert!(d.alerts[0].suggestion.starts_with("errors widened while the bias held"), "{}", d.alerts[0].suggestion);
        assert!(d.alerts[1].suggestion.contains("half-width of 2 would cover 90%"), "{}", d.alerts[1].suggestion);
    }

    #[test]
    fn errors_in_one_range_of_a_column_name_it() {
        let mut rows = steady(0, 200, 0.0, 1.0, |i| (i % 100) as f64);
        // The last week: errors of 6 where x > 90, of 1 elsewhere.
        rows.extend((0..200).map(|i| {
            let x = (i % 100) as f64;
            let e = if x > 90.0 { 6.0 } else { 1.0 };
            row(7, 10.0, 10.0 + e * [1.0, -1.0][i % 2], 1.7, x)
        }));
        let d = decay_numbers(&rows, Period::Week, 5.0, Some(0.9), Some(reference()), &inputs()).unwrap();
        assert_eq!(d.alerts[0].kind, "rmse_rise");
        assert!(
            d.alerts[0].suggestion.starts_with("errors concentrate where 'x' is above 90"),
            "{}",
            d.alerts[0].suggestion
        );
    }

    #[test]
    fn no_rows_and_bad_thresholds_are_refused() {
        assert!(decay_numbers(&[], Period::Week, 5.0, None, None, &Inputs::default()).is_err());
        let rows = steady(0, 10, 0.0, 1.0, |i| i as f64);
        assert!(decay_numbers(&rows, Period::Week, -1.0, None, None, &Inputs::default()).is_err());
    }
}
