//! The workflow as three calls: `inspect`, `train`, `predict`.
//!
//! These compose the modules (ingest → quality → features → split → model →
//! metrics) and return plain data that the worker sends to the UI and the CLI
//! writes out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::control::Control;
use crate::error::{Error, ErrorKind, Result};
use crate::features;
use crate::ingest::{self, Table};
use crate::metrics::{evaluate_at, Evaluation};
use crate::model::ModelSpec;
use glassbox_core::table::ColumnKind;
use glassbox_core::task::Task;
use glassbox_serve::intervals::Intervals;

use crate::model_file::{ModelFile, Provenance, Schema, SchemaColumn, Threshold, FORMAT_VERSION};
use crate::validate;
use glassbox_core::decide;
use glassbox_serve::calibrated::Calibrated;

// The run's parts live in their own modules; their old paths under `run` stay.
pub use crate::outcome::{
    base_name, sha256_hex, sha256_hex_written, ColumnReport, Manifest, MetricsJson, Role, SourceRecord, TestPrediction,
    TrainOutcome,
};
pub use crate::prepare::{check_target, preview_features, FeaturePreview, Learner, TargetCheck};
pub(crate) use crate::prepare::{prepare, Prepared};
pub use crate::spec::{DataSpec, IntervalMethod, RefineSpec, SearchSpec, TrainSpec, TransformSetting, ValidationSpec};
pub use glassbox_ingest::profile::{inspect, inspect_table, ColumnSummary, Inspection, HISTOGRAM_BINS, PREVIEW_ROWS};
pub use glassbox_serve::predict::{
    id_column, predict, predict_on, predict_with, read_as_trained, MissingColumns, PredictedRow, Prediction,
};

/// A saved model evaluated on a scored file that holds its target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredEvaluation {
    pub target: String,
    /// Rows scored and labelled with one of the model's classes.
    pub rows: usize,
    /// Rows without a target value, and rows whose target is no class the model knows.
    pub missing: usize,
    pub unknown: usize,
    pub evaluation: Evaluation,
    pub baseline: crate::metrics::Baseline,
}

/// The saved `model`'s metrics on the rows of `bytes` it scored into
/// `prediction`, when the file holds the model's target column (`None`
/// when it does not): a person scoring labelled rows asks how the model
/// did on them. The baseline is the class shares of these rows.
pub fn evaluate_scored(
    bytes: &[u8],
    read: &ingest::ReadOptions,
    model: &ModelFile,
    prediction: &Prediction,
) -> Result<Option<ScoredEvaluation>> {
    let target = &model.schema.target;
    let Ok((_, labels)) = id_column(bytes, read, target, prediction.rows.len()) else { return Ok(None) };
    let (mut y, mut proba, mut missing, mut unknown) = (Vec::new(), Vec::new(), 0, 0);
    for (label, row) in labels.iter().zip(&prediction.rows) {
        if row.proba.is_empty() {
            continue;
        }
        match model.classes.iter().position(|c| c == label) {
            Some(k) => {
                y.push(k);
                proba.push(row.proba.clone());
            }
            None if label.is_empty() => missing += 1,
            None => unknown += 1,
        }
    }
    if y.is_empty() {
        return Ok(None);
    }
    let k = model.classes.len();
    let evaluation = evaluate_at(&y, &proba, k, model.threshold.as_ref().map(|t| t.value));
    let baseline = crate::metrics::baseline(&y, &y, k);
    Ok(Some(ScoredEvaluation { target: target.clone(), rows: y.len(), missing, unknown, evaluation, baseline }))
}

/// The task a run of `spec` on `table` has: the person's choice, else the
/// target column's (a numeric column with a fraction or more than 20
/// distinct values is a number to predict).
pub fn task_of(table: &Table, spec: &TrainSpec) -> Result<crate::task::Task> {
    Ok(crate::prepare::decide_task(table, table.column_index(&spec.data.target)?, spec.data.task))
}

/// Trains and evaluates on a CSV.
pub fn train(bytes: &[u8], file_name: &str, spec: &TrainSpec) -> Result<TrainOutcome> {
    spec.model.validate()?;
    train_table(&ingest::read_csv(bytes, &spec.data.read)?, file_name, spec)
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
/// ranked by mean ROC AUC for classes and mean RMSE for numbers, best first
/// (ties keep the models' order).
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
    let task = scores.first().map_or(crate::task::Task::Classification, |s| s.task);
    let (metric, higher_is_better) = validate::ranking_metric(task);
    board.sort_by(|a, b| {
        let order = a.cv[metric].mean.total_cmp(&b.cv[metric].mean);
        if higher_is_better {
            order.reverse()
        } else {
            order
        }
    });
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
    crate::plan::drive(
        table,
        "",
        crate::plan::Plan::compare(spec, models.to_vec(), folds)?,
        &mut Default::default(),
        control,
    )?
    .leaderboard()
}

/// Trains and evaluates on a table that has been read already; `spec.data.read`
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
    let plan = crate::plan::Plan::train(spec, Some(task_of(table, spec)?))?;
    Ok(*crate::plan::drive(table, file_name, plan, &mut Default::default(), control)?.trained()?)
}

/// Work a plan did before the final fit (see [`crate::plan`]): the searches
/// `spec.search` asks for, the chosen model's cross-validation, and a
/// forest's trees with the seconds they took to grow. Empty: the final fit
/// does it all itself.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Precomputed {
    pub search: crate::search::SearchOutcome,
    pub cv: Option<validate::CvResult>,
    /// Packed: a forest's trees can be tens of megabytes (see [`crate::packed`]).
    #[serde(with = "crate::packed")]
    pub forest: Option<Vec<crate::trees::Tree>>,
    #[serde(default)]
    pub forest_seconds: f64,
    /// What `auto` compared before choosing the target's scale (the spec
    /// then holds the winner); empty when it compared nothing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scales: Vec<(crate::target::TargetTransform, validate::CvResult)>,
}

/// The mean of each column of `x`, summed in row order.
pub(crate) fn column_means(x: &glassbox_core::Matrix) -> Vec<f64> {
    let mut sums = vec![0.0; x.n_cols];
    for r in 0..x.n_rows {
        for (s, v) in sums.iter_mut().zip(x.row(r)) {
            *s += v;
        }
    }
    sums.into_iter().map(|s| s / x.n_rows.max(1) as f64).collect()
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

/// The chosen model's cross-validation (done by the plan already, or here)
/// and time-ordered validation, when asked for: both on the training rows
/// only, with their own preprocessing per fold or window.
pub(crate) fn validation(
    table: &Table,
    spec: &TrainSpec,
    prepared: &Prepared,
    cv_done: Option<validate::CvResult>,
    control: &Control<'_>,
) -> Result<(Option<validate::CvResult>, Option<validate::TimeCvResult>)> {
    let learner = prepared.learner(&spec.model, spec);
    let problem = prepared.problem(table, &learner);
    let cv = match cv_done {
        Some(cv) => Some(cv),
        None => spec
            .validation
            .cv
            .map(|k| validate::cross_validate(&problem, k, spec.seed, control).map(|r| r.0))
            .transpose()?,
    };
    let time_cv = spec
        .validation
        .time_column
        .as_ref()
        .map(|name| {
            validate::time_validate(
                &problem,
                table.column_index(name)?,
                spec.validation.time_windows,
                spec.validation.window,
                control,
            )
        })
        .transpose()?;
    Ok((cv, time_cv))
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
    // The person's choices, before the plan put its own in (the chosen
    // parameters, the scale `auto` chose).
    let recipe = crate::recipe::Recipe::of_run(spec, !done.scales.is_empty(), file_name, &table.input_sha256);
    if prepared.task == Task::Regression {
        return crate::numbers::finish_regression(table, file_name, spec, recipe, prepared, done, control);
    }
    let Precomputed { search, cv: cv_done, forest, forest_seconds, .. } = done;
    let spec = &TrainSpec { model: crate::plan::chosen_model(spec, &search), ..spec.clone() };
    let (cv, time_cv) = validation(table, spec, prepared, cv_done, control)?;
    let Prepared { target_idx, classes, train_rows, test_rows, y_train, y_test, feature_columns, .. } = prepared;
    let target_idx = *target_idx;

    let fitted = features::fit(table, feature_columns, train_rows, &spec.features)?;
    let x_train = fitted.transform(table, train_rows)?;
    let x_test = fitted.transform(table, test_rows)?;
    let weights = spec.balanced.then(|| crate::model::balanced_weights(y_train, classes.len()));
    let t0 = control.now();
    let model = final_model(&spec.model, forest, x_train.n_cols, classes.len(), || {
        spec.model.fit_with(&x_train, y_train, classes.len(), weights.as_deref(), control)
    })?;
    let calibration = spec
        .calibration
        .map(|method| {
            let seed = spec.seed;
            Calibrated::fit(method, &spec.model, &x_train, y_train, classes.len(), weights.as_deref(), seed, control)
        })
        .transpose()?;
    let t1 = control.now();
    let proba = match &calibration {
        Some(c) => c.predict_proba(&x_test, classes.len()),
        None => model.predict_proba(&x_test),
    };
    crate::prepare::check_probabilities(&proba, test_rows, table, spec.model.name())?;
    // A forest grown tree by tree took its step's seconds too.
    let timing = validate::Timing { fit_seconds: forest_seconds + (t1 - t0), predict_seconds: control.now() - t1 };
    let warnings = model.warnings();
    let notes = model.notes();
    // The threshold is chosen on the test rows (as the app's buttons choose
    // it on the rows it shows), and the matrix and per-class scores follow it.
    let threshold = spec
        .threshold
        .map(|rule| {
            let positive: Vec<bool> = y_test.iter().map(|&y| y == 1).collect();
            let score: Vec<f64> = proba.iter().map(|p| p[1]).collect();
            rule.choose(&positive, &score).map(|value| Threshold { value, chosen_by: rule.describe() })
        })
        .transpose()?;
    let cut = threshold.as_ref().map(|t| t.value);
    let intervals = Intervals::fit(&proba, y_test, classes.len(), "the test rows");
    let evaluation = evaluate_at(y_test, &proba, classes.len(), cut);
    let baseline = crate::metrics::baseline(y_train, y_test, classes.len());
    let profile = crate::watch::reference_profile(
        table,
        train_rows,
        feature_columns,
        target_idx,
        classes,
        y_test,
        &proba,
        cut,
        &evaluation,
    );

    let test_predictions = test_rows
        .iter()
        .zip(y_test)
        .zip(&proba)
        .map(|((&row, &actual), p)| TestPrediction {
            row: table.records[row],
            line: table.lines[row],
            actual,
            predicted: decide(p, cut),
            proba: p.clone(),
        })
        .collect();
    let input_sha256 = table.input_sha256.clone();
    let manifest = manifest(
        table,
        file_name,
        spec,
        prepared,
        &fitted,
        calibration.as_ref().map(Calibrated::describe),
        Task::Classification,
    );
    let model_file = ModelFile {
        format_version: FORMAT_VERSION,
        glassbox_version: crate::VERSION.to_string(),
        schema: schema(table, prepared),
        task: Task::Classification,
        target_transform: Default::default(),
        classes: classes.clone(),
        features: fitted,
        spec: spec.model.clone(),
        model,
        provenance: Provenance { input_sha256, seed: spec.seed, test_size: spec.data.test_size },
        threshold: threshold.clone(),
        baseline: column_means(&x_train),
        calibration,
        intervals,
        profile: Some(profile),
        conformal: None,
        recipe: Some(recipe.to_value()),
    };
    let model_json_bytes = model_file.json_len();
    Ok(TrainOutcome {
        model_json_bytes,
        threshold,
        // Measured after the fit, as jobs of the plan (see `plan::Step`).
        importance: Vec::new(),
        shap: None,
        manifest,
        classes: classes.clone(),
        evaluation,
        test_predictions,
        row_issues: table.row_issues.clone(),
        model: model_file,
        cv,
        time_cv,
        search,
        timing,
        warnings,
        notes,
        baseline,
        regression: None,
    })
}

/// The final model: the forest the plan grew tree by tree elsewhere (the
/// same forest), or `fit` here; checked sound for its `outputs` either way.
pub(crate) fn final_model(
    model: &ModelSpec,
    forest: Option<Vec<crate::trees::Tree>>,
    n_cols: usize,
    outputs: usize,
    fit: impl FnOnce() -> Result<crate::model::FittedModel>,
) -> Result<crate::model::FittedModel> {
    let fitted = match forest {
        None => fit()?,
        Some(trees) => model
            .forest_of(trees, n_cols)
            .ok_or_else(|| Error::new(ErrorKind::Internal, "trees that do not make the chosen forest"))?,
    };
    fitted.sound(model.name(), outputs)?;
    Ok(fitted)
}

/// The run's manifest: exactly how it was made.
pub(crate) fn manifest(
    table: &Table,
    file_name: &str,
    spec: &TrainSpec,
    prepared: &Prepared,
    fitted: &features::FittedFeatures,
    calibration: Option<String>,
    task: Task,
) -> Manifest {
    let balanced = if spec.balanced { ", class_weight = balanced" } else { "" };
    Manifest {
        file_name: base_name(file_name),
        input_sha256: table.input_sha256.clone(),
        format: table.format.clone(),
        n_rows: table.n_rows,
        n_columns: table.columns.len(),
        n_records: table.n_records,
        rows_skipped: table.row_issues.len(),
        target: table.columns[prepared.target_idx].name.clone(),
        task,
        rows_missing_target: table.n_rows - prepared.labelled,
        n_train: prepared.train_rows.len(),
        n_calibration: prepared.calibration_rows.len(),
        n_test: prepared.test_rows.len(),
        seed: spec.seed,
        test_size: spec.data.test_size,
        model: spec.model.name().to_string(),
        params: format!("{}{balanced}", spec.model.params_text_for(task)),
        preprocessing: spec.features.text(),
        feature_names: fitted.feature_names(),
        calibration,
        glassbox_version: crate::VERSION.to_string(),
        build_commit: crate::BUILD_COMMIT.map(str::to_string),
        columns: prepared.columns.clone(),
        source: None,
    }
}

/// The model file's schema: every column with its kind, date order and
/// (numeric) training range, and the target.
pub(crate) fn schema(table: &Table, prepared: &Prepared) -> Schema {
    Schema {
        columns: prepared
            .columns
            .iter()
            .zip(&table.columns)
            .map(|(c, col)| SchemaColumn {
                name: c.name.clone(),
                original_name: c.original_name.clone(),
                kind: c.kind,
                date_order: col.date.as_ref().map(|d| d.order),
                range: (col.kind == ColumnKind::Numeric)
                    .then(|| {
                        prepared
                            .train_rows
                            .iter()
                            .filter_map(|&r| col.number(r))
                            .fold(None, |acc: Option<[f64; 2]>, v| {
                                Some(acc.map_or([v, v], |[lo, hi]| [lo.min(v), hi.max(v)]))
                            })
                    })
                    .flatten(),
            })
            .collect(),
        target: table.columns[prepared.target_idx].name.clone(),
        timezone: table.format.timezone.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::ReadOptions;

    fn spec(target: &str) -> TrainSpec {
        TrainSpec::for_target(target)
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
        assert!(
            text.starts_with(
                "prediction,proba_9,proba_10,probability,ci_low,ci_high,issue\n,,,,,,\"line 2 has 1 fields"
            ),
            "{text}"
        );
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
        let mut kept = spec("y");
        (kept.data.keep, kept.data.drop) = (vec!["id".into()], vec!["x".into()]);
        let o = train(csv.as_bytes(), "f.csv", &kept).unwrap();
        assert_eq!(o.manifest.feature_names, ["id"]);
    }

    fn sample(file: &str) -> Vec<u8> {
        std::fs::read(format!("{}/../../public/samples/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn cross_validation_lands_in_metrics_json() {
        let mut spec = spec("diagnosis");
        spec.validation.cv = Some(5);
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
        let names = crate::model::model_names(crate::task::Task::Classification);
        let models: Vec<ModelSpec> = names.iter().map(|n| ModelSpec::by_name(n, 42).unwrap()).collect();
        let board = compare(&table, &spec("species"), &models, 5, &Control::default()).unwrap();
        let names: Vec<&str> = board.iter().map(|e| e.model.as_str()).collect();
        assert_eq!(names.len(), models.len());
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
        let mut spec = spec("y");
        spec.validation.time_column = Some("when".into());
        spec.validation.time_windows = 3;
        let o = train(csv.as_bytes(), "t.csv", &spec).unwrap();
        let json: serde_json::Value = serde_json::from_str(&o.metrics_json()).unwrap();
        assert_eq!(json["time_cv"]["windows"].as_array().unwrap().len(), 3);
        assert_eq!(json["time_cv"]["mode"], "expanding");
        assert_eq!(json["time_cv"]["metrics"]["accuracy"]["folds"].as_array().unwrap().len(), 3);
        let mut bad = spec;
        bad.validation.time_column = Some("nope".into());
        assert_eq!(train(csv.as_bytes(), "t.csv", &bad).unwrap_err().kind(), ErrorKind::UnknownColumn);
    }

    #[test]
    fn search_picks_the_best_trial_for_the_final_model() {
        use crate::search::Sampler;
        let mut spec = TrainSpec { model: ModelSpec::by_name("knn", 0).unwrap(), ..spec("species") };
        spec.search =
            crate::spec::SearchSpec { samplers: vec![Sampler::Random, Sampler::Tpe], trials: 6, refine: None };
        spec.validation.cv = Some(3);
        let o = train(&sample("penguins.csv"), "p.csv", &spec).unwrap();
        assert_eq!(o.search.runs.len(), 2);
        let best = o.search.trials().max_by(|a, b| a.score.total_cmp(&b.score)).unwrap();
        assert_eq!(
            o.model.spec,
            ModelSpec::by_name("knn", 0).unwrap().set("k", &best.params["k"].to_string()).unwrap(),
            "the final model has the best k"
        );
        let json: serde_json::Value = serde_json::from_str(&o.metrics_json()).unwrap();
        let trials = json["search"]["trials"].as_array().unwrap();
        assert_eq!(trials.len(), 12);
        assert!(trials.iter().all(|t| t["sampler"].is_string()
            && t["params"]["k"].is_number()
            && t["score"].is_number()
            && t["folds"].as_array().unwrap().len() == 3));
        assert_eq!(json["search"]["best"]["params"]["k"], best.params["k"]);
        assert_eq!(json["search"]["space"][0]["name"], "k");
        // One parameter takes all the importance there is.
        assert_eq!(json["search"]["param_importance"][0]["param"], "k");
        assert_eq!(json["search"]["param_importance"][0]["importance"], 1.0);
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
        assert_eq!(e.message(), "the file has one column, 'y', and nothing else to learn it from");
    }

    /// The suggested target of `csv`: "" when none is plausible (the page asks).
    fn check_suggestion(csv: &str, expected: &str) {
        let got = inspect(csv.as_bytes(), &ReadOptions::default(), None).unwrap().suggested_target;
        assert_eq!(got, expected, "{csv}");
    }

    #[test]
    fn inspect_suggests_a_plausible_target_never_free_text_or_an_identifier() {
        check_suggestion("x,species\n1,a\n2,b\n3,a\n4,b\n", "species");
        check_suggestion("a,b,c\nx,2,u\ny,2,v\nx,3,u\ny,3,v\n", "c");
        // The last column is free text (a car's name): the one before it.
        let mut cars = String::from("mpg,origin,name\n");
        for i in 0..40 {
            cars +=
                &format!("{}.5,{},ford model {i} deluxe wagon edition\n", 10 + i, ["usa", "europe", "japan"][i % 3]);
        }
        check_suggestion(&cars, "origin");
        // The last column names rows (an identifier): the one before it.
        let mut ids = String::from("x,y,id\n");
        for i in 0..40 {
            ids += &format!("{i},{},{}\n", ["a", "b"][i % 2], 1000 + i);
        }
        check_suggestion(&ids, "y");
        // A class of one row cannot be split into training and test rows.
        check_suggestion("x,y\n1,a\n2,a\n3,b\n", "");
        // One column: nothing to learn from. One row: nothing to split.
        check_suggestion("y\na\nb\na\nb\n", "");
        check_suggestion("species,x\na,1\n", "");
    }

    #[test]
    fn inspect_summarises_columns() {
        let opts = ReadOptions::default();
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
