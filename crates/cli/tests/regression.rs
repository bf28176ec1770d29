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
        stdout.contains(
            "90% prediction interval (split conformal, 165 calibration rows held out of the fit): test coverage "
        ),
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

/// `--interval-method cqr` with ridge: the method said in the summary and
/// the report, widths that differ by row, and a quantile loss given
/// without its quantile refused before any work.
#[test]
fn cqr_intervals_are_named_and_vary_by_row() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = train_concrete(&out, &["--interval-method", "cqr", "--importance-repeats", "0"]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let said = "90% prediction interval (conformalized quantile regression (boosting at the 0.05 and 0.95 quantiles), 165 calibration rows held out of the fit): test coverage ";
    assert!(stdout.contains(said), "{stdout}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("conformalized quantile regression (boosting at the 0.05 and 0.95 quantiles)"));
    let text = predict_concrete(&out);
    let widths: std::collections::BTreeSet<u64> = text
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<f64> = l.split(',').take(3).map(|c| c.parse().unwrap()).collect();
            assert!(c[1] <= c[0] && c[0] <= c[2], "the prediction inside its interval: {l}");
            (c[2] - c[1]).to_bits()
        })
        .collect();
    assert!(widths.len() > 500, "{} distinct widths in 1,030 rows", widths.len());
    let bad = tmp.path().join("bad");
    let o = train_concrete(&bad, &["--model", "gradient_boosting", "--param", "loss=quantile"]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("the quantile loss needs the quantile to predict"), "{stderr}");
    assert!(!bad.exists());
}

/// Regression: a log1p model's half-width (0.2 on log1p of the strength)
/// was shown as "half-width" beside widths in the target's units.
#[test]
fn a_log1p_models_half_width_says_its_scale() {
    let tmp = tempfile::tempdir().unwrap();
    let (plain, logged) = (tmp.path().join("plain"), tmp.path().join("logged"));
    for (out, scale) in [(&plain, "none"), (&logged, "log1p")] {
        let o = train_concrete(out, &["--target-transform", scale, "--importance-repeats", "0"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let html = |d: &std::path::Path| std::fs::read_to_string(d.join("report.html")).unwrap();
    assert!(html(&plain).contains("<th>half-width</th>"));
    assert!(html(&logged).contains("<th>half-width (on log1p of the target)</th>"));
}

#[test]
fn a_regressors_search_is_refined_by_rmse() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let o = train_concrete(
        &out,
        &["--model", "decision_tree", "--search", "random", "--trials", "8", "--refine-grid", "max_depth=4,6,8,10,12"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("best CV RMSE") && stdout.contains("refine: The grid's best, max_depth = "), "{stdout}");
    let metrics = json(out.join("metrics.json"));
    let refine = &metrics["search"]["refine"];
    assert_eq!(refine["param"], "max_depth");
    assert_eq!(refine["values"], serde_json::json!([4.0, 6.0, 8.0, 10.0, 12.0]));
    assert!(refine["rule"].as_str().unwrap().contains("the grid given"));
    // Scores are minus the RMSE: the search maximises them.
    let grid = refine["trials"].as_array().unwrap();
    assert!(grid.iter().all(|t| t["score"].as_f64().unwrap() < 0.0 && t["params"]["max_depth"].is_number()));
    // Deeper trees fit concrete better than 4 levels: the grid's scores differ.
    let scores: Vec<f64> = grid.iter().map(|t| t["score"].as_f64().unwrap()).collect();
    assert!(scores[0] < scores[4], "{scores:?}");
    // The grid's best is its deepest value, short of the searched 20: the person is told to look further.
    assert!(scores.iter().all(|s| *s <= scores[4]), "{scores:?}");
    let notes = metrics["search"]["notes"].to_string();
    assert!(
        notes.contains("the grid's best max_depth = 12 is its highest value: the score may improve beyond it"),
        "{notes}"
    );
    assert!(notes.contains("only 8 scored trials: the parameters' importance is a rough guess"), "{notes}");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("data-testid=\"refine-grid\"") && html.contains("<th>RMSE</th>"), "the grid in RMSE");
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

/// A log of the concrete sample scored by its model: four weeks from
/// Monday 2026-11-02, the true strength beside each prediction, and the
/// last week's true values changed by `last_week`.
fn concrete_log(scored: &str, last_week: impl Fn(usize, f64) -> f64) -> String {
    let data = std::fs::read_to_string(concrete()).unwrap();
    let rows: Vec<(&str, &str)> = data.lines().skip(1).zip(scored.lines().skip(1)).collect();
    let mut log = String::from("time,label,cement,prediction,pi_low,pi_high\n");
    for (i, (d, p)) in rows.iter().enumerate() {
        let day = 2 + 28 * i / rows.len();
        let cells: Vec<&str> = d.split(',').collect();
        let mut label: f64 = cells[8].parse().unwrap();
        if day >= 23 {
            label = last_week(i, label);
        }
        let p: Vec<&str> = p.split(',').collect();
        log.push_str(&format!("2026-11-{day:02}T10:00:00Z,{label},{},{},{},{}\n", cells[0], p[0], p[1], p[2]));
    }
    log
}

fn monitor(dir: &std::path::Path, log: &str, extra: &[&str]) -> Output {
    let path = dir.join("log.csv");
    std::fs::write(&path, log).unwrap();
    let mut args = vec![
        "monitor".to_string(),
        dir.join("run/model.json").to_str().unwrap().to_string(),
        "--log".into(),
        path.to_str().unwrap().to_string(),
        "--time-column".into(),
        "time".into(),
        "--label-column".into(),
        "label".into(),
        "--out".into(),
        dir.join("mon").to_str().unwrap().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    glassbox(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn json(path: std::path::PathBuf) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_regressor_log_is_scored_per_week_and_a_shift_alarms_with_the_median_to_subtract() {
    let tmp = tempfile::tempdir().unwrap();
    let o = train_concrete(&tmp.path().join("run"), &["--model", "gradient_boosting"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let model = json(tmp.path().join("run/model.json"));
    let errors = &model["profile"]["errors"];
    assert!(errors["rmse"].as_f64().unwrap() > 0.0 && errors["level"] == 0.9, "{errors}");
    assert_eq!(model["profile"]["prediction"][0]["name"], "prediction");
    assert_eq!(model["profile"]["target"]["kind"], "numeric");
    let scored = predict_concrete(&tmp.path().join("run"));

    // As predicted: four weeks, each with MAE, RMSE, bias and coverage; no
    // alarm with a threshold above the weeks' own noise.
    let o = monitor(tmp.path(), &concrete_log(&scored, |_, y| y), &["--rmse-rise", "50"]);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let m = json(tmp.path().join("mon/monitor.json"));
    assert_eq!(m["task"], "regression");
    let weeks = m["periods"].as_array().unwrap();
    assert_eq!(weeks.len(), 4);
    for w in weeks {
        for f in ["mae", "rmse", "bias", "coverage", "coverage_band"] {
            assert!(!w[f].is_null(), "{f} in {w}");
        }
        assert!(w["coverage"].as_f64().unwrap() >= w["coverage_band"][0].as_f64().unwrap(), "{w}");
    }

    // The last week's true values 6 lower: the predictions run 6 high.
    let o = monitor(tmp.path(), &concrete_log(&scored, |_, y| y - 6.0), &[]);
    let out = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{out}");
    let m = json(tmp.path().join("mon/monitor.json"));
    let kinds: Vec<&str> = m["error_alerts"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["rmse_rise", "coverage", "bias"], "{out}");
    let median: f64 = out.split("subtracting ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!((median - 6.0).abs() < 1.0, "{out}");
    let html = std::fs::read_to_string(tmp.path().join("mon/monitor.html")).unwrap();
    assert!(html.contains("data-testid=\"errors-table\"") && html.contains("re-centre by subtracting"));

    // Errors of ±15 where cement is high: the range is named.
    let data = std::fs::read_to_string(concrete()).unwrap();
    let cement: Vec<f64> = data.lines().skip(1).map(|l| l.split(',').next().unwrap().parse().unwrap()).collect();
    let log = concrete_log(&scored, |i, y| if cement[i] > 350.0 { y + [15.0, -15.0][i % 2] } else { y });
    let o = monitor(tmp.path(), &log, &[]);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(out.contains("errors concentrate where 'cement' is above"), "{out}");
}

#[test]
fn a_regressor_reads_the_servers_json_log_with_its_intervals() {
    let tmp = tempfile::tempdir().unwrap();
    let o = train_concrete(&tmp.path().join("run"), &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let scored = predict_concrete(&tmp.path().join("run"));
    let csv = concrete_log(&scored, |_, y| y);
    let mut lines = String::new();
    for l in csv.lines().skip(1) {
        let c: Vec<&str> = l.split(',').collect();
        lines.push_str(&format!(
            "{{\"time\":\"{}\",\"input\":{{\"cement\":{},\"label\":{}}},\"prediction\":{},\"prediction_interval\":[{},{}],\"interval_level\":0.9,\"warnings\":[]}}\n",
            c[0], c[2], c[1], c[3], c[4], c[5]
        ));
    }
    let from_csv = monitor(tmp.path(), &csv, &["--rmse-rise", "1000"]);
    assert!(from_csv.status.success());
    let a = json(tmp.path().join("mon/monitor.json"));
    let from_json = monitor(tmp.path(), &lines, &["--rmse-rise", "1000"]);
    assert!(from_json.status.success(), "{}", String::from_utf8_lossy(&from_json.stderr));
    let b = json(tmp.path().join("mon/monitor.json"));
    assert_eq!(a["periods"], b["periods"]);
    assert!(b["periods"][0]["coverage"].as_f64().unwrap() > 0.5);
}

#[test]
fn a_regressor_log_with_text_labels_or_none_is_refused_and_nothing_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let o = train_concrete(&tmp.path().join("run"), &[]);
    assert!(o.status.success());
    let scored = predict_concrete(&tmp.path().join("run"));
    let words: String = concrete_log(&scored, |_, y| y)
        .lines()
        .enumerate()
        .map(|(i, l)| match i {
            0 => format!("{l}\n"),
            _ => {
                let (t, rest) = l.split_once(',').unwrap();
                let (_, rest) = rest.split_once(',').unwrap();
                format!("{t},{},{rest}\n", ["strong", "weak"][i % 2])
            }
        })
        .collect();
    let empty = words.replace(",strong,", ",,").replace(",weak,", ",,");
    for (log, why) in
        [(words, "line 2: the true value in 'label' is 'weak', not a number"), (empty, "no labelled rows")]
    {
        let o = monitor(tmp.path(), &log, &[]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(why), "{why}: {err}");
        assert!(!tmp.path().join("mon").exists(), "nothing written");
    }
}

#[test]
fn drift_of_a_regressor_reports_its_target_and_prediction() {
    let tmp = tempfile::tempdir().unwrap();
    let o = train_concrete(&tmp.path().join("run"), &[]);
    assert!(o.status.success());
    let data = std::fs::read_to_string(concrete()).unwrap();
    let stronger: String = data
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut c: Vec<String> = l.split(',').map(String::from).collect();
            if i > 0 {
                c[8] = (c[8].parse::<f64>().unwrap() * 1.5).to_string();
                c[0] = (c[0].parse::<f64>().unwrap() * 1.5).to_string();
            }
            c.join(",") + "\n"
        })
        .collect();
    let current = tmp.path().join("cur.csv");
    std::fs::write(&current, stronger).unwrap();
    let out = tmp.path().join("d");
    let o = glassbox(&[
        "drift",
        tmp.path().join("run/model.json").to_str().unwrap(),
        current.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(text.contains("target drift, compressive_strength: drift"), "{text}");
    assert!(text.contains("prediction drift, prediction: drift"), "{text}");
    let d = json(out.join("drift.json"));
    assert_eq!(d["target"]["drifted"], true);
    assert_eq!(d["prediction"][0]["column"], "prediction");
}

#[test]
fn explain_gives_a_regressors_rows_in_the_targets_units_adding_up_to_its_prediction() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    for (model, space) in [("ridge", "target"), ("gradient_boosting", "target"), ("random_forest", "target")] {
        let o = train_concrete(&run, &["--model", model, "--target-transform", "none"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let scored = predict_concrete(&run);
        let out = tmp.path().join("why.csv");
        let o = glassbox(&[
            "explain",
            run.join("model.json").to_str().unwrap(),
            &concrete(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{model}: {}", String::from_utf8_lossy(&o.stderr));
        let text = std::fs::read_to_string(&out).unwrap();
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let output = header.iter().position(|h| *h == "output").unwrap();
        for (why, pred) in text.lines().skip(1).zip(scored.lines().skip(1)).take(50) {
            let c: Vec<&str> = why.split(',').collect();
            let sum: f64 = c[..output].iter().map(|v| v.parse::<f64>().unwrap()).sum();
            let (out_v, predicted): (f64, f64) =
                (c[output].parse().unwrap(), pred.split(',').next().unwrap().parse().unwrap());
            assert_eq!(c[output + 1], space, "{model}");
            assert!((sum - out_v).abs() < 1e-6 * out_v.abs().max(1.0), "{model}: base + values {sum} against {out_v}");
            assert!(
                (out_v - predicted).abs() < 1e-6 * predicted.abs().max(1.0),
                "{model}: {out_v} against predict's {predicted}"
            );
        }
        let o = glassbox(&[
            "explain",
            run.join("model.json").to_str().unwrap(),
            &concrete(),
            "--class",
            "high",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains("no class to choose"));
    }
}
