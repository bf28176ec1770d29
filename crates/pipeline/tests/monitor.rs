//! Monitoring on real data: the reference profile a training run stores,
//! drift of edited copies of the sample files (each a story a person meets:
//! a unit change, new levels, a broken extraction, a stuck sensor, a lost
//! column), the dataset verdict, prediction drift, and reading logs.

use glassbox_pipeline::ingest::ReadOptions;
use glassbox_pipeline::model::ModelSpec;
use glassbox_pipeline::monitor::{Choice, DriftReport, DriftSettings, Method, Period};
use glassbox_pipeline::watch::{drift_bytes, read_log, DriftSession};
use glassbox_pipeline::{train, ErrorKind, ModelFile, TrainSpec};

fn sample(file: &str) -> String {
    std::fs::read_to_string(format!("{}/../../public/samples/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn model_of(csv: &str, target: &str) -> ModelFile {
    let spec =
        TrainSpec { model: ModelSpec::by_name("logistic_regression", 7).unwrap(), ..TrainSpec::for_target(target) };
    train(csv.as_bytes(), "data.csv", &spec).unwrap().model
}

/// A copy of a CSV with `edit(row index, column name, value) -> new value`
/// applied to every cell (a minimal CSV: the samples have no quotes).
fn edited(csv: &str, edit: impl Fn(usize, &str, &str) -> String) -> String {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut out = header.join(",") + "\n";
    for (i, line) in lines.enumerate() {
        let cells: Vec<String> = line.split(',').zip(&header).map(|(v, h)| edit(i, h, v)).collect();
        out.push_str(&(cells.join(",") + "\n"));
    }
    out
}

fn drift_of(model: &ModelFile, current: &str, reference: Option<&str>, settings: &DriftSettings) -> DriftReport {
    drift_bytes(model, current.as_bytes(), reference.map(str::as_bytes), &ReadOptions::default(), settings).unwrap()
}

/// The drift check: the first of the top columns and its finding, and
/// which columns drifted.
fn check(report: &DriftReport, top: Option<(&str, &str)>, drifted: &[&str]) {
    let got: Vec<&str> = report.columns.iter().filter(|c| c.drifted).map(|c| c.column.as_str()).collect();
    assert_eq!(got, drifted, "drifted columns; top: {:?}", report.top);
    match top {
        Some((column, finding)) => {
            let t = &report.top[0];
            assert_eq!((t.column.as_str(), t.finding.as_str()), (column, finding), "{}", t.suggestion);
        }
        None => assert!(report.top.is_empty(), "{:?}", report.top),
    }
}

#[test]
fn the_glucose_story_a_column_multiplied_by_18_is_named_as_a_unit_change() {
    // Breast cancer's "mean area" stands in for glucose: a real numeric
    // column, multiplied by 18 in a copy, as a lab's switch from mmol/L to
    // mg/dL would.
    let data = sample("breast_cancer.csv");
    let model = model_of(&data, "diagnosis");
    let current =
        edited(
            &data,
            |_, h, v| {
                if h == "mean area" {
                    (v.parse::<f64>().unwrap() * 18.0).to_string()
                } else {
                    v.to_string()
                }
            },
        );
    for reference in [None, Some(data.as_str())] {
        let r = drift_of(&model, &current, reference, &DriftSettings::default());
        check(&r, Some(("mean_area", "unit_change")), &["mean_area"]);
        assert_eq!(r.top[0].factor, Some(18.0));
        assert!(r.top[0].suggestion.contains("18 × the reference"), "{}", r.top[0].suggestion);
        assert!(r.top[0].suggestion.contains("glucose mmol/L → mg/dL"));
        let c = r.column("mean_area").unwrap();
        // 455 training rows (at most 1,000): Evidently's rule picks KS.
        assert_eq!((c.method.as_str(), c.threshold), ("ks", Some(0.05)));
        assert!(c.p_value.unwrap() < 1e-100 && c.psi.unwrap() > 0.25 && c.psi_band.as_deref() == Some("major"));
    }
}

#[test]
fn the_same_data_does_not_drift_and_its_predictions_do_not_either() {
    let data = sample("penguins.csv");
    let model = model_of(&data, "sex");
    for reference in [None, Some(data.as_str())] {
        let r = drift_of(&model, &data, reference, &DriftSettings::default());
        check(&r, None, &[]);
        assert!(!r.dataset.drifted);
        assert_eq!(r.dataset.tested_columns, 7);
        assert_eq!(r.prediction.len(), 1);
        assert!(!r.prediction[0].drifted, "{:?}", r.prediction[0]);
        // The target is reported on its own, never in the share.
        assert_eq!(r.target.as_ref().unwrap().column, "sex");
    }
    // Raw values: the KS statistic of the column against itself is 0.
    let r = drift_of(&model, &data, Some(&data), &DriftSettings::default());
    assert_eq!(r.column("body_mass_g").unwrap().ks.unwrap().statistic, 0.0);
    assert!(r.basis.contains("raw"));
}

#[test]
fn new_levels_are_listed_with_counts() {
    let data = sample("penguins.csv");
    let model = model_of(&data, "sex");
    let current = edited(&data, |i, h, v| if h == "island" && i % 4 == 0 { "Atlantis".into() } else { v.into() });
    let r = drift_of(&model, &current, None, &DriftSettings::default());
    check(&r, Some(("island", "new_levels")), &["island"]);
    let c = r.column("island").unwrap();
    assert_eq!(c.new_levels[0].level, "Atlantis");
    assert_eq!(c.new_levels[0].count, 86);
    assert!(r.top[0].suggestion.contains("'Atlantis' (86)"), "{}", r.top[0].suggestion);
}

#[test]
fn a_jump_in_missing_values_points_at_the_extraction() {
    let data = sample("penguins.csv");
    let model = model_of(&data, "sex");
    let current = edited(&data, |i, h, v| if h == "flipper_length_mm" && i % 5 < 2 { String::new() } else { v.into() });
    let r = drift_of(
        &model,
        &current,
        None,
        &DriftSettings { all: Some(Choice { method: Method::Psi, threshold: Some(0.05) }), ..Default::default() },
    );
    let c = r.column("flipper_length_mm").unwrap();
    assert!(c.missing_current > 0.39 && c.missing_reference < 0.01, "{} {}", c.missing_current, c.missing_reference);
    // The values left are the same shape, so the tests need not fire; the
    // missing rate is reported for every column anyway.
    let constant =
        edited(
            &data,
            |_, h, v| if h == "bill_depth_mm" && !v.is_empty() && v != "NA" { "17".into() } else { v.into() },
        );
    let r = drift_of(&model, &constant, None, &DriftSettings::default());
    check(&r, Some(("bill_depth_mm", "constant")), &["bill_depth_mm"]);
    assert!(r.top[0].suggestion.starts_with("every current value is 17"), "{}", r.top[0].suggestion);
}

#[test]
fn missing_jump_is_the_suggestion_when_the_column_also_drifts() {
    let data = sample("penguins.csv");
    let model = model_of(&data, "sex");
    // Big birds lost their flipper length: missing values and a shift at once.
    let current =
        edited(&data, |i, h, v| if h == "flipper_length_mm" && i % 2 == 0 { String::new() } else { v.into() });
    let r = drift_of(
        &model,
        &current,
        None,
        &DriftSettings { all: Some(Choice { method: Method::Psi, threshold: Some(0.0) }), ..Default::default() },
    );
    let t = r.top.iter().find(|t| t.column == "flipper_length_mm").unwrap();
    assert_eq!(t.finding, "missing_jump", "{}", t.suggestion);
    assert!(t.suggestion.contains("to 50.") || t.suggestion.contains("to 49."), "{}", t.suggestion);
}

#[test]
fn a_lost_column_is_reported_and_the_rest_still_analysed() {
    let data = sample("penguins.csv");
    let model = model_of(&data, "sex");
    let lines: Vec<String> = data
        .lines()
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            [&cells[..5], &cells[6..]].concat().join(",")
        })
        .collect();
    let r = drift_of(&model, &(lines.join("\n") + "\n"), None, &DriftSettings::default());
    assert_eq!(r.missing_columns, vec!["body_mass_g"]);
    assert_eq!(r.dataset.tested_columns, 6);
    let c = r.column("body_mass_g").unwrap();
    assert_eq!((c.method.as_str(), c.note.as_deref()), ("none", Some("absent from the current data")));
    assert!(r.notes[0].contains("body_mass_g"));
}

#[test]
fn chunks_give_the_report_of_the_whole_file() {
    let data = sample("breast_cancer.csv");
    let model = model_of(&data, "diagnosis");
    let header = data.lines().next().unwrap();
    let body: Vec<&str> = data.lines().skip(1).collect();
    let mut s = DriftSession::new(&model, None, &ReadOptions::default()).unwrap();
    for part in body.chunks(150) {
        s.feed(format!("{header}\n{}\n", part.join("\n")).as_bytes()).unwrap();
    }
    let chunked = s.finish(&DriftSettings::default()).unwrap();
    let whole = drift_of(&model, &data, None, &DriftSettings::default());
    assert_eq!(chunked, whole);
}

#[test]
fn large_references_switch_to_wasserstein_and_jensen_shannon_as_evidently_does() {
    let mut csv = String::from("x,colour,y\n");
    for i in 0..3000 {
        let x = (i * 37 % 1000) as f64 / 10.0;
        let colour = ["red", "green", "blue"][i % 3];
        let y = if x + (i % 7) as f64 * 5.0 > 60.0 { "yes" } else { "no" };
        csv.push_str(&format!("{x},{colour},{y}\n"));
    }
    let model = model_of(&csv, "y");
    let shifted =
        edited(&csv, |_, h, v| if h == "x" { (v.parse::<f64>().unwrap() + 20.0).to_string() } else { v.into() });
    let r = drift_of(&model, &shifted, None, &DriftSettings::default());
    let x = r.column("x").unwrap();
    assert_eq!((x.method.as_str(), x.threshold), ("wasserstein", Some(0.1)));
    assert!(x.drifted && x.chosen_by.contains("2400 reference values (more than 1000)"), "{}", x.chosen_by);
    let colour = r.column("colour").unwrap();
    assert_eq!(colour.method, "jensenshannon");
    assert!(!colour.drifted);
    let top = &r.top[0];
    assert_eq!(top.finding, "out_of_range", "{}", top.suggestion);
    // The person can pick another test and threshold per column.
    let chosen = DriftSettings {
        columns: [("x".to_string(), Choice { method: Method::Ks, threshold: Some(0.001) })].into(),
        ..Default::default()
    };
    let r = drift_of(&model, &shifted, None, &chosen);
    assert_eq!(r.column("x").unwrap().method, "ks");
    assert_eq!(r.column("x").unwrap().chosen_by, "chosen by the person");
    let bad = DriftSettings {
        columns: [("colour".to_string(), Choice { method: Method::Ks, threshold: None })].into(),
        ..Default::default()
    };
    let mut s = DriftSession::new(&model, None, &ReadOptions::default()).unwrap();
    s.feed(shifted.as_bytes()).unwrap();
    let e = s.finish(&bad).unwrap_err();
    assert!(e.to_string().contains("column 'colour' is categorical: ks needs numbers"), "{e}");
}

#[test]
fn a_model_file_without_a_profile_asks_for_the_reference() {
    let data = sample("penguins.csv");
    let mut old = model_of(&data, "sex");
    old.profile = None;
    old.format_version = 5;
    let old = ModelFile::from_json(&old.to_json()).unwrap();
    let e = DriftSession::new(&old, None, &ReadOptions::default()).err().unwrap();
    assert_eq!(e.kind(), ErrorKind::BadModel);
    assert!(e.to_string().contains("--reference"), "{e}");
    let r = drift_of(&old, &data, Some(&data), &DriftSettings::default());
    assert!(r.columns.iter().all(|c| !c.drifted));
}

#[test]
fn a_tampered_profile_is_refused() {
    let model = model_of(&sample("penguins.csv"), "sex");
    let mut v: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
    let col = &mut v["profile"]["columns"][2]["summary"]["numeric"];
    col["counts"].as_array_mut().unwrap().pop();
    let e = ModelFile::from_json(&v.to_string()).unwrap_err();
    assert!(e.to_string().contains("bin counts that do not match its edges"), "{e}");
}

#[test]
fn empty_current_data_is_a_clear_error() {
    let data = sample("penguins.csv");
    let model = model_of(&data, "sex");
    let mut s = DriftSession::new(&model, None, &ReadOptions::default()).unwrap();
    let e = s.feed(format!("{}\n", data.lines().next().unwrap()).as_bytes()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::HeaderOnly, "{e}");
}

#[test]
fn the_profile_is_small() {
    let model = model_of(&sample("breast_cancer.csv"), "diagnosis");
    let profile = serde_json::to_string(model.profile.as_ref().unwrap()).unwrap();
    // 30 numeric columns: under 3 KB each.
    assert!(profile.len() < 30 * 3000, "{} bytes", profile.len());
    let m = model.profile.as_ref().unwrap().metrics.unwrap();
    assert_eq!(m.rows, 114);
    assert!(m.f1 > 0.9 && m.roc_auc > 0.95);
}

#[test]
fn logs_as_csv_and_as_json_lines_give_the_same_periods() {
    let data = sample("penguins.csv");
    let model = model_of(&data, "sex");
    let mut csv = String::from("time,label,prediction,proba_female,proba_male\n");
    let mut jsonl = String::new();
    for i in 0..60 {
        let day = 1 + i / 3;
        let label = if i % 2 == 0 { "male" } else { "female" };
        let p = if i % 5 == 0 {
            0.3
        } else if i % 2 == 0 {
            0.8
        } else {
            0.2
        };
        let predicted = if p >= 0.5 { "male" } else { "female" };
        csv.push_str(&format!("2026-11-{day:02}T08:00:00Z,{label},{predicted},{},{p}\n", 1.0 - p));
        jsonl.push_str(&format!(
            "{{\"time\":\"2026-11-{day:02}T08:00:00Z\",\"input\":{{\"label\":\"{label}\"}},\"prediction\":\"{predicted}\",\"probabilities\":{{\"female\":{},\"male\":{p}}}}}\n",
            1.0 - p
        ));
    }
    let a = read_log(&model, csv.as_bytes(), "time", "label", &ReadOptions::default()).unwrap();
    let b = read_log(&model, jsonl.as_bytes(), "time", "label", &ReadOptions::default()).unwrap();
    assert_eq!(a.rows, b.rows);
    assert_eq!(a.rows.len(), 60);
    let d = glassbox_pipeline::monitor::decay(&a.rows, &model.classes, Period::Week, 5.0, None).unwrap();
    // 2026-11-01 is a Sunday: the first week is one day.
    assert_eq!(d.periods[0].start, "2026-10-26");
    assert_eq!(d.periods.iter().map(|p| p.rows).sum::<usize>(), 60);
}

#[test]
fn logs_with_bad_times_labels_or_columns_say_where() {
    let model = model_of(&sample("penguins.csv"), "sex");
    let read = ReadOptions::default();
    let csv = "time,label,prediction,proba_female,proba_male\n2026-11-02,male,male,0.2,0.8\nyesterday,male,male,0.2,0.8\n2026-11-03,dragon,male,0.2,0.8\n2026-11-03,,male,0.2,0.8\n";
    let log = read_log(&model, csv.as_bytes(), "time", "label", &read).unwrap();
    assert_eq!(log.rows.len(), 1);
    assert_eq!(log.unlabelled, 1);
    let problems = log.problems.join("\n");
    assert!(problems.contains("line 3") && problems.contains("yesterday"), "{problems}");
    assert!(problems.contains("line 4: label 'dragon' is not one of the model's classes"), "{problems}");
    let e = read_log(&model, csv.as_bytes(), "when", "label", &read).unwrap_err();
    assert!(e.to_string().contains("no column 'when'"), "{e}");
    let e = read_log(&model, b"time,label\n2026-11-02,male\n", "time", "label", &read).unwrap_err();
    assert!(e.to_string().contains("proba_female"), "{e}");
    let e = read_log(&model, b"{\"t\":1}\n", "time", "label", &read).unwrap_err();
    assert!(e.to_string().contains("time field 'time'"), "{e}");
    let e = read_log(&model, b"{\"time\":\"2026-11-02\"}\n", "time", "label", &read).unwrap_err();
    assert!(e.to_string().contains("join the true labels"), "{e}");
    let e = read_log(&model, b"  \n", "time", "label", &read).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Empty);
}

#[test]
fn a_threshold_set_after_training_gives_the_file_training_with_it_writes() {
    // Regression: the app's operating point exported a profile scored at
    // 0.5 while `train --threshold 0.05` scored it at 0.05.
    let data = sample("breast_cancer.csv");
    let spec = TrainSpec::for_target("diagnosis");
    let plain = train(data.as_bytes(), "data.csv", &spec).unwrap();
    let rule = glassbox_pipeline::threshold::ThresholdRule::Fixed { value: 0.05 };
    let low = train(data.as_bytes(), "data.csv", &TrainSpec { threshold: Some(rule), ..spec }).unwrap();
    assert_eq!(plain.model_at(low.model.threshold.clone(), None).to_json(), low.model.to_json());
    assert_ne!(plain.model.profile, low.model.profile);
}
