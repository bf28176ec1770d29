//! Ingest: CSV bytes into a typed table.
//!
//! This first version reads comma-separated UTF-8 with a header row. Cells are
//! kept as their trimmed text (or `None` when missing), and each column is
//! inferred as numeric or categorical. Keeping the text means class labels are
//! exactly the trimmed text of the target cells, as scikit-learn users expect.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};

/// Tokens that mean "missing" after trimming, compared case-insensitively.
/// `nan` matters beyond tidiness: Rust's float parser would accept it as a
/// number and poison every mean it touched.
pub const MISSING_TOKENS: [&str; 6] = ["", "na", "n/a", "nan", "null", "?"];

/// The inferred kind of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// One column: its normalised and original names, its kind and its cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub original_name: String,
    pub kind: ColumnKind,
    /// Trimmed cell text, `None` for a missing value.
    pub cells: Vec<Option<String>>,
}

impl Column {
    pub fn missing_count(&self) -> usize {
        self.cells.iter().filter(|c| c.is_none()).count()
    }

    /// The numeric value of row `i`, `None` when missing or not a number.
    pub fn number(&self, i: usize) -> Option<f64> {
        self.cells[i].as_deref().and_then(parse_number)
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

/// A typed table, column by column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub columns: Vec<Column>,
    pub n_rows: usize,
    /// The 1-based line on which each record starts, for messages.
    pub lines: Vec<u64>,
    /// Columns whose normalised name collided with an earlier one and got a suffix.
    pub renamed: Vec<Rename>,
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

/// True when the trimmed text is one of the missing-value tokens.
pub fn is_missing(text: &str) -> bool {
    MISSING_TOKENS.iter().any(|t| t.eq_ignore_ascii_case(text))
}

/// Normalises one header name: lower-case, every run of characters that are
/// neither letters nor digits becomes one `_`, leading and trailing `_` are
/// dropped, and an empty result becomes `column_N` (`position` is 1-based).
pub fn normalise_name(raw: &str, position: usize) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_sep = false;
    for ch in raw.chars() {
        if ch.is_alphanumeric() {
            if pending_sep && !out.is_empty() {
                out.push('_');
            }
            pending_sep = false;
            out.extend(ch.to_lowercase());
        } else {
            pending_sep = true;
        }
    }
    if out.is_empty() {
        format!("column_{position}")
    } else {
        out
    }
}

/// Normalises a whole header: names already taken get `_2`, `_3`, and so on.
pub fn normalise_header(raw: &[String]) -> (Vec<String>, Vec<Rename>) {
    let mut names: Vec<String> = Vec::with_capacity(raw.len());
    let mut renamed = Vec::new();
    for (i, original) in raw.iter().enumerate() {
        let base = normalise_name(original, i + 1);
        let mut name = base.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        if name != base {
            renamed.push(Rename {
                original_name: original.clone(),
                name: name.clone(),
                position: i + 1,
            });
        }
        names.push(name);
    }
    (names, renamed)
}

/// Checks that the bytes are text before the CSV reader sees them, so a
/// binary file gets a message about being binary, not about field counts.
fn check_text(bytes: &[u8]) -> Result<&str> {
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        let line = 1 + bytes[..pos].iter().filter(|&&b| b == b'\n').count();
        return Err(Error::new(
            ErrorKind::Binary,
            format!("this is not a text file: found a NUL byte on line {line} (byte {pos})"),
        ));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.strip_prefix('\u{feff}').unwrap_or(text)),
        Err(e) => {
            let pos = e.valid_up_to();
            let line = 1 + bytes[..pos].iter().filter(|&&b| b == b'\n').count();
            Err(Error::new(
                ErrorKind::Binary,
                format!("this is not UTF-8 text: invalid bytes on line {line} (byte {pos})"),
            ))
        }
    }
}

/// Parses CSV bytes (comma-separated, UTF-8, header row) into a typed table.
pub fn parse_csv(bytes: &[u8]) -> Result<Table> {
    let text = check_text(bytes)?;
    if text.trim().is_empty() {
        return Err(Error::new(ErrorKind::Empty, "the file is empty"));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| csv_error(&e))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let (names, renamed) = normalise_header(&header);
    let mut cells: Vec<Vec<Option<String>>> = vec![Vec::new(); names.len()];
    let mut record = csv::StringRecord::new();
    let mut lines = Vec::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                lines.push(record.position().map_or(0, |p| p.line()));
                for (col, field) in cells.iter_mut().zip(record.iter()) {
                    let t = field.trim();
                    col.push(if is_missing(t) {
                        None
                    } else {
                        Some(t.to_string())
                    });
                }
            }
            Err(e) => return Err(csv_error(&e)),
        }
    }
    let n_rows = cells.first().map_or(0, Vec::len);
    if n_rows == 0 {
        return Err(Error::new(
            ErrorKind::HeaderOnly,
            "the file has a header row but no data rows",
        ));
    }
    let columns = names
        .into_iter()
        .zip(header)
        .zip(cells)
        .map(|((name, original_name), cells)| {
            let kind = infer_kind(&cells);
            Column {
                name,
                original_name,
                kind,
                cells,
            }
        })
        .collect();
    Ok(Table {
        columns,
        n_rows,
        lines,
        renamed,
    })
}

/// A column is numeric when it has at least one value and every value parses
/// as a finite number; otherwise it is categorical.
fn infer_kind(cells: &[Option<String>]) -> ColumnKind {
    let mut values = cells.iter().flatten().peekable();
    if values.peek().is_none() {
        return ColumnKind::Categorical;
    }
    if values.all(|v| parse_number(v).is_some()) {
        ColumnKind::Numeric
    } else {
        ColumnKind::Categorical
    }
}

fn csv_error(e: &csv::Error) -> Error {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => {
            let line = pos.as_ref().map_or(0, |p| p.line());
            Error::new(
                ErrorKind::Malformed,
                format!("line {line} has {len} fields, but the header has {expected_len}"),
            )
        }
        csv::ErrorKind::Utf8 { pos, .. } => {
            let line = pos.as_ref().map_or(0, |p| p.line());
            Error::new(
                ErrorKind::Binary,
                format!("line {line} is not valid UTF-8 text"),
            )
        }
        _ => Error::new(ErrorKind::Malformed, format!("cannot read the CSV: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_names(raw: &[&str], expected: &[&str]) {
        let raw: Vec<String> = raw.iter().map(|s| s.to_string()).collect();
        let (names, _) = normalise_header(&raw);
        assert_eq!(names, expected);
    }

    #[test]
    fn names_are_normalised() {
        check_names(&["sepal length (cm)"], &["sepal_length_cm"]);
        check_names(
            &["  Héllo--Wörld  ", "__x__", ""],
            &["héllo_wörld", "x", "column_3"],
        );
        check_names(&["A", "a", "a_2", "a"], &["a", "a_2", "a_2_2", "a_3"]);
        check_names(&["体重 (kg)", "!!!"], &["体重_kg", "column_2"]);
    }

    #[test]
    fn duplicates_are_reported() {
        let t = parse_csv(b"x,X,y\n1,2,a\n").unwrap();
        assert_eq!(t.column_names(), ["x", "x_2", "y"]);
        assert_eq!(
            t.renamed,
            vec![Rename {
                original_name: "X".into(),
                name: "x_2".into(),
                position: 2
            }]
        );
    }

    #[test]
    fn kinds_and_missing_tokens() {
        let t = parse_csv(b"a,b,c\n1, x ,NA\n2.5,?,\nnan,y,null\n N/A ,z,\n").unwrap();
        assert_eq!(t.columns[0].kind, ColumnKind::Numeric);
        assert_eq!(t.columns[0].missing_count(), 2);
        assert_eq!(t.columns[1].kind, ColumnKind::Categorical);
        assert_eq!(
            t.columns[1].cells,
            vec![Some("x".into()), None, Some("y".into()), Some("z".into())]
        );
        assert_eq!(t.columns[2].missing_count(), 4);
        assert_eq!(t.columns[2].kind, ColumnKind::Categorical);
    }

    #[test]
    fn infinity_is_not_a_number() {
        let t = parse_csv(b"a\ninf\n1\n").unwrap();
        assert_eq!(t.columns[0].kind, ColumnKind::Categorical);
    }

    fn check_error(bytes: &[u8], kind: ErrorKind, message: &str) {
        let e = parse_csv(bytes).unwrap_err();
        assert_eq!(e.kind(), kind, "{e}");
        assert_eq!(e.message(), message);
    }

    #[test]
    fn bad_files_are_named() {
        check_error(b"", ErrorKind::Empty, "the file is empty");
        check_error(b" \n\n", ErrorKind::Empty, "the file is empty");
        check_error(
            b"a,b\n",
            ErrorKind::HeaderOnly,
            "the file has a header row but no data rows",
        );
        check_error(
            b"a,b\n1,2\n3\n",
            ErrorKind::Malformed,
            "line 3 has 1 fields, but the header has 2",
        );
        check_error(
            b"a,b\n1,\x002\n",
            ErrorKind::Binary,
            "this is not a text file: found a NUL byte on line 2 (byte 6)",
        );
        check_error(
            b"a,b\n1,\xff\xfe\n",
            ErrorKind::Binary,
            "this is not UTF-8 text: invalid bytes on line 2 (byte 6)",
        );
    }

    #[test]
    fn bom_and_crlf_are_accepted() {
        let t = parse_csv(b"\xef\xbb\xbfa,b\r\n1,x\r\n2,y\r\n").unwrap();
        assert_eq!(t.column_names(), ["a", "b"]);
        assert_eq!(t.n_rows, 2);
    }
}
