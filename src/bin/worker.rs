//! The Web Worker entry point: everything heavy runs here, off the page's thread.

#![forbid(unsafe_code)]

#[cfg(target_arch = "wasm32")]
fn main() {
    glassbox_worker::web::register();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the Glassbox worker runs in a browser");
}
