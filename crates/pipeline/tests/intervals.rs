//! Probability intervals (Venn–Abers, `glassbox_serve::intervals`) on real
//! rows: a model trained on part of a file scores held-out rows it never
//! saw; predictors calibrated on more of those rows give narrower intervals,
//! and their merged probabilities are no worse calibrated than the model's
//! own on the rows left for evaluation.

use glassbox_pipeline::metrics::calibration;
use glassbox_pipeline::model::ModelSpec;
use glassbox_pipeline::{predict, train, TrainSpec};
use glassbox_serve::intervals::Intervals;

fn sample(file: &str) -> String {
    std::fs::read_to_string(format!("{}/../../public/samples/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The file's records in a fixed shuffled order (569 is prime, so i · step
/// mod 569 visits every record once), as (header, lines).
fn shuffled(text: &str, step: usize) -> (String, Vec<String>) {
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_string();
    let records: Vec<String> = lines.map(str::to_string).collect();
    let n = records.len();
    assert_eq!(n, 569);
    (header, (0..n).map(|i| records[(i * step + step / 2) % n].clone()).collect())
}

/// One shuffle's measurements: the mean interval width on the evaluation
/// rows for each calibration size, and the ECE of the model's own and of
/// the merged probabilities there.
struct Measured {
    widths: Vec<f64>,
    raw: f64,
    merged: f64,
}

const SIZES: [usize; 4] = [25, 50, 100, 200];

fn measure(model: &str, step: usize) -> Measured {
    let (header, records) = shuffled(&sample("breast_cancer.csv"), step);
    let (fit_part, held_out) = records.split_at(200);
    let spec = TrainSpec { model: ModelSpec::by_name(model, 3).unwrap(), ..TrainSpec::for_target("diagnosis") };
    let o = train(&csv(&header, fit_part), "part.csv", &spec).unwrap();
    let p = predict(&o.model, &csv(&header, held_out), &Default::default()).unwrap();
    // Every scored row's merged probability lies in its interval.
    for r in &p.rows {
        let ci = r.interval.expect("an interval per scored row").interval;
        assert!(ci.low <= ci.probability && ci.probability <= ci.high && 0.0 <= ci.low && ci.high <= 1.0);
    }
    let proba: Vec<Vec<f64>> = p.rows.iter().map(|r| r.proba.clone()).collect();
    // The true classes, read from the last column as the model names them.
    let y: Vec<usize> =
        held_out.iter().map(|l| o.classes.iter().position(|c| c == l.rsplit(',').next().unwrap()).unwrap()).collect();
    let (cal_p, eval_p) = proba.split_at(200);
    let (cal_y, eval_y) = y.split_at(200);
    let widths = SIZES
        .iter()
        .map(|&m| mean_width(&Intervals::fit(&cal_p[..m], &cal_y[..m], 2, "test").unwrap(), eval_p))
        .collect();
    let iv = Intervals::fit(cal_p, cal_y, 2, "test").unwrap();
    let merged: Vec<Vec<f64>> = eval_p
        .iter()
        .map(|p| {
            let m = iv.reported(p, 1).interval.probability;
            vec![1.0 - m, m]
        })
        .collect();
    Measured { widths, raw: calibration(eval_y, eval_p, 10).ece, merged: calibration(eval_y, &merged, 10).ece }
}

fn csv(header: &str, lines: &[String]) -> Vec<u8> {
    let mut s = format!("{header}\n");
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s.into_bytes()
}

fn mean_width(iv: &Intervals, proba: &[Vec<f64>]) -> f64 {
    proba
        .iter()
        .map(|p| {
            let i = iv.reported(p, 1).interval;
            i.high - i.low
        })
        .sum::<f64>()
        / proba.len() as f64
}

#[test]
fn intervals_narrow_as_the_calibration_set_grows_and_merged_probabilities_are_no_worse_calibrated() {
    // Five shuffles of 569 rows: 200 to fit, 200 to calibrate, 169 to
    // measure. One shuffle's ECE over 10 bins of 169 rows moves by a few
    // hundredths, so the claims are about the mean over the five.
    const STEPS: [usize; 5] = [263, 101, 47, 389, 211];
    for model in ["logistic_regression", "random_forest", "naive_bayes"] {
        let runs: Vec<Measured> = STEPS.iter().map(|&s| measure(model, s)).collect();
        let mean = |f: &dyn Fn(&Measured) -> f64| runs.iter().map(f).sum::<f64>() / runs.len() as f64;
        let widths: Vec<f64> = (0..SIZES.len()).map(|i| mean(&|m| m.widths[i])).collect();
        let (raw, merged) = (mean(&|m| m.raw), mean(&|m| m.merged));
        println!("{model}: mean widths {widths:?} for {SIZES:?} rows, ECE raw {raw:.4}, merged {merged:.4}");
        assert!(widths.windows(2).all(|w| w[1] < w[0]), "{model}: mean widths {widths:?} do not narrow");
        // Naive Bayes (over-confident) and the forest (under-confident
        // near 0 and 1) gain. Logistic regression is well calibrated on
        // this file already, and 200 calibration rows cost it a little
        // (measured: 0.0345 raw, 0.0437 merged); that is allowed here
        // and stated in BENCHMARKS.md, not hidden.
        let allowed = if model == "logistic_regression" { 0.015 } else { 0.0 };
        assert!(merged <= raw + allowed, "{model}: ECE merged {merged} vs raw {raw}");
    }
}

#[test]
fn multiclass_intervals_are_of_the_predicted_class_and_old_files_have_none() {
    let bytes = sample("iris.csv");
    let spec = TrainSpec { model: ModelSpec::by_name("random_forest", 1).unwrap(), ..TrainSpec::for_target("species") };
    let o = train(bytes.as_bytes(), "iris.csv", &spec).unwrap();
    assert_eq!(o.model.intervals.as_ref().unwrap().predictors.len(), 3, "one predictor per class");
    let p = predict(&o.model, bytes.as_bytes(), &Default::default()).unwrap();
    for r in &p.rows {
        assert_eq!(r.interval.unwrap().class, r.predicted.unwrap());
    }
    // A version 4 file (no intervals) still predicts, with the interval columns empty.
    let mut v4: serde_json::Value = serde_json::from_str(&o.model.to_json()).unwrap();
    v4["format_version"] = 4.into();
    v4.as_object_mut().unwrap().remove("intervals");
    let old = glassbox_pipeline::ModelFile::from_json(&v4.to_string()).unwrap();
    let q = predict(&old, bytes.as_bytes(), &Default::default()).unwrap();
    assert!(q.rows.iter().all(|r| r.interval.is_none()));
    assert!(q.to_csv().lines().nth(1).unwrap().ends_with(",,,,"), "{}", q.to_csv());
    // A tampered file with the wrong number of predictors is refused before scoring.
    let mut bad: serde_json::Value = serde_json::from_str(&o.model.to_json()).unwrap();
    bad["intervals"]["predictors"].as_array_mut().unwrap().pop();
    let e = glassbox_pipeline::ModelFile::from_json(&bad.to_string()).unwrap_err();
    assert!(e.message().contains("3 classes but 2 interval predictors"), "{}", e.message());
    let mut bad: serde_json::Value = serde_json::from_str(&o.model.to_json()).unwrap();
    bad["intervals"]["predictors"][0]["counts"].as_array_mut().unwrap().pop();
    let e = glassbox_pipeline::ModelFile::from_json(&bad.to_string()).unwrap_err();
    assert!(e.message().contains("counts"), "{}", e.message());
}

/// Regression: serde_json's default float parser can be one unit in the
/// last place off, so a model read back from its file scored (and broke
/// interval ties) a hair differently from the model in memory. With
/// `float_roundtrip` every number of the file reads back exactly.
#[test]
fn a_saved_model_read_back_scores_bit_for_bit_as_in_memory() {
    let bytes = sample("penguins.csv");
    for name in glassbox_pipeline::model::model_names(glassbox_pipeline::task::Task::Classification).iter() {
        let spec = TrainSpec { model: ModelSpec::by_name(name, 2).unwrap(), ..TrainSpec::for_target("sex") };
        let o = train(bytes.as_bytes(), "penguins.csv", &spec).unwrap();
        let back = glassbox_pipeline::ModelFile::from_json(&o.model.to_json()).unwrap();
        assert_eq!(back, o.model, "{name}: the file reads back as the model");
        let (a, b) = (
            predict(&o.model, bytes.as_bytes(), &Default::default()).unwrap(),
            predict(&back, bytes.as_bytes(), &Default::default()).unwrap(),
        );
        assert_eq!(a, b, "{name}");
    }
}
