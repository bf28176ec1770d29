//! Fuzzes the ingest entry point: any bytes, read whole and in slices, must
//! give a table or an error, never a panic or a hang, and the slices must
//! agree with the whole. Read in two parts, as the browser's two workers
//! read a large file (with room made for the whole file after the first
//! part of it), they must agree with one session too.
#![no_main]

use glassbox_pipeline::ingest::{read_csv, IngestSession, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = ReadOptions::default();
    let whole = read_csv(data, &opts);
    // The first byte picks a slice size, so slice boundaries land everywhere.
    let size = usize::from(data.first().copied().unwrap_or(1)).max(1);
    let sliced = IngestSession::new(&data[..data.len().min(1 << 20)], &opts).and_then(|mut s| {
        for chunk in data.chunks(size) {
            s.feed(chunk)?;
        }
        s.finish()
    });
    match (&whole, &sliced) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "slices of {size} disagree with the whole"),
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("whole {:?} vs sliced {:?}", whole.as_ref().map(|_| ()), sliced.as_ref().map(|_| ())),
    }
    if let Ok(t) = whole {
        for c in &t.columns {
            assert_eq!(c.len(), t.n_rows);
        }
    }
    two_parts(data, &opts);
});

/// Kinds decided at one line end and the second part begun at another
/// (both picked by the second and third bytes): the table must be the one
/// a single session makes with its kinds decided at the same line end.
fn two_parts(data: &[u8], opts: &ReadOptions) {
    let ends: Vec<usize> = (0..data.len()).filter(|&i| data[i] == b'\n').map(|i| i + 1).collect();
    if ends.is_empty() || data.len() < 3 {
        return;
    }
    let typed_at = ends[usize::from(data[1]) % ends.len()];
    let later: Vec<usize> = ends.iter().copied().filter(|&e| e >= typed_at).collect();
    let split = later[usize::from(data[2]) % later.len()];
    let sha = Some("0".repeat(64));
    let start = |data: &[u8]| -> glassbox_pipeline::Result<IngestSession> {
        let mut s = IngestSession::new(&data[..data.len().min(1 << 20)], opts)?;
        s.hash_elsewhere();
        s.feed(&data[..typed_at])?;
        s.type_now();
        Ok(s)
    };
    let one = start(data).and_then(|mut s| {
        s.feed(&data[typed_at..])?;
        s.finish_with_sha256(sha.clone())
    });
    let parts = start(data).and_then(|mut s| {
        // As the browser's main worker does after its first slice: room for
        // the whole file, which must change nothing in the table.
        s.reserve_for(data.len() as u64);
        let Some(spec) = s.part_spec() else {
            s.feed(&data[typed_at..])?;
            return s.finish_with_sha256(sha.clone());
        };
        s.feed(&data[typed_at..split])?;
        let part = IngestSession::for_part(&spec).and_then(|mut p| {
            p.feed(&data[split..])?;
            p.into_part()
        });
        let taken = match part {
            Ok(part) => s.absorb(part)?,
            Err(_) => false,
        };
        if !taken {
            s.feed(&data[split..])?;
        }
        s.finish_with_sha256(sha.clone())
    });
    assert_eq!(one, parts, "typed at byte {typed_at}, split at byte {split}");
}
