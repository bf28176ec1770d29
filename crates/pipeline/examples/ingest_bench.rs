//! Ingest throughput, natively: `cargo run --release -p glassbox-pipeline --example ingest_bench -- FILE...`
//! (make the files with scripts/make_big_csv.py). Prints MB/s for reading the
//! whole file into a table, best of three runs, and the time to summarise it
//! (kinds, flags, distinct counts) as the app's schema panel does. A
//! benchmark, not a test.

use std::time::Instant;

use glassbox_pipeline::ingest::{read_csv, IngestSession, ReadOptions};

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
        let parts = two_parts(&bytes);
        println!(
            "{path}: {mb:.1} MB, {} rows, read best {best:.3} s = {:.0} MB/s; summary {summary:.3} s",
            table.n_rows,
            mb / best
        );
        if let Some((first, second, pack, absorb)) = parts {
            println!(
                "  in two parts, one after the other: first {first:.3} s, second {second:.3} s, into_part {pack:.3} s, absorb {absorb:.3} s"
            );
        }
    }
}

/// Reads the file as the browser's two workers do, here one after the
/// other: the first part to a line end near the middle, the second part
/// from there, then the first absorbs the second. Returns the seconds each
/// step took, for the cost of handing a part over.
fn two_parts(bytes: &[u8]) -> Option<(f64, f64, f64, f64)> {
    let opts = ReadOptions::default();
    let sample = &bytes[..bytes.len().min(glassbox_pipeline::ingest::SNIFF_BYTES)];
    let split = bytes.len() / 2 + bytes[bytes.len() / 2..].iter().position(|&b| b == b'\n')? + 1;
    let t = Instant::now();
    let mut first = IngestSession::new(sample, &opts).ok()?;
    first.hash_elsewhere();
    first.feed(&bytes[..split]).ok()?;
    let first_s = t.elapsed().as_secs_f64();
    let spec = first.part_spec()?;
    let t = Instant::now();
    let mut second = IngestSession::for_part(&spec).ok()?;
    second.feed(&bytes[split..]).ok()?;
    let second_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let part = second.into_part().ok()?;
    let pack = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let taken = first.absorb(part).ok()?;
    let absorb = t.elapsed().as_secs_f64();
    taken.then_some((first_s, second_s, pack, absorb))
}
