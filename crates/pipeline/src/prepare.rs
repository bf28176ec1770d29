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
    let target_idx = table.column_index(&spec.data.target)?;
    refuse_regression(table, target_idx, spec.data.task)?;
    let labels = Labels::of(table, target_idx)?;
    let Labels { rows: labelled, classes, y, .. } = &labels;
    check_class_sizes(classes, y, &table.columns[target_idx].name)?;
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
    let split = stratified_split(y, classes.len(), spec.data.test_size, spec.seed)?;
    // Split indices point into `labelled`; map them back to table rows.
    let train_rows: Vec<usize> = split.train.iter().map(|&i| labelled[i]).collect();
    let test_rows: Vec<usize> = split.test.iter().map(|&i| labelled[i]).collect();
    let y_train: Vec<usize> = split.train.iter().map(|&i| y[i]).collect();
    let y_test: Vec<usize> = split.test.iter().map(|&i| y[i]).collect();
    let named = |list: &[String]| -> Result<Vec<usize>> { list.iter().map(|n| table.column_index(n)).collect() };
    let (dropped, kept) = (named(&spec.data.drop)?, named(&spec.data.keep)?);
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
        let proba = fitted.1.predict_proba(&fitted.0.transform(table, rows)?);
        check_probabilities(&proba, rows, table, self.model.name())?;
        Ok(proba)
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
    /// Why training would refuse this target, in training's own words.
    pub problem: Option<String>,
    pub columns: Vec<ColumnReport>,
    /// Every class with its labelled rows, in class order.
    pub classes: Vec<(String, usize)>,
}

/// Decides the run's task (the person's choice, else the target's kind and
/// values) and refuses a number to predict in words, until the regressors
/// land: read as classes, a price or a mileage failed on its first value
/// of one row ("class '9.0' ... has only 1 row"), which told the person
/// nothing of what was wrong.
fn refuse_regression(table: &Table, target_idx: usize, chosen: Option<Task>) -> Result<()> {
    let column = &table.columns[target_idx];
    let guess = task::detect(column);
    let (task, why) = match chosen {
        Some(task) => (task, "the task chosen".to_string()),
        None => (guess.task, guess.reason),
    };
    if task == Task::Classification {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::BadTarget,
        format!(
            "'{}' is a number to predict ({why}), and this version of Glassbox predicts classes only: choose a column of classes, or have this one read as classes (task: classification)",
            column.name
        ),
    ))
}

/// [`TargetCheck`] of `spec` on `table`: what [`prepare`] decides, or its error.
pub fn check_target(table: &Table, spec: &TrainSpec) -> TargetCheck {
    let (target, task) = (spec.data.target.clone(), spec.data.task);
    match prepare(table, spec) {
        Err(e) => TargetCheck {
            target,
            task,
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
