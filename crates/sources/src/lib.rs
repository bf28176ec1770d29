//! Data from where it lives: PostgreSQL, MySQL (and MariaDB) and Kafka,
//! read into the canonical CSV text (`glassbox_ingest::canonical`) that the
//! one CSV reader turns into a table, so the same rows from a database, a
//! topic or a file give the same table, model and metrics.
//!
//! Native only, and only the CLI depends on it (the architecture test
//! checks): a browser tab cannot open a database connection, and the pure
//! crates stay free of network and async code. Everything here is
//! synchronous to its caller; each read runs its own single-threaded tokio
//! runtime.
//!
//! - [`address`]: what the person typed, checked; a password in it is refused.
//! - [`credentials`]: the user and password, from the environment or `./.env`.
//! - [`database`]: a query or table streamed row by row, each column's type
//!   mapped to a cell (naive times read in the zone the person names).
//! - [`kafka`]: a topic's messages (JSON objects or CSV lines) from the
//!   earliest, latest or a stored offset to the end at start.
//! - [`sync`]: the rows newer than the last run, appended exactly once,
//!   with the high-water mark and the topic's offsets in a state file.

#![forbid(unsafe_code)]

pub mod address;
mod chunk;
pub mod credentials;
pub mod database;
pub mod kafka;
pub mod sync;

use std::time::Duration;

pub use address::{is_address, Address, Scheme};
pub use chunk::{read, Read};
pub use glassbox_ingest::canonical::{Cell, CANONICAL};
use glassbox_ingest::RowIssue;
use jiff::tz::TimeZone;

/// What went wrong, by what the person can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The address or a name in it cannot be used.
    Address,
    /// The server cannot be reached in time, or refused the login.
    Connect,
    /// The server refused the query (a syntax error, a table that does not exist).
    Query,
    /// A value could not be read as its column's type.
    Type,
    /// The sync state file is unreadable or belongs to another source.
    State,
    /// A file could not be read or written.
    Io,
}

/// The crate's one error: a kind and a one-line, lower-case message
/// without any credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: Kind,
    pub message: String,
}

impl Error {
    pub fn new(kind: Kind, message: impl Into<String>) -> Error {
        // One line, whatever a driver put in it.
        let message: String = message.into();
        let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
        Error { kind, message }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;

/// What to read from a database: a table by name, or the person's query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Select {
    Table(String),
    Query(String),
}

/// Where a topic is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartAt {
    #[default]
    Earliest,
    /// Only messages that arrive after the start (up to `max_messages`, or
    /// until none has come for `idle`).
    Latest,
}

/// How a topic's messages are read.
#[derive(Debug, Clone, Default)]
pub struct KafkaOptions {
    pub start: StartAt,
    pub max_messages: Option<usize>,
    /// The header of CSV-line messages; `None`: the messages are JSON
    /// objects, or (if the first is not) the first message is the header.
    pub csv_header: Option<String>,
}

/// A read: where, what, and how.
#[derive(Debug, Clone)]
pub struct Request {
    pub address: Address,
    /// `None` for a topic.
    pub select: Option<Select>,
    /// The zone of naive timestamps (`timestamp`, `DATETIME`) and its name.
    pub zone: Zone,
    pub chunk_rows: usize,
    /// How long connecting may take before it is given up.
    pub connect_timeout: Duration,
    pub kafka: KafkaOptions,
}

/// A time zone and the name the person gave it.
#[derive(Debug, Clone)]
pub struct Zone {
    pub name: String,
    pub tz: TimeZone,
}

impl Zone {
    pub fn utc() -> Zone {
        Zone { name: "UTC".to_string(), tz: TimeZone::UTC }
    }

    pub fn named(name: &str) -> Result<Zone> {
        if name.eq_ignore_ascii_case("utc") {
            return Ok(Zone::utc());
        }
        TimeZone::get(name).map(|tz| Zone { name: name.to_string(), tz }).map_err(|_| {
            Error::new(
                Kind::Address,
                format!("--source-timezone: unknown time zone '{name}'; use an IANA name such as Asia/Shanghai"),
            )
        })
    }
}

impl Request {
    /// The source as messages and manifests name it: the address without
    /// credentials, and the table or query.
    pub fn describe(&self) -> String {
        match &self.select {
            Some(Select::Table(t)) => format!("{} table {t}", self.address),
            Some(Select::Query(q)) => format!("{} query {}", self.address, one_line(q)),
            None => self.address.to_string(),
        }
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A column a source could not map to a table kind and left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub column: String,
    pub type_name: String,
}

/// What a reader hands on, row by row. Implemented by the chunker (the
/// canonical CSV in chunks) and by sync (which filters first).
pub(crate) trait Visit {
    fn header(&mut self, names: Vec<String>, skipped: Vec<Skipped>) -> Result<()>;
    fn row(&mut self, cells: Vec<Cell>) -> Result<()>;
    /// A message that could not be read (Kafka), with where it was.
    fn issue(&mut self, issue: RowIssue);
}

/// A single-threaded runtime for one read.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new(Kind::Io, format!("cannot start the network runtime: {e}")))
}
