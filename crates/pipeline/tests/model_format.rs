//! The model file's format is defined field by field in
//! `crates/serve/MODEL_FORMAT.md`. This test trains every model and every
//! kind of feature step, walks the `model.json` files they write, and
//! checks the two against each other: every field written is defined there
//! with its type, and every field defined there is written by some model.
//! A renamed internal field therefore cannot change the file silently: it
//! fails here, naming the field, until the format (and, if old files no
//! longer read, `FORMAT_VERSION`) says so.

use std::collections::{BTreeMap, BTreeSet};

use glassbox_pipeline::features::{Binning, DatePart, Encoding, FeatureSpec, Scale};
use glassbox_pipeline::model::{model_names, ModelSpec};
use glassbox_pipeline::recalibrate::Method;
use glassbox_pipeline::task::Task;
use glassbox_pipeline::{train, TrainSpec};
use serde_json::Value;

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The JSON type of a leaf, as the format document writes it.
fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every leaf path with its types. Arrays are `[]`; the model and spec
/// objects are qualified by their `model` tag and feature columns by their
/// `kind` tag, since each variant has its own fields.
fn walk(v: &Value, path: &str, out: &mut BTreeMap<String, BTreeSet<&'static str>>) {
    match v {
        // The recipe is a format of its own, with its own document and
        // schema (crates/pipeline/RECIPE_FORMAT.md, recipe.schema.json).
        Value::Object(_) if path == "recipe" => {
            out.entry(path.to_string()).or_default().insert("object");
        }
        Value::Object(map) => {
            // A calibration member's model, a CV+ fold's model and CQR's
            // quantile models are models, with the same fields as `model`.
            let models = [
                "calibration.members[].model",
                "conformal.cv_plus.models[]",
                "conformal.cqr.low",
                "conformal.cqr.high",
            ];
            let path = if models.contains(&path) { "model" } else { path };
            let tag = match path {
                "model" | "spec" => map.get("model").and_then(Value::as_str).map(|t| format!("{path}({t})")),
                "features.columns[]" => map.get("kind").and_then(Value::as_str).map(|t| format!("{path}({t})")),
                _ => None,
            };
            let base = tag.unwrap_or_else(|| path.to_string());
            for (k, x) in map {
                walk(x, &if base.is_empty() { k.clone() } else { format!("{base}.{k}") }, out);
            }
        }
        // An empty array has no leaves to check.
        Value::Array(items) => {
            for x in items {
                walk(x, &format!("{path}[]"), out);
            }
        }
        leaf => {
            out.entry(path.to_string()).or_default().insert(type_of(leaf));
        }
    }
}

/// The fields of the format document: rows `| path | type | meaning |` of its tables.
fn defined() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(root().join("crates/serve/MODEL_FORMAT.md")).unwrap();
    text.lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim().strip_prefix('|')?.split('|').map(str::trim).collect();
            let path = cells.first()?.strip_prefix('`')?.strip_suffix('`')?;
            let types = cells.get(1)?.split(" or ").map(|t| t.trim().to_string()).collect();
            Some((path.to_string(), types))
        })
        .collect()
}

fn csv_with_dates() -> String {
    let mut s = String::from("when,size,colour,y\n");
    for i in 0..80 {
        let day = 1 + i % 28;
        let colour = ["red", "blue", "green"][i % 3];
        let y = if (i * 7) % 5 < 2 { "yes" } else { "no" };
        s.push_str(&format!("2024-{:02}-{day:02} {:02}:30,{}.5,{colour},{y}\n", 1 + i % 12, i % 24, i % 17));
    }
    s
}

fn written() -> BTreeMap<String, BTreeSet<&'static str>> {
    let penguins = std::fs::read(root().join("public/samples/penguins.csv")).unwrap();
    let mut out = BTreeMap::new();
    for name in model_names(Task::Classification).iter() {
        let spec = TrainSpec { model: ModelSpec::by_name(name, 7).unwrap(), ..TrainSpec::for_target("sex") };
        let o = train(&penguins, "penguins.csv", &spec).unwrap();
        // The size the page shows is counted, not written out: it must be the file's.
        assert_eq!(o.model_json_bytes, o.model.to_json().len() as u64, "{name}");
        walk(&serde_json::from_str(&o.model.to_json()).unwrap(), "", &mut out);
    }
    // Every other feature step: bins, ordinal codes, dates, another scaler, a missing indicator.
    let features = FeatureSpec {
        bins: [("size".to_string(), Binning::parse("size=quantile:4").unwrap().1)].into(),
        encoding: Encoding::Ordinal,
        scale: Scale::MinMax,
        missing_indicator: true,
        date_parts: Some(vec![DatePart::Month, DatePart::Hour, DatePart::ElapsedDays]),
        ..FeatureSpec::default()
    };
    // A decision threshold, chosen by F1.
    let spec =
        TrainSpec { threshold: Some(glassbox_pipeline::threshold::ThresholdRule::F1), ..TrainSpec::for_target("sex") };
    let o = train(&penguins, "penguins.csv", &spec).unwrap();
    walk(&serde_json::from_str(&o.model.to_json()).unwrap(), "", &mut out);
    // Calibrated probabilities, both maps.
    for method in [Method::Sigmoid, Method::Isotonic] {
        let spec = TrainSpec { calibration: Some(method), ..TrainSpec::for_target("sex") };
        let o = train(&penguins, "penguins.csv", &spec).unwrap();
        walk(&serde_json::from_str(&o.model.to_json()).unwrap(), "", &mut out);
    }
    // Every regressor on the concrete sample, and boosting with each loss.
    let concrete = std::fs::read(root().join("public/samples/concrete.csv")).unwrap();
    let mut regressors: Vec<ModelSpec> =
        model_names(Task::Regression).iter().map(|n| ModelSpec::by_name(n, 7).unwrap()).collect();
    for loss in ["absolute_error", "poisson"] {
        regressors.push(ModelSpec::by_name("gradient_boosting", 7).unwrap().set("loss", loss).unwrap());
    }
    let median = [("loss", "quantile"), ("quantile", "0.5")];
    regressors.push(ModelSpec::by_name("gradient_boosting", 7).unwrap().set_all(&median).unwrap());
    for model in regressors {
        let spec = TrainSpec { model, importance_repeats: 0, ..TrainSpec::for_target("compressive_strength") };
        let o = train(&concrete, "concrete.csv", &spec).unwrap();
        assert_eq!(o.model_json_bytes, o.model.to_json().len() as u64, "{}", spec.model.name());
        walk(&serde_json::from_str(&o.model.to_json()).unwrap(), "", &mut out);
    }
    // CV+ keeps its fold models and residuals.
    let spec = TrainSpec {
        model: ModelSpec::by_name("ridge", 7).unwrap(),
        interval_method: glassbox_pipeline::run::IntervalMethod::CvPlus,
        importance_repeats: 0,
        ..TrainSpec::for_target("compressive_strength")
    };
    let o = train(&concrete, "concrete.csv", &spec).unwrap();
    walk(&serde_json::from_str(&o.model.to_json()).unwrap(), "", &mut out);
    // CQR keeps its two quantile models.
    let spec = TrainSpec { interval_method: glassbox_pipeline::run::IntervalMethod::Cqr, ..spec };
    let o = train(&concrete, "concrete.csv", &spec).unwrap();
    walk(&serde_json::from_str(&o.model.to_json()).unwrap(), "", &mut out);
    // A regressor fitted on log1p of its target says so.
    let spec = TrainSpec {
        model: ModelSpec::by_name("ridge", 7).unwrap(),
        target_transform: "log1p".parse().unwrap(),
        importance_repeats: 0,
        ..TrainSpec::for_target("compressive_strength")
    };
    let o = train(&concrete, "concrete.csv", &spec).unwrap();
    walk(&serde_json::from_str(&o.model.to_json()).unwrap(), "", &mut out);
    // Gradient boosting with early stopping keeps its validation losses.
    let boosting = ModelSpec::by_name("gradient_boosting", 7).unwrap().set("early_stopping", "on").unwrap();
    for model in [ModelSpec::default(), boosting] {
        let spec = TrainSpec { features: features.clone(), model, ..TrainSpec::for_target("y") };
        let o = train(csv_with_dates().as_bytes(), "dates.csv", &spec).unwrap();
        walk(&serde_json::from_str(&o.model.to_json()).unwrap(), "", &mut out);
    }
    out
}

#[test]
fn every_field_written_is_defined_and_every_field_defined_is_written() {
    let (written, defined) = (written(), defined());
    assert!(defined.len() > 50, "the format document's tables were not found: {} rows", defined.len());
    let undefined: Vec<String> = written
        .iter()
        .filter(|(path, types)| defined.get(*path).is_none_or(|d| !types.iter().all(|t| d.contains(*t))))
        .map(|(path, types)| format!("{path}: {types:?}"))
        .collect();
    assert!(
        undefined.is_empty(),
        "model.json fields not defined in crates/serve/MODEL_FORMAT.md (define them, or undo the rename):\n{}",
        undefined.join("\n")
    );
    let unwritten: Vec<&String> = defined.keys().filter(|p| !written.contains_key(*p)).collect();
    assert!(unwritten.is_empty(), "fields defined in MODEL_FORMAT.md that no model writes: {unwritten:?}");
}

#[test]
#[ignore = "prints the fields written, to draft MODEL_FORMAT.md"]
fn print_fields() {
    for (path, types) in written() {
        println!("| `{path}` | {} | |", types.into_iter().collect::<Vec<_>>().join(" or "));
    }
}
