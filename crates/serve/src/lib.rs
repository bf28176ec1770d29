//! Serving: the model artefact and scoring with it.
//!
//! [`model_file::ModelFile`] is what `model.json` holds: the fitted
//! preprocessing and model, the schema they expect, and how they were made.
//! [`predict::predict`] reads new bytes as the model was trained and scores
//! every record. This crate depends on ingest, features and train (it
//! stores and applies what they made) and on nothing that composes them.

#![forbid(unsafe_code)]

pub mod calibrated;
pub mod conformal;
pub mod explain;
pub mod intervals;
pub mod model_file;
pub mod predict;
pub mod rows;
pub mod schema_check;

pub use model_file::ModelFile;
pub use predict::{predict, predict_with, MissingColumns, PredictedRow, Prediction};

/// The Glassbox version written into model files and reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
