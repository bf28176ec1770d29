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
//! use glassbox_pipeline::ingest::{read_csv, ReadOptions};
//! let t = read_csv(b"a;b\n1,5;x\n2,5;y\n", &ReadOptions::default()).unwrap();
//! assert_eq!((t.format.delimiter, t.format.decimal_comma), (';', true));
//! assert_eq!(t.columns[0].number(1), Some(2.5));
//! ```

mod column;
pub mod datetime;
mod names;
mod session;
mod sniff;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
pub use column::{Codes, Column, DateInfo, MISSING_CODE};
pub use datetime::DateOrder;
pub use names::{normalise_header, normalise_name};
pub use session::{IngestSession, Part, PartSpec, SAMPLE_ROWS, SNIFF_BYTES};

/// The default missing-value tokens, compared after trimming. `NaN` matters
/// beyond tidiness: Rust's float parser would accept it as a number.
pub const DEFAULT_MISSING: [&str; 11] = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "?", "-", "n/a"];

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
        }
    }
}

/// How the bytes were read: detected, or as the person set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Format {
    pub encoding: String,
    pub encoding_guessed: bool,
    pub bom: bool,
    pub delimiter: char,
    pub quote: char,
    pub header: bool,
    pub decimal_comma: bool,
    /// The zone naive date-times were read in.
    pub timezone: String,
}

impl Format {
    /// The format in words, the one description the app, the CLI and the
    /// report share: "UTF-8, delimiter ',', header row, decimal point".
    pub fn describe(&self) -> String {
        let delimiter = if self.delimiter == '\t' { "tab".to_string() } else { format!("'{}'", self.delimiter) };
        format!(
            "{}{}{}, delimiter {delimiter}, {}, decimal {}",
            self.encoding,
            if self.bom { " with BOM" } else { "" },
            if self.encoding_guessed { " (guessed)" } else { "" },
            if self.header { "header row" } else { "no header row (columns named column_1, column_2, …)" },
            if self.decimal_comma { "comma" } else { "point" },
        )
    }
}

/// A row that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowIssue {
    /// 1-based line on which the record starts.
    pub line: u64,
    /// 0-based index of the data record in the file (header excluded).
    pub record: usize,
    pub message: String,
}

/// The inferred kind of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    Numeric,
    Categorical,
    /// Two values such as true/false, yes/no, y/n or 0/1; stored as 0 and 1.
    Boolean,
    /// Dates and times, stored as seconds since 1970-01-01 UTC.
    Datetime,
}

impl ColumnKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnKind::Numeric => "numeric",
            ColumnKind::Categorical => "categorical",
            ColumnKind::Boolean => "boolean",
            ColumnKind::Datetime => "datetime",
        }
    }

    /// Stored as numbers (`Column::number`): everything but categorical.
    pub fn is_numeric(self) -> bool {
        self != ColumnKind::Categorical
    }

    pub fn parse(s: &str) -> Option<ColumnKind> {
        match s {
            "numeric" => Some(ColumnKind::Numeric),
            "categorical" => Some(ColumnKind::Categorical),
            "boolean" => Some(ColumnKind::Boolean),
            "datetime" => Some(ColumnKind::Datetime),
            _ => None,
        }
    }
}

/// A value in a numeric column that is not a number, kept as missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StrayToken {
    pub line: u64,
    pub token: String,
}

/// A column name that normalisation changed into one already taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rename {
    pub original_name: String,
    pub name: String,
    /// 1-based position of the column in the header.
    pub position: usize,
}

/// A typed table, column by column, with what reading it found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub columns: Vec<Column>,
    /// Rows that were read (skipped rows are not counted here).
    pub n_rows: usize,
    /// The 1-based line on which each row starts, for messages.
    pub lines: Vec<u64>,
    /// The 0-based record index of each row in the file, counting skipped records.
    pub records: Vec<usize>,
    /// All data records in the file, read or skipped.
    pub n_records: usize,
    /// Columns whose normalised name collided with an earlier one and got a suffix.
    pub renamed: Vec<Rename>,
    pub format: Format,
    /// Rows that were skipped, with why.
    pub row_issues: Vec<RowIssue>,
    /// SHA-256 of the input bytes, lower-case hex; empty while a caller
    /// that hashes the file itself has not given it (see [`Table::set_input_sha256`]).
    pub input_sha256: String,
}

impl Table {
    /// The contract every table meets after ingest, checked rather than
    /// assumed: names are normalised and unique, every column has a value
    /// slot per row, numbers are finite or missing, codes point into their
    /// dictionary, and row bookkeeping agrees with the row count. A breach is
    /// a bug in ingest, reported with the column and the reason.
    pub fn validate(&self) -> Result<()> {
        let bad = |column: &str, why: String| {
            Err(Error::new(ErrorKind::Internal, format!("the table breaks its contract: column '{column}' {why}")))
        };
        let mut seen = std::collections::BTreeSet::new();
        for (i, c) in self.columns.iter().enumerate() {
            if c.name != normalise_name(&c.name, i + 1) && !c.name.starts_with("column_") {
                return bad(&c.name, "has a name that is not normalised".into());
            }
            if !seen.insert(c.name.as_str()) {
                return bad(&c.name, "has the same name as an earlier column".into());
            }
            if c.len() != self.n_rows {
                return bad(&c.name, format!("has {} values for {} rows", c.len(), self.n_rows));
            }
            if let Some(codes) = c.codes() {
                if let Some(r) =
                    codes.codes.iter().position(|&k| k != MISSING_CODE && k as usize >= codes.dictionary.len())
                {
                    return bad(&c.name, format!("has a category code out of range on line {}", self.lines[r]));
                }
            } else if let Some(r) =
                (0..self.n_rows).find(|&r| !c.is_missing(r) && c.number(r).is_none_or(|v| !v.is_finite()))
            {
                return bad(&c.name, format!("has a value that is not a finite number on line {}", self.lines[r]));
            }
        }
        if self.lines.len() != self.n_rows || self.records.len() != self.n_rows {
            return bad("*", "bookkeeping: lines and records do not match the rows".into());
        }
        Ok(())
    }

    /// Finds a column by its normalised name or by its name as written in the header.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.name == name)
            .or_else(|| self.columns.iter().position(|c| c.original_name == name))
            .or_else(|| {
                let normalised = normalise_name(name, 1);
                self.columns.iter().position(|c| c.name == normalised)
            })
    }

    pub fn column_names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }
}

/// Parses a cell as a finite number. Infinities and NaN are not numbers here.
pub fn parse_number(text: &str) -> Option<f64> {
    // fast-float2 reads the same texts as `str::parse` to the same, correctly
    // rounded bits (a test holds it to that), about 30% faster: it is most of
    // the time a numeric file takes to read.
    fast_float2::parse::<f64, _>(text).ok().filter(|v| v.is_finite())
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

/// `hex` in lower case, if it is a SHA-256 in hex.
fn sha256_hex_checked(hex: &str) -> Result<String> {
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hex.to_ascii_lowercase())
    } else {
        Err(Error::new(ErrorKind::Internal, format!("'{hex}' is not a SHA-256 in hex")))
    }
}

impl Table {
    /// Gives a table finished with [`IngestSession::finish_unhashed`] its
    /// file's SHA-256 (hex).
    pub fn set_input_sha256(&mut self, hex: &str) -> Result<()> {
        self.input_sha256 = sha256_hex_checked(hex)?;
        Ok(())
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
