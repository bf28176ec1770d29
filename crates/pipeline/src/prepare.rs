//! Everything a run decides before fitting (the labels, the split, which
//! columns are features and why), and the composer's learner that
//! validation refits per fold.

use serde::{Deserialize, Serialize};

use crate::control::Control;
use crate::error::{Error, ErrorKind, Result};
use crate::features;
use crate::ingest::Table;
use crate::labels::Labels;
use crate::model::ModelSpec;
use crate::outcome::{ColumnReport, Role};
use crate::quality;
use crate::spec::TrainSpec;
use crate::split::stratified_split;
use crate::task::{self, Task};
use crate::validate;

/// Everything a run decides before fitting: labels, the split, and which
/// columns are features. Shared by training and the leaderboard, so both use
/// the same training rows and the test set stays untouched by comparisons.
pub(crate) struct Prepared {
    /// Classes or numbers, decided once (see [`decide_task`]); for numbers
    /// `classes`, `y_train` and `y_test` are empty and the target is in
    /// `values_train` and `values_test`.
    pub(crate) task: Task,
    pub(crate) values_train: Vec<f64>,
    pub(crate) values_test: Vec<f64>,
    pub(crate) target_idx: usize,
    pub(crate) classes: Vec<String>,
    pub(crate) labelled: usize,
    pub(crate) train_rows: Vec<usize>,
    pub(crate) test_rows: Vec<usize>,
    /// A regressor's calibration slice (table rows), held out of every fit
    /// when an interval is asked for; empty otherwise.
    pub(crate) calibration_rows: Vec<usize>,
    pub(crate) values_calibration: Vec<f64>,
    pub(crate) y_train: Vec<usize>,
    pub(crate) y_test: Vec<usize>,
    pub(crate) columns: Vec<ColumnReport>,
    pub(crate) feature_columns: Vec<usize>,
}

/// The seed's stream for the calibration slice, apart from the test split's.
const CALIBRATION_STREAM: u64 = 0xC0FF_0A1E_5EED_0001;

pub(crate) fn prepare(table: &Table, spec: &TrainSpec) -> Result<Prepared> {
    spec.model.validate()?;
    spec.features.validate()?;
    let target_idx = table.column_index(&spec.data.target)?;
    // The model is not asked whether it does the task here: a comparison's
    // spec names no model of its own, and a fit refuses the wrong task itself.
    let task = decide_task(table, target_idx, spec.data.task);
    // The rows with a target, their split, and the target's classes or numbers there.
    let (labelled, classes, split, y, values) = match task {
        Task::Classification => {
            if spec.target_transform == crate::spec::TransformSetting::Log1p {
                return Err(Error::new(
                    ErrorKind::BadSpec,
                    format!(
                        "a target transform is for a number to predict, and '{}' is read as classes: leave it out, or predict it as a number (task: regression)",
                        table.columns[target_idx].name
                    ),
                ));
            }
            let Labels { rows, classes, y, .. } = Labels::of(table, target_idx)?;
            check_class_sizes(&classes, &y, &table.columns[target_idx].name)?;
            if let Some(rule) = spec.threshold {
                rule.validated()?;
                if classes.len() != 2 {
                    return Err(Error::new(
                        ErrorKind::BadSpec,
                        format!(
                            "a decision threshold needs a target with two classes; '{}' has {}",
                            table.columns[target_idx].name,
                            classes.len()
                        ),
                    ));
                }
            }
            let split = stratified_split(&y, classes.len(), spec.data.test_size, spec.seed)?;
            (rows, classes, split, y, Vec::new())
        }
        Task::Regression => {
            refuse_class_settings(spec, &table.columns[target_idx].name)?;
            let (rows, values) = numbers_to_predict(table, target_idx)?;
            check_transform(spec, table, target_idx, &rows, &values)?;
            let split = crate::split::shuffled_split(rows.len(), spec.data.test_size, spec.seed)?;
            (rows, Vec::new(), split, Vec::new(), values)
        }
    };
    // A regressor's interval is calibrated on a seeded slice of the training
    // rows that no fit sees (search, folds and the final model alike), when
    // there are enough of them.
    let (split, calibration) = match (task, spec.interval) {
        // A small training set keeps every row: CV+ calibrates over folds.
        (Task::Regression, Some(_)) if crate::numbers::interval_method(spec, split.train.len()).holds_out_rows() => {
            let share = crate::numbers::calibration_share(split.train.len());
            let inner = crate::split::shuffled_split(split.train.len(), share, spec.seed ^ CALIBRATION_STREAM)?;
            let pick = |at: &[usize]| -> Vec<usize> { at.iter().map(|&i| split.train[i]).collect() };
            let calibration = pick(&inner.test);
            (crate::split::Split { train: pick(&inner.train), test: split.test }, calibration)
        }
        _ => (split, Vec::new()),
    };
    let calibration_rows: Vec<usize> = calibration.iter().map(|&i| labelled[i]).collect();
    let values_calibration: Vec<f64> = calibration.iter().map(|&i| values[i]).collect();
    // Split indices point into `labelled`; map them back to table rows.
    let train_rows: Vec<usize> = split.train.iter().map(|&i| labelled[i]).collect();
    let test_rows: Vec<usize> = split.test.iter().map(|&i| labelled[i]).collect();
    let pick = |from: &[usize], of: &[usize]| -> Vec<usize> {
        if of.is_empty() {
            Vec::new()
        } else {
            from.iter().map(|&i| of[i]).collect()
        }
    };
    let (y_train, y_test) = (pick(&split.train, &y), pick(&split.test, &y));
    let pick_values = |from: &[usize]| -> Vec<f64> {
        if values.is_empty() {
            Vec::new()
        } else {
            from.iter().map(|&i| values[i]).collect()
        }
    };
    let (values_train, values_test) = (pick_values(&split.train), pick_values(&split.test));
    let named = |list: &[String]| -> Result<Vec<usize>> { list.iter().map(|n| table.column_index(n)).collect() };
    let (dropped, kept) = (named(&spec.data.drop)?, named(&spec.data.keep)?);
    // Target-dependent flags look at training rows only, so the test set stays unseen.
    let columns: Vec<ColumnReport> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut flags = if i == target_idx { Vec::new() } else { quality::column_flags(c) };
            if i != target_idx && task == Task::Classification {
                flags.extend(quality::target_flags(c, &train_rows, &y_train, &classes));
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
    if table.columns.len() == 1 {
        return Err(Error::new(
            ErrorKind::BadSpec,
            format!("the file has one column, '{}', and nothing else to learn it from", table.columns[0].name),
        ));
    }
    if feature_columns.is_empty() {
        return Err(Error::new(
            ErrorKind::BadSpec,
            "no columns are left to learn from: every column besides the target is dropped or excluded by a flag",
        ));
    }
    Ok(Prepared {
        task,
        values_train,
        values_test,
        target_idx,
        classes,
        labelled: labelled.len(),
        train_rows,
        test_rows,
        calibration_rows,
        values_calibration,
        y_train,
        y_test,
        columns,
        feature_columns,
    })
}

/// The settings that only mean something for classes, refused for a number
/// to predict rather than silently ignored.
fn refuse_class_settings(spec: &TrainSpec, target: &str) -> Result<()> {
    let setting = if spec.threshold.is_some() {
        Some("a decision threshold")
    } else if spec.balanced {
        Some("balanced class weights")
    } else if spec.calibration.is_some() {
        Some("calibrated probabilities")
    } else {
        None
    };
    match setting {
        None => Ok(()),
        Some(what) => Err(Error::new(
            ErrorKind::BadSpec,
            format!("{what} is for classes, and '{target}' is a number to predict: leave it out, or predict '{target}' as classes (task: classification)"),
        )),
    }
}

/// A target transform the person asked for can be applied: `log1p` needs
/// every value above −1 (the first one that is not is named by its line),
/// and a Poisson booster already fits the log of its prediction.
fn check_transform(spec: &TrainSpec, table: &Table, target_idx: usize, rows: &[usize], values: &[f64]) -> Result<()> {
    if spec.target_transform != crate::spec::TransformSetting::Log1p {
        return Ok(());
    }
    let name = &table.columns[target_idx].name;
    if spec.model.fits_log_of_prediction() {
        return Err(Error::new(
            ErrorKind::BadSpec,
            "gradient boosting with the poisson loss already fits the log of its prediction; choose --target-transform none (or auto) with it",
        ));
    }
    match values.iter().position(|&v| v <= -1.0) {
        None => Ok(()),
        Some(i) => Err(Error::new(
            ErrorKind::BadTarget,
            format!(
                "--target-transform log1p needs every value of '{name}' above -1, and line {} holds {}; choose none (or auto, which only tries log1p where it is defined)",
                table.lines[rows[i]],
                values[i]
            ),
        )),
    }
}

/// The largest magnitude a number to predict may have: the squared errors
/// that fitting sums must stay finite (1e100 squared is 1e200, summed over
/// a billion rows still below f64's 1.8e308).
pub const LARGEST_TARGET: f64 = 1e100;

/// The fewest rows with a number that a regression trains on.
pub const FEWEST_TARGET_ROWS: usize = 10;

/// The rows of `table` with a number in the target column and those numbers,
/// or why the column cannot be predicted as a number: it is not numeric,
/// holds a value that is not finite or too large (its line named), has fewer
/// than [`FEWEST_TARGET_ROWS`] numbers, or one value only.
fn numbers_to_predict(table: &Table, target_idx: usize) -> Result<(Vec<usize>, Vec<f64>)> {
    let column = &table.columns[target_idx];
    let name = &column.name;
    let Some(numbers) = column.numbers().filter(|_| column.kind == crate::ingest::ColumnKind::Numeric) else {
        // Say which value made it text, so the person can fix the file or re-read it.
        let example = (0..column.len())
            .filter_map(|r| column.text(r).map(|t| (r, t.into_owned())))
            .find(|(_, t)| crate::ingest::parse_number(t).is_none());
        let which = example
            .map(|(r, t)| {
                format!(
                    " ('{}' at line {} is not a number)",
                    glassbox_core::text::escape_invisible(&t, false),
                    table.lines[r]
                )
            })
            .unwrap_or_default();
        return Err(Error::new(
            ErrorKind::BadTarget,
            format!(
                "'{name}' was read as {}{which}, so it cannot be predicted as a number: fix those cells, or read the column as numeric (--type {name}=numeric; the app's kind select), whose other values become missing targets",
                column.kind.as_str()
            ),
        ));
    };
    let mut rows = Vec::new();
    let mut values = Vec::new();
    for (r, &v) in numbers.iter().enumerate() {
        if column.is_missing(r) {
            continue;
        }
        if !v.is_finite() || v.abs() > LARGEST_TARGET {
            return Err(Error::new(
                ErrorKind::BadValue,
                format!(
                    "the target '{name}' holds {v:e} at line {}: a number to predict must be finite and at most 1e100 in size, so the errors fitting sums can be represented; rescale the column (divide it by a power of ten)",
                    table.lines[r]
                ),
            ));
        }
        rows.push(r);
        values.push(v);
    }
    if values.len() < FEWEST_TARGET_ROWS {
        return Err(Error::new(
            ErrorKind::BadTarget,
            format!(
                "the target '{name}' has {} rows with a number; predicting a number needs at least {FEWEST_TARGET_ROWS}",
                values.len()
            ),
        ));
    }
    if values.iter().all(|&v| v == values[0]) {
        return Err(Error::new(
            ErrorKind::BadTarget,
            format!("the target '{name}' is {} in every row: there is nothing to predict", values[0]),
        ));
    }
    Ok((rows, values))
}

impl Prepared {
    /// What validation refits in every fold: the run's features and `model`.
    pub(crate) fn learner<'a>(&'a self, model: &'a ModelSpec, spec: &'a TrainSpec) -> Learner<'a> {
        Learner {
            feature_columns: &self.feature_columns,
            model,
            features: &spec.features,
            balanced: spec.balanced,
            // Classes have no scale: their probabilities are never mapped back.
            transform: if self.task == Task::Regression { spec.target_transform.used() } else { Default::default() },
        }
    }

    /// The validation problem of `learner` on these training rows.
    pub(crate) fn problem<'a>(
        &'a self,
        table: &'a Table,
        learner: &'a Learner<'a>,
    ) -> validate::Problem<'a, Learner<'a>> {
        validate::Problem { table, rows: &self.train_rows, target: self.train_target(), learner }
    }

    /// The training rows' classes or numbers.
    pub(crate) fn train_target(&self) -> validate::Target<'_> {
        match self.task {
            Task::Classification => validate::Target::Classes { y: &self.y_train, n_classes: self.classes.len() },
            Task::Regression => validate::Target::Numbers(&self.values_train),
        }
    }

    /// The training rows' numbers on the scale the model is fitted on.
    pub(crate) fn fit_values(&self, transform: crate::target::TargetTransform) -> Result<Vec<f64>> {
        transform.forward(&self.values_train)
    }

    /// The fit of `x` (the training rows' features) for this run's task:
    /// its classes, with the run's class weights, or `values` (see
    /// [`Prepared::fit_values`]).
    pub(crate) fn fit_input<'a>(
        &'a self,
        x: &'a glassbox_core::Matrix,
        weights: Option<&'a [f64]>,
        values: &'a [f64],
        control: &'a Control<'a>,
    ) -> glassbox_train::estimator::FitInput<'a> {
        let values = (self.task == Task::Regression).then_some(values);
        let n_classes = if values.is_some() { 1 } else { self.classes.len() };
        glassbox_train::estimator::FitInput { x, y: &self.y_train, n_classes, class_weight: weights, values, control }
    }
}

/// The composer's learner: the feature pipeline fitted on a fold's training
/// rows, then the model on what it makes, with balanced class weights when
/// asked. Evaluation refits it per fold without knowing what is inside.
pub struct Learner<'a> {
    pub feature_columns: &'a [usize],
    pub model: &'a ModelSpec,
    pub features: &'a features::FeatureSpec,
    pub balanced: bool,
    /// The scale a regressor is fitted on; its predictions come back on the target's.
    pub transform: crate::target::TargetTransform,
}

impl validate::Learner for Learner<'_> {
    type Fitted = (features::FittedFeatures, crate::model::FittedModel);

    fn fit(
        &self,
        table: &Table,
        rows: &[usize],
        target: validate::Target<'_>,
        control: &Control<'_>,
    ) -> Result<Self::Fitted> {
        let fitted = features::fit(table, self.feature_columns, rows, self.features)?;
        let x = fitted.transform(table, rows)?;
        let model = match target {
            validate::Target::Classes { y, n_classes } => {
                let weights = self.balanced.then(|| crate::model::balanced_weights(y, n_classes));
                self.model.fit_with(&x, y, n_classes, weights.as_deref(), control)?
            }
            validate::Target::Numbers(values) => {
                self.model.fit_numbers_with(&x, &self.transform.forward(values)?, control)?
            }
        };
        Ok((fitted, model))
    }

    fn predict_proba(&self, fitted: &Self::Fitted, table: &Table, rows: &[usize]) -> Result<Vec<Vec<f64>>> {
        let mut proba = fitted.1.predict_proba(&fitted.0.transform(table, rows)?);
        back_to_target(self.transform, &mut proba, rows, table)?;
        check_probabilities(&proba, rows, table, self.model.name())?;
        Ok(proba)
    }
}

/// Maps a regressor's predictions for `rows` back from the scale it was
/// fitted on. A log-scale prediction past what `expm1` can give (about
/// 709) is the model extrapolating far from every training value; the
/// message names the row rather than carrying an infinity into the metrics.
pub(crate) fn back_to_target(
    transform: crate::target::TargetTransform,
    outputs: &mut [Vec<f64>],
    rows: &[usize],
    table: &Table,
) -> Result<()> {
    if transform.is_none() {
        return Ok(());
    }
    let fitted_scale: Option<Vec<f64>> = outputs.iter().map(|o| o.first().copied()).collect();
    transform.inverse_outputs(outputs);
    let bad = outputs.iter().zip(rows).position(|(o, _)| o.iter().any(|v| !v.is_finite()));
    match (bad, fitted_scale) {
        (Some(i), Some(raw)) if raw[i].is_finite() => Err(Error::new(
            ErrorKind::BadValue,
            format!(
                "the model predicts log1p = {} for the row at line {}, which is too large a number to represent on the target's scale; choose --target-transform none",
                crate::metrics::fmt4(raw[i]),
                table.lines[rows[i]]
            ),
        )),
        _ => Ok(()),
    }
}

/// Every probability a model gave for `rows` of `table` is a number: a NaN
/// is an internal error naming the row's line, never a metric of `null`
/// or a chart of NaN.
pub(crate) fn check_probabilities(proba: &[Vec<f64>], rows: &[usize], table: &Table, model: &str) -> Result<()> {
    match proba.iter().zip(rows).find(|(p, _)| p.iter().any(|v| !v.is_finite())) {
        None => Ok(()),
        Some((p, &r)) => Err(Error::new(
            ErrorKind::Internal,
            format!(
                "the {} gave a probability that is not a number ({p:?}) for the row at line {}: a bug in Glassbox, not in the data",
                model.replace('_', " "),
                table.lines[r]
            ),
        )),
    }
}

/// What training on `spec.data.target` would decide before it fits, found
/// without fitting, so the page can say it as soon as the target is picked
/// (next to the select), not after Train: the refusal training would give,
/// or each column's role with every flag (the target-dependent ones, such
/// as a likely leak, measured on the training rows as training measures
/// them) and the classes with their rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetCheck {
    pub target: String,
    /// The task the check was made for (the person's choice; `None` detects it).
    #[serde(default)]
    pub task: Option<Task>,
    /// The task the run would have: the person's choice, else the target's
    /// (classification when the target is not a column of the table).
    #[serde(default)]
    pub decided: Task,
    /// Why training would refuse this target, in training's own words.
    pub problem: Option<String>,
    pub columns: Vec<ColumnReport>,
    /// Every class with its labelled rows, in class order.
    pub classes: Vec<(String, usize)>,
}

/// Decides the run's task: the person's choice, else the target's kind
/// and values (`glassbox_core::task::detect`).
pub(crate) fn decide_task(table: &Table, target_idx: usize, chosen: Option<Task>) -> Task {
    chosen.unwrap_or_else(|| task::detect(&table.columns[target_idx]).task)
}

/// [`TargetCheck`] of `spec` on `table`: what [`prepare`] decides, or its error.
/// A model that does not do the decided task is checked as the task's
/// default model would be: the page switches its model select to it, and
/// the target's own problems are what the person needs to see.
pub fn check_target(table: &Table, spec: &TrainSpec) -> TargetCheck {
    let (target, task) = (spec.data.target.clone(), spec.data.task);
    let decided = crate::run::task_of(table, spec).unwrap_or(task.unwrap_or_default());
    let model =
        if spec.model.tasks().contains(&decided) { spec.model.clone() } else { ModelSpec::default_for(decided) };
    match prepare(table, &TrainSpec { model, ..spec.clone() }) {
        Err(e) => TargetCheck {
            target,
            task,
            decided,
            problem: Some(e.message().to_string()),
            columns: Vec::new(),
            classes: Vec::new(),
        },
        Ok(p) => {
            let mut counts = vec![0usize; p.classes.len()];
            for &y in p.y_train.iter().chain(&p.y_test) {
                counts[y] += 1;
            }
            TargetCheck {
                target,
                task,
                decided,
                problem: None,
                columns: p.columns,
                classes: p.classes.into_iter().zip(counts).collect(),
            }
        }
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
