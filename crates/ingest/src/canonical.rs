//! The canonical encoding: rows that come from a source other than a file
//! (a database query, a Kafka topic) written as the CSV text a file of the
//! same rows would hold, so that they reach the table through the one
//! reader every CSV takes. The same rows from PostgreSQL, MySQL, Kafka or a
//! file that `glassbox sync` wrote therefore give the same table, and the
//! SHA-256 of these bytes is what a model records in place of a file's hash.
//!
//! The encoding, version 1 (`CANONICAL`):
//! - UTF-8 without a byte-order mark, `,` between fields, `\n` after every
//!   record, the column names as the first record;
//! - a field is quoted with `"` (a `"` inside doubled) when it holds `,`,
//!   `"`, `\r` or `\n`, or starts or ends with a space, and not otherwise;
//! - NULL (and a float NaN) is the empty field;
//! - integers in decimal; floats as the shortest text that reads back to the
//!   same `f64` (Rust's `Display`, never an exponent), infinities as `inf`
//!   and `-inf`; decimals as their exact digits without trailing zeros
//!   after the point (`12.50` and `12.5000` are both `12.5`: drivers differ
//!   in how many they send);
//! - booleans as `true` and `false`;
//! - dates as `YYYY-MM-DD`; instants in UTC as `YYYY-MM-DDTHH:MM:SS` with
//!   the fraction's significant digits (if any) and `Z`.

use jiff::Timestamp;

/// The name and version of the encoding, as manifests record it.
pub const CANONICAL: &str = "glassbox canonical csv v1";

/// The read options for canonical text: its format is known (`,`, UTF-8,
/// a header row, a decimal point); the person's kinds, missing tokens, time
/// zone and bad-row choice still apply.
pub fn read_options(base: &crate::ReadOptions) -> crate::ReadOptions {
    crate::ReadOptions {
        delimiter: Some(','),
        quote: '"',
        encoding: Some("utf-8".to_string()),
        header: Some(true),
        decimal_comma: Some(false),
        ..base.clone()
    }
}

/// One value of a row from a source.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    UInt(u64),
    Float(f64),
    /// An exact decimal, as the database writes it (`12.50`; written `12.5`).
    Decimal(String),
    Bool(bool),
    Text(String),
    Date {
        year: i16,
        month: i8,
        day: i8,
    },
    /// An instant, written in UTC.
    At(Timestamp),
}

impl Cell {
    /// The field's text before quoting.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            Cell::Null => Cow::Borrowed(""),
            Cell::Int(v) => Cow::Owned(v.to_string()),
            Cell::UInt(v) => Cow::Owned(v.to_string()),
            Cell::Float(v) if v.is_nan() => Cow::Borrowed(""),
            Cell::Float(v) if v.is_infinite() => Cow::Borrowed(if *v > 0.0 { "inf" } else { "-inf" }),
            Cell::Float(v) => Cow::Owned(v.to_string()),
            Cell::Decimal(s) if s.contains('.') => Cow::Borrowed(s.trim_end_matches('0').trim_end_matches('.')),
            Cell::Decimal(s) | Cell::Text(s) => Cow::Borrowed(s),
            Cell::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Cell::Date { year, month, day } => Cow::Owned(format!("{year:04}-{month:02}-{day:02}")),
            Cell::At(t) => Cow::Owned(instant_text(*t)),
        }
    }
}

/// An instant as the encoding writes it: `2024-03-10T02:30:00Z`, with the
/// fraction's significant digits when it has one (`…00.25Z`).
pub fn instant_text(t: Timestamp) -> String {
    let dt = jiff::tz::TimeZone::UTC.to_datetime(t);
    let mut s = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    );
    let nanos = dt.subsec_nanosecond();
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        s.push('.');
        s.push_str(frac.trim_end_matches('0'));
    }
    s.push('Z');
    s
}

/// Appends one field, quoted when the encoding says so.
pub fn push_field(out: &mut Vec<u8>, text: &str) {
    let quote =
        text.bytes().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n')) || text.starts_with(' ') || text.ends_with(' ');
    if quote {
        out.push(b'"');
        for part in text.split('"').enumerate() {
            if part.0 > 0 {
                out.extend_from_slice(b"\"\"");
            }
            out.extend_from_slice(part.1.as_bytes());
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

/// Appends a record of texts (the header, or a row already as text).
pub fn push_record<S: AsRef<str>>(out: &mut Vec<u8>, fields: &[S]) {
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_field(out, f.as_ref());
    }
    out.push(b'\n');
}

/// Appends a row of cells.
pub fn push_row(out: &mut Vec<u8>, cells: &[Cell]) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_field(out, &c.text());
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(cells: &[Cell], expected: &str) {
        let mut out = Vec::new();
        push_row(&mut out, cells);
        assert_eq!(String::from_utf8(out).unwrap(), expected, "{cells:?}");
    }

    #[test]
    fn cells_are_written_as_the_encoding_says() {
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        check(&[Cell::Null, Cell::Int(-3), Cell::UInt(u64::MAX)], ",-3,18446744073709551615\n");
        check(&[Cell::Float(0.1), Cell::Float(1e21), Cell::Float(f64::NAN)], "0.1,1000000000000000000000,\n");
        check(&[Cell::Float(f64::INFINITY), Cell::Float(f64::NEG_INFINITY)], "inf,-inf\n");
        check(&[Cell::Decimal("12.50".into()), Cell::Bool(true), Cell::Bool(false)], "12.5,true,false\n");
        check(
            &[Cell::Decimal("100".into()), Cell::Decimal("3.000".into()), Cell::Decimal("-0.10".into())],
            "100,3,-0.1\n",
        );
        check(&[Cell::Text("a,b".into()), Cell::Text("say \"hi\"".into())], "\"a,b\",\"say \"\"hi\"\"\"\n");
        check(&[Cell::Text(" pad".into()), Cell::Text("two\nlines".into())], "\" pad\",\"two\nlines\"\n");
        check(&[Cell::Date { year: 2024, month: 3, day: 5 }], "2024-03-05\n");
        check(&[Cell::At(t("2024-03-10T02:30:00+08:00"))], "2024-03-09T18:30:00Z\n");
        check(&[Cell::At(t("2024-03-10T02:30:00.250Z"))], "2024-03-10T02:30:00.25Z\n");
    }

    #[test]
    fn canonical_rows_read_back_as_the_same_values() {
        let mut bytes = Vec::new();
        push_record(&mut bytes, &["n", "when", "label"]);
        let when = "2024-03-10T02:30:00.5Z".parse::<Timestamp>().unwrap();
        push_row(&mut bytes, &[Cell::Float(0.30000000000000004), Cell::At(when), Cell::Text("a, b".into())]);
        push_row(&mut bytes, &[Cell::Float(2.0), Cell::Null, Cell::Text("c".into())]);
        let t = crate::read_csv(&bytes, &crate::ReadOptions::default()).unwrap();
        assert_eq!(t.columns[0].number(0), Some(0.30000000000000004));
        assert_eq!(t.columns[1].kind, crate::ColumnKind::Datetime);
        assert_eq!(t.columns[1].number(0), Some(when.as_millisecond() as f64 / 1000.0));
        assert_eq!(t.columns[1].number(1), None);
        assert_eq!(t.columns[2].text(0).as_deref(), Some("a, b"));
    }
}
