//! The model benchmark, natively (a benchmark, not a test):
//!
//! ```text
//! python3 scripts/bench_models.py data target/bench/models.csv
//! cargo run --release -p glassbox-pipeline --example model_bench -- target/bench/models.csv [THREADS] [MODEL...]
//! python3 scripts/bench_models.py sklearn target/bench/models.csv target/bench/split.json
//! ```
//!
//! On a number to predict (`bench_models.py data-regression`, then
//! `sklearn-regression`) the regressors run instead, and each line has the
//! test R² in place of the ROC AUC.
//!
//! Trains each model as `glassbox train` does (seed 42, stratified 80/20
//! split, median imputation and scaling) and prints one JSON line per model:
//! the final model's fit and predict seconds and its test ROC AUC. It also
//! writes the split (`split.json` beside the data) so scikit-learn is timed
//! and scored on the very same rows.

use std::time::Instant;

use glassbox_pipeline::ingest::{read_csv, ReadOptions};
use glassbox_pipeline::model::{model_names, ModelSpec};
use glassbox_pipeline::run::train_table_with;
use glassbox_pipeline::{Control, TrainSpec};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: model_bench DATA.csv [THREADS] [MODEL...]");
    let threads: usize = args.next().map_or(1, |t| t.parse().expect("a thread count"));
    let mut names: Vec<String> = args.collect();
    let bytes = std::fs::read(&path).expect("readable data");
    let table = read_csv(&bytes, &ReadOptions::default()).expect("a table");
    let task = glassbox_pipeline::run::task_of(&table, &TrainSpec::for_target("y")).expect("a target y");
    if names.is_empty() {
        names = model_names(task).iter().filter(|n| !n.starts_with("baseline")).map(|n| n.to_string()).collect();
    }
    let start = Instant::now();
    let clock = move || start.elapsed().as_secs_f64();
    let control = Control { clock: Some(&clock), progress: None, threads };
    let mut split_written = false;
    for name in names {
        // No interval: a regressor fits on every training row, the rows
        // split.json hands scikit-learn.
        let spec = TrainSpec {
            model: ModelSpec::by_name(&name, 42).expect("a model name"),
            interval: None,
            ..TrainSpec::for_target("y")
        };
        let out = train_table_with(&table, "models.csv", &spec, &control).expect("a trained model");
        if !split_written {
            let test = out.test_rows();
            let train: Vec<usize> = (0..table.n_rows).filter(|r| test.binary_search(r).is_err()).collect();
            let split = serde_json::json!({ "train": train, "test": test });
            let dir = std::path::Path::new(&path).parent().expect("a folder");
            std::fs::write(dir.join("split.json"), split.to_string()).expect("split.json written");
            split_written = true;
        }
        println!(
            "{}",
            serde_json::json!({
                "model": name,
                "threads": threads,
                "fit_seconds": out.timing.fit_seconds,
                "predict_seconds": out.timing.predict_seconds,
                "roc_auc": out.evaluation.roc_auc,
                "r2": out.regression.as_ref().and_then(|r| r.metrics.r2),
                "params": out.manifest.params,
            })
        );
    }
}
