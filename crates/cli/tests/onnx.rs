//! `glassbox export --onnx`: the exported graph, run by the real onnxruntime
//! (PyPI, installed by `make test`), gives `glassbox predict`'s
//! probabilities to 1e-5 and its labels, for every model kind that exports
//! and the feature steps they are trained with; the rest are refused.

use std::path::Path;
use std::process::Command;

use glassbox_pipeline::ingest::{ColumnKind, ReadOptions};
use glassbox_pipeline::ModelFile;
use serde_json::{json, Value};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_glassbox")
}

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(bin()).args(args).output().unwrap()
}

/// The graph's inputs for every row of `data`, read as the model reads them.
fn inputs(model: &ModelFile, bytes: &[u8]) -> Value {
    let table = glassbox_pipeline::run::read_as_trained(model, bytes, &ReadOptions::default()).unwrap();
    assert_eq!(table.n_rows, table.n_records, "the samples have no unreadable rows");
    let mut out = serde_json::Map::new();
    for fc in model.features.columns() {
        let col = &table.columns[table.column_index(fc.name()).unwrap()];
        let kind = model.schema.columns.iter().find(|c| c.name == fc.name()).unwrap().kind;
        let values: Vec<Value> = (0..table.n_rows)
            .map(|r| match kind {
                ColumnKind::Categorical => col.text(r).map_or(Value::Null, |t| json!(t)),
                ColumnKind::Boolean => {
                    col.number(r).map_or(Value::Null, |v| json!(if v == 1.0 { "true" } else { "false" }))
                }
                _ => col.number(r).map_or(Value::Null, |v| json!(v)),
            })
            .collect();
        out.insert(fc.name().to_string(), Value::Array(values));
    }
    Value::Object(out)
}

/// Trains, exports, predicts and scores in onnxruntime: the model file,
/// `glassbox predict`'s CSV text and onnxruntime's answer.
fn scored(dir: &Path, data: &str, target: &str, model: &str, extra: &[&str]) -> (ModelFile, String, Value) {
    // A sample's name, or a path (an absolute one replaces the folder).
    let data = root().join("public/samples").join(data).to_string_lossy().into_owned();
    let out = dir.join("m");
    let mut args = vec!["train", &data, "--target", target, "--model", model, "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let model_json = out.join("model.json");
    let onnx = dir.join("model.onnx");
    let o = run(&["export", model_json.to_str().unwrap(), "--onnx", onnx.to_str().unwrap()]);
    assert!(o.status.success(), "{model}: {}", String::from_utf8_lossy(&o.stderr));
    let preds = dir.join("p.csv");
    let o = run(&["predict", model_json.to_str().unwrap(), &data, "--out", preds.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let fitted = ModelFile::from_json(&std::fs::read_to_string(&model_json).unwrap()).unwrap();
    let feed = dir.join("inputs.json");
    std::fs::write(&feed, inputs(&fitted, &std::fs::read(&data).unwrap()).to_string()).unwrap();
    let answer = dir.join("onnx.json");
    let o = Command::new("python3")
        .arg(root().join("scripts/onnx_score.py"))
        .args([&onnx, &feed, &answer])
        .output()
        .expect("python3 runs");
    assert!(o.status.success(), "onnxruntime (make test installs it): {}", String::from_utf8_lossy(&o.stderr));
    let got: Value = serde_json::from_slice(&std::fs::read(&answer).unwrap()).unwrap();
    (fitted, std::fs::read_to_string(&preds).unwrap(), got)
}

/// A regressor's graph: `prediction`, `pi_low` and `pi_high` equal
/// `glassbox predict`'s to 1e-5 relative, and empty cells are NaN there.
fn check_number(data: &str, target: &str, model: &str, extra: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let (_, text, got) = scored(tmp.path(), data, target, model, extra);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("prediction,pi_low,pi_high,issue"));
    let mut worst = 0.0f64;
    let mut rows = 0;
    for (i, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        for (k, name) in ["prediction", "pi_low", "pi_high"].into_iter().enumerate() {
            let have = &got[name][i];
            if cells[k].is_empty() {
                assert!(have.is_null(), "{model} row {i} {name}: predict left it empty, onnxruntime gave {have}");
                continue;
            }
            let want: f64 = cells[k].parse().unwrap();
            let have = have.as_f64().unwrap_or_else(|| panic!("{model} row {i} {name}: no number from onnxruntime"));
            worst = worst.max((want - have).abs() / want.abs().max(1.0));
        }
        rows += 1;
    }
    println!("{model} {extra:?}: {rows} rows, largest relative |onnxruntime − glassbox predict| = {worst:.2e}");
    assert!(rows > 0 && worst <= 1e-5, "{model} {extra:?}: differ by {worst}");
}

#[test]
fn every_exported_regressor_scores_in_onnxruntime_as_glassbox_predict_does() {
    for model in ["ridge", "decision_tree", "random_forest", "extra_trees", "gradient_boosting"] {
        check_number("concrete.csv", "compressive_strength", model, &["--target-transform", "none"]);
    }
    // The inverse target transform and the Poisson link in the graph.
    check_number("concrete.csv", "compressive_strength", "ridge", &["--target-transform", "log1p"]);
    check_number("concrete.csv", "compressive_strength", "gradient_boosting", &["--target-transform", "log1p"]);
    check_number(
        "concrete.csv",
        "compressive_strength",
        "gradient_boosting",
        &["--param", "loss=poisson", "--target-transform", "none"],
    );
    // No interval: NaN where predict leaves the cells empty.
    check_number("concrete.csv", "compressive_strength", "ridge", &["--interval", "off"]);
    // CQR: two quantile ensembles beside the model, a Min and a Max; beside
    // a Poisson model they take no exp of their own.
    check_number(
        "concrete.csv",
        "compressive_strength",
        "ridge",
        &["--interval-method", "cqr", "--target-transform", "log1p"],
    );
    check_number(
        "concrete.csv",
        "compressive_strength",
        "gradient_boosting",
        &["--param", "loss=poisson", "--interval-method", "cqr", "--target-transform", "none"],
    );
    // CV+ (fewer than 500 training rows): five fold models and a TopK per end.
    let tmp = tempfile::tempdir().unwrap();
    let small = tmp.path().join("concrete_small.csv");
    let text = std::fs::read_to_string(root().join("public/samples/concrete.csv")).unwrap();
    std::fs::write(&small, text.lines().take(401).collect::<Vec<_>>().join("\n") + "\n").unwrap();
    let small = small.to_str().unwrap();
    check_number(small, "compressive_strength", "gradient_boosting", &["--target-transform", "log1p"]);
    check_number(small, "compressive_strength", "ridge", &["--target-transform", "none"]);
}

fn check(data: &str, target: &str, model: &str, extra: &[&str]) {
    let tmp = tempfile::tempdir().unwrap();
    let (fitted, text, got) = scored(tmp.path(), data, target, model, extra);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let (mut worst, mut ties) = (0.0f64, 0);
    for (i, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        let mut want = Vec::new();
        for (k, class) in fitted.classes.iter().enumerate() {
            let p: f64 = cells[header.iter().position(|h| *h == format!("proba_{class}")).unwrap()].parse().unwrap();
            let have = got["probabilities"][i][k].as_f64().unwrap();
            worst = worst.max((p - have).abs());
            want.push(p);
        }
        // The tree operators of ai.onnx.ml 3 sum in single precision, so a
        // forest's exact tie (0.5 against 0.5) can fall either way; every
        // other row gets the same label.
        let mut sorted = want.clone();
        sorted.sort_by(|a, b| b.total_cmp(a));
        let cut = fitted.threshold.as_ref().map(|t| (want[1] - t.value).abs());
        let near_tie = cut.unwrap_or(sorted[0] - sorted[1]) < 1e-6;
        if near_tie {
            ties += 1;
        } else {
            assert_eq!(got["label"][i], cells[0], "{model} row {i}");
        }
    }
    println!(
        "{model} {extra:?}: largest |onnxruntime − glassbox predict| = {worst:.2e}; {ties} exact ties not compared"
    );
    assert!(worst <= 1e-5, "{model} {extra:?}: probabilities differ by {worst}");
}

#[test]
fn every_exported_model_scores_in_onnxruntime_as_glassbox_predict_does() {
    // Two classes with a text column and gaps (penguins' sex), three classes, and a saved threshold.
    for model in ["logistic_regression", "decision_tree", "random_forest", "extra_trees", "gradient_boosting"] {
        check("penguins.csv", "sex", model, &[]);
        check("iris.csv", "species", model, &[]);
    }
    check("breast_cancer.csv", "diagnosis", "logistic_regression", &["--threshold", "0.3"]);
    // The feature steps: bins, min-max scaling, ordinal codes, drop-first, missing indicators, rare levels.
    check(
        "penguins.csv",
        "species",
        "logistic_regression",
        &["--bins", "bill_length_mm=35,40,45,50", "--scale", "minmax", "--missing-indicator"],
    );
    check("penguins.csv", "species", "random_forest", &["--encode", "ordinal", "--impute", "mean"]);
    check(
        "penguins.csv",
        "species",
        "logistic_regression",
        &["--drop-first", "--max-levels", "2", "--scale", "robust"],
    );
}

#[test]
fn models_and_columns_without_an_onnx_form_are_refused_with_a_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let data = root().join("public/samples/iris.csv").to_string_lossy().into_owned();
    let out = tmp.path().join("m");
    assert!(run(&["train", &data, "--target", "species", "--model", "knn", "--out", out.to_str().unwrap()])
        .status
        .success());
    let o = run(&[
        "export",
        out.join("model.json").to_str().unwrap(),
        "--onnx",
        tmp.path().join("x.onnx").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("cannot export to ONNX: a knn model has no ONNX form here"), "{stderr}");
    assert!(!tmp.path().join("x.onnx").exists());

    let dated = tmp.path().join("dated.csv");
    let mut csv = String::from("when,size,y\n");
    for i in 0..60 {
        csv.push_str(&format!("2024-01-{:02},{},{}\n", 1 + i % 28, i % 7, if i % 3 == 0 { "a" } else { "b" }));
    }
    std::fs::write(&dated, csv).unwrap();
    let out = tmp.path().join("d");
    assert!(run(&["train", dated.to_str().unwrap(), "--target", "y", "--out", out.to_str().unwrap()]).status.success());
    let o = run(&[
        "export",
        out.join("model.json").to_str().unwrap(),
        "--onnx",
        tmp.path().join("d.onnx").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("column 'when' is a date"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
