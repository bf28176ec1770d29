//! What the person chose for a run: the target, the split, the model and
//! its search, the validation and the feature pipeline.

use serde::{Deserialize, Serialize};

use crate::features;
use crate::ingest::ReadOptions;
use crate::model::ModelSpec;
use crate::task::Task;
use crate::validate;
use glassbox_evaluate::conformal::Level;

/// What the person chose for a training run, by concern: the data and its
/// split, the feature pipeline, the model and its search, and the
/// validation. One seed drives every random choice of all of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSpec {
    pub seed: u64,
    pub data: DataSpec,
    /// The feature pipeline: imputation, scaling, bins, encodings, date parts.
    #[serde(default)]
    pub features: features::FeatureSpec,
    pub model: ModelSpec,
    /// Weigh classes inversely to their frequency, as scikit-learn's
    /// `class_weight="balanced"` (models that take weights).
    #[serde(default)]
    pub balanced: bool,
    #[serde(default)]
    pub search: SearchSpec,
    #[serde(default)]
    pub validation: ValidationSpec,
    /// The decision threshold on the positive class (two classes), or how to
    /// choose it on the test rows; none predicts the most probable class.
    #[serde(default)]
    pub threshold: Option<crate::threshold::ThresholdRule>,
    /// Shuffles per input column for permutation importance on the test
    /// rows (0: none).
    #[serde(default = "default_repeats")]
    pub importance_repeats: usize,
    /// Calibrate the probabilities (sigmoid or isotonic, on five folds of
    /// the training rows); none keeps the model's own.
    #[serde(default)]
    pub calibration: Option<crate::recalibrate::Method>,
    /// The scale a regressor learns its target on; `auto` decides by
    /// cross-validation (see [`TransformSetting`]). Classes ignore it.
    #[serde(default, skip_serializing_if = "TransformSetting::is_auto")]
    pub target_transform: TransformSetting,
    /// A regressor's prediction-interval level: split conformal, the model
    /// fitted on the training rows but a seeded slice that calibrates it
    /// (see [`crate::numbers::calibration_share`]), or CV+ for a small
    /// training set. `None` fits on every training row and gives no
    /// interval. Classes ignore it.
    #[serde(default = "default_interval", skip_serializing_if = "is_default_interval")]
    pub interval: Option<Level>,
    /// How the interval is calibrated: by the training set's size
    /// ([`crate::numbers::interval_method`]), or as the person asked.
    #[serde(default, skip_serializing_if = "IntervalMethod::is_auto")]
    pub interval_method: IntervalMethod,
}

/// The person's choice of interval method (`--interval-method`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalMethod {
    /// CV+ below `CV_PLUS_BELOW` training rows, split conformal above.
    #[default]
    Auto,
    Split,
    CvPlus,
    /// Conformalized quantile regression: an option, never chosen by `auto`.
    Cqr,
}

impl IntervalMethod {
    pub fn is_auto(&self) -> bool {
        *self == IntervalMethod::Auto
    }

    pub fn parse(text: &str) -> Option<IntervalMethod> {
        match text {
            "auto" => Some(IntervalMethod::Auto),
            "split" => Some(IntervalMethod::Split),
            "cv-plus" | "cv_plus" => Some(IntervalMethod::CvPlus),
            "cqr" => Some(IntervalMethod::Cqr),
            _ => None,
        }
    }
}

/// The interval level a regressor gets unless the person says otherwise.
pub fn default_interval() -> Option<Level> {
    Some(Level::new(0.9).expect("0.9 is a level"))
}

fn is_default_interval(level: &Option<Level>) -> bool {
    *level == default_interval()
}

/// The person's choice of target transform (`--target-transform`). A
/// training plan replaces `Auto` by what it chose before any fit, so every
/// job after that runs with `None` or `Log1p`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransformSetting {
    /// `log1p` when the target is right-skewed, above −1 and `log1p` has
    /// the lower cross-validated RMSE on the target's own scale; else none.
    #[default]
    Auto,
    None,
    Log1p,
}

impl TransformSetting {
    pub const NAMES: [&'static str; 3] = ["auto", "none", "log1p"];

    pub fn is_auto(&self) -> bool {
        *self == TransformSetting::Auto
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TransformSetting::Auto => "auto",
            TransformSetting::None => "none",
            TransformSetting::Log1p => "log1p",
        }
    }

    /// The transform a fit uses: `Auto` not decided yet fits as it is (a
    /// comparison of models, which does not choose a scale per model).
    pub fn used(self) -> crate::target::TargetTransform {
        match self {
            TransformSetting::Log1p => crate::target::TargetTransform::Log1p,
            TransformSetting::Auto | TransformSetting::None => crate::target::TargetTransform::None,
        }
    }

    pub fn of(t: crate::target::TargetTransform) -> TransformSetting {
        match t {
            crate::target::TargetTransform::None => TransformSetting::None,
            crate::target::TargetTransform::Log1p => TransformSetting::Log1p,
        }
    }
}

impl std::str::FromStr for TransformSetting {
    type Err = crate::error::Error;

    fn from_str(s: &str) -> crate::error::Result<Self> {
        match s {
            "auto" => Ok(TransformSetting::Auto),
            "none" => Ok(TransformSetting::None),
            "log1p" => Ok(TransformSetting::Log1p),
            other => Err(crate::error::Error::new(
                crate::error::ErrorKind::BadSpec,
                format!("unknown target transform '{other}'; choose one of: {}", Self::NAMES.join(", ")),
            )),
        }
    }
}

fn default_repeats() -> usize {
    crate::importance::REPEATS
}

/// Which table, target and columns, and the held-out test set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSpec {
    /// The target column, as in the header or as normalised.
    pub target: String,
    /// The share of labelled rows held out as the test set (stratified).
    pub test_size: f64,
    /// How the file is read (a table read already ignores it).
    pub read: ReadOptions,
    /// Columns left out of the features, by name.
    pub drop: Vec<String>,
    /// Flagged columns kept as features anyway, by name.
    pub keep: Vec<String>,
    /// The task the person chose; `None` decides it from the target column
    /// (see `glassbox_core::task::detect`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<Task>,
}

/// A hyper-parameter search: with these samplers (same budget and seed
/// each), the final model takes the best trial's parameters. No samplers, no search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchSpec {
    pub samplers: Vec<crate::search::Sampler>,
    /// Trials per sampler.
    pub trials: usize,
    /// After the search, a grid over the parameter that mattered most.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refine: Option<RefineSpec>,
}

/// The search's second step: a grid around the best trial, over the most
/// important parameter (see `glassbox_train::search::neighbourhood`) or
/// over the grid a person gave.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RefineSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grid: Option<crate::search::Grid>,
}

impl SearchSpec {
    /// Refuses a refinement without a search, and a grid that names a
    /// parameter `model` does not search or a value outside its range.
    pub fn check(&self, model: &ModelSpec) -> crate::error::Result<()> {
        let bad = |m: &str| crate::error::Error::new(crate::error::ErrorKind::BadSpec, m);
        let space = model.space();
        if !self.samplers.is_empty() {
            if self.trials == 0 {
                return Err(bad("the search needs at least 1 trial per sampler, got 0"));
            }
            if space.is_empty() {
                return Err(bad(&format!(
                    "{} has no hyper-parameter to search: train it without a search",
                    model.name()
                )));
            }
        }
        let Some(refine) = &self.refine else { return Ok(()) };
        if self.samplers.is_empty() {
            return Err(bad("a refinement needs a search to refine: choose a sampler (--search random, tpe or both)"));
        }
        match &refine.grid {
            Some(grid) => grid.check(model.name(), &space).map(|_| ()),
            None => Ok(()),
        }
    }
}

/// How the model is validated on the training rows besides the test set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationSpec {
    /// Cross-validate with this many stratified folds.
    pub cv: Option<usize>,
    /// Also validate in time order on this datetime (or numeric) column.
    pub time_column: Option<String>,
    /// Windows for time-ordered validation, and how they grow.
    pub time_windows: usize,
    pub window: validate::WindowMode,
}

impl Default for TrainSpec {
    fn default() -> Self {
        TrainSpec {
            seed: 42,
            data: DataSpec::default(),
            features: features::FeatureSpec::default(),
            model: ModelSpec::default(),
            balanced: false,
            search: SearchSpec::default(),
            validation: ValidationSpec::default(),
            threshold: None,
            importance_repeats: default_repeats(),
            calibration: None,
            target_transform: TransformSetting::Auto,
            interval: default_interval(),
            interval_method: IntervalMethod::Auto,
        }
    }
}

impl TrainSpec {
    /// The defaults, predicting `target`.
    pub fn for_target(target: &str) -> TrainSpec {
        TrainSpec { data: DataSpec { target: target.to_string(), ..DataSpec::default() }, ..TrainSpec::default() }
    }
}

impl Default for DataSpec {
    fn default() -> Self {
        DataSpec {
            target: String::new(),
            test_size: 0.2,
            read: ReadOptions::default(),
            drop: Vec::new(),
            keep: Vec::new(),
            task: None,
        }
    }
}

impl Default for SearchSpec {
    fn default() -> Self {
        SearchSpec { samplers: Vec::new(), trials: 20, refine: None }
    }
}

impl Default for ValidationSpec {
    fn default() -> Self {
        ValidationSpec { cv: None, time_column: None, time_windows: 4, window: validate::WindowMode::Expanding }
    }
}
