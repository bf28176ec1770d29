//! The table every module sees: typed columns stored compactly, numbers as
//! `f64` (NaN for missing) and categories as `u32` codes into a dictionary,
//! with what reading found (the format, skipped rows, renamed columns) and
//! the input's fingerprint.
//!
//! Ingest builds tables (its builders fill columns row by row while the
//! file streams in and then call [`Column::numeric`] or
//! [`Column::categorical`]); features, evaluation and the composer only read
//! them. A numeric column also keeps a small text view (the exact text of
//! its values) while it has few distinct values, so a numeric target keeps
//! its labels as written.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::names::normalise_name;

/// The code of a missing value.
pub const MISSING_CODE: u32 = u32::MAX;

/// Codes into a dictionary of distinct texts, in order of first appearance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Codes {
    pub codes: Vec<u32>,
    pub dictionary: Vec<String>,
}

impl Codes {
    pub fn text(&self, i: usize) -> Option<&str> {
        let c = self.codes[i];
        (c != MISSING_CODE).then(|| self.dictionary[c as usize].as_str())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum ColumnData {
    Numeric { values: Vec<f64>, text: Option<Codes> },
    Categorical(Codes),
}

/// Equal when the same values are missing and the rest are equal: NaN marks
/// a missing number, so it must equal itself here.
impl PartialEq for ColumnData {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (ColumnData::Numeric { values: a, text: ta }, ColumnData::Numeric { values: b, text: tb }) => {
                ta == tb && a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
            }
            (ColumnData::Categorical(a), ColumnData::Categorical(b)) => a == b,
            _ => false,
        }
    }
}

/// One column: its normalised and original names, its kind and its values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub original_name: String,
    pub kind: ColumnKind,
    data: ColumnData,
    /// Counted once when the column is built: summaries ask for them often.
    missing: usize,
    distinct: usize,
    /// How a datetime column's dates were read.
    pub date: Option<DateInfo>,
    /// The values of a numeric column that were not numbers (now missing),
    /// with their lines. There are few: at most `MAX_STRAY` or 1% of the
    /// values, unless the person forced the kind.
    pub strays: Vec<StrayToken>,
}

impl Column {
    pub fn len(&self) -> usize {
        match &self.data {
            ColumnData::Numeric { values, .. } => values.len(),
            ColumnData::Categorical(c) => c.codes.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn stray_count(&self) -> usize {
        self.strays.len()
    }

    pub fn is_missing(&self, i: usize) -> bool {
        match &self.data {
            ColumnData::Numeric { values, .. } => values[i].is_nan(),
            ColumnData::Categorical(c) => c.codes[i] == MISSING_CODE,
        }
    }

    pub fn missing_count(&self) -> usize {
        self.missing
    }

    /// Every value of a numeric column, NaN where missing; `None` when
    /// categorical. For passes over a whole column, which `number(i)` per
    /// row slowed by matching the column's kind at every row.
    pub fn numbers(&self) -> Option<&[f64]> {
        match &self.data {
            ColumnData::Numeric { values, .. } => Some(values),
            ColumnData::Categorical(_) => None,
        }
    }

    /// The value of row `i` in a numeric column; `None` when missing or categorical.
    pub fn number(&self, i: usize) -> Option<f64> {
        match &self.data {
            ColumnData::Numeric { values, .. } => Some(values[i]).filter(|v| !v.is_nan()),
            ColumnData::Categorical(_) => None,
        }
    }

    /// The text of row `i`: the category, or a number as written when the
    /// column is small enough to keep that, else the number formatted.
    pub fn text(&self, i: usize) -> Option<Cow<'_, str>> {
        match &self.data {
            ColumnData::Categorical(c) => c.text(i).map(Cow::Borrowed),
            ColumnData::Numeric { text: Some(t), .. } => {
                t.text(i).map(Cow::Borrowed).or_else(|| self.number(i).map(|v| Cow::Owned(values_text(v))))
            }
            ColumnData::Numeric { .. } => self.number(i).map(|v| Cow::Owned(values_text(v))),
        }
    }

    /// The codes and dictionary of a categorical column.
    pub fn codes(&self) -> Option<&Codes> {
        match &self.data {
            ColumnData::Categorical(c) => Some(c),
            ColumnData::Numeric { .. } => None,
        }
    }

    /// Codes into the distinct texts of the column, when it keeps them: a
    /// categorical column's own, or a numeric column's text view (kept while
    /// it has at most a thousand distinct values). `text(i)` is then the
    /// dictionary entry of code `i`.
    pub fn text_codes(&self) -> Option<&Codes> {
        match &self.data {
            ColumnData::Categorical(c) | ColumnData::Numeric { text: Some(c), .. } => Some(c),
            ColumnData::Numeric { text: None, .. } => None,
        }
    }

    /// Distinct present values.
    pub fn distinct_count(&self) -> usize {
        self.distinct
    }

    /// A column stored as numbers (numeric, boolean or datetime), NaN where
    /// missing, with the text view of its values when one was kept.
    pub fn numeric(
        name: String,
        original_name: String,
        kind: ColumnKind,
        values: Vec<f64>,
        text: Option<Codes>,
        strays: Vec<StrayToken>,
    ) -> Column {
        Column::new(name, original_name, kind, ColumnData::Numeric { values, text }, strays)
    }

    /// A categorical column.
    pub fn categorical(name: String, original_name: String, codes: Codes) -> Column {
        Column::new(name, original_name, ColumnKind::Categorical, ColumnData::Categorical(codes), Vec::new())
    }

    fn new(name: String, original_name: String, kind: ColumnKind, data: ColumnData, strays: Vec<StrayToken>) -> Column {
        let (missing, distinct) = match &data {
            ColumnData::Categorical(c) => (c.codes.iter().filter(|&&c| c == MISSING_CODE).count(), c.dictionary.len()),
            ColumnData::Numeric { values, text } => {
                let missing = values.iter().filter(|v| v.is_nan()).count();
                let distinct = match text {
                    Some(t) => t.dictionary.len(),
                    None => crate::distinct::count_distinct(
                        values.iter().filter(|v| !v.is_nan()).map(|&v| crate::distinct::float_key(v)).collect(),
                    ),
                };
                (missing, distinct)
            }
        };
        Column { name, original_name, kind, data, missing, distinct, date: None, strays }
    }

    /// Every value as text, `None` for missing: for previews and tests, not for big data.
    pub fn texts(&self) -> Vec<Option<String>> {
        (0..self.len()).map(|i| self.text(i).map(Cow::into_owned)).collect()
    }
}

/// A number as text when its written form was not kept: Rust's shortest
/// round-trip form.
pub fn values_text(v: f64) -> String {
    v.to_string()
}

/// How a datetime column was read: the order of `A/B/YYYY` dates, and
/// whether the data left that order open (so it was the default or the person's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateInfo {
    pub order: DateOrder,
    pub order_ambiguous: bool,
}

/// Which number comes first in `A/B/YYYY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateOrder {
    /// Day first: 05/03/2024 is 5 March.
    Dmy,
    /// Month first: 03/05/2024 is 5 March.
    Mdy,
    /// Year first: only ISO-like dates.
    Ymd,
}

impl DateOrder {
    pub fn parse(s: &str) -> Option<DateOrder> {
        match s {
            "dmy" => Some(DateOrder::Dmy),
            "mdy" => Some(DateOrder::Mdy),
            "ymd" => Some(DateOrder::Ymd),
            _ => None,
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
    /// The file's own format when it was not delimited text (`xlsx, sheet
    /// 'Data'`, `JSON Lines`, `gzip of delimited text`): the reader of that
    /// format gave the text the fields above describe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
}

impl Format {
    /// The format in words, the one description the app, the CLI and the
    /// report share: "UTF-8, delimiter ',', header row, decimal point".
    pub fn describe(&self) -> String {
        let delimiter = if self.delimiter == '\t' { "tab".to_string() } else { format!("'{}'", self.delimiter) };
        let container = self.container.as_ref().map(|c| format!("{c}, as text: ")).unwrap_or_default();
        format!(
            "{container}{}{}{}, delimiter {delimiter}, {}, decimal {}",
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

    /// [`Table::find`], or an error of kind `UnknownColumn` that lists the columns.
    pub fn column_index(&self, name: &str) -> crate::error::Result<usize> {
        self.find(name).ok_or_else(|| {
            crate::error::Error::new(
                crate::error::ErrorKind::UnknownColumn,
                format!("there is no column '{name}'; the columns are: {}", self.column_names().join(", ")),
            )
        })
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

/// `hex` in lower case, if it is a SHA-256 in hex.
pub fn sha256_hex_checked(hex: &str) -> Result<String> {
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hex.to_ascii_lowercase())
    } else {
        Err(Error::new(ErrorKind::Internal, format!("'{hex}' is not a SHA-256 in hex")))
    }
}

impl Table {
    /// Gives a table finished before its hash was known (ingest's
    /// `IngestSession::finish_unhashed`) its file's SHA-256 (hex).
    pub fn set_input_sha256(&mut self, hex: &str) -> Result<()> {
        self.input_sha256 = sha256_hex_checked(hex)?;
        Ok(())
    }
}
