//! The pipeline against scikit-learn's numbers (fixtures from scripts/make_fixtures.py).

use glassbox_pipeline::features;
use glassbox_pipeline::ingest::parse_csv;
use glassbox_pipeline::labels::order_labels;
use glassbox_pipeline::metrics::evaluate;
use glassbox_pipeline::model::{balanced_weights, ModelSpec};
use glassbox_pipeline::regression::regression_metrics;
use serde_json::Value;

const TOL: f64 = 1e-9;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn close(case: &str, what: &str, got: f64, want: f64) {
    assert!((got - want).abs() <= TOL, "{case}: {what} = {got}, scikit-learn says {want}");
}

fn close_all(case: &str, what: &str, got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len(), "{case}: {what} length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        close(case, &format!("{what}[{i}]"), *g, *w);
    }
}

/// Relative closeness: regression metrics carry the target's units.
fn close_rel(case: &str, what: &str, got: f64, want: f64) {
    assert!((got - want).abs() <= TOL * want.abs().max(1.0), "{case}: {what} = {got}, scikit-learn says {want}");
}

#[test]
fn regression_metrics_match_scikit_learn() {
    let cases = fixture("regression_metrics.json");
    for case in cases["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let m = regression_metrics(&f64s(&case["y_true"]), &f64s(&case["y_pred"])).unwrap();
        assert_eq!(m.r2.is_none(), case["r2"].is_null(), "{name}: R² defined");
        if let Some(r2) = m.r2 {
            close_rel(name, "r2", r2, case["r2"].as_f64().unwrap());
        }
        for (what, got) in [
            ("rmse", m.rmse),
            ("mae", m.mae),
            ("mape", m.mape),
            ("median_absolute_error", m.median_absolute_error),
            ("max_error", m.max_error),
            ("explained_variance", m.explained_variance),
            ("mean_error", m.mean_error),
        ] {
            close_rel(name, what, got, case[what].as_f64().unwrap());
        }
        assert_eq!(m.rows, case["y_true"].as_array().unwrap().len());
    }
}

#[test]
fn metrics_match_scikit_learn() {
    let cases = fixture("metrics.json");
    for case in cases["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let k = case["n_classes"].as_u64().unwrap() as usize;
        let y: Vec<usize> = case["y_true"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        let proba: Vec<Vec<f64>> = case["proba"].as_array().unwrap().iter().map(f64s).collect();
        let e = evaluate(&y, &proba, k);
        close(name, "accuracy", e.accuracy, case["accuracy"].as_f64().unwrap());
        close(name, "log_loss", e.log_loss, case["log_loss"].as_f64().unwrap());
        close(name, "roc_auc", e.roc_auc, case["roc_auc"].as_f64().unwrap());
        let cm: Vec<Vec<usize>> = serde_json::from_value(case["confusion_matrix"].clone()).unwrap();
        assert_eq!(e.confusion_matrix, cm, "{name}: confusion matrix");
        close_all(
            name,
            "precision",
            &e.per_class.iter().map(|s| s.precision).collect::<Vec<_>>(),
            &f64s(&case["precision"]),
        );
        close_all(name, "recall", &e.per_class.iter().map(|s| s.recall).collect::<Vec<_>>(), &f64s(&case["recall"]));
        close_all(name, "f1", &e.per_class.iter().map(|s| s.f1).collect::<Vec<_>>(), &f64s(&case["f1"]));
        let support: Vec<f64> = e.per_class.iter().map(|s| s.support as f64).collect();
        close_all(name, "support", &support, &f64s(&case["support"]));
        for (avg, want) in [(&e.macro_avg, &case["macro"]), (&e.weighted_avg, &case["weighted"])] {
            close_all(name, "average", &[avg.precision, avg.recall, avg.f1], &f64s(want));
        }
        let curves = case["roc_curves"].as_array().unwrap();
        assert_eq!(e.roc_curves.len(), curves.len(), "{name}: number of ROC curves");
        for (got, want) in e.roc_curves.iter().zip(curves) {
            close_all(name, "fpr", &got.fpr, &f64s(&want["fpr"]));
            close_all(name, "tpr", &got.tpr, &f64s(&want["tpr"]));
            let thresholds: Vec<Option<f64>> = serde_json::from_value(want["thresholds"].clone()).unwrap();
            assert_eq!(got.thresholds, thresholds, "{name}: thresholds");
        }
        let curves = case["pr_curves"].as_array().unwrap();
        assert_eq!(e.pr_curves.len(), curves.len(), "{name}: number of PR curves");
        for (got, want) in e.pr_curves.iter().zip(curves) {
            close_all(name, "PR precision", &got.precision, &f64s(&want["precision"]));
            close_all(name, "PR recall", &got.recall, &f64s(&want["recall"]));
            close_all(name, "PR thresholds", &got.thresholds, &f64s(&want["thresholds"]));
        }
        close(name, "average_precision", e.average_precision, case["average_precision"].as_f64().unwrap());
        let per_class: Vec<f64> = e.pr_curves.iter().map(|c| c.average_precision).collect();
        close_all(name, "average_precision_per_class", &per_class, &f64s(&case["average_precision_per_class"]));
        close(name, "brier", e.brier, case["brier"].as_f64().unwrap());
        let c = &case["calibration"];
        close_all(name, "calibration prob_true", &e.calibration.prob_true, &f64s(&c["prob_true"]));
        close_all(name, "calibration prob_pred", &e.calibration.prob_pred, &f64s(&c["prob_pred"]));
        let counts: Vec<f64> = e.calibration.counts.iter().map(|&n| n as f64).collect();
        close_all(name, "calibration counts", &counts, &f64s(&c["counts"]));
        close(name, "ece", e.calibration.ece, c["ece"].as_f64().unwrap());
    }
}

/// The fitted models differ slightly from scikit-learn's (another optimiser,
/// other summation orders), but on the same split their probabilities must agree closely.
#[test]
fn model_probabilities_close_to_scikit_learn() {
    let cases = fixture("models.json");
    for case in cases["cases"].as_array().unwrap() {
        let file = case["file"].as_str().unwrap();
        let bytes = std::fs::read(format!("{}/../../public/samples/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let table = parse_csv(&bytes).unwrap();
        let t = table.find(case["target"].as_str().unwrap()).unwrap();
        let texts = table.columns[t].texts();
        let labelled: Vec<usize> = (0..table.n_rows).filter(|&r| texts[r].is_some()).collect();
        let every = case["every"].as_u64().unwrap() as usize;
        // Every `every`-th labelled row is a test row, as the fixture script splits them.
        let test: Vec<usize> = labelled.iter().copied().step_by(every).collect();
        let train: Vec<usize> = labelled.iter().enumerate().filter(|(i, _)| i % every != 0).map(|(_, &r)| r).collect();
        let classes = order_labels(labelled.iter().map(|&r| texts[r].as_deref().unwrap()));
        let want_classes: Vec<String> = serde_json::from_value(case["classes"].clone()).unwrap();
        assert_eq!(classes, want_classes);
        let y: Vec<usize> = train
            .iter()
            .map(|&r| classes.iter().position(|c| Some(c.as_str()) == texts[r].as_deref()).unwrap())
            .collect();
        let features: Vec<usize> = (0..table.columns.len()).filter(|&c| c != t).collect();
        let fitted = features::fit(&table, &features, &train, &Default::default()).unwrap();
        let name = case["model"].as_str().unwrap();
        // Trees compare at depth 3: deeper, equal-gain splits appear, and
        // scikit-learn breaks those ties by a random feature order.
        let base = name.trim_end_matches("_balanced");
        let spec = match base {
            "decision_tree" => ModelSpec::by_name("decision_tree", 0).unwrap().set("max_depth", "3").unwrap(),
            // The fixtures are scikit-learn's fully converged fits (tol = 1e-10).
            "logistic_regression" => ModelSpec::default().set("tol", "1e-10").unwrap(),
            other => ModelSpec::by_name(other, 0).unwrap(),
        };
        let weights = name.ends_with("_balanced").then(|| balanced_weights(&y, classes.len()));
        let model = spec
            .fit_weighted(&fitted.transform(&table, &train).unwrap(), &y, classes.len(), weights.as_deref())
            .unwrap();
        let proba = model.predict_proba(&fitted.transform(&table, &test).unwrap());
        let want: Vec<Vec<f64>> = serde_json::from_value(case["proba"].clone()).unwrap();
        let worst = proba.iter().flatten().zip(want.iter().flatten()).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        println!("{file} {name}: largest probability difference from scikit-learn {worst:e}");
        assert!(worst < 1e-6, "{file}: largest probability difference from scikit-learn is {worst}");
    }
}

/// Feature pipelines (imputers, scalers, one-hot options, ordinal codes) against
/// scikit-learn's transformers on penguins, column by column by name.
#[test]
fn feature_pipelines_match_scikit_learn() {
    let fixture = fixture("features.json");
    let bytes = std::fs::read(format!("{}/../../public/samples/penguins.csv", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let table = parse_csv(&bytes).unwrap();
    let target = table.columns.iter().position(|c| c.name == "species").unwrap();
    let columns: Vec<usize> = (0..table.columns.len()).filter(|&c| c != target).collect();
    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let spec: features::FeatureSpec = serde_json::from_value(case["spec"].clone()).unwrap();
        let test: Vec<usize> = serde_json::from_value(case["test_rows"].clone()).unwrap();
        let train: Vec<usize> = (0..table.n_rows).filter(|r| test.binary_search(r).is_err()).collect();
        let fitted = features::fit(&table, &columns, &train, &spec).unwrap();
        let m = fitted.transform(&table, &test).unwrap();
        let ours = fitted.feature_names();
        let theirs: Vec<String> = serde_json::from_value(case["names"].clone()).unwrap();
        let mut sorted_ours = ours.clone();
        sorted_ours.sort();
        let mut sorted_theirs = theirs.clone();
        sorted_theirs.sort();
        assert_eq!(sorted_ours, sorted_theirs, "{name}: the same features");
        let want: Vec<Vec<f64>> = serde_json::from_value(case["matrix"].clone()).unwrap();
        let mut worst: f64 = 0.0;
        for (j, n) in theirs.iter().enumerate() {
            let k = ours.iter().position(|o| o == n).unwrap();
            for (i, row) in want.iter().enumerate() {
                worst = worst.max((m.row(i)[k] - row[j]).abs());
            }
        }
        println!("features {name}: largest difference from scikit-learn {worst:e}");
        assert!(worst < 1e-12, "{name}: largest difference from scikit-learn is {worst}");
    }
}

/// Platt's sigmoid and the isotonic map against `_sigmoid_calibration` and
/// `IsotonicRegression(out_of_bounds="clip")`. scikit-learn stops L-BFGS
/// at a gradient tolerance, this crate runs Newton's method to the
/// optimum, so the sigmoid's parameters agree to 1e-5; isotonic is exact.
#[test]
fn calibration_maps_match_scikit_learn() {
    use glassbox_pipeline::recalibrate::{Calibrator, Method};
    let cases = fixture("calibration_maps.json");
    for case in cases["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let f = f64s(&case["scores"]);
        let y: Vec<bool> = case["positive"].as_array().unwrap().iter().map(|v| v.as_bool().unwrap()).collect();
        let Calibrator::Sigmoid { a, b } = Calibrator::fit(Method::Sigmoid, &f, &y) else { panic!("{name}") };
        for (what, got, want) in [("a", a, &case["sigmoid"]["a"]), ("b", b, &case["sigmoid"]["b"])] {
            let want = want.as_f64().unwrap();
            assert!(
                (got - want).abs() <= 1e-5 * want.abs().max(1.0),
                "{name}: sigmoid {what} = {got}, scikit-learn says {want}"
            );
        }
        let iso = Calibrator::fit(Method::Isotonic, &f, &y);
        let Calibrator::Isotonic { x, y: fitted } = &iso else { panic!("{name}") };
        close_all(name, "isotonic x", x, &f64s(&case["isotonic"]["x"]));
        close_all(name, "isotonic y", fitted, &f64s(&case["isotonic"]["y"]));
        let at: Vec<f64> = f64s(&case["probe"]).iter().map(|&p| iso.apply(p)).collect();
        close_all(name, "isotonic at probe", &at, &f64s(&case["isotonic_at_probe"]));
    }
}
