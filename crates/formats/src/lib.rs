//! Formats other than delimited text, read from bytes into the text the one
//! ingest reader takes.
//!
//! A workbook, a JSON Lines file or a gzip-compressed file is not a second
//! way into a `Table`: each [`Reader`] turns its bytes into the canonical CSV
//! (`glassbox_ingest::canonical`, the encoding the database and topic
//! sources already write), or, for a compressed file of delimited text, into
//! that text, and the CSV reader does the rest. So kinds, missing values,
//! dates in a zone, row issues and the profile are decided in one place, and
//! an `.xlsx` gives the same table as its CSV twin.
//!
//! The format is told by the bytes (magic numbers, a first line that is a
//! JSON object), not by the file's name, which only breaks a tie; a format
//! is added by writing a [`Reader`] and naming it in [`READERS`].
//!
//! Like the other core crates this one does no I/O: it takes bytes and
//! returns bytes, so the browser's worker and the CLI read a file alike.

#![forbid(unsafe_code)]

mod excel;
mod gzip;
pub mod jsonl;
pub mod parquet;

pub use glassbox_core::table::ColumnKind;
pub use glassbox_core::{Error, ErrorKind, Result};
use glassbox_ingest::ReadOptions;

/// What the person chose, and the limits that keep a hostile file from
/// taking the machine's memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// The workbook's sheet to read; `None`: the first sheet with a table.
    pub sheet: Option<String>,
    /// The most bytes a compressed file may inflate to.
    pub max_bytes: u64,
    /// The most cells (rows × columns of the table's span) a sheet may hold.
    pub max_cells: u64,
}

impl Default for Options {
    fn default() -> Self {
        // A 32-bit address space (the browser's wasm32) holds one copy of
        // at most a gigabyte comfortably; a 64-bit machine two.
        let max_bytes = if usize::BITS < 64 { 1 << 30 } else { 2 << 30 };
        Options { sheet: None, max_bytes, max_cells: 50_000_000 }
    }
}

/// A sheet of a workbook, as the app's sheet picker lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SheetInfo {
    pub name: String,
    /// Rows of the sheet's table below its header (0 when it has none).
    pub rows: usize,
    /// Whether the sheet holds a table: a header row with two named
    /// columns or more and a row beneath it.
    pub table: bool,
}

/// How the text a reader gives is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Text {
    /// The canonical CSV (`,`, UTF-8, a header row): read it as such,
    /// with the person's kinds, missing tokens and time zone.
    Canonical,
    /// Delimited text as a file of it would hold (a decompressed `.csv.gz`):
    /// sniffed and read like any CSV file.
    Delimited,
}

/// A file read into text for the CSV reader.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Decoded {
    /// As a byte string, not a list of numbers, when it crosses from the
    /// worker to the page.
    #[serde(with = "serde_bytes")]
    pub bytes: Vec<u8>,
    pub text: Text,
    /// The format in words, as manifests and messages name it (`xlsx`,
    /// `JSON Lines`, `gzip of JSON Lines`).
    pub format: String,
    /// The sheet read, for a workbook.
    pub sheet: Option<String>,
    /// Every sheet of a workbook, in its order.
    pub sheets: Vec<SheetInfo>,
    /// What the reader decided or left out, in words (the sheet chosen,
    /// rows above the header, error cells read as missing).
    pub notes: Vec<String>,
    /// The kinds the file's own types give (a Parquet timestamp is a
    /// datetime), by column name as in the file; the person's win.
    pub kinds: Vec<(String, ColumnKind)>,
    /// The columns the file's types say are text (a Parquet string or
    /// dictionary column): never numbers or dates, see
    /// `ReadOptions::text_columns`.
    pub text_columns: Vec<String>,
}

impl Decoded {
    /// The options to read this text with: the canonical format (or, for a
    /// decompressed delimited file, the person's), the file's kinds, and
    /// the person's kinds over them.
    pub fn read_options(&self, base: &ReadOptions) -> ReadOptions {
        let mut opts = match self.text {
            Text::Canonical => glassbox_ingest::canonical::read_options(base),
            Text::Delimited => base.clone(),
        };
        if !self.kinds.is_empty() {
            opts.kinds = self.kinds.iter().cloned().collect();
            opts.kinds.extend(base.kinds.iter().map(|(k, v)| (k.clone(), *v)));
        }
        opts.text_columns.extend(self.text_columns.iter().cloned());
        opts
    }

    /// The format in words, with the sheet: `xlsx, sheet 'Data'`.
    pub fn describe(&self) -> String {
        match &self.sheet {
            Some(sheet) => format!("{}, sheet '{sheet}'", self.format),
            None => self.format.clone(),
        }
    }
}

/// One format: how to recognise its bytes and how to read them.
pub trait Reader: Sync {
    /// The format's name in words.
    fn name(&self) -> &'static str;
    /// Whether `head`, the file's first bytes ([`HEAD_BYTES`] or all of a
    /// shorter file), are this format's; `file_name` only breaks a tie.
    fn recognises(&self, head: &[u8], file_name: &str) -> bool;
    /// Reads the whole file.
    fn read(&self, bytes: &[u8], file_name: &str, opts: &Options) -> Result<Decoded>;
}

/// How many leading bytes [`format_of`] looks at.
pub const HEAD_BYTES: usize = 4096;

/// Every format besides delimited text, in the order they are tried.
pub static READERS: &[&dyn Reader] = &[&gzip::Gzip, &excel::Excel, &parquet::Parquet, &jsonl::JsonLines];

/// A reader by a short name (`excel`, `jsonl`, `gzip`, `parquet`), for the fuzz
/// targets, which give each reader bytes of any kind.
pub fn reader(key: &str) -> Option<&'static dyn Reader> {
    match key {
        "excel" => Some(&excel::Excel),
        "jsonl" => Some(&jsonl::JsonLines),
        "gzip" => Some(&gzip::Gzip),
        "parquet" => Some(&parquet::Parquet),
        _ => None,
    }
}

/// The reader of `head`'s format; `None` for delimited text (or anything
/// else, which the CSV reader then judges).
pub fn format_of(head: &[u8], file_name: &str) -> Option<&'static dyn Reader> {
    READERS.iter().copied().find(|r| r.recognises(head, file_name))
}

/// Whether `head` is one of the formats this crate reads, asked without
/// naming a reader: a caller that reads files elsewhere (the browser's page,
/// whose worker holds the readers) then links none of their code, which
/// [`format_of`]'s list of readers would bring. Agrees with `format_of`
/// (a test holds the two lists together).
pub fn is_other_format(head: &[u8], file_name: &str) -> bool {
    gzip::Gzip.recognises(head, file_name)
        || excel::Excel.recognises(head, file_name)
        || parquet::Parquet.recognises(head, file_name)
        || jsonl::JsonLines.recognises(head, file_name)
}

/// Reads a file of any format this crate knows; `None` when it is
/// delimited text, to be read as it is.
pub fn decode(bytes: &[u8], file_name: &str, opts: &Options) -> Result<Option<Decoded>> {
    match format_of(&bytes[..bytes.len().min(HEAD_BYTES)], file_name) {
        Some(reader) => reader.read(bytes, file_name, opts).map(Some),
        None => Ok(None),
    }
}

/// The extension of a file name, lower-case.
fn extension(file_name: &str) -> String {
    file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default()
}

/// `n` with thousands separated, as messages write counts.
fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(head: &[u8], name: &str, expected: Option<&str>) {
        assert_eq!(format_of(head, name).map(|r| r.name()), expected, "{name}: {head:?}");
        assert_eq!(is_other_format(head, name), expected.is_some(), "{name}: {head:?}");
    }

    #[test]
    fn formats_are_told_by_their_bytes() {
        check(b"\x1f\x8b\x08\0", "data.csv", Some("gzip"));
        check(b"PK\x03\x04rest", "data.bin", Some("Excel or OpenDocument workbook"));
        check(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old", Some("Excel or OpenDocument workbook"));
        check(b"PAR1\x15\x04", "x", Some("Parquet"));
        check(b"{\"a\": 1}\n{\"a\": 2}\n", "x.txt", Some("JSON Lines"));
        check(b"\xef\xbb\xbf {\"a\": 1}\n", "x", Some("JSON Lines"));
        check(b"[{\"a\": 1}]", "x.json", Some("JSON Lines"));
        check(b"[1, 2]", "x.csv", None);
        // A CSV whose first field starts with a brace is still a CSV.
        check(b"{a},b\n1,2\n", "x.csv", None);
        check(b"a,b\n1,2\n", "x.xlsx", None);
        check(b"", "x.jsonl", None);
    }

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(17_179_869_184), "17,179,869,184");
    }
}
