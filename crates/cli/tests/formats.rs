//! Workbooks, Parquet, JSON Lines and gzip through the CLI: each fixture of
//! `tests/fixtures/formats/` (written by `scripts/make_format_fixtures.py`
//! with openpyxl, odfpy, xlwt, pyarrow and pandas) reads as its CSV twin,
//! trains to the same model and scores the same predictions.

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
        // Four row groups each, and the text columns as dictionaries (categories).
        ("penguins.parquet", "Parquet (snappy)"),
        ("penguins_snappy.parquet", "Parquet (snappy)"),
        ("penguins_gzip.parquet", "Parquet (gzip)"),
        ("penguins_zstd.parquet", "Parquet (zstd)"),
        ("penguins_lz4.parquet", "Parquet (LZ4)"),
        ("penguins_brotli.parquet", "Parquet (brotli)"),
    ] {
        let data = fixture(file);
        let (out, err) = train(&data, tmp.path(), file);
        let mut model = json(&out.join("model.json"));
        // The model names the file it was trained on by the file's own hash.
        let sha = glassbox_sha256(&data);
        assert_eq!(model["provenance"]["input_sha256"], sha.as_str(), "{file}");
        model["provenance"]["input_sha256"] = twin["provenance"]["input_sha256"].clone();
        // So does its recipe, by the file's name and hash; the choices are the CSV's.
        assert_eq!(model["recipe"]["input"]["sha256"], sha.as_str(), "{file}");
        model["recipe"]["input"] = twin["recipe"]["input"].clone();
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
    for data in [penguins_csv(), fixture("penguins.xlsx"), fixture("penguins.jsonl"), fixture("penguins.parquet")] {
        let out = tmp.path().join(format!("p{}.csv", written.len()));
        ok(&["predict", model.to_str().unwrap(), &data, "--out", out.to_str().unwrap()]);
        written.push(std::fs::read(&out).unwrap());
    }
    assert_eq!(written[1], written[0], "xlsx");
    assert_eq!(written[2], written[0], "JSON Lines");
    assert_eq!(written[3], written[0], "Parquet");
}

/// A CSV's records as text, whatever its quoting.
fn records(csv_text: &[u8]) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(csv_text);
    r.records().map(|rec| rec.unwrap().iter().map(str::to_string).collect()).collect()
}

#[test]
fn predictions_written_as_parquet_hold_the_csv_values_typed() {
    let tmp = tempfile::tempdir().unwrap();
    let (model_dir, _) = train(&penguins_csv(), tmp.path(), "model");
    let model = model_dir.join("model.json");
    let csv_out = tmp.path().join("p.csv");
    let parquet_out = tmp.path().join("p.parquet");
    for out in [&csv_out, &parquet_out] {
        ok(&["predict", model.to_str().unwrap(), &penguins_csv(), "--id", "year", "--out", out.to_str().unwrap()]);
    }
    let parquet = std::fs::read(&parquet_out).unwrap();
    assert!(parquet.starts_with(b"PAR1"), "a Parquet file");
    // Read back by the Parquet reader, it is the CSV, value for value.
    let back = glassbox_formats::decode(&parquet, "p.parquet", &Default::default()).unwrap().unwrap();
    let csv_text = std::fs::read(&csv_out).unwrap();
    assert_eq!(records(&back.bytes), records(&csv_text));
    // Typed: the probabilities are numbers, the year an integer, the class text.
    let (out, _) = ok(&["inspect", parquet_out.to_str().unwrap(), "--json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let kind = |name: &str| {
        v["columns"].as_array().unwrap().iter().find(|c| c["name"] == name).map(|c| c["kind"].clone()).unwrap()
    };
    assert_eq!(
        (kind("year"), kind("probability"), kind("prediction")),
        ("numeric".into(), "numeric".into(), "categorical".into())
    );
    // The same bytes run after run.
    ok(&["predict", model.to_str().unwrap(), &penguins_csv(), "--id", "year", "--out", parquet_out.to_str().unwrap()]);
    assert_eq!(std::fs::read(&parquet_out).unwrap(), parquet);
}

#[test]
fn parquet_types_decide_the_kinds_and_nested_columns_are_left_out_in_words() {
    let (out, err) = ok(&["inspect", &fixture("types.parquet"), "--json"]);
    for note in [
        "types.parquet: column 'tags' (a list) left out: only flat values are read",
        "types.parquet: column 'raw' (bytes) left out: only flat values are read",
    ] {
        assert!(err.contains(note), "expected '{note}' in: {err}");
    }
    let v: Value = serde_json::from_str(&out).unwrap();
    let col = |name: &str| v["columns"].as_array().unwrap().iter().find(|c| c["name"] == name).cloned().unwrap();
    // Zip codes are strings in the file: a category, zeros kept, not numbers.
    assert_eq!(col("zip")["kind"], "categorical");
    assert_eq!(col("zip")["top"][0][0], "02139");
    // A dictionary of digits is text too; a yes/no pair of text is a boolean, as in its CSV twin.
    assert_eq!(col("code")["kind"], "categorical");
    assert_eq!(col("answer")["kind"], "boolean");
    assert_eq!(col("flag")["kind"], "boolean");
    // A float32 0.1 is the 0.1 its CSV twin writes; a decimal keeps its digits; durations are seconds.
    assert_eq!(col("f32")["range"], serde_json::json!([0.1, 2.5]));
    assert_eq!(col("dec")["range"], serde_json::json!([-0.1, 12.25]));
    assert_eq!(col("secs")["range"], serde_json::json!([0.0, 1.5]));
    assert_eq!(col("i8")["missing"], 1);
    assert!(v["columns"].as_array().unwrap().iter().all(|c| c["name"] != "tags" && c["name"] != "raw"));
}

#[test]
fn parquet_wall_times_take_the_zone_and_instants_are_instants() {
    for zone in ["UTC", "Europe/Paris", "America/New_York"] {
        let csv = columns(&["inspect", &fixture("dates.csv"), "--json", "--timezone", zone]);
        let got = columns(&["inspect", &fixture("dates.parquet"), "--json", "--timezone", zone]);
        assert_eq!(got, csv, "dates.parquet in {zone}");
        // Timestamps with a zone are the same instants whatever zone the person reads in.
        let csv = columns(&["inspect", &fixture("instants.csv"), "--json", "--timezone", zone]);
        let got = columns(&["inspect", &fixture("instants.parquet"), "--json", "--timezone", zone]);
        assert_eq!(got, csv, "instants.parquet in {zone}");
    }
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
