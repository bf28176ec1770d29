//! The CLI end to end: exit codes, messages and files, as a person or a script sees them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn glassbox(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_glassbox")).args(args).output().expect("the binary runs")
}

fn sample(name: &str) -> String {
    format!("{}/../../public/samples/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_string_lossy().into_owned()
}

fn out_dir(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

/// Runs the CLI with `args`, checks it refused them (exit code 2) with a
/// message containing `expected`, and returns the message.
fn refused(args: &[&str], expected: &str) -> String {
    let o = glassbox(args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "stderr: {stderr}");
    assert!(stderr.contains(expected), "expected '{expected}' in: {stderr}");
    stderr
}

/// Runs `train` on `bytes` and checks exit code 2 with a one-line message containing `expected`.
fn check_bad_input(bytes: &[u8], target: &str, expected: &str) {
    check_bad_input_with(bytes, target, &[], expected);
}

fn check_bad_input_with(bytes: &[u8], target: &str, extra: &[&str], expected: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let data = write(tmp.path(), "bad.csv", bytes);
    let out = out_dir(tmp.path(), "out");
    let mut args = vec!["train", &data, "--target", target, "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let stderr = refused(&args, expected);
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line expected: {stderr}");
    assert!(stderr.contains("bad.csv: "), "names the file: {stderr}");
    assert!(!out.join("model.json").exists());
}

#[test]
fn bad_inputs_exit_2_with_a_clear_message() {
    check_bad_input(b"", "y", "the file is empty");
    check_bad_input(b"a,y\n", "y", "header row but no data rows");
    check_bad_input(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "y", "this is a PNG image, not a CSV file");
    check_bad_input_with(
        b"a,y\n1,x\n2,y,3\n",
        "y",
        &["--bad-rows", "error"],
        "line 3 has 3 fields, but the header has 2",
    );
    check_bad_input(b"a,y\n1,x\n2,y,3\n", "y", "has only one class ('x')");
    check_bad_input_with(b"a,y\n1,x\n", "y", &["--encoding", "klingon"], "unknown encoding 'klingon'");
    check_bad_input(b"a,y\n1,x\n2,y\n", "nope", "there is no column 'nope'; the columns are: a, y");
    check_bad_input(b"a,y\n1,x\n2,x\n3,x\n", "y", "has only one class ('x')");
    check_bad_input(b"a,y\n1,\n2,NA\n3,?\n", "y", "has no values: every row is missing");
}

#[test]
fn inspect_prints_format_columns_quality() {
    let o = glassbox(&["inspect", &sample("penguins.csv")]);
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("UTF-8, delimiter ',', header row, decimal point"), "{out}");
    assert!(out.contains("sex                categorical        11         2"), "{out}");
    assert!(out.contains("duplicate rows: 0"), "{out}");
    assert!(out.contains("target species: categorical, 3 distinct values: classification"), "{out}");
    assert!(out.contains("classes of species: Adelie 152 (44.2%), Chinstrap 68 (19.8%), Gentoo 124 (36.0%)"), "{out}");
}

#[test]
fn inspect_says_a_numeric_target_is_a_number_to_predict_and_why() {
    let o = glassbox(&["inspect", &sample("penguins.csv"), "--target", "body_mass_g"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("target body_mass_g: numeric, 94 distinct values: regression"), "{out}");
    assert!(!out.contains("classes of body_mass_g"), "a number has no class balance: {out}");
    // Over 1000 distinct values: once refused as "too many classes for a classifier".
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("prices.csv");
    let rows: String = (0..1500).map(|i| format!("{},{}\n", i % 7, 1000 + i * 3)).collect();
    std::fs::write(&csv, format!("carats,price\n{rows}")).unwrap();
    let o = glassbox(&["inspect", csv.to_str().unwrap(), "--target", "price"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("target price: numeric, 1500 distinct values: regression"));
}

#[test]
fn missing_file_and_bad_usage_exit_2() {
    let o = glassbox(&["train", "/nonexistent/x.csv", "--target", "y", "--out", "/tmp/never"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/x.csv: cannot read the file"));
    assert_eq!(glassbox(&["train"]).status.code(), Some(2));
    let o = glassbox(&["inspect", "/dev/null", "--type", "a=clock"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown kind 'clock'"));
    let o = glassbox(&["inspect", &sample("iris.csv"), "--timezone", "Mars/Olympus"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown time zone 'Mars/Olympus'"));
    assert_eq!(glassbox(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn train_then_predict_round_trip_and_is_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (out_dir(tmp.path(), "a"), out_dir(tmp.path(), "b"));
    for out in [&a, &b] {
        let o = glassbox(&["train", &sample("penguins.csv"), "--target", "Species", "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stdout).contains("accuracy"));
    }
    for f in ["model.json", "metrics.json", "report.html"] {
        assert_eq!(std::fs::read(a.join(f)).unwrap(), std::fs::read(b.join(f)).unwrap(), "{f} differs between runs");
    }
    let metrics: serde_json::Value = serde_json::from_slice(&std::fs::read(a.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics["classes"], serde_json::json!(["Adelie", "Chinstrap", "Gentoo"]));
    assert_eq!(metrics["test_rows"].as_array().unwrap().len(), 69);
    assert!(metrics["accuracy"].as_f64().unwrap() > 0.9);
    for key in ["precision", "recall", "f1", "support"] {
        assert!(metrics["per_class"]["Gentoo"][key].is_number());
        assert!(metrics["macro_avg"][key].is_number());
        assert!(metrics["weighted_avg"][key].is_number());
    }

    let preds = tmp.path().join("p.csv");
    let o = glassbox(&[
        "predict",
        a.join("model.json").to_str().unwrap(),
        &sample("penguins.csv"),
        "--out",
        preds.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&preds).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("prediction,proba_Adelie,proba_Chinstrap,proba_Gentoo,probability,ci_low,ci_high,issue")
    );
    assert_eq!(lines.count(), 344);
}

#[test]
fn predict_rejects_bad_model_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("p.csv");
    let not_json = write(tmp.path(), "m.json", b"hello");
    let o = glassbox(&["predict", &not_json, &sample("iris.csv"), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a Glassbox model file"));
    let newer = write(tmp.path(), "n.json", br#"{"format_version": 99}"#);
    let o = glassbox(&["predict", &newer, &sample("iris.csv"), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("format_version 99, newer than this Glassbox"));
    // A model from before the feature pipeline: refused by version, not by a missing field.
    let older = write(tmp.path(), "o.json", br#"{"format_version": 1, "features": {"columns": []}}"#);
    let o = glassbox(&["predict", &older, &sample("iris.csv"), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("format_version 1, older than this Glassbox"));
    assert!(String::from_utf8_lossy(&o.stderr).contains("train the model again"));
}

#[test]
fn predict_fills_a_missing_column_with_a_note_or_refuses_it_when_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let model_dir = out_dir(tmp.path(), "m");
    assert!(glassbox(&["train", &sample("iris.csv"), "--target", "species", "--out", model_dir.to_str().unwrap()])
        .status
        .success());
    let model = model_dir.join("model.json");
    let data = write(tmp.path(), "new.csv", b"sepal length (cm),petal width (cm)\n5.1,0.2\n");
    let out = tmp.path().join("p.csv");
    let args = ["predict", model.to_str().unwrap(), &data, "--out", out.to_str().unwrap()];
    let o = glassbox(&args);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "note: column 'sepal width (cm)' is missing: every row gets the value the model fills a gap with"
        ),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap().lines().count(), 2);
    let mut strict = args.to_vec();
    strict.push("--refuse-missing");
    refused(&strict, "the data lacks columns the model reads: sepal width (cm), petal length (cm)");
    let none = write(tmp.path(), "none.csv", b"a,b\n1,2\n");
    refused(
        &["predict", model.to_str().unwrap(), &none, "--out", out.to_str().unwrap()],
        "none.csv: the data has none of the model's columns (sepal length (cm), sepal width (cm), petal length (cm), petal width (cm)); its columns are a, b",
    );
}

#[test]
fn predict_reports_renamed_extra_changed_and_unseen_columns_and_neutralises_formulas() {
    let tmp = tempfile::tempdir().unwrap();
    let model_dir = out_dir(tmp.path(), "m");
    let o = glassbox(&["train", &sample("penguins.csv"), "--target", "species", "--out", model_dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // "Island " is renamed, year is missing, "ticket" is extra, a bill length is text, and
    // "Atlantis" is an island the model never saw. The ticket holds a formula.
    let data = write(
        tmp.path(),
        "new.csv",
        b"ticket,Island ,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex\n\
=HYPERLINK(\"http://x\"),Biscoe,45.1,14.5,215,5000,female\n\
t2,Atlantis,about 40,18.0,190,3800,male\n\
-t3,Dream,39.0,18.5,185,3500,female\n",
    );
    let out = tmp.path().join("p.csv");
    let o = glassbox(&[
        "predict",
        model_dir.join("model.json").to_str().unwrap(),
        &data,
        "--out",
        out.to_str().unwrap(),
        "--id",
        "ticket",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    for note in [
        "column 'Island' is the model's 'island' (matched after name normalisation)",
        "column 'year' is missing",
        "ignored 1 column the model does not read: ticket",
        "column 'bill_length_mm' holds text where the model reads numbers: 1 cell (read as missing), on line 3; for example 'about 40'",
        "column 'island': levels not seen in training: 'Atlantis' (1)",
    ] {
        assert!(stderr.contains(note), "expected {note:?} in {stderr}");
    }
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("ticket,prediction,"), "{}", lines[0]);
    assert!(lines[1].starts_with("\"'=HYPERLINK(\"\"http://x\"\")\","), "{}", lines[1]);
    assert!(lines[3].starts_with("'-t3,"), "{}", lines[3]);
}

#[test]
fn messy_file_trains_with_skipped_rows_reported_and_inspect_json_has_the_contract() {
    let tmp = tempfile::tempdir().unwrap();
    // Semicolons, decimal commas, Latin-1, a junk line, and a stray 'n/d' in a numeric column.
    let mut text = String::from("nom;taille;poids;classe\n");
    for i in 0..60 {
        let poids = if i == 7 { "n/d".to_string() } else { format!("{},{}", 50 + i % 30, i % 10) };
        text.push_str(&format!(
            "caf\u{e9}{};{},5;{poids};{}\n",
            i % 4,
            150 + i,
            if i % 2 == 0 { "\u{e9}t\u{e9}" } else { "hiver" }
        ));
    }
    text.push_str("Total\n");
    let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    let data = write(tmp.path(), "euro.csv", &bytes);

    let o = glassbox(&["inspect", &data, "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["format"]["encoding"], "windows-1252");
    assert_eq!(v["format"]["delimiter"], ";");
    assert_eq!(v["format"]["header"], true);
    assert_eq!(v["format"]["decimal_comma"], true);
    let poids = &v["columns"][2];
    assert_eq!(
        (poids["name"].as_str(), poids["kind"].as_str(), poids["missing"].as_u64()),
        (Some("poids"), Some("numeric"), Some(1))
    );
    assert_eq!(poids["excluded"], false);
    assert_eq!(poids["flags"][0]["kind"], "stray_tokens");
    for key in ["name", "original_name", "kind", "missing", "distinct", "excluded", "flags"] {
        assert!(!v["columns"][0][key].is_null(), "column key {key}");
    }
    assert_eq!(v["row_issues"][0]["line"], 62);
    assert_eq!(v["duplicate_rows"], 0);
    assert_eq!(v["row_issues"][0]["message"], "line 62 has 1 fields, but the header has 4");

    let out = out_dir(tmp.path(), "out");
    let o = glassbox(&["train", &data, "--target", "classe", "--out", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    assert!(stderr.contains("skipped 1 row that could not be read"), "{stderr}");
    assert!(stderr.contains("line 62 has 1 fields"), "{stderr}");
    let metrics: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics["classes"], serde_json::json!(["hiver", "\u{e9}t\u{e9}"]));
    assert_eq!(metrics["rows_skipped"], 1);

    let preds = tmp.path().join("p.csv");
    let o = glassbox(&["predict", out.join("model.json").to_str().unwrap(), &data, "--out", preds.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&preds).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 61, "one row per record, the junk line included");
    assert!(lines[61].starts_with(",,,,,,\"line 62 has 1 fields"), "{}", lines[61]);
    assert!(lines[8].ends_with("\"column 'poids': 'n/d' is not a number, treated as missing\""), "{}", lines[8]);
}

#[test]
fn dates_in_a_zone_train_and_predict_the_same_way() {
    let tmp = tempfile::tempdir().unwrap();
    let mut text = String::from("when,paid,amount,label\n");
    for i in 0..40 {
        text.push_str(&format!(
            "0{}/0{}/2024 0{}:00,{},{}.5,{}\n",
            1 + i % 9,
            1 + i % 8,
            i % 10,
            if i % 3 == 0 { "yes" } else { "no" },
            i,
            if i % 2 == 0 { "a" } else { "b" }
        ));
    }
    let data = write(tmp.path(), "dates.csv", text.as_bytes());
    let o = glassbox(&["inspect", &data, "--json", "--timezone", "Europe/Berlin", "--date-order", "mdy"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["columns"][0]["kind"], "datetime");
    assert_eq!(v["columns"][1]["kind"], "boolean");
    assert_eq!(v["format"]["timezone"], "Europe/Berlin");
    let o = glassbox(&["inspect", &data]);
    assert!(String::from_utf8_lossy(&o.stdout)
        .contains("read as day-first (DD/MM/YYYY); choose month-first if that is wrong (--date-order mdy)"));
    let out = out_dir(tmp.path(), "m");
    let o = glassbox(&[
        "train",
        &data,
        "--target",
        "label",
        "--timezone",
        "Europe/Berlin",
        "--time-column",
        "when",
        "--time-windows",
        "3",
        "--window",
        "rolling",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let model: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("model.json")).unwrap()).unwrap();
    assert_eq!(model["schema"]["timezone"], "Europe/Berlin");
    let metrics: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics["time_cv"]["mode"], "rolling");
    assert_eq!(metrics["time_cv"]["windows"].as_array().unwrap().len(), 3);
    assert_eq!(model["schema"]["columns"][0]["date_order"], "dmy");
    let preds = tmp.path().join("p.csv");
    let o = glassbox(&["predict", out.join("model.json").to_str().unwrap(), &data, "--out", preds.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read_to_string(preds).unwrap().lines().count(), 41);
}

#[test]
fn compare_writes_a_ranked_leaderboard_and_train_takes_model_and_cv() {
    let tmp = tempfile::tempdir().unwrap();
    let out = out_dir(tmp.path(), "cmp");
    let o = glassbox(&[
        "compare",
        &sample("iris.csv"),
        "--target",
        "species",
        "--models",
        "baseline_most_frequent,logistic_regression",
        "--cv",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let board: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("leaderboard.json")).unwrap()).unwrap();
    let entries = board.as_array().unwrap();
    assert_eq!(entries[0]["model"], "logistic_regression", "ranked by ROC AUC");
    assert_eq!(entries[1]["model"], "baseline_most_frequent");
    for e in entries {
        for key in ["model", "params", "cv", "fit_seconds", "predict_seconds"] {
            assert!(!e[key].is_null(), "{key}");
        }
        assert_eq!(e["cv"]["roc_auc"]["folds"].as_array().unwrap().len(), 3);
    }
    let o = glassbox(&[
        "compare",
        &sample("iris.csv"),
        "--target",
        "species",
        "--models",
        "svm",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown model 'svm'"));

    let m = out_dir(tmp.path(), "nb");
    let o = glassbox(&[
        "train",
        &sample("iris.csv"),
        "--target",
        "species",
        "--model",
        "naive_bayes",
        "--cv",
        "4",
        "--out",
        m.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let metrics: serde_json::Value = serde_json::from_slice(&std::fs::read(m.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics["cv"]["accuracy"]["folds"].as_array().unwrap().len(), 4);
    let model: serde_json::Value = serde_json::from_slice(&std::fs::read(m.join("model.json")).unwrap()).unwrap();
    assert_eq!(model["model"]["model"], "naive_bayes");
    let help = String::from_utf8_lossy(&glassbox(&["train", "--help"]).stdout).into_owned();
    for name in [
        "logistic_regression",
        "knn",
        "naive_bayes",
        "decision_tree",
        "random_forest",
        "baseline_most_frequent",
        "baseline_stratified",
    ] {
        assert!(help.contains(name), "train --help lists {name}");
    }
}

#[test]
fn search_with_both_samplers_writes_trials_and_a_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let out = out_dir(tmp.path(), "s");
    let o = glassbox(&[
        "train",
        &sample("iris.csv"),
        "--target",
        "species",
        "--model",
        "decision_tree",
        "--search",
        "both",
        "--trials",
        "6",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let metrics: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
    let trials = metrics["search"]["trials"].as_array().unwrap();
    assert_eq!(trials.len(), 12);
    assert_eq!(trials.iter().filter(|t| t["sampler"] == "tpe").count(), 6);
    assert!(trials[0]["params"]["max_depth"].is_number());
    let importance = metrics["search"]["param_importance"].as_array().unwrap();
    let names: Vec<&str> = importance.iter().map(|p| p["param"].as_str().unwrap()).collect();
    assert!(names.contains(&"max_depth") && names.contains(&"min_samples_leaf"), "{names:?}");
    let sum: f64 = importance.iter().map(|p| p["importance"].as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-9, "the shares sum to 1: {sum}");
    assert!(metrics["search"].get("refine").is_none(), "no refinement unless asked");
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("data-testid=\"search-chart\"") && report.contains("Best CV ROC AUC so far"));
    assert!(report.contains("data-testid=\"param-importance\"") && report.contains("data-testid=\"search-trials\""));
}

#[test]
fn refine_scores_a_grid_around_the_best_trial_and_the_model_takes_the_best_of_all() {
    let tmp = tempfile::tempdir().unwrap();
    let out = out_dir(tmp.path(), "r");
    let args = |out: &str| {
        glassbox(&[
            "train",
            &sample("iris.csv"),
            "--target",
            "species",
            "--model",
            "decision_tree",
            "--search",
            "random",
            "--trials",
            "8",
            "--refine",
            "--out",
            out,
        ])
    };
    let o = args(out.to_str().unwrap());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("parameter importance (fANOVA): ") && stdout.contains("refine: The grid's best"),
        "{stdout}"
    );
    let metrics: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("metrics.json")).unwrap()).unwrap();
    let search = &metrics["search"];
    let refine = &search["refine"];
    let param = refine["param"].as_str().unwrap();
    assert_eq!(param, search["param_importance"][0]["param"].as_str().unwrap());
    let grid = refine["trials"].as_array().unwrap();
    assert_eq!(grid.len(), refine["values"].as_array().unwrap().len());
    assert!(grid.iter().all(|t| t["sampler"] == "grid" && t["folds"].as_array().unwrap().len() == 3));
    // The best of all trials trains the final model.
    let best = search["trials"]
        .as_array()
        .unwrap()
        .iter()
        .chain(grid)
        .map(|t| t["score"].as_f64().unwrap())
        .fold(f64::MIN, f64::max);
    assert_eq!(search["best"]["score"].as_f64().unwrap(), best);
    let model: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("model.json")).unwrap()).unwrap();
    assert_eq!(model["spec"][param].as_f64(), search["best"]["params"][param].as_f64(), "{}", model["spec"]);
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("data-testid=\"refine-grid\"") && report.contains("data-testid=\"refine-verdict\""));
    // Same seed, same bytes.
    let again = out_dir(tmp.path(), "again");
    assert!(args(again.to_str().unwrap()).status.success());
    assert_eq!(std::fs::read(out.join("metrics.json")).unwrap(), std::fs::read(again.join("metrics.json")).unwrap());
}

#[test]
fn a_refinement_without_a_search_or_with_a_bad_grid_is_refused_before_any_work() {
    let tmp = tempfile::tempdir().unwrap();
    let out = out_dir(tmp.path(), "never");
    let iris = sample("iris.csv");
    let base = ["train", &iris, "--target", "species", "--model", "random_forest", "--out", out.to_str().unwrap()];
    fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        [base, extra].concat()
    }
    refused(&with(&base, &["--refine"]), "a refinement needs a search to refine");
    // Regression tests: 0 trials hung drawing an empty convergence chart; a baseline searched nothing 5 times.
    refused(
        &with(&base, &["--search", "tpe", "--trials", "0"]),
        "the search needs at least 1 trial per sampler, got 0",
    );
    refused(
        &[
            "train",
            &iris,
            "--target",
            "species",
            "--model",
            "baseline_most_frequent",
            "--search",
            "random",
            "--out",
            out.to_str().unwrap(),
        ],
        "baseline_most_frequent has no hyper-parameter to search: train it without a search",
    );
    refused(
        &with(&base, &["--search", "tpe", "--param", "max_depth=4"]),
        "--param max_depth is one of the parameters --search tries (n_trees, max_depth): the search would replace it",
    );
    for (grid, expected) in [
        ("depth=3,4", "the refine grid names unknown parameter \"depth\": random_forest searches n_trees, max_depth"),
        ("max_depth=3,40", "the refine grid's value 40 for max_depth is outside its searched range 2 to 20"),
        ("max_depth=3,x", "--refine-grid: 'x' for max_depth is not a number"),
        ("max_depth", "--refine-grid takes NAME=A,B,C, got 'max_depth'"),
    ] {
        refused(&with(&base, &["--search", "tpe", "--refine-grid", grid]), expected);
    }
    assert!(!out.exists(), "nothing was written");
}

#[test]
fn feature_options_shape_the_features_and_unseen_levels_are_counted_at_predict() {
    let tmp = tempfile::tempdir().unwrap();
    let mut csv = String::from("age,city,y\n");
    for i in 0..60 {
        let city = ["paris", "rome", "oslo"][i % 3];
        // Ages repeat, so the column is not flagged as an identifier.
        csv.push_str(&format!("{},{city},{}\n", 5 + (i * 7) % 80 / 2, if i % 2 == 0 { "a" } else { "b" }));
    }
    let data = write(tmp.path(), "people.csv", csv.as_bytes());
    let out = out_dir(tmp.path(), "out");
    let o = glassbox(&[
        "train",
        &data,
        "--target",
        "y",
        "--out",
        out.to_str().unwrap(),
        "--bins",
        "age=0,18,35,65,100",
        "--drop-first",
        "--scale",
        "robust",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let model: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("model.json")).unwrap()).unwrap();
    let names: Vec<&str> =
        model["features"]["columns"].as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(names, ["binned", "categorical"]);
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        report.contains("age_[0, 18), age_[18, 35), age_[35, 65), age_[65, 100], city_paris, city_rome"),
        "drop-first leaves oslo out"
    );
    assert!(report.contains("age in bins at 0, 18, 35, 65, 100"), "the report says how features were made");
    let new = write(tmp.path(), "new.csv", b"age,city\n20,paris\n40,lima\n70,lima\n");
    let pred = tmp.path().join("p.csv");
    let o = glassbox(&["predict", out.join("model.json").to_str().unwrap(), &new, "--out", pred.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("column 'city': levels not seen in training: 'lima' (2)"));
    assert_eq!(std::fs::read_to_string(&pred).unwrap().lines().count(), 4);
}

#[test]
fn bad_feature_and_fold_settings_are_refused_before_work() {
    let tmp = tempfile::tempdir().unwrap();
    let data = write(tmp.path(), "ok.csv", b"x,y\n1,a\n2,b\n3,a\n4,b\n5,a\n6,b\n7,a\n8,b\n9,a\n10,b\n");
    let out = out_dir(tmp.path(), "out");
    let check = |extra: &[&str], expected: &str| {
        let mut args = vec!["train", &data, "--target", "y", "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        let stderr = refused(&args, expected);
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line expected: {stderr}");
        assert!(!out.exists(), "nothing is written");
    };
    check(&["--bins", "x=0,5,3"], "bin edges for column 'x' must increase, but 3 follows 5");
    check(&["--bins", "nope=1,2"], "bins are set for column 'nope', which is not a numeric feature column");
    check(&["--impute", "zero"], "--impute: imputation is median, mean or constant:NUMBER, got 'zero'");
    check(&["--cv", "5"], "5-fold cross-validation needs at least 5 training rows of every class, but the smallest class has 4; use at most 4 folds");
    check(&["--model", "gradient_boosting", "--workers", "0"], "--workers must be at least 1, got 0");
    check(&["--date-parts", "week"], "unknown date part 'week'");
}

#[test]
fn the_number_of_workers_does_not_change_a_single_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |workers: &str| {
        let out = out_dir(tmp.path(), &format!("w{workers}"));
        let o = glassbox(&[
            "train",
            &sample("penguins.csv"),
            "--target",
            "species",
            "--model",
            "random_forest",
            "--cv",
            "4",
            "--search",
            "tpe",
            "--trials",
            "6",
            "--workers",
            workers,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        (std::fs::read(out.join("model.json")).unwrap(), std::fs::read(out.join("metrics.json")).unwrap())
    };
    assert!(run("1") == run("3"), "one thread and three give different files");
}

/// `predict` scores blocks of rows on threads: a file of several blocks
/// (penguins 21 times, 7,224 rows) gets the same bytes from one thread and
/// three, for a forest, k-NN, boosting and a regressor with its interval.
#[test]
fn predict_on_threads_writes_the_bytes_one_thread_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let penguins = std::fs::read_to_string(sample("penguins.csv")).unwrap();
    let (header, body) = penguins.split_once('\n').unwrap();
    let big = write(tmp.path(), "big.csv", format!("{header}\n{}", body.repeat(21)).as_bytes());
    for (model, target) in [
        ("random_forest", "species"),
        ("knn", "species"),
        ("gradient_boosting", "species"),
        ("random_forest", "body_mass_g"),
    ] {
        let out = out_dir(tmp.path(), &format!("{model}-{target}"));
        let o = glassbox(&[
            "train",
            &sample("penguins.csv"),
            "--target",
            target,
            "--model",
            model,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let model_json = out.join("model.json");
        let scored = |workers: &str| {
            let csv = out.join(format!("predictions-{workers}.csv"));
            let o = glassbox(&[
                "predict",
                model_json.to_str().unwrap(),
                &big,
                "--workers",
                workers,
                "--out",
                csv.to_str().unwrap(),
            ]);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            std::fs::read_to_string(csv).unwrap()
        };
        let one = scored("1");
        assert_eq!(one.lines().count(), 7225, "{model} {target}");
        assert!(one == scored("3"), "{model} for {target}: one thread and three score differently");
    }
}

#[test]
fn hyper_parameters_are_set_checked_and_a_model_that_did_not_converge_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let out = out_dir(tmp.path(), "lr");
    let o = glassbox(&[
        "train",
        &sample("breast_cancer.csv"),
        "--target",
        "diagnosis",
        "--param",
        "max_iter=2",
        "--param",
        "C=10",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("warning: logistic regression did not converge in 2 iterations"), "{stderr}");
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("data-testid=\"model-warning\">Warning: logistic regression did not converge"));
    assert!(report.contains("C = 10, penalty = l2"));
    let iris = sample("iris.csv");
    let bad = |args: &[&str], expected: &str| {
        let mut all = vec!["train", &iris, "--target", "species", "--out", "/nonexistent/x"];
        all.extend_from_slice(args);
        refused(&all, expected);
    };
    bad(&["--param", "depth=3"], "logistic_regression has no parameter 'depth'; its parameters are: C, max_iter, tol");
    bad(&["--param", "C=-1"], "C must be a positive number, got -1");
    bad(&["--param", "C=lots"], "parameter 'C' of logistic_regression cannot be 'lots'");
    bad(&["--model", "gradient_boosting", "--param", "max_bins=300"], "max_bins must be between 2 and 255, got 300");
    bad(&["--model", "decision_tree", "--param", "max_depth=0"], "max_depth must be at least 1, got 0");
}

#[test]
fn gradient_boosting_says_when_it_stopped_early() {
    let tmp = tempfile::tempdir().unwrap();
    let out = out_dir(tmp.path(), "gb");
    let o = glassbox(&[
        "train",
        &sample("breast_cancer.csv"),
        "--target",
        "diagnosis",
        "--model",
        "gradient_boosting",
        "--param",
        "early_stopping=on",
        "--param",
        "n_iter_no_change=3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("note: gradient boosting stopped early after"), "{stderr}");
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.contains("data-testid=\"model-note\">gradient boosting stopped early after"));
    assert!(report.contains("early_stopping = on, validation_fraction = 0.1, n_iter_no_change = 3"));
}

/// Reads a CSV written by `predict` into its `prediction` column.
fn predicted_column(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == "prediction").expect("a prediction column");
    lines.map(|l| l.split(',').nth(at).unwrap().to_string()).collect()
}

#[test]
fn a_threshold_moves_the_matrix_is_saved_in_the_model_and_predict_uses_it() {
    let tmp = tempfile::tempdir().unwrap();
    let data = sample("breast_cancer.csv");
    let metrics = |dir: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("metrics.json")).unwrap()).unwrap()
    };
    let train = |name: &str, extra: &[&str]| {
        let out = out_dir(tmp.path(), name);
        let mut args = vec!["train", &data, "--target", "diagnosis", "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        let o = glassbox(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    };
    let plain = train("plain", &[]);
    let low = train("low", &["--threshold", "0.05"]);
    let (m0, m1) = (metrics(&plain), metrics(&low));
    assert!(m0.get("threshold").is_none(), "no threshold unless asked");
    assert_eq!(m1["threshold"]["value"], 0.05);
    assert_eq!(m1["threshold"]["chosen_by"], "set");
    // A low threshold predicts malignant more often: fewer false negatives, more false positives.
    let cm = |m: &serde_json::Value, r: usize, c: usize| m["confusion_matrix"][r][c].as_u64().unwrap();
    assert!(cm(&m1, 1, 0) <= cm(&m0, 1, 0) && cm(&m1, 0, 1) > cm(&m0, 0, 1), "{m0} vs {m1}");
    // The curves and the log loss do not depend on it.
    assert_eq!((m0["roc_auc"].clone(), m0["log_loss"].clone()), (m1["roc_auc"].clone(), m1["log_loss"].clone()));
    let model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(low.join("model.json")).unwrap()).unwrap();
    assert_eq!((model["format_version"].as_u64(), model["threshold"]["value"].as_f64()), (Some(6), Some(0.05)));
    // `predict` decides with the saved threshold.
    let (p0, p1) = (tmp.path().join("p0.csv"), tmp.path().join("p1.csv"));
    for (dir, out) in [(&plain, &p0), (&low, &p1)] {
        let model = dir.join("model.json");
        let o = glassbox(&["predict", model.to_str().unwrap(), &data, "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let count = |v: &[String]| v.iter().filter(|c| *c == "malignant").count();
    assert!(count(&predicted_column(&p1)) > count(&predicted_column(&p0)));
    // Chosen for F1 on the test rows: its F1 is at least the default's.
    let f1 = train("f1", &["--threshold-for", "f1"]);
    let m2 = metrics(&f1);
    assert_eq!(m2["threshold"]["chosen_by"], "best F1 on the test rows");
    let f1_of = |m: &serde_json::Value| m["per_class"]["malignant"]["f1"].as_f64().unwrap();
    assert!(f1_of(&m2) >= f1_of(&m0), "{} < {}", f1_of(&m2), f1_of(&m0));
    let cost = train("cost", &["--threshold-for", "cost", "--costs", "fp=1,fn=10"]);
    assert!(metrics(&cost)["threshold"]["chosen_by"].as_str().unwrap().starts_with("least cost"));
}

#[test]
fn bad_thresholds_and_costs_are_refused_with_what_is_wrong() {
    let bad = |extra: &[&str], expected: &str| {
        let tmp = tempfile::tempdir().unwrap();
        let out = out_dir(tmp.path(), "out");
        let data = sample("breast_cancer.csv");
        let mut args = vec!["train", &data, "--target", "diagnosis", "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        refused(&args, expected);
        assert!(!out.join("model.json").exists());
    };
    bad(&["--threshold", "1.5"], "--threshold: the threshold must be between 0 and 1, got 1.5");
    bad(&["--threshold-for", "auc"], "--threshold-for: a threshold is chosen by f1, cost or recall=R, got 'auc'");
    bad(&["--threshold-for", "recall=1.2"], "the recall to reach must be above 0 and at most 1, got 1.2");
    bad(&["--threshold-for", "cost", "--costs", "fn=lots"], "--costs: the cost of fn must be a number, got 'lots'");
    bad(&["--costs", "fn=5"], "--costs applies to --threshold-for cost");
    bad(&["--threshold", "0.3", "--threshold-for", "f1"], "--threshold and --threshold-for cannot both be given");
    // Three classes have no single positive class to threshold.
    let tmp = tempfile::tempdir().unwrap();
    let out = out_dir(tmp.path(), "out");
    let iris = sample("iris.csv");
    refused(
        &["train", &iris, "--target", "species", "--out", out.to_str().unwrap(), "--threshold", "0.4"],
        "a decision threshold needs a target with two classes; 'species' has 3",
    );
}

/// Reads a CSV into its header and rows.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines().map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>());
    let header = lines.next().unwrap();
    (header, lines.collect())
}

#[test]
fn explain_writes_additive_shap_values_per_row_in_the_models_space() {
    let tmp = tempfile::tempdir().unwrap();
    let penguins = sample("penguins.csv");
    for (model, space) in
        [("logistic_regression", "log_odds"), ("random_forest", "probability"), ("gradient_boosting", "log_odds")]
    {
        let out = out_dir(tmp.path(), model);
        let o = glassbox(&["train", &penguins, "--target", "sex", "--model", model, "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let shap = tmp.path().join(format!("{model}.csv"));
        let m = out.join("model.json");
        let o = glassbox(&["explain", m.to_str().unwrap(), &penguins, "--out", shap.to_str().unwrap()]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let (header, rows) = read_csv(&shap);
        assert_eq!(header[0], "base_value");
        assert!(header.contains(&"shap_bill_depth_mm".to_string()) && header.contains(&"shap_island".to_string()));
        assert_eq!(rows.len(), 344, "one row per record");
        let at = |name: &str| header.iter().position(|h| h == name).unwrap();
        for r in &rows {
            let num = |i: usize| r[i].parse::<f64>().unwrap();
            let phi: f64 = (1..at("output")).map(num).sum();
            assert!((num(0) + phi - num(at("output"))).abs() < 1e-9, "{model}: {r:?}");
            assert_eq!(r[at("space")], space);
        }
    }
    // Three classes: each row explains its predicted class, named in a `class` column; or the class asked for.
    let iris = sample("iris.csv");
    let out = out_dir(tmp.path(), "iris");
    assert!(glassbox(&["train", &iris, "--target", "species", "--model", "knn", "--out", out.to_str().unwrap()])
        .status
        .success());
    let (m, shap) = (out.join("model.json"), tmp.path().join("iris.csv"));
    assert!(glassbox(&["explain", m.to_str().unwrap(), &iris, "--out", shap.to_str().unwrap()]).status.success());
    let (header, rows) = read_csv(&shap);
    let class = header.iter().position(|h| h == "class").expect("a class column");
    assert!(rows.iter().any(|r| r[class] == "setosa") && rows.iter().any(|r| r[class] == "virginica"));
    refused(
        &["explain", m.to_str().unwrap(), &iris, "--out", shap.to_str().unwrap(), "--class", "rose"],
        "there is no class 'rose'; the classes are: setosa, versicolor, virginica",
    );
    // A model file without its training baseline says what to do.
    let text = std::fs::read_to_string(&m).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v.as_object_mut().unwrap().remove("baseline");
    let old = write(tmp.path(), "old.json", v.to_string().as_bytes());
    refused(&["explain", &old, &iris, "--out", shap.to_str().unwrap()], "has no training baseline to explain against");
}

/// A format 3 file (kept from before trees stored their covers) still
/// predicts, and explaining its tree asks for a retrain instead of guessing.
#[test]
fn a_format_3_tree_model_predicts_but_asks_for_a_retrain_to_be_explained() {
    let tmp = tempfile::tempdir().unwrap();
    let old = format!("{}/tests/fixtures/penguins_sex_decision_tree_v3.json", env!("CARGO_MANIFEST_DIR"));
    let penguins = sample("penguins.csv");
    let predictions = tmp.path().join("p.csv");
    let o = glassbox(&["predict", &old, &penguins, "--out", predictions.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(read_csv(&predictions).1.len(), 344);
    refused(
        &["explain", &old, &penguins, "--out", tmp.path().join("s.csv").to_str().unwrap()],
        "the model file (format 3) stores no tree covers, which explaining a tree model needs; train the model again with this Glassbox",
    );
}

/// Runs a poppler tool on `args`; `make test` installs poppler-utils.
fn poppler(tool: &str, args: &[&str]) -> String {
    let o = std::process::Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{tool} ({e}): install poppler-utils, as `make test` does"));
    assert!(o.status.success(), "{tool} {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn train_writes_a_pdf_report_with_searchable_text_an_embedded_font_and_every_page_rendering() {
    let tmp = tempfile::tempdir().unwrap();
    let iris = sample("iris.csv");
    let out = out_dir(tmp.path(), "iris");
    let o =
        glassbox(&["train", &iris, "--target", "species", "--model", "random_forest", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let pdf = out.join("report.pdf");
    let pdf = pdf.to_str().unwrap();
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    let text = poppler("pdftotext", &[pdf, "-"]);
    for want in [
        "Glassbox report".to_string(),
        glassbox_report::fmt_metric(metrics["accuracy"].as_f64().unwrap()),
        glassbox_report::fmt_metric(metrics["roc_auc"].as_f64().unwrap()),
        "setosa".to_string(),
        "versicolor".to_string(),
        "virginica".to_string(),
        "Why: SHAP values".to_string(),
        "How this was made".to_string(),
    ] {
        assert!(text.contains(&want), "'{want}' is not in the PDF's text:\n{text}");
    }
    // The charts' labels are text too, not outlines.
    assert!(text.contains("False positive rate") && text.contains("Reliability diagram"), "{text}");
    let fonts = poppler("pdffonts", &[pdf]);
    let dejavu: Vec<&str> = fonts.lines().filter(|l| l.contains("DejaVuSans")).collect();
    assert!(!dejavu.is_empty(), "{fonts}");
    for line in dejavu {
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(&cols[cols.len() - 5..cols.len() - 2], ["yes", "yes", "yes"], "embedded, subset, unicode: {line}");
    }
    let info = poppler("pdfinfo", &[pdf]);
    assert!(info.contains("595.28 x 841.89 pts (A4)"), "{info}");
    let pages: usize = info.lines().find_map(|l| l.strip_prefix("Pages:")).map(|n| n.trim().parse().unwrap()).unwrap();
    assert!(pages >= 3, "{info}");
    let prefix = tmp.path().join("page");
    poppler("pdftoppm", &["-r", "20", "-png", pdf, prefix.to_str().unwrap()]);
    let rendered = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with("page"));
    assert_eq!(rendered.count(), pages, "every page renders");
    for i in 1..=pages {
        assert!(text.contains(&format!("page {i} of {pages}")), "page number {i}");
    }
}
