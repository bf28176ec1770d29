//! A number to predict through the CLI: `train` picks ridge by default and
//! writes the regression metrics, model and both reports; `compare` ranks the
//! regressors by RMSE; scoring with a regressor is refused in words until
//! its intervals land.

use std::process::{Command, Output};

fn glassbox(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_glassbox")).args(args).output().expect("the binary runs")
}

fn concrete() -> String {
    format!("{}/../../public/samples/concrete.csv", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn train_predicts_a_number_with_ridge_by_default_and_writes_every_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = glassbox(&[
        "train",
        &concrete(),
        "--target",
        "compressive_strength",
        "--cv",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("trained ridge on concrete.csv: 824 training rows, 206 test rows"), "{stdout}");
    assert!(stdout.contains("target compressive_strength: a number to predict (regression)"), "{stdout}");
    assert!(stdout.contains("3-fold cross-validation on the training rows: R² "), "{stdout}");
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(metrics["task"], "regression");
    let (r2, base) = (metrics["r2"].as_f64().unwrap(), metrics["baseline"]["r2"].as_f64().unwrap());
    assert!(r2 > 0.5 && base < 0.01, "R² {r2}, the mean's {base}");
    assert_eq!(metrics["cv"]["rmse"]["folds"].as_array().unwrap().len(), 3);
    let model = std::fs::read_to_string(out.join("model.json")).unwrap();
    assert!(model.contains("\"task\": \"regression\"") && model.contains("\"model\": \"ridge\""));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for id in ["metric-r2", "metric-rmse", "metric-mae", "chart-predicted-actual", "chart-residuals", "largest-errors"]
    {
        assert!(html.contains(&format!("data-testid=\"{id}\"")), "{id} in the report");
    }
    assert!(!html.contains("confusion") && !html.contains("Calibration"), "no classifier's sections");
    assert!(std::fs::read(out.join("report.pdf")).unwrap().starts_with(b"%PDF"));

    // Scoring with it is refused in words, not with a class index.
    let p = glassbox(&[
        "predict",
        out.join("model.json").to_str().unwrap(),
        &concrete(),
        "--out",
        tmp.path().join("p.csv").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&p.stderr);
    assert_eq!(p.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("this model predicts a number ('compressive_strength'), and scoring new rows with a regressor is not in this version"), "{stderr}");
}

#[test]
fn compare_ranks_the_regressors_by_rmse_and_refuses_naive_bayes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("cmp");
    let o = glassbox(&[
        "compare",
        &concrete(),
        "--target",
        "compressive_strength",
        "--cv",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let board: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("leaderboard.json")).unwrap()).unwrap();
    let rmse: Vec<f64> = board.as_array().unwrap().iter().map(|e| e["cv"]["rmse"]["mean"].as_f64().unwrap()).collect();
    assert_eq!(rmse.len(), 8, "every model that predicts numbers");
    assert!(rmse.windows(2).all(|w| w[0] <= w[1]), "lowest RMSE first: {rmse:?}");
    let o = glassbox(&[
        "train",
        &concrete(),
        "--target",
        "compressive_strength",
        "--model",
        "naive_bayes",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("naive bayes does not predict numbers; the models that do are: knn, decision_tree"),
        "{stderr}"
    );
}
