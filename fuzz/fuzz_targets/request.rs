//! Fuzzes the REST server's request handling as far as it is plain Rust: any
//! body must be parsed into rows or refused with a reason, never a panic,
//! and rows that parse must be checked and scored against two real models
//! (iris's numbers; penguins' categories and missing values) to a score or
//! a rejection that names the field.
#![no_main]

use glassbox_pipeline::rows::{parse_body, score};
use glassbox_pipeline::ModelFile;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn models() -> &'static [ModelFile] {
    static MODELS: OnceLock<Vec<ModelFile>> = OnceLock::new();
    MODELS.get_or_init(|| {
        [
            include_str!("../../crates/cli/tests/golden/iris_logistic_regression/model.json"),
            include_str!("../../crates/cli/tests/golden/penguins_sex_gradient_boosting/model.json"),
        ]
        .iter()
        .map(|m| ModelFile::from_json(m).expect("a golden model reads"))
        .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(body) = parse_body(data, 100) else { return };
    for model in models() {
        if let Ok(scored) = score(model, &body.rows, body.batch) {
            assert_eq!(scored.len(), body.rows.len(), "one answer per row");
        }
    }
});
