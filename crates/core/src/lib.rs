//! Glassbox's core: the data types and rules that every module shares.
//!
//! The [`table::Table`] that ingest produces and features read, the
//! [`matrix::Matrix`] that features produce and models read, the error type
//! with its kinds, the caller's [`control::Control`] (clock, progress,
//! cancel, thread budget), the task a target implies, the seeded stratified split, scikit-learn's
//! label order, the ROC curve, the distinct-value count and the plain tree that
//! explanations read. No I/O, no clock, no
//! thread of its own: bytes and plain structs in, values out, so every
//! module built on it runs the same in the browser, the CLI and a server.

#![forbid(unsafe_code)]

pub mod control;
pub mod distinct;
pub mod error;
pub mod labels;
pub mod matrix;
pub mod names;
pub mod roc;
pub mod split;
pub mod table;
pub mod task;
pub mod text;
pub mod tree;

pub use control::{Control, Progress};
pub use error::{Error, ErrorKind, Result};
pub use matrix::{argmax, decide, Matrix};
pub use table::{Column, ColumnKind, Table};
pub use task::{Task, TaskGuess};
