//! The worker protocol: a closed set of requests and responses, and the
//! [`Engine`] that answers them: one answer per request, after any number of
//! `Working` progress messages for a long run.
//!
//! The UI never calls the pipeline directly; it sends a [`Request`] to a Web
//! Worker, whose `Engine` answers with a [`Response`]. A file streams in as
//! `Begin`, `Chunk`s and `Finish`, so the page can show progress and cancel
//! between slices, and the worker keeps only the compact table, never the
//! bytes. `Engine` is plain Rust, tested natively. The `web` module (wasm
//! only) is the one place that knows how messages are encoded between threads.
//!
//! ```
//! use glassbox_worker::{Engine, Request, Response};
//! let mut engine = Engine::default();
//! let csv = b"a,b\n1,x\n".to_vec();
//! let (file_name, read) = ("f.csv".to_string(), Default::default());
//! engine.handle(Request::Begin { file_name, total_bytes: 8, sample: csv.clone(), read, sha256_given: false, container: None });
//! engine.handle(Request::Chunk { bytes: csv });
//! assert!(matches!(engine.handle(Request::Finish { sha256: None }), Response::Inspected(i) if i.n_rows == 1));
//! ```

#![forbid(unsafe_code)]

use glassbox_pipeline::control::MaybeSync;
use glassbox_pipeline::ingest::{IngestSession, Part, PartSpec, ReadOptions, Table};
use glassbox_pipeline::model::ModelSpec;
use glassbox_pipeline::plan::{self, Batch, Cache, Plan, Results};
use glassbox_pipeline::run::{FeaturePreview, LeaderboardEntry, Precomputed};
use glassbox_pipeline::{Control, Error, ErrorKind, Inspection, TrainOutcome, TrainSpec};
use serde::{Deserialize, Serialize};

pub mod formats;
#[cfg(target_arch = "wasm32")]
pub mod web;

pub use formats::{FormatsRequest, FormatsResponse, Opened};
pub use glassbox_formats::{is_other_format, Decoded, SheetInfo, Text, HEAD_BYTES};

/// Rows in the feature preview.
pub const PREVIEW_FEATURE_ROWS: usize = 8;

/// How much memory the table may take in a browser tab. Training needs about
/// as much again for the feature matrix, and wasm32 memory ends at 4 GiB.
pub const TABLE_BUDGET_BYTES: u64 = 1536 << 20;

/// What the UI asks of the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Start reading a file; `sample` is its first bytes, for format detection.
    /// With `sha256_given`, the file's SHA-256 comes with `Finish` instead
    /// of being computed here.
    Begin {
        file_name: String,
        total_bytes: u64,
        #[serde(with = "serde_bytes")]
        sample: Vec<u8>,
        read: ReadOptions,
        #[serde(default)]
        sha256_given: bool,
        /// The file's own format when these bytes are a workbook's, a JSON
        /// Lines file's or a gzip's text (`Opened`): the table's format says it.
        #[serde(default)]
        container: Option<String>,
    },
    /// Look at a file's first bytes ([`HEAD_BYTES`]): answered with
    /// `Delimited` for delimited text, to be read slice by slice, and
    /// with `OtherFormat` for a workbook, Parquet, JSON Lines or gzip, which
    /// the formats worker ([`formats`]) reads: this worker carries none of
    /// their readers.
    Open {
        file_name: String,
        #[serde(with = "serde_bytes")]
        head: Vec<u8>,
    },
    /// Look at a `File` (wasm only: the web layer reads its first bytes and
    /// turns this into `Open`).
    #[cfg(target_arch = "wasm32")]
    OpenFile {
        #[serde(with = "serde_wasm_bindgen::preserve")]
        file: web_sys::File,
    },
    /// The next slice of the file, in order, the sample's bytes included.
    Chunk {
        #[serde(with = "serde_bytes")]
        bytes: Vec<u8>,
    },
    /// Begin reading a `File` the worker reads itself (wasm only: the web
    /// layer reads its start and turns this into `Begin`). The bytes then
    /// never pass through the page.
    #[cfg(target_arch = "wasm32")]
    BeginFile {
        #[serde(with = "serde_wasm_bindgen::preserve")]
        file: web_sys::File,
        read: ReadOptions,
        sha256_given: bool,
    },
    /// The next slice, bytes `start..end` of the file given to `BeginFile`
    /// (wasm only: the web layer reads them and turns this into `Chunk`).
    #[cfg(target_arch = "wasm32")]
    ChunkAt { start: u64, end: u64 },
    /// The whole file has been sent; its SHA-256 in hex if `Begin` said it
    /// would come. If it said so and the hash is not ready yet, `None`: the
    /// table is read now and `Digest` brings the hash before any training.
    Finish { sha256: Option<String> },
    /// The SHA-256 of the file read last, when `Finish` came without it:
    /// answered with `DigestSet`.
    Digest { sha256: String },
    /// How another worker could read a later part of the file being read:
    /// answered with `Split`, `None` until the column kinds are decided or
    /// when the file cannot be read in parts. In the browser, the part will
    /// come to this worker directly, tagged `id` (see `AbsorbPart`).
    Split { id: u64 },
    /// Start reading a later part of a file, from byte `start` (just after a
    /// line end), the way `spec` says; its bytes then come as `Chunk`s.
    /// Answered with `PartBegun`. Needs no hash: the file's first reader has
    /// it. `bytes`: the part's size, to make room for its rows (0 if unknown).
    BeginPart { spec: PartSpec, start: u64, bytes: u64 },
    /// Begin a part of a `File` the worker reads itself, at the first line
    /// start at or after byte `from` (wasm only: the web layer finds it and
    /// turns this into `BeginPart`).
    /// The part is sent on, when finished, to the worker that answered
    /// `Split { id }`.
    #[cfg(target_arch = "wasm32")]
    BeginPartFile {
        #[serde(with = "serde_wasm_bindgen::preserve")]
        file: web_sys::File,
        spec: PartSpec,
        from: u64,
        id: u64,
    },
    /// The part has been sent: answered with `Part` (in the browser, `PartSent`).
    FinishPart,
    /// What another worker read of the rest of the file, from exactly where
    /// this worker's slices stopped: answered with `Absorbed`.
    Absorb { part: Part },
    /// Absorb the part tagged `id` that the reading worker sends here
    /// directly (wasm only: the web layer waits for it, then turns this into `Absorb`).
    #[cfg(target_arch = "wasm32")]
    AbsorbPart { id: u64 },
    /// Stop reading and forget the partial table.
    Cancel,
    /// Train and evaluate on the table read last.
    Train { spec: TrainSpec },
    /// Cross-validate these models (by name) on the training rows of the table read last.
    Compare { spec: TrainSpec, models: Vec<String>, folds: usize },
    /// The first rows of the feature matrix, as the model would see them.
    PreviewFeatures { spec: TrainSpec },
    /// The values of data records (0-based, as test predictions name them);
    /// answered with `RecordValues`.
    RecordValues { records: Vec<usize> },
    /// What training would decide about the target before fitting (a
    /// refusal, the columns' roles and flags, the classes); answered with `TargetChecked`.
    CheckTarget { spec: TrainSpec },
    /// A share of one step's jobs of a plan (see `glassbox_pipeline::plan`),
    /// for a pool of workers that each hold the same table; answered with
    /// `Results` in job order. The engine runs jobs; it does not know the plan.
    Jobs { spec: TrainSpec, batch: Batch },
    /// The final fit and evaluation of a plan whose earlier steps the pool
    /// ran; answered with `Trained`.
    Fit { spec: TrainSpec, done: Box<Precomputed> },
}

/// What the worker answers: one answer per request, after any `Working` progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Response {
    /// Reading goes on: bytes and rows so far, and the worker's memory
    /// (its wasm memory in the browser; 0 where it is not measured).
    Progress {
        bytes_read: u64,
        rows: usize,
        memory_bytes: u64,
    },
    /// Training or comparing goes on: `done` of `total` steps of `stage`
    /// (folds, trials, trees, boosting iterations), after `elapsed_seconds`.
    /// Sent before the final answer; the only response that is not one.
    Working {
        stage: String,
        done: usize,
        total: usize,
        elapsed_seconds: f64,
    },
    /// The file is read: its summary.
    Inspected(Inspection),
    /// The answer to `Split`.
    Split(Option<PartSpec>),
    /// The table read last has its file's hash now.
    DigestSet,
    /// A part began at byte `start`; `start` is the file's size when no line
    /// starts after the byte asked for, and then there is nothing to read.
    PartBegun {
        start: u64,
    },
    /// What was read of a part.
    Part(Part),
    /// In the browser: the part went straight to the worker that is to absorb it.
    PartSent {
        bytes_read: u64,
        rows: usize,
    },
    /// Whether the part was taken. If not (it began inside a quoted field,
    /// say), the rest of the file must be read here, from where the slices stopped.
    Absorbed {
        taken: bool,
        bytes_read: u64,
        rows: usize,
    },
    Trained(Box<TrainOutcome>),
    /// Models ranked by cross-validated ROC AUC, best first.
    Leaderboard(Vec<LeaderboardEntry>),
    FeaturePreview(FeaturePreview),
    TargetChecked(glassbox_pipeline::run::TargetCheck),
    /// The table's column names and each asked record's values, in order.
    RecordValues {
        columns: Vec<String>,
        records: Vec<usize>,
        values: Vec<Vec<String>>,
    },
    /// The answers to `Jobs`, in job order.
    Results(Results),
    /// The answer to `Open` for delimited text, to be read slice by slice as it is.
    Delimited,
    /// The answer to `Open` for any other format: the formats worker is to read it.
    OtherFormat,
    Cancelled,
    /// The request failed; `message` is for the person, `kind` for code.
    Failed {
        message: String,
        kind: ErrorKind,
    },
}

impl Response {
    fn failed(e: Error) -> Response {
        Response::Failed { message: e.to_string(), kind: e.kind() }
    }
}

struct Reading {
    session: IngestSession,
    file_name: String,
    total_bytes: u64,
    /// A later part of a file, for another worker: no table comes of it here.
    part: bool,
    /// The file's hash comes from the caller, with `Finish` or later.
    hash_given: bool,
    /// The columns have room for the whole file (or part).
    reserved: bool,
    /// The file's own format, when the bytes are its text.
    container: Option<String>,
}

/// The worker's state: the file being read, or the table read last.
#[derive(Default)]
pub struct Engine {
    reading: Option<Reading>,
    table: Option<(Table, String)>,
    /// What plans prepared on `table`; emptied whenever the table changes.
    cache: Cache,
    /// Seconds from some fixed start, for the leaderboard's timings; the web
    /// layer sets it from `performance.now()`, tests leave it unset (times are 0).
    pub clock: Option<fn() -> f64>,
}

impl Engine {
    /// A new table (or none) comes with an empty cache: what was prepared
    /// on the old one does not hold for it.
    fn set_table(&mut self, table: Option<(Table, String)>) {
        self.table = table;
        self.cache = Cache::default();
    }

    /// Answers one request.
    pub fn handle(&mut self, request: Request) -> Response {
        self.handle_with(request, &|_| {})
    }

    /// Answers one request, telling `on_working` how a long run goes
    /// ([`Response::Working`], at most about ten times a second) before the answer.
    /// `on_working` need not be `Sync` in wasm32, where the worker posts
    /// through handles that are not (see `glassbox_pipeline::control::MaybeSync`).
    pub fn handle_with(&mut self, request: Request, on_working: &dyn OnWorking) -> Response {
        use std::sync::atomic::{AtomicU64, Ordering};
        let clock = self.clock;
        let now = move || clock.map_or(0.0, |c| c());
        let start = now();
        // The last report's time, as bits: an atomic, so the listener is `Sync`.
        let last = AtomicU64::new(f64::NEG_INFINITY.to_bits());
        let listen = |p: &glassbox_pipeline::Progress| {
            let t = now();
            if t - f64::from_bits(last.load(Ordering::Relaxed)) >= 0.1 || p.done == p.total {
                last.store(t.to_bits(), Ordering::Relaxed);
                on_working(Response::Working {
                    stage: p.stage.to_string(),
                    done: p.done,
                    total: p.total,
                    elapsed_seconds: t - start,
                });
            }
            true
        };
        let control = Control { clock: Some(&now), progress: Some(&listen), threads: 1 };
        match request {
            Request::Begin { file_name, total_bytes, sample, read, sha256_given, container } => {
                self.reading = None;
                self.set_table(None);
                match IngestSession::new(&sample, &read) {
                    Ok(mut session) => {
                        if sha256_given {
                            session.hash_elsewhere();
                        }
                        self.reading = Some(Reading {
                            session,
                            file_name,
                            total_bytes,
                            part: false,
                            hash_given: sha256_given,
                            reserved: false,
                            container,
                        });
                        Response::Progress { bytes_read: 0, rows: 0, memory_bytes: 0 }
                    }
                    Err(e) => Response::failed(e),
                }
            }
            Request::Chunk { bytes } => {
                let Some(r) = self.reading.as_mut() else {
                    return Response::failed(Error::new(
                        ErrorKind::Internal,
                        "a slice arrived with no file being read",
                    ));
                };
                let result = r.session.feed(&bytes).and_then(|()| check_budget(r));
                // Once the first slice shows the table fits and how many bytes a row takes.
                if result.is_ok() && !r.reserved && r.session.bytes_read() >= ESTIMATE_MIN_BYTES {
                    r.reserved = r.session.reserve_for(r.total_bytes);
                }
                match result {
                    Ok(()) => Response::Progress {
                        bytes_read: r.session.bytes_read(),
                        rows: r.session.rows_read(),
                        memory_bytes: 0,
                    },
                    Err(e) => {
                        self.reading = None;
                        Response::failed(e)
                    }
                }
            }
            Request::Split { .. } => {
                Response::Split(self.reading.as_ref().filter(|r| !r.part).and_then(|r| r.session.part_spec()))
            }
            Request::BeginPart { spec, start, bytes } => {
                self.reading = None;
                self.set_table(None);
                match IngestSession::for_part(&spec) {
                    Ok(session) => {
                        let file_name = String::new();
                        self.reading = Some(Reading {
                            session,
                            file_name,
                            total_bytes: bytes,
                            part: true,
                            hash_given: true,
                            reserved: false,
                            container: None,
                        });
                        Response::PartBegun { start }
                    }
                    Err(e) => Response::failed(e),
                }
            }
            Request::FinishPart => match self.reading.take() {
                Some(r) if r.part => match r.session.into_part() {
                    Ok(part) => Response::Part(part),
                    Err(e) => Response::failed(e),
                },
                _ => Response::failed(Error::new(ErrorKind::Internal, "a part was finished with no part being read")),
            },
            Request::Absorb { part } => {
                let Some(r) = self.reading.as_mut().filter(|r| !r.part) else {
                    return Response::failed(Error::new(ErrorKind::Internal, "a part arrived with no file being read"));
                };
                match r.session.absorb(part) {
                    Ok(taken) => {
                        Response::Absorbed { taken, bytes_read: r.session.bytes_read(), rows: r.session.rows_read() }
                    }
                    Err(e) => {
                        self.reading = None;
                        Response::failed(e)
                    }
                }
            }
            #[cfg(target_arch = "wasm32")]
            Request::BeginFile { .. }
            | Request::OpenFile { .. }
            | Request::ChunkAt { .. }
            | Request::BeginPartFile { .. }
            | Request::AbsorbPart { .. } => {
                Response::failed(Error::new(ErrorKind::Internal, "the web layer reads files, not the engine"))
            }
            Request::Finish { sha256 } => {
                let Some(r) = self.reading.take().filter(|r| !r.part) else {
                    return Response::failed(Error::new(ErrorKind::Internal, "finish arrived with no file being read"));
                };
                let container = r.container;
                let table = match sha256 {
                    None if r.hash_given => r.session.finish_unhashed(),
                    sha256 => r.session.finish_with_sha256(sha256),
                }
                .map(|mut t| {
                    t.format.container = container;
                    t
                });
                match table.and_then(|t| glassbox_pipeline::inspect_table(&t, None).map(|i| (t, i))) {
                    Ok((table, inspection)) => {
                        self.set_table(Some((table, r.file_name)));
                        Response::Inspected(inspection)
                    }
                    Err(e) => Response::failed(e),
                }
            }
            Request::Cancel => {
                self.reading = None;
                Response::Cancelled
            }
            Request::Open { file_name, head } => match is_other_format(&head, &file_name) {
                false => Response::Delimited,
                true => Response::OtherFormat,
            },
            Request::Digest { sha256 } => match &mut self.table {
                Some((table, _)) => match table.set_input_sha256(&sha256) {
                    Ok(()) => Response::DigestSet,
                    Err(e) => Response::failed(e),
                },
                None => Response::failed(Error::new(ErrorKind::Internal, "a hash arrived with no file read")),
            },
            Request::Compare { spec, models, folds } => match &self.table {
                None => Response::failed(Error::new(ErrorKind::BadSpec, "load a file before comparing models")),
                Some((table, name)) => {
                    let specs = models.iter().map(|m| ModelSpec::by_name(m, spec.seed)).collect::<Result<Vec<_>, _>>();
                    match specs
                        .and_then(|s| check_forests(table, &spec, &s).map(|()| s))
                        .and_then(|s| Plan::compare(&spec, s, folds))
                        .and_then(|p| plan::drive(table, name, p, &mut self.cache, &control)?.leaderboard())
                    {
                        Ok(board) => Response::Leaderboard(board),
                        Err(e) => Response::failed(e),
                    }
                }
            },
            Request::Jobs { spec, batch } => match &self.table {
                None => Response::failed(Error::new(ErrorKind::BadSpec, "load a file before training")),
                Some((table, _)) => match check_forests(table, &spec, &batch_models(&spec, &batch))
                    .and_then(|()| plan::run_batch(table, &spec, &batch, &mut self.cache, &control))
                {
                    Ok(results) => Response::Results(results),
                    Err(e) => Response::failed(e),
                },
            },
            Request::Fit { spec, done } => match &self.table {
                None => Response::failed(Error::new(ErrorKind::BadSpec, "load a file before training")),
                Some((table, name)) => match check_forests(table, &spec, std::slice::from_ref(&spec.model))
                    .and_then(|()| plan::finish(table, name, &spec, *done, &mut self.cache, &control))
                {
                    Ok(o) => Response::Trained(Box::new(o)),
                    Err(e) => Response::failed(e),
                },
            },
            Request::PreviewFeatures { spec } => match &self.table {
                None => Response::failed(Error::new(ErrorKind::BadSpec, "load a file before previewing features")),
                Some((table, _)) => {
                    match glassbox_pipeline::run::preview_features(table, &spec, PREVIEW_FEATURE_ROWS) {
                        Ok(p) => Response::FeaturePreview(p),
                        Err(e) => Response::failed(e),
                    }
                }
            },
            Request::RecordValues { records } => match &self.table {
                // No table (a reload without the file kept): the rows show their scores alone.
                None => Response::RecordValues { columns: Vec::new(), records, values: Vec::new() },
                Some((table, _)) => Response::RecordValues {
                    columns: table.column_names(),
                    values: glassbox_pipeline::ingest::profile::record_values(table, &records),
                    records,
                },
            },
            Request::CheckTarget { spec } => match &self.table {
                None => Response::failed(Error::new(ErrorKind::BadSpec, "load a file before choosing a target")),
                Some((table, _)) => Response::TargetChecked(glassbox_pipeline::run::check_target(table, &spec)),
            },
            Request::Train { spec } => match &self.table {
                None => Response::failed(Error::new(ErrorKind::BadSpec, "load a file before training")),
                Some((table, name)) => {
                    match check_forests(table, &spec, std::slice::from_ref(&spec.model))
                        .and_then(|()| glassbox_pipeline::run::task_of(table, &spec))
                        .and_then(|task| Plan::train(&spec, Some(task)))
                        .and_then(|p| plan::drive(table, name, p, &mut self.cache, &control)?.trained())
                    {
                        Ok(o) => Response::Trained(o),
                        Err(e) => Response::failed(e),
                    }
                }
            },
        }
    }
}

/// Runs ridge's fit a few times on made-up rows when a worker starts. The
/// browser runs a WebAssembly function's first calls in its baseline
/// compiler while it optimises it in the background: a person's first
/// ridge fit of 80,000 rows took 0.059 s against 0.013–0.020 s for the
/// next ones in the same tab (BENCHMARKS.md). Fitting made-up rows four
/// times, a few milliseconds, starts that work before anyone trains. V8
/// optimises a function once its calls have run enough of its code (its
/// tiering budget): 2,048 rows of 16 columns brought the first fit to
/// 0.022 s, 8,192 rows of 30 columns (the Gram matrix's work ×7) to a
/// median of 0.013 s over five fresh tabs.
pub fn warm_up() -> glassbox_pipeline::Result<()> {
    let (n, p) = (8192, 30);
    let values = (0..n * p).map(|i| ((i * 7919) % 1000) as f64 / 1000.0).collect();
    let x = glassbox_pipeline::matrix::Matrix::new(n, p, values);
    let y: Vec<f64> = (0..n).map(|i| (i % 13) as f64).collect();
    let ridge = ModelSpec::by_name("ridge", 0)?;
    for _ in 0..4 {
        std::hint::black_box(ridge.fit_numbers(&x, &y)?);
    }
    Ok(())
}

/// The most nodes a forest may hold in a browser tab, by the bound
/// [`ModelSpec::forest_nodes_bound`] sets before any tree grows. A fully
/// grown forest of 100 regression trees on 80,000 rows holds 10 million
/// nodes (its bound: 16 million). Its trees live in arrays (28
/// bytes a node) and cross between workers and the page as bytes, so the
/// tab keeps it; when each node was an enum and crossed as JSON (a 1.5 GB
/// model file), the tab ran out of its 4 GiB after 11 minutes and this
/// limit was 4 million.
pub const FOREST_NODE_BUDGET: f64 = 2.5e7;

/// Refuses, before any tree grows, a forest among `models` that could
/// outgrow [`FOREST_NODE_BUDGET`] on this run's training rows, saying how
/// to keep it smaller. Only numbers are checked: trees on classes stop at
/// pure nodes, far below the bound (100 trees on the 39,000 adult rows
/// held 800,000 nodes).
fn check_forests(table: &Table, spec: &TrainSpec, models: &[ModelSpec]) -> glassbox_pipeline::Result<()> {
    if glassbox_pipeline::run::task_of(table, spec).ok() != Some(glassbox_pipeline::task::Task::Regression) {
        return Ok(());
    }
    // At most this many training rows: every row with a target, less the test share.
    let n_train = (table.n_rows as f64 * (1.0 - spec.data.test_size)).ceil() as usize;
    for model in models {
        let (Some(bound), Some(n_trees)) = (model.forest_nodes_bound(n_train), model.trees()) else { continue };
        if bound <= FOREST_NODE_BUDGET {
            continue;
        }
        // The deepest trees that fit: 2^depth leaves, twice as many nodes, per tree.
        let mut depth = 1;
        while 2.0 * (1u64 << (depth + 1)) as f64 * n_trees as f64 <= FOREST_NODE_BUDGET {
            depth += 1;
        }
        return Err(Error::new(
            ErrorKind::BadSpec,
            format!(
                "a {} of {n_trees} trees on {n_train} training rows can hold up to {:.1} million nodes, more than a browser tab can keep ({:.0} million): choose gradient boosting, whose trees stay small, or train it with the glassbox command-line tool, where --param max_depth={depth} keeps it within this limit",
                model.name().replace('_', " "),
                bound / 1e6,
                FOREST_NODE_BUDGET / 1e6
            ),
        ));
    }
    Ok(())
}

/// The models a batch of a run of `spec` fits.
fn batch_models(spec: &TrainSpec, batch: &Batch) -> Vec<ModelSpec> {
    match batch {
        Batch::Folds { models, .. } | Batch::Trials { models } => models.clone(),
        Batch::Trees { model, .. } => vec![model.clone()],
        Batch::Scales { .. } => vec![spec.model.clone()],
        Batch::Importance { .. } | Batch::Explain { .. } => Vec::new(),
    }
}

/// Where [`Engine::handle_with`] sends progress: `Sync` natively, where
/// the pipeline may call it from its threads; anything in wasm32.
pub trait OnWorking: Fn(Response) + MaybeSync {}
impl<T: Fn(Response) + MaybeSync + ?Sized> OnWorking for T {}

/// Bytes read before the table so far says how large the whole will be (for
/// the memory check, and the room reserved for the rows).
const ESTIMATE_MIN_BYTES: u64 = 4 << 20;

/// Stops a file that will not fit before it uses up the tab's memory: the
/// table so far, scaled to the whole file, against [`TABLE_BUDGET_BYTES`].
fn check_budget(r: &Reading) -> glassbox_pipeline::Result<()> {
    let read = r.session.bytes_read();
    // Below a few megabytes the projection is noise. A part is checked by
    // the worker that absorbs it.
    if r.part || read < ESTIMATE_MIN_BYTES || r.total_bytes <= read {
        return Ok(());
    }
    let projected = r.session.table_bytes() as f64 * r.total_bytes as f64 / read as f64;
    if projected > TABLE_BUDGET_BYTES as f64 {
        return Err(Error::new(
            ErrorKind::BadSpec,
            format!(
                "{} is too big for a browser tab: its table would take about {:.1} GB of memory, more than the {:.1} GB Glassbox allows a tab; use the glassbox command-line tool for it",
                r.file_name,
                projected / 1e9,
                TABLE_BUDGET_BYTES as f64 / 1e9
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_pipeline::ingest::SAMPLE_ROWS;

    /// The request that starts reading a file of `total_bytes` that begins with `sample`.
    fn begin(file_name: &str, total_bytes: u64, sample: &[u8], sha256_given: bool) -> Request {
        let (file_name, sample, read) = (file_name.to_string(), sample.to_vec(), ReadOptions::default());
        Request::Begin { file_name, total_bytes, sample, read, sha256_given, container: None }
    }

    fn load(engine: &mut Engine, csv: &[u8], slice: usize) -> Response {
        let begin = begin("t.csv", csv.len() as u64, csv, false);
        assert!(matches!(engine.handle(begin), Response::Progress { .. }));
        for chunk in csv.chunks(slice) {
            match engine.handle(Request::Chunk { bytes: chunk.to_vec() }) {
                Response::Progress { .. } => {}
                other => return other,
            }
        }
        engine.handle(Request::Finish { sha256: None })
    }

    const CSV: &[u8] = b"x,y\n1,a\n2,a\n3,a\n4,a\n5,a\n6,b\n7,b\n8,b\n9,b\n10,b\n";

    #[test]
    fn an_opened_file_is_read_as_its_text_and_its_table_names_the_format() {
        use crate::formats::{answer, FormatsRequest, FormatsResponse};
        let mut engine = Engine::default();
        // The pipeline worker only tells delimited text from the rest.
        let look = |head: &[u8]| Request::Open { file_name: "f".into(), head: head.to_vec() };
        assert_eq!(engine.handle(look(CSV)), Response::Delimited);
        let jsonl: Vec<u8> = (1..=10)
            .map(|i| format!("{{\"x\": {i}, \"y\": \"{}\"}}\n", if i <= 5 { "a" } else { "b" }))
            .collect::<String>()
            .into_bytes();
        assert_eq!(engine.handle(look(&jsonl)), Response::OtherFormat);
        // The formats worker reads it.
        let open = |bytes: &[u8]| FormatsRequest::Open { file_name: "f".into(), bytes: bytes.to_vec(), sheet: None };
        assert_eq!(answer(open(CSV)), FormatsResponse::Opened(None));
        let FormatsResponse::Opened(Some(opened)) = answer(open(&jsonl)) else { panic!("not opened") };
        assert_eq!(opened.decoded.bytes, CSV, "the canonical text of the same rows");
        assert_eq!(opened.sha256, glassbox_pipeline::run::sha256_hex(&jsonl));
        // Predictions written as Parquet there read back, through `Open`, as the same rows.
        let FormatsResponse::Parquet(parquet) =
            answer(FormatsRequest::ToParquet { csv: String::from_utf8(CSV.to_vec()).unwrap() })
        else {
            panic!("no Parquet")
        };
        assert_eq!(engine.handle(look(&parquet[..HEAD_BYTES.min(parquet.len())])), Response::OtherFormat);
        let FormatsResponse::Opened(Some(back)) = answer(open(&parquet)) else { panic!("Parquet not opened") };
        assert_eq!(back.decoded.bytes, CSV);
        let mut begin = begin("f.jsonl", CSV.len() as u64, CSV, true);
        if let Request::Begin { container, .. } = &mut begin {
            *container = Some(opened.decoded.describe());
        }
        assert!(matches!(engine.handle(begin), Response::Progress { .. }));
        engine.handle(Request::Chunk { bytes: CSV.to_vec() });
        let Response::Inspected(i) = engine.handle(Request::Finish { sha256: Some(opened.sha256.clone()) }) else {
            panic!("not read")
        };
        assert_eq!(i.format.container.as_deref(), Some("JSON Lines"));
        let bad = answer(open(b"{\"x\": 1}\n[2]\n"));
        assert_eq!(
            bad,
            FormatsResponse::Failed {
                message: "line 2: an array is not a JSON object; each line must be one object".into(),
                kind: ErrorKind::Malformed
            }
        );
    }

    #[test]
    fn stream_then_train() {
        let mut e = Engine::default();
        let Response::Inspected(i) = load(&mut e, CSV, 5) else { panic!("not inspected") };
        assert_eq!((i.n_rows, i.suggested_target.as_str()), (10, "y"));
        let spec = TrainSpec::for_target("y");
        match e.handle(Request::Train { spec }) {
            Response::Trained(o) => {
                assert_eq!(o.classes, ["a", "b"]);
                assert_eq!(o.manifest.file_name, "t.csv");
                assert_eq!(o.manifest.input_sha256, glassbox_pipeline::run::sha256_hex(CSV));
            }
            other => panic!("expected a trained outcome, got {other:?}"),
        }
    }

    #[test]
    fn warming_up_fits_ridge_on_its_made_up_rows() {
        // What the worker runs at its start must not fail quietly on a change to ridge.
        warm_up().unwrap();
    }

    #[test]
    fn a_regression_forest_too_big_for_a_tab_is_refused_before_it_grows() {
        // 160,000 rows with a number to predict: 100 fully grown trees on
        // 128,000 training rows could hold up to 25.6 million nodes.
        let mut csv = String::from("a,b,y\n");
        for i in 0..160_000u32 {
            csv.push_str(&format!("{},{},{}.5\n", i % 97, i % 89, i));
        }
        let mut e = Engine::default();
        assert!(matches!(load(&mut e, csv.as_bytes(), 1 << 20), Response::Inspected(_)));
        let forest = ModelSpec::by_name("random_forest", 0).unwrap();
        let spec = TrainSpec { model: forest.clone(), ..TrainSpec::for_target("y") };
        let refused = "a random forest of 100 trees on 128000 training rows can hold up to 25.6 million nodes, more than a browser tab can keep (25 million): choose gradient boosting, whose trees stay small, or train it with the glassbox command-line tool, where --param max_depth=16 keeps it within this limit";
        match e.handle(Request::Train { spec: spec.clone() }) {
            Response::Failed { message, kind, .. } => {
                assert_eq!((message.as_str(), kind), (refused, ErrorKind::BadSpec))
            }
            // Not the whole outcome: a forest's debug text runs to a hundred megabytes.
            other => panic!(
                "expected a refusal, got a {}",
                if matches!(other, Response::Trained(_)) { "trained forest" } else { "other answer" }
            ),
        }
        let trees = Batch::Trees { model: forest.clone(), indices: vec![0, 1] };
        assert!(
            matches!(e.handle(Request::Jobs { spec: spec.clone(), batch: trees }), Response::Failed { message, .. } if message == refused)
        );
        // The depth it advises fits; and classes are not checked.
        let table = &e.table.as_ref().unwrap().0;
        let shallow = forest.set("max_depth", "16").unwrap();
        assert!(check_forests(table, &spec, &[shallow]).is_ok());
        let classes = TrainSpec {
            data: glassbox_pipeline::run::DataSpec {
                task: Some(glassbox_pipeline::task::Task::Classification),
                ..spec.data.clone()
            },
            ..spec
        };
        assert!(check_forests(table, &classes, &[forest]).is_ok());
    }

    #[test]
    fn compare_ranks_the_models_on_the_loaded_table() {
        let mut e = Engine::default();
        let mut csv = b"x,y\n".to_vec();
        for i in 0..40 {
            csv.extend_from_slice(format!("{i}.5,{}\n", if i < 20 { "a" } else { "b" }).as_bytes());
        }
        load(&mut e, &csv, 16);
        let spec = TrainSpec::for_target("y");
        let models = vec!["baseline_most_frequent".to_string(), "logistic_regression".to_string()];
        match e.handle(Request::Compare { spec, models, folds: 4 }) {
            Response::Leaderboard(board) => {
                assert_eq!(board[0].model, "logistic_regression");
                assert_eq!(board[1].cv["roc_auc"].mean, 0.5);
            }
            other => panic!("expected a leaderboard, got {other:?}"),
        }
    }

    /// Two engines that read the same 60-row file, the second in slices of `slice` bytes.
    fn two_engines(slice: usize) -> (Engine, Engine) {
        let mut csv = b"x,z,y\n".to_vec();
        for i in 0..60 {
            csv.extend_from_slice(
                format!("{i}.5,{},{}\n", (i * 7) % 11, if (i * 3) % 5 < 2 { "a" } else { "b" }).as_bytes(),
            );
        }
        let (mut one, mut two) = (Engine::default(), Engine::default());
        load(&mut one, &csv, 64);
        load(&mut two, &csv, slice);
        (one, two)
    }

    /// A batch dealt over `engines` as the page's pool deals it; their answers in worker order.
    fn deal(engines: &mut [&mut Engine], spec: &TrainSpec, batch: &Batch) -> Vec<Results> {
        let n = engines.len();
        (engines.iter_mut().enumerate())
            .map(|(w, e)| match e.handle(Request::Jobs { spec: spec.clone(), batch: batch.share(w, n) }) {
                Response::Results(r) => r,
                other => panic!("expected results, got {other:?}"),
            })
            .collect()
    }

    #[test]
    fn compare_jobs_split_over_two_engines_merge_to_the_same_leaderboard() {
        let (mut one, mut two) = two_engines(7);
        let spec = TrainSpec::for_target("y");
        let names = vec!["logistic_regression".to_string(), "random_forest".to_string(), "knn".to_string()];
        let whole = match one.handle(Request::Compare { spec: spec.clone(), models: names.clone(), folds: 3 }) {
            Response::Leaderboard(b) => b,
            other => panic!("expected a leaderboard, got {other:?}"),
        };
        // The pool's way: the plan's one step dealt over two engines, answers gathered back.
        let specs: Vec<ModelSpec> = names.iter().map(|n| ModelSpec::by_name(n, spec.seed).unwrap()).collect();
        let mut plan = Plan::compare(&spec, specs, 3).unwrap();
        let plan::Step::Run { batch, .. } = plan.next_step().unwrap() else { panic!("no jobs") };
        let parts = deal(&mut [&mut one, &mut two], &spec, &batch);
        plan.record(Results::gather(parts).unwrap(), 0.0).unwrap();
        assert_eq!(plan.next_step().unwrap(), plan::Step::Leaderboard(whole));
    }

    #[test]
    fn a_forest_grown_over_two_engines_then_fitted_is_the_forest_trained_by_one() {
        let (mut one, mut two) = two_engines(9);
        let model = ModelSpec::by_name("random_forest", 42).unwrap();
        let mut spec = TrainSpec { model, ..TrainSpec::for_target("y") };
        spec.validation.cv = Some(3);
        let Response::Trained(whole) = one.handle(Request::Train { spec: spec.clone() }) else { panic!("not trained") };
        let mut plan = Plan::train(&spec, Some(glassbox_pipeline::task::Task::Classification)).unwrap();
        let mut stages = Vec::new();
        // As the pool does: every step dealt over both, the final fit on the first.
        let pooled = loop {
            match plan.next_step().unwrap() {
                plan::Step::Run { stage, batch, .. } => {
                    stages.push(stage);
                    let parts = deal(&mut [&mut one, &mut two], &spec, &batch);
                    plan.record(Results::gather(parts).unwrap(), 0.0).unwrap();
                }
                plan::Step::Fit(done) => match one.handle(Request::Fit { spec: spec.clone(), done: Box::new(done) }) {
                    Response::Trained(o) => plan.fitted(*o).unwrap(),
                    other => panic!("not fitted: {other:?}"),
                },
                plan::Step::Trained(o) => break o,
                plan::Step::Leaderboard(_) => panic!("a training plan that compared"),
            }
        };
        assert_eq!(stages, ["cross-validation fold", "tree", "permutation importance", "explanation"]);
        assert_eq!(pooled.importance.len(), 2, "x and z");
        assert_eq!(pooled, whole);
    }

    #[test]
    fn a_digest_from_the_page_lands_in_the_table() {
        let digest = "ab".repeat(32);
        let read = |sha256: Option<String>| {
            let mut e = Engine::default();
            e.handle(begin("t.csv", CSV.len() as u64, CSV, true));
            e.handle(Request::Chunk { bytes: CSV.to_vec() });
            (e.handle(Request::Finish { sha256 }), e)
        };
        let (answer, e) = read(Some(digest.clone()));
        assert!(matches!(answer, Response::Inspected(_)));
        assert_eq!(e.table.as_ref().map(|(t, _)| t.input_sha256.clone()), Some(digest.clone()));
        // The hash may come after the table: no model until it has.
        let (answer, mut e) = read(None);
        assert!(matches!(answer, Response::Inspected(_)));
        let spec = TrainSpec::for_target("y");
        let early = e.handle(Request::Train { spec: spec.clone() });
        assert!(
            matches!(&early, Response::Failed { message, .. } if message.contains("SHA-256 is not known yet")),
            "{early:?}"
        );
        assert!(matches!(e.handle(Request::Digest { sha256: "xyz".into() }), Response::Failed { .. }));
        assert_eq!(e.handle(Request::Digest { sha256: digest.to_uppercase() }), Response::DigestSet);
        match e.handle(Request::Train { spec }) {
            Response::Trained(o) => assert_eq!(o.manifest.input_sha256, digest),
            other => panic!("expected a trained outcome, got {other:?}"),
        }
    }

    /// Two engines read one file side by side, as the page has a second
    /// worker do: the table is the one a single engine reads, and a part
    /// that begins inside a quoted field is refused and read by the first.
    #[test]
    fn a_file_read_by_two_engines_is_the_file_read_by_one() {
        let mut csv = b"x,note,y\n".to_vec();
        for i in 0..SAMPLE_ROWS + 3000 {
            let note = if i % 50 == 7 { "\"two\nlines\"".to_string() } else { format!("n{}", i % 5) };
            csv.extend_from_slice(format!("{}.25,{note},{}\n", i % 37, ["a", "b"][i % 2]).as_bytes());
        }
        let digest = "cd".repeat(32);
        let mut one = Engine::default();
        one.handle(begin("t.csv", csv.len() as u64, &csv, true));
        one.handle(Request::Chunk { bytes: csv.clone() });
        let Response::Inspected(whole) = one.handle(Request::Finish { sha256: Some(digest.clone()) }) else {
            panic!("not read")
        };
        let whole_table = one.table.take();
        let (mut taken, mut refused) = (0, 0);
        let first = csv.len() * 4 / 5;
        let line_starts: Vec<usize> = (first..csv.len()).filter(|&i| csv[i - 1] == b'\n').take(60).collect();
        for start in line_starts {
            let (mut main, mut helper) = (Engine::default(), Engine::default());
            main.handle(begin("t.csv", csv.len() as u64, &csv, true));
            main.handle(Request::Chunk { bytes: csv[..start].to_vec() });
            let Response::Split(Some(spec)) = main.handle(Request::Split { id: 1 }) else { panic!("no split") };
            let start64 = start as u64;
            assert_eq!(
                helper.handle(Request::BeginPart { spec, start: start64, bytes: csv.len() as u64 - start64 }),
                Response::PartBegun { start: start64 }
            );
            helper.handle(Request::Chunk { bytes: csv[start..].to_vec() });
            let Response::Part(part) = helper.handle(Request::FinishPart) else { panic!("no part") };
            match main.handle(Request::Absorb { part }) {
                Response::Absorbed { taken: true, bytes_read, .. } => {
                    assert_eq!(bytes_read, csv.len() as u64);
                    taken += 1;
                }
                Response::Absorbed { taken: false, .. } => {
                    main.handle(Request::Chunk { bytes: csv[start..].to_vec() });
                    refused += 1;
                }
                other => panic!("not absorbed: {other:?}"),
            }
            let answer = main.handle(Request::Finish { sha256: Some(digest.clone()) });
            assert_eq!(answer, Response::Inspected(whole.clone()), "part from byte {start}");
            assert_eq!(main.table.take(), whole_table, "part from byte {start}");
        }
        assert!(taken > 0 && refused > 0, "{taken} taken, {refused} refused");
    }

    #[test]
    fn cancel_forgets_the_partial_file() {
        let mut e = Engine::default();
        e.handle(begin("t.csv", 100, CSV, false));
        e.handle(Request::Chunk { bytes: CSV[..10].to_vec() });
        assert_eq!(e.handle(Request::Cancel), Response::Cancelled);
        assert!(
            matches!(e.handle(Request::Finish { sha256: None }), Response::Failed { kind, .. } if kind == ErrorKind::Internal)
        );
        let spec = TrainSpec::for_target("y");
        assert!(
            matches!(e.handle(Request::Train { spec }), Response::Failed { message, .. } if message == "load a file before training")
        );
    }

    #[test]
    fn part_requests_out_of_turn_fail() {
        let mut e = Engine::default();
        assert_eq!(e.handle(Request::Split { id: 1 }), Response::Split(None));
        assert!(matches!(e.handle(Request::FinishPart), Response::Failed { kind, .. } if kind == ErrorKind::Internal));
        e.handle(begin("t.csv", CSV.len() as u64, CSV, true));
        assert_eq!(e.handle(Request::Split { id: 1 }), Response::Split(None), "kinds not decided yet");
    }

    #[test]
    fn errors_become_failed_responses() {
        let mut e = Engine::default();
        assert_eq!(
            load(&mut e, b"", 4),
            Response::Failed { message: "the file is empty".into(), kind: ErrorKind::Empty }
        );
        load(&mut e, CSV, 64);
        let spec = TrainSpec::for_target("nope");
        assert!(
            matches!(e.handle(Request::Train { spec }), Response::Failed { kind, .. } if kind == ErrorKind::UnknownColumn)
        );
    }

    #[test]
    fn a_file_too_big_for_a_tab_is_refused_early_with_the_limit() {
        let mut e = Engine::default();
        let row = b"1.5,2.5,3.5,4.5\n";
        let mut csv = b"a,b,c,d\n".to_vec();
        while csv.len() < 5 << 20 {
            csv.extend_from_slice(row);
        }
        // Claim the file is 100 GB: the first 5 MB project far past the budget.
        e.handle(begin("huge.csv", 100 << 30, &csv[..1 << 20], false));
        let r = e.handle(Request::Chunk { bytes: csv });
        let Response::Failed { message, .. } = r else { panic!("not refused: {r:?}") };
        assert!(message.starts_with("huge.csv is too big for a browser tab"), "{message}");
        assert!(message.contains("use the glassbox command-line tool"), "{message}");
    }
}
