//! The browser side of the protocol: the gloo-worker glue, the message codec,
//! and crash reporting. Compiled only for wasm32.
//!
//! Messages are encoded with `serde-wasm-bindgen` rather than gloo-worker's
//! default bincode: the pipeline's types use internally tagged enums, which
//! bincode cannot decode, and byte buffers travel as `Uint8Array`s.
//!
//! A panic in wasm aborts the worker without an answer, so the worker's panic
//! hook posts the panic message on a `BroadcastChannel` before it dies; the
//! page listens on that channel, shows the message, and starts a new worker.
//! Each worker has a channel of its own, named in its script's URL
//! (`worker_loader.js?crash=NAME`): with one shared name every bridge heard
//! every crash (another tab's too), and a late second report from a helper
//! killed the fresh worker of the person's retry.
//! What is no panic (a stack overflow, which wasm raises as a JavaScript
//! `RangeError`, or a trap) reaches the worker's `error` event instead, and
//! goes the same way: once a page waited forever at "24 of 45" because
//! nothing heard one.

use gloo_worker::{Codec, HandlerId, Registrable, Spawnable, Worker, WorkerBridge, WorkerScope};
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::prelude::*;
use web_sys::{BroadcastChannel, MessageEvent};

use crate::{Engine, FormatsRequest, FormatsResponse, Request, Response};
use glassbox_pipeline::{Error, ErrorKind};

/// The prefix of the channels on which a dying worker reports its panic.
pub const CRASH_CHANNEL: &str = "glassbox-worker-crash";

/// A channel name no other worker, of this page or another tab, has.
fn fresh_crash_channel() -> String {
    thread_local! {
        static PAGE: u64 = (js_sys::Math::random() * 1e15) as u64;
        static COUNT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    }
    let n = COUNT.with(|c| c.replace(c.get() + 1));
    format!("{CRASH_CHANNEL}-{}-{n}", PAGE.with(|p| *p))
}

/// This worker's crash channel, from its script's URL (`?crash=NAME`).
fn own_crash_channel() -> String {
    let search = js_sys::Reflect::get(&js_sys::global(), &"location".into())
        .and_then(|l| js_sys::Reflect::get(&l, &"search".into()))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("crash="))
        .map_or_else(|| CRASH_CHANNEL.to_string(), str::to_string)
}

/// Encodes messages as JS values with `serde-wasm-bindgen`.
pub struct WasmCodec;

impl Codec for WasmCodec {
    fn encode<I: Serialize>(input: I) -> JsValue {
        let serializer = serde_wasm_bindgen::Serializer::new().serialize_large_number_types_as_bigints(true);
        input.serialize(&serializer).expect("protocol messages always encode")
    }

    fn decode<O: DeserializeOwned>(input: JsValue) -> O {
        serde_wasm_bindgen::from_value(input).expect("protocol messages always decode")
    }
}

/// The worker: one request in, one response out, with the engine's state between.
pub struct PipelineWorker {
    engine: Engine,
    /// The file given with `BeginFile`, which `ChunkAt` reads from.
    file: Option<web_sys::File>,
    /// Reading a part: the tag of the worker that is to absorb it.
    part_for: Option<u64>,
    /// Expecting a part: where it comes in, and what has come.
    incoming: Option<Incoming>,
}

/// A part on its way from the worker that read it, which sends it here
/// directly on a `BroadcastChannel` named for its tag: through the page it
/// was decoded and encoded once more, and the copies of 70 MB of a 100 MB
/// file's second half took 0.2 s.
struct Incoming {
    id: u64,
    channel: BroadcastChannel,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    /// The part, once it has come.
    part: Option<JsValue>,
    /// The `AbsorbPart` request, if it came before the part.
    waiting: Option<HandlerId>,
}

impl Drop for Incoming {
    // The channel would otherwise call the closure after it is freed, if a
    // part that is no longer expected came after all.
    fn drop(&mut self) {
        self.channel.set_onmessage(None);
        self.channel.close();
    }
}

fn part_channel(id: u64) -> Result<BroadcastChannel, JsValue> {
    BroadcastChannel::new(&format!("glassbox-part-{id}"))
}

/// What the worker tells itself: a part has come on its channel.
pub struct PartArrived {
    id: u64,
    part: JsValue,
}

impl Worker for PipelineWorker {
    type Message = PartArrived;
    type Input = Request;
    type Output = Response;

    fn create(_scope: &WorkerScope<Self>) -> Self {
        warm_up();
        PipelineWorker {
            engine: Engine { clock: Some(now_seconds), ..Engine::default() },
            file: None,
            part_for: None,
            incoming: None,
        }
    }

    fn update(&mut self, scope: &WorkerScope<Self>, msg: PartArrived) {
        let Some(incoming) = self.incoming.as_mut().filter(|i| i.id == msg.id) else { return };
        incoming.part = Some(msg.part);
        if let Some(handler) = incoming.waiting.take() {
            self.received(scope, Request::AbsorbPart { id: msg.id }, handler);
        }
    }

    fn received(&mut self, scope: &WorkerScope<Self>, request: Request, id: HandlerId) {
        let split_tag = match &request {
            Request::Split { id } => Some(*id),
            _ => None,
        };
        if matches!(request, Request::Cancel) {
            // An `AbsorbPart` still waiting for its part is over too.
            if let Some(handler) = self.incoming.take().and_then(|mut i| i.waiting.take()) {
                scope.respond(handler, Response::Cancelled);
            }
        }
        let request = match self.read_file_request(request, id) {
            Ok(Some(r)) => r,
            // An `AbsorbPart` whose part has not come yet: answered when it comes.
            Ok(None) => return,
            Err(message) => {
                scope.respond(id, Response::Failed { message, kind: ErrorKind::Io });
                return;
            }
        };
        let mut response = self.engine.handle_with(request, &|working| scope.respond(id, working));
        match &mut response {
            Response::Progress { memory_bytes, .. } => *memory_bytes = wasm_memory_bytes(),
            Response::Part(_) => response = self.send_part(response),
            // Listening before the answer goes out: the page starts the
            // reader only on the answer, so the part cannot come first.
            Response::Split(spec) => {
                self.incoming = None;
                if let (Some(_), Some(tag)) = (spec, split_tag) {
                    self.expect_part(scope, tag);
                }
            }
            _ => {}
        }
        scope.respond(id, response);
    }
}

impl PipelineWorker {
    /// Listens for the part tagged `id`.
    fn expect_part(&mut self, scope: &WorkerScope<Self>, id: u64) {
        let Ok(channel) = part_channel(id) else { return };
        let scope = scope.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            scope.send_message(PartArrived { id, part: e.data() });
        });
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        self.incoming = Some(Incoming { id, channel, _on_message: on_message, part: None, waiting: None });
    }

    /// Sends a finished part to the worker that is to absorb it, and tells
    /// the page how much it held.
    fn send_part(&mut self, response: Response) -> Response {
        let (Response::Part(part), Some(id)) = (response, self.part_for.take()) else {
            return Response::failed(Error::new(ErrorKind::Internal, "a part was read with no worker to send it to"));
        };
        let (bytes_read, rows) = (part.bytes_read(), part.rows());
        let sent = part_channel(id).and_then(|channel| {
            let posted = channel.post_message(&WasmCodec::encode(part));
            channel.close();
            posted
        });
        match sent {
            Ok(()) => Response::PartSent { bytes_read, rows },
            Err(e) => Response::Failed { message: format!("the part could not be sent: {e:?}"), kind: ErrorKind::Io },
        }
    }

    /// Turns the requests that name a file's bytes into the ones that carry
    /// them, reading the bytes here, synchronously: a worker may, and the
    /// bytes then cross no thread and no message.
    /// `Ok(None)` holds an `AbsorbPart` back until its part has come.
    fn read_file_request(&mut self, request: Request, handler: HandlerId) -> Result<Option<Request>, String> {
        let request = match request {
            Request::BeginFile { file, read, sha256_given } => {
                let total_bytes = file.size() as u64;
                let sample = read_bytes(&file, 0, total_bytes.min(glassbox_pipeline::ingest::SNIFF_BYTES as u64))?;
                let file_name = file.name();
                self.file = Some(file);
                Request::Begin { file_name, total_bytes, sample, read, sha256_given, container: None }
            }
            Request::OpenFile { file } => {
                let head = read_bytes(&file, 0, (file.size() as u64).min(crate::HEAD_BYTES as u64))?;
                Request::Open { file_name: file.name(), head }
            }
            Request::BeginPartFile { file, spec, from, id } => {
                let start = line_start_from(&file, from)?;
                let bytes = (file.size() as u64).saturating_sub(start);
                self.file = Some(file);
                self.part_for = Some(id);
                Request::BeginPart { spec, start, bytes }
            }
            Request::AbsorbPart { id } => {
                let Some(incoming) = self.incoming.as_mut().filter(|i| i.id == id) else {
                    return Err(format!("part {id} was not expected"));
                };
                let Some(part) = incoming.part.take() else {
                    incoming.waiting = Some(handler);
                    return Ok(None);
                };
                self.incoming = None;
                Request::Absorb { part: WasmCodec::decode(part) }
            }
            Request::ChunkAt { start, end } => match &self.file {
                Some(file) => Request::Chunk { bytes: read_bytes(file, start, end)? },
                None => return Err("a slice was asked for with no file given".into()),
            },
            other => other,
        };
        Ok(Some(request))
    }
}

/// How far past the byte asked for a part may begin: a line longer than
/// this there, and the file is read in one part.
const LINE_SEARCH_BYTES: u64 = 1 << 20;

/// The first line start at or after byte `from` (`from` itself if a `\n`
/// ends the byte before it), or the file's size when none is near.
fn line_start_from(file: &web_sys::File, from: u64) -> Result<u64, String> {
    let size = file.size() as u64;
    if from == 0 || from >= size {
        return Ok(from.min(size));
    }
    let window = read_bytes(file, from - 1, (from - 1 + LINE_SEARCH_BYTES).min(size))?;
    Ok(window.iter().position(|&b| b == b'\n').map_or(size, |i| from + i as u64))
}

/// Bytes `start..end` of a file, read with `FileReaderSync`.
fn read_bytes(file: &web_sys::File, start: u64, end: u64) -> Result<Vec<u8>, String> {
    let cannot =
        |e: JsValue| format!("cannot read {}: {}", file.name(), e.as_string().unwrap_or_else(|| format!("{e:?}")));
    let blob = file.slice_with_f64_and_f64(start as f64, end as f64).map_err(cannot)?;
    let reader = web_sys::FileReaderSync::new().map_err(cannot)?;
    let buffer = reader.read_as_array_buffer(&blob).map_err(cannot)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Reads a small generated file once, as the worker starts: the browser
/// compiles wasm in two tiers, and the code that reads files runs in the
/// slower first tier until it has run a while. Without this, the first
/// 8 MB of the first file took 0.15–0.25 s more than the next 8 MB.
fn warm_up() {
    let mut csv = String::from("a,b,c,d,e\n");
    for i in 0..20_000u32 {
        let x = f64::from(i) * 0.618_033_988_749_895;
        csv.push_str(&format!("{x:.15},{},{},{},x{}\n", i % 97, ["u", "v", "w"][i as usize % 3], i % 2, i % 13));
    }
    let _ = glassbox_pipeline::ingest::read_csv(csv.as_bytes(), &Default::default())
        .and_then(|t| glassbox_pipeline::inspect_table(&t, None));
}

/// Seconds since the worker started, from the worker's `performance.now()`.
fn now_seconds() -> f64 {
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| js_sys::Reflect::get(&p, &"now".into()).ok().map(|f| (p, f)))
        .and_then(|(p, f)| f.dyn_into::<js_sys::Function>().ok()?.call0(&p).ok())
        .and_then(|v| v.as_f64())
        .map_or(0.0, |ms| ms / 1000.0)
}

/// The size of this wasm instance's linear memory: where the table lives.
fn wasm_memory_bytes() -> u64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| m.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length() as u64)
        .unwrap_or(0)
}

/// Tells the page that this worker is dying, once: a panic ends in a trap,
/// which raises an `error` event too.
fn report_crash(message: &str) {
    thread_local!(static REPORTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) });
    if REPORTED.with(|r| r.replace(true)) {
        return;
    }
    if let Ok(channel) = BroadcastChannel::new(&own_crash_channel()) {
        let _ = channel.post_message(&JsValue::from_str(message));
    }
}

/// Call from the pipeline worker binary's `main`.
pub fn register() {
    on_crash_report();
    // Only speed depends on it: a failure shows at the person's own fit.
    let _ = crate::warm_up();
    PipelineWorker::registrar().encoding::<WasmCodec>().register();
}

/// Call from the formats worker binary's `main`.
pub fn register_formats() {
    on_crash_report();
    FormatsWorker::registrar().encoding::<WasmCodec>().register();
}

/// Has a panic or a trap in this worker reach the page (see the module's words).
fn on_crash_report() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        report_crash(&info.to_string());
    }));
    // After a stack overflow or a trap the wasm instance cannot be trusted
    // (its stack pointer was never restored): the page replaces the worker.
    let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(|e: web_sys::ErrorEvent| {
        report_crash(&e.message());
    });
    let _ = js_sys::global()
        .unchecked_into::<web_sys::EventTarget>()
        .add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref());
    // The listener lives as long as the worker.
    on_error.forget();
}

/// The formats worker: reads a whole file of another format into text, or
/// writes Parquet (see [`crate::formats`]). It keeps nothing between requests.
pub struct FormatsWorker;

impl Worker for FormatsWorker {
    type Message = ();
    type Input = FormatsRequest;
    type Output = FormatsResponse;

    fn create(_scope: &WorkerScope<Self>) -> Self {
        FormatsWorker
    }

    fn update(&mut self, _scope: &WorkerScope<Self>, _msg: ()) {}

    fn received(&mut self, scope: &WorkerScope<Self>, request: FormatsRequest, id: HandlerId) {
        let request = match request {
            FormatsRequest::OpenFile { file, sheet } => match read_bytes(&file, 0, file.size() as u64) {
                Ok(bytes) => FormatsRequest::Open { file_name: file.name(), bytes, sheet },
                Err(message) => {
                    scope.respond(id, FormatsResponse::Failed { message, kind: ErrorKind::Io });
                    return;
                }
            },
            other => other,
        };
        scope.respond(id, crate::formats::answer(request));
    }
}

/// A running worker and the crash listener that belongs to it.
pub struct Bridge<W: Worker> {
    bridge: WorkerBridge<W>,
    _crash_channel: BroadcastChannel,
    _on_crash: Closure<dyn FnMut(MessageEvent)>,
}

/// The pipeline worker's bridge.
pub type PipelineBridge = Bridge<PipelineWorker>;
/// The formats worker's bridge.
pub type FormatsBridge = Bridge<FormatsWorker>;

/// The worker's entry script, relative to the page: Trunk's loader shim
/// (`data-loader-shim` in index.html), which loads `worker.js` and its wasm.
/// The worker starts from this file of the site rather than from a `blob:`
/// script that gloo-worker would otherwise write, so the page's content
/// policy can keep `worker-src 'self'`.
pub const WORKER_SCRIPT: &str = "./worker_loader.js";

/// The formats worker's entry script (`src/bin/formats.rs`), as [`WORKER_SCRIPT`].
pub const FORMATS_SCRIPT: &str = "./formats_loader.js";

impl<W> Bridge<W>
where
    W: Worker + 'static,
    W::Input: Serialize + DeserializeOwned,
    W::Output: Serialize + DeserializeOwned,
{
    /// Starts the worker script at `path` (relative to the page; normally
    /// [`WORKER_SCRIPT`]), a loader that itself starts the wasm. `on_response`
    /// gets every response; `on_crash` gets the panic message if this worker
    /// dies, and no other worker's.
    pub fn spawn(path: &str, on_response: impl Fn(W::Output) + 'static, on_crash: impl Fn(String) + 'static) -> Self {
        let name = fresh_crash_channel();
        let bridge = W::spawner()
            .callback(on_response)
            .encoding::<WasmCodec>()
            .as_module(false)
            .with_loader(true)
            .spawn(&format!("{path}?crash={name}"));
        let channel = BroadcastChannel::new(&name).expect("BroadcastChannel is available in every supported browser");
        let on_crash = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            on_crash(e.data().as_string().unwrap_or_else(|| "unknown error".into()));
        });
        channel.set_onmessage(Some(on_crash.as_ref().unchecked_ref()));
        Bridge { bridge, _crash_channel: channel, _on_crash: on_crash }
    }

    pub fn send(&self, request: W::Input) {
        self.bridge.send(request);
    }
}

impl<W: Worker> Drop for Bridge<W> {
    fn drop(&mut self) {
        self._crash_channel.set_onmessage(None);
        self._crash_channel.close();
    }
}
