//! The workflow as three calls: `inspect`, `train`, `predict`.
//!
//! These compose the modules (ingest → quality → features → split → model →
//! metrics) and return plain data that the worker sends to the UI and the CLI
//! writes out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::control::Control;
use crate::error::{Error, ErrorKind, Result};
use crate::features;
use crate::ingest::{self, ColumnKind, Format, ReadOptions, Rename, RowIssue, Table};
use crate::labels::order_labels;
use crate::metrics::{evaluate, ClassScores, Evaluation, RocCurve};
use crate::model::{argmax, ModelSpec};
use crate::model_file::{ModelFile, Provenance, Schema, SchemaColumn, FORMAT_VERSION};
use crate::quality::{self, Flag};
use crate::split::stratified_split;
use crate::validate;
pub use glassbox_serve::predict::{predict, PredictedRow, Prediction};

/// Column names that are preselected as the target when present.
const LIKELY_TARGETS: [&str; 6] = ["diagnosis", "species", "target", "label", "class", "y"];

/// A target with more distinct values than this is not a classification target.
const MAX_CLASSES: usize = 1000;

/// How many rows the preview shows.
pub const PREVIEW_ROWS: usize = 10;

/// A summary of one column for the preview and the schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSummary {
    pub name: String,
    pub original_name: String,
    pub kind: ColumnKind,
    pub missing: usize,
    pub distinct: usize,
    /// Left out of the features by default, because of a flag.
    pub excluded: bool,
    pub flags: Vec<Flag>,
    /// For a numbers column: counts in [`HISTOGRAM_BINS`] equal-width bins from `range.0` to `range.1`.
    pub histogram: Vec<usize>,
    pub range: Option<(f64, f64)>,
    /// For a categorical column: the most frequent values with their counts, most frequent first.
    pub top: Vec<(String, usize)>,
}

/// Bins of the small histograms in the schema panel.
pub const HISTOGRAM_BINS: usize = 12;
/// Categories listed per column in the schema panel.
const TOP_CATEGORIES: usize = 3;

/// A small histogram of a numbers column, and its range.
fn histogram(c: &crate::ingest::Column) -> (Vec<usize>, Option<(f64, f64)>) {
    let numbers = c.numbers().unwrap_or_default();
    let values = numbers.iter().copied().filter(|v| !v.is_nan());
    // Compared, not `f64::min`: in wasm that is a call to libm's `fmin` per
    // value (its NaN rules), 13 ms of a 100 MB file's summary; these values
    // hold no NaN.
    let (lo, hi) = values.clone().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (if v < lo { v } else { lo }, if v > hi { v } else { hi })
    });
    if lo > hi {
        return (Vec::new(), None);
    }
    let width = (hi - lo) / HISTOGRAM_BINS as f64;
    if width == 0.0 {
        let mut bins = vec![0usize; HISTOGRAM_BINS];
        bins[0] = values.count();
        return (bins, Some((lo, hi)));
    }
    // Four sets of counters, one per lane: with one, runs of values in the
    // same bin waited on each other's increments. Natively the mixed 100 MB
    // file's histograms took 76 of its 188 ms summary, now 60 of 172; the
    // division stays, as multiplying by the inverse moves values on bin edges.
    let bin = |v: f64| (((v - lo) / width) as usize).min(HISTOGRAM_BINS - 1);
    let mut lanes = [[0usize; HISTOGRAM_BINS]; 4];
    let mut quads = numbers.chunks_exact(4);
    for q in &mut quads {
        for (lane, &v) in lanes.iter_mut().zip(q) {
            if !v.is_nan() {
                lane[bin(v)] += 1;
            }
        }
    }
    for &v in quads.remainder().iter().filter(|v| !v.is_nan()) {
        lanes[0][bin(v)] += 1;
    }
    let bins = (0..HISTOGRAM_BINS).map(|k| lanes.iter().map(|l| l[k]).sum()).collect();
    (bins, Some((lo, hi)))
}

/// The most frequent categories, ties broken by the text.
fn top_categories(c: &crate::ingest::Column) -> Vec<(String, usize)> {
    let Some(codes) = c.codes() else { return Vec::new() };
    let mut counts = vec![0usize; codes.dictionary.len()];
    for &k in &codes.codes {
        if let Some(n) = counts.get_mut(k as usize) {
            *n += 1;
        }
    }
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then_with(|| codes.dictionary[a].cmp(&codes.dictionary[b])));
    order.into_iter().take(TOP_CATEGORIES).map(|k| (codes.dictionary[k].clone(), counts[k])).collect()
}

/// What the app shows before training: how the file was read, the columns,
/// the first rows, and the rows that could not be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inspection {
    pub format: Format,
    pub n_rows: usize,
    pub n_records: usize,
    pub columns: Vec<ColumnSummary>,
    /// The first rows as text, missing cells as empty strings.
    pub preview: Vec<Vec<String>>,
    pub renamed: Vec<Rename>,
    pub row_issues: Vec<RowIssue>,
    pub suggested_target: String,
    /// Rows that repeat an earlier row exactly.
    pub duplicate_rows: usize,
    /// Rows per class of the suggested target, in class order; empty when it
    /// is not a usable target.
    pub class_balance: Vec<(String, usize)>,
}

fn summarise(table: &Table, flags: &[Vec<Flag>]) -> Vec<ColumnSummary> {
    table
        .columns
        .iter()
        .zip(flags)
        .map(|(c, f)| {
            let (histogram, range) = histogram(c);
            ColumnSummary {
                histogram,
                range,
                top: top_categories(c),
                name: c.name.clone(),
                original_name: c.original_name.clone(),
                kind: c.kind,
                missing: c.missing_count(),
                distinct: c.distinct_count(),
                excluded: quality::excluded(f),
                flags: f.clone(),
            }
        })
        .collect()
}

/// Reads the CSV and summarises it. With a `target`, the summary also has the
/// target-dependent flags (leakage, strong single predictors) on all labelled rows.
pub fn inspect(bytes: &[u8], read: &ReadOptions, target: Option<&str>) -> Result<Inspection> {
    inspect_table(&ingest::read_csv(bytes, read)?, target)
}

/// Summarises a table that has been read already (see [`inspect`]).
pub fn inspect_table(table: &Table, target: Option<&str>) -> Result<Inspection> {
    let names = table.column_names();
    let suggested_target = match target {
        Some(t) => table.columns[find_column(table, t)?].name.clone(),
        None => LIKELY_TARGETS
            .iter()
            .find(|t| names.iter().any(|n| n == *t))
            .map(|t| t.to_string())
            .unwrap_or_else(|| names.last().cloned().unwrap_or_default()),
    };
    let mut flags: Vec<Vec<Flag>> = table.columns.iter().map(quality::column_flags).collect();
    if let Some(t) = target {
        let labels = Labels::of(table, find_column(table, t)?)?;
        for (i, c) in table.columns.iter().enumerate().filter(|(i, _)| *i != labels.column) {
            flags[i].extend(quality::target_flags(c, &labels.rows, &labels.y, &labels.classes));
        }
        flags[labels.column].clear();
    }
    let preview = (0..table.n_rows.min(PREVIEW_ROWS))
        .map(|r| table.columns.iter().map(|c| c.text(r).map(|t| t.into_owned()).unwrap_or_default()).collect())
        .collect();
    let class_balance = find_column(table, &suggested_target)
        .and_then(|i| Labels::of(table, i))
        .map(|l| {
            let mut counts = vec![0usize; l.classes.len()];
            for &c in &l.y {
                counts[c] += 1;
            }
            l.classes.into_iter().zip(counts).collect()
        })
        .unwrap_or_default();
    Ok(Inspection {
        duplicate_rows: quality::duplicate_rows(table),
        class_balance,
        columns: summarise(table, &flags),
        format: table.format.clone(),
        n_rows: table.n_rows,
        n_records: table.n_records,
        preview,
        renamed: table.renamed.clone(),
        row_issues: table.row_issues.clone(),
        suggested_target,
    })
}

/// What the person chose for a training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSpec {
    /// The target column, as in the header or as normalised.
    pub target: String,
    pub seed: u64,
    pub test_size: f64,
    pub model: ModelSpec,
    pub read: ReadOptions,
    /// Cross-validate on the training rows with this many folds.
    pub cv: Option<usize>,
    /// Weigh classes inversely to their frequency, as scikit-learn's
    /// `class_weight="balanced"` (models that take weights).
    #[serde(default)]
    pub balanced: bool,
    /// Also validate in time order on this datetime (or numeric) column.
    #[serde(default)]
    pub time_column: Option<String>,
    /// Windows for time-ordered validation, and how they grow.
    #[serde(default = "default_windows")]
    pub time_windows: usize,
    #[serde(default = "default_window_mode")]
    pub window: validate::WindowMode,
    /// Search the model's hyper-parameters with these samplers (same budget
    /// and seed each), and train the final model with the best trial's.
    #[serde(default)]
    pub search: Vec<crate::search::Sampler>,
    /// Trials per sampler.
    #[serde(default = "default_trials")]
    pub trials: usize,
    /// The feature pipeline: imputation, scaling, bins, encodings, date parts.
    #[serde(default)]
    pub features: features::FeatureSpec,
    /// Columns left out of the features, by name.
    pub drop: Vec<String>,
    /// Flagged columns kept as features anyway, by name.
    pub keep: Vec<String>,
}

fn default_trials() -> usize {
    20
}

fn default_windows() -> usize {
    4
}

fn default_window_mode() -> validate::WindowMode {
    validate::WindowMode::Expanding
}

impl Default for TrainSpec {
    fn default() -> Self {
        TrainSpec {
            target: String::new(),
            seed: 42,
            test_size: 0.2,
            model: ModelSpec::default(),
            read: ReadOptions::default(),
            cv: None,
            balanced: false,
            time_column: None,
            time_windows: default_windows(),
            window: default_window_mode(),
            search: Vec::new(),
            trials: default_trials(),
            features: features::FeatureSpec::default(),
            drop: Vec::new(),
            keep: Vec::new(),
        }
    }
}

/// The role a column played in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Feature,
    Target,
    /// Left out because of a flag.
    Excluded,
    /// Left out because the person said so.
    Dropped,
}

/// A column of the run's schema with its role and flags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnReport {
    pub name: String,
    pub original_name: String,
    pub kind: ColumnKind,
    pub role: Role,
    pub missing: usize,
    pub flags: Vec<Flag>,
}

/// Exactly how a run was made: the report's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The input's base name only, never a path.
    pub file_name: String,
    pub input_sha256: String,
    pub format: Format,
    pub n_rows: usize,
    pub n_columns: usize,
    /// Data records in the file, including the ones that could not be read.
    pub n_records: usize,
    pub rows_skipped: usize,
    pub target: String,
    pub rows_missing_target: usize,
    pub n_train: usize,
    pub n_test: usize,
    pub seed: u64,
    pub test_size: f64,
    pub model: String,
    pub params: String,
    /// The feature pipeline's settings, as a line of text.
    pub preprocessing: String,
    pub columns: Vec<ColumnReport>,
    pub feature_names: Vec<String>,
    pub glassbox_version: String,
}

/// One test row with its truth, prediction and probabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestPrediction {
    /// 0-based index of the data record in the file.
    pub row: usize,
    /// 1-based line of the record in the file.
    pub line: u64,
    pub actual: usize,
    pub predicted: usize,
    pub proba: Vec<f64>,
}

/// Everything a training run produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOutcome {
    pub manifest: Manifest,
    pub classes: Vec<String>,
    pub evaluation: Evaluation,
    pub test_predictions: Vec<TestPrediction>,
    pub row_issues: Vec<RowIssue>,
    pub model: ModelFile,
    /// Cross-validation on the training rows, when asked for.
    pub cv: Option<validate::CvResult>,
    /// Time-ordered validation on the training rows, when asked for.
    pub time_cv: Option<validate::TimeCvResult>,
    /// Hyper-parameter searches, one per sampler, when asked for.
    pub search: Vec<crate::search::SearchResult>,
    /// The final model's fit (preprocessed training rows) and test-set
    /// predict times, when the caller lent a clock; never in `metrics.json`
    /// or the report, which hold only what the input and settings determine.
    #[serde(default)]
    pub timing: validate::Timing,
    /// Warnings about the final model (for example, it did not converge).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// How the final fit went (for example, when boosting stopped).
    #[serde(default)]
    pub notes: Vec<String>,
}

/// The `metrics.json` document: held-out test metrics with class labels as keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsJson {
    pub classes: Vec<String>,
    pub test_rows: Vec<usize>,
    pub accuracy: f64,
    pub roc_auc: f64,
    pub log_loss: f64,
    pub confusion_matrix: Vec<Vec<usize>>,
    pub per_class: BTreeMap<String, ClassScores>,
    pub macro_avg: ClassScores,
    pub weighted_avg: ClassScores,
    pub rows_missing_target: usize,
    pub rows_skipped: usize,
    pub roc_curves: Vec<RocCurve>,
    /// Per metric: mean, std and each fold, when cross-validation ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv: Option<BTreeMap<String, validate::MetricSummary>>,
    /// Time-ordered validation: windows and per-metric summaries, when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_cv: Option<validate::TimeCvResult>,
    /// Every search trial: sampler, parameters, score (mean CV ROC AUC).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub search: Vec<crate::search::Trial>,
}

impl TrainOutcome {
    pub fn test_rows(&self) -> Vec<usize> {
        self.test_predictions.iter().map(|p| p.row).collect()
    }

    pub fn metrics_json(&self) -> String {
        let e = &self.evaluation;
        let doc = MetricsJson {
            classes: self.classes.clone(),
            test_rows: self.test_rows(),
            accuracy: e.accuracy,
            roc_auc: e.roc_auc,
            log_loss: e.log_loss,
            confusion_matrix: e.confusion_matrix.clone(),
            per_class: self.classes.iter().cloned().zip(e.per_class.iter().copied()).collect(),
            macro_avg: e.macro_avg,
            weighted_avg: e.weighted_avg,
            rows_missing_target: self.manifest.rows_missing_target,
            rows_skipped: self.manifest.rows_skipped,
            roc_curves: e.roc_curves.clone(),
            cv: self.cv.as_ref().map(|c| c.metrics.clone()),
            time_cv: self.time_cv.clone(),
            search: self.search.iter().flat_map(|s| s.trials.iter().cloned()).collect(),
        };
        let mut s = serde_json::to_string_pretty(&doc).expect("metrics always serialise");
        s.push('\n');
        s
    }
}

/// SHA-256 of the bytes as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// The base name of a path, whichever separator it uses, so no local path
/// ever reaches a report.
pub fn base_name(path: &str) -> String {
    path.rsplit(['/', '\\']).next().unwrap_or(path).to_string()
}

fn find_column(table: &Table, name: &str) -> Result<usize> {
    table.find(name).ok_or_else(|| {
        Error::new(
            ErrorKind::UnknownColumn,
            format!("there is no column '{name}'; the columns are: {}", table.column_names().join(", ")),
        )
    })
}

/// The target's labelled rows, their classes in scikit-learn's order, and class indices.
struct Labels {
    column: usize,
    rows: Vec<usize>,
    classes: Vec<String>,
    y: Vec<usize>,
}

impl Labels {
    fn of(table: &Table, column: usize) -> Result<Labels> {
        let target = &table.columns[column];
        let rows: Vec<usize> = (0..table.n_rows).filter(|&r| !target.is_missing(r)).collect();
        if rows.is_empty() {
            return Err(Error::new(
                ErrorKind::BadTarget,
                format!("the target column '{}' has no values: every row is missing", target.name),
            ));
        }
        if target.distinct_count() > MAX_CLASSES {
            return Err(Error::new(
                ErrorKind::BadTarget,
                format!(
                    "the target column '{}' has {} distinct values, too many classes for a classifier (at most {MAX_CLASSES}); is it a measurement?",
                    target.name,
                    target.distinct_count()
                ),
            ));
        }
        // Through the column's dictionary when it has one: sorting and
        // looking up every row's text took most of the summary of a file of
        // millions of rows.
        let coded = target.text_codes().filter(|c| rows.iter().all(|&r| c.codes[r] != ingest::MISSING_CODE));
        if let Some(codes) = coded {
            let mut used = vec![false; codes.dictionary.len()];
            for &r in &rows {
                used[codes.codes[r] as usize] = true;
            }
            let classes = order_labels(codes.dictionary.iter().zip(&used).filter(|(_, &u)| u).map(|(d, _)| d.as_str()));
            Labels::at_least_two(target, &classes)?;
            let index: BTreeMap<&str, usize> = classes.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
            let class_of_code: Vec<usize> =
                codes.dictionary.iter().map(|d| index.get(d.as_str()).copied().unwrap_or(0)).collect();
            let y = rows.iter().map(|&r| class_of_code[codes.codes[r] as usize]).collect();
            return Ok(Labels { column, rows, classes, y });
        }
        let label = |r: usize| target.text(r).unwrap_or_default();
        let mut distinct: Vec<std::borrow::Cow<'_, str>> = rows.iter().map(|&r| label(r)).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let classes = order_labels(distinct.iter().map(|c| c.as_ref()));
        Labels::at_least_two(target, &classes)?;
        let index: BTreeMap<&str, usize> = classes.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
        let y = rows.iter().map(|&r| index[label(r).as_ref()]).collect();
        Ok(Labels { column, rows, classes, y })
    }

    fn at_least_two(target: &crate::ingest::Column, classes: &[String]) -> Result<()> {
        if classes.len() < 2 {
            return Err(Error::new(
                ErrorKind::BadTarget,
                format!(
                    "the target column '{}' has only one class ('{}'); a classifier needs at least two",
                    target.name, classes[0]
                ),
            ));
        }
        Ok(())
    }
}

/// Trains and evaluates on a CSV.
pub fn train(bytes: &[u8], file_name: &str, spec: &TrainSpec) -> Result<TrainOutcome> {
    spec.model.validate()?;
    train_table(&ingest::read_csv(bytes, &spec.read)?, file_name, spec)
}

/// Everything a run decides before fitting: labels, the split, and which
/// columns are features. Shared by training and the leaderboard, so both use
/// the same training rows and the test set stays untouched by comparisons.
pub(crate) struct Prepared {
    pub(crate) target_idx: usize,
    pub(crate) classes: Vec<String>,
    pub(crate) labelled: usize,
    pub(crate) train_rows: Vec<usize>,
    pub(crate) test_rows: Vec<usize>,
    pub(crate) y_train: Vec<usize>,
    pub(crate) y_test: Vec<usize>,
    pub(crate) columns: Vec<ColumnReport>,
    pub(crate) feature_columns: Vec<usize>,
}

pub(crate) fn prepare(table: &Table, spec: &TrainSpec) -> Result<Prepared> {
    spec.model.validate()?;
    spec.features.validate()?;
    let target_idx = find_column(table, &spec.target)?;
    let labels = Labels::of(table, target_idx)?;
    let Labels { rows: labelled, classes, y, .. } = &labels;
    check_class_sizes(classes, y, &table.columns[target_idx].name)?;
    let split = stratified_split(y, classes.len(), spec.test_size, spec.seed)?;
    // Split indices point into `labelled`; map them back to table rows.
    let train_rows: Vec<usize> = split.train.iter().map(|&i| labelled[i]).collect();
    let test_rows: Vec<usize> = split.test.iter().map(|&i| labelled[i]).collect();
    let y_train: Vec<usize> = split.train.iter().map(|&i| y[i]).collect();
    let y_test: Vec<usize> = split.test.iter().map(|&i| y[i]).collect();
    let named = |list: &[String]| -> Result<Vec<usize>> { list.iter().map(|n| find_column(table, n)).collect() };
    let (dropped, kept) = (named(&spec.drop)?, named(&spec.keep)?);
    // Target-dependent flags look at training rows only, so the test set stays unseen.
    let columns: Vec<ColumnReport> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut flags = if i == target_idx { Vec::new() } else { quality::column_flags(c) };
            if i != target_idx {
                flags.extend(quality::target_flags(c, &train_rows, &y_train, classes));
            }
            let role = if i == target_idx {
                Role::Target
            } else if dropped.contains(&i) {
                Role::Dropped
            } else if quality::excluded(&flags) && !kept.contains(&i) {
                Role::Excluded
            } else {
                Role::Feature
            };
            ColumnReport {
                name: c.name.clone(),
                original_name: c.original_name.clone(),
                kind: c.kind,
                role,
                missing: c.missing_count(),
                flags,
            }
        })
        .collect();
    let feature_columns: Vec<usize> = (0..columns.len()).filter(|&i| columns[i].role == Role::Feature).collect();
    if feature_columns.is_empty() {
        return Err(Error::new(
            ErrorKind::BadSpec,
            "no columns are left to learn from: every column besides the target is dropped or excluded by a flag",
        ));
    }
    Ok(Prepared {
        target_idx,
        classes: classes.clone(),
        labelled: labelled.len(),
        train_rows,
        test_rows,
        y_train,
        y_test,
        columns,
        feature_columns,
    })
}

impl Prepared {
    /// What validation refits in every fold: the run's features and `model`.
    pub(crate) fn learner<'a>(&'a self, model: &'a ModelSpec, spec: &'a TrainSpec) -> Learner<'a> {
        Learner {
            feature_columns: &self.feature_columns,
            n_classes: self.classes.len(),
            model,
            features: &spec.features,
            balanced: spec.balanced,
        }
    }

    /// The validation problem of `learner` on these training rows.
    pub(crate) fn problem<'a>(
        &'a self,
        table: &'a Table,
        learner: &'a Learner<'a>,
    ) -> validate::Problem<'a, Learner<'a>> {
        validate::Problem { table, rows: &self.train_rows, y: &self.y_train, n_classes: self.classes.len(), learner }
    }
}

/// The composer's learner: the feature pipeline fitted on a fold's training
/// rows, then the model on what it makes, with balanced class weights when
/// asked. Evaluation refits it per fold without knowing what is inside.
pub struct Learner<'a> {
    pub feature_columns: &'a [usize],
    pub n_classes: usize,
    pub model: &'a ModelSpec,
    pub features: &'a features::FeatureSpec,
    pub balanced: bool,
}

impl validate::Learner for Learner<'_> {
    type Fitted = (features::FittedFeatures, crate::model::FittedModel);

    fn fit(&self, table: &Table, rows: &[usize], y: &[usize], control: &Control<'_>) -> Result<Self::Fitted> {
        let fitted = features::fit(table, self.feature_columns, rows, self.features)?;
        let weights = self.balanced.then(|| crate::model::balanced_weights(y, self.n_classes));
        let model =
            self.model.fit_with(&fitted.transform(table, rows)?, y, self.n_classes, weights.as_deref(), control)?;
        Ok((fitted, model))
    }

    fn predict_proba(&self, fitted: &Self::Fitted, table: &Table, rows: &[usize]) -> Result<Vec<Vec<f64>>> {
        Ok(fitted.1.predict_proba(&fitted.0.transform(table, rows)?))
    }
}

/// The first rows of the feature matrix the model will see, with the
/// feature names (`get_feature_names_out`), fitted on the training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeaturePreview {
    pub names: Vec<String>,
    /// How the features were made, as a line of text.
    pub preprocessing: String,
    /// Table rows shown, as 0-based record indices in the file.
    pub records: Vec<usize>,
    pub rows: Vec<Vec<f64>>,
}

/// Fits the preprocessing on the training rows and transforms the first `n` of them.
pub fn preview_features(table: &Table, spec: &TrainSpec, n: usize) -> Result<FeaturePreview> {
    let p = prepare(table, spec)?;
    let fitted = features::fit(table, &p.feature_columns, &p.train_rows, &spec.features)?;
    let shown: Vec<usize> = p.train_rows.iter().take(n).copied().collect();
    let m = fitted.transform(table, &shown)?;
    Ok(FeaturePreview {
        names: fitted.feature_names(),
        preprocessing: spec.features.text(),
        records: shown.iter().map(|&r| table.records[r]).collect(),
        rows: (0..m.n_rows).map(|i| m.row(i).to_vec()).collect(),
    })
}

/// One model's line on the leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaderboardEntry {
    pub model: String,
    pub params: String,
    pub cv: BTreeMap<String, validate::MetricSummary>,
    pub fit_seconds: f64,
    pub predict_seconds: f64,
}

/// One unit of a comparison: a model (index into the list) on a fold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompareJob {
    pub model: usize,
    pub fold: usize,
}

/// The leaderboard from every job's scores, in [`compare_jobs`] order:
/// ranked by mean ROC AUC, best first (ties keep the models' order).
pub fn merge_compare(
    models: &[ModelSpec],
    folds: usize,
    seed: u64,
    scores: &[validate::FoldScores],
) -> Vec<LeaderboardEntry> {
    let mut board: Vec<LeaderboardEntry> = models
        .iter()
        .zip(scores.chunks(folds))
        .map(|(m, s)| {
            let (cv, timing) = validate::summarize(folds, seed, s);
            LeaderboardEntry {
                model: m.name().to_string(),
                params: m.params_text(),
                cv: cv.metrics,
                fit_seconds: timing.fit_seconds,
                predict_seconds: timing.predict_seconds,
            }
        })
        .collect();
    board.sort_by(|a, b| b.cv["roc_auc"].mean.total_cmp(&a.cv["roc_auc"].mean));
    board
}

/// Cross-validates each model on the same folds of the training rows (the
/// held-out test set is not used) and ranks them by mean ROC AUC, best first.
/// Timings come from the control's clock (the pipeline reads no time
/// itself); (model, fold) jobs run on its threads.
pub fn compare(
    table: &Table,
    spec: &TrainSpec,
    models: &[ModelSpec],
    folds: usize,
    control: &Control<'_>,
) -> Result<Vec<LeaderboardEntry>> {
    match crate::plan::drive(
        table,
        "",
        crate::plan::Plan::compare(spec, models.to_vec(), folds)?,
        &mut Default::default(),
        control,
    )? {
        crate::plan::Finished::Leaderboard(board) => Ok(board),
        crate::plan::Finished::Trained(_) => Err(Error::new(ErrorKind::Internal, "a comparison that trained")),
    }
}

/// Trains and evaluates on a table that has been read already; `spec.read`
/// is not used (the table was read with it or with other options).
pub fn train_table(table: &Table, file_name: &str, spec: &TrainSpec) -> Result<TrainOutcome> {
    train_table_with(table, file_name, spec, &Control::default())
}

/// [`train_table`] under a caller's control: threads, progress and cancel,
/// and the final model's fit and predict times from the caller's clock.
pub fn train_table_with(
    table: &Table,
    file_name: &str,
    spec: &TrainSpec,
    control: &Control<'_>,
) -> Result<TrainOutcome> {
    check_hashed(table)?;
    match crate::plan::drive(table, file_name, crate::plan::Plan::train(spec)?, &mut Default::default(), control)? {
        crate::plan::Finished::Trained(outcome) => Ok(*outcome),
        crate::plan::Finished::Leaderboard(_) => Err(Error::new(ErrorKind::Internal, "a training run that compared")),
    }
}

/// Work a plan did before the final fit (see [`crate::plan`]): the searches
/// `spec.search` asks for, the chosen model's cross-validation, and a
/// forest's trees with the seconds they took to grow. Empty: the final fit
/// does it all itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Precomputed {
    pub searches: Vec<crate::search::SearchResult>,
    pub cv: Option<validate::CvResult>,
    pub forest: Option<Vec<crate::trees::Tree>>,
    #[serde(default)]
    pub forest_seconds: f64,
}

/// A model file names the data it came from: a table finished before its
/// hash arrived (see `IngestSession::finish_unhashed`) cannot say that yet.
fn check_hashed(table: &Table) -> Result<()> {
    if table.input_sha256.is_empty() {
        return Err(Error::new(
            ErrorKind::Internal,
            "the file's SHA-256 is not known yet, so no model can name its data",
        ));
    }
    Ok(())
}

/// The final fit and evaluation, and the model file: the last step of every
/// training run, with what the plan's earlier steps did in `done`.
pub(crate) fn finish_training(
    table: &Table,
    file_name: &str,
    spec: &TrainSpec,
    prepared: &Prepared,
    done: Precomputed,
    control: &Control<'_>,
) -> Result<TrainOutcome> {
    check_hashed(table)?;
    let Precomputed { searches, cv: cv_done, forest, forest_seconds } = done;
    let spec = &TrainSpec { model: crate::plan::chosen_model(spec, &searches), ..spec.clone() };
    // Validation sees the training rows only, with its own preprocessing per fold or window.
    let learner = prepared.learner(&spec.model, spec);
    let problem = prepared.problem(table, &learner);
    let cv = match cv_done {
        Some(cv) => Some(cv),
        None => spec.cv.map(|k| validate::cross_validate(&problem, k, spec.seed, control).map(|r| r.0)).transpose()?,
    };
    let time_cv = spec
        .time_column
        .as_ref()
        .map(|name| {
            validate::time_validate(&problem, find_column(table, name)?, spec.time_windows, spec.window, control)
        })
        .transpose()?;
    let Prepared { target_idx, classes, labelled, train_rows, test_rows, y_train, y_test, columns, feature_columns } =
        prepared;
    let (target_idx, labelled) = (*target_idx, *labelled);

    let fitted = features::fit(table, feature_columns, train_rows, &spec.features)?;
    let x_train = fitted.transform(table, train_rows)?;
    let x_test = fitted.transform(table, test_rows)?;
    let weights = spec.balanced.then(|| crate::model::balanced_weights(y_train, classes.len()));
    let t0 = control.now();
    let model = match forest {
        None => spec.model.fit_with(&x_train, y_train, classes.len(), weights.as_deref(), control)?,
        // Grown elsewhere, tree by tree (run_forest_jobs): the same forest.
        Some(trees) => spec
            .model
            .forest_of(trees, x_train.n_cols)
            .ok_or_else(|| Error::new(ErrorKind::Internal, "trees that do not make the chosen forest"))?,
    };
    let t1 = control.now();
    let proba = model.predict_proba(&x_test);
    // A forest grown tree by tree took its step's seconds too.
    let timing = validate::Timing { fit_seconds: forest_seconds + (t1 - t0), predict_seconds: control.now() - t1 };
    let warnings = model.warnings();
    let notes = model.notes();
    let evaluation = evaluate(y_test, &proba, classes.len());

    let test_predictions = test_rows
        .iter()
        .zip(y_test)
        .zip(&proba)
        .map(|((&row, &actual), p)| TestPrediction {
            row: table.records[row],
            line: table.lines[row],
            actual,
            predicted: argmax(p),
            proba: p.clone(),
        })
        .collect();
    let input_sha256 = table.input_sha256.clone();
    let manifest = Manifest {
        file_name: base_name(file_name),
        input_sha256: input_sha256.clone(),
        format: table.format.clone(),
        n_rows: table.n_rows,
        n_columns: table.columns.len(),
        n_records: table.n_records,
        rows_skipped: table.row_issues.len(),
        target: table.columns[target_idx].name.clone(),
        rows_missing_target: table.n_rows - labelled,
        n_train: train_rows.len(),
        n_test: test_rows.len(),
        seed: spec.seed,
        test_size: spec.test_size,
        model: spec.model.name().to_string(),
        params: format!("{}{}", spec.model.params_text(), if spec.balanced { ", class_weight = balanced" } else { "" }),
        preprocessing: spec.features.text(),
        feature_names: fitted.feature_names(),
        glassbox_version: crate::VERSION.to_string(),
        columns: columns.clone(),
    };
    let model_file = ModelFile {
        format_version: FORMAT_VERSION,
        glassbox_version: crate::VERSION.to_string(),
        schema: Schema {
            columns: columns
                .iter()
                .zip(&table.columns)
                .map(|(c, col)| SchemaColumn {
                    name: c.name.clone(),
                    original_name: c.original_name.clone(),
                    kind: c.kind,
                    date_order: col.date.as_ref().map(|d| d.order),
                })
                .collect(),
            target: table.columns[target_idx].name.clone(),
            timezone: table.format.timezone.clone(),
        },
        classes: classes.clone(),
        features: fitted,
        spec: spec.model.clone(),
        model,
        provenance: Provenance { input_sha256, seed: spec.seed, test_size: spec.test_size },
    };
    Ok(TrainOutcome {
        manifest,
        classes: classes.clone(),
        evaluation,
        test_predictions,
        row_issues: table.row_issues.clone(),
        model: model_file,
        cv,
        time_cv,
        search: searches,
        timing,
        warnings,
        notes,
    })
}

fn check_class_sizes(classes: &[String], y: &[usize], target: &str) -> Result<()> {
    let mut counts = vec![0usize; classes.len()];
    for &c in y {
        counts[c] += 1;
    }
    if let Some((k, &n)) = counts.iter().enumerate().find(|(_, &n)| n < 2) {
        return Err(Error::new(
            ErrorKind::BadTarget,
            format!(
                "class '{}' of the target column '{target}' has only {n} row; every class needs at least 2 to be split into training and test rows",
                classes[k]
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(target: &str) -> TrainSpec {
        TrainSpec { target: target.into(), ..TrainSpec::default() }
    }

    /// 20 labelled rows plus 3 without a target, interleaved.
    fn with_missing_targets() -> String {
        let mut s = String::from("x,colour,y\n");
        for i in 0..23 {
            let y = if i % 8 == 3 { "NA".to_string() } else { (if i % 2 == 0 { "10" } else { "9" }).to_string() };
            s.push_str(&format!("{i},{},{y}\n", if i % 3 == 0 { "red" } else { "blue" }));
        }
        s
    }

    #[test]
    fn rows_without_target_are_left_out_and_counted() {
        let o = train(with_missing_targets().as_bytes(), "dir/f.csv", &spec("y")).unwrap();
        assert_eq!(o.manifest.rows_missing_target, 3);
        assert_eq!(o.manifest.n_train + o.manifest.n_test, 20);
        assert_eq!(o.manifest.n_test, 4, "ceil(0.2 × 20)");
        assert_eq!(o.manifest.file_name, "f.csv");
        // test_rows are record indices in the file, so none is a row without a target.
        for r in o.test_rows() {
            assert_ne!(r % 8, 3, "row {r} has no target");
        }
        assert!(o.test_rows().windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn numeric_labels_in_numeric_order_positive_second() {
        let o = train(with_missing_targets().as_bytes(), "f.csv", &spec("y")).unwrap();
        assert_eq!(o.classes, ["9", "10"]);
        assert_eq!(o.evaluation.roc_curves.len(), 1, "binary: one curve, for the positive class");
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_split() {
        let csv = with_missing_targets();
        let a = train(csv.as_bytes(), "f.csv", &spec("y")).unwrap();
        let b = train(csv.as_bytes(), "f.csv", &spec("y")).unwrap();
        assert_eq!(a.model.to_json(), b.model.to_json());
        assert_eq!(a.metrics_json(), b.metrics_json());
        let c = train(csv.as_bytes(), "f.csv", &TrainSpec { seed: 7, ..spec("y") }).unwrap();
        assert_ne!(a.test_rows(), c.test_rows());
    }

    #[test]
    fn model_file_round_trips_and_predicts_like_training() {
        let csv = with_missing_targets();
        let o = train(csv.as_bytes(), "f.csv", &spec("y")).unwrap();
        let model = ModelFile::from_json(&o.model.to_json()).unwrap();
        assert_eq!(model, o.model);
        let p = predict(&model, csv.as_bytes(), &ReadOptions::default()).unwrap();
        assert_eq!(p.rows.len(), 23, "one prediction per input row, target or not");
        for t in &o.test_predictions {
            assert_eq!(p.rows[t.row].proba, t.proba);
        }
    }

    #[test]
    fn unseen_category_at_predict_is_not_an_error() {
        let o = train(with_missing_targets().as_bytes(), "f.csv", &spec("y")).unwrap();
        let p = predict(&o.model, b"x,colour\n4,green\n5,\n", &ReadOptions::default()).unwrap();
        assert_eq!(p.rows.len(), 2);
        assert!(p.rows.iter().all(|r| r.predicted.is_some() && r.issue.is_none()));
    }

    #[test]
    fn class_with_one_row_is_a_clear_error() {
        let e = train(b"x,y\n1,a\n2,a\n3,a\n4,b\n5,a\n", "f.csv", &spec("y")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadTarget);
        assert!(e.message().starts_with("class 'b' of the target column 'y' has only 1 row"), "{e}");
    }

    #[test]
    fn unreadable_rows_are_skipped_in_training_and_reported_in_predict() {
        let mut csv = with_missing_targets();
        csv.insert_str(csv.find('\n').unwrap() + 1, "this row is broken\n");
        let o = train(csv.as_bytes(), "f.csv", &spec("y")).unwrap();
        assert_eq!((o.manifest.rows_skipped, o.manifest.n_records), (1, 24));
        assert!(!o.test_rows().contains(&0), "record 0 was skipped, so it is in no split");
        let p = predict(&o.model, csv.as_bytes(), &ReadOptions::default()).unwrap();
        assert_eq!(p.rows.len(), 24);
        assert_eq!(p.rows[0].predicted, None);
        assert_eq!(p.rows[0].issue.as_deref(), Some("line 2 has 1 fields, but the header has 3"));
        let text = p.to_csv();
        assert!(text.starts_with("prediction,proba_9,proba_10,issue\n,,,\"line 2 has 1 fields"), "{text}");
    }

    #[test]
    fn flagged_columns_are_excluded_unless_kept_and_dropped_ones_are_gone() {
        let mut csv = String::from("id,x,constant,y\n");
        for i in 0..40 {
            csv.push_str(&format!("{},{}.5,k,{}\n", 1000 + i, i % 7, if i % 2 == 0 { "a" } else { "b" }));
        }
        let o = train(csv.as_bytes(), "f.csv", &spec("y")).unwrap();
        let roles: Vec<Role> = o.manifest.columns.iter().map(|c| c.role).collect();
        assert_eq!(roles, [Role::Excluded, Role::Feature, Role::Excluded, Role::Target]);
        assert_eq!(o.manifest.feature_names, ["x"]);
        let kept = TrainSpec { keep: vec!["id".into()], drop: vec!["x".into()], ..spec("y") };
        let o = train(csv.as_bytes(), "f.csv", &kept).unwrap();
        assert_eq!(o.manifest.feature_names, ["id"]);
    }

    fn sample(file: &str) -> Vec<u8> {
        std::fs::read(format!("{}/../../public/samples/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn cross_validation_lands_in_metrics_json() {
        let spec = TrainSpec { cv: Some(5), ..spec("diagnosis") };
        let o = train(&sample("breast_cancer.csv"), "bc.csv", &spec).unwrap();
        let cv = o.cv.as_ref().unwrap();
        let auc = &cv.metrics["roc_auc"];
        assert_eq!(auc.folds.len(), 5);
        assert!(auc.mean > 0.95 && auc.std < 0.05, "{auc:?}");
        let json: serde_json::Value = serde_json::from_str(&o.metrics_json()).unwrap();
        for m in ["accuracy", "roc_auc", "f1_macro", "log_loss"] {
            assert_eq!(json["cv"][m]["folds"].as_array().unwrap().len(), 5, "{m}");
            assert!(json["cv"][m]["mean"].is_number() && json["cv"][m]["std"].is_number());
        }
        // Without cross-validation the key is absent, and the held-out numbers are the same.
        let plain = train(&sample("breast_cancer.csv"), "bc.csv", &spec_plain()).unwrap();
        assert!(!plain.metrics_json().contains("\"cv\""));
        assert_eq!(plain.evaluation, o.evaluation);
    }

    fn spec_plain() -> TrainSpec {
        spec("diagnosis")
    }

    #[test]
    fn leaderboard_ranks_models_and_baselines_lose() {
        let table = ingest::parse_csv(&sample("penguins.csv")).unwrap();
        let models: Vec<ModelSpec> =
            crate::model::MODEL_NAMES.iter().map(|n| ModelSpec::by_name(n, 42).unwrap()).collect();
        let board = compare(&table, &spec("species"), &models, 5, &Control::default()).unwrap();
        let names: Vec<&str> = board.iter().map(|e| e.model.as_str()).collect();
        assert_eq!(names.len(), crate::model::MODEL_NAMES.len());
        let auc = |name: &str| board.iter().find(|e| e.model == name).unwrap().cv["roc_auc"].mean;
        assert!(auc("logistic_regression") > 0.99 && auc("naive_bayes") > 0.95);
        assert!(auc("random_forest") > 0.98 && auc("knn") > 0.98 && auc("decision_tree") > 0.9);
        assert_eq!(auc("baseline_most_frequent"), 0.5, "a constant score ranks nothing");
        assert!(auc("baseline_stratified") < 0.6);
        assert!(
            names.iter().position(|&n| n == "logistic_regression")
                < names.iter().position(|&n| n == "baseline_stratified")
        );
        assert!(board.windows(2).all(|w| w[0].cv["roc_auc"].mean >= w[1].cv["roc_auc"].mean));
    }

    #[test]
    fn time_validation_lands_in_metrics_json() {
        let mut csv = String::from("when,x,y\n");
        for i in 0..80 {
            csv.push_str(&format!(
                "2024-03-{:02}T{:02}:00:00Z,{}.5,{}\n",
                1 + i / 24,
                i % 24,
                i % 10,
                if i % 10 > 4 { "b" } else { "a" }
            ));
        }
        let spec = TrainSpec { time_column: Some("when".into()), time_windows: 3, ..spec("y") };
        let o = train(csv.as_bytes(), "t.csv", &spec).unwrap();
        let json: serde_json::Value = serde_json::from_str(&o.metrics_json()).unwrap();
        assert_eq!(json["time_cv"]["windows"].as_array().unwrap().len(), 3);
        assert_eq!(json["time_cv"]["mode"], "expanding");
        assert_eq!(json["time_cv"]["metrics"]["accuracy"]["folds"].as_array().unwrap().len(), 3);
        let bad = TrainSpec { time_column: Some("nope".into()), ..spec };
        assert_eq!(train(csv.as_bytes(), "t.csv", &bad).unwrap_err().kind(), ErrorKind::UnknownColumn);
    }

    #[test]
    fn search_picks_the_best_trial_for_the_final_model() {
        use crate::search::Sampler;
        let spec = TrainSpec {
            search: vec![Sampler::Random, Sampler::Tpe],
            trials: 6,
            cv: Some(3),
            model: ModelSpec::by_name("knn", 0).unwrap(),
            ..spec("species")
        };
        let o = train(&sample("penguins.csv"), "p.csv", &spec).unwrap();
        assert_eq!(o.search.len(), 2);
        let best = o.search.iter().flat_map(|s| s.trials.iter()).max_by(|a, b| a.score.total_cmp(&b.score)).unwrap();
        assert_eq!(
            o.model.spec,
            ModelSpec::by_name("knn", 0).unwrap().set("k", &best.params["k"].to_string()).unwrap(),
            "the final model has the best k"
        );
        let json: serde_json::Value = serde_json::from_str(&o.metrics_json()).unwrap();
        let trials = json["search"].as_array().unwrap();
        assert_eq!(trials.len(), 12);
        assert!(trials
            .iter()
            .all(|t| t["sampler"].is_string() && t["params"]["k"].is_number() && t["score"].is_number()));
    }

    #[test]
    fn feature_preview_names_and_standardised_values() {
        let table = ingest::parse_csv(&sample("penguins.csv")).unwrap();
        let p = preview_features(&table, &spec("species"), 5).unwrap();
        assert_eq!(&p.names[..3], ["island_Biscoe", "island_Dream", "island_Torgersen"]);
        assert!(p.names.contains(&"bill_length_mm".to_string()) && p.names.contains(&"sex_male".to_string()));
        assert_eq!(p.rows.len(), 5);
        assert!(p.rows.iter().all(|r| r.len() == p.names.len()));
        // One-hot blocks hold exactly one 1 per row (no missing island).
        assert!(p.rows.iter().all(|r| r[..3].iter().sum::<f64>() == 1.0));
    }

    #[test]
    fn target_only_file_is_a_clear_error() {
        let e = train(b"y\na\nb\na\nb\na\nb\na\nb\na\nb\n", "f.csv", &spec("y")).unwrap_err();
        assert!(e.message().starts_with("no columns are left to learn from"), "{e}");
    }

    #[test]
    fn inspect_suggests_likely_targets_else_last_column() {
        let opts = ReadOptions::default();
        assert_eq!(inspect(b"species,x\na,1\n", &opts, None).unwrap().suggested_target, "species");
        assert_eq!(inspect(b"a,b,c\nx,2,3\n", &opts, None).unwrap().suggested_target, "c");
        let i = inspect(b"a,b\n1,x\n,x\n3,y\n", &opts, None).unwrap();
        assert_eq!((i.columns[0].missing, i.columns[1].distinct), (1, 2));
        assert_eq!(i.columns[0].range, Some((1.0, 3.0)));
        assert_eq!((i.columns[0].histogram[0], i.columns[0].histogram[HISTOGRAM_BINS - 1]), (1, 1));
        assert_eq!(i.columns[1].top, vec![("x".to_string(), 2), ("y".to_string(), 1)]);
    }

    /// Counted in four lanes and a remainder: the same bins as counting one
    /// value at a time, missing values left out, edges included.
    #[test]
    fn histograms_count_every_present_value_once() {
        let values: Vec<Option<f64>> =
            (0..1003).map(|i| if i % 17 == 5 { None } else { Some(f64::from((i * 37) % 101)) }).collect();
        let mut csv = String::from("v\n");
        for v in &values {
            csv.push_str(&v.map(|v| v.to_string()).unwrap_or_default());
            csv.push('\n');
        }
        let i = inspect(csv.as_bytes(), &ReadOptions::default(), None).unwrap();
        let (lo, hi) = i.columns[0].range.unwrap();
        let width = (hi - lo) / HISTOGRAM_BINS as f64;
        let mut expected = vec![0usize; HISTOGRAM_BINS];
        for v in values.iter().flatten() {
            expected[(((v - lo) / width) as usize).min(HISTOGRAM_BINS - 1)] += 1;
        }
        assert_eq!(i.columns[0].histogram, expected);
        assert_eq!(expected.iter().sum::<usize>(), values.iter().flatten().count());
    }
}
