//! Streaming a file to the worker: the page reads the file in slices and
//! sends them one at a time, each after the worker has answered the last, so
//! progress is real (bytes read, rows per second, time left) and Cancel takes
//! effect between two slices. Neither side keeps the whole file in memory.

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

    pub async fn slice(&self, start: u64, end: u64) -> Result<Vec<u8>, String> {
        match self {
            Source::File(f) => browser::read_slice(f, start, end).await,
            Source::Bytes(b) => Ok(b[start as usize..end as usize].to_vec()),
        }
    }
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
    /// A pump is reading and sending slices.
    pumping: bool,
    started_ms: f64,
    cancel: bool,
}

/// Two slices in flight: the page reads the next one while the worker parses this one.
const IN_FLIGHT: usize = 2;

thread_local! {
    /// The file loaded last, kept so a changed setting can read it again.
    static SOURCE: RefCell<Option<(String, Source)>> = const { RefCell::new(None) };
    static TRANSFER: RefCell<Option<Transfer>> = const { RefCell::new(None) };
    /// Counts reads: a pool worker that read generation g has the table the main worker has while it is current.
    static GENERATION: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The file loaded last, and which read of it is current.
pub fn current() -> Option<(String, Source, u64)> {
    SOURCE.with(|s| s.borrow().clone()).map(|(n, src)| (n, src, GENERATION.with(|g| g.get())))
}

/// Sends the whole file to another worker (a pool worker) with the current
/// read options, without flow control: the pool is used only for files small
/// enough to be in flight at once (see `pool::MAX_POOL_FILE_BYTES`).
pub async fn send_file(name: String, source: Source, read: ReadOptions, send: impl Fn(Request)) -> Result<(), String> {
    let total = source.size();
    let sample = source.slice(0, total.min(SNIFF_BYTES as u64)).await?;
    send(Request::Begin { file_name: name, total_bytes: total, sample, read });
    let mut offset = 0;
    while offset < total {
        let end = (offset + SLICE_BYTES).min(total);
        send(Request::Chunk { bytes: source.slice(offset, end).await? });
        offset = end;
    }
    send(Request::Finish);
    Ok(())
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Remembers a new file and reads it.
pub fn load(state: AppState, name: String, source: Source) {
    SOURCE.with(|s| *s.borrow_mut() = Some((name, source)));
    reread(state);
}

/// Reads the remembered file (again) with the current read options.
pub fn reread(state: AppState) {
    let Some((name, source)) = SOURCE.with(|s| s.borrow().clone()) else { return };
    let read: ReadOptions = state.read.get_untracked();
    let total = source.size();
    GENERATION.with(|g| g.set(g.get() + 1));
    TRANSFER.with(|t| {
        *t.borrow_mut() = Some(Transfer {
            source: source.clone(),
            name: name.clone(),
            offset: 0,
            in_flight: 0,
            pumping: false,
            started_ms: now_ms(),
            cancel: false,
        })
    });
    state.busy.set(Busy::Reading(ReadProgress {
        name: name.clone(),
        bytes_read: 0,
        total,
        rows: 0,
        elapsed_ms: 0.0,
        memory_bytes: 0,
    }));
    spawn_local(async move {
        match source.slice(0, total.min(SNIFF_BYTES as u64)).await {
            Ok(sample) => state.send(Request::Begin { file_name: name, total_bytes: total, sample, read }),
            Err(e) => {
                TRANSFER.with(|t| *t.borrow_mut() = None);
                state.fail(e)
            }
        }
    });
}

/// Asks for the transfer to stop before the next slice.
pub fn cancel() {
    TRANSFER.with(|t| {
        if let Some(t) = t.borrow_mut().as_mut() {
            t.cancel = true;
        }
    });
}

/// The worker has taken a slice (or the start): show progress, then keep
/// slices flowing, or send the end, or the cancellation.
pub fn on_progress(state: AppState, bytes_read: u64, rows: usize, memory_bytes: u64) {
    let Some((name, total, started, cancel, done)) = TRANSFER.with(|t| {
        t.borrow_mut().as_mut().map(|t| {
            // The first progress answers `Begin`, not a slice.
            if bytes_read > 0 || t.in_flight > 0 {
                t.in_flight = t.in_flight.saturating_sub(1);
            }
            (t.name.clone(), t.source.size(), t.started_ms, t.cancel, t.offset >= t.source.size() && t.in_flight == 0)
        })
    }) else {
        return;
    };
    state.busy.set(Busy::Reading(ReadProgress {
        name,
        bytes_read,
        total,
        rows,
        elapsed_ms: now_ms() - started,
        memory_bytes,
    }));
    if cancel {
        TRANSFER.with(|t| *t.borrow_mut() = None);
        state.send(Request::Cancel);
    } else if done {
        TRANSFER.with(|t| *t.borrow_mut() = None);
        state.send(Request::Finish);
    } else {
        pump(state);
    }
}

/// Reads and sends slices, in order, until [`IN_FLIGHT`] are unanswered or
/// the file is all sent. One pump at a time keeps the slices in order.
fn pump(state: AppState) {
    let start = TRANSFER.with(|t| match t.borrow_mut().as_mut() {
        Some(t) if !t.pumping => {
            t.pumping = true;
            true
        }
        _ => false,
    });
    if !start {
        return;
    }
    spawn_local(async move {
        loop {
            let next = TRANSFER.with(|t| {
                t.borrow_mut().as_mut().and_then(|t| {
                    let total = t.source.size();
                    if t.cancel || t.in_flight >= IN_FLIGHT || t.offset >= total {
                        t.pumping = false;
                        return None;
                    }
                    let end = (t.offset + SLICE_BYTES).min(total);
                    let slice = (t.source.clone(), t.offset, end);
                    t.offset = end;
                    t.in_flight += 1;
                    Some(slice)
                })
            });
            let Some((source, from, to)) = next else { break };
            match source.slice(from, to).await {
                Ok(bytes) => state.send(Request::Chunk { bytes }),
                Err(e) => {
                    TRANSFER.with(|t| *t.borrow_mut() = None);
                    state.send(Request::Cancel);
                    state.fail(e);
                    break;
                }
            }
        }
    });
}
