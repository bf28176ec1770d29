//! Reading a file in two parts side by side: the session that began the file
//! reads up to a line end, another session reads the rest, and the first
//! absorbs what the second read.
//!
//! Why: on two cores, the browser's second worker halves the time parsing
//! takes, and parsing is most of the time a read takes. Splitting by columns
//! instead was tried and measured slower, because every worker still had to
//! read and split every line.
//!
//! The second part is a guess that is checked: it starts right after a `\n`
//! and assumes a record starts there. The first session takes it only if,
//! having read exactly up to that point, it stands between two records with
//! nothing pending; otherwise (the `\n` was inside a quoted field, say) the
//! caller reads the rest in the first session as usual. Either way the table
//! is the one a single session would have made, field for field, line
//! numbers and row issues included, and a test checks that at every line end
//! of a corpus of messy files.
//!
//! ```
//! use glassbox_ingest::{read_csv, IngestSession, ReadOptions};
//! let csv = b"x,y\n1,a\n2,b\n3,c\n";
//! let opts = ReadOptions::default();
//! let mut first = IngestSession::new(csv, &opts).unwrap();
//! first.hash_elsewhere();
//! let split = 12; // just after "2,b\n"
//! first.feed(&csv[..split]).unwrap();
//! first.type_now(); // a real read waits for its sample of rows
//! let mut second = IngestSession::for_part(&first.part_spec().unwrap()).unwrap();
//! second.feed(&csv[split..]).unwrap();
//! assert!(first.absorb(second.into_part().unwrap()).unwrap());
//! let sha256 = "0".repeat(64);
//! assert_eq!(first.finish_with_sha256(Some(sha256.clone())).unwrap().n_rows, 3);
//! ```

use encoding_rs::UTF_8;
use serde::{Deserialize, Serialize};

use super::{Builder, IngestSession, Store};
use crate::column::{NumericBuilder, TextBuilder, ValueParser};
use crate::datetime::DateParser;
use crate::error::{Error, ErrorKind, Result};
use crate::{Codes, DateInfo, MISSING_CODE};
use crate::{Format, ReadOptions, RowIssue};

/// How a session that read the start of a file reads each column, for
/// another session to read a later part the same way. Plain data, so it can
/// travel to another worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartSpec {
    opts: ReadOptions,
    format: Format,
    header: Vec<String>,
    kinds: Vec<PartKind>,
    /// Whether undecodable bytes had been met when the spec was taken: it
    /// changes how later rows with U+FFFD are judged.
    had_errors: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum PartKind {
    Text,
    Number,
    Boolean,
    Datetime(DateInfo),
}

/// What a session read of a later part of a file, for the session that read
/// the start to absorb. Numbers, codes and line numbers travel as
/// little-endian bytes: as lists they cost the browser a value per cell to
/// pass between workers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    columns: Vec<PartColumn>,
    lines: Sequence,
    records: Sequence,
    row_issues: Vec<RowIssue>,
    lines_seen: u64,
    record_count: u64,
    bytes_read: u64,
    started_with_errors: bool,
    had_errors: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum PartColumn {
    /// Numbers whose text view did not last: each value's bits.
    Numeric {
        #[serde(with = "serde_bytes")]
        values: Vec<u8>,
        present: u64,
        strays: Vec<(u64, u64, String)>,
    },
    /// Numbers with a text view: each row's code into the view, and each
    /// code's number. A row's code decides its number (a missing code, NaN),
    /// and a code takes a byte or two where a number takes eight.
    Viewed {
        view: PackedCodes,
        numbers: Vec<f64>,
        present: u64,
        strays: Vec<(u64, u64, String)>,
    },
    Text(PackedCodes),
}

/// Line numbers or record indices, one per row: most files have neither
/// blank lines nor bad rows, and then they count up by one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Sequence {
    Consecutive { first: u64, len: u64 },
    Listed(#[serde(with = "serde_bytes")] Vec<u8>),
}

impl Sequence {
    fn of(values: impl ExactSizeIterator<Item = u64> + Clone) -> Self {
        let len = values.len() as u64;
        let first = values.clone().next().unwrap_or(0);
        if values.clone().zip(first..).all(|(v, i)| v == i) {
            Sequence::Consecutive { first, len }
        } else {
            Sequence::Listed(pack_u64(values))
        }
    }

    fn len(&self) -> usize {
        match self {
            Sequence::Consecutive { len, .. } => *len as usize,
            Sequence::Listed(bytes) => bytes.len() / 8,
        }
    }

    /// Appends the values to `out`, each through `f`. Not an iterator: a
    /// boxed one cost a call per row, and Vec::extend could not size itself.
    fn extend_into<T>(&self, out: &mut Vec<T>, f: impl Fn(u64) -> T) {
        match self {
            Sequence::Consecutive { first, len } => out.extend((*first..first + len).map(f)),
            Sequence::Listed(bytes) => out.extend(u64s(bytes).map(f)),
        }
    }
}

/// Little-endian bytes, 8 per value, written into a buffer of the final
/// size: collecting a `flat_map` grew it byte by byte, which took 70 ms for
/// half of a 100 MB file in the browser.
fn pack_u64(values: impl ExactSizeIterator<Item = u64>) -> Vec<u8> {
    let mut out = vec![0u8; values.len() * 8];
    for (bytes, v) in out.chunks_exact_mut(8).zip(values) {
        bytes.copy_from_slice(&v.to_le_bytes());
    }
    out
}

/// Codes as 1, 2 or 4 little-endian bytes each, the fewest that hold every
/// code and the missing one (all bits set).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PackedCodes {
    width: u8,
    #[serde(with = "serde_bytes")]
    codes: Vec<u8>,
    dictionary: Vec<String>,
}

impl PackedCodes {
    fn pack(c: &Codes) -> Self {
        let width: usize = match c.dictionary.len() {
            n if n < 0xff => 1,
            n if n < 0xffff => 2,
            _ => 4,
        };
        let mut codes = vec![0u8; c.codes.len() * width];
        for (bytes, v) in codes.chunks_exact_mut(width).zip(&c.codes) {
            // The missing code's low bytes are all ones, as the narrow missing code is.
            bytes.copy_from_slice(&v.to_le_bytes()[..width]);
        }
        PackedCodes { width: width as u8, codes, dictionary: c.dictionary.clone() }
    }

    /// The codes at full width. One loop per width: the generic one copied
    /// each code through a 4-byte buffer, 68 ms of absorbing half of a
    /// 100 MB file in the browser.
    fn unpack(self) -> Result<Codes> {
        let codes = match self.width {
            1 => self.codes.iter().map(|&b| if b == u8::MAX { MISSING_CODE } else { u32::from(b) }).collect(),
            2 => self
                .codes
                .chunks_exact(2)
                .map(|b| match u16::from_le_bytes([b[0], b[1]]) {
                    u16::MAX => MISSING_CODE,
                    c => u32::from(c),
                })
                .collect(),
            4 => self.codes.chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
            w => {
                return Err(Error::new(
                    ErrorKind::Internal,
                    format!("a part's codes are {w} bytes wide, not 1, 2 or 4"),
                ))
            }
        };
        Ok(Codes { codes, dictionary: self.dictionary })
    }
}

fn u64s(bytes: &[u8]) -> impl Iterator<Item = u64> + '_ {
    bytes.chunks_exact(8).map(|b| u64::from_le_bytes(b.try_into().expect("chunks of 8")))
}

impl Part {
    /// Bytes of the file this part covers.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Data rows the part holds.
    pub fn rows(&self) -> usize {
        self.lines.len()
    }
}

impl IngestSession {
    /// Decides the column kinds now, from the rows read so far, instead of
    /// after [`super::SAMPLE_ROWS`] rows. For tests and examples that split
    /// small files; a real read waits for the sample.
    pub fn type_now(&mut self) {
        if self.header.is_some() {
            self.type_columns();
        }
    }

    /// What another session needs to read a later part of this file as this
    /// one would, once the column kinds are decided. `None` when the file
    /// cannot be read in parts: before the kinds are known, for encodings
    /// other than UTF-8 (a `\n` byte may sit inside a character, or the
    /// decoder carries state), and for files that need the space-before-quote
    /// filter (it carries state across lines).
    pub fn part_spec(&self) -> Option<PartSpec> {
        let Store::Typed(builders) = &self.store else { return None };
        if self.decoder.encoding() != UTF_8 || self.space_filter.is_some() {
            return None;
        }
        let kinds = builders
            .iter()
            .map(|b| match b {
                Builder::Text(_) => PartKind::Text,
                Builder::Numeric(n) => match n.parser() {
                    ValueParser::Number { .. } => PartKind::Number,
                    ValueParser::Boolean => PartKind::Boolean,
                    ValueParser::Datetime { info, .. } => PartKind::Datetime(info.clone()),
                },
            })
            .collect();
        Some(PartSpec {
            opts: self.opts.clone(),
            format: self.format.clone(),
            header: self.header.clone()?,
            kinds,
            had_errors: self.had_errors,
        })
    }

    /// A session that reads a later part of a file: feed it the bytes from
    /// just after a `\n` to the end, then take [`IngestSession::into_part`].
    /// Its line numbers count from that point; `absorb` shifts them.
    pub fn for_part(spec: &PartSpec) -> Result<IngestSession> {
        let number = ValueParser::Number { decimal_comma: spec.format.decimal_comma };
        let builders = spec
            .kinds
            .iter()
            .map(|k| {
                Ok(match k {
                    PartKind::Text => Builder::Text(TextBuilder::default()),
                    PartKind::Number => Builder::Numeric(NumericBuilder::new(number.clone())),
                    PartKind::Boolean => Builder::Numeric(NumericBuilder::new(ValueParser::Boolean)),
                    PartKind::Datetime(info) => Builder::Numeric(NumericBuilder::new(ValueParser::Datetime {
                        parser: DateParser::new(info.order, &spec.format.timezone)?,
                        info: info.clone(),
                    })),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        // Mid-file, a byte-order mark is data: no BOM handling in the decoder.
        let mut session =
            IngestSession::blank(&spec.opts, spec.format.clone(), UTF_8.new_decoder_without_bom_handling(), None);
        session.header = Some(spec.header.clone());
        session.width = spec.header.len();
        session.store = Store::Typed(builders);
        session.had_errors = spec.had_errors;
        session.started_with_errors = spec.had_errors;
        session.sha = None;
        Ok(session)
    }

    /// Ends a part read by [`IngestSession::for_part`]: what it read.
    pub fn into_part(mut self) -> Result<Part> {
        let started_with_errors = self.started_with_errors;
        self.decode_and_parse(&[], true)?;
        let Store::Typed(builders) = &self.store else {
            return Err(Error::new(ErrorKind::Internal, "a part was read without column kinds"));
        };
        let columns = builders
            .iter()
            .map(|b| match b {
                Builder::Text(t) => PartColumn::Text(PackedCodes::pack(t.codes())),
                Builder::Numeric(n) => {
                    let (values, present, strays, view) = n.parts();
                    let present = present as u64;
                    let strays = strays.iter().map(|(r, l, t)| (*r as u64, *l, t.clone())).collect();
                    match view {
                        Some(view) => {
                            let mut numbers = vec![f64::NAN; view.dictionary.len()];
                            for (&code, &v) in view.codes.iter().zip(values) {
                                if code != MISSING_CODE {
                                    numbers[code as usize] = v;
                                }
                            }
                            PartColumn::Viewed { view: PackedCodes::pack(view), numbers, present, strays }
                        }
                        None => PartColumn::Numeric {
                            values: pack_u64(values.iter().map(|v| v.to_bits())),
                            present,
                            strays,
                        },
                    }
                }
            })
            .collect();
        Ok(Part {
            columns,
            lines: Sequence::of(self.lines.iter().copied()),
            records: Sequence::of(self.records.iter().map(|&r| r as u64)),
            row_issues: self.row_issues,
            lines_seen: self.lines_seen,
            record_count: self.record_index as u64,
            bytes_read: self.bytes_read,
            started_with_errors,
            had_errors: self.had_errors,
        })
    }

    /// Takes a part another session read from exactly where this one
    /// stopped. Returns false, and changes nothing, when this session does
    /// not stand between two records with nothing pending (the part began
    /// inside a quoted field, say): then feed the rest of the file here.
    pub fn absorb(&mut self, part: Part) -> Result<bool> {
        let clean = !self.in_record
            && self.out_len == 0
            && self.n_ends == 0
            && !self.prev_cr
            && self.text.is_empty()
            && self.space_filter.is_none()
            && self.decoder.encoding() == UTF_8
            && self.had_errors == part.started_with_errors;
        if self.sha.is_some() {
            // The part's bytes never pass this session's hash.
            return Err(Error::new(ErrorKind::Internal, "a file read in parts must be hashed by the caller"));
        }
        let Store::Typed(builders) = &mut self.store else { return Ok(false) };
        if !clean || builders.len() != part.columns.len() {
            return Ok(false);
        }
        let line_offset = self.lines_seen;
        let record_offset = self.record_index;
        for (b, c) in builders.iter_mut().zip(part.columns) {
            match (b, c) {
                (Builder::Text(t), PartColumn::Text(codes)) => t.append(&codes.unpack()?),
                (Builder::Numeric(n), PartColumn::Numeric { values, present, strays }) => {
                    let strays = strays.into_iter().map(|(r, l, t)| (r as usize, l, t)).collect();
                    let values = u64s(&values).map(f64::from_bits);
                    n.append(values, present as usize, strays, None, line_offset);
                }
                (Builder::Numeric(n), PartColumn::Viewed { view, numbers, present, strays }) => {
                    let strays = strays.into_iter().map(|(r, l, t)| (r as usize, l, t)).collect();
                    let view = view.unpack()?;
                    let values =
                        view.codes.iter().map(|&c| if c == MISSING_CODE { f64::NAN } else { numbers[c as usize] });
                    n.append(values, present as usize, strays, Some(&view), line_offset);
                }
                _ => return Err(Error::new(ErrorKind::Internal, "a part's columns differ in kind from the file's")),
            }
        }
        part.lines.extend_into(&mut self.lines, |l| l + line_offset);
        part.records.extend_into(&mut self.records, |r| r as usize + record_offset);
        self.row_issues.extend(part.row_issues.into_iter().map(|issue| {
            let line = issue.line + line_offset;
            // Every row issue's message begins with its line.
            let prefix = format!("line {}", issue.line);
            let message = match issue.message.strip_prefix(&prefix) {
                Some(rest) => format!("line {line}{rest}"),
                None => issue.message,
            };
            RowIssue { line, record: issue.record + record_offset, message }
        }));
        self.lines_seen += part.lines_seen;
        self.record_index += part.record_count as usize;
        self.bytes_read += part.bytes_read;
        self.had_errors = part.had_errors;
        Ok(true)
    }
}
