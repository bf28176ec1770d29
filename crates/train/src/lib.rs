//! Training: a validated model spec, fitted on a [`glassbox_core::Matrix`]
//! and class indices, into a fitted model that gives probabilities.
//!
//! This crate never sees a table, a feature step or a metric: the composer
//! hands it a matrix and labels, and cross-validation scores reach the
//! search as a function it is given.

#![forbid(unsafe_code)]

pub mod boosting;
pub mod estimator;
pub mod fanova;
pub mod model;
pub mod models;
pub mod optim;
pub mod registry;
pub mod search;
pub mod target;
pub mod trees;

use glassbox_core::{control, error};

pub use model::{FittedModel, ModelSpec, MODEL_NAMES};
