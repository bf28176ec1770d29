//! Retraining composed: a challenger trained by the current model's recipe
//! on new labelled rows is compared with the current model on the rows
//! neither trained on, and promoted only when it is better by more than
//! those rows' noise.
//!
//! The rows compared are the challenger's test rows, the slice of the new
//! data its recipe held out (stratified, seeded): the challenger never
//! fitted on them, and the current model was fitted before they existed.
//! Both models score the same rows, so each metric's difference gets a
//! paired bootstrap interval ([`crate::bootstrap`]), seeded by the recipe's
//! seed. The rule: the headline metric (ROC AUC for classes, RMSE for a
//! number) must be better and its interval must not reach zero; anything
//! less keeps the current model, which has been trusted in production.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::model_file::ModelFile;
use crate::run::Prediction;
use crate::task::Task;
use crate::TrainOutcome;
use glassbox_evaluate::bootstrap::{paired, PairedInterval};

/// Resamples of the paired bootstrap.
pub const RESAMPLES: usize = 1000;
/// The bootstrap interval's level.
pub const LEVEL: f64 = 0.95;

/// The challenger beside the current model, and the decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// Whether the challenger replaces the current model.
    pub promoted: bool,
    /// The decision in words.
    pub verdict: String,
    /// The rule it was made by.
    pub rule: String,
    pub task: Task,
    /// Which rows were compared, in words.
    pub held_out: String,
    /// Rows both models scored.
    pub rows: usize,
    /// Held-out rows the current model could not read, left out.
    pub rows_unscored: usize,
    pub resamples: usize,
    pub level: f64,
    pub seed: u64,
    pub current: ModelSummary,
    pub challenger: ModelSummary,
    /// The headline metric first.
    pub metrics: Vec<MetricComparison>,
}

/// What a compared model is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSummary {
    pub model: String,
    pub params: String,
    /// The SHA-256 of the data it was trained on.
    pub trained_on: String,
}

/// One metric for both models on the same rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricComparison {
    pub metric: String,
    pub higher_is_better: bool,
    pub current: f64,
    pub challenger: f64,
    /// challenger − current.
    pub difference: f64,
    /// The paired bootstrap interval of the difference; `None` when too
    /// few resamples had a score (a test set of one class has no ROC AUC).
    pub interval: Option<PairedInterval>,
    /// Better for the challenger, with an interval that does not reach 0.
    pub beyond_noise: bool,
}

/// A metric over chosen rows: the model's score from (actual, output) pairs.
struct Metric {
    name: &'static str,
    higher_is_better: bool,
    score: fn(&[usize], &Truth, &Side) -> Option<f64>,
}

/// The compared rows' truth: the class, in the challenger's order, or the number.
#[derive(Default)]
struct Truth {
    classes: Vec<usize>,
    n_classes: usize,
    values: Vec<f64>,
}

/// One model's outputs on the compared rows: the probabilities in the
/// challenger's class order and the class predicted, or the number.
#[derive(Default)]
struct Side {
    proba: Vec<Vec<f64>>,
    predicted: Vec<usize>,
    predictions: Vec<f64>,
}

/// Compares `challenger` with `current`, whose predictions for every
/// record of the new data are `scored` (`glassbox predict`'s, refusing
/// missing columns), on the challenger's test rows.
pub fn compare(current: &ModelFile, scored: &Prediction, challenger: &TrainOutcome) -> Result<Comparison> {
    let task = current.task;
    let challenger_task = if challenger.regression.is_some() { Task::Regression } else { Task::Classification };
    if task != challenger_task {
        return Err(Error::new(
            ErrorKind::BadSpec,
            format!("the current model predicts {} but the new one {}", what(task), what(challenger_task)),
        ));
    }
    let seed = challenger.manifest.seed;
    let mut truth = Truth { n_classes: challenger.classes.len(), ..Truth::default() };
    // The current model, then the challenger.
    let mut sides = [Side::default(), Side::default()];
    let mut unscored = 0;
    let threshold = current.threshold.as_ref().map(|t| t.value);
    match &challenger.regression {
        None => {
            // The current model's classes, put in the challenger's order;
            // a class it never saw has probability 0.
            let order: Vec<Option<usize>> =
                challenger.classes.iter().map(|c| current.classes.iter().position(|k| k == c)).collect();
            for t in &challenger.test_predictions {
                let Some(row) = scored.rows.get(t.row).filter(|r| !r.proba.is_empty()) else {
                    unscored += 1;
                    continue;
                };
                let theirs = glassbox_core::decide(&row.proba, threshold);
                let mapped: Vec<f64> = order.iter().map(|o| o.map_or(0.0, |i| row.proba[i])).collect();
                truth.classes.push(t.actual);
                sides[0].proba.push(mapped);
                sides[1].proba.push(t.proba.clone());
                // A class the challenger does not know is never right.
                sides[0]
                    .predicted
                    .push(challenger.classes.iter().position(|c| *c == current.classes[theirs]).unwrap_or(usize::MAX));
                sides[1].predicted.push(t.predicted);
            }
        }
        Some(r) => {
            for t in &r.test_predictions {
                let Some(value) = scored.rows.get(t.row).and_then(|r| r.value) else {
                    unscored += 1;
                    continue;
                };
                truth.values.push(t.actual);
                sides[0].predictions.push(value);
                sides[1].predictions.push(t.predicted);
            }
        }
    }
    let n = truth.classes.len().max(truth.values.len());
    if n == 0 {
        return Err(Error::new(ErrorKind::BadSpec, "no held-out row could be scored by both models"));
    }
    let metrics = metrics_for(task);
    let all: Vec<usize> = (0..n).collect();
    let mut compared = Vec::new();
    for (k, m) in metrics.iter().enumerate() {
        let on = |rows: &[usize], model: usize| (m.score)(rows, &truth, &sides[model]);
        let current_value = on(&all, 0).unwrap_or(f64::NAN);
        let challenger_value = on(&all, 1).unwrap_or(f64::NAN);
        // One stream per metric, so adding a metric changes no other's interval.
        let interval = paired(n, RESAMPLES, LEVEL, seed.wrapping_add(k as u64), |rows| {
            Some((on(rows, 0)?, on(rows, 1)?)).filter(|(a, b)| a.is_finite() && b.is_finite())
        });
        let better = |d: f64| if m.higher_is_better { d > 0.0 } else { d < 0.0 };
        let beyond_noise = interval.as_ref().is_some_and(|i| better(i.low) && better(i.high));
        compared.push(MetricComparison {
            metric: m.name.to_string(),
            higher_is_better: m.higher_is_better,
            current: current_value,
            challenger: challenger_value,
            difference: challenger_value - current_value,
            interval,
            beyond_noise,
        });
    }
    let head = &compared[0];
    let promoted = head.beyond_noise;
    let percent = LEVEL * 100.0;
    let rule = format!(
        "promote when the new model's {} is {} than the current model's and the {percent:.0}% paired bootstrap interval of the difference ({RESAMPLES} resamples of the held-out rows, seed {seed}) does not reach 0",
        words(&head.metric),
        if head.higher_is_better { "higher" } else { "lower" }
    );
    let verdict = match (&head.interval, promoted) {
        (_, true) => format!(
            "promoted: the new model's {} is {} against {}, a difference of {} ({percent:.0}% interval {} to {})",
            words(&head.metric),
            four(head.challenger),
            four(head.current),
            signed(head.difference),
            signed(head.interval.as_ref().map_or(f64::NAN, |i| i.low)),
            signed(head.interval.as_ref().map_or(f64::NAN, |i| i.high))
        ),
        (Some(i), false) => format!(
            "kept the current model: the new model's {} is {} against {}, a difference of {} whose {percent:.0}% interval ({} to {}) {}",
            words(&head.metric),
            four(head.challenger),
            four(head.current),
            signed(head.difference),
            signed(i.low),
            signed(i.high),
            if (head.higher_is_better && i.high <= 0.0) || (!head.higher_is_better && i.low >= 0.0) {
                "says it is worse"
            } else {
                "reaches 0: no better than the test rows' noise"
            }
        ),
        (None, false) => format!(
            "kept the current model: the {} of {n} held-out rows could not be compared over resamples (too few rows of some class)",
            words(&head.metric)
        ),
    };
    let m = &challenger.manifest;
    Ok(Comparison {
        promoted,
        verdict,
        rule,
        task,
        held_out: format!(
            "the new data's test rows: {} of its {} labelled rows, held out by the recipe's {} split (seed {seed}); the new model never fitted on them, the current model was trained on {}",
            m.n_test,
            m.n_train + m.n_test + m.n_calibration,
            if task == Task::Classification { "stratified" } else { "shuffled" },
            short(&current.provenance.input_sha256)
        ),
        rows: n,
        rows_unscored: unscored,
        resamples: RESAMPLES,
        level: LEVEL,
        seed,
        current: ModelSummary {
            model: current.spec.name().to_string(),
            params: current.spec.params_text(),
            trained_on: current.provenance.input_sha256.clone(),
        },
        challenger: ModelSummary { model: m.model.clone(), params: m.params.clone(), trained_on: m.input_sha256.clone() },
        metrics: compared,
    })
}

impl Comparison {
    /// `comparison.json`: pretty, with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a comparison always serialises");
        s.push('\n');
        s
    }
}

/// `v` at `rows`.
fn pick(v: &[usize], rows: &[usize]) -> Vec<usize> {
    rows.iter().map(|&r| v[r]).collect()
}

/// The regression metrics of one model at `rows`.
fn numbers(rows: &[usize], t: &Truth, s: &Side) -> Option<crate::regression::RegressionMetrics> {
    let (y, p): (Vec<f64>, Vec<f64>) = rows.iter().map(|&r| (t.values[r], s.predictions[r])).unzip();
    crate::regression::regression_metrics(&y, &p).ok()
}

/// One model's probabilities at `rows`.
fn proba_at(rows: &[usize], s: &Side) -> Vec<Vec<f64>> {
    rows.iter().map(|&r| s.proba[r].clone()).collect()
}

fn metrics_for(task: Task) -> Vec<Metric> {
    match task {
        Task::Classification => vec![
            Metric {
                name: "roc_auc",
                higher_is_better: true,
                score: |rows, t, s| {
                    let curves = crate::metrics::roc_curves(&pick(&t.classes, rows), &proba_at(rows, s), t.n_classes);
                    Some(crate::metrics::roc_auc(&curves)).filter(|auc| auc.is_finite())
                },
            },
            Metric {
                name: "accuracy",
                higher_is_better: true,
                score: |rows, t, s| Some(crate::metrics::accuracy(&pick(&t.classes, rows), &pick(&s.predicted, rows))),
            },
            Metric {
                name: "log_loss",
                higher_is_better: false,
                score: |rows, t, s| Some(crate::metrics::log_loss(&pick(&t.classes, rows), &proba_at(rows, s))),
            },
        ],
        Task::Regression => vec![
            Metric { name: "rmse", higher_is_better: false, score: |rows, t, s| numbers(rows, t, s).map(|m| m.rmse) },
            Metric { name: "mae", higher_is_better: false, score: |rows, t, s| numbers(rows, t, s).map(|m| m.mae) },
            Metric { name: "r2", higher_is_better: true, score: |rows, t, s| numbers(rows, t, s).and_then(|m| m.r2) },
        ],
    }
}

/// A metric's name as a sentence says it.
pub fn words(metric: &str) -> &str {
    match metric {
        "roc_auc" => "ROC AUC",
        "log_loss" => "log loss",
        "rmse" => "RMSE",
        "mae" => "MAE",
        "r2" => "R²",
        other => other,
    }
}

fn what(task: Task) -> &'static str {
    match task {
        Task::Classification => "classes",
        Task::Regression => "a number",
    }
}

fn four(v: f64) -> String {
    format!("{v:.4}")
}

fn signed(v: f64) -> String {
    format!("{v:+.4}")
}

fn short(sha: &str) -> String {
    format!("data with SHA-256 {}…", sha.get(..12).unwrap_or(sha))
}
