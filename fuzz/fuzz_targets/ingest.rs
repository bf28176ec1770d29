//! Fuzzes the ingest entry point: any bytes, read whole and in slices, must
//! give a table or an error, never a panic or a hang, and the slices must
//! agree with the whole.
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
});
