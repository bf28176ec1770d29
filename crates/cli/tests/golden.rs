//! Golden files that pin every output a user keeps: `model.json`,
//! `metrics.json`, predictions and `report.html` (and `report.pdf` for five
//! of the cases) for every model on a binary
//! data set (penguins' `sex`: categorical columns and missing values) and a
//! multiclass one (iris), plus a search, a cross-validated run, a time-window
//! run and a comparison (`leaderboard.json`).
//!
//! They exist so that code can move between crates without a byte of output
//! changing: a diff here is either a bug or a deliberate format decision.
//! After an intended change, `UPDATE_GOLDEN=1 cargo test -p glassbox-cli
//! --test golden` rewrites them; review the diff.

use std::path::{Path, PathBuf};
use std::process::Command;

fn sample(name: &str) -> String {
    format!("{}/../../public/samples/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn golden_dir(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(case)
}

fn run(args: &[&str]) {
    // The commit the binary was built from changes with every commit: pinned.
    let o = Command::new(env!("CARGO_BIN_EXE_glassbox"))
        .env("GLASSBOX_BUILD_COMMIT", "golden")
        .args(args)
        .output()
        .expect("the binary runs");
    assert!(o.status.success(), "glassbox {}: {}", args.join(" "), String::from_utf8_lossy(&o.stderr));
}

/// Timings are the one thing that may differ between runs (they are only in
/// the leaderboard), so their values are blanked, line by line, before
/// comparing; everything else, key order included, stays as written.
fn without_timings(bytes: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8(bytes).unwrap();
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        match line.find("_seconds\": ") {
            Some(at) => {
                let keep = &line[..at + "_seconds\": ".len()];
                let comma = if line.trim_end().ends_with(',') { "," } else { "" };
                out.push_str(&format!("{keep}null{comma}\n"));
            }
            None => out.push_str(line),
        }
    }
    out.into_bytes()
}

/// Compares each produced file with its golden copy byte for byte (or
/// rewrites the copy under `UPDATE_GOLDEN=1`), and returns the names that differ.
fn check(case: &str, produced: &Path, files: &[&str]) -> Vec<String> {
    let dir = golden_dir(case);
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut differ = Vec::new();
    for f in files {
        let mut bytes = std::fs::read(produced.join(f)).unwrap_or_else(|e| panic!("{case}/{f}: {e}"));
        if *f == "leaderboard.json" {
            bytes = without_timings(bytes);
        }
        let path = dir.join(f);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        } else {
            let want = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            if want != bytes {
                differ.push(format!("{case}/{f}"));
            }
        }
    }
    differ
}

/// Trains with `args`, predicts the same file, and checks all four outputs.
fn check_train(case: &str, data: &str, args: &[&str]) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut train = vec!["train", data, "--out", out.to_str().unwrap(), "--workers", "2"];
    train.extend_from_slice(args);
    run(&train);
    let predictions = out.join("predictions.csv");
    run(&["predict", out.join("model.json").to_str().unwrap(), data, "--out", predictions.to_str().unwrap()]);
    let mut files = vec!["model.json", "metrics.json", "predictions.csv", "report.html"];
    if PDF_CASES.contains(&case) {
        files.push("report.pdf");
    }
    check(case, &out, &files)
}

/// The cases whose `report.pdf` is pinned too: one of each section's shape
/// (binary and multiclass, cross-validation, a search, time windows), not
/// all 21, to keep the repository small. `pdftotext` shows what changed.
const PDF_CASES: [&str; 5] = [
    "penguins_sex_logistic_regression",
    "iris_random_forest",
    "penguins_sex_cv5_forest",
    "iris_search_both",
    "penguins_species_time_windows",
];

const MODELS: [&str; 9] = [
    "logistic_regression",
    "knn",
    "naive_bayes",
    "decision_tree",
    "random_forest",
    "extra_trees",
    "gradient_boosting",
    "baseline_most_frequent",
    "baseline_stratified",
];

#[test]
fn every_model_writes_the_same_bytes_on_binary_and_multiclass_data() {
    let penguins = sample("penguins.csv");
    let iris = sample("iris.csv");
    let mut differ = Vec::new();
    for model in MODELS {
        differ.extend(check_train(&format!("penguins_sex_{model}"), &penguins, &["--target", "sex", "--model", model]));
        differ.extend(check_train(&format!("iris_{model}"), &iris, &["--target", "species", "--model", model]));
    }
    assert!(differ.is_empty(), "outputs changed: {differ:?}");
}

#[test]
fn search_cv_time_windows_and_compare_write_the_same_bytes() {
    let penguins = sample("penguins.csv");
    let iris = sample("iris.csv");
    let mut differ = Vec::new();
    differ.extend(check_train(
        "iris_search_both",
        &iris,
        &["--target", "species", "--model", "gradient_boosting", "--search", "both", "--trials", "8"],
    ));
    differ.extend(check_train(
        "penguins_sex_cv5_forest",
        &penguins,
        &["--target", "sex", "--model", "random_forest", "--cv", "5"],
    ));
    differ.extend(check_train(
        "penguins_species_time_windows",
        &penguins,
        &["--target", "species", "--time-column", "year", "--time-windows", "2", "--drop", "year"],
    ));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cmp");
    run(&["compare", &penguins, "--target", "sex", "--cv", "3", "--workers", "2", "--out", out.to_str().unwrap()]);
    differ.extend(check("penguins_sex_compare", &out, &["leaderboard.json"]));
    assert!(differ.is_empty(), "outputs changed: {differ:?}");
}
