//! The Glassbox web app: a thin Leptos UI over the pipeline, which runs in a
//! Web Worker. Components hold plain data in signals and render it; every
//! computation lives in the pipeline, charts and report crates.
//!
//! The app only exists for wasm32; natively this is an empty program, so the
//! workspace's native `cargo test` does not build a browser UI.

#![forbid(unsafe_code)]

// The layers, each using only those listed after it: the shell and its
// pages, the controller, the transport, the state; `browser` wraps the
// browser APIs for all of them.
#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod browser;
#[cfg(target_arch = "wasm32")]
mod controller;
#[cfg(target_arch = "wasm32")]
mod pages;
#[cfg(any(test, target_arch = "wasm32"))]
mod progress;
#[cfg(target_arch = "wasm32")]
mod state;
#[cfg(target_arch = "wasm32")]
mod transport;

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    // The loading line of index.html has done its work.
    if let Some(boot) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("boot")) {
        boot.remove();
    }
    leptos::mount::mount_to_body(app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the Glassbox web app runs in a browser: build it with `make dist` or `make serve`");
}
