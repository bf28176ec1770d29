//! The formats worker: reads a workbook, Parquet, JSON Lines or gzip file
//! into text, and writes predictions as Parquet. A worker of its own,
//! started only when a file is one of those formats or Parquet is asked
//! for, so the pipeline workers of the pool (and every first visit) carry
//! none of calamine's or arrow-rs's code (see `glassbox_worker::formats`).

#![forbid(unsafe_code)]

#[cfg(target_arch = "wasm32")]
fn main() {
    glassbox_worker::web::register_formats();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("the Glassbox formats worker runs in a browser");
}
