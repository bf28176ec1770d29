//! Builders that fill columns row by row while the file streams in, into the
//! compact columns of `glassbox_core::table` (numbers as `f64`, categories as
//! `u32` codes: a 1 GB numeric CSV becomes about 8 bytes per cell instead of
//! a `String` per cell). A numeric column also keeps a small text view (the
//! exact text of its values) while it has few distinct values, so a numeric
//! target keeps its labels as written.

use rustc_hash::FxHashMap;
use std::borrow::Cow;

use crate::{Codes, Column, ColumnKind, DateInfo, StrayToken, MISSING_CODE};
use glassbox_core::table::values_text;

use super::datetime::DateParser;
use super::{from_decimal_comma, parse_number, MAX_STRAY};

/// Dictionaries up to this size are searched by a scan instead of the hash map.
const SCAN_MAX: usize = 8;

/// A numeric column keeps the text of its values while it has at most this many distinct ones.
const TEXT_VIEW_MAX: usize = 1000;

/// Dictionary-encodes text as it arrives.
#[derive(Debug, Default)]
pub(crate) struct TextBuilder {
    // FxHash: these keys come from the person's own file, and hashing every
    // cell with SipHash cost a third of the ingest time.
    index: FxHashMap<String, u32>,
    codes: Codes,
}

impl TextBuilder {
    pub fn push(&mut self, value: Option<&str>) {
        let dict = &self.codes.dictionary;
        let code = match value {
            None => MISSING_CODE,
            // A handful of categories: a scan beats hashing.
            Some(v) if dict.len() <= SCAN_MAX => {
                match dict.iter().position(|d| d.len() == v.len() && d.bytes().zip(v.bytes()).all(|(a, b)| a == b)) {
                    Some(c) => c as u32,
                    None => self.insert(v),
                }
            }
            Some(v) => match self.index.get(v) {
                Some(&c) => c,
                None => self.insert(v),
            },
        };
        self.codes.codes.push(code);
    }

    fn insert(&mut self, v: &str) -> u32 {
        let c = self.codes.dictionary.len() as u32;
        self.codes.dictionary.push(v.to_string());
        self.index.insert(v.to_string(), c);
        c
    }

    fn distinct(&self) -> usize {
        self.codes.dictionary.len()
    }

    /// Appends the codes of later rows read by another builder, as if they
    /// had been pushed here: new texts join the dictionary in the order the
    /// other builder met them, which is the order pushing would have.
    pub fn append(&mut self, later: &Codes) {
        let map: Vec<u32> = later
            .dictionary
            .iter()
            .map(|t| match self.index.get(t.as_str()) {
                Some(&c) => c,
                None => self.insert(t),
            })
            .collect();
        self.codes.codes.extend(later.codes.iter().map(|&c| if c == MISSING_CODE { c } else { map[c as usize] }));
    }

    pub fn codes(&self) -> &Codes {
        &self.codes
    }

    /// Room for `more` codes without growing.
    pub fn reserve(&mut self, more: usize) {
        let _ = self.codes.codes.try_reserve_exact(more);
    }

    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.codes.codes.capacity()
    }

    pub fn finish(self) -> Codes {
        self.codes
    }
}

/// What a numbers-stored column parses its text with.
#[derive(Debug, Clone)]
pub(crate) enum ValueParser {
    Number { decimal_comma: bool },
    Boolean,
    Datetime { parser: DateParser, info: DateInfo },
}

/// true/yes/y/t/1 and false/no/n/f/0, any case.
fn boolean_value(t: &str) -> Option<f64> {
    if crate::TRUE_TOKENS.iter().any(|v| v.eq_ignore_ascii_case(t)) {
        Some(1.0)
    } else if crate::FALSE_TOKENS.iter().any(|v| v.eq_ignore_ascii_case(t)) {
        Some(0.0)
    } else {
        None
    }
}

impl ValueParser {
    fn kind(&self) -> ColumnKind {
        match self {
            ValueParser::Number { .. } => ColumnKind::Numeric,
            ValueParser::Boolean => ColumnKind::Boolean,
            ValueParser::Datetime { .. } => ColumnKind::Datetime,
        }
    }

    /// The value and the text to keep for it.
    fn parse<'a>(&self, t: &'a str) -> Option<(f64, Cow<'a, str>)> {
        match self {
            ValueParser::Number { decimal_comma } => {
                let canonical = if *decimal_comma { from_decimal_comma(t) } else { Cow::Borrowed(t) };
                parse_number(&canonical).map(|v| (v, canonical))
            }
            ValueParser::Boolean => boolean_value(t).map(|v| (v, Cow::Borrowed(t))),
            ValueParser::Datetime { parser, .. } => {
                // Plain numbers in a column the person called datetime are Unix
                // epoch seconds, or milliseconds when too large for seconds.
                let v = match parse_number(t) {
                    Some(n) if n.abs() > 1e11 => Some(n / 1000.0),
                    Some(n) => Some(n),
                    None => parser.parse(t),
                };
                v.map(|v| (v, Cow::Borrowed(t)))
            }
        }
    }
}

/// Whether sampled values make a boolean column: exactly two distinct values
/// that are a true/false pair.
pub(crate) fn sample_is_boolean(values: &[Option<&str>]) -> bool {
    let mut seen: Vec<(String, f64)> = Vec::new();
    for v in values.iter().flatten() {
        let Some(b) = boolean_value(v) else { return false };
        let lower = v.to_ascii_lowercase();
        if !seen.iter().any(|(s, _)| *s == lower) {
            seen.push((lower, b));
            if seen.len() > 2 {
                return false;
            }
        }
    }
    seen.len() == 2 && seen[0].1 != seen[1].1
}

/// (row, line, text) of a value in a numeric column that is not a number.
pub(crate) type Stray = (usize, u64, String);

/// Parses numbers as they arrive; values that are not numbers are kept aside
/// as strays, so the column can still become categorical at the end.
#[derive(Debug)]
pub(crate) struct NumericBuilder {
    values: Vec<f64>,
    text: Option<TextBuilder>,
    strays: Vec<Stray>,
    present: usize,
    parser: ValueParser,
}

impl NumericBuilder {
    pub fn new(parser: ValueParser) -> Self {
        NumericBuilder {
            values: Vec::new(),
            text: Some(TextBuilder::default()),
            strays: Vec::new(),
            present: 0,
            parser,
        }
    }

    /// A builder holding the sampled values, read from these lines. A
    /// column is numeric by default when its sample is
    /// ([`NumericBuilder::stays_numeric`]): the same rule as the finished column.
    pub fn filled(parser: ValueParser, values: &[Option<&str>], lines: &[u64]) -> Self {
        let mut b = NumericBuilder::new(parser);
        for (v, &line) in values.iter().zip(lines) {
            b.push(*v, line);
        }
        b
    }

    /// Room for `more` values without growing. The text view is left to
    /// grow: most columns with many rows drop it.
    pub fn reserve(&mut self, more: usize) {
        let _ = self.values.try_reserve_exact(more);
    }

    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.values.capacity()
    }

    pub fn push(&mut self, value: Option<&str>, line: u64) {
        let row = self.values.len();
        let parsed = value.and_then(|t| self.parser.parse(t));
        if value.is_some() {
            self.present += 1;
        }
        match (value, parsed) {
            (_, Some((v, canonical))) => {
                self.values.push(v);
                if let Some(t) = &mut self.text {
                    t.push(Some(&canonical));
                }
            }
            (Some(t), None) => {
                self.values.push(f64::NAN);
                self.strays.push((row, line, t.to_string()));
                if let Some(tv) = &mut self.text {
                    tv.push(None);
                }
            }
            (None, None) => {
                self.values.push(f64::NAN);
                if let Some(t) = &mut self.text {
                    t.push(None);
                }
            }
        }
        if self.text.as_ref().is_some_and(|t| t.distinct() > TEXT_VIEW_MAX) {
            self.text = None;
        }
    }

    /// The builder's state, for a part of a file read elsewhere: values,
    /// present count, strays (row, line, text) and the text view if it lasted.
    pub fn parts(&self) -> (&[f64], usize, &[Stray], Option<&Codes>) {
        (&self.values, self.present, &self.strays, self.text.as_ref().map(TextBuilder::codes))
    }

    /// Appends later rows read by another builder with the same parser, as
    /// if they had been pushed here. `line_offset` turns that builder's line
    /// numbers into this file's. The text view lasts if it would have: the
    /// union of the two views is small enough.
    pub fn append(
        &mut self,
        values: impl Iterator<Item = f64>,
        present: usize,
        strays: Vec<Stray>,
        text: Option<&Codes>,
        line_offset: u64,
    ) {
        let rows = self.values.len();
        self.values.extend(values);
        self.present += present;
        self.strays.extend(strays.into_iter().map(|(r, l, t)| (r + rows, l + line_offset, t)));
        self.text = match (self.text.take(), text) {
            (Some(mut view), Some(later)) => {
                view.append(later);
                (view.distinct() <= TEXT_VIEW_MAX).then_some(view)
            }
            _ => None,
        };
    }

    pub fn parser(&self) -> &ValueParser {
        &self.parser
    }

    /// Numbers must be a clear majority and the strays few: at most
    /// `MAX_STRAY` or 1% of the present values, whichever is more.
    pub fn stays_numeric(&self) -> bool {
        let stray = self.strays.len();
        let numbers = self.present - stray;
        numbers > 0 && stray <= MAX_STRAY.max(self.present / 100) && numbers >= 2 * stray
    }

    /// The finished column: numeric if the rule holds or the kind was forced,
    /// else categorical with every value as text.
    pub fn finish(self, name: String, original_name: String, forced: bool) -> Column {
        if forced || self.stays_numeric() {
            let strays = self.strays.into_iter().map(|(_, line, token)| StrayToken { line, token }).collect();
            let text = self.text.map(TextBuilder::finish);
            let kind = self.parser.kind();
            let mut column = Column::numeric(name, original_name, kind, self.values, text, strays);
            if let ValueParser::Datetime { info, .. } = self.parser {
                column.date = Some(info);
            }
            return column;
        }
        // Too many non-numbers after all: every value becomes text again.
        // Numbers keep their written text while the text view lasted; past
        // that they are written in Rust's shortest round-trip form.
        let mut strays = self.strays.into_iter().peekable();
        let mut out = TextBuilder::default();
        let view = self.text.map(TextBuilder::finish);
        for (row, v) in self.values.iter().enumerate() {
            if strays.peek().is_some_and(|s| s.0 == row) {
                let (_, _, t) = strays.next().expect("peeked");
                out.push(Some(&t));
            } else if v.is_nan() {
                out.push(None);
            } else {
                match view.as_ref().and_then(|c| c.text(row)) {
                    Some(t) => out.push(Some(t)),
                    None => out.push(Some(&values_text(*v))),
                }
            }
        }
        categorical(name, original_name, out.finish())
    }
}

pub(crate) fn categorical(name: String, original_name: String, codes: Codes) -> Column {
    Column::categorical(name, original_name, codes)
}
