//! Streaming ingest: bytes arrive in slices of any size, are decoded, split
//! into records by `csv_core`'s push parser, and land in column builders. The
//! same code reads a small file in one call and a 1 GB file slice by slice in
//! the browser's worker, with progress between slices and nothing kept of
//! the bytes themselves.
//!
//! The format is detected on the first slice (at least [`SNIFF_BYTES`] when
//! the file has them); column kinds on the first [`SAMPLE_ROWS`] rows.

use encoding_rs::{Decoder, Encoding, UTF_16BE, UTF_16LE, UTF_8};
use sha2::{Digest, Sha256};

use super::column::{categorical, sample_is_boolean, NumericBuilder, TextBuilder, ValueParser};
use super::datetime::{infer_order, DateOrder, DateParser};
use super::{byte_of, normalise_header, sniff, BadRows, ColumnKind, Format, ReadOptions, RowIssue, Table};
use super::{Column, DateInfo};
use crate::error::{Error, ErrorKind, Result};

mod part;
pub use part::{Part, PartSpec};

/// How much of the file format detection looks at.
pub const SNIFF_BYTES: usize = 1 << 20;
/// How many rows decide the column kinds before the rest stream in.
pub const SAMPLE_ROWS: usize = 10_000;

enum Builder {
    Numeric(NumericBuilder),
    Text(TextBuilder),
}

/// Rows and columns as they fill: first a text sample, then typed builders.
enum Store {
    Sample(Sample),
    Typed(Vec<Builder>),
}

/// The first rows, kept as text until they decide the column kinds: all
/// cells in one string, row by row (a `String` per cell cost more than
/// parsing them).
#[derive(Default)]
struct Sample {
    lines: Vec<u64>,
    text: String,
    /// Each cell's range in `text`, `None` when missing; `width` per row.
    cells: Vec<Option<(usize, usize)>>,
}

impl Sample {
    fn push<'a>(&mut self, line: u64, cells: impl Iterator<Item = Option<&'a str>>) {
        self.lines.push(line);
        for cell in cells {
            self.cells.push(cell.map(|v| {
                self.text.push_str(v);
                (self.text.len() - v.len(), self.text.len())
            }));
        }
    }

    /// Column `c` of every sampled row.
    fn column(&self, c: usize, width: usize) -> Vec<Option<&str>> {
        self.cells.iter().skip(c).step_by(width.max(1)).map(|cell| cell.map(|(a, b)| &self.text[a..b])).collect()
    }
}

/// An ingest in progress. Feed it the file's bytes in order, then finish it.
pub struct IngestSession {
    opts: ReadOptions,
    format: Format,
    decoder: Decoder,
    had_errors: bool,
    prev_cr: bool,
    space_filter: Option<SpaceBeforeQuote>,
    csv: csv_core::Reader,
    /// Decoded text not yet handed to the parser.
    text: String,
    /// The parser's output for the record in progress.
    out: Vec<u8>,
    out_len: usize,
    ends: Vec<usize>,
    n_ends: usize,
    in_record: bool,
    record_line: u64,
    lines_seen: u64,
    header: Option<Vec<String>>,
    width: usize,
    store: Store,
    lines: Vec<u64>,
    records: Vec<usize>,
    record_index: usize,
    row_issues: Vec<RowIssue>,
    bytes_read: u64,
    /// `None` when the caller hashes the file itself (see [`IngestSession::hash_elsewhere`]).
    sha: Option<Sha256>,
    missing: MissingTokens,
    /// Delimiter positions of the line being read without the parser.
    fast_ends: Vec<usize>,
    /// Whether undecodable bytes had been met before this session's first
    /// byte: only a session reading a later part starts with them.
    started_with_errors: bool,
}

/// What a binary file is, by its first bytes (its "magic number"), for the
/// formats people drop by mistake: a picture named .csv was once told only
/// that it had "a NUL byte".
fn known_binary(sample: &[u8]) -> Option<&'static str> {
    const MAGIC: [(&[u8], &str); 10] = [
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"%PDF-", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx or OpenDocument file is one)"),
        (b"\x1f\x8b", "a gzip-compressed file (decompress it first)"),
        (b"PAR1", "a Parquet file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document (such as an Excel .xls)"),
        (b"SQLite format 3\x00", "an SQLite database"),
        (b"\x28\xb5\x2f\xfd", "a zstd-compressed file (decompress it first)"),
    ];
    MAGIC.iter().find(|(magic, _)| sample.starts_with(magic)).map(|(_, what)| *what)
}

fn line_of(bytes: &[u8], pos: usize) -> usize {
    1 + bytes[..pos].iter().filter(|&&b| b == b'\n').count()
}

/// UTF-16 without a BOM shows as a NUL in every other byte of ASCII text.
fn sniff_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    if sample.len() < 4 {
        return None;
    }
    let pairs = sample.len() / 2;
    let even_nuls = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd_nuls = sample.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    if odd_nuls * 10 >= pairs * 9 && even_nuls == 0 {
        Some(UTF_16LE)
    } else if even_nuls * 10 >= pairs * 9 && odd_nuls == 0 {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Valid UTF-8, allowing a character cut in two at the end of the sample.
fn is_utf8_prefix(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// The encoding: the person's, the BOM's, UTF-16 by its NULs, UTF-8 when the
/// sample is valid UTF-8, else chardetng's guess. Also whether it was guessed.
fn detect_encoding(sample: &[u8], label: Option<&str>) -> Result<(&'static Encoding, bool)> {
    if let Some(l) = label {
        let e = Encoding::for_label(l.trim().as_bytes()).ok_or_else(|| {
            Error::new(
                ErrorKind::BadSpec,
                format!(
                    "unknown encoding '{l}': use a WHATWG label such as utf-8, utf-16le, windows-1252, gbk, shift_jis"
                ),
            )
        })?;
        return Ok((e, false));
    }
    if let Some((e, _)) = Encoding::for_bom(sample) {
        return Ok((e, false));
    }
    if let Some(e) = sniff_utf16(sample) {
        return Ok((e, false));
    }
    if let Some(what) = known_binary(sample) {
        return Err(Error::new(
            ErrorKind::Binary,
            format!("this is {what}, not a CSV file: Glassbox reads tables as delimited text"),
        ));
    }
    if let Some(pos) = sample.iter().position(|&b| b == 0) {
        return Err(Error::new(
            ErrorKind::Binary,
            format!("this is not a text file: found a NUL byte on line {} (byte {pos})", line_of(sample, pos)),
        ));
    }
    if is_utf8_prefix(sample) {
        return Ok((UTF_8, false));
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(sample, false);
    Ok((detector.guess(None, chardetng::Utf8Detection::Allow), true))
}

impl IngestSession {
    /// Starts an ingest. `sample` is the start of the file (the first
    /// [`SNIFF_BYTES`] or all of it); it is only looked at, not consumed:
    /// feed every byte, the sample's included.
    pub fn new(sample: &[u8], opts: &ReadOptions) -> Result<IngestSession> {
        let (encoding, guessed) = detect_encoding(sample, opts.encoding.as_deref())?;
        let bom = Encoding::for_bom(sample).is_some_and(|(e, _)| e == encoding);
        let (text, _, _) = encoding.decode(sample);
        // Cut the sample at its last line end so a half row does not skew detection.
        let cut = text.rfind(['\n', '\r']).map_or(text.len(), |i| i + 1);
        let sample_text = &text[..cut];
        let quote = byte_of(opts.quote, "quote character")?;
        let delimiter = match opts.delimiter {
            Some(d) => byte_of(d, "delimiter")?,
            None => sniff::delimiter(sample_text, quote),
        };
        let records = sniff::sample(sample_text, delimiter, quote);
        let decimal_comma = opts.decimal_comma.unwrap_or_else(|| delimiter != b',' && sniff::decimal_comma(&records));
        let header = opts.header.unwrap_or_else(|| sniff::has_header(&records, decimal_comma));
        let timezone = opts.timezone.clone().unwrap_or_else(|| "UTC".to_string());
        // Checked now, so a bad zone name fails before any byte is read.
        DateParser::new(DateOrder::Ymd, &timezone)?;
        let format = Format {
            timezone,
            encoding: encoding.name().to_string(),
            encoding_guessed: guessed,
            bom,
            delimiter: char::from(delimiter),
            quote: char::from(quote),
            header,
            decimal_comma,
            container: None,
        };
        let space_pattern = format!("{} {}", char::from(delimiter), char::from(quote));
        let space_filter = (delimiter != b' '
            && (text.contains(&space_pattern) || text.contains(&format!("\n {}", char::from(quote)))))
        .then(|| SpaceBeforeQuote::new(char::from(delimiter), char::from(quote)));
        // The BOM is removed by the decoder when it matches the encoding.
        Ok(IngestSession::blank(opts, format, encoding.new_decoder_with_bom_removal(), space_filter))
    }

    /// A session that has read nothing yet, in a known format.
    fn blank(
        opts: &ReadOptions,
        format: Format,
        decoder: Decoder,
        space_filter: Option<SpaceBeforeQuote>,
    ) -> IngestSession {
        let (delimiter, quote) = (format.delimiter as u8, format.quote as u8);
        let mut csv = csv_core::ReaderBuilder::new().delimiter(delimiter).quote(quote).build();
        // A fresh CSV parser drops a byte-order mark at the start of its first
        // input. The decoder has already removed the file's own; past it a
        // U+FEFF is data, and the parser may first run on any line (the
        // first with a quote), so one blank line makes it a parser that has read.
        let _ = csv.read_record(b"\n", &mut [0; 1], &mut [0; 1]);
        IngestSession {
            opts: opts.clone(),
            prev_cr: false,
            format,
            decoder,
            had_errors: false,
            space_filter,
            csv,
            text: String::new(),
            out: vec![0; 4096],
            out_len: 0,
            ends: vec![0; 64],
            n_ends: 0,
            in_record: false,
            record_line: 0,
            lines_seen: 0,
            header: None,
            width: 0,
            store: Store::Sample(Sample::default()),
            lines: Vec::new(),
            records: Vec::new(),
            record_index: 0,
            row_issues: Vec::new(),
            bytes_read: 0,
            sha: Some(Sha256::new()),
            missing: MissingTokens::new(&opts.missing_tokens),
            fast_ends: Vec::new(),
            started_with_errors: false,
        }
    }

    pub fn format(&self) -> &Format {
        &self.format
    }

    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Data rows read so far (skipped rows not counted).
    pub fn rows_read(&self) -> usize {
        self.lines.len()
    }

    /// Makes room in the columns for the rows of a file (or part) of
    /// `total_bytes`, estimated from the rows and bytes read so far, with 2%
    /// to spare. Otherwise the columns grow by doubling as rows arrive: each
    /// doubling copies the column (in the browser, 90 of the 220 ms that
    /// absorbing half of a 100 MB file took), and the last one can leave
    /// half its room unused. Call it once the kinds are decided and the
    /// whole table is known to fit; a low estimate only means one more copy.
    /// Room that cannot be had is not taken (`try_reserve`): a file whose
    /// first rows are far shorter than the rest overestimates, and the
    /// columns then grow as they would have.
    /// Returns whether it could estimate (the kinds are decided, rows read).
    pub fn reserve_for(&mut self, total_bytes: u64) -> bool {
        let Store::Typed(builders) = &mut self.store else { return false };
        let (rows, read) = (self.lines.len(), self.bytes_read);
        if rows == 0 || total_bytes <= read {
            return rows > 0;
        }
        let expected = (rows as f64 * total_bytes as f64 / read as f64 * 1.02) as usize;
        let more = expected.saturating_sub(rows);
        for b in builders {
            match b {
                Builder::Numeric(n) => n.reserve(more),
                Builder::Text(t) => t.reserve(more),
            }
        }
        let _ = self.lines.try_reserve_exact(more);
        let _ = self.records.try_reserve_exact(more);
        true
    }

    /// Bytes the table holds so far: an estimate for the memory check.
    pub fn table_bytes(&self) -> u64 {
        let per_row: u64 = match &self.store {
            Store::Sample(_) => 16 * self.width.max(1) as u64,
            Store::Typed(b) => {
                b.iter().map(|b| if matches!(b, Builder::Numeric(_)) { 12 } else { 4 }).sum::<u64>() + 16
            }
        };
        per_row * self.rows_read() as u64
    }

    /// Feeds the next slice of the file.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        self.bytes_read += chunk.len() as u64;
        if let Some(sha) = &mut self.sha {
            sha.update(chunk);
        }
        self.decode_and_parse(chunk, false)
    }

    /// Decodes the bytes and parses the text. Undecodable bytes become
    /// U+FFFD, and from the first of them on, rows with U+FFFD are bad rows.
    /// The text before that first one is parsed before it is known, so a row
    /// that ends before it is judged the same however the file is sliced (a
    /// row with a U+FFFD of its own was skipped when the bad byte came in
    /// the same slice, and kept when it came in a later one).
    fn decode_and_parse(&mut self, chunk: &[u8], last: bool) -> Result<()> {
        let mut rest = chunk;
        loop {
            let capacity = self.decoder.max_utf8_buffer_length_without_replacement(rest.len());
            let mut decoded = String::with_capacity(capacity.unwrap_or(rest.len() * 3 + 16));
            let (result, read) = self.decoder.decode_to_string_without_replacement(rest, &mut decoded, last);
            rest = &rest[read..];
            match result {
                encoding_rs::DecoderResult::InputEmpty => {
                    self.push_text(&decoded, last);
                    return self.parse(last);
                }
                encoding_rs::DecoderResult::OutputFull => self.push_text(&decoded, false),
                encoding_rs::DecoderResult::Malformed(..) => {
                    self.push_text(&decoded, false);
                    if !self.had_errors {
                        self.parse(false)?;
                        self.had_errors = true;
                    }
                    self.push_text("\u{FFFD}", false);
                }
            }
        }
    }

    fn push_text(&mut self, decoded: &str, last: bool) {
        match &mut self.space_filter {
            Some(f) => f.push(decoded, &mut self.text, last),
            None => self.text.push_str(decoded),
        }
    }

    /// Counts line ends: `\r\n`, a lone `\r` and a lone `\n` are one each,
    /// also when a `\r\n` is split between two slices.
    fn count_lines(&mut self, bytes: &[u8]) {
        // The common case, no `\r` at all, is a plain count the compiler vectorises.
        if !self.prev_cr && !bytes.contains(&b'\r') {
            self.lines_seen += bytes.iter().filter(|&&b| b == b'\n').count() as u64;
            return;
        }
        for &b in bytes {
            if b == b'\r' || (b == b'\n' && !self.prev_cr) {
                self.lines_seen += 1;
            }
            self.prev_cr = b == b'\r';
        }
    }

    /// Runs the parser over the decoded text; at the end of the file, `last`
    /// flushes a final record without a line end.
    fn parse(&mut self, last: bool) -> Result<()> {
        // Taken out so the record handler can borrow `self`; put back empty
        // afterwards so its capacity serves the next slice.
        let mut text = std::mem::take(&mut self.text);
        let result = self.parse_text(&text, last);
        text.clear();
        self.text = text;
        result
    }

    /// Reads a whole line at the start of `input` without the CSV parser,
    /// when it can be split at delimiters alone: it ends in `\n` and holds
    /// no quote character and no `\r` before its end. Returns the bytes
    /// taken, or 0 to leave the line to the parser.
    ///
    /// Why by hand: `csv_core` walks a state machine byte by byte and copies
    /// every field; most lines of most files have no quotes, and finding the
    /// delimiters with `memchr` and reading the fields where they lie split
    /// a file of 17-digit floats 3–4× faster (3.3 GB/s against 0.8–1.1
    /// natively). On very short fields (5 bytes on average) it is 10–15%
    /// slower, the calls costing more than the scans; numbers are the common
    /// case. The result is the same, field for field.
    fn quote_free_line(&mut self, input: &str) -> Result<usize> {
        let bytes = input.as_bytes();
        let Some(nl) = memchr::memchr(b'\n', bytes) else { return Ok(0) };
        let mut line = &input[..nl];
        if line.ends_with('\r') {
            line = &line[..nl - 1];
        }
        if memchr::memchr2(self.format.quote as u8, b'\r', line.as_bytes()).is_some() {
            return Ok(0);
        }
        let mut ends = std::mem::take(&mut self.fast_ends);
        ends.clear();
        ends.extend(memchr::memchr_iter(self.format.delimiter as u8, line.as_bytes()));
        ends.push(line.len());
        self.record_line = self.lines_seen + 1;
        self.lines_seen += 1;
        // The line ended in `\n`: a `\n` that follows starts a new line,
        // whatever came before (a `\r` the parser read earlier, say).
        self.prev_cr = false;
        let result = self.record(line, &ends, true);
        self.fast_ends = ends;
        result.map(|()| nl + 1)
    }

    fn parse_text(&mut self, text: &str, last: bool) -> Result<()> {
        let mut input = text.as_bytes();
        loop {
            // Empty input tells the parser the file has ended: only give it that at the end.
            if input.is_empty() && !last {
                break;
            }
            if !self.in_record {
                // Blank lines and line ends between records: count them here so
                // the next record knows the line it starts on.
                let skip = input.iter().take_while(|&&b| b == b'\n' || b == b'\r').count();
                self.count_lines(&input[..skip]);
                input = &input[skip..];
                if input.is_empty() && !last {
                    break;
                }
                if !input.is_empty() {
                    // The slice starts at a character boundary: after line ends, which are ASCII.
                    let rest = &text[text.len() - input.len()..];
                    let taken = self.quote_free_line(rest)?;
                    if taken > 0 {
                        input = &input[taken..];
                        continue;
                    }
                    self.in_record = true;
                    self.record_line = self.lines_seen + 1;
                }
            }
            let (res, nin, nout, nend) =
                self.csv.read_record(input, &mut self.out[self.out_len..], &mut self.ends[self.n_ends..]);
            self.count_lines(&input[..nin]);
            input = &input[nin..];
            self.out_len += nout;
            self.n_ends += nend;
            match res {
                csv_core::ReadRecordResult::InputEmpty => {
                    if !last {
                        break;
                    }
                }
                csv_core::ReadRecordResult::OutputFull => {
                    let n = self.out.len() * 2;
                    self.out.resize(n, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len() * 2;
                    self.ends.resize(n, 0);
                }
                csv_core::ReadRecordResult::Record => {
                    self.in_record = false;
                    let (out, ends) = (std::mem::take(&mut self.out), std::mem::take(&mut self.ends));
                    // The decoded text is UTF-8 and the parser splits only at ASCII bytes.
                    let result = match std::str::from_utf8(&out[..self.out_len]) {
                        Ok(text) => self.record(text, &ends[..self.n_ends], false),
                        Err(_) => unreachable!("decoded text is UTF-8"),
                    };
                    (self.out, self.ends) = (out, ends);
                    self.out_len = 0;
                    self.n_ends = 0;
                    result?;
                }
                csv_core::ReadRecordResult::End => break,
            }
        }
        Ok(())
    }

    /// Handles one complete record: field `i` is `text[ends[i - 1]..ends[i]]`
    /// (from 0 for the first). With `delimited`, the ends are delimiter
    /// positions, so each field after the first starts one byte later; from
    /// the CSV parser they are where its unquoted fields end.
    fn record(&mut self, text: &str, ends: &[usize], delimited: bool) -> Result<()> {
        let skip = usize::from(delimited);
        let field = |i: usize| -> &str {
            let start = if i == 0 { 0 } else { ends[i - 1] + skip };
            &text[start..ends[i]]
        };
        let mut n_fields = ends.len();
        let line = self.record_line;
        if self.header.is_none() {
            let names: Vec<String> = (0..n_fields).map(|i| field(i).trim().to_string()).collect();
            self.width = names.len();
            if self.format.header {
                self.header = Some(names);
                return Ok(());
            }
            self.header = Some((1..=self.width).map(|i| format!("column_{i}")).collect());
        }
        let index = self.record_index;
        self.record_index += 1;
        let width = self.width;
        // A trailing delimiter adds one empty field to every row: accept it.
        if n_fields == width + 1 && field(width).trim().is_empty() {
            n_fields = width;
        }
        if n_fields != width {
            let message = format!("line {line} has {n_fields} fields, but the header has {width}");
            return self.skip_or_fail(RowIssue { line, record: index, message });
        }
        if self.had_errors && (0..width).any(|i| field(i).contains('\u{FFFD}')) {
            let message = format!(
                "line {line} has bytes that are not valid {}{}",
                self.format.encoding,
                if self.format.encoding == "UTF-8" { ": try another encoding (for example windows-1252)" } else { "" }
            );
            return self.skip_or_fail(RowIssue { line, record: index, message });
        }
        let missing = &self.missing;
        match &mut self.store {
            Store::Sample(sample) => sample.push(line, (0..width).map(|i| missing.present(field(i)))),
            Store::Typed(builders) => {
                for (i, b) in builders.iter_mut().enumerate() {
                    let f = missing.present(field(i));
                    match b {
                        Builder::Numeric(n) => n.push(f, line),
                        Builder::Text(t) => t.push(f),
                    }
                }
            }
        }
        self.lines.push(line);
        self.records.push(index);
        if matches!(&self.store, Store::Sample(sample) if sample.lines.len() >= SAMPLE_ROWS) {
            self.type_columns();
        }
        Ok(())
    }

    fn skip_or_fail(&mut self, issue: RowIssue) -> Result<()> {
        match self.opts.bad_rows {
            BadRows::Error => Err(Error::new(ErrorKind::Malformed, issue.message)),
            BadRows::Skip => {
                self.row_issues.push(issue);
                Ok(())
            }
        }
    }

    /// Decides each column's builder from the sampled rows. A builder tried
    /// on the sample and kept already holds its rows; others are filled now.
    fn type_columns(&mut self) {
        if matches!(self.store, Store::Typed(_)) {
            return;
        }
        let Store::Sample(sample) = std::mem::replace(&mut self.store, Store::Typed(Vec::new())) else { return };
        let (names, _) = normalise_header(self.header.as_deref().unwrap_or_default());
        let raw = self.header.clone().unwrap_or_default();
        let number = ValueParser::Number { decimal_comma: self.format.decimal_comma };
        let builders: Vec<Builder> = (0..self.width)
            .map(|c| {
                let forced = self.opts.kinds.get(&names[c]).or_else(|| self.opts.kinds.get(&raw[c]));
                let text = self.opts.text_columns.contains(&names[c]) || self.opts.text_columns.contains(&raw[c]);
                let values = sample.column(c, self.width);
                let filled = |parser: ValueParser| NumericBuilder::filled(parser, &values, &sample.lines);
                let numeric = match forced {
                    Some(ColumnKind::Categorical) => None,
                    Some(ColumnKind::Numeric) => Some(filled(number.clone())),
                    Some(ColumnKind::Boolean) => Some(filled(ValueParser::Boolean)),
                    Some(ColumnKind::Datetime) => Some(filled(self.date_parser(&values))),
                    // Boolean before numeric, so 0/1 reads as a yes/no; numeric
                    // before datetime, so 20240305 stays a number.
                    None if sample_is_boolean(&values) => Some(filled(ValueParser::Boolean)),
                    None if text => None,
                    None => Some(filled(number.clone())).filter(NumericBuilder::stays_numeric).or_else(|| {
                        let any_date = values.iter().flatten().any(|v| super::datetime::looks_like_date(v));
                        any_date.then(|| filled(self.date_parser(&values))).filter(NumericBuilder::stays_numeric)
                    }),
                };
                match numeric {
                    Some(n) => Builder::Numeric(n),
                    None => {
                        let mut t = TextBuilder::default();
                        values.iter().for_each(|v| t.push(*v));
                        Builder::Text(t)
                    }
                }
            })
            .collect();
        self.store = Store::Typed(builders);
    }

    /// The date parser for a column: the person's order, else the one the
    /// sampled values imply, else day-first (most of the world writes dates
    /// that way), reported as ambiguous.
    fn date_parser(&self, values: &[Option<&str>]) -> ValueParser {
        let (order, order_ambiguous) = match self.opts.date_order {
            Some(o) => (o, false),
            None => match infer_order(values.iter().flatten().copied()) {
                (Some(o), _) => (o, false),
                (None, ambiguous) => (DateOrder::Dmy, ambiguous),
            },
        };
        let parser =
            DateParser::new(order, &self.format.timezone).expect("the zone was checked when the session began");
        ValueParser::Datetime { parser, info: DateInfo { order, order_ambiguous } }
    }

    /// The caller will give the file's SHA-256 to [`IngestSession::finish_with_sha256`]
    /// instead of this session hashing the bytes as they pass. The browser
    /// does that: its own SHA-256 runs natively beside the worker, where
    /// hashing in wasm took as long as parsing.
    pub fn hash_elsewhere(&mut self) {
        self.sha = None;
    }

    /// Ends the file and returns the table.
    pub fn finish(self) -> Result<Table> {
        self.finish_with_sha256(None)
    }

    /// Ends the file with its SHA-256 (lower-case hex) computed by the caller,
    /// which it must be after [`IngestSession::hash_elsewhere`].
    pub fn finish_with_sha256(mut self, sha256: Option<String>) -> Result<Table> {
        let input_sha256 = match (self.sha.take(), sha256) {
            (Some(sha), None) => sha.finalize().iter().map(|b| format!("{b:02x}")).collect(),
            (None, Some(given)) => glassbox_core::table::sha256_hex_checked(&given)?,
            (None, None) => {
                return Err(Error::new(ErrorKind::Internal, "the file's SHA-256 was to be given, and was not"));
            }
            (Some(_), Some(_)) => {
                return Err(Error::new(ErrorKind::Internal, "the file's SHA-256 was given, but hashed here too"));
            }
        };
        self.finish_hashed_as(input_sha256)
    }

    /// Ends the file before its SHA-256 is known, after
    /// [`IngestSession::hash_elsewhere`]: the table's `input_sha256` is
    /// empty until [`Table::set_input_sha256`]. The browser does this so the
    /// hash, which needs the whole file, is not in the way of the read; no
    /// model is trained on a table without it.
    pub fn finish_unhashed(mut self) -> Result<Table> {
        if self.sha.take().is_some() {
            return Err(Error::new(ErrorKind::Internal, "the file was hashed here: finish it with its hash"));
        }
        self.finish_hashed_as(String::new())
    }

    fn finish_hashed_as(mut self, input_sha256: String) -> Result<Table> {
        self.decode_and_parse(&[], true)?;
        let Some(raw_names) = self.header.take() else {
            return Err(Error::new(ErrorKind::Empty, "the file is empty"));
        };
        self.header = Some(raw_names.clone());
        let n_rows = self.lines.len();
        if n_rows == 0 {
            return Err(match self.row_issues.first() {
                // Only blanks: a "header" of empty names is no header at all.
                None if raw_names.iter().all(String::is_empty) => Error::new(ErrorKind::Empty, "the file is empty"),
                None => Error::new(ErrorKind::HeaderOnly, "the file has a header row but no data rows"),
                Some(first) => Error::new(
                    ErrorKind::Malformed,
                    format!(
                        "no row could be read: all {} data rows have problems, the first: {}",
                        self.row_issues.len(),
                        first.message
                    ),
                ),
            });
        }
        self.type_columns();
        let Store::Typed(builders) = self.store else { unreachable!("type_columns leaves typed builders") };
        let (names, mut renamed) = normalise_header(&raw_names);
        let mut columns: Vec<Column> = builders
            .into_iter()
            .zip(names)
            .zip(raw_names.iter().cloned())
            .map(|((b, name), original)| match b {
                Builder::Numeric(n) => {
                    let forced = self.opts.kinds.get(&name).or_else(|| self.opts.kinds.get(&original)).is_some();
                    n.finish(name, original, forced)
                }
                Builder::Text(t) => categorical(name, original, t.finish()),
            })
            .collect();
        // A header that ends in a delimiter names an empty last column: drop it when it holds nothing.
        let width = columns.len();
        if self.format.header
            && width > 1
            && raw_names[width - 1].is_empty()
            && columns[width - 1].missing_count() == n_rows
        {
            columns.pop();
            renamed.retain(|r| r.position != width);
        }
        let table = Table {
            columns,
            n_rows,
            lines: self.lines,
            records: self.records,
            n_records: self.record_index,
            renamed,
            format: self.format,
            row_issues: self.row_issues,
            input_sha256,
        };
        table.validate()?;
        Ok(table)
    }
}

/// The missing-value tokens, trimmed.
struct MissingTokens {
    tokens: Vec<String>,
    longest: usize,
}

impl MissingTokens {
    fn new(tokens: &[String]) -> Self {
        let tokens: Vec<String> = tokens.iter().map(|s| s.trim().to_string()).collect();
        let longest = tokens.iter().map(String::len).max().unwrap_or(0);
        MissingTokens { tokens, longest }
    }

    /// The trimmed value, or `None` when it is a missing-value token.
    fn present<'a>(&self, field: &'a str) -> Option<&'a str> {
        let t = trim(field);
        // Tokens are short and values mostly longer: a length check settles most cells.
        if t.len() > self.longest {
            return Some(t);
        }
        // A byte loop rather than `==`: for these few-byte strings a memcmp call costs more than the compare.
        let is_token = |m: &String| m.len() == t.len() && m.bytes().zip(t.bytes()).all(|(a, b)| a == b);
        (!self.tokens.iter().any(is_token)).then_some(t)
    }
}

/// `str::trim`, with a shortcut for the common field that starts and ends
/// in a visible ASCII character: the Unicode-aware trim took 6% of reading
/// a file of short fields. Any byte at or above 0x80 may end a Unicode
/// space (U+00A0 from Excel, say), so those take the full trim.
fn trim(field: &str) -> &str {
    let visible = |b: u8| b < 0x80 && b != b' ' && !(b'\t'..=b'\r').contains(&b);
    match field.as_bytes() {
        [first, .., last] if visible(*first) && visible(*last) => field,
        [only] if visible(*only) => field,
        _ => field.trim(),
    }
}

/// Drops the spaces between a delimiter (or a line start) and an opening
/// quote, as the text streams through. Files written as `a, "b, c"` have
/// them, and a CSV parser only recognises a quote at the very start of a
/// field, so without this the quoted delimiter would split the field.
struct SpaceBeforeQuote {
    delimiter: char,
    quote: char,
    in_quotes: bool,
    at_field_start: bool,
    pending: String,
}

impl SpaceBeforeQuote {
    fn new(delimiter: char, quote: char) -> Self {
        SpaceBeforeQuote { delimiter, quote, in_quotes: false, at_field_start: true, pending: String::new() }
    }

    fn push(&mut self, input: &str, out: &mut String, last: bool) {
        for ch in input.chars() {
            if self.in_quotes {
                if ch == self.quote {
                    self.in_quotes = false;
                }
                out.push(ch);
                continue;
            }
            if self.at_field_start && (ch == ' ' || (ch == '\t' && self.delimiter != '\t')) {
                self.pending.push(ch);
                continue;
            }
            if self.at_field_start && ch != self.quote {
                out.push_str(&self.pending);
            }
            self.pending.clear();
            self.at_field_start = ch == self.delimiter || ch == '\n' || ch == '\r';
            if ch == self.quote {
                self.in_quotes = true;
            }
            out.push(ch);
        }
        if last {
            out.push_str(&self.pending);
            self.pending.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest room any column, or the row bookkeeping, has.
    fn room(s: &IngestSession) -> usize {
        let Store::Typed(builders) = &s.store else { return 0 };
        let columns = builders.iter().map(|b| match b {
            Builder::Numeric(n) => n.capacity(),
            Builder::Text(t) => t.capacity(),
        });
        columns.chain([s.lines.capacity(), s.records.capacity()]).min().unwrap_or(0)
    }

    /// After a quarter of the file, room is made for the whole of it: the
    /// rest arrives without the columns growing, and the table is the same.
    #[test]
    fn room_for_the_whole_file_is_made_once() {
        let mut csv = String::from("x,n,c\n");
        for i in 0..20_000 {
            csv.push_str(&format!("{i:05}.25,{},{}\n", i % 7, ["a", "b", "c"][i % 3]));
        }
        let bytes = csv.as_bytes();
        let opts = ReadOptions::default();
        let cut = bytes.len() / 4 + bytes[bytes.len() / 4..].iter().position(|&b| b == b'\n').unwrap() + 1;
        let mut s = IngestSession::new(&bytes[..SNIFF_BYTES.min(bytes.len())], &opts).unwrap();
        s.feed(&bytes[..cut]).unwrap();
        s.type_now();
        assert!(room(&s) < 20_000, "room before: {}", room(&s));
        assert!(s.reserve_for(bytes.len() as u64));
        let reserved = room(&s);
        assert!((20_000..=20_600).contains(&reserved), "room for about 2% more rows than the file has: {reserved}");
        s.feed(&bytes[cut..]).unwrap();
        assert_eq!(room(&s), reserved, "no column grew");
        assert_eq!(s.finish().unwrap(), super::super::read_csv(bytes, &opts).unwrap());
    }
}
