//! Ingest: CSV bytes into a typed, validated table.
//!
//! Reading is forgiving and reports what it forgave: the encoding, delimiter,
//! header and decimal comma are detected (each can be overridden through
//! [`ReadOptions`]), and a row that cannot be read becomes a [`RowIssue`] with
//! its line number instead of failing the file, unless the person asks for
//! [`BadRows::Error`]. Cells keep their trimmed text (or `None` when missing),
//! so class labels are exactly the text of the target cells; numeric columns
//! hold canonical number text (decimal commas become points).
//!
//! ```
//! use glassbox_pipeline::ingest::{read_csv, ReadOptions};
//! let t = read_csv(b"a;b\n1,5;x\n2,5;y\n", &ReadOptions::default()).unwrap();
//! assert_eq!((t.format.delimiter, t.format.decimal_comma), (';', true));
//! assert_eq!(t.columns[0].number(1), Some(2.5));
//! ```

mod decode;
mod names;
mod sniff;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
pub use names::{normalise_header, normalise_name};

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
}

impl ColumnKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ColumnKind::Numeric => "numeric",
            ColumnKind::Categorical => "categorical",
        }
    }

    pub fn parse(s: &str) -> Option<ColumnKind> {
        match s {
            "numeric" => Some(ColumnKind::Numeric),
            "categorical" => Some(ColumnKind::Categorical),
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

/// One column: its normalised and original names, its kind and its cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub original_name: String,
    pub kind: ColumnKind,
    /// Trimmed cell text, `None` for a missing value. In a numeric column
    /// every present cell parses as a finite number.
    pub cells: Vec<Option<String>>,
    /// The values of a numeric column that were not numbers (now missing),
    /// with their lines. There are few: at most `MAX_STRAY` or 1% of the
    /// values, unless the person forced the kind.
    pub strays: Vec<StrayToken>,
}

impl Column {
    pub fn stray_count(&self) -> usize {
        self.strays.len()
    }

    pub fn missing_count(&self) -> usize {
        self.cells.iter().filter(|c| c.is_none()).count()
    }

    /// The numeric value of row `i`, `None` when missing or not a number.
    pub fn number(&self, i: usize) -> Option<f64> {
        self.cells[i].as_deref().and_then(parse_number)
    }

    /// Distinct present values.
    pub fn distinct_count(&self) -> usize {
        let mut values: Vec<&str> = self.cells.iter().flatten().map(String::as_str).collect();
        values.sort_unstable();
        values.dedup();
        values.len()
    }
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
}

impl Table {
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
    text.parse::<f64>().ok().filter(|v| v.is_finite())
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

/// Reads CSV bytes into a typed table.
pub fn read_csv(bytes: &[u8], opts: &ReadOptions) -> Result<Table> {
    let decoded = decode::decode(bytes, opts.encoding.as_deref())?;
    let text = decoded.text.as_str();
    if text.trim().is_empty() {
        return Err(Error::new(ErrorKind::Empty, "the file is empty"));
    }
    let quote = byte_of(opts.quote, "quote character")?;
    let delimiter = match opts.delimiter {
        Some(d) => byte_of(d, "delimiter")?,
        None => sniff::delimiter(text, quote),
    };
    let spaced = strip_space_before_quotes(text, char::from(delimiter), char::from(quote));
    let text: &str = &spaced;
    let sample = sniff::sample(text, delimiter, quote);
    let decimal_comma = opts.decimal_comma.unwrap_or_else(|| delimiter != b',' && sniff::decimal_comma(&sample));
    let header = opts.header.unwrap_or_else(|| sniff::has_header(&sample, decimal_comma));
    let format = Format {
        encoding: decoded.encoding.to_string(),
        encoding_guessed: decoded.guessed,
        bom: decoded.bom,
        delimiter: char::from(delimiter),
        quote: char::from(quote),
        header,
        decimal_comma,
    };

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .quote(quote)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let first = match records.next() {
        Some(Ok(r)) => r,
        Some(Err(e)) => return Err(Error::new(ErrorKind::Malformed, format!("cannot read the header: {e}"))),
        None => return Err(Error::new(ErrorKind::Empty, "the file is empty")),
    };
    let first_fields: Vec<String> = first.iter().map(|f| f.trim().to_string()).collect();
    let (raw_names, mut pending_first) = if header {
        (first_fields, None)
    } else {
        ((1..=first_fields.len()).map(|i| format!("column_{i}")).collect(), Some(first))
    };
    let width = raw_names.len();
    let missing: Vec<&str> = opts.missing_tokens.iter().map(|s| s.trim()).collect();
    let mut cells: Vec<Vec<Option<String>>> = vec![Vec::new(); width];
    let mut lines = Vec::new();
    let mut kept_records = Vec::new();
    let mut row_issues = Vec::new();
    let mut record_index = 0usize;
    loop {
        let record = match pending_first.take() {
            Some(r) => Ok(r),
            None => match records.next() {
                Some(r) => r,
                None => break,
            },
        };
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                let issue = RowIssue { line, record: record_index, message: format!("cannot read this row: {e}") };
                record_index += 1;
                skip_or_fail(opts.bad_rows, issue, &mut row_issues)?;
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let index = record_index;
        record_index += 1;
        // A trailing delimiter adds one empty field to every row: accept it.
        let n = if record.len() == width + 1 && record.get(width).is_some_and(|f| f.trim().is_empty()) {
            width
        } else {
            record.len()
        };
        if n != width {
            let message = format!("line {line} has {n} fields, but the header has {width}");
            skip_or_fail(opts.bad_rows, RowIssue { line, record: index, message }, &mut row_issues)?;
            continue;
        }
        if decoded.had_errors && record.iter().any(|f| f.contains('\u{FFFD}')) {
            let message = format!(
                "line {line} has bytes that are not valid {}{}",
                decoded.encoding,
                if decoded.encoding == "UTF-8" { ": try another encoding (for example windows-1252)" } else { "" }
            );
            skip_or_fail(opts.bad_rows, RowIssue { line, record: index, message }, &mut row_issues)?;
            continue;
        }
        for (col, field) in cells.iter_mut().zip(record.iter()) {
            let t = field.trim();
            col.push(if missing.contains(&t) { None } else { Some(t.to_string()) });
        }
        lines.push(line);
        kept_records.push(index);
    }
    let n_rows = lines.len();
    if n_rows == 0 {
        return Err(match row_issues.first() {
            None => Error::new(ErrorKind::HeaderOnly, "the file has a header row but no data rows"),
            Some(first) => Error::new(
                ErrorKind::Malformed,
                format!(
                    "no row could be read: all {} data rows have problems, the first: {}",
                    row_issues.len(),
                    first.message
                ),
            ),
        });
    }
    let (mut names, mut renamed) = normalise_header(&raw_names);
    let mut raw_names = raw_names;
    // A header that ends in a delimiter names an empty last column: drop it when it holds nothing.
    if header && width > 1 && raw_names[width - 1].is_empty() && cells[width - 1].iter().all(Option::is_none) {
        cells.pop();
        names.pop();
        raw_names.pop();
        renamed.retain(|r| r.position != width);
    }
    let columns = names
        .into_iter()
        .zip(raw_names)
        .zip(cells)
        .map(|((name, original_name), cells)| {
            let forced = opts.kinds.get(&name).or_else(|| opts.kinds.get(&original_name)).copied();
            type_column(name, original_name, cells, &lines, decimal_comma, forced)
        })
        .collect();
    Ok(Table { columns, n_rows, lines, records: kept_records, n_records: record_index, renamed, format, row_issues })
}

/// Drops the spaces between a delimiter (or a line start) and an opening
/// quote. Files written as `a, "b, c"` have them, and the csv crate only
/// recognises a quote at the very start of a field, so without this the
/// quoted delimiter would split the field.
fn strip_space_before_quotes(text: &str, delimiter: char, quote: char) -> std::borrow::Cow<'_, str> {
    let pattern_present = text.contains(&format!("{delimiter} {quote}")) || text.contains(&format!("\n {quote}"));
    if !pattern_present || delimiter == ' ' {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut in_quotes = false;
    let mut at_field_start = true;
    let mut pending_spaces = String::new();
    for ch in text.chars() {
        if in_quotes {
            if ch == quote {
                in_quotes = false;
            }
            out.push(ch);
            continue;
        }
        if at_field_start && (ch == ' ' || (ch == '\t' && delimiter != '\t')) {
            pending_spaces.push(ch);
            continue;
        }
        if at_field_start && ch != quote {
            out.push_str(&pending_spaces);
        }
        pending_spaces.clear();
        at_field_start = ch == delimiter || ch == '\n' || ch == '\r';
        if ch == quote {
            in_quotes = true;
        }
        out.push(ch);
    }
    out.push_str(&pending_spaces);
    std::borrow::Cow::Owned(out)
}

fn skip_or_fail(policy: BadRows, issue: RowIssue, issues: &mut Vec<RowIssue>) -> Result<()> {
    match policy {
        BadRows::Error => Err(Error::new(ErrorKind::Malformed, issue.message)),
        BadRows::Skip => {
            issues.push(issue);
            Ok(())
        }
    }
}

/// Decides a column's kind and, for a numeric column, rewrites its cells as
/// canonical numbers and turns stray tokens into reported missing values.
fn type_column(
    name: String,
    original_name: String,
    mut cells: Vec<Option<String>>,
    lines: &[u64],
    decimal_comma: bool,
    forced: Option<ColumnKind>,
) -> Column {
    let number_text = |t: &str| -> Option<String> {
        let canonical = if decimal_comma { from_decimal_comma(t) } else { std::borrow::Cow::Borrowed(t) };
        parse_number(&canonical).map(|_| canonical.into_owned())
    };
    let present = cells.iter().flatten().count();
    let numbers = cells.iter().flatten().filter(|t| number_text(t).is_some()).count();
    let stray = present - numbers;
    let allowed = MAX_STRAY.max(present / 100);
    // Numbers must also be a clear majority, so a short column of words with a
    // few numbers in it stays categorical.
    let numeric = match forced {
        Some(kind) => kind == ColumnKind::Numeric,
        None => numbers > 0 && stray <= allowed && numbers >= 2 * stray,
    };
    let mut strays = Vec::new();
    if numeric {
        for (cell, &line) in cells.iter_mut().zip(lines) {
            if let Some(t) = cell.take() {
                match number_text(&t) {
                    Some(n) => *cell = Some(n),
                    None => strays.push(StrayToken { line, token: t }),
                }
            }
        }
    }
    Column {
        name,
        original_name,
        kind: if numeric { ColumnKind::Numeric } else { ColumnKind::Categorical },
        cells,
        strays,
    }
}

#[cfg(test)]
mod tests;
