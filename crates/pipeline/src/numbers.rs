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
use glassbox_evaluate::conformal::{self as conformal_math, Audit, Level};
use glassbox_serve::conformal::{Conformal, Method, NumberInterval};

/// One test row of a regression run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumberPrediction {
    /// 0-based index of the data record in the file.
    pub row: usize,
    /// 1-based line of the record in the file.
    pub line: u64,
    pub actual: f64,
    pub predicted: f64,
    /// The row's prediction interval, when the model has a bounded one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<NumberInterval>,
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
    /// The prediction interval and its audit on the test rows; `None` when
    /// the run asked for none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<IntervalReport>,
}

/// How the run's prediction intervals were made, and how they did on the
/// test rows, which neither the model nor the calibration saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntervalReport {
    /// The method, level, rows, rank and half-width (CV+'s fold models and
    /// residuals stay in the model file).
    #[serde(flatten)]
    pub conformal: Conformal,
    /// CV+'s folds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folds: Option<usize>,
    /// What the method promises, in words, to set beside the measured coverage.
    pub guarantee: String,
    /// Coverage (with its Wilson 95% interval), mean width, Winkler score
    /// and coverage by decile of the prediction, on the test rows.
    pub test: Audit,
}

impl IntervalReport {
    /// The method in words, as the model file's [`Conformal::describe`] says it.
    pub fn describe(&self) -> String {
        let c = &self.conformal;
        glassbox_serve::conformal::describe(c.method, c.level, c.calibration_rows, self.folds)
    }
}

/// The share of the training rows held out to calibrate a regressor's
/// interval. One fifth: the calibration rows' count sets how tightly the
/// coverage sits above the level (it is below `level + 1/(n + 1)` with
/// distinct scores), and the model loses a fifth of its rows, as the test
/// split already costs it.
pub(crate) fn calibration_share(_train_rows: usize) -> f64 {
    0.2
}

/// Below this many training rows a regressor's interval is CV+ rather
/// than split conformal: a fifth held out would leave fewer than 100 rows
/// to calibrate on (the coverage then sits up to 1/(n+1) above the level,
/// a point or more) and take a fifth of an already small training set
/// from the model. CV+ uses every row for both, at the cost of
/// `CV_PLUS_FOLDS` more fits and fold models in the file.
pub const CV_PLUS_BELOW: usize = 500;
/// CV+'s folds: five, so the model file holds five more models.
pub const CV_PLUS_FOLDS: usize = 5;
/// The seed's stream for CV+'s folds.
const CV_PLUS_STREAM: u64 = 0xC0FF_0A1E_5EED_0002;

/// The interval's method for a training set of `train_rows` (before any
/// calibration slice is taken), unless the person chose one.
pub(crate) fn interval_method(spec: &TrainSpec, train_rows: usize) -> Method {
    match spec.interval_method {
        crate::spec::IntervalMethod::Split => Method::Split,
        crate::spec::IntervalMethod::CvPlus => Method::CvPlus,
        crate::spec::IntervalMethod::Cqr => Method::Cqr,
        crate::spec::IntervalMethod::Auto if train_rows < CV_PLUS_BELOW => Method::CvPlus,
        crate::spec::IntervalMethod::Auto => Method::Split,
    }
}

/// The words of the guarantee at `level` with `n` rows.
fn guarantee(method: Method, level: Level, n: usize) -> String {
    let p = glassbox_serve::conformal::percent(level);
    if method == Method::CvPlus && level.rank(n).is_some() {
        let twice =
            glassbox_serve::conformal::percent(Level::new((1.0 - 2.0 * level.alpha()).max(1e-6)).unwrap_or(level));
        return format!(
            "for a new row drawn like the training rows, the {p}% interval holds its true value with probability at least {twice}% in theory and close to {p}% in practice (CV+ over {CV_PLUS_FOLDS} folds of the {n} training rows, each row's residual from the model fitted without its fold; fewer than {CV_PLUS_BELOW} training rows, so none was held out)"
        );
    }
    if method == Method::Cqr && level.rank(n).is_some() {
        let [low, high] = glassbox_serve::conformal::Cqr::quantiles(level);
        return format!(
            "for a new row drawn like the training rows, the {p}% interval holds its true value with probability at least {p}% (conformalized quantile regression: gradient boosting at the {low} and {high} quantiles, widened or narrowed by the scores of {n} calibration rows the models were not fitted on; at most {:.2}% with distinct scores)",
            100.0 * (level.value() + 1.0 / (n as f64 + 1.0)).min(1.0)
        );
    }
    match level.rank(n) {
        Some(_) => format!(
            "for a new row drawn like the training rows, the {p}% interval holds its true value with probability at least {p}% (split conformal, {n} calibration rows the model was not fitted on; at most {:.2}% with distinct residuals)",
            100.0 * (level.value() + 1.0 / (n as f64 + 1.0)).min(1.0)
        ),
        None => format!(
            "no bounded {p}% interval can be promised from {n} calibration rows (at least {} are needed), so every interval is unbounded",
            level.rows_needed()
        ),
    }
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
        if let Some(why) = self.interval.as_ref().and_then(|i| i.conformal.unbounded_reason()) {
            out.push(format!("{why}: use more rows or a lower level"));
        }
        if let Some(i) = self.interval.as_ref().filter(|i| i.conformal.method != Method::Cqr) {
            if let Some(d) = i.test.short_decile() {
                let highest = i.test.by_decile.iter().map(|d| d.coverage).fold(0.0, f64::max);
                out.push(format!(
                    "the {}% intervals hold only {:.1}% of the test rows whose prediction is {} to {} (and up to {:.1}% elsewhere): the errors grow or shrink with the prediction, and one width does not fit every row; conformalized quantile regression (--interval-method cqr, the app's interval method \"quantile\") gives intervals that follow them",
                    glassbox_serve::conformal::percent(i.conformal.level),
                    100.0 * d.coverage,
                    crate::metrics::fmt4(d.from),
                    crate::metrics::fmt4(d.to),
                    100.0 * highest
                ));
            }
        }
        out
    }
}

/// The final fit and evaluation of a number to predict, and the model file.
pub(crate) fn finish_regression(
    table: &Table,
    file_name: &str,
    spec: &TrainSpec,
    recipe: crate::recipe::Recipe,
    prepared: &Prepared,
    done: Precomputed,
    control: &Control<'_>,
) -> Result<TrainOutcome> {
    let Precomputed { search, cv: cv_done, forest, forest_seconds, scales } = done;
    let spec = &TrainSpec { model: crate::plan::chosen_model(spec, &search), ..spec.clone() };
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
    let fitted_outputs: Vec<f64> = outputs.iter().map(|p| p[0]).collect();
    crate::prepare::back_to_target(transform, &mut outputs, test_rows, table)?;
    crate::prepare::check_probabilities(&outputs, test_rows, table, spec.model.name())?;
    let timing =
        crate::validate::Timing { fit_seconds: forest_seconds + (t1 - t0), predict_seconds: control.now() - t1 };
    let predicted: Vec<f64> = outputs.iter().map(|p| p[0]).collect();
    let metrics = regression_metrics(values_test, &predicted)?;
    let conformal = calibrate(table, spec, prepared, &fitted, &model, transform, &x_train, control)?;
    let intervals: Vec<Option<NumberInterval>> = match &conformal {
        Some(c) => c.intervals(&x_test, &fitted_outputs, |v| transform.inverse(v)),
        None => vec![None; predicted.len()],
    };
    let interval = match &conformal {
        Some(c) => {
            let ends = |pick: fn(&NumberInterval) -> f64, unbounded: f64| -> Vec<f64> {
                intervals.iter().map(|i| i.as_ref().map_or(unbounded, pick)).collect()
            };
            let (low, high) = (ends(|i| i.low, f64::NEG_INFINITY), ends(|i| i.high, f64::INFINITY));
            let test = conformal_math::audit(c.level, values_test, &predicted, &low, &high)?;
            Some(IntervalReport {
                conformal: Conformal { cv_plus: None, cqr: None, ..c.clone() },
                folds: c.cv_plus.as_ref().map(|cv| cv.models.len()),
                guarantee: guarantee(c.method, c.level, c.calibration_rows),
                test,
            })
        }
        None => None,
    };
    let baseline_value = glassbox_train::models::baseline::mean(values_train);
    let baseline = regression_metrics(values_test, &vec![baseline_value; values_test.len()])?;
    let test_predictions = test_rows
        .iter()
        .zip(values_test)
        .zip(&predicted)
        .zip(&intervals)
        .map(|(((&row, &actual), &predicted), &interval)| NumberPrediction {
            row: table.records[row],
            line: table.lines[row],
            actual,
            predicted,
            interval,
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
        profile: Some(glassbox_monitor::Profile::for_regressor(
            table,
            train_rows,
            feature_columns,
            prepared.target_idx,
            values_test,
            &predicted,
            glassbox_monitor::profile::ReferenceErrors::of(
                values_test,
                &predicted,
                interval.as_ref().map(|i| i.conformal.level.value()),
                interval.as_ref().map(|i| i.test.coverage),
            ),
        )),
        conformal,
        recipe: Some(recipe.to_value()),
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
        search,
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
            interval,
        }),
    })
}

/// The interval's calibration: split conformal (the fitted model's
/// absolute residuals on the calibration slice, on the scale it was fitted
/// on, and their quantile at the run's level), or CV+ for a small training
/// set ([`interval_method`]). `None` when the run asked for no interval.
#[allow(clippy::too_many_arguments)]
fn calibrate(
    table: &Table,
    spec: &TrainSpec,
    prepared: &Prepared,
    fitted: &features::FittedFeatures,
    model: &crate::model::FittedModel,
    transform: TargetTransform,
    x_train: &glassbox_core::Matrix,
    control: &Control<'_>,
) -> Result<Option<Conformal>> {
    let Some(level) = spec.interval else { return Ok(None) };
    let rows = &prepared.calibration_rows;
    let method = interval_method(spec, prepared.train_rows.len() + rows.len());
    if method == Method::CvPlus {
        return cv_plus(spec, prepared, level, transform, x_train, control).map(Some);
    }
    let truth = transform.forward(&prepared.values_calibration)?;
    let x_calibration = if rows.is_empty() { None } else { Some(fitted.transform(table, rows)?) };
    let outputs = |m: &crate::model::FittedModel| -> Result<Vec<f64>> {
        let out: Vec<f64> = match &x_calibration {
            Some(x) => m.predict_proba(x).iter().map(|p| p[0]).collect(),
            None => Vec::new(),
        };
        match out.iter().position(|o| !o.is_finite()) {
            Some(i) => Err(crate::error::Error::new(
                crate::error::ErrorKind::Internal,
                format!("the model's output on calibration line {} is {}, not a number", table.lines[rows[i]], out[i]),
            )),
            None => Ok(out),
        }
    };
    let (scores, cqr) = if method == Method::Cqr {
        let quantiles = glassbox_serve::conformal::Cqr::quantiles(level);
        let fit_values = prepared.fit_values(transform)?;
        let [low, high] =
            quantiles.map(|q| spec.model.quantile_model(spec.seed, q).fit_numbers_with(x_train, &fit_values, control));
        let (low, high) = (low?, high?);
        let (lows, highs) = (outputs(&low)?, outputs(&high)?);
        let scores = truth.iter().zip(lows.iter().zip(&highs)).map(|(t, (l, h))| (l - t).max(t - h)).collect();
        (scores, Some(glassbox_serve::conformal::Cqr { quantiles, low, high }))
    } else {
        (outputs(model)?.iter().zip(&truth).map(|(p, t)| (t - p).abs()).collect::<Vec<f64>>(), None)
    };
    let half_width = if cqr.is_some() {
        conformal_math::score_quantile(&scores, level)?
    } else {
        conformal_math::split_quantile(&scores, level)?
    };
    Ok(Some(Conformal {
        method,
        level,
        calibration_rows: scores.len(),
        rank: level.rank(scores.len()),
        half_width,
        cv_plus: None,
        cqr,
    }))
}

/// CV+: the model refitted without each of `CV_PLUS_FOLDS` seeded folds of
/// the training rows (on the feature matrix the final model reads), and
/// every row's absolute residual from the fit that did not see it.
fn cv_plus(
    spec: &TrainSpec,
    prepared: &Prepared,
    level: Level,
    transform: TargetTransform,
    x_train: &glassbox_core::Matrix,
    control: &Control<'_>,
) -> Result<Conformal> {
    let values = prepared.fit_values(transform)?;
    let n = values.len();
    let folds =
        glassbox_evaluate::validate::Target::Numbers(&values).folds(CV_PLUS_FOLDS, spec.seed ^ CV_PLUS_STREAM)?;
    let (mut fold_of, mut residuals) = (vec![0usize; n], vec![0.0f64; n]);
    let mut models = Vec::with_capacity(folds.len());
    for (k, out) in folds.iter().enumerate() {
        let mut held = vec![false; n];
        out.iter().for_each(|&i| held[i] = true);
        let inside: Vec<usize> = (0..n).filter(|&i| !held[i]).collect();
        let x_in = x_train.select_rows(&inside);
        let y_in: Vec<f64> = inside.iter().map(|&i| values[i]).collect();
        let m = spec.model.fit_numbers_with(&x_in, &y_in, control)?;
        let outputs = m.predict_proba(&x_train.select_rows(out));
        for (&i, o) in out.iter().zip(&outputs) {
            fold_of[i] = k;
            residuals[i] = (values[i] - o[0]).abs();
        }
        models.push(m);
    }
    if let Some(i) = residuals.iter().position(|r| !r.is_finite()) {
        return Err(crate::error::Error::new(
            crate::error::ErrorKind::Internal,
            format!("a CV+ fold model's output on training row {i} is not a number"),
        ));
    }
    Ok(Conformal {
        method: Method::CvPlus,
        level,
        calibration_rows: n,
        rank: level.rank(n),
        half_width: None,
        cv_plus: Some(glassbox_serve::conformal::CvPlus { models, fold_of, residuals }),
        cqr: None,
    })
}
