//! The TreeSHAP benchmark, natively (a benchmark, not a test):
//!
//! ```text
//! python3 scripts/bench_models.py data target/bench/models.csv
//! cargo run --release -p glassbox-pipeline --example shap_bench -- target/bench/models.csv [ROWS] [THREADS] [MODEL...]
//! python3 scripts/shap_reference.py target/bench/models.csv target/bench/split.json [ROWS]
//! ```
//!
//! Trains each tree model as `glassbox train` does (seed 42, stratified
//! 80/20 split, no importance), then explains the first ROWS test rows
//! (default 1000) with exact TreeSHAP and prints one JSON line per model:
//! the explanation's seconds on THREADS threads (default 1), rows per
//! second, and the largest additivity error. It writes the split
//! (`split.json`) so `shap.TreeExplainer` explains the same rows.

use std::time::Instant;

use glassbox_pipeline::explain::{explain_matrix, Sampling};
use glassbox_pipeline::ingest::{read_csv, ReadOptions};
use glassbox_pipeline::model::ModelSpec;
use glassbox_pipeline::run::train_table_with;
use glassbox_pipeline::{Control, TrainSpec};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: shap_bench DATA.csv [ROWS] [THREADS] [MODEL...]");
    let rows: usize = args.next().map_or(1000, |t| t.parse().expect("a row count"));
    let threads: usize = args.next().map_or(1, |t| t.parse().expect("a thread count"));
    let mut names: Vec<String> = args.collect();
    if names.is_empty() {
        names = vec!["random_forest".to_string(), "gradient_boosting".to_string()];
    }
    let bytes = std::fs::read(&path).expect("readable data");
    let table = read_csv(&bytes, &ReadOptions::default()).expect("a table");
    let start = Instant::now();
    let clock = move || start.elapsed().as_secs_f64();
    let control = Control { clock: Some(&clock), progress: None, threads };
    for name in names {
        let spec = TrainSpec {
            model: ModelSpec::by_name(&name, 42).expect("a model name"),
            importance_repeats: 0,
            ..TrainSpec::for_target("y")
        };
        let out = train_table_with(&table, "models.csv", &spec, &control).expect("a trained model");
        let test = out.test_rows();
        let split = serde_json::json!({
            "train": (0..table.n_rows).filter(|r| test.binary_search(r).is_err()).collect::<Vec<_>>(),
            "test": test,
        });
        let dir = std::path::Path::new(&path).parent().expect("a folder");
        std::fs::write(dir.join("split.json"), split.to_string()).expect("split.json written");
        let model = &out.model;
        let explained: Vec<usize> = test.iter().take(rows).copied().collect();
        let x = model.features.transform(&table, &explained).expect("features");
        let chunks: Vec<Vec<usize>> = (0..x.n_rows).collect::<Vec<_>>().chunks(32).map(<[usize]>::to_vec).collect();
        let t0 = Instant::now();
        let parts = control
            .map("explanation", &chunks, |chunk| {
                let sub = x.select_rows(chunk);
                Ok(explain_matrix(model, &sub, &vec![1; chunk.len()], Sampling { permutations: 16, seed: 42 })?.1)
            })
            .expect("explanations");
        let seconds = t0.elapsed().as_secs_f64();
        let worst =
            parts.iter().flatten().map(|e| (e.base + e.phi.iter().sum::<f64>() - e.output).abs()).fold(0.0, f64::max);
        let depth = model.model.tree_ensemble(1).map_or(0, |e| e.trees.iter().map(|t| t.depth()).max().unwrap_or(0));
        let leaves = model.model.tree_ensemble(1).map_or(0, |e| {
            e.trees.iter().map(|t| t.nodes.iter().filter(|n| n.children.is_none()).count()).sum::<usize>()
        });
        println!(
            "{}",
            serde_json::json!({
                "model": name, "threads": threads, "rows": x.n_rows, "explain_seconds": seconds,
                "rows_per_second": x.n_rows as f64 / seconds, "max_additivity_error": worst,
                "deepest_tree": depth, "leaves": leaves, "train_seconds": out.timing.fit_seconds,
            })
        );
    }
}
