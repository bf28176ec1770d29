//! The one error type of Glassbox's crates (as Polars keeps one in `polars-error`).
//!
//! Every error has a kind, so callers (the CLI's exit codes, the UI's wording)
//! can branch on what went wrong without parsing messages. Messages are
//! lower-case, without a trailing period, and name where the problem is
//! (line, column) whenever that is known.

use std::fmt;

/// What went wrong, coarsely: the CLI maps `Input` to exit code 2 and
/// `Internal` to exit code 1.
/// It crosses from the worker to the page as itself (serde), never as text
/// to be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ErrorKind {
    /// The file is empty (no bytes, or only whitespace).
    Empty,
    /// The file has a header row but no data rows.
    HeaderOnly,
    /// The bytes are not text (a NUL byte, or invalid UTF-8).
    Binary,
    /// The CSV structure is broken (for example a row with the wrong number of fields).
    Malformed,
    /// The requested target column does not exist.
    UnknownColumn,
    /// The target cannot be learned from (a single class, or every value missing).
    BadTarget,
    /// A value cannot be used where it is (for example text in a numeric column).
    BadValue,
    /// A setting is out of range (for example a test size of 1.5).
    BadSpec,
    /// A model file that is not a Glassbox model, or one from a newer version.
    BadModel,
    /// The person stopped the run.
    Cancelled,
    /// Bytes could not be read or sent (the browser refused to read a file,
    /// or a message between workers failed).
    Io,
    /// A bug or an optimiser failure: not the person's fault.
    Internal,
}

/// The error type of the pipeline crate: a kind and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error { kind, message: message.into() }
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// True when the error is the input's or the settings' fault rather than a bug.
    pub fn is_user_error(&self) -> bool {
        self.kind != ErrorKind::Internal
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
