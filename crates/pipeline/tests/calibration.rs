//! Calibrated probabilities (`TrainSpec::calibration`): five fold models,
//! each with its maps, averaged; saved in the model file and used by
//! everything that scores with it.

use glassbox_pipeline::model::ModelSpec;
use glassbox_pipeline::recalibrate::Method;
use glassbox_pipeline::{predict, train, TrainSpec};

fn sample(file: &str) -> Vec<u8> {
    std::fs::read(format!("{}/../../public/samples/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn calibrating_naive_bayes_lowers_its_log_loss_and_the_saved_model_scores_the_same() {
    let bytes = sample("breast_cancer.csv");
    let spec = |calibration| TrainSpec {
        model: ModelSpec::by_name("naive_bayes", 0).unwrap(),
        calibration,
        ..TrainSpec::for_target("diagnosis")
    };
    let raw = train(&bytes, "breast_cancer.csv", &spec(None)).unwrap();
    assert!(raw.model.calibration.is_none() && raw.manifest.calibration.is_none());
    for method in [Method::Sigmoid, Method::Isotonic] {
        let o = train(&bytes, "breast_cancer.csv", &spec(Some(method))).unwrap();
        let c = o.model.calibration.as_ref().expect("a calibration in the model file");
        assert_eq!((c.method, c.members.len()), (method, 5));
        // Naive Bayes is famously over-confident: calibration must help its log loss.
        assert!(
            o.evaluation.log_loss < 0.7 * raw.evaluation.log_loss,
            "{method:?}: log loss {} vs {} uncalibrated",
            o.evaluation.log_loss,
            raw.evaluation.log_loss
        );
        // The saved file, read back, scores the test rows with the same calibrated probabilities.
        let saved = glassbox_pipeline::ModelFile::from_json(&o.model.to_json()).unwrap();
        let p = predict(&saved, &bytes, &Default::default()).unwrap();
        for t in &o.test_predictions {
            let row = &p.rows[t.row];
            for (a, b) in row.proba.iter().zip(&t.proba) {
                assert!((a - b).abs() < 1e-12, "{method:?} row {}: {a} vs {b}", t.row);
            }
        }
        assert!(o.manifest.calibration.as_ref().unwrap().contains("the mean of 5 models"));
    }
}

#[test]
fn multiclass_calibration_normalises_each_row() {
    let bytes = sample("iris.csv");
    for model in ["logistic_regression", "random_forest"] {
        let spec = TrainSpec {
            model: ModelSpec::by_name(model, 1).unwrap(),
            calibration: Some(Method::Isotonic),
            ..TrainSpec::for_target("species")
        };
        let o = train(&bytes, "iris.csv", &spec).unwrap();
        assert_eq!(o.model.calibration.as_ref().unwrap().members[0].maps.len(), 3, "one map per class");
        for t in &o.test_predictions {
            assert!((t.proba.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{model}: {:?}", t.proba);
        }
        assert!(o.evaluation.accuracy > 0.85, "{model}: {}", o.evaluation.accuracy);
        // A calibrated model is explained by sampling, in probability.
        assert_eq!(o.shap.as_ref().unwrap().method, glassbox_pipeline::explain::Method::PermutationSampling);
    }
}

#[test]
fn calibration_on_a_class_too_small_for_five_folds_says_so() {
    let mut csv = String::from("a,b,y\n");
    for i in 0..40 {
        csv.push_str(&format!("{},{},{}\n", i % 4, (i * 7) % 5, if i % 9 == 0 { "rare" } else { "common" }));
    }
    let spec = TrainSpec { calibration: Some(Method::Isotonic), ..TrainSpec::for_target("y") };
    let e = train(csv.as_bytes(), "small.csv", &spec).unwrap_err();
    assert_eq!(e.kind(), glassbox_pipeline::ErrorKind::BadSpec);
    assert!(e.message().contains("calibration fits the model on 5 folds"), "{}", e.message());
}
