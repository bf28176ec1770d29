//! The main worker's bridge: where requests to it go and answers from it
//! come back. The bridge lives in a thread-local because it is not `Send`;
//! it is replaced with a fresh worker if the old one crashes, so the page
//! stays usable without a reload. Answers go to the handlers the controller
//! registers at start, so the transport never names the controller.

use std::cell::{Cell, RefCell};

use glassbox_worker::web::PipelineBridge;
use glassbox_worker::{Request, Response};

use crate::state::AppState;

/// What the controller does with the main worker's answers, and when it dies.
#[derive(Clone, Copy)]
pub struct Handlers {
    pub response: fn(AppState, Response),
    pub crash: fn(AppState, String),
}

thread_local! {
    static BRIDGE: RefCell<Option<PipelineBridge>> = const { RefCell::new(None) };
    static HANDLERS: Cell<Option<Handlers>> = const { Cell::new(None) };
    /// Counts crashes: a worker spawned before the last one was replaced with
    /// the rest, so a late report from it is not news.
    static CRASHES: Cell<u64> = const { Cell::new(0) };
}

/// What any worker (the main one, a pool helper, the reader) does when it
/// dies: the controller's crash handler, which replaces every worker and
/// reads the file again. Only the first report of a crash counts: when
/// several workers die together, a second report must not kill the fresh
/// workers of the person's retry.
pub fn on_crash(state: AppState) -> impl Fn(String) + 'static {
    let epoch = CRASHES.with(Cell::get);
    move |panic| {
        if CRASHES.with(Cell::get) != epoch {
            return;
        }
        CRASHES.with(|c| c.set(epoch + 1));
        if let Some(h) = HANDLERS.with(Cell::get) {
            (h.crash)(state, panic)
        }
    }
}

/// Has the controller take `message` as the main worker's failure (a
/// helper's, such as the formats worker's, that stops what the page awaited).
pub fn fail(state: AppState, message: String) {
    if let Some(h) = HANDLERS.with(Cell::get) {
        (h.response)(state, Response::Failed { message, kind: glassbox_pipeline::ErrorKind::Malformed })
    }
}

/// Starts the main worker with the page, not with the first file: fetching
/// and compiling its wasm took 0.1 s of every first read. Its answers and
/// its crash go to `handlers`.
pub fn start(state: AppState, handlers: Handlers) {
    HANDLERS.with(|h| h.set(Some(handlers)));
    restart(state);
}

/// A fresh main worker, with no table yet (after a crash).
pub fn restart(state: AppState) {
    BRIDGE.with(|b| *b.borrow_mut() = Some(spawn_worker(state)));
}

/// Forgets the main worker (after Cancel terminated it); the next request starts a new one.
pub fn drop_worker() {
    BRIDGE.with(|b| *b.borrow_mut() = None);
}

/// Sends `request` to the main worker as it is (see `loading::send_to_main`
/// for requests that must wait for the file's hash).
pub fn send(state: AppState, request: Request) {
    BRIDGE.with(|b| {
        if b.borrow().is_none() {
            *b.borrow_mut() = Some(spawn_worker(state));
        }
        if let Some(bridge) = b.borrow().as_ref() {
            bridge.send(request);
        }
    });
}

fn spawn_worker(state: AppState) -> PipelineBridge {
    let handlers = HANDLERS.with(Cell::get);
    PipelineBridge::spawn(
        glassbox_worker::web::WORKER_SCRIPT,
        move |response| {
            if let Some(h) = handlers {
                (h.response)(state, response)
            }
        },
        on_crash(state),
    )
}
