//! What the person chose for a run: the target, the split, the model and
//! its search, the validation and the feature pipeline.

use serde::{Deserialize, Serialize};

use crate::features;
use crate::ingest::ReadOptions;
use crate::model::ModelSpec;
use crate::validate;

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
