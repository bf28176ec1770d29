//! What a training run produces: the manifest that says exactly how it was
//! made, the test set's predictions and metrics, validation and search
//! results, and the model file; and `metrics.json`, the document the CLI writes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ingest::{ColumnKind, Format, RowIssue};
use crate::metrics::{ClassScores, Evaluation, RocCurve};
use crate::model_file::ModelFile;
use crate::quality::Flag;
use crate::validate;

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
    /// What the run predicts; written only for a number (a regression).
    #[serde(default, skip_serializing_if = "crate::task::Task::is_classification")]
    pub task: crate::task::Task,
    pub rows_missing_target: usize,
    pub n_train: usize,
    pub n_test: usize,
    /// Training rows held out of every fit to calibrate a regressor's
    /// prediction interval (not counted in `n_train`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub n_calibration: usize,
    pub seed: u64,
    pub test_size: f64,
    pub model: String,
    pub params: String,
    /// The feature pipeline's settings, as a line of text.
    pub preprocessing: String,
    pub columns: Vec<ColumnReport>,
    pub feature_names: Vec<String>,
    /// How the probabilities were calibrated, in words; `None`: the model's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<String>,
    pub glassbox_version: String,
    /// The commit this Glassbox was built from, where the build knew it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_commit: Option<String>,
    /// Set when the rows came from a database or a topic rather than a file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRecord>,
}

/// Where rows that are not a file came from, as the manifest keeps it:
/// never a credential. `input_sha256` is then the hash of the rows in
/// `encoding` (what `glassbox sync` writes for the same rows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRecord {
    /// The address and the table or query (`postgres://host:5432/db table t`).
    pub source: String,
    pub encoding: String,
    /// The zone naive timestamps were read in.
    pub timezone: String,
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
    /// Packed: it can be tens of megabytes (see [`crate::packed`]).
    #[serde(with = "crate::packed")]
    pub model: ModelFile,
    /// Cross-validation on the training rows, when asked for.
    pub cv: Option<validate::CvResult>,
    /// Time-ordered validation on the training rows, when asked for.
    pub time_cv: Option<validate::TimeCvResult>,
    /// The hyper-parameter search, when asked for: each sampler's trials,
    /// the parameters' importance and the refinement.
    #[serde(default)]
    pub search: crate::search::SearchOutcome,
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
    /// The decision threshold the test metrics and the model use, when one was set or chosen.
    #[serde(default)]
    pub threshold: Option<crate::model_file::Threshold>,
    /// Permutation importance of each input column on the test rows, most important first.
    #[serde(default)]
    pub importance: Vec<crate::importance::Importance>,
    /// Shapley explanations of (a sample of) the test rows, when measured.
    #[serde(default)]
    pub shap: Option<ShapSummary>,
    /// What always answering the most frequent class scores on the same test rows.
    #[serde(default)]
    pub baseline: crate::metrics::Baseline,
    /// The size of `model.json` in bytes, measured where the model was made,
    /// so a page can say it without writing the file on its own thread.
    #[serde(default)]
    pub model_json_bytes: u64,
    /// A run that predicts a number: its test metrics, baseline and rows
    /// (then `classes`, `evaluation`, `test_predictions` and `baseline` are empty).
    #[serde(default)]
    pub regression: Option<crate::numbers::RegressionOutcome>,
}

/// The test rows' explanations and their summary (see `glassbox_evaluate::shap`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShapSummary {
    pub method: crate::explain::Method,
    pub space: crate::shap::Space,
    /// Column orders the sampler averaged (0: exact).
    pub permutations: usize,
    /// The input columns, in the model's order (each explanation's `phi` follows it).
    pub columns: Vec<String>,
    /// Mean |φ| per column over the explained rows.
    pub mean_abs: Vec<f64>,
    /// The explained test rows (table rows, at most [`crate::plan::SHAP_ROWS`],
    /// fewer for a big tree ensemble: [`crate::plan::shap_rows`]) and each one's class.
    pub rows: Vec<usize>,
    pub classes: Vec<usize>,
    pub explanations: Vec<crate::shap::Explanation>,
}

/// The `metrics.json` document: held-out test metrics with class labels as keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsJson {
    pub classes: Vec<String>,
    pub test_rows: Vec<usize>,
    pub accuracy: f64,
    /// The mean recall per class (scikit-learn's `balanced_accuracy_score`).
    pub balanced_accuracy: f64,
    pub roc_auc: f64,
    pub log_loss: f64,
    /// Of the positive class when binary, the macro average otherwise.
    pub average_precision: f64,
    /// By class: the positive class when binary, every class (one-vs-rest) otherwise.
    pub average_precision_per_class: BTreeMap<String, f64>,
    pub brier: f64,
    /// Expected calibration error over the reliability diagram's bins.
    pub ece: f64,
    pub confusion_matrix: Vec<Vec<usize>>,
    pub per_class: BTreeMap<String, ClassScores>,
    pub macro_avg: ClassScores,
    pub weighted_avg: ClassScores,
    pub rows_missing_target: usize,
    pub rows_skipped: usize,
    /// The same metrics for always answering the most frequent training class.
    pub baseline: BaselineJson,
    /// Where the model does not beat that baseline, in words (empty when it does).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub baseline_warnings: Vec<String>,
    pub roc_curves: Vec<RocCurve>,
    /// The reliability diagram of the positive class (binary targets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<CalibrationJson>,
    /// Per metric: mean, std and each fold, when cross-validation ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv: Option<BTreeMap<String, validate::MetricSummary>>,
    /// Time-ordered validation: windows and per-metric summaries, when it ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_cv: Option<validate::TimeCvResult>,
    /// The decision threshold, when one was set or chosen: the confusion
    /// matrix and per-class scores above are at it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<crate::model_file::Threshold>,
    /// Permutation importance per input column: the drop in ROC AUC (`mean`,
    /// `std`) and in accuracy over `repeats` shuffles of the test rows.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub importance: BTreeMap<String, ImportanceJson>,
    /// Mean |SHAP value| per input column over the explained test rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shap: Option<ShapJson>,
    /// The search, when one ran: its trials (score: mean CV ROC AUC), the
    /// parameters' importance, the refinement and the trial the model took.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<SearchJson>,
}

/// `metrics.json`'s SHAP summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShapJson {
    /// `linear`, `tree_path_dependent` or `permutation_sampling`.
    pub method: String,
    /// `log_odds` or `probability`.
    pub space: String,
    pub rows: usize,
    /// Column orders sampled per row (0: exact).
    pub permutations: usize,
    pub mean_abs: BTreeMap<String, f64>,
}

/// One column's entry in `metrics.json`'s `importance`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportanceJson {
    pub mean: f64,
    pub std: f64,
    pub repeats: usize,
    /// The test rows shuffled (a big test set is sampled).
    pub rows: usize,
    pub accuracy_mean: f64,
    pub accuracy_std: f64,
}

/// `metrics.json`'s baseline: scikit-learn's `DummyClassifier(strategy="prior")`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BaselineJson {
    /// The class it always answers.
    pub class: String,
    pub accuracy: f64,
    pub balanced_accuracy: f64,
    pub roc_auc: f64,
    pub log_loss: f64,
    pub average_precision: f64,
    pub brier: f64,
}

/// `metrics.json`'s reliability diagram: per non-empty bin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationJson {
    pub prob_true: Vec<f64>,
    pub prob_pred: Vec<f64>,
    pub counts: Vec<usize>,
}

impl TrainOutcome {
    /// The model file at another decision threshold (the app's operating
    /// point): the threshold, and the test-set F1 and accuracy the profile
    /// keeps for decay, as `train --threshold` writes them.
    /// `rule` is how the person chose it, which the model's recipe keeps
    /// (a threshold without one is kept as set at its value).
    pub fn model_at(
        &self,
        threshold: Option<crate::model_file::Threshold>,
        rule: Option<crate::threshold::ThresholdRule>,
    ) -> ModelFile {
        let moved = threshold != self.model.threshold;
        let mut model = ModelFile { threshold, ..self.model.clone() };
        // Edited as JSON: the page that calls this does not carry the recipe's strict reader.
        let rule =
            model.threshold.as_ref().map(|t| rule.unwrap_or(crate::threshold::ThresholdRule::Fixed { value: t.value }));
        if let (true, Some(run)) = (moved, model.recipe.as_mut().and_then(|r| r.get_mut("run"))) {
            run["threshold"] = serde_json::to_value(rule).expect("a rule always serialises");
        }
        let cut = model.threshold.as_ref().map(|t| t.value);
        if let Some(m) = model.profile.as_mut().and_then(|p| p.metrics.as_mut()) {
            let y: Vec<usize> = self.test_predictions.iter().map(|t| t.actual).collect();
            let predicted: Vec<usize> =
                self.test_predictions.iter().map(|t| glassbox_core::decide(&t.proba, cut)).collect();
            m.f1 = glassbox_monitor::decay::f1_score(&y, &predicted, self.classes.len());
            m.accuracy = crate::metrics::accuracy(&y, &predicted);
        }
        model
    }

    /// `recipe.json`'s text: the recipe the model file embeds, as it is.
    pub fn recipe_json(&self) -> Option<String> {
        self.model.recipe.as_ref().map(crate::recipe::json_text)
    }

    /// The recipe the model was made with, when its file has one, read back.
    pub fn recipe(&self) -> Option<crate::recipe::Recipe> {
        self.model.recipe.as_ref().and_then(|v| crate::recipe::Recipe::from_value(v).ok())
    }

    /// Puts `recipe` in the model file (the CLI's, which records the
    /// options given over another recipe).
    pub fn set_recipe(&mut self, recipe: &crate::recipe::Recipe) {
        self.model.recipe = Some(recipe.to_value());
        self.model_json_bytes = self.model.json_len();
    }

    /// Whether the classes are imbalanced: the rarest has under half the
    /// rows an even share would give it (under 25% of two classes).
    pub fn imbalanced(&self) -> bool {
        let e = &self.evaluation;
        let total: usize = e.per_class.iter().map(|c| c.support).sum();
        let rarest = e.per_class.iter().map(|c| c.support).min().unwrap_or(0);
        (rarest as f64) < 0.5 * total as f64 / self.classes.len().max(1) as f64
    }

    /// Where the model does not beat doing nothing (always answering the most
    /// frequent class, with the class shares as probabilities), in words a
    /// person can act on; empty when it beats it everywhere. A newcomer once
    /// saw an accuracy of 0.9356 on a 6%-positive target, below the 0.9399
    /// of answering "no" every time, with no warning.
    pub fn baseline_warnings(&self) -> Vec<String> {
        let (e, b) = (&self.evaluation, &self.baseline);
        let majority = self.classes.get(b.class).map_or("", String::as_str);
        let mut out = Vec::new();
        if e.accuracy <= b.accuracy {
            out.push(format!(
                "the accuracy ({}) is no better than always answering '{majority}' ({}): count the classes the model finds, not its accuracy",
                crate::metrics::fmt4(e.accuracy),
                crate::metrics::fmt4(b.accuracy)
            ));
        }
        if e.log_loss >= b.log_loss {
            out.push(format!(
                "its probabilities are no better than the class shares (log loss {} against {})",
                crate::metrics::fmt4(e.log_loss),
                crate::metrics::fmt4(b.log_loss)
            ));
        }
        if e.roc_auc <= 0.5 {
            out.push(format!("it ranks rows no better than chance (ROC AUC {})", crate::metrics::fmt4(e.roc_auc)));
        }
        let weighted = self.manifest.params.contains("class_weight = balanced");
        if self.imbalanced() && !weighted {
            let total: usize = e.per_class.iter().map(|c| c.support).sum();
            // The class found least often, among the rare ones.
            let missed = e
                .per_class
                .iter()
                .enumerate()
                .filter(|(_, c)| c.support > 0 && c.recall < 0.5)
                .min_by(|a, b| a.1.recall.total_cmp(&b.1.recall));
            if let Some((k, c)) = missed {
                out.push(format!(
                    "'{}' is {:.1}% of the test rows and the model finds {:.1}% of them: try balanced class weights",
                    self.classes[k],
                    100.0 * c.support as f64 / total.max(1) as f64,
                    100.0 * c.recall
                ));
            }
        }
        out
    }

    /// The whole outcome at another decision threshold (the app's operating
    /// point): the model file, the predictions, the confusion matrix and the
    /// per-class scores at it, so that `model.json`, `report.html` and
    /// `report.pdf` exported together say the same threshold. (The report
    /// once said "the most probable class" beside a model that kept 0.4612.)
    pub fn at(
        &self,
        threshold: Option<crate::model_file::Threshold>,
        rule: Option<crate::threshold::ThresholdRule>,
    ) -> TrainOutcome {
        if threshold == self.threshold {
            return self.clone();
        }
        let cut = threshold.as_ref().map(|t| t.value);
        let y: Vec<usize> = self.test_predictions.iter().map(|t| t.actual).collect();
        let proba: Vec<Vec<f64>> = self.test_predictions.iter().map(|t| t.proba.clone()).collect();
        let mut o = self.clone();
        o.evaluation = crate::metrics::evaluate_at(&y, &proba, self.classes.len(), cut);
        for t in &mut o.test_predictions {
            t.predicted = glassbox_core::decide(&t.proba, cut);
        }
        o.model = self.model_at(threshold.clone(), rule);
        o.threshold = threshold;
        o
    }

    /// The test rows as a binary problem (two classes): whether each is of
    /// the positive class, and its probability of it.
    pub fn binary_scores(&self) -> (Vec<bool>, Vec<f64>) {
        self.test_predictions.iter().map(|p| (p.actual == 1, p.proba[1])).unzip()
    }

    /// The class each ROC and precision-recall curve is of: the positive
    /// class when binary, each class otherwise.
    pub fn curve_classes(&self) -> Vec<String> {
        if self.classes.len() == 2 {
            vec![self.classes[1].clone()]
        } else {
            self.classes.clone()
        }
    }

    /// The test rows (0-based records in the file), in order.
    pub fn test_rows(&self) -> Vec<usize> {
        match &self.regression {
            Some(r) => r.test_predictions.iter().map(|p| p.row).collect(),
            None => self.test_predictions.iter().map(|p| p.row).collect(),
        }
    }

    /// What the run predicts.
    pub fn task(&self) -> crate::task::Task {
        self.manifest.task
    }

    pub fn metrics_json(&self) -> String {
        if let Some(r) = &self.regression {
            return self.regression_metrics_json(r);
        }
        let e = &self.evaluation;
        let doc = MetricsJson {
            classes: self.classes.clone(),
            test_rows: self.test_rows(),
            accuracy: e.accuracy,
            balanced_accuracy: crate::metrics::balanced_accuracy(e),
            roc_auc: e.roc_auc,
            log_loss: e.log_loss,
            average_precision: e.average_precision,
            average_precision_per_class: self
                .curve_classes()
                .into_iter()
                .zip(e.pr_curves.iter().map(|c| c.average_precision))
                .collect(),
            brier: e.brier,
            ece: e.calibration.ece,
            confusion_matrix: e.confusion_matrix.clone(),
            per_class: self.classes.iter().cloned().zip(e.per_class.iter().copied()).collect(),
            macro_avg: e.macro_avg,
            weighted_avg: e.weighted_avg,
            rows_missing_target: self.manifest.rows_missing_target,
            rows_skipped: self.manifest.rows_skipped,
            baseline: BaselineJson {
                class: self.classes.get(self.baseline.class).cloned().unwrap_or_default(),
                accuracy: self.baseline.accuracy,
                balanced_accuracy: self.baseline.balanced_accuracy,
                roc_auc: self.baseline.roc_auc,
                log_loss: self.baseline.log_loss,
                average_precision: self.baseline.average_precision,
                brier: self.baseline.brier,
            },
            baseline_warnings: self.baseline_warnings(),
            roc_curves: e.roc_curves.clone(),
            calibration: (self.classes.len() == 2).then(|| CalibrationJson {
                prob_true: e.calibration.prob_true.clone(),
                prob_pred: e.calibration.prob_pred.clone(),
                counts: e.calibration.counts.clone(),
            }),
            cv: self.cv.as_ref().map(|c| c.metrics.clone()),
            time_cv: self.time_cv.clone(),
            threshold: self.threshold.clone(),
            importance: self
                .importance
                .iter()
                .map(|i| {
                    let j = ImportanceJson {
                        mean: i.mean,
                        std: i.std,
                        repeats: i.repeats,
                        rows: i.rows,
                        accuracy_mean: i.accuracy_mean,
                        accuracy_std: i.accuracy_std,
                    };
                    (i.column.clone(), j)
                })
                .collect(),
            shap: self.shap_json(),
            search: SearchJson::of(&self.search),
        };
        let mut s = serde_json::to_string_pretty(&doc).expect("metrics always serialise");
        s.push('\n');
        s
    }
}

/// `metrics.json`'s `search`: the searched space, every search trial
/// (sampler after sampler; each with its score and its fold scores), the
/// parameters' fANOVA importance (most important first), the refinement's
/// grid when it ran, and `best`, the trial the final model trained with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchJson {
    pub space: Vec<crate::search::SearchedParam>,
    pub trials: Vec<crate::search::Trial>,
    pub param_importance: Vec<crate::fanova::ParamImportance>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refine: Option<crate::search::Refinement>,
    pub best: Option<crate::search::Trial>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl SearchJson {
    fn of(s: &crate::search::SearchOutcome) -> Option<SearchJson> {
        (!s.is_empty()).then(|| SearchJson {
            space: s.space.clone(),
            trials: s.trials().cloned().collect(),
            param_importance: s.param_importance.clone(),
            refine: s.refine.clone(),
            best: s.best().cloned(),
            notes: s.notes.clone(),
        })
    }
}

/// `metrics.json` of a regression run: the test metrics with scikit-learn's
/// names, the mean baseline's, and what validation, search, importance
/// and explanations measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressionMetricsJson {
    pub task: crate::task::Task,
    pub target: String,
    pub test_rows: Vec<usize>,
    /// `r2` (`null` with one test row, where R² is not defined: see
    /// `warnings`), `rmse`, `mae`, `mape` (a fraction, scikit-learn's ε rule
    /// at a zero target), `median_absolute_error`, `max_error`,
    /// `explained_variance`, `mean_error` (actual − predicted: positive when
    /// the model predicts too low) and `rows`, as scikit-learn defines them.
    #[serde(flatten)]
    pub metrics: crate::regression::RegressionMetrics,
    pub rows_missing_target: usize,
    pub rows_skipped: usize,
    /// Always predicting the training rows' mean, on the same test rows.
    pub baseline: RegressionBaselineJson,
    /// The scale the model was fitted on (`used`), what was asked
    /// (`setting`), the target's skewness, why, and `auto`'s comparison.
    pub target_transform: crate::numbers::ScaleReport,
    /// The prediction interval (method, level, calibration rows, rank,
    /// half-width), its guarantee in words and its audit on the test rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<crate::numbers::IntervalReport>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Per metric (`r2`, `rmse`, `mae`): mean, std and each fold, when cross-validation ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv: Option<BTreeMap<String, validate::MetricSummary>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_cv: Option<validate::TimeCvResult>,
    /// Permutation importance per input column: the drop in R² and the rise in RMSE.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub importance: BTreeMap<String, RegressionImportanceJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shap: Option<ShapJson>,
    /// The search, when one ran, as for classes (score: minus the mean CV RMSE).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<SearchJson>,
}

/// `metrics.json`'s regression baseline: scikit-learn's `DummyRegressor(strategy="mean")`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressionBaselineJson {
    pub strategy: String,
    /// The number it always predicts: the training rows' mean.
    pub value: f64,
    /// Its metrics, named as the model's.
    #[serde(flatten)]
    pub metrics: crate::regression::RegressionMetrics,
}

/// One column's entry in a regression `metrics.json`'s `importance`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressionImportanceJson {
    pub r2_mean: f64,
    pub r2_std: f64,
    pub rmse_mean: f64,
    pub rmse_std: f64,
    pub repeats: usize,
    pub rows: usize,
}

impl TrainOutcome {
    fn regression_metrics_json(&self, r: &crate::numbers::RegressionOutcome) -> String {
        let doc = RegressionMetricsJson {
            task: crate::task::Task::Regression,
            target: self.manifest.target.clone(),
            test_rows: self.test_rows(),
            metrics: r.metrics,
            rows_missing_target: self.manifest.rows_missing_target,
            rows_skipped: self.manifest.rows_skipped,
            baseline: RegressionBaselineJson { strategy: "mean".into(), value: r.baseline_value, metrics: r.baseline },
            target_transform: r.target_transform.clone(),
            interval: r.interval.clone(),
            warnings: r.warnings(),
            cv: self.cv.as_ref().map(|c| c.metrics.clone()),
            time_cv: self.time_cv.clone(),
            importance: self
                .importance
                .iter()
                .map(|i| {
                    // Scores hold R² and minus the RMSE: their drops are the R² lost and the RMSE gained.
                    let j = RegressionImportanceJson {
                        r2_mean: i.mean,
                        r2_std: i.std,
                        rmse_mean: i.accuracy_mean,
                        rmse_std: i.accuracy_std,
                        repeats: i.repeats,
                        rows: i.rows,
                    };
                    (i.column.clone(), j)
                })
                .collect(),
            shap: self.shap_json(),
            search: SearchJson::of(&self.search),
        };
        let mut s = serde_json::to_string_pretty(&doc).expect("metrics always serialise");
        s.push('\n');
        s
    }

    fn shap_json(&self) -> Option<ShapJson> {
        self.shap.as_ref().map(|s| ShapJson {
            method: s.method.as_str().to_string(),
            space: s.space.as_str().to_string(),
            rows: s.rows.len(),
            permutations: s.permutations,
            mean_abs: s.columns.iter().cloned().zip(s.mean_abs.iter().copied()).collect(),
        })
    }
}

/// SHA-256 of the bytes as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    sha256_hex_written(|out| out.write_all(bytes)).expect("hashing cannot fail")
}

/// The SHA-256 in hex of what `write` writes, hashed as it comes: a large
/// model file's hash without its bytes in memory.
pub fn sha256_hex_written(
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> std::io::Result<String> {
    struct Hashing(Sha256);
    impl std::io::Write for Hashing {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.update(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut hashing = Hashing(Sha256::new());
    write(&mut hashing)?;
    Ok(hashing.0.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The base name of a path, whichever separator it uses, so no local path
/// ever reaches a report.
pub fn base_name(path: &str) -> String {
    path.rsplit(['/', '\\']).next().unwrap_or(path).to_string()
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
