//! Ingest throughput, natively: `cargo run --release -p glassbox-pipeline --example ingest_bench -- FILE...`
//! (make the files with scripts/make_big_csv.py). Prints MB/s for reading the
//! whole file into a table, best of three runs, and the time to summarise it
//! (kinds, flags, distinct counts) as the app's schema panel does. A
//! benchmark, not a test.

use std::time::Instant;

use glassbox_pipeline::ingest::{read_csv, ReadOptions};

fn main() {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).expect("readable file");
        let mut best = f64::INFINITY;
        let mut table = None;
        for _ in 0..3 {
            let t = Instant::now();
            table = Some(read_csv(&bytes, &ReadOptions::default()).expect("a table"));
            best = best.min(t.elapsed().as_secs_f64());
        }
        let table = table.expect("three runs");
        let t = Instant::now();
        glassbox_pipeline::inspect_table(&table, None).expect("a summary");
        let summary = t.elapsed().as_secs_f64();
        let mb = bytes.len() as f64 / 1e6;
        println!(
            "{path}: {mb:.1} MB, {} rows, read best {best:.3} s = {:.0} MB/s; summary {summary:.3} s",
            table.n_rows,
            mb / best
        );
    }
}
