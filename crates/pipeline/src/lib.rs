//! The Glassbox pipeline core.
//!
//! Bytes and plain structs in, values out: no I/O, no browser, no charts. The
//! same code runs natively in the `glassbox` CLI and as WebAssembly in the
//! app's Web Worker, and for a given input, settings and seed it returns the
//! same numbers in both.
//!
//! ```
//! use glassbox_pipeline::{train, TrainSpec};
//! let csv = b"x,y\n1,a\n2,a\n3,a\n4,a\n5,a\n6,b\n7,b\n8,b\n9,b\n10,b\n";
//! let out = train(csv, "tiny.csv", &TrainSpec { target: "y".into(), ..TrainSpec::default() }).unwrap();
//! assert_eq!(out.classes, ["a", "b"]);
//! assert_eq!(out.test_rows().len(), 2);
//! ```

pub mod boosting;
pub mod control;
pub mod distinct;
pub mod error;
pub mod features;
pub mod ingest;
pub mod labels;
pub mod metrics;
pub mod model;
pub mod model_file;
pub mod optim;
pub mod quality;
pub mod run;
pub mod search;
pub mod split;
pub mod trees;
pub mod validate;

pub use control::{Control, Progress};
pub use error::{Error, ErrorKind, Result};
pub use model_file::ModelFile;
pub use run::{inspect, inspect_table, predict, train, train_table, Inspection, Prediction, TrainOutcome, TrainSpec};

/// The Glassbox version written into model files and reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg(test)]
mod determinism {
    /// Regression guard: the search used the platform's `ln` and `powf`,
    /// which may round differently in wasm than natively, so the browser
    /// could search other parameters than the CLI. Everything that reaches a
    /// model or a metric uses the `libm` crate.
    #[test]
    fn the_pipeline_calls_no_platform_transcendental_function() {
        let banned = [
            ".ln()",
            ".exp()",
            ".powf(",
            ".sin()",
            ".cos()",
            ".tan()",
            ".log10()",
            ".log2()",
            ".ln_1p()",
            ".exp_m1()",
            ".tanh()",
            ".atan2(",
        ];
        let mut stack = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
        let mut found = Vec::new();
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("lib.rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for (n, line) in text.lines().enumerate() {
                        if !line.trim_start().starts_with("//") && banned.iter().any(|b| line.contains(b)) {
                            found.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                        }
                    }
                }
            }
        }
        assert!(found.is_empty(), "use the libm crate instead:\n{}", found.join("\n"));
    }
}
