//! Fuzzes the Parquet reader of glassbox-formats: any bytes give its text or
//! an error naming what is wrong, never a panic, a hang or an allocation
//! past the (small) limits given, whatever its footer claims; text it gives
//! reads as CSV without a panic.
#![no_main]

use glassbox_formats::{reader, Options};
use glassbox_pipeline::ingest::{read_csv, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = Options { sheet: None, max_bytes: 1 << 24, max_cells: 1 << 20 };
    let r = reader("parquet").expect("the reader is listed");
    if let Ok(decoded) = r.read(data, "fuzz", &opts) {
        let _ = read_csv(&decoded.bytes, &ReadOptions::default());
    }
});
