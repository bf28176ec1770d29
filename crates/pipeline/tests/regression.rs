//! Predicting a number through the whole run: detection, the split, every
//! regressor, the metrics beside the mean baseline's, validation, search,
//! importance and explanations, and the refusals of a target that cannot be
//! predicted as a number.

use glassbox_pipeline::run::{train, TrainSpec};
use glassbox_pipeline::task::Task;

/// 300 rows: y = 3·a − 2·b + a category's offset + noise, with a few missing targets.
fn csv() -> String {
    let mut s = String::from("a,b,colour,y\n");
    for i in 0..300u64 {
        let a = (i * 37 % 101) as f64 / 10.0;
        let b = (i * 53 % 89) as f64 / 7.0;
        let colour = ["red", "green", "blue"][(i % 3) as usize];
        let offset = [0.0, 5.0, -3.0][(i % 3) as usize];
        let noise = ((i * 7919) % 13) as f64 / 13.0 - 0.5;
        let y = if i % 50 == 7 { String::new() } else { format!("{:.3}", 3.0 * a - 2.0 * b + offset + noise) };
        s.push_str(&format!("{a},{b},{colour},{y}\n"));
    }
    s
}

fn spec(model: &str) -> TrainSpec {
    let mut spec = TrainSpec::for_target("y");
    spec.model = glassbox_pipeline::model::ModelSpec::by_name(model, 42).unwrap();
    spec
}

#[test]
fn every_regressor_trains_and_beats_the_mean() {
    for name in glassbox_pipeline::model::model_names(Task::Regression) {
        let o = train(csv().as_bytes(), "r.csv", &spec(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let r = o.regression.as_ref().expect("a regression outcome");
        assert_eq!(o.task(), Task::Regression);
        assert_eq!(o.manifest.rows_missing_target, 6, "{name}");
        assert_eq!(r.test_predictions.len(), 59, "ceil(0.2 × 294)");
        let r2 = r.metrics.r2.unwrap();
        if name.starts_with("baseline") {
            assert!(r2 < 0.05, "{name}: {r2}");
        } else {
            assert!(r2 > 0.8 && r.metrics.rmse < r.baseline.rmse, "{name}: R² {r2}");
        }
        let json: serde_json::Value = serde_json::from_str(&o.metrics_json()).unwrap();
        assert_eq!(json["task"], "regression");
        assert_eq!(json["rows_missing_target"], 6);
        assert_eq!(json["baseline"]["strategy"], "mean");
        assert!(json["importance"]["a"]["r2_mean"].is_number(), "{name}: importance measured");
        assert!(json["shap"]["mean_abs"]["a"].is_number(), "{name}: explained");
        let model = glassbox_pipeline::ModelFile::from_json(&o.model.to_json()).unwrap();
        assert_eq!(model, o.model, "{name}: model.json reads back");
    }
}

#[test]
fn explanations_are_in_the_target_s_units_and_add_up_to_the_prediction() {
    for name in ["ridge", "decision_tree", "random_forest", "extra_trees", "gradient_boosting", "knn"] {
        let o = train(csv().as_bytes(), "r.csv", &spec(name)).unwrap();
        let (r, s) = (o.regression.as_ref().unwrap(), o.shap.as_ref().unwrap());
        assert_eq!(s.space.as_str(), "target", "{name}");
        for (e, row) in s.explanations.iter().zip(&s.rows) {
            let predicted = r.test_predictions.iter().find(|p| p.row == *row).unwrap().predicted;
            let total = e.base + e.phi.iter().sum::<f64>();
            assert!(
                (total - predicted).abs() < 1e-9 * predicted.abs().max(1.0),
                "{name} row {row}: {total} against {predicted}"
            );
        }
    }
}

#[test]
fn validation_search_and_comparison_score_by_rmse() {
    use glassbox_pipeline::search::Sampler;
    let mut s = spec("random_forest");
    s.validation.cv = Some(4);
    s.search = glassbox_pipeline::run::SearchSpec { samplers: vec![Sampler::Random], trials: 4, refine: None };
    let o = train(csv().as_bytes(), "r.csv", &s).unwrap();
    let cv = &o.cv.as_ref().unwrap().metrics;
    assert_eq!(cv.keys().collect::<Vec<_>>(), ["mae", "r2", "rmse"]);
    assert_eq!(cv["rmse"].folds.len(), 4);
    let best = o.search.runs[0].best().unwrap();
    assert!(best.score < 0.0, "the searcher maximises minus the RMSE: {}", best.score);
    let json: serde_json::Value = serde_json::from_str(&o.metrics_json()).unwrap();
    assert_eq!(json["cv"]["r2"]["folds"].as_array().unwrap().len(), 4);
    // Same seed, same bytes.
    let again = train(csv().as_bytes(), "r.csv", &s).unwrap();
    assert_eq!(o.metrics_json(), again.metrics_json());
    assert_eq!(o.model.to_json(), again.model.to_json());

    let table = glassbox_pipeline::ingest::parse_csv(csv().as_bytes()).unwrap();
    let models: Vec<_> = glassbox_pipeline::model::model_names(Task::Regression)
        .iter()
        .map(|n| glassbox_pipeline::model::ModelSpec::by_name(n, 42).unwrap())
        .collect();
    let board = glassbox_pipeline::run::compare(&table, &spec("ridge"), &models, 3, &Default::default()).unwrap();
    assert_eq!(board.len(), models.len());
    assert!(board.windows(2).all(|w| w[0].cv["rmse"].mean <= w[1].cv["rmse"].mean), "ranked by RMSE, lowest first");
    assert!(
        board.last().unwrap().model.starts_with("baseline"),
        "{:?}",
        board.iter().map(|e| &e.model).collect::<Vec<_>>()
    );
}

/// A table with `y` as its target column's cells.
fn with_target(cells: &[&str]) -> String {
    let mut s = String::from("x,y\n");
    for (i, c) in cells.iter().enumerate() {
        s.push_str(&format!("{},{c}\n", i % 7));
    }
    s
}

fn refusal(csv: &str, task: Option<Task>) -> String {
    let mut s = spec("ridge");
    s.data.task = task;
    train(csv.as_bytes(), "t.csv", &s).map(|_| "trained".to_string()).unwrap_or_else(|e| e.message().to_string())
}

#[test]
fn a_target_that_cannot_be_predicted_as_a_number_is_refused_naming_the_column_and_line() {
    let mut cells: Vec<String> = (0..30).map(|i| format!("{}.5", i * 3 % 17)).collect();
    // Text in some cells: the column reads as text, and the message names the first.
    for i in (6..30).step_by(2) {
        cells[i] = format!("about {i}");
    }
    let e = refusal(&with_target(&cells.iter().map(String::as_str).collect::<Vec<_>>()), Some(Task::Regression));
    assert!(e.starts_with("'y' was read as"), "{e}");
    assert!(e.contains("'about 6' at line 8 is not a number") && e.contains("--type y=numeric"), "{e}");
    // A value too large to square.
    for i in (6..30).step_by(2) {
        cells[i] = format!("{i}.5");
    }
    cells[12] = "1e300".into();
    let e = refusal(&with_target(&cells.iter().map(String::as_str).collect::<Vec<_>>()), Some(Task::Regression));
    assert!(e.starts_with("the target 'y' holds 1e300 at line 14"), "{e}");
    // A few stray words in a numeric column: their rows are missing targets, and the run says so.
    cells[12] = "about 12".into();
    let o =
        train(with_target(&cells.iter().map(String::as_str).collect::<Vec<_>>()).as_bytes(), "t.csv", &spec("ridge"))
            .unwrap();
    assert_eq!(o.manifest.rows_missing_target, 1);
    assert!(
        o.warnings.iter().any(|w| w == "1 value of the target 'y' is not a number, so its row was left out as a missing target: 'about 12' on line 14"),
        "{:?}",
        o.warnings
    );
    // Constant, and too few rows.
    assert_eq!(
        refusal(&with_target(&["2.5"; 30]), Some(Task::Regression)),
        "the target 'y' is 2.5 in every row: there is nothing to predict"
    );
    assert_eq!(
        refusal(&with_target(&["1.5", "2.5", "3.5", "", "4.5"]), Some(Task::Regression)),
        "the target 'y' has 4 rows with a number; predicting a number needs at least 10"
    );
    // Settings that only mean something for classes.
    let mut s = spec("ridge");
    s.balanced = true;
    let e = train(csv().as_bytes(), "r.csv", &s).unwrap_err();
    assert!(e.message().starts_with("balanced class weights is for classes, and 'y' is a number to predict"), "{e}");
}

#[test]
fn a_test_set_of_one_row_says_r2_is_not_defined_instead_of_nan() {
    let cells: Vec<String> = (0..12).map(|i| format!("{}.25", i * 5 % 11)).collect();
    let mut s = spec("ridge");
    s.data.test_size = 0.05;
    let csv = with_target(&cells.iter().map(String::as_str).collect::<Vec<_>>());
    let o = train(csv.as_bytes(), "t.csv", &s).unwrap();
    let r = o.regression.as_ref().unwrap();
    assert_eq!((r.metrics.rows, r.metrics.r2), (1, None));
    let json = o.metrics_json();
    assert!(json.contains("\"r2\": null") && !json.contains("NaN"), "{json}");
    assert!(r.warnings()[0].starts_with("R² is not defined on a test set of 1 row"), "{:?}", r.warnings());
}

/// 300 rows whose target grows exponentially with `a`: right-skewed, and
/// linear on the log scale, so log1p should win for a linear model.
fn skewed_csv() -> String {
    let mut s = String::from("a,b,y\n");
    for i in 0..300u64 {
        let a = (i * 37 % 101) as f64 / 25.0;
        let b = (i * 53 % 89) as f64 / 30.0;
        let noise = ((i * 7919) % 13) as f64 / 13.0 - 0.5;
        s.push_str(&format!("{a},{b},{:.4}\n", (1.2 * a - 0.5 * b + 0.3 * noise).exp()));
    }
    s
}

fn transformed(setting: &str, model: &str, csv: &str) -> glassbox_pipeline::Result<glassbox_pipeline::TrainOutcome> {
    let mut spec = spec(model);
    spec.target_transform = setting.parse().unwrap();
    train(csv.as_bytes(), "s.csv", &spec)
}

#[test]
fn auto_fits_a_skewed_target_on_log1p_when_cross_validation_says_so() {
    let auto = transformed("auto", "ridge", &skewed_csv()).unwrap();
    let r = auto.regression.as_ref().unwrap();
    let t = &r.target_transform;
    assert_eq!((t.setting.as_str(), t.used.as_str()), ("auto", "log1p"));
    assert!(t.skewness >= 0.75, "{}", t.skewness);
    assert_eq!(t.compared.len(), 2);
    assert!(t.compared[1].rmse.mean < t.compared[0].rmse.mean, "log1p's RMSE is the lower one");
    assert!(t.why.starts_with("auto chose log1p: a cross-validated RMSE of "), "{}", t.why);
    // The model is the one an explicit log1p trains, byte for byte, but for
    // its recipe, which keeps what the person asked: run again, auto decides again.
    let asked = transformed("log1p", "ridge", &skewed_csv()).unwrap();
    let without_recipe =
        |m: &glassbox_pipeline::ModelFile| glassbox_pipeline::ModelFile { recipe: None, ..m.clone() }.to_json();
    assert_eq!(without_recipe(&asked.model), without_recipe(&auto.model));
    assert_eq!(auto.recipe().unwrap().run.target_transform, glassbox_pipeline::run::TransformSetting::Auto);
    assert_eq!(asked.recipe().unwrap().run.target_transform, glassbox_pipeline::run::TransformSetting::Log1p);
    assert_eq!(asked.regression.as_ref().unwrap().target_transform.setting.as_str(), "log1p");
    // It beats the same ridge on the target as it is, on the test rows, on the target's own scale.
    let plain = transformed("none", "ridge", &skewed_csv()).unwrap();
    assert!(r.metrics.rmse < plain.regression.as_ref().unwrap().metrics.rmse);
    let json: serde_json::Value = serde_json::from_str(&auto.metrics_json()).unwrap();
    assert_eq!(json["target_transform"]["used"], "log1p");
    assert_eq!(json["target_transform"]["compared"][0]["transform"], "none");
    // Explanations add up in the model's space, log1p, and the file says how to map back.
    assert_eq!(auto.shap.as_ref().unwrap().space.as_str(), "log1p_target");
    let model: serde_json::Value = serde_json::from_str(&auto.model.to_json()).unwrap();
    assert_eq!(model["target_transform"], "log1p");
    let s = auto.shap.as_ref().unwrap();
    for (e, row) in s.explanations.iter().zip(&s.rows) {
        let predicted = r.test_predictions.iter().find(|p| p.row == *row).unwrap().predicted;
        assert!((e.base + e.phi.iter().sum::<f64>() - e.output).abs() < 1e-9);
        assert!((e.output.exp_m1() - predicted).abs() < 1e-9 * predicted.abs().max(1.0));
    }
}

#[test]
fn auto_keeps_a_target_that_is_not_skewed_without_comparing() {
    let o = transformed("auto", "ridge", &csv()).unwrap();
    let t = &o.regression.as_ref().unwrap().target_transform;
    assert_eq!(t.used.as_str(), "none");
    assert!(t.compared.is_empty());
    assert!(t.why.starts_with("auto kept the target as it is: "), "{}", t.why);
    let model: serde_json::Value = serde_json::from_str(&o.model.to_json()).unwrap();
    assert!(model.get("target_transform").is_none(), "not written when none");
}

#[test]
fn log1p_is_refused_where_it_is_not_defined_naming_the_line() {
    let mut csv = skewed_csv();
    csv.push_str("1,1,-3\n");
    let e = transformed("log1p", "ridge", &csv).unwrap_err();
    assert_eq!(
        e.message(),
        "--target-transform log1p needs every value of 'y' above -1, and line 302 holds -3; choose none (or auto, which only tries log1p where it is defined)"
    );
    // auto does not try it, and says why.
    let o = transformed("auto", "ridge", &csv).unwrap();
    let why = &o.regression.as_ref().unwrap().target_transform.why;
    assert_eq!(why, "auto kept the target as it is: log1p needs every value above -1, and the target holds -3");
    let poisson = spec("gradient_boosting").model.set("loss", "poisson").unwrap();
    let mut run = TrainSpec { model: poisson, ..TrainSpec::for_target("y") };
    run.target_transform = "log1p".parse().unwrap();
    let e = train(skewed_csv().as_bytes(), "s.csv", &run).unwrap_err();
    assert!(e.message().starts_with("gradient boosting with the poisson loss already fits the log"), "{e}");
}

#[test]
fn a_near_perfect_fit_is_not_taken_on_trust() {
    // y is the sum of two columns: a leak a person should be told about.
    let mut bikes = String::from("casual,registered,weather,y\n");
    for i in 0..200u32 {
        let (c, r) = (i * 7 % 31, i * 13 % 97);
        bikes.push_str(&format!("{c},{r},{},{}\n", i % 3, c + r));
    }
    let o = train(bikes.as_bytes(), "bikes.csv", &spec("ridge")).unwrap();
    let warnings = o.regression.as_ref().unwrap().warnings();
    assert!(
        warnings.iter().any(|w| w.starts_with("R² is ") && w.contains("on rows the model never saw")),
        "{warnings:?}"
    );
    // An honest fit with noise says nothing of the kind.
    let o = train(csv().as_bytes(), "r.csv", &spec("ridge")).unwrap();
    let r = o.regression.as_ref().unwrap();
    assert!(r.metrics.r2.unwrap() < NEAR, "{:?}", r.metrics.r2);
    assert!(r.warnings().is_empty(), "{:?}", r.warnings());
}

const NEAR: f64 = glassbox_pipeline::numbers::NEAR_PERFECT_R2;
