//! Evaluation: how well a learner predicts, measured as scikit-learn does.
//!
//! Metrics take true classes and probabilities (regression metrics, true
//! and predicted numbers); validation takes a
//! [`validate::Learner`] (the composer's preprocessing and model as one) and
//! rows of a table, and refits it inside every fold or time window. This
//! crate never names a model kind or a feature step: it sees predictions
//! and contracts only.

#![forbid(unsafe_code)]

pub mod bands;
pub mod bootstrap;
pub mod calibration;
pub mod conformal;
pub mod importance;
pub mod metrics;
pub mod recalibrate;
pub mod regression;
pub mod shap;
pub mod threshold;
pub mod tree_shap;
pub mod validate;
pub mod venn_abers;

pub use glassbox_core::split;
pub use metrics::{evaluate, evaluate_at, Evaluation};
pub use regression::{regression_metrics, RegressionMetrics};
pub use validate::{cross_validate, time_validate, Learner, Problem};
