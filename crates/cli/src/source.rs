//! Where a command's rows come from: a file, or a database or topic
//! address (`postgres://`, `mysql://`, `kafka://`) read by
//! `glassbox_sources` into the canonical CSV, which then takes the one path
//! a file takes. A file that is not delimited text (a workbook, JSON Lines,
//! gzip) is told by its bytes and read by `glassbox_formats` into that text
//! first. Every command that reads data goes through [`Input`].

use std::cell::OnceCell;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use glassbox_pipeline::ingest::{IngestSession, ReadOptions, Table, SNIFF_BYTES};
use glassbox_pipeline::run::SourceRecord;
use glassbox_sources::{Address, KafkaOptions, Request, Select, StartAt, Zone};

use crate::Failure;

/// Reading from a database or a topic instead of a file.
#[derive(Args, Clone, Default)]
pub struct SourceArgs {
    /// Database source: the table to read (a plain name, or schema.name).
    #[arg(long, value_name = "NAME", conflicts_with = "query")]
    pub table: Option<String>,
    /// Database source: the query to read (its columns are the table's).
    #[arg(long, value_name = "SQL")]
    pub query: Option<String>,
    /// Database source: the zone of timestamps stored without one (`timestamp`, `DATETIME`), an IANA name.
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub source_timezone: String,
    /// Rows handed from the server to the table at a time (memory holds one such chunk).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub chunk_rows: usize,
    /// Seconds to wait for a server to answer before giving up.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub connect_timeout: f64,
    /// Kafka source: start at the earliest message, or at the latest (then wait for new ones).
    #[arg(long, value_parser = ["earliest", "latest"], default_value = "earliest")]
    pub from: String,
    /// Kafka source: read at most this many messages.
    #[arg(long, value_name = "N")]
    pub max_messages: Option<usize>,
    /// Kafka source: the header of CSV-line messages (default: JSON objects, or the first message is the header).
    #[arg(long, value_name = "LINE")]
    pub csv_header: Option<String>,
    /// Workbook (.xlsx, .xlsm, .xlsb, .xls, .ods): the sheet to read (default: the first with a table).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
}

/// A command's data: a file, or a source to read.
pub enum Input {
    File(File),
    Source(Box<Request>),
}

/// A file, and once it has been looked at, its text if it is not delimited
/// text itself.
pub struct File {
    path: PathBuf,
    sheet: Option<String>,
    decoded: OnceCell<Option<Box<Decoded>>>,
}

/// A workbook's, a JSON Lines file's or a gzip's text for the CSV reader,
/// or a Parquet file to stream it from.
struct Decoded {
    /// The text and what the reader learnt (its bytes are empty for
    /// Parquet, whose text is streamed from the file when it is read).
    text: glassbox_formats::Decoded,
    parquet: Option<glassbox_formats::parquet::File<SharedFile>>,
    /// The file's format in words (`xlsx, sheet 'Data'`).
    container: String,
    /// The SHA-256 of the file itself, not of its text.
    sha256: String,
}

/// An open file that the Parquet reader's row groups share: each reads its
/// own part through a handle of its own (`File::try_clone`).
#[derive(Clone)]
struct SharedFile(std::sync::Arc<std::fs::File>);

impl parquet::file::reader::Length for SharedFile {
    fn len(&self) -> u64 {
        parquet::file::reader::Length::len(&*self.0)
    }
}

impl parquet::file::reader::ChunkReader for SharedFile {
    type T = <std::fs::File as parquet::file::reader::ChunkReader>::T;
    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        self.0.get_read(start)
    }
    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<bytes::Bytes> {
        self.0.get_bytes(start, length)
    }
}

impl File {
    /// The file's text when it is not delimited text, read on first use: a
    /// delimited file is only looked at (its first bytes), never held.
    fn decoded(&self) -> Result<Option<&Decoded>, Failure> {
        if self.decoded.get().is_none() {
            let decoded = self.decode()?;
            let _ = self.decoded.set(decoded);
        }
        Ok(self.decoded.get().and_then(Option::as_deref))
    }

    fn decode(&self) -> Result<Option<Box<Decoded>>, Failure> {
        use std::io::Read;
        let path = &self.path;
        let name = path.display().to_string();
        let cannot = |e: std::io::Error| Failure::input(format!("{name}: cannot read the file: {e}"));
        let mut head = Vec::with_capacity(glassbox_formats::HEAD_BYTES);
        std::fs::File::open(path)
            .map_err(cannot)?
            .take(glassbox_formats::HEAD_BYTES as u64)
            .read_to_end(&mut head)
            .map_err(cannot)?;
        let Some(reader) = glassbox_formats::format_of(&head, &name) else {
            if self.sheet.is_some() {
                return Err(Failure::input(format!(
                    "{name}: --sheet applies to a workbook, and this file is delimited text"
                )));
            }
            return Ok(None);
        };
        if reader.name() == "Parquet" {
            return self.open_parquet().map(|d| Some(Box::new(d)));
        }
        let bytes = crate::read(path)?;
        let opts = glassbox_formats::Options { sheet: self.sheet.clone(), ..Default::default() };
        let d = reader.read(&bytes, &name, &opts).map_err(|e| Failure::from_pipeline(path, e))?;
        if d.sheet.is_some() && self.sheet.is_none() && d.sheets.len() > 1 {
            eprintln!("note: {name}: --sheet NAME reads another sheet");
        }
        for n in &d.notes {
            eprintln!("note: {name}: {n}");
        }
        let container = d.describe();
        let sha256 = glassbox_pipeline::run::sha256_hex(&bytes);
        Ok(Some(Box::new(Decoded { text: d, parquet: None, container, sha256 })))
    }

    /// A Parquet file is not held: its footer is read now, its rows when
    /// they are wanted, a batch at a time.
    fn open_parquet(&self) -> Result<Decoded, Failure> {
        use sha2::Digest;
        use std::io::Read;
        let path = &self.path;
        let name = path.display().to_string();
        if self.sheet.is_some() {
            return Err(Failure::input(format!("{name}: --sheet applies to a workbook, and this file is Parquet")));
        }
        let cannot = |e: std::io::Error| Failure::input(format!("{name}: cannot read the file: {e}"));
        let mut file = std::fs::File::open(path).map_err(cannot)?;
        let mut hash = sha2::Sha256::new();
        let mut block = vec![0u8; 1 << 20];
        loop {
            let n = file.read(&mut block).map_err(cannot)?;
            if n == 0 {
                break;
            }
            hash.update(&block[..n]);
        }
        let sha256: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        let parquet = glassbox_formats::parquet::File::open(SharedFile(std::sync::Arc::new(file)))
            .map_err(|e| Failure::from_pipeline(path, e))?;
        for n in &parquet.notes {
            eprintln!("note: {name}: {n}");
        }
        let text = glassbox_formats::Decoded {
            bytes: Vec::new(),
            text: glassbox_formats::Text::Canonical,
            format: parquet.format.clone(),
            sheet: None,
            sheets: Vec::new(),
            notes: parquet.notes.clone(),
            kinds: parquet.kinds.clone(),
            text_columns: parquet.text_columns.clone(),
        };
        Ok(Decoded { container: text.describe(), text, parquet: Some(parquet), sha256 })
    }

    /// The bytes for the CSV reader and the options to read them with.
    fn text(&self, opts: &ReadOptions) -> Result<(Vec<u8>, ReadOptions), Failure> {
        Ok(match self.decoded()? {
            None => (crate::read(&self.path)?, opts.clone()),
            Some(d) => match &d.parquet {
                Some(_) => {
                    let mut all = Vec::new();
                    self.stream_parquet(d, &mut |b| {
                        all.extend_from_slice(b);
                        Ok(())
                    })?;
                    (all, d.text.read_options(opts))
                }
                None => (d.text.bytes.clone(), d.text.read_options(opts)),
            },
        })
    }

    /// Streams a Parquet file's canonical text to `f`, with a progress line.
    fn stream_parquet(&self, d: &Decoded, f: &mut dyn FnMut(&[u8]) -> Result<(), Failure>) -> Result<(), Failure> {
        let parquet = d.parquet.as_ref().expect("a Parquet file");
        let name = self.path.display().to_string();
        let mut held: Option<Failure> = None;
        let read = parquet.stream(&mut |bytes, at| {
            progress(&name, at.rows as usize);
            f(bytes).map_err(|e| {
                held = Some(e);
                glassbox_formats::Error::new(glassbox_formats::ErrorKind::Io, "stopped")
            })
        });
        end_progress();
        if let Some(e) = held {
            return Err(e);
        }
        read.map_err(|e| Failure::from_pipeline(&self.path, e))
    }
}

/// The read options for canonical CSV: its format is known, the person's
/// kinds, missing tokens and bad-row choice still apply.
fn canonical_options(opts: &ReadOptions) -> ReadOptions {
    glassbox_pipeline::ingest::canonical::read_options(opts)
}

fn source_failure(name: &str, e: glassbox_sources::Error) -> Failure {
    Failure::input(format!("{name}: {e}"))
}

impl Input {
    pub fn new(arg: &str, src: &SourceArgs) -> Result<Input, Failure> {
        if !glassbox_sources::is_address(arg) {
            if src.table.is_some() || src.query.is_some() {
                return Err(Failure::input(format!(
                    "{arg}: --table and --query apply to a database address (postgres://, mysql://)"
                )));
            }
            return Ok(Input::File(File {
                path: PathBuf::from(arg),
                sheet: src.sheet.clone(),
                decoded: OnceCell::new(),
            }));
        }
        if src.sheet.is_some() {
            return Err(Failure::input("--sheet applies to a workbook file, not to a database or a topic".to_string()));
        }
        // The address is never repeated as typed: it may hold a password.
        let address = Address::parse(arg).map_err(|e| Failure::input(e.message))?;
        let select = match (&src.table, &src.query, address.scheme) {
            (_, _, glassbox_sources::Scheme::Kafka) if src.table.is_some() || src.query.is_some() => {
                return Err(Failure::input(format!("{address}: --table and --query apply to databases, not topics")))
            }
            (_, _, glassbox_sources::Scheme::Kafka) => None,
            (Some(t), _, _) => {
                glassbox_sources::address::check_identifier(t, "--table")
                    .map_err(|e| source_failure(&address.to_string(), e))?;
                Some(Select::Table(t.clone()))
            }
            (None, Some(q), _) => Some(Select::Query(q.clone())),
            (None, None, _) => return Err(Failure::input(format!("{address}: give --table NAME or --query SQL"))),
        };
        if !(src.connect_timeout > 0.0 && src.connect_timeout.is_finite()) {
            return Err(Failure::input(format!(
                "--connect-timeout must be a positive number of seconds, got {}",
                src.connect_timeout
            )));
        }
        let zone = Zone::named(&src.source_timezone).map_err(|e| Failure::input(e.message))?;
        Ok(Input::Source(Box::new(Request {
            address,
            select,
            zone,
            chunk_rows: src.chunk_rows.max(1),
            connect_timeout: Duration::from_secs_f64(src.connect_timeout),
            kafka: KafkaOptions {
                start: if src.from == "latest" { StartAt::Latest } else { StartAt::Earliest },
                max_messages: src.max_messages,
                csv_header: src.csv_header.clone(),
            },
        })))
    }

    /// How messages name the input: the file's path, or the source without credentials.
    pub fn name(&self) -> String {
        match self {
            Input::File(f) => f.path.display().to_string(),
            Input::Source(r) => r.describe(),
        }
    }

    /// What reports show: the file's base name, or the whole source.
    pub fn base_name(&self) -> String {
        match self {
            Input::File(f) => glassbox_pipeline::run::base_name(&f.path.to_string_lossy()),
            Input::Source(r) => r.describe(),
        }
    }

    /// The path to name in a failure from the pipeline.
    pub fn path(&self) -> PathBuf {
        PathBuf::from(self.name())
    }

    /// A file's own format when it is not delimited text (`xlsx, sheet 'Data'`).
    pub fn container(&self) -> Result<Option<String>, Failure> {
        Ok(match self {
            Input::File(f) => f.decoded()?.map(|d| d.container.clone()),
            Input::Source(_) => None,
        })
    }

    /// The manifest's record of a source; `None` for a file.
    pub fn record(&self) -> Option<SourceRecord> {
        match self {
            Input::File(_) => None,
            Input::Source(r) => Some(SourceRecord {
                source: r.describe(),
                encoding: glassbox_sources::CANONICAL.to_string(),
                timezone: r.zone.name.clone(),
            }),
        }
    }

    /// Reads a source in chunks of canonical CSV, telling the person what it left out.
    fn stream(
        &self,
        r: &Request,
        mut f: impl FnMut(&[u8]) -> Result<(), Failure>,
    ) -> Result<glassbox_sources::Read, Failure> {
        let name = r.describe();
        let mut held: Option<Failure> = None;
        let mut sink = |bytes: &[u8], rows: usize| -> glassbox_sources::Result<()> {
            progress(&name, rows);
            f(bytes).map_err(|e| {
                held = Some(e);
                glassbox_sources::Error::new(glassbox_sources::Kind::Io, "stopped")
            })
        };
        let read = glassbox_sources::read(r, &mut sink);
        end_progress();
        if let Some(e) = held {
            return Err(e);
        }
        let read = read.map_err(|e| source_failure(&name, e))?;
        for s in &read.skipped {
            eprintln!(
                "note: {name}: column '{}' ({}) left out: binary, JSON, array and other such types are not read",
                s.column, s.type_name
            );
        }
        Ok(read)
    }

    /// The rows as a table, read with `opts` (a source's format is its canonical one).
    pub fn table(&self, opts: &ReadOptions) -> Result<Table, Failure> {
        let r = match self {
            Input::File(f) => {
                let mut table = match f.decoded()? {
                    Some(d) if d.parquet.is_some() => {
                        // Streamed into the table a batch at a time, as a source's rows are.
                        let read = d.text.read_options(opts);
                        let mut session: Option<IngestSession> = None;
                        f.stream_parquet(d, &mut |bytes| feed(&mut session, bytes, &read, &f.path))?;
                        let session = session.expect("the header is streamed first");
                        session.finish().map_err(|e| Failure::from_pipeline(&f.path, e))?
                    }
                    _ => {
                        let (bytes, read) = f.text(opts)?;
                        glassbox_pipeline::ingest::read_csv(&bytes, &read)
                            .map_err(|e| Failure::from_pipeline(&f.path, e))?
                    }
                };
                if let Some(d) = f.decoded()? {
                    // The file's own hash, so a model names the file it came from.
                    table.input_sha256 = d.sha256.clone();
                    table.format.container = Some(d.container.clone());
                }
                return Ok(table);
            }
            Input::Source(r) => r,
        };
        let opts = canonical_options(opts);
        let path = self.path();
        let mut session: Option<IngestSession> = None;
        let read = self.stream(r, |bytes| feed(&mut session, bytes, &opts, &path))?;
        let session = session.ok_or_else(|| Failure::input(format!("{}: no columns were read", self.name())))?;
        let mut table = session.finish().map_err(|e| Failure::from_pipeline(&path, e))?;
        debug_assert_eq!(table.input_sha256, read.sha256);
        table.row_issues.extend(read.issues);
        table.row_issues.sort_by_key(|i| i.record);
        Ok(table)
    }

    /// The rows as bytes and the options to read them with.
    pub fn bytes(&self, opts: &ReadOptions) -> Result<(Vec<u8>, ReadOptions), Failure> {
        match self {
            Input::File(f) => f.text(opts),
            Input::Source(r) => {
                let mut all = Vec::new();
                let read = self.stream(r, |b| {
                    all.extend_from_slice(b);
                    Ok(())
                })?;
                crate::args::report_skipped(&self.path(), &read.issues);
                Ok((all, canonical_options(opts)))
            }
        }
    }

    /// The options to read this input's bytes with: the person's for a
    /// file, the canonical format for a source.
    pub fn options(&self, opts: &ReadOptions) -> Result<ReadOptions, Failure> {
        Ok(match self {
            Input::File(f) => match f.decoded()? {
                None => opts.clone(),
                Some(d) => d.text.read_options(opts),
            },
            Input::Source(_) => canonical_options(opts),
        })
    }

    /// Hands `f` the rows in chunks of whole records, each with the header
    /// row in front, and returns the SHA-256 of the input.
    pub fn each_chunk(
        &self,
        chunk_bytes: usize,
        mut f: impl FnMut(&[u8]) -> Result<(), Failure>,
    ) -> Result<String, Failure> {
        match self {
            Input::File(file) => {
                if let Some(d) = file.decoded()?.filter(|d| d.parquet.is_some()) {
                    // Batches gathered into chunks of about `chunk_bytes`, each with the header in front.
                    let mut header: Option<Vec<u8>> = None;
                    let mut chunk = Vec::new();
                    file.stream_parquet(d, &mut |bytes| {
                        let rows = match &header {
                            None => {
                                let end = crate::chunks::record_end(bytes, usize::MAX).unwrap_or(bytes.len());
                                header = Some(bytes[..end].to_vec());
                                &bytes[end..]
                            }
                            Some(_) => bytes,
                        };
                        if chunk.is_empty() {
                            chunk.extend_from_slice(header.as_deref().expect("set above"));
                        }
                        chunk.extend_from_slice(rows);
                        if chunk.len() >= chunk_bytes {
                            f(&chunk)?;
                            chunk.clear();
                        }
                        Ok(())
                    })?;
                    if !chunk.is_empty() {
                        f(&chunk)?;
                    } else if let (Some(h), true) = (&header, d.parquet.as_ref().is_some_and(|p| p.rows == 0)) {
                        f(h)?;
                    }
                    return Ok(d.sha256.clone());
                }
                if let Some(d) = file.decoded()? {
                    // A decoded file is in memory already: its chunks are slices of it.
                    let bytes = &d.text.bytes;
                    let header_end = crate::chunks::record_end(bytes, usize::MAX).unwrap_or(bytes.len());
                    let (header, mut rest) = bytes.split_at(header_end);
                    if rest.is_empty() {
                        f(header)?;
                    }
                    while !rest.is_empty() {
                        let end = if rest.len() <= chunk_bytes {
                            rest.len()
                        } else {
                            // The last record end within the chunk's size, or, for a
                            // record longer than that, its own end.
                            crate::chunks::record_end(&rest[..chunk_bytes], 0)
                                .or_else(|| crate::chunks::record_end(rest, usize::MAX))
                                .unwrap_or(rest.len())
                        };
                        let mut chunk = header.to_vec();
                        chunk.extend_from_slice(&rest[..end]);
                        f(&chunk)?;
                        rest = &rest[end..];
                    }
                    return Ok(d.sha256.clone());
                }
                let mut chunks = crate::chunks::Chunks::open(&file.path, chunk_bytes)?;
                while let Some(chunk) = chunks.next_chunk()? {
                    f(&chunk)?;
                }
                Ok(chunks.sha256())
            }
            Input::Source(r) => {
                let mut header: Option<Vec<u8>> = None;
                let read = self.stream(r, |bytes| match &header {
                    None => {
                        let end = crate::chunks::record_end(bytes, usize::MAX).unwrap_or(bytes.len());
                        header = Some(bytes[..end].to_vec());
                        f(bytes)
                    }
                    Some(h) => {
                        let mut chunk = h.clone();
                        chunk.extend_from_slice(bytes);
                        f(&chunk)
                    }
                })?;
                crate::args::report_skipped(&self.path(), &read.issues);
                Ok(read.sha256)
            }
        }
    }
}

/// Feeds canonical text to an ingest session, begun on the first piece.
fn feed(
    session: &mut Option<IngestSession>,
    bytes: &[u8],
    opts: &ReadOptions,
    path: &std::path::Path,
) -> Result<(), Failure> {
    if session.is_none() {
        *session = Some(
            IngestSession::new(&bytes[..bytes.len().min(SNIFF_BYTES)], opts)
                .map_err(|e| Failure::from_pipeline(path, e))?,
        );
    }
    session.as_mut().expect("set above").feed(bytes).map_err(|e| Failure::from_pipeline(path, e))
}

/// Ends the progress line, when there is one.
fn end_progress() {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
}

/// Rows read so far, on one line of stderr when it is a terminal.
fn progress(name: &str, rows: usize) {
    use std::io::{IsTerminal, Write};
    let mut err = std::io::stderr();
    if err.is_terminal() {
        let _ = write!(err, "\r{name}: {rows} rows read");
        let _ = err.flush();
    }
}
