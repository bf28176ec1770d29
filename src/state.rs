//! The page's state: plain data in signals, `Copy` so closures can take it
//! freely. No module below it: the controller changes it, the transport
//! fills it from the workers, the pages read it.

use std::collections::BTreeMap;
use std::sync::Arc;

use glassbox_pipeline::features::FeatureSpec;
use glassbox_pipeline::ingest::ReadOptions;
use glassbox_pipeline::model_file::Threshold;
use glassbox_pipeline::run::{FeaturePreview, LeaderboardEntry, TargetCheck};
use glassbox_pipeline::task::Task;
use glassbox_pipeline::{Inspection, TrainOutcome};
use leptos::prelude::*;

pub use crate::progress::{seconds, RunProgress};

/// What the app is busy with, if anything.
#[derive(Debug, Clone, PartialEq)]
pub enum Busy {
    Idle,
    Loading(String),
    Reading(ReadProgress),
    Training(String),
}

/// Whether the person's work is kept in this browser for the next visit.
#[derive(Debug, Clone, PartialEq)]
pub enum Keeping {
    /// Not known yet: the page is looking for kept work.
    Starting,
    /// Kept; the text says what (and what not, when the file is too big).
    On(String),
    /// The browser refuses storage; the text says so.
    /// Not kept (storage refused, or the file too big); the text says why.
    Off(String),
}

/// Progress of a file being read, for the progress bar.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadProgress {
    pub name: String,
    pub bytes_read: u64,
    pub total: u64,
    pub rows: usize,
    /// Milliseconds since reading began.
    pub elapsed_ms: f64,
    /// The worker's memory, as it last reported it.
    pub memory_bytes: u64,
}

impl ReadProgress {
    /// "12.5 MB of 1.0 GB · 210,000 rows/s · about 40 s left"
    pub fn text(&self) -> String {
        let secs = self.elapsed_ms / 1000.0;
        let rate = if secs > 0.0 { self.rows as f64 / secs } else { 0.0 };
        let left = if self.bytes_read > 0 && secs > 0.0 {
            let per_byte = secs / self.bytes_read as f64;
            format!(" · about {:.0} s left", per_byte * self.total.saturating_sub(self.bytes_read) as f64)
        } else {
            String::new()
        };
        let memory = if self.memory_bytes > 0 {
            format!(" · {} in memory", megabytes(self.memory_bytes))
        } else {
            String::new()
        };
        format!(
            "{} of {} · {} rows · {} rows/s{left}{memory}",
            megabytes(self.bytes_read),
            megabytes(self.total),
            group(self.rows as u64),
            group(rate as u64)
        )
    }
}

/// How the last read went, for the line above the schema.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReadStats {
    /// From the start of reading until the summary arrived.
    pub seconds: f64,
    pub bytes: u64,
    /// Workers that read the file: 2 when the reader's part was taken.
    pub workers: usize,
}

impl ReadStats {
    /// "read in 0.95 s, 105 MB/s", and "by 2 workers" when it was.
    pub fn text(&self) -> String {
        let rate = if self.seconds > 0.0 { self.bytes as f64 / 1e6 / self.seconds } else { 0.0 };
        let by = if self.workers > 1 { format!(" by {} workers", self.workers) } else { String::new() };
        // Below a megabyte the time is the fixed cost of starting, not
        // reading: a rate of "0 MB/s" looked broken, so none is given.
        if self.bytes < 1_000_000 {
            return format!("read in {:.2} s{by}", self.seconds);
        }
        let rate = if rate < 10.0 { format!("{rate:.1}") } else { format!("{rate:.0}") };
        format!("read in {:.2} s{by}, {rate} MB/s", self.seconds)
    }
}

/// All the page's state, `Copy` so closures can take it freely.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The name of the file loaded last.
    pub file: RwSignal<Option<String>>,
    pub inspection: RwSignal<Option<Arc<Inspection>>>,
    pub target: RwSignal<String>,
    /// Data records' values as the worker gave them (by 0-based record), and
    /// the columns they follow, for the rows a confusion-matrix cell lists.
    pub record_values: RwSignal<BTreeMap<usize, Vec<String>>>,
    pub record_columns: RwSignal<Vec<String>>,
    /// What training would decide about the target, asked as soon as it is
    /// picked (a refusal is shown next to the select, not after Train).
    pub target_check: RwSignal<Option<Arc<TargetCheck>>>,
    pub outcome: RwSignal<Option<Arc<TrainOutcome>>>,
    /// The decision threshold the person chose on the results page (two
    /// classes); it goes into the exported model.json.
    pub threshold: RwSignal<Option<Threshold>>,
    /// How the person chose it (the slider, best F1, least cost, a recall),
    /// which the model's recipe keeps.
    pub threshold_rule: RwSignal<Option<glassbox_pipeline::threshold::ThresholdRule>>,
    pub busy: RwSignal<Busy>,
    pub error: RwSignal<Option<String>>,
    /// A neutral message, such as "reading was cancelled".
    pub notice: RwSignal<Option<String>>,
    /// How to read the file, including column kinds the person set.
    pub read: RwSignal<ReadOptions>,
    /// A workbook's sheets (empty for any other file), the one read, and
    /// what reading the workbook, JSON Lines file or gzip decided, in words.
    pub sheets: RwSignal<Vec<glassbox_worker::SheetInfo>>,
    pub sheet: RwSignal<Option<String>>,
    pub file_notes: RwSignal<Vec<String>>,
    /// Roles the person set, by column: true = feature, false = ignore.
    pub roles: RwSignal<BTreeMap<String, bool>>,
    /// The task the person chose ("classification", "regression"), or "" to
    /// have it decided from the target.
    pub task: RwSignal<String>,
    /// The model to train, by name, and the folds of cross-validation (0 = none).
    pub model: RwSignal<String>,
    pub cv_folds: RwSignal<usize>,
    /// Weigh classes inversely to their frequency.
    pub balanced: RwSignal<bool>,
    /// The calibration method's name, or empty for none.
    pub calibration: RwSignal<String>,
    /// A regressor's target scale: "auto", "none" or "log1p".
    pub target_transform: RwSignal<String>,
    /// A regressor's prediction interval level ("0.9"), or "off".
    pub interval: RwSignal<String>,
    /// How the interval is calibrated: "auto", "split", "cv-plus" or "cqr".
    pub interval_method: RwSignal<String>,
    /// Validate in time order on this column ("" = no).
    pub time_column: RwSignal<String>,
    /// Hyper-parameter search: "", "random", "tpe" or "both".
    pub search: RwSignal<String>,
    /// After a search, a grid over the parameter that mattered most.
    pub refine: RwSignal<bool>,
    /// The transformed matrix's first rows, when asked for.
    pub feature_preview: RwSignal<Option<Arc<FeaturePreview>>>,
    /// The last comparison of models, best first.
    pub leaderboard: RwSignal<Option<Arc<Vec<LeaderboardEntry>>>>,
    /// The running training or comparison's progress.
    pub run_progress: RwSignal<Option<RunProgress>>,
    /// When the running training or comparison began, on the page's clock (ms).
    pub run_started_ms: RwSignal<f64>,
    /// The page's clock (ms), ticking while something runs, so elapsed times move.
    pub now_ms: RwSignal<f64>,
    /// The model is fitted and shown; its importance and explanations are being measured.
    pub explaining: RwSignal<bool>,
    /// Training runs started on this page; the results page takes the
    /// trained threshold once per run (not again when the explanations come).
    pub run_serial: RwSignal<u64>,
    pub threshold_serial: RwSignal<u64>,
    /// The feature pipeline the person set up.
    pub features: RwSignal<FeatureSpec>,
    /// The recipe dropped on the page for the open file: what its choices
    /// are where the page has no control for them (the seed, the test
    /// size, a model's parameters, the trials, the threshold rule).
    pub recipe: RwSignal<Option<Arc<glassbox_pipeline::TrainSpec>>>,
    /// The file that recipe was made from, to say so when a run's data is another.
    pub recipe_input: RwSignal<Option<glassbox_pipeline::recipe::Input>>,
    /// Workers for work that splits into jobs (comparing models).
    pub workers: RwSignal<usize>,
    /// How long the file took to read, shown beside its size.
    pub read_stats: RwSignal<Option<ReadStats>>,
    /// Whether the work is kept for a reload (`transport::keep`).
    pub keeping: RwSignal<Keeping>,
}

impl AppState {
    /// The state of a fresh page; `workers` is the pool size offered first.
    pub fn new(workers: usize) -> Self {
        AppState {
            file: RwSignal::new(None),
            inspection: RwSignal::new(None),
            target: RwSignal::new(String::new()),
            target_check: RwSignal::new(None),
            record_values: RwSignal::new(BTreeMap::new()),
            record_columns: RwSignal::new(Vec::new()),
            outcome: RwSignal::new(None),
            threshold: RwSignal::new(None),
            threshold_rule: RwSignal::new(None),
            recipe: RwSignal::new(None),
            recipe_input: RwSignal::new(None),
            busy: RwSignal::new(Busy::Idle),
            error: RwSignal::new(None),
            notice: RwSignal::new(None),
            read: RwSignal::new(ReadOptions::default()),
            sheets: RwSignal::new(Vec::new()),
            sheet: RwSignal::new(None),
            file_notes: RwSignal::new(Vec::new()),
            roles: RwSignal::new(BTreeMap::new()),
            task: RwSignal::new(String::new()),
            model: RwSignal::new("logistic_regression".to_string()),
            cv_folds: RwSignal::new(5),
            balanced: RwSignal::new(false),
            calibration: RwSignal::new(String::new()),
            target_transform: RwSignal::new("auto".to_string()),
            interval: RwSignal::new("0.9".to_string()),
            interval_method: RwSignal::new("auto".to_string()),
            time_column: RwSignal::new(String::new()),
            search: RwSignal::new(String::new()),
            refine: RwSignal::new(false),
            leaderboard: RwSignal::new(None),
            feature_preview: RwSignal::new(None),
            run_progress: RwSignal::new(None),
            run_started_ms: RwSignal::new(0.0),
            now_ms: RwSignal::new(0.0),
            explaining: RwSignal::new(false),
            run_serial: RwSignal::new(0),
            threshold_serial: RwSignal::new(0),
            features: RwSignal::new(FeatureSpec::default()),
            workers: RwSignal::new(workers),
            read_stats: RwSignal::new(None),
            keeping: RwSignal::new(Keeping::Starting),
        }
    }

    /// A run failed: not busy, and the message shown.
    pub fn fail(self, message: String) {
        self.finish_run();
        self.error.set(Some(message));
    }

    /// A run ended: not busy, no progress bar.
    pub fn finish_run(self) {
        self.busy.set(Busy::Idle);
        self.run_progress.set(None);
        self.explaining.set(false);
    }

    /// Shows `done` of `total` jobs of `stage` at `now_ms`; a new stage starts its own clock.
    pub fn show_progress(self, stage: String, done: usize, total: usize, now_ms: f64, paced: bool) {
        let run_started_ms = self.run_started_ms.get_untracked();
        self.now_ms.set(now_ms);
        self.run_progress.update(|p| {
            *p = Some(RunProgress::after(p.as_ref(), stage, done, total, run_started_ms, now_ms, paced));
        });
    }
}

/// Bytes as megabytes, or gigabytes from 1 GiB.
pub fn megabytes(b: u64) -> String {
    if b >= 1 << 30 {
        format!("{:.2} GB", b as f64 / 1e9)
    } else {
        format!("{:.1} MB", b as f64 / 1e6)
    }
}

/// 1234567 → "1,234,567".
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

impl AppState {
    /// The check of the current target, once it has come (`None` before,
    /// and for another target).
    pub fn current_check(self) -> Option<Arc<TargetCheck>> {
        let target = self.target.get();
        let task = self.task.with(|t| Task::parse(t).ok());
        self.target_check.get().filter(|c| c.target == target && c.task == task)
    }

    /// The task a run would have now: the current target check's (classes
    /// until it has come).
    pub fn task_now(self) -> Task {
        self.current_check().map_or(Task::Classification, |c| c.decided)
    }

    /// Why the current target cannot be trained on, if training would refuse it.
    pub fn target_problem(self) -> Option<String> {
        self.current_check().and_then(|c| c.problem.clone())
    }
}
