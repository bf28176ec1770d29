//! Parquet, read with arrow-rs a row group at a time into the canonical CSV.
//!
//! The file's own types decide what the text cannot: a string or dictionary
//! column is text, never numbers or dates even when its values look like
//! them (a zip code), a date or timestamp column is a datetime, a boolean
//! column a boolean. The rest is left to the reader's judgment, as for
//! their CSV twin: a 0/1 integer column, or a yes/no string column, reads
//! as a boolean there and here, so the twins give the same table.
//! Timestamps with a time zone are instants, written in UTC; timestamps
//! without one are wall times, read in the person's time zone like the same
//! text in a CSV. Columns of nested values (lists, structs, maps) and of raw
//! bytes are left out and said.
//!
//! Memory: [`File::stream`] decodes one batch of a row group at a time and hands
//! its text on, so a file of any size is read in the memory of a batch (the
//! table being built aside). The browser's worker reads the whole file
//! through [`Reader::read`], which gathers the same text.
//!
//! zstd is C code, which the browser build cannot compile here, and brotli
//! made the worker's wasm too slow to optimise: a zstd or brotli column is
//! refused there in words, before any row is read (the CLI reads both).
//! LZO, which arrow-rs does not read, is refused everywhere.

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use glassbox_core::table::ColumnKind;
use glassbox_ingest::canonical::{instant_text, push_field, push_record};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use parquet::basic::Compression;
use parquet::file::reader::ChunkReader;
use std::fmt::Write as _;
use std::sync::Arc;

use crate::{count, Decoded, Error, ErrorKind, Options, Reader, Result, Text};

pub struct Parquet;

/// Rows per decoded batch: small enough that a batch's text is a few
/// megabytes, large enough that decoding is not per row.
const BATCH_ROWS: usize = 8192;

impl Reader for Parquet {
    fn name(&self) -> &'static str {
        "Parquet"
    }

    fn recognises(&self, head: &[u8], _: &str) -> bool {
        head.starts_with(b"PAR1")
    }

    fn read(&self, bytes: &[u8], _: &str, opts: &Options) -> Result<Decoded> {
        let file = File::open(bytes::Bytes::copy_from_slice(bytes))?;
        let mut text = Vec::new();
        file.stream(&mut |chunk, _| {
            if (text.len() + chunk.len()) as u64 > opts.max_bytes {
                return Err(Error::new(
                    ErrorKind::Malformed,
                    format!(
                        "its rows as text pass {} bytes, the most this reader holds in memory; read it with the glassbox CLI, which streams it",
                        count(opts.max_bytes)
                    ),
                ));
            }
            text.extend_from_slice(chunk);
            Ok(())
        })?;
        Ok(Decoded {
            bytes: text,
            text: Text::Canonical,
            format: file.format,
            sheet: None,
            sheets: Vec::new(),
            notes: file.notes,
            kinds: file.kinds,
            text_columns: file.text_columns,
        })
    }
}

/// Where the reading is, for a progress line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The row group being read (from 0) and how many there are.
    pub row_group: usize,
    pub row_groups: usize,
    /// Rows read so far, and in the whole file.
    pub rows: u64,
    pub total_rows: u64,
}

/// A Parquet file whose footer has been read and judged: what it holds and
/// how it will be read, before any row is.
pub struct File<R> {
    reader: R,
    meta: ArrowReaderMetadata,
    /// The top-level columns read, by position.
    kept: Vec<usize>,
    /// `Parquet (snappy)`: the format and the compressions its columns use.
    pub format: String,
    /// The kinds the file's types give, by column name as in the file.
    pub kinds: Vec<(String, ColumnKind)>,
    /// The string and dictionary columns: text, never numbers or dates.
    pub text_columns: Vec<String>,
    /// Columns left out, in words.
    pub notes: Vec<String>,
    pub rows: u64,
    pub row_groups: usize,
}

impl<R: ChunkReader + Clone + 'static> File<R> {
    /// Reads the footer of a Parquet file held by `reader` (bytes in
    /// memory, or a file the caller opened: this crate does no I/O) and
    /// refuses, before any row is read, a file this build cannot read.
    pub fn open(reader: R) -> Result<File<R>> {
        let meta = ArrowReaderMetadata::load(&reader, ArrowReaderOptions::new()).map_err(|e| {
            Error::new(
                ErrorKind::Malformed,
                format!("not a readable Parquet file (damaged or cut short): {}", lower(e)),
            )
        })?;
        let schema = meta.schema().clone();
        let parquet = meta.metadata().clone();
        let row_groups = parquet.num_row_groups();
        let rows: u64 = parquet.row_groups().iter().map(|g| g.num_rows().max(0) as u64).sum();

        let mut kept = Vec::new();
        let mut kinds = Vec::new();
        let mut text_columns = Vec::new();
        let mut notes = Vec::new();
        for (i, field) in schema.fields().iter().enumerate() {
            match column_kind(field.data_type()) {
                Ok(hint) => {
                    kept.push(i);
                    match hint {
                        Hint::Kind(kind) => kinds.push((field.name().clone(), kind)),
                        Hint::Text => text_columns.push(field.name().clone()),
                        Hint::Judge => {}
                    }
                }
                Err(what) => {
                    notes.push(format!("column '{}' ({what}) left out: only flat values are read", field.name()))
                }
            }
        }
        if kept.is_empty() {
            return Err(Error::new(
                ErrorKind::Malformed,
                format!(
                    "no column of the Parquet file holds flat values this reader reads ({})",
                    notes.iter().map(|n| n.split(" left out").next().unwrap_or(n)).collect::<Vec<_>>().join(", ")
                ),
            ));
        }

        // The compressions, checked before any row is read, so a file this
        // build cannot decompress is refused whole, naming where.
        let mut codecs: Vec<&'static str> = Vec::new();
        for (g, group) in parquet.row_groups().iter().enumerate() {
            for column in group.columns() {
                let codec = column.compression();
                let name = codec_name(codec);
                if !codecs.contains(&name) {
                    codecs.push(name);
                }
                if !readable(codec) {
                    return Err(Error::new(
                        ErrorKind::Malformed,
                        format!(
                            "row group {g}, column '{}': compressed with {name}, which {}; rewrite the file with snappy or gzip",
                            column.column_path().string(),
                            if matches!(codec, Compression::ZSTD(_) | Compression::BROTLI(_)) {
                                "the browser cannot decompress (the glassbox CLI reads it)"
                            } else {
                                "this reader does not decompress"
                            }
                        ),
                    ));
                }
            }
        }
        let format = if codecs.is_empty() { "Parquet".to_string() } else { format!("Parquet ({})", codecs.join(", ")) };
        Ok(File { reader, meta, kept, format, kinds, text_columns, notes, rows, row_groups })
    }

    /// Hands `sink` the rows as canonical CSV in pieces of whole records,
    /// the header row first. A piece is one decoded batch, so memory stays
    /// within a batch whatever the file's size.
    pub fn stream(&self, sink: &mut dyn FnMut(&[u8], Progress) -> Result<()>) -> Result<()> {
        let schema = self.meta.schema();
        let names: Vec<String> = self.kept.iter().map(|&i| schema.field(i).name().clone()).collect();
        let mut text = Vec::with_capacity(1 << 20);
        push_record(&mut text, &names);
        let mut rows = 0u64;
        let at =
            |g: usize, rows: u64| Progress { row_group: g, row_groups: self.row_groups, rows, total_rows: self.rows };
        if self.row_groups == 0 {
            return sink(&text, at(0, 0));
        }
        for g in 0..self.row_groups {
            let mask = ProjectionMask::roots(self.meta.parquet_schema(), self.kept.iter().copied());
            let batches = ParquetRecordBatchReaderBuilder::new_with_metadata(self.reader.clone(), self.meta.clone())
                .with_row_groups(vec![g])
                .with_projection(mask)
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| in_group(g, e))?;
            for batch in batches {
                let batch = batch.map_err(|e| in_group(g, e))?;
                write_batch(&mut text, &batch);
                rows += batch.num_rows() as u64;
                sink(&text, at(g, rows))?;
                text.clear();
            }
        }
        Ok(())
    }
}

/// arrow-rs's message with its first letter lower-case, as ours are
/// (`EOF` is left as it is).
fn lower(e: impl std::fmt::Display) -> String {
    let s = e.to_string();
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if !b.is_uppercase() => a.to_lowercase().chain(std::iter::once(b)).chain(chars).collect(),
        _ => s,
    }
}

fn in_group(g: usize, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Malformed, format!("row group {g}: cannot be read (damaged or cut short): {}", lower(e)))
}

fn codec_name(c: Compression) -> &'static str {
    match c {
        Compression::UNCOMPRESSED => "uncompressed",
        Compression::SNAPPY => "snappy",
        Compression::GZIP(_) => "gzip",
        Compression::LZO => "LZO",
        Compression::BROTLI(_) => "brotli",
        Compression::LZ4 => "LZ4",
        Compression::ZSTD(_) => "zstd",
        Compression::LZ4_RAW => "LZ4",
    }
}

/// Whether this build decompresses `c`.
fn readable(c: Compression) -> bool {
    match c {
        Compression::ZSTD(_) | Compression::BROTLI(_) => cfg!(not(target_arch = "wasm32")),
        other => other != Compression::LZO,
    }
}

/// What a column's type says of its kind.
enum Hint {
    Kind(ColumnKind),
    /// Text: never numbers or dates; a yes/no pair is still a boolean.
    Text,
    /// Nothing: the reader judges the values, as in a CSV.
    Judge,
}

/// What a column's type says of its kind, or, for a type whose values are
/// not read, the type in words.
fn column_kind(t: &DataType) -> std::result::Result<Hint, String> {
    Ok(match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Hint::Text,
        DataType::Dictionary(_, values) => {
            // The values' own type must be readable; a dictionary is a category whatever they are.
            column_kind(values)?;
            Hint::Text
        }
        DataType::Boolean => Hint::Kind(ColumnKind::Boolean),
        DataType::Date32 | DataType::Date64 | DataType::Timestamp(_, _) => Hint::Kind(ColumnKind::Datetime),
        DataType::Null
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float16
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal32(_, _)
        | DataType::Decimal64(_, _)
        | DataType::Decimal128(_, _)
        | DataType::Decimal256(_, _)
        | DataType::Time32(_)
        | DataType::Time64(_)
        | DataType::Duration(_) => Hint::Judge,
        other => return Err(type_words(other)),
    })
}

fn type_words(t: &DataType) -> String {
    match t {
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView | DataType::FixedSizeBinary(_) => {
            "bytes".to_string()
        }
        DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(_, _) | DataType::ListView(_) => {
            "a list".to_string()
        }
        DataType::Struct(_) => "a struct".to_string(),
        DataType::Map(_, _) => "a map".to_string(),
        other => other.to_string().to_lowercase(),
    }
}

/// Appends a batch's rows as canonical CSV records.
fn write_batch(out: &mut Vec<u8>, batch: &RecordBatch) {
    // A dictionary column's keys, resolved once per batch.
    type Keys<'a> = Option<(Vec<usize>, &'a dyn Array)>;
    let columns: Vec<(&dyn Array, Keys)> = batch
        .columns()
        .iter()
        .map(|c| match c.data_type() {
            DataType::Dictionary(_, _) => {
                let d = c.as_any_dictionary();
                (c.as_ref(), Some((d.normalized_keys(), d.values().as_ref())))
            }
            _ => (c.as_ref(), None),
        })
        .collect();
    let mut field = String::new();
    for row in 0..batch.num_rows() {
        for (c, (column, dictionary)) in columns.iter().enumerate() {
            if c > 0 {
                out.push(b',');
            }
            field.clear();
            match dictionary {
                Some(_) if column.is_null(row) => {}
                Some((keys, values)) => value_text(&mut field, *values, keys[row]),
                None => value_text(&mut field, *column, row),
            }
            push_field(out, &field);
        }
        out.push(b'\n');
    }
}

/// A float as the canonical encoding writes it; NaN is missing.
fn float(out: &mut String, v: f64) {
    if v.is_nan() {
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "inf" } else { "-inf" });
    } else {
        let _ = write!(out, "{v}");
    }
}

/// Seconds (with the unit's fraction) as a number.
fn seconds(out: &mut String, v: i64, unit: TimeUnit) {
    let per = match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    };
    float(out, v as f64 / per as f64);
}

fn timestamp(v: i64, unit: TimeUnit) -> Option<jiff::Timestamp> {
    let (secs, nanos) = match unit {
        TimeUnit::Second => (v, 0),
        TimeUnit::Millisecond => (v.div_euclid(1_000), v.rem_euclid(1_000) * 1_000_000),
        TimeUnit::Microsecond => (v.div_euclid(1_000_000), v.rem_euclid(1_000_000) * 1_000),
        TimeUnit::Nanosecond => (v.div_euclid(1_000_000_000), v.rem_euclid(1_000_000_000)),
    };
    jiff::Timestamp::new(secs, nanos as i32).ok()
}

/// The text of `a[row]`; nothing for a missing value.
fn value_text(out: &mut String, a: &dyn Array, row: usize) {
    if a.is_null(row) {
        return;
    }
    match a.data_type() {
        DataType::Null => {}
        DataType::Boolean => out.push_str(if a.as_boolean().value(row) { "true" } else { "false" }),
        DataType::Int8 => int(out, a.as_primitive::<Int8Type>().value(row)),
        DataType::Int16 => int(out, a.as_primitive::<Int16Type>().value(row)),
        DataType::Int32 => int(out, a.as_primitive::<Int32Type>().value(row)),
        DataType::Int64 => int(out, a.as_primitive::<Int64Type>().value(row)),
        DataType::UInt8 => int(out, a.as_primitive::<UInt8Type>().value(row)),
        DataType::UInt16 => int(out, a.as_primitive::<UInt16Type>().value(row)),
        DataType::UInt32 => int(out, a.as_primitive::<UInt32Type>().value(row)),
        DataType::UInt64 => int(out, a.as_primitive::<UInt64Type>().value(row)),
        DataType::Float16 => float32(out, a.as_primitive::<Float16Type>().value(row).to_f32()),
        // A float32's own shortest text (0.1, not 0.10000000149011612), as its CSV twin holds.
        DataType::Float32 => float32(out, a.as_primitive::<Float32Type>().value(row)),
        DataType::Float64 => float(out, a.as_primitive::<Float64Type>().value(row)),
        DataType::Decimal32(_, _) => decimal(out, a.as_primitive::<Decimal32Type>().value_as_string(row)),
        DataType::Decimal64(_, _) => decimal(out, a.as_primitive::<Decimal64Type>().value_as_string(row)),
        DataType::Decimal128(_, _) => decimal(out, a.as_primitive::<Decimal128Type>().value_as_string(row)),
        DataType::Decimal256(_, _) => decimal(out, a.as_primitive::<Decimal256Type>().value_as_string(row)),
        DataType::Utf8 => out.push_str(a.as_string::<i32>().value(row)),
        DataType::LargeUtf8 => out.push_str(a.as_string::<i64>().value(row)),
        DataType::Utf8View => out.push_str(a.as_string_view().value(row)),
        DataType::Date32 => date(out, i64::from(a.as_primitive::<Date32Type>().value(row)) * 86_400),
        DataType::Date64 => date(out, a.as_primitive::<Date64Type>().value(row).div_euclid(1_000)),
        DataType::Timestamp(unit, zone) => {
            let v = match unit {
                TimeUnit::Second => a.as_primitive::<TimestampSecondType>().value(row),
                TimeUnit::Millisecond => a.as_primitive::<TimestampMillisecondType>().value(row),
                TimeUnit::Microsecond => a.as_primitive::<TimestampMicrosecondType>().value(row),
                TimeUnit::Nanosecond => a.as_primitive::<TimestampNanosecondType>().value(row),
            };
            if let Some(t) = timestamp(v, *unit) {
                let text = instant_text(t);
                match zone {
                    // An instant: in UTC, marked so.
                    Some(_) => out.push_str(&text),
                    // A wall time: the person's zone applies, as to a CSV's.
                    None => out.push_str(&text[..text.len() - 1]),
                }
            }
        }
        DataType::Time32(TimeUnit::Second) => int(out, a.as_primitive::<Time32SecondType>().value(row)),
        DataType::Time32(_) => {
            seconds(out, i64::from(a.as_primitive::<Time32MillisecondType>().value(row)), TimeUnit::Millisecond)
        }
        DataType::Time64(TimeUnit::Microsecond) => {
            seconds(out, a.as_primitive::<Time64MicrosecondType>().value(row), TimeUnit::Microsecond)
        }
        DataType::Time64(_) => seconds(out, a.as_primitive::<Time64NanosecondType>().value(row), TimeUnit::Nanosecond),
        DataType::Duration(unit) => {
            let v = match unit {
                TimeUnit::Second => a.as_primitive::<DurationSecondType>().value(row),
                TimeUnit::Millisecond => a.as_primitive::<DurationMillisecondType>().value(row),
                TimeUnit::Microsecond => a.as_primitive::<DurationMicrosecondType>().value(row),
                TimeUnit::Nanosecond => a.as_primitive::<DurationNanosecondType>().value(row),
            };
            seconds(out, v, *unit);
        }
        // write_batch resolves a dictionary's keys; column_kind left every other type out before any batch was read.
        other => unreachable!("a column of type {other} is left out before reading"),
    }
}

fn int(out: &mut String, v: impl std::fmt::Display) {
    let _ = write!(out, "{v}");
}

fn float32(out: &mut String, v: f32) {
    if v.is_finite() {
        let _ = write!(out, "{v}");
    } else {
        float(out, f64::from(v));
    }
}

fn decimal(out: &mut String, digits: String) {
    out.push_str(&glassbox_ingest::canonical::Cell::Decimal(digits).text());
}

fn date(out: &mut String, secs: i64) {
    if let Ok(t) = jiff::Timestamp::from_second(secs) {
        out.push_str(&instant_text(t)[..10]);
    }
}

/// Writes CSV text (a header row, then records, as `glassbox predict`
/// writes them) as a Parquet file with a type per column: integers where
/// every value is one, else floats where every value is a number, each as
/// Rust writes it, else
/// booleans where every value is `true` or `false`, else strings (text
/// keeps the `'` that guards a formula-like cell in the CSV); an
/// empty field is a missing value. The values are the CSV's, so a
/// reader of either file sees the same table; the bytes are the same run
/// after run (no time is written into them).
pub fn write_csv_as_parquet(csv_text: &[u8]) -> Result<Vec<u8>> {
    use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, StringArray};
    use arrow_schema::{Field, Schema};

    let bad = |e: csv::Error| Error::new(ErrorKind::Malformed, format!("the predictions cannot be read back: {e}"));
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(csv_text);
    let header: Vec<String> = reader.headers().map_err(bad)?.iter().map(str::to_string).collect();
    let mut columns: Vec<Vec<String>> = vec![Vec::new(); header.len()];
    for record in reader.records() {
        let record = record.map_err(bad)?;
        for (c, column) in columns.iter_mut().enumerate() {
            column.push(record.get(c).unwrap_or_default().to_string());
        }
    }
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (name, values) in header.iter().zip(&columns) {
        let filled = || values.iter().filter(|v| !v.is_empty());
        // Numbers only as Rust writes them (as the predictions are), so the
        // text reads back unchanged: `007` or `1.50`, carried from the
        // input, stay text, their digits being part of them.
        let integer = |v: &String| v.parse::<i64>().is_ok_and(|i| i.to_string() == *v);
        let number = |v: &String| v.parse::<f64>().is_ok_and(|f| f.to_string() == *v);
        // A column with no value at all (the issue column of a clean run) is text.
        let any = filled().next().is_some();
        let (data_type, array): (DataType, ArrayRef) = if any && filled().all(integer) {
            let a: Int64Array = values.iter().map(|v| v.parse::<i64>().ok()).collect();
            (DataType::Int64, Arc::new(a))
        } else if any && filled().all(number) {
            let a: Float64Array = values.iter().map(|v| v.parse::<f64>().ok()).collect();
            (DataType::Float64, Arc::new(a))
        } else if any && filled().all(|v| v == "true" || v == "false") {
            let a: BooleanArray = values.iter().map(|v| (!v.is_empty()).then_some(v == "true")).collect();
            (DataType::Boolean, Arc::new(a))
        } else {
            let a: StringArray = values.iter().map(|v| (!v.is_empty()).then_some(v.as_str())).collect();
            (DataType::Utf8, Arc::new(a))
        };
        fields.push(Field::new(name, data_type, true));
        arrays.push(array);
    }
    let schema = Arc::new(Schema::new(fields));
    let failed = |e: parquet::errors::ParquetError| {
        Error::new(ErrorKind::Malformed, format!("the predictions cannot be written as Parquet: {}", lower(e)))
    };
    let batch = RecordBatch::try_new(schema.clone(), arrays)
        .map_err(|e| Error::new(ErrorKind::Malformed, format!("the predictions cannot be written as Parquet: {e}")))?;
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_created_by(format!("glassbox {}", env!("CARGO_PKG_VERSION")))
        .build();
    let mut out = Vec::new();
    let mut writer = parquet::arrow::ArrowWriter::try_new(&mut out, schema, Some(props)).map_err(failed)?;
    writer.write(&batch).map_err(failed)?;
    writer.close().map_err(failed)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PENGUINS: &[u8] = include_bytes!("../../cli/tests/fixtures/formats/penguins_snappy.parquet");

    /// Reads `bytes` whole, as the browser's worker does.
    fn read(bytes: &[u8]) -> Result<Decoded> {
        Parquet.read(bytes, "x.parquet", &Options::default())
    }

    #[test]
    fn damaged_files_are_refused_in_words_and_never_panic() {
        // Seeded damage: bytes overwritten anywhere, in the pages and the
        // footer, and the file cut at many lengths.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut refused = 0;
        for round in 0..600 {
            let mut bytes = PENGUINS.to_vec();
            if round % 3 == 0 {
                bytes.truncate(next() as usize % bytes.len());
            } else {
                for _ in 0..1 + round % 8 {
                    let at = next() as usize % bytes.len();
                    bytes[at] = next() as u8;
                }
            }
            match std::panic::catch_unwind(|| read(&bytes)) {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    refused += 1;
                    assert!(!e.message().is_empty());
                }
                Err(_) => panic!("round {round}: the reader panicked"),
            }
        }
        assert!(refused > 100, "most damage is noticed: {refused} of 600 refused");
    }

    #[test]
    fn the_predictions_written_read_back_as_their_text() {
        let csv = b"id,prediction,probability,issue\n007,yes,0.25,\n8,no,0.0000001,\n,yes,,\n";
        let bytes = write_csv_as_parquet(csv).unwrap();
        let d = read(&bytes).unwrap();
        // 007 stays text (its zeros are part of it); the probabilities are floats.
        assert_eq!(
            String::from_utf8(d.bytes).unwrap(),
            "id,prediction,probability,issue\n007,yes,0.25,\n8,no,0.0000001,\n,yes,,\n"
        );
        assert_eq!(write_csv_as_parquet(csv).unwrap(), bytes, "the same bytes each run");
        let file = File::open(bytes::Bytes::from(bytes)).unwrap();
        let types: Vec<String> = file.meta.schema().fields().iter().map(|f| f.data_type().to_string()).collect();
        assert_eq!(types, ["Utf8", "Utf8", "Float64", "Utf8"]);
    }
}
