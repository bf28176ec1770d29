//! Ingest: CSV bytes into a typed, validated table.
//!
//! Reading is forgiving and reports what it forgave: the encoding, delimiter,
//! header and decimal comma are detected (each can be overridden through
//! [`ReadOptions`]), and a row that cannot be read becomes a [`RowIssue`] with
//! its line number instead of failing the file, unless the person asks for
//! [`BadRows::Error`]. Bytes stream through [`IngestSession`] in slices of
//! any size; columns are stored compactly (numbers as `f64`, categories as
//! codes into a dictionary), and class labels are the trimmed text of the
//! target cells.
//!
//! ```
//! use glassbox_ingest::{read_csv, ReadOptions};
//! let t = read_csv(b"a;b\n1,5;x\n2,5;y\n", &ReadOptions::default()).unwrap();
//! assert_eq!((t.format.delimiter, t.format.decimal_comma), (';', true));
//! assert_eq!(t.columns[0].number(1), Some(2.5));
//! ```

#![forbid(unsafe_code)]

pub mod canonical;
mod column;
pub mod datetime;
pub mod profile;
pub mod quality;
mod session;
mod sniff;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

pub use glassbox_core::names::{normalise_header, normalise_name};
pub use glassbox_core::table::{
    parse_number, Codes, Column, ColumnKind, DateInfo, DateOrder, Format, Rename, RowIssue, StrayToken, Table,
    MISSING_CODE,
};
use glassbox_core::{distinct, error};
pub use glassbox_core::{Error, ErrorKind, Result};
pub use session::{IngestSession, Part, PartSpec, SAMPLE_ROWS, SNIFF_BYTES};

/// The default missing-value tokens, compared after trimming. `NaN` matters
/// beyond tidiness: Rust's float parser would accept it as a number.
pub const DEFAULT_MISSING: [&str; 11] = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "?", "-", "n/a"];

/// The text a boolean column reads as true and as false, in any case.
pub const TRUE_TOKENS: [&str; 5] = ["true", "yes", "y", "t", "1"];
pub const FALSE_TOKENS: [&str; 5] = ["false", "no", "n", "f", "0"];

/// A column with at most this many unparsable values (or 1% of its values,
/// whichever is more) is still numeric; those values become missing and are reported.
pub const MAX_STRAY: usize = 10;

/// What to do with a row that cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BadRows {
    /// Skip it, count it and list it (the default).
    #[default]
    Skip,
    /// Stop with an error naming the line.
    Error,
}

/// The person's choices for reading bytes; `None` means "detect".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadOptions {
    pub delimiter: Option<char>,
    pub quote: char,
    /// A WHATWG encoding label, as `encoding_rs` reads them.
    pub encoding: Option<String>,
    pub header: Option<bool>,
    pub decimal_comma: Option<bool>,
    pub missing_tokens: Vec<String>,
    pub bad_rows: BadRows,
    /// Column kinds the person set, by normalised or original name.
    pub kinds: BTreeMap<String, ColumnKind>,
    /// The zone of date-times written without an offset: an IANA name or UTC.
    pub timezone: Option<String>,
    /// The order of `A/B/YYYY` dates when the data does not tell.
    pub date_order: Option<DateOrder>,
    /// Columns the source's own types say hold text (a Parquet string or
    /// dictionary column), by normalised or original name: never read as
    /// numbers or dates (a zip code `02139` stays text), though a yes/no
    /// pair still reads as a boolean, as the same text in a CSV would. A
    /// kind in `kinds` wins.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub text_columns: BTreeSet<String>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            delimiter: None,
            quote: '"',
            encoding: None,
            header: None,
            decimal_comma: None,
            missing_tokens: DEFAULT_MISSING.iter().map(|s| s.to_string()).collect(),
            bad_rows: BadRows::Skip,
            kinds: BTreeMap::new(),
            timezone: None,
            date_order: None,
            text_columns: BTreeSet::new(),
        }
    }
}

/// The canonical text of a number written with a decimal comma: `3,14` →
/// `3.14`, `1.234,5` → `1234.5`. Text without a comma is left as it is.
fn from_decimal_comma(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(',') {
        std::borrow::Cow::Owned(text.replace('.', "").replace(',', "."))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Reads CSV bytes with the default options (everything detected).
pub fn parse_csv(bytes: &[u8]) -> Result<Table> {
    read_csv(bytes, &ReadOptions::default())
}

fn byte_of(c: char, what: &str) -> Result<u8> {
    u8::try_from(u32::from(c)).ok().filter(u8::is_ascii).ok_or_else(|| {
        Error::new(ErrorKind::BadSpec, format!("the {what} must be a single ASCII character, got '{c}'"))
    })
}

/// How much `read_csv` feeds the streaming reader at a time.
const SLICE_BYTES: usize = 1 << 20;

/// Reads CSV bytes into a typed table: the streaming reader fed slice by slice.
pub fn read_csv(bytes: &[u8], opts: &ReadOptions) -> Result<Table> {
    let mut session = IngestSession::new(&bytes[..bytes.len().min(SNIFF_BYTES)], opts)?;
    // Slices keep the decode buffer small and in cache, as in the browser.
    let mut reserved = false;
    for slice in bytes.chunks(SLICE_BYTES) {
        session.feed(slice)?;
        if !reserved {
            reserved = session.reserve_for(bytes.len() as u64);
        }
    }
    session.finish()
}

#[cfg(test)]
mod tests;
