//! The few browser calls the app needs: reading a file, fetching a bundled
//! sample, and saving a download. Errors come back as plain sentences.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

fn js_message(e: JsValue) -> String {
    e.as_string()
        .or_else(|| js_sys::Reflect::get(&e, &"message".into()).ok().and_then(|m| m.as_string()))
        .unwrap_or_else(|| format!("{e:?}"))
}

/// The SHA-256 of a file in lower-case hex, from the browser's own
/// implementation, run in a small worker of its own (`hash-worker.js`): it
/// runs natively, off the worker that parses the file, where hashing in
/// wasm took as long as the parsing, and off the page's thread, which it
/// blocked for 0.3 s per 100 MB. It needs the whole file in memory at once,
/// so the caller limits it to files of moderate size.
pub async fn sha256_hex(file: &web_sys::File) -> Result<String, String> {
    let cannot = |e: JsValue| format!("cannot hash {}: {}", file.name(), js_message(e));
    let worker = web_sys::Worker::new("./hash-worker.js").map_err(cannot)?;
    let answer = js_sys::Promise::new(&mut |resolve, reject| {
        let on_message =
            Closure::once_into_js(move |e: web_sys::MessageEvent| resolve.call1(&JsValue::NULL, &e.data()));
        worker.set_onmessage(Some(on_message.unchecked_ref()));
        let on_error = Closure::once_into_js(move |e: JsValue| reject.call1(&JsValue::NULL, &e));
        worker.set_onerror(Some(on_error.unchecked_ref()));
    });
    worker.post_message(file).map_err(cannot)?;
    let answer = JsFuture::from(answer).await;
    worker.terminate();
    let answer = answer.map_err(cannot)?;
    let field = |name: &str| js_sys::Reflect::get(&answer, &name.into()).ok().and_then(|v| v.as_string());
    match (field("hex"), field("error")) {
        (Some(hex), _) => Ok(hex),
        (None, Some(error)) => Err(format!("cannot hash {}: {error}", file.name())),
        (None, None) => Err(format!("cannot hash {}: the hashing worker gave no answer", file.name())),
    }
}

/// `report.pdf` for an outcome, made by the PDF worker (`src/bin/pdf.rs`),
/// which is started here and only here, and stopped when it has answered.
pub async fn make_pdf(outcome: &glassbox_pipeline::TrainOutcome) -> Result<Vec<u8>, String> {
    use gloo_worker::Codec;
    let cannot = |e: JsValue| format!("cannot make the PDF: {}", js_message(e));
    let worker = web_sys::Worker::new("./pdf_loader.js").map_err(cannot)?;
    // Each message (first "ready", then the answer) resolves one promise.
    let next = |worker: &web_sys::Worker| {
        js_sys::Promise::new(&mut |resolve, reject| {
            let on_message =
                Closure::once_into_js(move |e: web_sys::MessageEvent| resolve.call1(&JsValue::NULL, &e.data()));
            worker.set_onmessage(Some(on_message.unchecked_ref()));
            let on_error = Closure::once_into_js(move |e: JsValue| reject.call1(&JsValue::NULL, &e));
            worker.set_onerror(Some(on_error.unchecked_ref()));
        })
    };
    let result = async {
        JsFuture::from(next(&worker)).await.map_err(cannot)?;
        let answer = next(&worker);
        // The charts are drawn here: plotters measures text through the DOM, which a worker lacks.
        let message = (outcome, glassbox_pdf::Charts::of(outcome));
        worker.post_message(&glassbox_worker::web::WasmCodec::encode(&message)).map_err(cannot)?;
        let answer = JsFuture::from(answer).await.map_err(cannot)?;
        let field = |name: &str| js_sys::Reflect::get(&answer, &name.into()).ok().filter(|v| !v.is_undefined());
        match (field("pdf"), field("error")) {
            (Some(pdf), _) => Ok(Uint8Array::new(&pdf).to_vec()),
            (None, Some(error)) => Err(error.as_string().unwrap_or_else(|| "cannot make the PDF".to_string())),
            (None, None) => Err("cannot make the PDF: the PDF worker gave no answer".to_string()),
        }
    }
    .await;
    worker.terminate();
    result
}

/// Fetches a bundled sample from the same site the app came from.
pub async fn fetch_sample(path: &str) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response = JsFuture::from(window.fetch_with_str(path))
        .await
        .map_err(|e| format!("cannot load the sample {path}: {}", js_message(e)))?;
    let response: web_sys::Response = response.dyn_into().map_err(js_message)?;
    if !response.ok() {
        return Err(format!("cannot load the sample {path}: the server answered {}", response.status()));
    }
    let buffer = JsFuture::from(response.array_buffer().map_err(js_message)?)
        .await
        .map_err(|e| format!("cannot load the sample {path}: {}", js_message(e)))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// The bytes of a file the person picked or dropped. For the predict
/// step's model files and CSVs, which are read whole on the page.
pub async fn read_file(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("cannot read {}: {}", file.name(), js_message(e)))?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// Puts `text` on the clipboard (the alert payload's Copy button). The
/// browser may refuse without a secure context; the text stays selectable.
pub fn copy_text(text: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

/// Offers `contents` as a file download named `name`.
pub fn download(name: &str, mime: &str, contents: &str) -> Result<(), String> {
    download_value(name, mime, &JsValue::from_str(contents))
}

/// Offers `bytes` as a file download named `name`.
pub fn download_bytes(name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    download_value(name, mime, &Uint8Array::from(bytes).into())
}

/// Offers what `write` writes as a file download named `name`, passed to
/// the browser in pieces of 16 MB as they are made: a fully grown forest's
/// model file passes a gigabyte, more than one JavaScript string may hold
/// (V8's limit is half a billion characters), and a copy of it all in the
/// page's memory beside the forest.
pub fn download_written(
    name: &str,
    mime: &str,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), String> {
    const PIECE: usize = 16 << 20;
    struct Pieces {
        parts: Array,
        buffer: Vec<u8>,
    }
    impl Pieces {
        fn pass(&mut self) {
            if !self.buffer.is_empty() {
                self.parts.push(&Uint8Array::from(self.buffer.as_slice()));
                self.buffer.clear();
            }
        }
    }
    impl std::io::Write for Pieces {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.buffer.extend_from_slice(bytes);
            if self.buffer.len() >= PIECE {
                self.pass();
            }
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut pieces = Pieces { parts: Array::new(), buffer: Vec::with_capacity(PIECE + (64 << 10)) };
    write(&mut pieces).map_err(|e| format!("{name}: {e}"))?;
    pieces.pass();
    download_parts(name, mime, &pieces.parts)
}

fn download_value(name: &str, mime: &str, contents: &JsValue) -> Result<(), String> {
    download_parts(name, mime, &Array::of1(contents))
}

fn download_parts(name: &str, mime: &str, parts: &Array) -> Result<(), String> {
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_buffer_source_sequence_and_options(parts, &options).map_err(js_message)?;
    let url = Url::create_object_url_with_blob(&blob).map_err(js_message)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: HtmlAnchorElement = document.create_element("a").map_err(js_message)?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    // The click has started the download; the URL can go once it has been read.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 10_000);
    }
    Ok(())
}

/// The page's clock in milliseconds (`performance.now()`).
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// Brings section `id` into view (the results, when they come).
pub fn scroll_to(id: &str) {
    if let Some(e) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id)) {
        e.scroll_into_view();
    }
}

/// How many resources this page has loaded from anywhere but its own origin,
/// from the browser's own resource-timing record. The privacy indicator shows
/// it, so "nothing left this site" is checked rather than promised.
pub fn offsite_requests() -> usize {
    let Some(window) = web_sys::window() else {
        return 0;
    };
    let Ok(own) = window.location().origin() else {
        return 0;
    };
    let Some(performance) = window.performance() else {
        return 0;
    };
    performance
        .get_entries_by_type("resource")
        .iter()
        .filter_map(|e| e.dyn_into::<web_sys::PerformanceEntry>().ok())
        .filter(|e| Url::new(&e.name()).map(|u| u.origin() != own).unwrap_or(false))
        .count()
}

/// Terminates every Web Worker the page made. gloo-worker's bridge does not
/// expose its `Worker`, so `index.html` wraps the `Worker` constructor to
/// remember them in `__glassboxWorkers`. A busy worker reads no messages, so
/// terminating it is the only way to stop a run at once.
pub fn terminate_workers() {
    let global = js_sys::global();
    if let Ok(list) = js_sys::Reflect::get(&global, &"__glassboxWorkers".into()) {
        for w in Array::from(&list).iter() {
            if let Ok(w) = w.dyn_into::<web_sys::Worker>() {
                w.terminate();
            }
        }
        let _ = js_sys::Reflect::set(&global, &"__glassboxWorkers".into(), &Array::new());
    }
}

/// Calls `glassboxStore.<method>(args…)` (public/store.js) and awaits it.
async fn store_call(method: &str, args: &[&JsValue]) -> Result<JsValue, String> {
    let store = js_sys::Reflect::get(&js_sys::global(), &"glassboxStore".into())
        .ok()
        .filter(|s| s.is_object())
        .ok_or("the storage script (store.js) is missing")?;
    let function: js_sys::Function =
        js_sys::Reflect::get(&store, &method.into()).map_err(js_message)?.dyn_into().map_err(js_message)?;
    let list = Array::new();
    args.iter().for_each(|a| {
        list.push(a);
    });
    let promise: js_sys::Promise = function.apply(&store, &list).map_err(js_message)?.dyn_into().map_err(js_message)?;
    JsFuture::from(promise).await.map_err(js_message)
}

/// The value kept under `key` in this browser, `None` when there is none.
pub async fn stored(key: &str) -> Result<Option<JsValue>, String> {
    let value = store_call("get", &[&key.into()]).await?;
    Ok((!value.is_undefined() && !value.is_null()).then_some(value))
}

/// Keeps `value` (any structured-cloneable value: a File, a plain object) under `key`.
pub async fn store(key: &str, value: &JsValue) -> Result<(), String> {
    store_call("put", &[&key.into(), value]).await.map(drop)
}

/// Drops what is kept under `key`.
pub async fn unstore(key: &str) -> Result<(), String> {
    store_call("remove", &[&key.into()]).await.map(drop)
}

/// Drops everything kept.
pub async fn clear_store() -> Result<(), String> {
    store_call("clear", &[]).await.map(drop)
}

/// Bytes the site may still keep, where the browser says.
pub async fn storage_room() -> Option<f64> {
    store_call("room", &[]).await.ok().and_then(|v| v.as_f64())
}

/// A file of these bytes, to keep a sample as a dropped file is kept.
pub fn file_of(name: &str, bytes: &[u8]) -> Result<web_sys::File, String> {
    let parts = Array::of1(&Uint8Array::from(bytes));
    web_sys::File::new_with_u8_array_sequence(&parts, name).map_err(js_message)
}

/// Loads the page again from the start.
pub fn reload() {
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}
