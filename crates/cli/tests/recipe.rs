//! Recipes, retraining and the monitor's retraining, as a script sees
//! them: the files, the bytes and the exit codes.

use std::path::Path;
use std::process::{Command, Output};

fn glassbox(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_glassbox")).args(args).output().expect("the binary runs")
}

fn sample(name: &str) -> String {
    format!("{}/../../public/samples/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn ok(args: &[&str]) -> String {
    let o = glassbox(args);
    assert!(o.status.success(), "glassbox {}: {}", args.join(" "), String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_slice(&read(p)).unwrap()
}

/// Rows of `x1,x2,x3,y` with y decided by `rule` from the features; a
/// 64-bit LCG from `seed` draws them, so the bytes are the same every run.
fn rows(n: usize, seed: u64, rule: fn(f64, f64) -> bool) -> String {
    let mut s = seed;
    let mut next = move || {
        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    };
    let mut csv = String::from("x1,x2,x3,y\n");
    for _ in 0..n {
        let (a, b, c) = (next(), next(), next());
        // A tenth of the labels are flipped: no model is perfect.
        let noise = next() > 0.8;
        let y = rule(a, b) != noise;
        csv.push_str(&format!("{a:.4},{b:.4},{c:.4},{}\n", if y { "yes" } else { "no" }));
    }
    csv
}

#[test]
fn a_recipe_trains_the_same_bytes_and_typed_options_override_it_and_are_recorded() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("c"));
    let data = sample("penguins.csv");
    ok(&[
        "train",
        &data,
        "--target",
        "species",
        "--model",
        "random_forest",
        "--param",
        "n_trees=20",
        "--cv",
        "3",
        "--out",
        a.to_str().unwrap(),
    ]);
    let recipe = a.join("recipe.json");
    let r = json(&recipe);
    assert_eq!(r["glassbox_recipe"], 1);
    assert_eq!(r["input"]["name"], "penguins.csv");
    assert_eq!(r["run"]["model"]["n_trees"], 20);
    // model.json embeds the same recipe.
    assert_eq!(json(&a.join("model.json"))["recipe"], r);
    // The recipe alone makes the same files, byte for byte.
    ok(&["train", &data, "--recipe", recipe.to_str().unwrap(), "--out", b.to_str().unwrap()]);
    for f in ["model.json", "metrics.json", "recipe.json", "report.html"] {
        assert!(read(&a.join(f)) == read(&b.join(f)), "{f} differs");
    }
    // Options typed over it win, and the recipe written says which.
    ok(&[
        "train",
        &data,
        "--recipe",
        recipe.to_str().unwrap(),
        "--seed",
        "7",
        "--drop",
        "island",
        "--out",
        c.to_str().unwrap(),
    ]);
    let r = json(&c.join("recipe.json"));
    assert_eq!(r["overrides"], serde_json::json!(["--seed 7", "--drop island"]));
    assert_eq!(r["run"]["seed"], 7);
    assert_eq!(r["run"]["model"]["seed"], 7, "the model's seed follows the run's");
    assert_eq!(r["run"]["data"]["drop"], serde_json::json!(["island"]));
    assert_eq!(r["run"]["validation"]["cv"], 3, "what was not typed stays the recipe's");
    assert!(read(&a.join("model.json")) != read(&c.join("model.json")));
    // The same as typing every option without a recipe, the recipe aside.
    let d = tmp.path().join("d");
    ok(&[
        "train",
        &data,
        "--target",
        "species",
        "--model",
        "random_forest",
        "--param",
        "n_trees=20",
        "--cv",
        "3",
        "--seed",
        "7",
        "--drop",
        "island",
        "--out",
        d.to_str().unwrap(),
    ]);
    assert_eq!(json(&c.join("metrics.json")), json(&d.join("metrics.json")));
    let mut cm = json(&c.join("model.json"));
    cm["recipe"]["overrides"] = serde_json::Value::Null;
    let mut dm = json(&d.join("model.json"));
    dm["recipe"]["overrides"] = serde_json::Value::Null;
    assert_eq!(cm, dm);
}

#[test]
fn a_bad_recipe_is_refused_with_the_key_named_and_nothing_run() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let data = sample("penguins.csv");
    ok(&["train", &data, "--target", "species", "--out", a.to_str().unwrap()]);
    let good = json(&a.join("recipe.json"));
    let check = |edit: &dyn Fn(&mut serde_json::Value), expected: &str| {
        let mut r = good.clone();
        edit(&mut r);
        let path = tmp.path().join("bad.json");
        std::fs::write(&path, serde_json::to_vec(&r).unwrap()).unwrap();
        let out = tmp.path().join("never");
        let o = glassbox(&["train", &data, "--recipe", path.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains("bad.json: ") && err.contains(expected), "expected '{expected}' in {err}");
        assert!(!out.exists(), "nothing is written");
    };
    check(&|r| r["glassbox_recipe"] = 9.into(), "glassbox_recipe is 9, a newer recipe format");
    check(&|r| r["run"]["features"]["scael"] = "none".into(), "run.features.scael: unknown key");
    check(&|r| r["run"]["data"]["target"] = "wingspan".into(), "run.data.target 'wingspan' is not a column");
    check(
        &|r| r["run"]["data"]["test_size"] = 0.into(),
        "run.data.test_size: the share held out must be between 0 and 1",
    );
    check(&|r| r["run"]["model"]["C"] = (-1).into(), "run.model:");
}

#[test]
fn retrain_promotes_a_better_model_keeps_an_equal_one_and_refuses_other_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |name: &str| tmp.path().join(name).to_string_lossy().into_owned();
    std::fs::write(p("old.csv"), rows(600, 1, |a, _| a > 0.0)).unwrap();
    // The concept moved: y now follows x2.
    std::fs::write(p("moved.csv"), rows(600, 2, |_, b| b > 0.0)).unwrap();
    // The same concept, new rows.
    std::fs::write(p("same.csv"), rows(600, 3, |a, _| a > 0.0)).unwrap();
    ok(&["train", &p("old.csv"), "--target", "y", "--out", &p("current")]);
    let current = format!("{}/model.json", p("current"));

    let o = glassbox(&["retrain", &current, &p("moved.csv"), "--out", &p("moved")]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let c = json(&tmp.path().join("moved/comparison.json"));
    assert_eq!(c["promoted"], true);
    assert_eq!(c["metrics"][0]["metric"], "roc_auc");
    assert!(c["metrics"][0]["current"].as_f64().unwrap() < 0.65, "{c}");
    assert!(c["metrics"][0]["interval"]["low"].as_f64().unwrap() > 0.0, "{c}");
    assert_eq!(c["rows"], 120, "the new data's held-out fifth");
    // The promoted model is the new model, and it was made by the current one's recipe.
    assert_eq!(read(&tmp.path().join("moved/model.json")), read(&tmp.path().join("moved/new/model.json")));
    let recipe = json(&tmp.path().join("moved/recipe.json"));
    assert_eq!(recipe["run"], json(Path::new(&current))["recipe"]["run"]);
    assert!(String::from_utf8_lossy(&read(&tmp.path().join("moved/comparison.html"))).contains("promoted"));

    let o = glassbox(&["retrain", &current, &p("same.csv"), "--out", &p("same")]);
    assert_eq!(o.status.code(), Some(4), "{}", String::from_utf8_lossy(&o.stderr));
    let c = json(&tmp.path().join("same/comparison.json"));
    assert_eq!(c["promoted"], false);
    assert!(c["verdict"].as_str().unwrap().starts_with("kept the current model"), "{c}");
    assert!(!tmp.path().join("same/model.json").exists());
    assert!(tmp.path().join("same/new/model.json").exists(), "the new model is kept to look at");

    // Another schema: the schema check's words, exit 2.
    std::fs::write(p("other.csv"), "x1,x9,y\n0.1,0.2,yes\n0.3,0.1,no\n").unwrap();
    let o = glassbox(&["retrain", &current, &p("other.csv"), "--out", &p("other")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("the data lacks columns the model reads: x2, x3"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // The training data itself is not new data.
    let o = glassbox(&["retrain", &current, &p("old.csv"), "--out", &p("old")]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("the data the current model was trained on"));
}

#[test]
fn monitor_retrains_on_alert_and_the_payload_says_what_it_did() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |name: &str| tmp.path().join(name).to_string_lossy().into_owned();
    std::fs::write(p("old.csv"), rows(600, 1, |a, _| a > 0.0)).unwrap();
    std::fs::write(p("moved.csv"), rows(600, 2, |_, b| b > 0.0)).unwrap();
    ok(&["train", &p("old.csv"), "--target", "y", "--out", &p("current")]);
    let current = format!("{}/model.json", p("current"));
    // A labelled log: two weeks, the second after the concept moved.
    ok(&["predict", &current, &p("old.csv"), "--out", &p("week1.csv")]);
    ok(&["predict", &current, &p("moved.csv"), "--out", &p("week2.csv")]);
    let mut log = String::from("time,label,prediction,proba_no,proba_yes\n");
    for (file, day, truth) in [("week1.csv", "2026-11-02", "old.csv"), ("week2.csv", "2026-11-09", "moved.csv")] {
        let preds = String::from_utf8(read(&tmp.path().join(file))).unwrap();
        let labels = String::from_utf8(read(&tmp.path().join(truth))).unwrap();
        for (pred, label) in preds.lines().skip(1).zip(labels.lines().skip(1)) {
            let f: Vec<&str> = pred.split(',').collect();
            log.push_str(&format!("{day},{},{},{},{}\n", label.rsplit(',').next().unwrap(), f[0], f[1], f[2]));
        }
    }
    std::fs::write(p("log.csv"), log).unwrap();
    let o = glassbox(&[
        "monitor",
        &current,
        "--log",
        &p("log.csv"),
        "--time-column",
        "time",
        "--label-column",
        "label",
        "--retrain-on-alert",
        &p("moved.csv"),
        "--dry-run",
        "--out",
        &p("monitor"),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(3), "the alert's exit code: {stdout} {}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("*Retraining:* promoted"), "{stdout}");
    let m = json(&tmp.path().join("monitor/monitor.json"));
    assert_eq!(m["retrain"]["promoted"], true);
    assert!(tmp.path().join("monitor/retrain/model.json").exists());
}

/// `scripts/check_recipe.py` on `paths`: its exit status and what it printed.
fn schema_check(paths: &[&Path]) -> (bool, String) {
    let script = format!("{}/../../scripts/check_recipe.py", env!("CARGO_MANIFEST_DIR"));
    let o = Command::new("python3").arg(script).args(paths).output().expect("python3 runs");
    (o.status.success(), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
}

#[test]
fn every_recipe_written_meets_the_committed_json_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = |n: &str| tmp.path().join(n);
    // Every kind of choice: reading, roles, features, a search with a grid,
    // time windows, a threshold rule, calibration; and a regressor's interval.
    let classes = sample("penguins.csv");
    ok(&[
        "train",
        &classes,
        "--target",
        "sex",
        "--model",
        "gradient_boosting",
        "--search",
        "both",
        "--trials",
        "2",
        "--refine-grid",
        "learning_rate=0.05,0.1",
        "--threshold-for",
        "cost",
        "--costs",
        "fn=5",
        "--calibrate",
        "isotonic",
        "--bins",
        "bill_length_mm=30,40,50",
        "--bins",
        "body_mass_g=quantile:4",
        "--impute",
        "constant:0",
        "--type",
        "island=categorical",
        "--timezone",
        "Europe/Paris",
        "--date-order",
        "dmy",
        "--missing",
        "?",
        "--delimiter",
        ",",
        "--encoding",
        "utf-8",
        "--time-column",
        "year",
        "--window",
        "rolling",
        "--date-parts",
        "month,hour",
        "--class-weight",
        "balanced",
        "--drop",
        "island",
        "--scale",
        "minmax",
        "--importance-repeats",
        "1",
        "--out",
        dir("classes").to_str().unwrap(),
    ]);
    let numbers = sample("concrete.csv");
    ok(&[
        "train",
        &numbers,
        "--target",
        "compressive_strength",
        "--model",
        "random_forest",
        "--param",
        "n_trees=10",
        "--interval",
        "0.8",
        "--interval-method",
        "split",
        "--target-transform",
        "log1p",
        "--task",
        "regression",
        "--out",
        dir("numbers").to_str().unwrap(),
    ]);
    ok(&[
        "train",
        &numbers,
        "--target",
        "compressive_strength",
        "--interval",
        "off",
        "--out",
        dir("off").to_str().unwrap(),
    ]);
    let recipes: Vec<std::path::PathBuf> =
        ["classes", "numbers", "off"].iter().map(|d| dir(d).join("recipe.json")).collect();
    let paths: Vec<&Path> = recipes.iter().map(|p| p.as_path()).collect();
    let (fine, said) = schema_check(&paths);
    assert!(fine, "{said}");
    // The check can fail: a key the schema does not know, and a value it does not allow.
    let mut r = json(&recipes[0]);
    r["run"]["features"]["scale"] = "huge".into();
    r["run"]["data"]["colour"] = "red".into();
    let bad = dir("bad.json");
    std::fs::write(&bad, serde_json::to_vec(&r).unwrap()).unwrap();
    let (fine, said) = schema_check(&[&bad]);
    assert!(!fine);
    assert!(
        said.contains("run.features.scale: 'huge' is not one of") && said.contains("'colour' was unexpected"),
        "{said}"
    );
}
