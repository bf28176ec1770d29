//! A number to predict through the CLI: `train` picks ridge by default and
//! writes the regression metrics, model and both reports; `compare` ranks the
//! regressors by RMSE; `predict` writes a regressor's numbers with their
//! conformal intervals at full precision.

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
    assert!(stdout.contains("trained ridge on concrete.csv: 659 training rows (and 165 held out to calibrate the interval), 206 test rows"), "{stdout}");
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

    // 824 training rows: a fifth calibrates the 90% interval, the model fits on the rest.
    assert_eq!(metrics["interval"]["calibration_rows"], 165);
    assert!(
        stdout.contains("90% prediction interval (split conformal, 165 calibration rows): test coverage "),
        "{stdout}"
    );
    assert!(html.contains("data-testid=\"interval-audit\""), "the report audits the interval");

    // Scoring writes the prediction and its interval, every digit kept.
    let text = predict_concrete(&out);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("prediction,pi_low,pi_high,issue"));
    let q = metrics["interval"]["half_width"].as_f64().unwrap();
    let truth: Vec<f64> = std::fs::read_to_string(concrete())
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    let mut inside = 0;
    for (line, y) in lines.zip(&truth) {
        let cells: Vec<f64> = line.split(',').take(3).map(|c| c.parse().unwrap()).collect();
        assert_eq!((cells[1], cells[2]), (cells[0] - q, cells[0] + q), "{line}");
        inside += usize::from(cells[1] <= *y && *y <= cells[2]);
    }
    assert_eq!(text.lines().count(), 1031);
    assert!(inside > 900, "{inside} of 1,030 rows inside");
}

/// `train` on the concrete sample into `out`, with `extra` flags.
fn train_concrete(out: &std::path::Path, extra: &[&str]) -> Output {
    let mut args = vec!["train", "--target", "compressive_strength", "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let data = concrete();
    args.insert(1, &data);
    glassbox(&args)
}

/// `predict`'s CSV for the concrete sample with the model trained into `out`.
fn predict_concrete(out: &std::path::Path) -> String {
    let scored = out.join("p.csv");
    let p = glassbox(&[
        "predict",
        out.join("model.json").to_str().unwrap(),
        &concrete(),
        "--out",
        scored.to_str().unwrap(),
    ]);
    assert!(p.status.success(), "{}", String::from_utf8_lossy(&p.stderr));
    std::fs::read_to_string(&scored).unwrap()
}

#[test]
fn a_bad_interval_level_is_refused_before_any_work() {
    for (level, why) in [
        ("1.5", "between 0 and 1"),
        ("0", "between 0 and 1"),
        ("ninety", "a level such as 0.9"),
        ("0.1234567", "six decimals"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("run");
        let o = train_concrete(&out, &["--interval", level]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{level}: {stderr}");
        assert!(stderr.contains("--interval") && stderr.contains(why), "{level}: {stderr}");
        assert!(!out.exists(), "{level}: nothing written");
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = train_concrete(&out, &["--interval", "off"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("824 training rows, 206 test rows"));
    let text = predict_concrete(&out);
    assert!(text.lines().nth(1).unwrap().ends_with(",,,"), "no interval without one: {text:.80}");
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
