//! The formats worker (`glassbox_worker::formats`): started for one errand
//! (read a workbook, Parquet, JSON Lines or gzip file; write Parquet), let
//! go once it has answered. Neither the page nor the pipeline workers carry
//! those readers, so a first visit and every pool worker compile none of
//! them.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use glassbox_worker::web::FormatsBridge;
use glassbox_worker::{FormatsRequest, FormatsResponse};

thread_local! {
    /// The workers on an errand, by a number of their own, kept alive until they answer.
    static ERRANDS: RefCell<BTreeMap<u64, FormatsBridge>> = const { RefCell::new(BTreeMap::new()) };
    static NEXT: Cell<u64> = const { Cell::new(0) };
}

/// Has a formats worker of its own answer `request`: `answer` gets its
/// answer, `on_error` the message of a failure or of its crash.
pub fn errand(
    request: FormatsRequest,
    on_error: impl Fn(String) + 'static,
    answer: impl Fn(FormatsResponse) + 'static,
) {
    let id = NEXT.with(|n| n.replace(n.get() + 1));
    let failed = std::rc::Rc::new(on_error);
    let on_crash = failed.clone();
    let bridge = FormatsBridge::spawn(
        glassbox_worker::web::FORMATS_SCRIPT,
        move |response| {
            match response {
                FormatsResponse::Failed { message, .. } => failed(message),
                other => answer(other),
            }
            done(id);
        },
        move |panic| {
            on_crash(format!("the file could not be read: {panic}"));
            done(id);
        },
    );
    bridge.send(request);
    ERRANDS.with(|e| e.borrow_mut().insert(id, bridge));
}

/// The errand `id` is over: its worker goes once the callback that said so has returned.
fn done(id: u64) {
    leptos::task::spawn_local(async move {
        ERRANDS.with(|e| e.borrow_mut().remove(&id));
    });
}
