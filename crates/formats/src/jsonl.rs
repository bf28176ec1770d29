//! JSON Lines: one object per line, its keys the columns in the order they
//! are first seen, a key a line lacks a missing value. Nested values (an
//! object or an array) are refused with the line named: flattening them is
//! a choice (`a.b`? the array's length?) the person should make, not us.
//!
//! Two passes over the bytes, one for the columns and one for the rows, so
//! no parsed object is kept: memory holds the file and its canonical CSV.

use std::collections::HashMap;

use glassbox_ingest::canonical::{push_record, push_row, Cell};
use serde_json::Value;

use crate::{extension, Decoded, Error, ErrorKind, Options, Reader, Result, Text};

pub struct JsonLines;

impl Reader for JsonLines {
    fn name(&self) -> &'static str {
        "JSON Lines"
    }

    /// The first line is a JSON object, or starts like one in a file
    /// named as JSON Lines (a first line longer than the head).
    fn recognises(&self, head: &[u8], file_name: &str) -> bool {
        let head = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
        let start = head.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(head.len());
        let head = &head[start..];
        let named_json = matches!(extension(file_name).as_str(), "jsonl" | "ndjson" | "json");
        if head.starts_with(b"[") && named_json {
            // A JSON array: recognised so that it is refused in words.
            return true;
        }
        if !head.starts_with(b"{") {
            return false;
        }
        match head.iter().position(|&b| b == b'\n') {
            Some(end) => matches!(serde_json::from_slice::<Value>(&head[..end]), Ok(Value::Object(_))),
            None => matches!(serde_json::from_slice::<Value>(head), Ok(Value::Object(_))) || named_json,
        }
    }

    fn read(&self, bytes: &[u8], _: &str, _: &Options) -> Result<Decoded> {
        let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        if bytes.trim_ascii_start().starts_with(b"[") {
            return Err(Error::new(
                ErrorKind::Malformed,
                "this is a JSON array; Glassbox reads JSON Lines, one object per line (jq -c '.[]' writes them)",
            ));
        }
        let mut names: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut rows = 0usize;
        for (line, text) in lines(bytes) {
            let object = object(line, text)?;
            rows += 1;
            for (key, _) in object {
                if !index.contains_key(&key) {
                    index.insert(key.clone(), names.len());
                    names.push(key);
                }
            }
        }
        if rows == 0 {
            return Err(Error::new(ErrorKind::Empty, "the file holds no JSON object"));
        }
        let mut out = Vec::with_capacity(bytes.len());
        push_record(&mut out, &names);
        let mut cells = vec![Cell::Null; names.len()];
        for (line, text) in lines(bytes) {
            cells.iter_mut().for_each(|c| *c = Cell::Null);
            for (key, value) in object(line, text)? {
                cells[index[&key]] = cell(line, &key, value)?;
            }
            push_row(&mut out, &cells);
        }
        Ok(Decoded {
            bytes: out,
            text: Text::Canonical,
            format: self.name().to_string(),
            sheet: None,
            sheets: Vec::new(),
            notes: Vec::new(),
            kinds: Vec::new(),
            text_columns: Vec::new(),
        })
    }
}

/// The lines that hold something, numbered from 1, without their `\r`.
fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    bytes.split(|&b| b == b'\n').enumerate().filter_map(|(i, l)| {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        (!l.iter().all(u8::is_ascii_whitespace)).then_some((i + 1, l))
    })
}

/// A line's object, its fields in the order written (serde_json's own
/// map sorts them unless a feature the whole workspace would share is on).
fn object(line: usize, text: &[u8]) -> Result<Vec<(String, Value)>> {
    let bad = |what: String| Error::new(ErrorKind::Malformed, format!("line {line}: {what}"));
    match parse_line(text) {
        Ok(Line::Object(fields)) => Ok(fields),
        Ok(Line::Other(kind)) => Err(bad(format!("{kind} is not a JSON object; each line must be one object"))),
        Err(e) => Err(bad(format!("not JSON: {e}"))),
    }
}

/// One JSON text, parsed: an object's fields in the order written, or what
/// else it was. The Kafka source reads its JSON messages with it too.
pub fn parse_line(text: &[u8]) -> serde_json::Result<Line> {
    serde_json::from_slice::<Line>(text)
}

/// A parsed line: an object's fields in order, or what else it was.
pub enum Line {
    Object(Vec<(String, Value)>),
    Other(&'static str),
}

impl<'de> serde::Deserialize<'de> for Line {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Line, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Line;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Line, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry::<String, Value>()? {
                    fields.push(entry);
                }
                Ok(Line::Object(fields))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Line, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Line::Other("an array"))
            }
            fn visit_unit<E>(self) -> std::result::Result<Line, E> {
                Ok(Line::Other("null"))
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<Line, E> {
                Ok(Line::Other("a boolean"))
            }
            fn visit_i64<E>(self, _: i64) -> std::result::Result<Line, E> {
                Ok(Line::Other("a number"))
            }
            fn visit_u64<E>(self, _: u64) -> std::result::Result<Line, E> {
                Ok(Line::Other("a number"))
            }
            fn visit_f64<E>(self, _: f64) -> std::result::Result<Line, E> {
                Ok(Line::Other("a number"))
            }
            fn visit_str<E>(self, _: &str) -> std::result::Result<Line, E> {
                Ok(Line::Other("a string"))
            }
        }
        d.deserialize_any(Visit)
    }
}

fn cell(line: usize, key: &str, value: Value) -> Result<Cell> {
    value_cell(value).map_err(|kind| {
        Error::new(
            ErrorKind::Malformed,
            format!(
                "line {line}, field '{}': {kind} is nested, and nested values are not read; flatten them into fields first",
                glassbox_core::text::escape_invisible(key, false),
            ),
        )
    })
}

/// A plain JSON value as a canonical cell (integers kept whole); a nested
/// one (an object or an array) is refused with what it is.
pub fn value_cell(value: Value) -> std::result::Result<Cell, &'static str> {
    Ok(match value {
        Value::Null => Cell::Null,
        Value::Bool(b) => Cell::Bool(b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Cell::Int(i),
            (None, Some(u)) => Cell::UInt(u),
            _ => Cell::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Cell::Text(s),
        nested => return Err(kind_of(&nested)),
    })
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: std::result::Result<&str, &str>) {
        let got = JsonLines.read(input.as_bytes(), "x.jsonl", &Options::default());
        match (got, expected) {
            (Ok(d), Ok(csv)) => assert_eq!(String::from_utf8(d.bytes).unwrap(), csv, "{input}"),
            (Err(e), Err(message)) => assert_eq!(e.message(), message, "{input}"),
            (got, _) => panic!("{input}: {got:?}"),
        }
    }

    #[test]
    fn keys_become_columns_in_first_seen_order() {
        check(
            "{\"b\": 1, \"a\": \"x\"}\r\n\n{\"a\": \"y, z\", \"c\": true}\n{\"c\": null, \"b\": 2.5}",
            Ok("b,a,c\n1,x,\n,\"y, z\",true\n2.5,,\n"),
        );
        check(
            "{\"n\": 18446744073709551615, \"f\": 0.1, \"e\": 1e21}\n",
            Ok("n,f,e\n18446744073709551615,0.1,1000000000000000000000\n"),
        );
    }

    #[test]
    fn what_is_not_an_object_is_refused_with_its_line() {
        check("{\"a\": 1}\n[1, 2]\n", Err("line 2: an array is not a JSON object; each line must be one object"));
        check("{\"a\": 1}\n\n{\"a\": \n", Err("line 3: not JSON: EOF while parsing a value at line 1 column 6"));
        check("{\"a\": {\"b\": 1}}\n", Err("line 1, field 'a': an object is nested, and nested values are not read; flatten them into fields first"));
        check(
            "{\"a\": [1]}\n",
            Err(
                "line 1, field 'a': an array is nested, and nested values are not read; flatten them into fields first",
            ),
        );
        check("\n \n", Err("the file holds no JSON object"));
        check(
            "[{\"a\": 1}]",
            Err("this is a JSON array; Glassbox reads JSON Lines, one object per line (jq -c '.[]' writes them)"),
        );
    }
}
