//! Streaming a file to the worker, slice by slice, each asked for after the
//! worker has answered the last but one, so progress is real (bytes read,
//! rows per second, time left) and Cancel takes effect between two slices.
//! A picked file goes to the worker as a `File`, and the worker reads each
//! slice itself with `FileReaderSync`: the bytes never pass through the page.
//! (Reading in the page instead, asynchronously while the worker parsed, and
//! handing over JavaScript arrays measured slower: 1.2–1.6 s against
//! 1.07–1.10 s for 100 MB, the page's thread and the copies competing for
//! two cores.) A large file is read by two workers side by side (see
//! [`SPLIT_MIN_BYTES`]). Once the slices are read, the browser hashes the
//! file (natively, in `hash-worker.js`), and the digest goes over with
//! `Finish` or, if it comes later, with `Digest`. Neither side keeps the
//! whole file in memory, except the browser's hash of a file up to
//! [`BROWSER_HASH_MAX`].

use std::cell::RefCell;
use std::rc::Rc;

use glassbox_pipeline::ingest::{PartSpec, ReadOptions, SNIFF_BYTES};
use glassbox_worker::web::PipelineBridge;
use glassbox_worker::{FormatsRequest, FormatsResponse, Opened, Request, Response};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser;
use crate::state::{AppState, Busy, ReadProgress, ReadStats};
use crate::transport::{bridge, formats};

/// Bytes per slice: large enough that messaging costs little, small enough
/// that progress moves and Cancel answers quickly.
const SLICE_BYTES: u64 = 8 << 20;

/// Where the file's bytes come from.
#[derive(Clone)]
pub enum Source {
    /// A file the person picked or dropped: read slice by slice, never whole.
    File(web_sys::File),
    /// A bundled sample, already fetched.
    Bytes(Rc<Vec<u8>>),
    /// A workbook, JSON Lines file or gzip the worker read into text (see
    /// [`load`]): the text is sent as a sample's bytes are, and the file
    /// kept for another sheet and for the browser's storage.
    Decoded(Rc<DecodedFile>),
}

pub struct DecodedFile {
    pub file: web_sys::File,
    pub opened: Opened,
}

impl Source {
    pub fn size(&self) -> u64 {
        match self {
            Source::File(f) => f.size() as u64,
            Source::Bytes(b) => b.len() as u64,
            Source::Decoded(d) => d.opened.decoded.bytes.len() as u64,
        }
    }

    /// The request that starts reading this source.
    fn begin(&self, name: String, read: ReadOptions, sha256_given: bool) -> Request {
        match self {
            Source::File(file) => Request::BeginFile { file: file.clone(), read, sha256_given },
            Source::Bytes(b) => {
                let sample = b[..b.len().min(SNIFF_BYTES)].to_vec();
                Request::Begin {
                    file_name: name,
                    total_bytes: self.size(),
                    sample,
                    read,
                    sha256_given,
                    container: None,
                }
            }
            Source::Decoded(d) => {
                let decoded = &d.opened.decoded;
                let sample = decoded.bytes[..decoded.bytes.len().min(SNIFF_BYTES)].to_vec();
                // The text's own format, and the kinds a Parquet file's types give.
                let read = decoded.read_options(&read);
                // The file's own hash, which the worker computed as it read it.
                Request::Begin {
                    file_name: name,
                    total_bytes: self.size(),
                    sample,
                    read,
                    sha256_given: true,
                    container: Some(decoded.describe()),
                }
            }
        }
    }

    /// The request that sends bytes `start..end`, for the worker to read.
    fn chunk(&self, start: u64, end: u64) -> Request {
        match self {
            Source::File(_) => Request::ChunkAt { start, end },
            Source::Bytes(b) => Request::Chunk { bytes: b[start as usize..end as usize].to_vec() },
            Source::Decoded(d) => {
                Request::Chunk { bytes: d.opened.decoded.bytes[start as usize..end as usize].to_vec() }
            }
        }
    }
}

/// Files up to this size are hashed by the browser; larger ones by the
/// worker as the slices pass (the browser's hash needs the whole file in memory).
pub const BROWSER_HASH_MAX: u64 = 256 << 20;

/// The browser's hash of the file loaded last.
#[derive(Clone)]
enum Digest {
    /// The worker hashes this file itself.
    InWorker,
    /// The browser is to hash this file, once it is read and summarised.
    Unstarted(web_sys::File),
    Pending,
    Ready(String),
    Failed(String),
}

struct Transfer {
    source: Source,
    name: String,
    /// Where the main worker's next slice starts.
    offset: u64,
    /// Where the main worker's slices stop: the file's end, or where the
    /// reader's part begins.
    end: u64,
    /// Slices sent that the worker has not answered yet.
    in_flight: usize,
    cancel: bool,
    /// The main worker's progress, as it last reported it.
    bytes: u64,
    rows: usize,
    memory: u64,
    split: Split,
    /// The tag of this read's part, unique in the page.
    split_id: u64,
}

/// The second worker's part of the file: see [`SPLIT_MIN_BYTES`].
enum Split {
    /// The main worker reads the whole file: a sample, a file too small or
    /// too large, or the part was given up (refused, or the reader failed).
    Off,
    /// The main worker is to be asked how another worker could read a part.
    Ask,
    /// The main worker has been asked.
    Asked,
    /// The reader looks for a line start past the middle; the main worker's slices wait there.
    Starting,
    /// The reader reads from `start`: where its next slice starts, slices unanswered, progress.
    Reading { offset: u64, in_flight: usize, bytes: u64, rows: usize, memory: u64 },
    /// The reader has read its last slice and is asked to send its part; its progress.
    Finishing { bytes: u64, rows: usize, memory: u64 },
    /// The reader has sent its part to the main worker, which is to take it
    /// once all its own slices are asked for; the part's size.
    Ready { bytes: u64, rows: usize },
    /// The part went to the main worker.
    Absorbing,
    /// The main worker took the part.
    Done,
}

/// Files at least this large are read by two workers side by side when the
/// page hashes them and the person allows two workers or more (by default,
/// a machine with two cores or more): the main worker reads up to a line end
/// past the middle, a second worker (the reader) the rest, and the main
/// worker absorbs the reader's part (see the pipeline's
/// `ingest::session::part`). Each worker parses about half the file;
/// handing the part over costs 0.05–0.15 s per 100 MB, and below a few slices the second
/// worker's start costs more than it saves. Larger files are hashed in the
/// main worker as the slices pass, which needs every byte there.
pub const SPLIT_MIN_BYTES: u64 = 4 * SLICE_BYTES;

/// Two slices in flight: the worker has the next request waiting while it parses this slice.
const IN_FLIGHT: usize = 2;

thread_local! {
    /// The file loaded last, kept so a changed setting can read it again.
    static SOURCE: RefCell<Option<(String, Source)>> = const { RefCell::new(None) };
    static TRANSFER: RefCell<Option<Transfer>> = const { RefCell::new(None) };
    /// Counts reads: a pool worker that read generation g has the table the main worker has while it is current.
    static GENERATION: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// Counts files loaded, so a hash that arrives after another file was picked is dropped.
    static LOADS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    static DIGEST: RefCell<Digest> = const { RefCell::new(Digest::InWorker) };
    /// The main worker finished the table without the hash, and awaits `Digest`.
    static DIGEST_OWED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Requests that name the file's hash in what they make (training), held until it is known.
    static HELD: RefCell<Vec<Request>> = const { RefCell::new(Vec::new()) };
    /// When the read in progress started, and the file's size.
    static READ_STARTED: std::cell::Cell<Option<(f64, u64)>> = const { std::cell::Cell::new(None) };
    /// Workers that read the file in the read in progress.
    static READ_WORKERS: std::cell::Cell<usize> = const { std::cell::Cell::new(1) };
    /// The worker that reads the second part of a large file.
    static READER: RefCell<Option<PipelineBridge>> = const { RefCell::new(None) };
    /// `Cancel`s sent to the reader and not yet answered: its answers until
    /// then belong to a read that is over.
    static READER_STALE: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    /// Counts reads that may be split, to tag their parts.
    static SPLITS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// The file being opened (`OpenFile`) and the sheet asked of it, until
    /// it is read; with the count of opens, so that the formats worker's
    /// answer for a file picked before the last one is dropped.
    static OPENING: RefCell<Option<Opening>> = const { RefCell::new(None) };
    static OPENS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    /// The sheet the person picked, for the next `OpenFile`.
    static SHEET: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A picked file being opened: the `open`th, and the sheet asked of it.
#[derive(Clone)]
struct Opening {
    open: u64,
    name: String,
    file: web_sys::File,
    sheet: Option<String>,
}

/// Starts the reader with the page, so its wasm is compiled and warm when a
/// large file comes.
pub fn spawn_reader(state: AppState) {
    let bridge = PipelineBridge::spawn(
        glassbox_worker::web::WORKER_SCRIPT,
        move |response| on_reader_response(state, response),
        bridge::on_crash(state),
    );
    READER.with(|r| *r.borrow_mut() = Some(bridge));
}

/// Forgets the reader (it was terminated or crashed); the next large file starts a new one.
pub fn reset_reader() {
    READER.with(|r| *r.borrow_mut() = None);
    READER_STALE.with(|s| s.set(0));
}

fn reader_send(state: AppState, request: Request) {
    if READER.with(|r| r.borrow().is_none()) {
        spawn_reader(state);
    }
    READER.with(|r| {
        if let Some(bridge) = r.borrow().as_ref() {
            bridge.send(request);
        }
    });
}

/// Stops the reader's part, if one is under way; its answers until the
/// `Cancelled` are then dropped.
fn stop_reader(state: AppState, split: &Split) {
    if matches!(split, Split::Starting | Split::Reading { .. } | Split::Finishing { .. }) {
        READER_STALE.with(|s| s.set(s.get() + 1));
        reader_send(state, Request::Cancel);
    }
}

/// The summary of the read in progress has arrived: how long it took.
pub fn read_done() -> Option<ReadStats> {
    let workers = READ_WORKERS.with(|w| w.get());
    READ_STARTED.with(|r| r.take()).map(|(started, bytes)| ReadStats {
        seconds: (crate::browser::now_ms() - started) / 1000.0,
        bytes,
        workers,
    })
}

/// The hash to send with `Finish`, if the page computed it.
fn ready_digest() -> Option<String> {
    DIGEST.with(|d| match &*d.borrow() {
        Digest::Ready(h) => Some(h.clone()),
        _ => None,
    })
}

/// The file loaded last, and which read of it is current.
pub fn current() -> Option<(String, Source, u64)> {
    SOURCE.with(|s| s.borrow().clone()).map(|(n, src)| (n, src, GENERATION.with(|g| g.get())))
}

/// Sends the whole file to another worker (a pool worker) with the current
/// read options, without flow control: a picked file's slices are only
/// asked for (the worker reads them), and a bundled sample is small.
pub fn send_file(name: String, source: Source, read: ReadOptions, send: impl Fn(Request)) {
    let total = source.size();
    // A pool worker hashes the file itself only if the page's hash is not ready.
    let digest = ready_digest();
    send(source.begin(name, read, digest.is_some()));
    let mut offset = 0;
    while offset < total {
        let end = (offset + SLICE_BYTES).min(total);
        send(source.chunk(offset, end));
        offset = end;
    }
    send(Request::Finish { sha256: digest });
}

/// Remembers a new file and reads it. A picked file goes to the worker to
/// be looked at first: delimited text is then read slice by slice as it is
/// (see [`on_delimited`]), anything else goes to the formats worker and
/// comes back as its text (see [`on_other_format`]).
pub fn load(state: AppState, name: String, source: Source) {
    if let Source::File(file) = &source {
        let sheet = SHEET.with(|s| s.borrow_mut().take());
        let open = OPENS.with(|o| o.replace(o.get() + 1)) + 1;
        OPENING.with(|o| {
            *o.borrow_mut() = Some(Opening { open, name: name.clone(), file: file.clone(), sheet: sheet.clone() })
        });
        state.sheets.set(Vec::new());
        state.file_notes.set(Vec::new());
        state.sheet.set(sheet.clone());
        state.busy.set(Busy::Reading(ReadProgress {
            name,
            bytes_read: 0,
            total: source.size(),
            rows: 0,
            elapsed_ms: 0.0,
            memory_bytes: 0,
        }));
        bridge::send(state, Request::OpenFile { file: file.clone() });
        return;
    }
    load_now(state, name, source);
}

/// The next [`load`] of a workbook reads `sheet`.
pub fn want_sheet(sheet: String) {
    SHEET.with(|s| *s.borrow_mut() = Some(sheet));
}

/// The workbook (or JSON Lines file, or gzip) loaded last, as the person picked it.
pub fn picked_file() -> Option<(String, web_sys::File)> {
    SOURCE.with(|s| match &*s.borrow() {
        Some((name, Source::Decoded(d))) => Some((name.clone(), d.file.clone())),
        _ => None,
    })
}

/// The main worker has looked at the file being opened: delimited text, read as it is.
pub fn on_delimited(state: AppState) {
    if let Some(open) = OPENING.with(|o| o.borrow().as_ref().map(|o| o.open)) {
        on_opened(state, open, None);
    }
}

/// The main worker has looked at the file being opened: another format,
/// which the formats worker reads into text. Its failure is the main
/// worker's would have been: the controller's, with the file named.
pub fn on_other_format(state: AppState) {
    let Some(Opening { open, name, file, sheet }) = OPENING.with(|o| o.borrow().clone()) else { return };
    let current = move || OPENS.with(|o| o.get()) == open;
    formats::errand(
        FormatsRequest::OpenFile { file, sheet },
        move |message| {
            if current() {
                OPENING.with(|o| o.borrow_mut().take());
                bridge::fail(state, format!("{name}: {message}"));
            }
        },
        move |response| {
            // An open is answered with `Opened` or a failure, nothing else.
            if let FormatsResponse::Opened(opened) = response {
                on_opened(state, open, opened)
            }
        },
    );
}

/// The file being opened (the `open`th) is read: as it is, or as the text given.
fn on_opened(state: AppState, open: u64, opened: Option<Box<Opened>>) {
    let Some(Opening { name, file, .. }) = OPENING.with(|o| o.borrow_mut().take_if(|o| o.open == open)) else { return };
    match opened {
        None => load_now(state, name, Source::File(file)),
        Some(opened) => {
            state.sheets.set(opened.decoded.sheets.clone());
            state.sheet.set(opened.decoded.sheet.clone());
            state.file_notes.set(opened.decoded.notes.clone());
            load_now(state, name, Source::Decoded(Rc::new(DecodedFile { file, opened: *opened })));
        }
    }
}

/// Reads a file that is text for the CSV reader.
fn load_now(state: AppState, name: String, source: Source) {
    LOADS.with(|l| l.set(l.get() + 1));
    let hash_in_page = match &source {
        Source::File(f) if source.size() <= BROWSER_HASH_MAX => Some(f.clone()),
        _ => None,
    };
    let digest = match (&source, hash_in_page) {
        (Source::Decoded(d), _) => Digest::Ready(d.opened.sha256.clone()),
        (_, Some(file)) => Digest::Unstarted(file),
        (_, None) => Digest::InWorker,
    };
    DIGEST.with(|d| *d.borrow_mut() = digest);
    DIGEST_OWED.with(|o| o.set(false));
    HELD.with(|h| h.borrow_mut().clear());
    SOURCE.with(|s| *s.borrow_mut() = Some((name, source)));
    reread(state);
}

/// The open file's SHA-256, when the page has it (the browser hashed the
/// file, or the formats worker did); `None` while it is being hashed or
/// when the main worker hashes it.
pub fn input_sha256() -> Option<String> {
    DIGEST.with(|d| match &*d.borrow() {
        Digest::Ready(h) => Some(h.clone()),
        _ => None,
    })
}

/// Has the browser hash the file, and sends the hash on if the main worker awaits it.
fn start_hash(state: AppState, file: web_sys::File) {
    let load = LOADS.with(|l| l.get());
    DIGEST.with(|d| *d.borrow_mut() = Digest::Pending);
    spawn_local(async move {
        let digest = browser::sha256_hex(&file).await;
        if LOADS.with(|l| l.get()) != load {
            return;
        }
        DIGEST.with(|d| {
            *d.borrow_mut() = match &digest {
                Ok(h) => Digest::Ready(h.clone()),
                Err(e) => Digest::Failed(e.clone()),
            }
        });
        if DIGEST_OWED.with(|o| o.replace(false)) {
            let held = HELD.with(|h| std::mem::take(&mut *h.borrow_mut()));
            match digest {
                Ok(sha256) => {
                    bridge::send(state, Request::Digest { sha256 });
                    held.into_iter().for_each(|r| bridge::send(state, r));
                }
                Err(e) => state.fail(e),
            }
        }
    });
}

/// Sends `Finish` with the page's hash, or without it while the browser
/// still hashes the file (the hash follows as `Digest`: it needs the whole
/// file and took as long as a third of the read, which need not wait for
/// it), or gives up the read if the browser could not hash the file.
fn finish(state: AppState) {
    match DIGEST.with(|d| d.borrow().clone()) {
        Digest::InWorker => bridge::send(state, Request::Finish { sha256: None }),
        Digest::Ready(h) => bridge::send(state, Request::Finish { sha256: Some(h) }),
        Digest::Unstarted(_) | Digest::Pending => {
            DIGEST_OWED.with(|o| o.set(true));
            bridge::send(state, Request::Finish { sha256: None });
        }
        Digest::Failed(e) => {
            bridge::send(state, Request::Cancel);
            state.fail(e);
        }
    }
}

/// The summary of a read has arrived: the browser hashes the file now if
/// it has not yet. Not earlier: during the read the hash took a core from
/// the parsing, and during the finish and summary (distinct counts, the
/// duplicate-row hash) it slowed them by half; the person reads the schema
/// meanwhile, and training waits for the hash (see [`unless_hash_owed`]).
pub fn on_inspected(state: AppState) {
    if let Some(file) = DIGEST.with(|d| match &*d.borrow() {
        Digest::Unstarted(file) => Some(file.clone()),
        _ => None,
    }) {
        start_hash(state, file);
    }
}

/// Holds a request for the main worker that makes a model, which names
/// the file's hash, while that hash is owed; it goes out after `Digest`.
/// Returns the request if it can go now.
fn unless_hash_owed(request: Request) -> Option<Request> {
    let owed = DIGEST_OWED.with(|o| o.get());
    if owed && matches!(request, Request::Train { .. } | Request::Fit { .. }) {
        HELD.with(|h| h.borrow_mut().push(request));
        return None;
    }
    Some(request)
}

/// Sends `request` to the main worker, or holds it while the file's hash
/// is owed (see [`unless_hash_owed`]).
pub fn send_to_main(state: AppState, request: Request) {
    if let Some(request) = unless_hash_owed(request) {
        bridge::send(state, request);
    }
}

/// Reads the remembered file (again) with the current read options.
pub fn reread(state: AppState) {
    let Some((name, source)) = SOURCE.with(|s| s.borrow().clone()) else { return };
    let read: ReadOptions = state.read.get_untracked();
    let total = source.size();
    GENERATION.with(|g| g.set(g.get() + 1));
    READ_STARTED.with(|r| r.set(Some((crate::browser::now_ms(), total))));
    let browser_hashes = DIGEST.with(|d| !matches!(*d.borrow(), Digest::InWorker));
    READ_WORKERS.with(|w| w.set(1));
    // The person's number of workers (by default the machine's cores, up to
    // four) says whether a second may read.
    let split = if matches!(source, Source::File(_))
        && total >= SPLIT_MIN_BYTES
        && browser_hashes
        && state.workers.get_untracked() >= 2
    {
        Split::Ask
    } else {
        Split::Off
    };
    // While a split may come, the main worker is asked for slices only up to
    // where the reader would begin: two slices past the middle, leaving the
    // reader at least one. The reader starts 0.15–0.2 s after the main worker
    // (the first slice also decides the kinds), reads a little slower beside
    // it on two cores, and its part must still be packed and posted: with
    // the reader starting at the middle the main worker sat idle, waiting
    // for its part, 0.1 s of a 100 MB numeric read and 0.3 s of a mixed one;
    // one slice past the middle, 0.085 and 0.22 s.
    let end = if matches!(split, Split::Ask) { (total / 2 + 2 * SLICE_BYTES).min(total - SLICE_BYTES) } else { total };
    let old = TRANSFER.with(|t| {
        t.borrow_mut().replace(Transfer {
            source: source.clone(),
            name: name.clone(),
            offset: 0,
            end,
            in_flight: 0,
            cancel: false,
            bytes: 0,
            rows: 0,
            memory: 0,
            split,
            split_id: SPLITS.with(|s| {
                s.set(s.get() + 1);
                s.get()
            }),
        })
    });
    if let Some(old) = old {
        stop_reader(state, &old.split);
    }
    state.busy.set(Busy::Reading(ReadProgress {
        name: name.clone(),
        bytes_read: 0,
        total,
        rows: 0,
        elapsed_ms: 0.0,
        memory_bytes: 0,
    }));
    bridge::send(state, source.begin(name, read, browser_hashes));
}

/// Asks for the transfer to stop before the next slice.
pub fn cancel(state: AppState) {
    let split = TRANSFER.with(|t| {
        t.borrow_mut().as_mut().map(|t| {
            t.cancel = true;
            std::mem::replace(&mut t.split, Split::Off)
        })
    });
    if let Some(split) = split {
        stop_reader(state, &split);
        step(state);
    }
}

/// The main worker failed: the read is over, the reader's part too.
pub fn abandon(state: AppState) {
    if let Some(t) = TRANSFER.with(|t| t.borrow_mut().take()) {
        stop_reader(state, &t.split);
    }
}

/// The main worker has taken a slice (or the start): show progress, then
/// keep slices flowing, or send the end, or the cancellation.
pub fn on_progress(state: AppState, bytes_read: u64, rows: usize, memory_bytes: u64) {
    let known = TRANSFER.with(|t| {
        t.borrow_mut().as_mut().map(|t| {
            // The first progress answers `Begin`, not a slice.
            if bytes_read > 0 || t.in_flight > 0 {
                t.in_flight = t.in_flight.saturating_sub(1);
            }
            (t.bytes, t.rows, t.memory) = (bytes_read, rows, memory_bytes);
        })
    });
    if known.is_some() {
        step(state);
    }
}

/// The main worker's answer to `Split`: start the reader past the middle, or read alone.
pub fn on_split(state: AppState, spec: Option<PartSpec>) {
    let start = TRANSFER.with(|t| {
        let mut t = t.borrow_mut();
        let t = t.as_mut().filter(|t| matches!(t.split, Split::Asked) && !t.cancel)?;
        let total = t.source.size();
        match (&t.source, spec) {
            (Source::File(file), Some(spec)) => {
                t.split = Split::Starting;
                Some(Request::BeginPartFile { file: file.clone(), spec, from: t.end, id: t.split_id })
            }
            _ => {
                t.split = Split::Off;
                t.end = total;
                None
            }
        }
    });
    if let Some(request) = start {
        reader_send(state, request);
    }
    step(state);
}

/// The main worker's answer to `Absorb`.
pub fn on_absorbed(state: AppState, taken: bool, bytes_read: u64, rows: usize) {
    TRANSFER.with(|t| {
        if let Some(t) = t.borrow_mut().as_mut() {
            if taken {
                READ_WORKERS.with(|w| w.set(2));
                t.split = Split::Done;
                (t.bytes, t.rows) = (bytes_read, rows);
            } else {
                // The part began inside a quoted field: the main worker reads on.
                t.split = Split::Off;
                t.end = t.source.size();
            }
        }
    });
    step(state);
}

/// What the reader answers.
fn on_reader_response(state: AppState, response: Response) {
    if READER_STALE.with(|s| s.get()) > 0 {
        if matches!(response, Response::Cancelled) {
            READER_STALE.with(|s| s.set(s.get() - 1));
        }
        return;
    }
    let mut requests = Vec::new();
    TRANSFER.with(|t| {
        let mut t = t.borrow_mut();
        let Some(t) = t.as_mut() else { return };
        let total = t.source.size();
        match (response, &mut t.split) {
            (Response::PartBegun { start }, Split::Starting) if start < total => {
                t.end = start;
                t.split = Split::Reading { offset: start, in_flight: 0, bytes: 0, rows: 0, memory: 0 };
            }
            (
                Response::Progress { bytes_read, rows, memory_bytes },
                Split::Reading { in_flight, bytes, rows: r, memory, .. },
            ) => {
                *in_flight = in_flight.saturating_sub(1);
                (*bytes, *r, *memory) = (bytes_read, rows, memory_bytes);
            }
            (Response::PartSent { bytes_read, rows }, Split::Finishing { .. }) => {
                t.split = Split::Ready { bytes: bytes_read, rows }
            }
            // No line start past the middle, or the reader failed: the main worker reads on alone.
            _ => {
                t.split = Split::Off;
                t.end = total;
            }
        }
        // Keep two of the reader's slices in flight, then end its part.
        if let Split::Reading { offset, in_flight, bytes, rows, memory } = &mut t.split {
            while *in_flight < IN_FLIGHT && *offset < total && !t.cancel {
                let end = (*offset + SLICE_BYTES).min(total);
                requests.push(Request::ChunkAt { start: *offset, end });
                *offset = end;
                *in_flight += 1;
            }
            if *offset >= total && *in_flight == 0 {
                requests.push(Request::FinishPart);
                t.split = Split::Finishing { bytes: *bytes, rows: *rows, memory: *memory };
            }
        }
    });
    for request in requests {
        reader_send(state, request);
    }
    step(state);
}

/// Shows the progress of both workers, then sends what is due: the main
/// worker's next slices, the question of a split, the reader's part, the
/// end, or the cancellation.
fn step(state: AppState) {
    let Some((progress, cancel)) = TRANSFER.with(|t| {
        t.borrow().as_ref().map(|t| {
            // Both workers' memory while the reader reads: its part is what
            // it holds, and then moves to the main worker.
            let (bytes, rows, memory) = match &t.split {
                Split::Reading { bytes, rows, memory, .. } | Split::Finishing { bytes, rows, memory } => {
                    (t.bytes + bytes, t.rows + rows, t.memory + memory)
                }
                Split::Ready { bytes, rows } => (t.bytes + bytes, t.rows + rows, t.memory),
                _ => (t.bytes, t.rows, t.memory),
            };
            let progress = ReadProgress {
                name: t.name.clone(),
                bytes_read: bytes,
                total: t.source.size(),
                rows,
                elapsed_ms: READ_STARTED
                    .with(|r| r.get())
                    .map_or(0.0, |(started, _)| crate::browser::now_ms() - started),
                memory_bytes: memory,
            };
            (progress, t.cancel)
        })
    }) else {
        return;
    };
    state.busy.set(Busy::Reading(progress));
    if cancel {
        TRANSFER.with(|t| *t.borrow_mut() = None);
        bridge::send(state, Request::Cancel);
        return;
    }
    pump(state);
    let next = TRANSFER.with(|t| {
        let mut t = t.borrow_mut();
        let t = t.as_mut()?;
        let all_asked = t.offset >= t.end;
        if all_asked && matches!(t.split, Split::Ready { .. }) {
            // The main worker's slices are all asked for: the part goes after them.
            t.split = Split::Absorbing;
            return Some(Some(Request::AbsorbPart { id: t.split_id }));
        }
        let finished = all_asked && t.in_flight == 0 && matches!(t.split, Split::Off | Split::Done);
        finished.then_some(None)
    });
    match next {
        Some(Some(absorb)) => bridge::send(state, absorb),
        Some(None) => {
            TRANSFER.with(|t| *t.borrow_mut() = None);
            finish(state);
        }
        None => {}
    }
}

/// Asks the main worker for slices, in order, until [`IN_FLIGHT`] are
/// unanswered or all of its part has been asked for; after the first slice,
/// asks how a second worker could read a part.
fn pump(state: AppState) {
    loop {
        let next = TRANSFER.with(|t| {
            t.borrow_mut().as_mut().and_then(|t| {
                if t.cancel {
                    return None;
                }
                if matches!(t.split, Split::Ask) && t.offset > 0 {
                    t.split = Split::Asked;
                    return Some(Request::Split { id: t.split_id });
                }
                if t.in_flight >= IN_FLIGHT || t.offset >= t.end {
                    return None;
                }
                let end = (t.offset + SLICE_BYTES).min(t.end);
                let request = t.source.chunk(t.offset, end);
                t.offset = end;
                t.in_flight += 1;
                Some(request)
            })
        });
        let Some(request) = next else { break };
        bridge::send(state, request);
    }
}
