//! Fuzzes model-file import: any bytes must give a model or a clear error,
//! never a panic, and a model that is accepted must predict on a small file
//! of its own columns (values that fit, values that do not, missing ones)
//! without a panic, and survive writing and reading again.
#![no_main]

use glassbox_pipeline::ingest::ReadOptions;
use glassbox_pipeline::ModelFile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(model) = ModelFile::from_bytes(data) else { return };
    // A header of the schema's columns (quoted, since a fuzzed name may hold
    // a delimiter) and rows of a number, text, a date and a missing value.
    let names: Vec<String> = model.schema.columns.iter().map(|c| quoted(&c.original_name)).collect();
    let mut csv = names.join(",");
    csv.push('\n');
    for value in ["1.5", "x", "2021-03-04", "", "-1e300"] {
        csv.push_str(&vec![value; names.len()].join(","));
        csv.push('\n');
    }
    let _ = glassbox_pipeline::predict(&model, csv.as_bytes(), &ReadOptions::default());
    let again = ModelFile::from_json(&model.to_json()).expect("a model that was read reads again once written");
    assert_eq!(again.to_json(), model.to_json(), "writing and reading again changed the model");
});

fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}
