//! The PDF worker: makes `report.pdf` from a training outcome. It is a
//! worker of its own, started only when a person asks for a PDF, so the
//! PDF code (krilla, the SVG renderer and the font, about as big as the
//! rest of the app) never weighs on the first page load.
//!
//! The protocol is three messages: the worker posts `"ready"` once its
//! handler is in place (a message posted before that would be lost), the
//! page posts the outcome and its charts, drawn on the page's thread since
//! plotters measures text through the DOM (encoded as the pipeline
//! worker's messages are),
//! and the worker answers `{pdf: Uint8Array}` or `{error: string}`, also
//! when it panics, so the page never waits for an answer that cannot come.

#![forbid(unsafe_code)]

#[cfg(target_arch = "wasm32")]
fn main() {
    use gloo_worker::Codec;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    fn answer(field: &str, value: &JsValue) {
        let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &field.into(), value);
        let _ = scope.post_message(&message);
    }

    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        answer("error", &JsValue::from_str(&format!("the PDF could not be made: {info}")));
    }));
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|e: web_sys::MessageEvent| {
        let (outcome, charts): (glassbox_pipeline::TrainOutcome, glassbox_pdf::Charts) =
            glassbox_worker::web::WasmCodec::decode(e.data());
        match glassbox_pdf::render_with(&outcome, &charts) {
            Ok(bytes) => answer("pdf", &js_sys::Uint8Array::from(bytes.as_slice()).into()),
            Err(e) => answer("error", &JsValue::from_str(&e.to_string())),
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let _ = scope.post_message(&JsValue::from_str("ready"));
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the Glassbox PDF worker runs in a browser");
}
