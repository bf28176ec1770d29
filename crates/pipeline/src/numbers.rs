//! The last step of a run that predicts a number: the final fit, the test
//! rows' predictions and metrics beside the mean baseline's, and the model
//! file. The steps before it (search, cross-validation, a forest's trees)
//! and after it (importance, explanations) are the plan's, the same for
//! both tasks; only what is measured on the test rows differs, and it
//! lives here so `run.rs` keeps the classifier's.

use serde::{Deserialize, Serialize};

use crate::control::Control;
use crate::error::Result;
use crate::features;
use crate::ingest::Table;
use crate::model_file::{ModelFile, Provenance, FORMAT_VERSION};
use crate::regression::{regression_metrics, RegressionMetrics};
use crate::run::{Precomputed, Prepared, TrainOutcome, TrainSpec};
use crate::spec::TransformSetting;
use crate::target::TargetTransform;
use crate::task::Task;
use crate::validate::{CvResult, MetricSummary};

/// One test row of a regression run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumberPrediction {
    /// 0-based index of the data record in the file.
    pub row: usize,
    /// 1-based line of the record in the file.
    pub line: u64,
    pub actual: f64,
    pub predicted: f64,
}

impl NumberPrediction {
    /// The error as the report shows it: `actual − predicted` (positive
    /// when the model predicted too low), the sign of `mean_error`.
    pub fn error(&self) -> f64 {
        self.actual - self.predicted
    }
}

/// A test R² at which a fit is too good to take on trust: on real data it
/// has meant a column made from the target (bikes counted as casual plus
/// registered riders predicted their sum with R² 1.0000).
pub const NEAR_PERFECT_R2: f64 = 0.9999;

/// What a regression run measured on its test rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressionOutcome {
    pub metrics: RegressionMetrics,
    /// The same metrics for always predicting the training rows' mean
    /// (scikit-learn's `DummyRegressor`), on the same test rows.
    pub baseline: RegressionMetrics,
    /// The training mean the baseline predicts.
    pub baseline_value: f64,
    /// The scale the model was fitted on, and why.
    pub target_transform: ScaleReport,
    pub test_predictions: Vec<NumberPrediction>,
}

/// The scale a regressor was fitted on, what the person asked for, and
/// why: `auto`'s comparison when it made one, else its rule's reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScaleReport {
    /// What the person asked for: `auto`, `none` or `log1p`.
    pub setting: TransformSetting,
    pub used: TargetTransform,
    /// The training rows' target skewness (scipy's `skew`), which `auto` looks at.
    pub skewness: f64,
    /// Why this scale, in words.
    pub why: String,
    /// `auto`'s comparison: each scale's cross-validated RMSE on the
    /// target's own scale, on the same folds (empty when it compared nothing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compared: Vec<ScaleScore>,
}

/// One scale's cross-validated RMSE in `auto`'s comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScaleScore {
    pub transform: TargetTransform,
    pub rmse: MetricSummary,
}

/// Whether `auto` compares log1p with the target as it is for `spec`'s
/// model on training target `values`, or why not: the target's rule (see
/// `glassbox_train::target::log1p_candidate`), and no log of a Poisson
/// booster's log. The plan's comparison and the report both ask this.
pub(crate) fn auto_tries_log1p(spec: &TrainSpec, values: &[f64]) -> std::result::Result<(), String> {
    glassbox_train::target::log1p_candidate(values)?;
    if spec.model.fits_log_of_prediction() {
        return Err("a Poisson loss already fits the log of the prediction".to_string());
    }
    Ok(())
}

impl ScaleReport {
    /// The report of a run whose spec now holds the scale used: `compared`
    /// is what `auto` compared (then the person asked for `auto`).
    fn of(spec: &TrainSpec, values_train: &[f64], compared: Vec<(TargetTransform, CvResult)>) -> ScaleReport {
        let used = spec.target_transform.used();
        let skewness = glassbox_train::target::skewness(values_train);
        let compared: Vec<ScaleScore> = compared
            .into_iter()
            .filter_map(|(transform, cv)| Some(ScaleScore { transform, rmse: cv.metrics.get("rmse")?.clone() }))
            .collect();
        let setting = if compared.is_empty() { spec.target_transform } else { TransformSetting::Auto };
        let why = match setting {
            TransformSetting::None => "the target as it is, as asked".to_string(),
            TransformSetting::Log1p => "log1p, as asked".to_string(),
            TransformSetting::Auto => match compared.as_slice() {
                [a, b] => {
                    let (won, lost) = if b.transform == used { (b, a) } else { (a, b) };
                    let words = |t: TargetTransform| if t.is_none() { "the target as it is" } else { "log1p of it" };
                    format!(
                        "auto chose {}: a cross-validated RMSE of {} against {} for {}, over {} folds on the training rows",
                        if used.is_none() { "the target as it is" } else { "log1p" },
                        crate::metrics::fmt4(won.rmse.mean),
                        crate::metrics::fmt4(lost.rmse.mean),
                        words(lost.transform),
                        won.rmse.folds.len()
                    )
                }
                _ => format!(
                    "auto kept the target as it is: {}",
                    auto_tries_log1p(spec, values_train).err().unwrap_or_default()
                ),
            },
        };
        ScaleReport { setting, used, skewness, why, compared }
    }
}

impl RegressionOutcome {
    /// Where the model does not beat the mean, or a number cannot be said,
    /// in words a person can act on; empty when it beats it everywhere.
    pub fn warnings(&self) -> Vec<String> {
        let (m, b) = (&self.metrics, &self.baseline);
        let mut out = Vec::new();
        if m.r2.is_none() {
            out.push(format!(
                "R² is not defined on a test set of {} row: hold out more rows (a larger test size) to measure it",
                m.rows
            ));
        }
        if let Some(r2) = m.r2.filter(|&r2| r2 >= NEAR_PERFECT_R2) {
            out.push(format!(
                "R² is {} on rows the model never saw: a fit this close often means a column is computed from the target or known only after it; look at the most important columns before trusting it",
                crate::metrics::fmt4(r2)
            ));
        }
        if m.rmse >= b.rmse {
            out.push(format!(
                "its RMSE ({}) is no better than always predicting the training mean ({}): the features may not carry the target",
                crate::metrics::fmt4(m.rmse),
                crate::metrics::fmt4(b.rmse)
            ));
        }
        out
    }
}

/// The final fit and evaluation of a number to predict, and the model file.
pub(crate) fn finish_regression(
    table: &Table,
    file_name: &str,
    spec: &TrainSpec,
    prepared: &Prepared,
    done: Precomputed,
    control: &Control<'_>,
) -> Result<TrainOutcome> {
    let Precomputed { searches, cv: cv_done, forest, forest_seconds, scales } = done;
    let spec = &TrainSpec { model: crate::plan::chosen_model(spec, &searches), ..spec.clone() };
    let (cv, time_cv) = crate::run::validation(table, spec, prepared, cv_done, control)?;
    let Prepared { train_rows, test_rows, values_train, values_test, feature_columns, .. } = prepared;

    let fitted = features::fit(table, feature_columns, train_rows, &spec.features)?;
    let x_train = fitted.transform(table, train_rows)?;
    let x_test = fitted.transform(table, test_rows)?;
    let transform = spec.target_transform.used();
    let fit_values = prepared.fit_values(transform)?;
    let t0 = control.now();
    let model = crate::run::final_model(&spec.model, forest, x_train.n_cols, 1, || {
        spec.model.fit_numbers_with(&x_train, &fit_values, control)
    })?;
    let t1 = control.now();
    let mut outputs = model.predict_proba(&x_test);
    crate::prepare::back_to_target(transform, &mut outputs, test_rows, table)?;
    crate::prepare::check_probabilities(&outputs, test_rows, table, spec.model.name())?;
    let timing =
        crate::validate::Timing { fit_seconds: forest_seconds + (t1 - t0), predict_seconds: control.now() - t1 };
    let predicted: Vec<f64> = outputs.iter().map(|p| p[0]).collect();
    let metrics = regression_metrics(values_test, &predicted)?;
    let baseline_value = glassbox_train::models::baseline::mean(values_train);
    let baseline = regression_metrics(values_test, &vec![baseline_value; values_test.len()])?;
    let test_predictions = test_rows
        .iter()
        .zip(values_test)
        .zip(&predicted)
        .map(|((&row, &actual), &predicted)| NumberPrediction {
            row: table.records[row],
            line: table.lines[row],
            actual,
            predicted,
        })
        .collect();
    let (mut warnings, notes) = (model.warnings(), model.notes());
    // Words in a numeric target (a few, or it would read as text): their rows
    // are missing targets, and the person is told which.
    let target = &table.columns[prepared.target_idx];
    if let Some(first) = target.strays.first() {
        let n = target.strays.len();
        warnings.push(format!(
            "{n} {} of the target '{}' {} not a number, so {} left out as a missing target: '{}' on line {}{}",
            if n == 1 { "value" } else { "values" },
            target.name,
            if n == 1 { "is" } else { "are" },
            if n == 1 { "its row was" } else { "their rows were" },
            glassbox_core::text::escape_invisible(&first.token, false),
            first.line,
            if n > 1 { " and others" } else { "" }
        ));
    }
    let manifest = crate::run::manifest(table, file_name, spec, prepared, &fitted, None, Task::Regression);
    let model_file = ModelFile {
        format_version: FORMAT_VERSION,
        glassbox_version: crate::VERSION.to_string(),
        schema: crate::run::schema(table, prepared),
        task: Task::Regression,
        target_transform: transform,
        classes: Vec::new(),
        features: fitted,
        spec: spec.model.clone(),
        model,
        provenance: Provenance {
            input_sha256: table.input_sha256.clone(),
            seed: spec.seed,
            test_size: spec.data.test_size,
        },
        threshold: None,
        baseline: crate::run::column_means(&x_train),
        calibration: None,
        intervals: None,
        // Monitoring a regressor (its errors and intervals) is the next step.
        profile: None,
    };
    let model_json_bytes = model_file.json_len();
    Ok(TrainOutcome {
        model_json_bytes,
        threshold: None,
        importance: Vec::new(),
        shap: None,
        manifest,
        classes: Vec::new(),
        evaluation: Default::default(),
        test_predictions: Vec::new(),
        row_issues: table.row_issues.clone(),
        model: model_file,
        cv,
        time_cv,
        search: searches,
        timing,
        warnings,
        notes,
        baseline: Default::default(),
        regression: Some(RegressionOutcome {
            metrics,
            baseline,
            baseline_value,
            target_transform: ScaleReport::of(spec, values_train, scales),
            test_predictions,
        }),
    })
}
