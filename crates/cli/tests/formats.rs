//! Workbooks, JSON Lines and gzip through the CLI: each fixture of
//! `tests/fixtures/formats/` (written by `scripts/make_format_fixtures.py`
//! with openpyxl, odfpy, xlwt and pandas) reads as its CSV twin, trains to
//! the same model and scores the same predictions.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn glassbox(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_glassbox")).args(args).output().expect("the binary runs")
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/formats/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn penguins_csv() -> String {
    format!("{}/../../public/samples/penguins.csv", env!("CARGO_MANIFEST_DIR"))
}

fn ok(args: &[&str]) -> (String, String) {
    let o = glassbox(args);
    let (out, err) = (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned());
    assert!(o.status.success(), "{args:?}\nstdout: {out}\nstderr: {err}");
    (out, err)
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Trains `data` to sex, returning the output folder and stderr.
fn train(data: &str, dir: &Path, name: &str) -> (PathBuf, String) {
    let out = dir.join(name);
    let (_, err) =
        ok(&["train", data, "--target", "sex", "--model", "logistic_regression", "--out", out.to_str().unwrap()]);
    (out, err)
}

#[test]
fn every_format_trains_the_model_its_csv_twin_trains() {
    let tmp = tempfile::tempdir().unwrap();
    let (csv, _) = train(&penguins_csv(), tmp.path(), "csv");
    let twin = json(&csv.join("model.json"));
    let twin_metrics = json(&csv.join("metrics.json"));
    for (file, format) in [
        ("penguins.xlsx", "xlsx, sheet 'Penguins'"),
        ("penguins.ods", "ods, sheet 'Sheet1'"),
        ("penguins.xls", "xls, sheet 'penguins'"),
        ("penguins.jsonl", "JSON Lines"),
        ("penguins.csv.gz", "gzip of delimited text"),
    ] {
        let data = fixture(file);
        let (out, err) = train(&data, tmp.path(), file);
        let mut model = json(&out.join("model.json"));
        // The model names the file it was trained on by the file's own hash.
        let sha = glassbox_sha256(&data);
        assert_eq!(model["provenance"]["input_sha256"], sha.as_str(), "{file}");
        model["provenance"]["input_sha256"] = twin["provenance"]["input_sha256"].clone();
        assert_eq!(model, twin, "{file}: the model differs from the CSV's");
        assert_eq!(json(&out.join("metrics.json")), twin_metrics, "{file}");
        let report = std::fs::read_to_string(out.join("report.html")).unwrap();
        let escaped = format.replace('\'', "&#39;");
        assert!(report.contains(&format!("{escaped}, as text: ")), "{file}: the report names the format");
        assert!(report.contains(&sha), "{file}: the report gives the file's SHA-256");
        if file == "penguins.xlsx" {
            assert!(
                err.contains("note: ") && err.contains("sheet 'Penguins' read, the first with a table; the workbook's sheets: 'Cover' (no table), 'Penguins' (344 rows), 'Sample' (5 rows)"),
                "{err}"
            );
            assert!(err.contains("--sheet NAME reads another sheet"), "{err}");
        }
    }
}

fn glassbox_sha256(path: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(std::fs::read(path).unwrap()).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_workbook_scores_the_predictions_its_csv_twin_scores() {
    let tmp = tempfile::tempdir().unwrap();
    let (model_dir, _) = train(&penguins_csv(), tmp.path(), "model");
    let model = model_dir.join("model.json");
    let mut written = Vec::new();
    for data in [penguins_csv(), fixture("penguins.xlsx"), fixture("penguins.jsonl")] {
        let out = tmp.path().join(format!("p{}.csv", written.len()));
        ok(&["predict", model.to_str().unwrap(), &data, "--out", out.to_str().unwrap()]);
        written.push(std::fs::read(&out).unwrap());
    }
    assert_eq!(written[1], written[0], "xlsx");
    assert_eq!(written[2], written[0], "JSON Lines");
}

#[test]
fn a_sheet_is_chosen_by_name_and_a_wrong_name_lists_the_sheets() {
    let (out, err) = ok(&["inspect", &fixture("penguins.xlsx"), "--sheet", "sample"]);
    assert!(out.contains("5 rows read of 5 records"), "{out}");
    assert!(err.contains("sheet 'Sample' read, as chosen"), "{err}");
    let o = glassbox(&["inspect", &fixture("penguins.xlsx"), "--sheet", "Data"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("penguins.xlsx: the workbook has no sheet 'Data'; its sheets are 'Cover', 'Penguins', 'Sample'"),
        "{err}"
    );
    let o = glassbox(&["inspect", &penguins_csv(), "--sheet", "Data"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--sheet applies to a workbook, and this file is delimited text")
    );
}

/// The columns of `inspect --json`, without what names the file.
fn columns(args: &[&str]) -> Value {
    let (out, _) = ok(args);
    let v: Value = serde_json::from_str(&out).unwrap();
    v["columns"].clone()
}

#[test]
fn dates_in_either_date_system_read_as_the_csv_in_any_zone() {
    for zone in ["UTC", "Europe/Paris", "America/New_York"] {
        let csv = columns(&["inspect", &fixture("dates.csv"), "--json", "--timezone", zone]);
        assert!(csv.as_array().is_some_and(|c| c.len() == 4), "{csv}");
        for book in ["dates.xlsx", "dates_1904.xlsx"] {
            let got = columns(&["inspect", &fixture(book), "--json", "--timezone", zone]);
            assert_eq!(got, csv, "{book} in {zone}");
        }
    }
}

#[test]
fn a_hand_made_workbook_skips_its_title_names_merged_headers_and_counts_error_cells() {
    let (out, err) = ok(&["inspect", &fixture("crafted.xlsx"), "--json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let names: Vec<&str> = v["columns"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["region", "size", "size_2", "total"]);
    for note in [
        "the header is sheet row 3; the 1 filled row was above it (a title or notes) left out",
        "merged header cells named by their range: 'size 2'",
        "column 'size 2': 1 error cell (#N/A, #DIV/0! and the like) read as missing",
        "column 'total': 2 error cells (#N/A, #DIV/0! and the like) read as missing",
    ] {
        assert!(err.contains(note), "expected '{note}' in: {err}");
    }
    // Formulas give the values the workbook cached: 1 + 2 = 3.
    let total = v["columns"].as_array().unwrap().iter().find(|c| c["name"] == "total").unwrap();
    assert_eq!(total["missing"], 2, "{total}");
    assert_eq!(total["range"][1], 3.0, "{total}");
}
