//! The Glassbox pipeline: the composer of the six modules.
//!
//! It knows the workflow's order (read, prepare, search, validate, fit,
//! evaluate, assemble the model file) and nothing else does; each module
//! is a crate of its own behind its contract. Bytes and plain structs in,
//! values out: no I/O, no browser, no charts. The same code runs natively
//! in the `glassbox` CLI and as WebAssembly in the app's Web Worker, and for
//! a given input, settings and seed it returns the same numbers in both.
//!
//! ```
//! use glassbox_pipeline::{train, TrainSpec};
//! let csv = b"x,y\n1,a\n2,a\n3,a\n4,a\n5,a\n6,b\n7,b\n8,b\n9,b\n10,b\n";
//! let out = train(csv, "tiny.csv", &TrainSpec::for_target("y")).unwrap();
//! assert_eq!(out.classes, ["a", "b"]);
//! assert_eq!(out.test_rows().len(), 2);
//! ```

#![forbid(unsafe_code)]

pub mod numbers;
mod outcome;
pub mod packed;
pub mod plan;
mod prepare;
pub mod recipe;
pub mod retrain;
pub mod run;
mod spec;
pub mod watch;

// The modules' crates under the paths the worker, the CLI, the report and
// the app have always used, so moving code between crates changes no caller.
pub use glassbox_core::{control, distinct, error, labels, matrix, names, split, task, text, tree};
pub use glassbox_evaluate::{
    bands, bootstrap, importance, metrics, recalibrate, regression, shap, threshold, tree_shap, validate,
};
pub use glassbox_features as features;
pub use glassbox_ingest::quality;
pub use glassbox_monitor as monitor;
pub use glassbox_serve::explain;
pub use glassbox_serve::model_file;
pub use glassbox_serve::{conformal, intervals, rows, schema_check};
pub use glassbox_train::{boosting, fanova, model, optim, search, target, trees};

/// Ingest: the reading of CSV bytes (`glassbox_ingest`) and the table every
/// module shares (`glassbox_core::table`), under one path.
pub mod ingest {
    pub use glassbox_ingest::*;
}

pub use control::{Control, Progress};
pub use error::{Error, ErrorKind, Result};
pub use glassbox_serve::VERSION;

/// The commit this Glassbox was built from (see build.rs), where known.
pub const BUILD_COMMIT: Option<&str> = option_env!("GLASSBOX_BUILD_COMMIT");
pub use model_file::ModelFile;
pub use run::{
    inspect, inspect_table, predict, predict_with, train, train_table, Inspection, MissingColumns, Prediction,
    TrainOutcome, TrainSpec,
};
