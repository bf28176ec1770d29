//! A regressor's conformal prediction intervals through the run: the
//! calibration slice held out of the fit, the half-width in the model file,
//! the audit on the test rows, the same interval from the saved model's
//! `predict` and the server's rows, and the refusals.

use glassbox_pipeline::conformal::Level;
use glassbox_pipeline::ingest::ReadOptions;
use glassbox_pipeline::run::{train, TrainSpec};
use glassbox_pipeline::ModelFile;

/// `n` rows of y = 2·a − b + noise whose size grows with a (so a log1p
/// model and a plain one disagree on where the errors are).
fn csv(n: u64) -> String {
    let mut s = String::from("a,b,y\n");
    for i in 0..n {
        let a = (i * 37 % 101) as f64 / 10.0;
        let b = (i * 53 % 89) as f64 / 7.0;
        let noise = (((i * 7919) % 101) as f64 / 101.0 - 0.5) * (1.0 + a);
        s.push_str(&format!("{a},{b},{:.4}\n", 30.0 + 2.0 * a - b + noise));
    }
    s
}

fn spec(model: &str, level: Option<f64>) -> TrainSpec {
    let mut spec = TrainSpec::for_target("y");
    spec.model = glassbox_pipeline::model::ModelSpec::by_name(model, 42).unwrap();
    spec.interval = level.map(|l| Level::new(l).unwrap());
    spec.importance_repeats = 0;
    spec
}

#[test]
fn the_calibration_slice_is_held_out_and_the_interval_is_its_kth_residual() {
    let data = csv(1000);
    let o = train(data.as_bytes(), "c.csv", &spec("ridge", Some(0.9))).unwrap();
    let r = o.regression.as_ref().unwrap();
    let i = r.interval.as_ref().expect("an interval by default");
    // 1,000 rows: 200 test, then a fifth of the 800 training rows calibrate.
    assert_eq!((o.manifest.n_train, o.manifest.n_test, i.conformal.calibration_rows), (640, 200, 160));
    // ⌈161 · 0.9⌉ = 145, computed exactly.
    assert_eq!(i.conformal.rank, Some(145));
    let q = i.conformal.half_width.unwrap();
    for p in &r.test_predictions {
        let iv = p.interval.unwrap();
        assert_eq!((iv.low, iv.high), (p.predicted - q, p.predicted + q), "line {}", p.line);
    }
    // Without an interval, the model is fitted on all 800 training rows.
    let off = train(data.as_bytes(), "c.csv", &spec("ridge", None)).unwrap();
    assert_eq!(off.manifest.n_train, 800);
    assert!(off.regression.as_ref().unwrap().interval.is_none());
    assert!(off.model.conformal.is_none());
    let json: serde_json::Value = serde_json::from_str(&off.metrics_json()).unwrap();
    assert!(json.get("interval").is_none());
}

#[test]
fn the_audit_counts_the_test_rows_inside_and_says_the_guarantee() {
    let o = train(csv(1500).as_bytes(), "c.csv", &spec("gradient_boosting", Some(0.9))).unwrap();
    let r = o.regression.as_ref().unwrap();
    let i = r.interval.as_ref().unwrap();
    let inside = r
        .test_predictions
        .iter()
        .filter(|p| p.interval.is_some_and(|v| v.low <= p.actual && p.actual <= v.high))
        .count();
    assert_eq!(i.test.coverage, inside as f64 / r.test_predictions.len() as f64);
    assert!(i.test.coverage_low < i.test.coverage && i.test.coverage < i.test.coverage_high);
    // 300 test rows: within the binomial spread of the promised 90%.
    assert!((0.84..=0.96).contains(&i.test.coverage), "coverage {}", i.test.coverage);
    assert_eq!(i.test.by_decile.len(), 10);
    assert_eq!(i.test.by_decile.iter().map(|d| d.rows).sum::<usize>(), 300);
    assert!(i.guarantee.contains("at least 90%"), "{}", i.guarantee);
    let json: serde_json::Value = serde_json::from_str(&o.metrics_json()).unwrap();
    assert_eq!(json["interval"]["method"], "split");
    assert_eq!(json["interval"]["level"], 0.9);
    assert_eq!(json["interval"]["test"]["rows"], 300);
    assert!(
        json["interval"]["test"]["winkler"].as_f64().unwrap()
            >= json["interval"]["test"]["mean_width"].as_f64().unwrap()
    );
}

#[test]
fn the_saved_model_scores_the_test_rows_interval_bit_for_bit() {
    // 700 rows: 560 training rows, enough for a calibration slice.
    let data = csv(700);
    let mut s = spec("gradient_boosting", Some(0.8));
    s.target_transform = "log1p".parse().unwrap();
    let o = train(data.as_bytes(), "c.csv", &s).unwrap();
    let model = ModelFile::from_json(&o.model.to_json()).unwrap();
    assert_eq!(model.conformal, o.model.conformal);
    let p = glassbox_pipeline::predict(&model, data.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(p.interval_level, Some(Level::new(0.8).unwrap()));
    let r = o.regression.as_ref().unwrap();
    for t in &r.test_predictions {
        let row = &p.rows[t.row];
        assert_eq!(row.value, Some(t.predicted), "line {}", t.line);
        assert_eq!(row.value_interval, t.interval, "line {}", t.line);
        // On log1p the interval is wider above the prediction than below.
        let iv = t.interval.unwrap();
        assert!(iv.high - t.predicted > t.predicted - iv.low, "line {}", t.line);
    }
    let csv_out = p.to_csv();
    assert!(csv_out.starts_with("prediction,pi_low,pi_high,issue\n"), "{}", &csv_out[..60]);
    let first = &p.rows[0];
    let line = csv_out.lines().nth(1).unwrap();
    let cells: Vec<f64> = line.split(',').take(3).map(|c| c.parse().unwrap()).collect();
    let iv = first.value_interval.unwrap();
    assert_eq!(cells, [first.value.unwrap(), iv.low, iv.high], "full precision");
    // The server's path gives the same numbers.
    let row: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(r#"{"a": 3.7, "b": 5.285714285714286}"#).unwrap();
    let scored = glassbox_pipeline::rows::score(&model, &[row], false).unwrap();
    let n = scored[0].as_number().expect("a number");
    let direct = glassbox_pipeline::predict(&model, b"a,b\n3.7,5.285714285714286\n", &ReadOptions::default()).unwrap();
    let d = direct.rows[0].value_interval.unwrap();
    assert_eq!((n.prediction, n.prediction_interval), (direct.rows[0].value.unwrap(), Some([d.low, d.high])));
    let json = serde_json::to_value(&scored[0]).unwrap();
    assert_eq!(json["interval_level"], 0.8);
    assert_eq!(json["prediction_interval"][1], d.high);
}

#[test]
fn too_few_calibration_rows_give_an_unbounded_interval_that_says_so() {
    // 20 rows: 4 test, 16 training rows for CV+; 0.95 needs 19.
    let o = train(csv(20).as_bytes(), "c.csv", &spec("ridge", Some(0.95))).unwrap();
    let r = o.regression.as_ref().unwrap();
    let i = r.interval.as_ref().unwrap();
    assert_eq!((i.conformal.calibration_rows, i.conformal.rank, i.conformal.half_width), (16, None, None));
    assert_eq!(i.test.coverage, 1.0);
    assert_eq!((i.test.mean_width, i.test.winkler), (None, None));
    assert!(r.test_predictions.iter().all(|p| p.interval.is_none()));
    let warning = r.warnings().into_iter().find(|w| w.contains("unbounded")).expect("a warning");
    assert!(warning.contains("16 training rows") && warning.contains("at least 19"), "{warning}");
    let p = glassbox_pipeline::predict(&o.model, csv(5).as_bytes(), &ReadOptions::default()).unwrap();
    assert!(p.warnings[0].contains("unbounded"), "{:?}", p.warnings);
    assert!(p.to_csv().lines().nth(1).unwrap().contains(",,,"), "empty ends");
}

#[test]
fn a_tampered_half_width_is_refused_when_the_model_is_read() {
    let o = train(csv(700).as_bytes(), "c.csv", &spec("ridge", Some(0.9))).unwrap();
    let json = o.model.to_json();
    let q = o.model.conformal.as_ref().unwrap().half_width.unwrap();
    let bad = json.replacen(&format!("\"half_width\": {q}"), "\"half_width\": -1.0", 1);
    assert_ne!(bad, json, "the field was found");
    let e = ModelFile::from_json(&bad).unwrap_err();
    assert!(e.message().contains("half-width"), "{}", e.message());
    // The conformal entry's level (the profile's errors name the level too).
    let at = json.find("\"conformal\"").unwrap();
    let level = json[..at].to_string() + &json[at..].replacen("\"level\": 0.9", "\"level\": 1.5", 1);
    let e = ModelFile::from_json(&level).unwrap_err();
    assert!(e.message().contains("interval level"), "{}", e.message());
}

#[test]
fn a_small_training_set_gets_cv_plus_over_five_folds_scored_bit_for_bit_by_the_saved_model() {
    // 300 rows: 240 training rows, below 500: none is held out.
    let data = csv(300);
    let o = train(data.as_bytes(), "c.csv", &spec("gradient_boosting", Some(0.9))).unwrap();
    assert_eq!(o.manifest.n_train, 240, "every training row fits the model");
    let r = o.regression.as_ref().unwrap();
    let i = r.interval.as_ref().unwrap();
    assert_eq!(i.conformal.method, glassbox_pipeline::conformal::Method::CvPlus);
    assert_eq!((i.conformal.calibration_rows, i.conformal.rank, i.folds), (240, Some(217), Some(5)));
    assert!(i.guarantee.contains("at least 80% in theory") && i.guarantee.contains("CV+"), "{}", i.guarantee);
    assert!((0.8..=1.0).contains(&i.test.coverage), "coverage {}", i.test.coverage);
    // The fold models and residuals travel in the model file, not in metrics.json.
    let json: serde_json::Value = serde_json::from_str(&o.metrics_json()).unwrap();
    assert_eq!(json["interval"]["method"], "cv_plus");
    assert_eq!(json["interval"]["folds"], 5);
    assert!(json["interval"].get("cv_plus").is_none());
    // Regression: metrics.json's interval keeps no fold models, and the
    // CLI's and the report's line read them, so they said "split conformal".
    assert_eq!(i.describe(), "CV+ over 5 folds of the 240 training rows");
    let cv = o.model.conformal.as_ref().unwrap().cv_plus.as_ref().unwrap();
    assert_eq!((cv.models.len(), cv.residuals.len()), (5, 240));
    // Widths differ from row to row, and the saved model gives the same bits.
    let model = ModelFile::from_json(&o.model.to_json()).unwrap();
    let p = glassbox_pipeline::predict(&model, data.as_bytes(), &ReadOptions::default()).unwrap();
    let mut widths = std::collections::BTreeSet::new();
    for t in &r.test_predictions {
        let row = &p.rows[t.row];
        assert_eq!((row.value, row.value_interval), (Some(t.predicted), t.interval), "line {}", t.line);
        let iv = t.interval.unwrap();
        widths.insert((iv.high - iv.low).to_bits());
    }
    assert!(widths.len() > 10, "CV+ widths vary by row");
    // A residual tampered below zero is refused when the file is read.
    let json = o.model.to_json();
    let from = json.find("\"residuals\": [").unwrap();
    let at = from + json[from..].find(|c: char| c.is_ascii_digit()).unwrap();
    let bad = format!("{}-{}", &json[..at], &json[at..]);
    let e = ModelFile::from_json(&bad).unwrap_err();
    assert!(e.message().contains("residual"), "{}", e.message());
}

/// Conformalized quantile regression beside a ridge model on noise that
/// grows with `a`: split conformal's width is the same everywhere, CQR's
/// follows the noise; both keep the level, the file keeps the two quantile
/// models, and the saved model gives the same bits.
#[test]
fn cqr_widens_where_the_noise_grows_and_is_scored_bit_for_bit_by_the_saved_model() {
    let data = csv(3000);
    let mut s = spec("ridge", Some(0.9));
    s.interval_method = glassbox_pipeline::run::IntervalMethod::Cqr;
    let o = train(data.as_bytes(), "c.csv", &s).unwrap();
    let split = train(data.as_bytes(), "c.csv", &spec("ridge", Some(0.9))).unwrap();
    let r = o.regression.as_ref().unwrap();
    let i = r.interval.as_ref().unwrap();
    assert_eq!(i.conformal.method, glassbox_pipeline::conformal::Method::Cqr);
    assert_eq!((o.manifest.n_train, i.conformal.calibration_rows), (1920, 480), "a fifth held out, as split");
    assert!(i.describe().starts_with("conformalized quantile regression (boosting at the 0.05 and 0.95 quantiles)"));
    assert!(i.guarantee.contains("at least 90%") && i.guarantee.contains("0.05 and 0.95"), "{}", i.guarantee);
    let json: serde_json::Value = serde_json::from_str(&o.metrics_json()).unwrap();
    assert_eq!(json["interval"]["method"], "cqr");
    assert!(json["interval"].get("cqr").is_none(), "the quantile models stay in the model file");
    // Width by the noise's size: rows with a below 2 against a of 8 or more.
    let a_of =
        |line: u64| -> f64 { data.lines().nth(line as usize - 1).unwrap().split(',').next().unwrap().parse().unwrap() };
    let widths = |o: &glassbox_pipeline::run::TrainOutcome, small: bool| -> f64 {
        let w: Vec<f64> = o
            .regression
            .as_ref()
            .unwrap()
            .test_predictions
            .iter()
            .filter(|t| if small { a_of(t.line) < 2.0 } else { a_of(t.line) >= 8.0 })
            .map(|t| t.interval.unwrap().high - t.interval.unwrap().low)
            .collect();
        w.iter().sum::<f64>() / w.len() as f64
    };
    let (cqr_ratio, split_ratio) = (widths(&o, false) / widths(&o, true), widths(&split, false) / widths(&split, true));
    assert!((split_ratio - 1.0).abs() < 1e-9, "split conformal's width is one number: {split_ratio}");
    assert!(cqr_ratio > 2.0, "CQR's intervals widen with the noise: {cqr_ratio}");
    let sc = split.regression.as_ref().unwrap().interval.as_ref().unwrap().test.coverage;
    // Split conformal's one width misses the noisy rows, and the run says
    // what to do; CQR's run does not.
    let says = |o: &glassbox_pipeline::run::TrainOutcome| {
        o.regression.as_ref().unwrap().warnings().into_iter().find(|w| w.contains("--interval-method cqr"))
    };
    let hint = says(&split).expect("split conformal's short decile is named");
    assert!(hint.starts_with("the 90% intervals hold only "), "{hint}");
    assert_eq!(says(&o), None);
    for cov in [i.test.coverage, sc] {
        assert!((0.86..=0.94).contains(&cov), "coverage {cov}");
    }
    // Every interval holds its prediction; the saved model gives the same bits.
    let model = ModelFile::from_json(&o.model.to_json()).unwrap();
    let p = glassbox_pipeline::predict(&model, data.as_bytes(), &ReadOptions::default()).unwrap();
    for t in &r.test_predictions {
        let iv = t.interval.unwrap();
        assert!(iv.low <= t.predicted && t.predicted <= iv.high, "line {}", t.line);
        let row = &p.rows[t.row];
        assert_eq!((row.value, row.value_interval), (Some(t.predicted), t.interval), "line {}", t.line);
    }
    let cqr = o.model.conformal.as_ref().unwrap().cqr.as_ref().unwrap();
    assert_eq!(cqr.quantiles, [0.05, 0.95]);
    // A quantile model's tree tampered past its end is refused when the
    // file is read, not followed out of bounds when a row is scored.
    let json = o.model.to_json();
    let at = json.find("\"cqr\"").unwrap();
    let left = at + json[at..].find("\"left\": ").unwrap() + "\"left\": ".len();
    let end = left + json[left..].find(|c: char| !c.is_ascii_digit()).unwrap();
    let bad = format!("{}99999{}", &json[..left], &json[end..]);
    let e = ModelFile::from_json(&bad).unwrap_err();
    assert!(
        e.message().contains("the interval's model 1") && e.message().contains("past the tree's end"),
        "{}",
        e.message()
    );
}
