//! A model file whose arrays disagree is refused when it is read, before
//! anything scores with it (the CLI, the server and the app all read
//! through `ModelFile::from_json`), naming what is wrong.

use glassbox_pipeline::model::ModelSpec;
use glassbox_pipeline::{train, ModelFile, TrainSpec};
use serde_json::Value;

fn model_json(name: &str) -> Value {
    let csv = std::fs::read(format!("{}/../../public/samples/iris.csv", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let spec = TrainSpec { model: ModelSpec::by_name(name, 1).unwrap(), ..TrainSpec::for_target("species") };
    serde_json::from_str(&train(&csv, "iris.csv", &spec).unwrap().model.to_json()).unwrap()
}

fn check(v: &Value, expected: &str) {
    let e = ModelFile::from_json(&v.to_string()).unwrap_err();
    assert!(e.message().contains(expected), "expected {expected:?} in {}", e.message());
}

#[test]
fn tampered_trees_and_coefficients_are_refused_on_reading() {
    let tree = model_json("decision_tree");
    ModelFile::from_json(&tree.to_string()).expect("the untouched file reads");
    let mut past_end = tree.clone();
    past_end["model"]["tree"]["nodes"][0]["right"] = 99.into();
    check(&past_end, "tree 0 (class 0) node 0: child 99 is past the tree's end");
    let mut cycle = tree.clone();
    cycle["model"]["tree"]["nodes"][2]["left"] = 0.into();
    check(&cycle, "reached twice (the tree has a cycle)");
    let mut feature = tree.clone();
    feature["model"]["tree"]["nodes"][0]["feature"] = 7.into();
    check(&feature, "a split on a feature the preprocessing does not make");

    let lr = model_json("logistic_regression");
    let mut short = lr.clone();
    short["model"]["coefficients"][1].as_array_mut().unwrap().pop();
    check(&short, "coefficient row 1 has 3 values for 4 features");
    let mut intercepts = lr.clone();
    intercepts["model"]["intercepts"].as_array_mut().unwrap().pop();
    check(&intercepts, "3 coefficient rows but 2 intercepts");
    // A NaN cannot be written in JSON; a null in its place is not a number.
    let mut null = lr.clone();
    null["model"]["coefficients"][0][0] = Value::Null;
    check(&null, "not a Glassbox model file");
}
