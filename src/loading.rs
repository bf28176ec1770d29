//! Streaming a file to the worker, slice by slice, each asked for after the
//! worker has answered the last but one, so progress is real (bytes read,
//! rows per second, time left) and Cancel takes effect between two slices.
//! A picked file goes to the worker as a `File`, and the worker reads each
//! slice itself with `FileReaderSync`: the bytes never pass through the page.
//! (Reading in the page instead, asynchronously while the worker parsed, and
//! handing over JavaScript arrays measured slower: 1.2–1.6 s against
//! 1.07–1.10 s for 100 MB, the page's thread and the copies competing for
//! two cores.) Meanwhile the page has the browser hash the file (natively,
//! on another thread) and hands the digest over with `Finish`. Neither side
//! keeps the whole file in memory, except the browser's hash of a file up
//! to [`HASH_IN_PAGE_MAX`].

use std::cell::RefCell;
use std::rc::Rc;

use glassbox_pipeline::ingest::{ReadOptions, SNIFF_BYTES};
use glassbox_worker::Request;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::{AppState, Busy};
use crate::browser;

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
}

impl Source {
    pub fn size(&self) -> u64 {
        match self {
            Source::File(f) => f.size() as u64,
            Source::Bytes(b) => b.len() as u64,
        }
    }

    /// The request that starts reading this source.
    fn begin(&self, name: String, read: ReadOptions, sha256_given: bool) -> Request {
        match self {
            Source::File(file) => Request::BeginFile { file: file.clone(), read, sha256_given },
            Source::Bytes(b) => {
                let sample = b[..b.len().min(SNIFF_BYTES)].to_vec();
                Request::Begin { file_name: name, total_bytes: self.size(), sample, read, sha256_given }
            }
        }
    }

    /// The request that sends bytes `start..end`, for the worker to read.
    fn chunk(&self, start: u64, end: u64) -> Request {
        match self {
            Source::File(_) => Request::ChunkAt { start, end },
            Source::Bytes(b) => Request::Chunk { bytes: b[start as usize..end as usize].to_vec() },
        }
    }
}

/// Files up to this size are hashed by the browser in the page; larger ones
/// by the worker as the slices pass (the browser's hash needs the whole file in memory).
pub const HASH_IN_PAGE_MAX: u64 = 256 << 20;

/// The browser's hash of the file loaded last.
#[derive(Clone)]
enum Digest {
    /// The worker hashes this file itself.
    InWorker,
    Pending,
    Ready(String),
    Failed(String),
}

/// Progress of a file being read, for the progress bar.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadProgress {
    pub name: String,
    pub bytes_read: u64,
    pub total: u64,
    pub rows: usize,
    /// Milliseconds since reading began.
    pub elapsed_ms: f64,
    /// The worker's memory, as it last reported it.
    pub memory_bytes: u64,
}

impl ReadProgress {
    /// "12.5 MB of 1.0 GB · 210,000 rows/s · about 40 s left"
    pub fn text(&self) -> String {
        let secs = self.elapsed_ms / 1000.0;
        let rate = if secs > 0.0 { self.rows as f64 / secs } else { 0.0 };
        let left = if self.bytes_read > 0 && secs > 0.0 {
            let per_byte = secs / self.bytes_read as f64;
            format!(" · about {:.0} s left", per_byte * self.total.saturating_sub(self.bytes_read) as f64)
        } else {
            String::new()
        };
        let memory = if self.memory_bytes > 0 {
            format!(" · {} in memory", megabytes(self.memory_bytes))
        } else {
            String::new()
        };
        format!(
            "{} of {} · {} rows · {} rows/s{left}{memory}",
            megabytes(self.bytes_read),
            megabytes(self.total),
            group(self.rows as u64),
            group(rate as u64)
        )
    }
}

fn megabytes(b: u64) -> String {
    if b >= 1 << 30 {
        format!("{:.2} GB", b as f64 / 1e9)
    } else {
        format!("{:.1} MB", b as f64 / 1e6)
    }
}

/// 1234567 → "1,234,567".
fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

struct Transfer {
    source: Source,
    name: String,
    /// Where the next slice starts.
    offset: u64,
    /// Slices sent that the worker has not answered yet.
    in_flight: usize,
    cancel: bool,
}

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
    /// Every slice is read and the worker waits for `Finish` until the hash is ready.
    static FINISH_WAITING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// When the read in progress started, and the file's size.
    static READ_STARTED: std::cell::Cell<Option<(f64, u64)>> = const { std::cell::Cell::new(None) };
}

/// How the last read went, for the line above the schema.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReadStats {
    /// From the start of reading until the summary arrived.
    pub seconds: f64,
    pub bytes: u64,
}

impl ReadStats {
    /// "read in 0.95 s, 105 MB/s"
    pub fn text(&self) -> String {
        let rate = if self.seconds > 0.0 { self.bytes as f64 / 1e6 / self.seconds } else { 0.0 };
        format!("read in {:.2} s, {rate:.0} MB/s", self.seconds)
    }
}

/// The summary of the read in progress has arrived: how long it took.
pub fn read_done() -> Option<ReadStats> {
    READ_STARTED.with(|r| r.take()).map(|(started, bytes)| ReadStats { seconds: (now_ms() - started) / 1000.0, bytes })
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

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Remembers a new file and reads it.
pub fn load(state: AppState, name: String, source: Source) {
    let load = LOADS.with(|l| {
        l.set(l.get() + 1);
        l.get()
    });
    let hash_in_page = match &source {
        Source::File(f) if source.size() <= HASH_IN_PAGE_MAX => Some(f.clone()),
        _ => None,
    };
    DIGEST.with(|d| *d.borrow_mut() = if hash_in_page.is_some() { Digest::Pending } else { Digest::InWorker });
    if let Some(file) = hash_in_page {
        spawn_local(async move {
            let digest = browser::sha256_hex(&file).await;
            if LOADS.with(|l| l.get()) != load {
                return;
            }
            DIGEST.with(|d| {
                *d.borrow_mut() = match digest {
                    Ok(h) => Digest::Ready(h),
                    Err(e) => Digest::Failed(e),
                }
            });
            if FINISH_WAITING.with(|w| w.replace(false)) {
                finish(state);
            }
        });
    }
    SOURCE.with(|s| *s.borrow_mut() = Some((name, source)));
    reread(state);
}

/// Sends `Finish` with the page's hash, or waits for the hash, or gives up
/// the read if the browser could not hash the file.
fn finish(state: AppState) {
    match DIGEST.with(|d| d.borrow().clone()) {
        Digest::InWorker => state.send(Request::Finish { sha256: None }),
        Digest::Ready(h) => state.send(Request::Finish { sha256: Some(h) }),
        Digest::Pending => FINISH_WAITING.with(|w| w.set(true)),
        Digest::Failed(e) => {
            state.send(Request::Cancel);
            state.fail(e);
        }
    }
}

/// Reads the remembered file (again) with the current read options.
pub fn reread(state: AppState) {
    let Some((name, source)) = SOURCE.with(|s| s.borrow().clone()) else { return };
    let read: ReadOptions = state.read.get_untracked();
    let total = source.size();
    GENERATION.with(|g| g.set(g.get() + 1));
    FINISH_WAITING.with(|w| w.set(false));
    READ_STARTED.with(|r| r.set(Some((now_ms(), total))));
    TRANSFER.with(|t| {
        *t.borrow_mut() =
            Some(Transfer { source: source.clone(), name: name.clone(), offset: 0, in_flight: 0, cancel: false })
    });
    state.busy.set(Busy::Reading(ReadProgress {
        name: name.clone(),
        bytes_read: 0,
        total,
        rows: 0,
        elapsed_ms: 0.0,
        memory_bytes: 0,
    }));
    let sha256_given = DIGEST.with(|d| !matches!(*d.borrow(), Digest::InWorker));
    state.send(source.begin(name, read, sha256_given));
}

/// Asks for the transfer to stop before the next slice.
pub fn cancel() {
    FINISH_WAITING.with(|w| w.set(false));
    TRANSFER.with(|t| {
        if let Some(t) = t.borrow_mut().as_mut() {
            t.cancel = true;
        }
    });
}

/// The worker has taken a slice (or the start): show progress, then keep
/// slices flowing, or send the end, or the cancellation.
pub fn on_progress(state: AppState, bytes_read: u64, rows: usize, memory_bytes: u64) {
    let Some((name, total, cancel, done)) = TRANSFER.with(|t| {
        t.borrow_mut().as_mut().map(|t| {
            // The first progress answers `Begin`, not a slice.
            if bytes_read > 0 || t.in_flight > 0 {
                t.in_flight = t.in_flight.saturating_sub(1);
            }
            (t.name.clone(), t.source.size(), t.cancel, t.offset >= t.source.size() && t.in_flight == 0)
        })
    }) else {
        return;
    };
    state.busy.set(Busy::Reading(ReadProgress {
        name,
        bytes_read,
        total,
        rows,
        elapsed_ms: READ_STARTED.with(|r| r.get()).map_or(0.0, |(started, _)| now_ms() - started),
        memory_bytes,
    }));
    if cancel {
        TRANSFER.with(|t| *t.borrow_mut() = None);
        state.send(Request::Cancel);
    } else if done {
        TRANSFER.with(|t| *t.borrow_mut() = None);
        finish(state);
    } else {
        pump(state);
    }
}

/// Asks for slices, in order, until [`IN_FLIGHT`] are unanswered or the
/// whole file has been asked for.
fn pump(state: AppState) {
    loop {
        let next = TRANSFER.with(|t| {
            t.borrow_mut().as_mut().and_then(|t| {
                let total = t.source.size();
                if t.cancel || t.in_flight >= IN_FLIGHT || t.offset >= total {
                    return None;
                }
                let end = (t.offset + SLICE_BYTES).min(total);
                let request = t.source.chunk(t.offset, end);
                t.offset = end;
                t.in_flight += 1;
                Some(request)
            })
        });
        let Some(request) = next else { break };
        state.send(request);
    }
}
