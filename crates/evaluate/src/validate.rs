//! Stratified k-fold cross-validation on the training rows.
//!
//! Every fold refits the whole preprocessing on its own training part, so no
//! statistic of a validation row reaches the model it is scored with; the
//! held-out test set is never passed in at all. Folds are drawn with a seeded
//! ChaCha generator: the same seed gives the same folds everywhere.

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use glassbox_core::control::Control;
use glassbox_core::error::{Error, ErrorKind, Result};
use glassbox_core::table::Table;
use glassbox_core::task::Task;

use crate::metrics::evaluate;

/// The metrics each fold of a classifier reports, by name.
pub const CV_METRICS: [&str; 4] = ["accuracy", "roc_auc", "f1_macro", "log_loss"];

/// The metrics each fold of a regressor reports, by name.
pub const REGRESSION_CV_METRICS: [&str; 3] = ["r2", "rmse", "mae"];

/// The metrics each fold of a run of `task` reports.
pub fn cv_metrics(task: Task) -> &'static [&'static str] {
    match task {
        Task::Classification => &CV_METRICS,
        Task::Regression => &REGRESSION_CV_METRICS,
    }
}

/// The metric that ranks models and scores search trials, and whether
/// higher is better: ROC AUC for classes, RMSE (lower is better) for numbers.
pub fn ranking_metric(task: Task) -> (&'static str, bool) {
    match task {
        Task::Classification => ("roc_auc", true),
        Task::Regression => ("rmse", false),
    }
}

/// What validation predicts for each of its rows: classes (indices below
/// `n_classes`) or numbers.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Classes { y: &'a [usize], n_classes: usize },
    Numbers(&'a [f64]),
}

/// A target's values at some positions, owned (a fold's part).
#[derive(Debug, Clone)]
pub enum Picked {
    Classes { y: Vec<usize>, n_classes: usize },
    Numbers(Vec<f64>),
}

impl Target<'_> {
    pub fn len(&self) -> usize {
        match self {
            Target::Classes { y, .. } => y.len(),
            Target::Numbers(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn task(&self) -> Task {
        match self {
            Target::Classes { .. } => Task::Classification,
            Target::Numbers(_) => Task::Regression,
        }
    }

    /// The values at `positions`, in their order.
    pub fn pick(&self, positions: &[usize]) -> Picked {
        match *self {
            Target::Classes { y, n_classes } => {
                Picked::Classes { y: positions.iter().map(|&p| y[p]).collect(), n_classes }
            }
            Target::Numbers(v) => Picked::Numbers(positions.iter().map(|&p| v[p]).collect()),
        }
    }

    /// `k` folds of the positions: stratified for classes, shuffled for
    /// numbers (scikit-learn's `KFold(shuffle=True)`: a stratified split of one class).
    pub fn folds(&self, k: usize, seed: u64) -> Result<Vec<Vec<usize>>> {
        match *self {
            Target::Classes { y, n_classes } => stratified_folds(y, n_classes, k, seed),
            Target::Numbers(v) => {
                if k > v.len() / 2 {
                    return Err(Error::new(
                        ErrorKind::BadSpec,
                        format!(
                            "{k}-fold cross-validation of {} rows leaves folds too small for an R² (two rows each); use at most {} folds",
                            v.len(),
                            (v.len() / 2).max(2)
                        ),
                    ));
                }
                stratified_folds(&vec![0; v.len()], 1, k, seed)
            }
        }
    }
}

impl Picked {
    pub fn target(&self) -> Target<'_> {
        match self {
            Picked::Classes { y, n_classes } => Target::Classes { y, n_classes: *n_classes },
            Picked::Numbers(v) => Target::Numbers(v),
        }
    }
}

/// One metric over the folds: mean, population standard deviation (as
/// `numpy.std`), and each fold's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    pub mean: f64,
    pub std: f64,
    pub folds: Vec<f64>,
}

/// What cross-validation reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvResult {
    pub folds: usize,
    pub seed: u64,
    pub metrics: BTreeMap<String, MetricSummary>,
    /// The curves' spread over the folds (mean ± std on a grid).
    #[serde(default)]
    pub bands: Option<crate::bands::CurveBands>,
}

/// One fold's rows and what the learner fitted on them: for tests and explanations.
#[derive(Debug, Clone)]
pub struct Fold<F> {
    pub train: Vec<usize>,
    pub validation: Vec<usize>,
    pub fitted: F,
}

/// What cross-validation returns: the summary, each fold with what was
/// fitted on it, and the summed timing.
pub type CvRun<F> = (CvResult, Vec<Fold<F>>, Timing);

/// Time spent fitting and predicting, summed over the folds, when the caller
/// supplies a clock (the pipeline reads none itself).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub fit_seconds: f64,
    pub predict_seconds: f64,
}

/// Splits positions `0..y.len()` into `k` folds: each class's positions are
/// shuffled, then dealt round the folds in turn, so every fold has each class
/// in proportion and fold sizes differ by at most one.
pub fn stratified_folds(y: &[usize], n_classes: usize, k: usize, seed: u64) -> Result<Vec<Vec<usize>>> {
    if k < 2 || k > y.len() {
        return Err(Error::new(
            ErrorKind::BadSpec,
            format!("cross-validation needs between 2 and {} folds here, got {k}", y.len()),
        ));
    }
    let mut counts = vec![0usize; n_classes];
    y.iter().for_each(|&c| counts[c] += 1);
    // Every fold's training part must hold every class, and stratifying
    // needs a member of each class per fold (scikit-learn only warns).
    if let Some(&smallest) = counts.iter().filter(|&&n| n > 0).min() {
        if smallest < k {
            return Err(Error::new(
                ErrorKind::BadSpec,
                format!(
                    "{k}-fold cross-validation needs at least {k} training rows of every class, but the smallest class has {smallest}; use at most {} folds",
                    smallest.max(2)
                ),
            ));
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut folds = vec![Vec::new(); k];
    let mut turn = 0;
    for class in 0..n_classes {
        let mut members: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        members.shuffle(&mut rng);
        for m in members {
            folds[turn % k].push(m);
            turn += 1;
        }
    }
    for f in &mut folds {
        f.sort_unstable();
    }
    Ok(folds)
}

/// The mean and population standard deviation of per-fold values, with them.
pub fn summary(values: Vec<f64>) -> MetricSummary {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let std = (values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n).sqrt();
    MetricSummary { mean, std, folds: values }
}

/// What evaluation fits and scores: the preprocessing and the model as
/// one. Evaluation never learns which model or which features it is: the
/// composer implements this, so a new model or transform needs no change here.
pub trait Learner: glassbox_core::control::MaybeSync {
    /// What one fit produces (fitted preprocessing and model, say).
    type Fitted: Send;
    /// Fits on `rows` of the table, whose classes or numbers are `target`, and nothing else.
    fn fit(&self, table: &Table, rows: &[usize], target: Target<'_>, control: &Control<'_>) -> Result<Self::Fitted>;
    /// Class probabilities for `rows`, one row of `n_classes` per row; for
    /// numbers one column, the prediction.
    fn predict_proba(&self, fitted: &Self::Fitted, table: &Table, rows: &[usize]) -> Result<Vec<Vec<f64>>>;
}

/// A fit with its scores (in [`cv_metrics`] order), timing and, for classes, curves.
type Scored<F> = (F, Vec<f64>, Timing, Option<crate::bands::FoldCurves>);

/// What is validated: a learner on some rows of a table.
pub struct Problem<'a, L> {
    pub table: &'a Table,
    /// Table rows to validate on (the training rows of a run), and their classes or numbers.
    pub rows: &'a [usize],
    pub target: Target<'a>,
    pub learner: &'a L,
}

impl<L: Learner> Problem<'_, L> {
    /// Fits the learner on `train` only, scores `validation`: the one place
    /// every fold and window goes through, so none can leak.
    fn fit_and_score(
        &self,
        train: &[usize],
        y_train: Target<'_>,
        validation: &[usize],
        y_val: Target<'_>,
        control: &Control<'_>,
    ) -> Result<Scored<L::Fitted>> {
        let t0 = control.now();
        let fitted = self.learner.fit(self.table, train, y_train, control)?;
        let t1 = control.now();
        let proba = self.learner.predict_proba(&fitted, self.table, validation)?;
        let timing = Timing { fit_seconds: t1 - t0, predict_seconds: control.now() - t1 };
        match y_val {
            Target::Classes { y, n_classes } => {
                let e = evaluate(y, &proba, n_classes);
                let curves = crate::bands::FoldCurves::of(&e.roc_curves, &e.pr_curves);
                Ok((fitted, vec![e.accuracy, e.roc_auc, e.macro_avg.f1, e.log_loss], timing, Some(curves)))
            }
            Target::Numbers(y) => {
                let predicted: Vec<f64> = proba.iter().map(|p| p[0]).collect();
                let m = crate::regression::regression_metrics(y, &predicted)?;
                let r2 = m.r2.ok_or_else(|| {
                    Error::new(ErrorKind::BadSpec, "a validation fold of one row has no R²: use fewer folds")
                })?;
                Ok((fitted, vec![r2, m.rmse, m.mae], timing, None))
            }
        }
    }
}

fn summaries(task: Task, per_metric: Vec<Vec<f64>>) -> BTreeMap<String, MetricSummary> {
    cv_metrics(task).iter().map(|m| m.to_string()).zip(per_metric.into_iter().map(summary)).collect()
}

/// One fold's scores, in [`cv_metrics`] order, and its fit and predict time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldScores {
    /// The task whose metrics `scores` are.
    #[serde(default)]
    pub task: Task,
    pub scores: Vec<f64>,
    pub timing: Timing,
    /// The fold's ROC and precision-recall curves on a fixed grid, for the
    /// bands that show their spread.
    #[serde(default)]
    pub curves: Option<crate::bands::FoldCurves>,
}

/// Fits and scores fold `i` of `folds` (positions into the problem's rows,
/// from [`stratified_folds`]): trains on every other fold. Any fold can run
/// anywhere (another thread, another worker) with the same result.
pub fn run_fold<L: Learner>(
    p: &Problem<'_, L>,
    folds: &[Vec<usize>],
    i: usize,
    control: &Control<'_>,
) -> Result<(Fold<L::Fitted>, FoldScores)> {
    let rows = p.rows;
    let validation_positions = &folds[i];
    let mut in_validation = vec![false; rows.len()];
    validation_positions.iter().for_each(|&p| in_validation[p] = true);
    let train_pos: Vec<usize> = (0..rows.len()).filter(|&p| !in_validation[p]).collect();
    let train: Vec<usize> = train_pos.iter().map(|&p| rows[p]).collect();
    let validation: Vec<usize> = validation_positions.iter().map(|&p| rows[p]).collect();
    let (y_train, y_val) = (p.target.pick(&train_pos), p.target.pick(validation_positions));
    let (fitted, scores, timing, curves) =
        p.fit_and_score(&train, y_train.target(), &validation, y_val.target(), control)?;
    Ok((Fold { train, validation, fitted }, FoldScores { task: p.target.task(), scores, timing, curves }))
}

/// The summary of folds' scores (in fold order), and their summed timing.
pub fn summarize(k: usize, seed: u64, folds: &[FoldScores]) -> (CvResult, Timing) {
    let task = folds.first().map_or(Task::Classification, |f| f.task);
    let mut per_metric: Vec<Vec<f64>> = vec![Vec::new(); cv_metrics(task).len()];
    let mut timing = Timing::default();
    for f in folds {
        for (slot, &v) in per_metric.iter_mut().zip(&f.scores) {
            slot.push(v);
        }
        timing.fit_seconds += f.timing.fit_seconds;
        timing.predict_seconds += f.timing.predict_seconds;
    }
    let curves: Option<Vec<&crate::bands::FoldCurves>> = folds.iter().map(|f| f.curves.as_ref()).collect();
    let bands = curves.and_then(|c| crate::bands::bands(&c));
    (CvResult { folds: k, seed, metrics: summaries(task, per_metric), bands }, timing)
}

/// Cross-validates the problem with `k` stratified folds, refitting the
/// preprocessing inside every fold. Folds run on the control's threads and
/// report as `cross-validation fold`; the model inside a fold gets no threads
/// of its own, so the work is split once.
pub fn cross_validate<L: Learner>(
    p: &Problem<'_, L>,
    k: usize,
    seed: u64,
    control: &Control<'_>,
) -> Result<CvRun<L::Fitted>> {
    let folds = p.target.folds(k, seed)?;
    let inner = Control { threads: 1, ..control.quiet() };
    let indices: Vec<usize> = (0..k).collect();
    let results = control.map("cross-validation fold", &indices, |&i| run_fold(p, &folds, i, &inner))?;
    let (out, scores): (Vec<Fold<L::Fitted>>, Vec<FoldScores>) = results.into_iter().unzip();
    let (cv, timing) = summarize(k, seed, &scores);
    Ok((cv, out, timing))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_stratified_balanced_and_seeded() {
        let y: Vec<usize> = (0..103).map(|i| usize::from(i % 3 == 0)).collect();
        let folds = stratified_folds(&y, 2, 5, 7).unwrap();
        let sizes: Vec<usize> = folds.iter().map(Vec::len).collect();
        assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1, "{sizes:?}");
        for f in &folds {
            let positives = f.iter().filter(|&&i| y[i] == 1).count();
            assert!((6..=7).contains(&positives), "35 positives over 5 folds: {positives}");
        }
        let mut all: Vec<usize> = folds.concat();
        all.sort();
        assert_eq!(all, (0..103).collect::<Vec<_>>());
        assert_eq!(folds, stratified_folds(&y, 2, 5, 7).unwrap());
        assert_ne!(folds, stratified_folds(&y, 2, 5, 8).unwrap());
        assert!(stratified_folds(&y, 2, 1, 7).is_err());
    }

    #[test]
    fn summary_is_mean_and_population_std() {
        let s = summary(vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!((s.mean, s.std), (2.5, 1.25f64.sqrt()));
    }
}

/// How time windows grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowMode {
    /// Train on everything before the window: "how will it do next period?"
    Expanding,
    /// Train on the one block just before the window: a fixed-length memory.
    Rolling,
}

/// One time window: what trained, what was scored, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeWindow {
    pub n_train: usize,
    pub n_test: usize,
    /// Time values (UTC seconds for a datetime column) spanned by each part.
    pub train_from: f64,
    pub train_to: f64,
    pub test_from: f64,
    pub test_to: f64,
}

/// Time-ordered validation: train on the past, score the next window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeCvResult {
    pub time_column: String,
    pub mode: WindowMode,
    pub windows: Vec<TimeWindow>,
    /// Rows left out because their time is missing.
    pub rows_without_time: usize,
    pub metrics: BTreeMap<String, MetricSummary>,
}

/// Sorts `rows` by the time column, cuts them into `n_windows + 1` equal
/// consecutive blocks, and for each window after the first trains on the
/// past (all earlier blocks, or only the previous one when rolling) and
/// scores the window. The preprocessing is refitted for every window.
pub fn time_validate<L: Learner>(
    p: &Problem<'_, L>,
    time_column: usize,
    n_windows: usize,
    mode: WindowMode,
    control: &Control<'_>,
) -> Result<TimeCvResult> {
    let col = &p.table.columns[time_column];
    if !col.kind.is_numeric() {
        return Err(Error::new(
            ErrorKind::BadSpec,
            format!("the time column '{}' is {}, not a datetime or a number", col.name, col.kind.as_str()),
        ));
    }
    // (time, table row, position among the problem's rows)
    let mut timed: Vec<(f64, usize, usize)> =
        p.rows.iter().enumerate().filter_map(|(i, &r)| col.number(r).map(|t| (t, r, i))).collect();
    let rows_without_time = p.rows.len() - timed.len();
    // Stable sort: rows at the same instant keep file order.
    timed.sort_by(|a, b| a.0.total_cmp(&b.0));
    let blocks = n_windows + 1;
    if n_windows < 1 || timed.len() < blocks * 2 {
        return Err(Error::new(
            ErrorKind::BadSpec,
            format!("{} timed rows are too few for {n_windows} time windows", timed.len()),
        ));
    }
    let bound = |b: usize| b * timed.len() / blocks;
    let task = p.target.task();
    let mut per_metric: Vec<Vec<f64>> = vec![Vec::new(); cv_metrics(task).len()];
    let mut windows = Vec::with_capacity(n_windows);
    for w in 1..blocks {
        let train_start = if mode == WindowMode::Rolling { bound(w - 1) } else { 0 };
        let (train, test) = (&timed[train_start..bound(w)], &timed[bound(w)..bound(w + 1)]);
        let train_rows: Vec<usize> = train.iter().map(|t| t.1).collect();
        let test_rows: Vec<usize> = test.iter().map(|t| t.1).collect();
        let y_train = p.target.pick(&train.iter().map(|t| t.2).collect::<Vec<_>>());
        let y_test = p.target.pick(&test.iter().map(|t| t.2).collect::<Vec<_>>());
        let (_, scores, _, _) =
            p.fit_and_score(&train_rows, y_train.target(), &test_rows, y_test.target(), &control.quiet())?;
        control.report("time window", w, n_windows)?;
        for (slot, v) in per_metric.iter_mut().zip(scores) {
            slot.push(v);
        }
        windows.push(TimeWindow {
            n_train: train.len(),
            n_test: test.len(),
            train_from: train[0].0,
            train_to: train[train.len() - 1].0,
            test_from: test[0].0,
            test_to: test[test.len() - 1].0,
        });
    }
    Ok(TimeCvResult {
        time_column: col.name.clone(),
        mode,
        windows,
        rows_without_time,
        metrics: summaries(task, per_metric),
    })
}
