//! `glassbox drift` and `glassbox monitor` end to end: the files they
//! write, their exit codes, and the alert posted to a real HTTP receiver on
//! 127.0.0.1 (one that fails twice first, and one that never answers).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

fn glassbox(args: &[&str]) -> Output {
    glassbox_env(args, &[])
}

fn glassbox_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_glassbox"));
    c.args(args).env_remove("GLASSBOX_WEBHOOK_URL");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("the binary runs")
}

fn sample(name: &str) -> String {
    format!("{}/../../public/samples/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A model of penguins' sex, a copy with body mass ×18, and two logs: one
/// as predicted, one whose last week's labels were made worse on purpose.
struct Setup {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    model: String,
}

impl Setup {
    fn new() -> Setup {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let out = dir.join("m");
        let o = glassbox(&["train", &sample("penguins.csv"), "--target", "sex", "--out", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", text(&o));
        let data = std::fs::read_to_string(sample("penguins.csv")).unwrap();
        let mass = data.lines().next().unwrap().split(',').position(|h| h == "body_mass_g").unwrap();
        let mut x18 = String::new();
        for (i, line) in data.lines().enumerate() {
            let mut cells: Vec<String> = line.split(',').map(String::from).collect();
            if let Ok(v) = cells[mass].parse::<f64>() {
                if i > 0 {
                    cells[mass] = (v * 18.0).to_string();
                }
            }
            x18.push_str(&(cells.join(",") + "\n"));
        }
        std::fs::write(dir.join("x18.csv"), x18).unwrap();
        let preds = dir.join("pred.csv");
        let o = glassbox(&[
            "predict",
            out.join("model.json").to_str().unwrap(),
            &sample("penguins.csv"),
            "--out",
            preds.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o));
        let preds = std::fs::read_to_string(preds).unwrap();
        let sex = data.lines().next().unwrap().split(',').position(|h| h == "sex").unwrap();
        let rows: Vec<(&str, &str)> = data.lines().skip(1).zip(preds.lines().skip(1)).collect();
        for (name, worse) in [("log_ok.csv", false), ("log_bad.csv", true)] {
            let mut log = format!("time,label,{}\n", preds.lines().next().unwrap());
            for (i, (d, p)) in rows.iter().enumerate() {
                // Four weeks from Monday 2026-11-02, in order.
                let day = 2 + 28 * i / rows.len();
                let mut label = d.split(',').nth(sex).unwrap().to_string();
                if label == "NA" {
                    label.clear();
                }
                if worse && day >= 23 && i % 3 == 0 && !label.is_empty() {
                    label = if label == "male" { "female".into() } else { "male".into() };
                }
                log.push_str(&format!("2026-11-{day:02}T10:00:00Z,{label},{p}\n"));
            }
            std::fs::write(dir.join(name), log).unwrap();
        }
        Setup { model: out.join("model.json").to_string_lossy().into_owned(), dir, _tmp: tmp }
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).to_string_lossy().into_owned()
    }

    fn json(&self, path: &str) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.dir.join(path)).unwrap()).unwrap()
    }
}

#[test]
fn drift_writes_every_field_and_names_the_unit_change() {
    let s = Setup::new();
    let o = glassbox(&["drift", &s.model, &s.path("x18.csv"), "--out", &s.path("d")]);
    assert!(o.status.success(), "{}", text(&o));
    let d = s.json("d/drift.json");
    for c in d["columns"].as_array().unwrap() {
        for field in [
            "column",
            "kind",
            "method",
            "statistic",
            "p_value",
            "threshold",
            "drifted",
            "psi",
            "js",
            "kl",
            "missing_reference",
            "missing_current",
            "new_levels",
        ] {
            assert!(c.get(field).is_some(), "{field} missing in {c}");
        }
        match c["kind"].as_str().unwrap() {
            "numeric" => assert!(c["ks"]["p_value"].is_number() && c["wasserstein"].is_number(), "{c}"),
            "categorical" => assert!(c["chi2"]["statistic"].is_number(), "{c}"),
            k => panic!("kind {k}"),
        }
    }
    assert_eq!(d["columns"][0]["column"], "body_mass_g");
    assert_eq!(d["columns"][0]["drifted"], true);
    for field in ["share", "threshold", "drifted"] {
        assert!(d["dataset"].get(field).is_some());
    }
    assert_eq!(d["top"][0]["column"], "body_mass_g");
    assert!(d["top"][0]["suggestion"].as_str().unwrap().contains("18 ×"));
    assert!(d["prediction"][0]["column"] == "proba_male");
    let html = std::fs::read_to_string(s.dir.join("d/drift.html")).unwrap();
    assert!(html.contains("default-src 'none'") && !html.contains("<script"));
    assert!(html.contains("data-testid=\"drift-table\"") && html.contains("<svg"));
    assert!(text(&o).contains("1 of 7 feature columns drifted"), "{}", text(&o));
}

/// Regression: a column whose missing share jumped while its remaining
/// values kept their distribution was left out of the top three, which
/// listed only columns that drifted by their test.
#[test]
fn a_missing_share_jump_leads_the_top_columns_though_its_test_sees_no_drift() {
    let s = Setup::new();
    let data = std::fs::read_to_string(s.path("x18.csv")).unwrap();
    let flipper = data.lines().next().unwrap().split(',').position(|h| h == "flipper_length_mm").unwrap();
    let mut out = String::new();
    for (i, line) in data.lines().enumerate() {
        let mut cells: Vec<&str> = line.split(',').collect();
        if i > 0 && i % 5 < 2 {
            cells[flipper] = "";
        }
        out.push_str(&(cells.join(",") + "\n"));
    }
    std::fs::write(s.path("gaps.csv"), out).unwrap();
    let o = glassbox(&["drift", &s.model, &s.path("gaps.csv"), "--out", &s.path("g")]);
    assert!(o.status.success(), "{}", text(&o));
    let d = s.json("g/drift.json");
    let column = d["columns"].as_array().unwrap().iter().find(|c| c["column"] == "flipper_length_mm").unwrap();
    assert_eq!(column["drifted"], false, "{column}");
    assert!(column["missing_current"].as_f64().unwrap() > 0.39, "{column}");
    assert_eq!(d["top"][0]["column"], "flipper_length_mm", "{}", d["top"]);
    assert_eq!(d["top"][0]["finding"], "missing_jump");
    assert!(d["top"][0]["suggestion"].as_str().unwrap().contains("missing values rose"));
    assert_eq!(d["top"][1]["column"], "body_mass_g", "{}", d["top"]);
}

#[test]
fn drift_bad_input_names_what_is_wrong() {
    let s = Setup::new();
    std::fs::write(s.dir.join("empty.csv"), "").unwrap();
    std::fs::write(s.dir.join("header.csv"), "species,island,bill_length_mm\n").unwrap();
    std::fs::write(s.dir.join("other.csv"), "a,b\n1,2\n").unwrap();
    for (file, extra, expected) in [
        ("empty.csv", vec![], "empty"),
        ("header.csv", vec![], "header"),
        ("other.csv", vec![], "none of the model's columns"),
        ("x18.csv", vec!["--test", "island=ks"], "column 'island' is categorical: ks needs numbers"),
        ("x18.csv", vec!["--test", "nope=psi"], "column 'nope', which the model does not read"),
        ("x18.csv", vec!["--test", "island=magic"], "unknown drift test 'magic'"),
        ("x18.csv", vec!["--drift-share", "2"], "--drift-share must be between 0 and 1"),
    ] {
        let mut args = vec!["drift".to_string(), s.model.clone(), s.path(file), "--out".into(), s.path("bad")];
        args.extend(extra.iter().map(|a| a.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = glassbox(&args);
        assert_eq!(o.status.code(), Some(2), "{file}: {}", text(&o));
        assert!(text(&o).to_lowercase().contains(expected), "{file}: expected '{expected}' in {}", text(&o));
    }
}

#[test]
fn monitor_exits_0_on_an_unchanged_log_and_3_when_f1_falls() {
    let s = Setup::new();
    let base = |log: &str, out: &str| {
        vec![
            "monitor".to_string(),
            s.model.clone(),
            "--log".into(),
            s.path(log),
            "--time-column".into(),
            "time".into(),
            "--label-column".into(),
            "label".into(),
            "--out".into(),
            s.path(out),
        ]
    };
    let run = |args: Vec<String>| glassbox(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let o = run(base("log_ok.csv", "ok"));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let m = s.json("ok/monitor.json");
    assert_eq!(m["alert"], false);
    assert_eq!(m["periods"].as_array().unwrap().len(), 4);
    for p in m["periods"].as_array().unwrap() {
        for field in ["start", "rows", "f1", "accuracy", "roc_auc"] {
            assert!(p.get(field).is_some(), "{field}");
        }
    }
    assert_eq!(m["periods"][0]["start"], "2026-11-02");
    assert!(m["change"].as_f64().unwrap() > -5.0);

    let o = run(base("log_bad.csv", "bad"));
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("alert: F1 of 'male' fell"), "{}", text(&o));
    let m = s.json("bad/monitor.json");
    assert_eq!(m["alert"], true);
    assert!(m["change"].as_f64().unwrap() < -5.0);
    // The threshold is a flag: a drop of 50% does not alert.
    let mut args = base("log_bad.csv", "bad50");
    args.extend(["--f1-drop".to_string(), "50".into()]);
    assert_eq!(run(args).status.code(), Some(0));
    // With a current file, drift is summarised and drift.json written.
    let mut args = base("log_ok.csv", "cur");
    args.extend(["--current".to_string(), s.path("x18.csv")]);
    let o = run(args);
    // body mass ×18 moves the model's probabilities: prediction drift alerts.
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let m = s.json("cur/monitor.json");
    assert_eq!(m["drift"]["top"][0]["column"], "body_mass_g");
    assert!(s.dir.join("cur/drift.json").exists() && s.dir.join("cur/monitor.html").exists());
    let html = std::fs::read_to_string(s.dir.join("cur/monitor.html")).unwrap();
    assert!(html.contains("data-testid=\"decay-chart\"") && html.contains("data-testid=\"alert-payload\""));
}

#[test]
fn monitor_bad_input_names_what_is_wrong() {
    let s = Setup::new();
    let run = |extra: &[&str], expected: &str| {
        let mut args = vec!["monitor", &s.model, "--out"];
        let out = s.path("o");
        args.push(&out);
        args.extend_from_slice(extra);
        let o = glassbox(&args);
        assert_eq!(o.status.code(), Some(2), "{expected}: {}", text(&o));
        assert!(text(&o).contains(expected), "expected '{expected}' in {}", text(&o));
    };
    let log = s.path("log_ok.csv");
    run(&["--log", &log, "--time-column", "when", "--label-column", "label"], "no column 'when'");
    run(&["--log", &log, "--time-column", "time", "--label-column", "truth"], "no column 'truth'");
    run(
        &["--log", &log, "--time-column", "time", "--label-column", "label", "--webhook", "ftp://example/x"],
        "must start with http:// or https://",
    );
    run(
        &["--log", &log, "--time-column", "time", "--label-column", "label", "--f1-drop=-1"],
        "the F1 drop must be a percentage",
    );
    std::fs::write(
        s.dir.join("times.csv"),
        "time,label,prediction,proba_female,proba_male\nlast tuesday,male,male,0.2,0.8\n",
    )
    .unwrap();
    let o = glassbox(&[
        "monitor",
        &s.model,
        "--log",
        &s.path("times.csv"),
        "--time-column",
        "time",
        "--label-column",
        "label",
        "--out",
        &s.path("t"),
    ]);
    assert!(text(&o).contains("line 2") && text(&o).contains("last tuesday"), "{}", text(&o));
}

/// A real HTTP receiver on 127.0.0.1: answers 500 to the first `fail`
/// requests and 200 after, and keeps every body.
fn receiver(fail: usize, answer: bool) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}/services/T000/B000/secret-token", listener.local_addr().unwrap().port());
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            if !answer {
                // Holds the connection open and says nothing.
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_secs(30));
                    drop(stream);
                });
                continue;
            }
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap();
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            seen.lock().unwrap().push(String::from_utf8(body).unwrap());
            let status = if n < fail { "500 Internal Server Error" } else { "200 OK" };
            let _ = write!(stream, "HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        }
    });
    (url, bodies)
}

fn monitor_with_webhook(s: &Setup, url: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args =
        vec!["monitor", &s.model, "--log", "", "--time-column", "time", "--label-column", "label", "--out", ""];
    let log = s.path("log_bad.csv");
    let out = s.path("w");
    args[3] = &log;
    args[9] = &out;
    if !url.is_empty() {
        args.extend(["--webhook", url]);
    }
    args.extend_from_slice(extra);
    glassbox_env(&args, env)
}

#[test]
fn the_alert_reaches_a_receiver_that_fails_twice_first_and_the_url_stays_secret() {
    let s = Setup::new();
    let (url, bodies) = receiver(2, true);
    let o = monitor_with_webhook(&s, &url, &[], &[]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(text(&o).contains("(HTTP 200, try 3)"), "{}", text(&o));
    assert!(!text(&o).contains("secret-token"), "the URL's token was printed: {}", text(&o));
    let bodies = bodies.lock().unwrap();
    assert_eq!(bodies.len(), 3);
    let payload: Value = serde_json::from_str(&bodies[2]).unwrap();
    assert!(payload["text"].as_str().unwrap().contains("alert"));
    let blocks = payload["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "header");
    let all = payload.to_string();
    assert!(all.contains("fell") && all.contains("model sha256"), "{all}");
    // From the environment too, and --dry-run prints instead of posting.
    let (url, bodies) = receiver(0, true);
    let o = monitor_with_webhook(&s, "", &["--dry-run"], &[("GLASSBOX_WEBHOOK_URL", &url)]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stdout).contains("\"blocks\""));
    assert!(bodies.lock().unwrap().is_empty());
    let o = monitor_with_webhook(&s, "", &[], &[("GLASSBOX_WEBHOOK_URL", &url)]);
    assert!(text(&o).contains("posted the alert"), "{}", text(&o));
    assert!(!text(&o).contains("secret-token"));
    assert_eq!(bodies.lock().unwrap().len(), 1);
}

#[test]
fn a_receiver_that_never_answers_ends_in_a_clear_error_not_a_hang() {
    let s = Setup::new();
    let (url, _) = receiver(0, false);
    let start = Instant::now();
    let o = monitor_with_webhook(&s, &url, &["--webhook-timeout", "1", "--webhook-retries", "1"], &[]);
    let took = start.elapsed();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("did not take the alert after 2 tries"), "{}", text(&o));
    assert!(!text(&o).contains("secret-token"));
    // Two tries of one second and half a second between, with room to spare.
    assert!(took < Duration::from_secs(20), "{took:?}");
    // A receiver that always fails gives up after its retries too.
    let (url, bodies) = receiver(usize::MAX, true);
    let o = monitor_with_webhook(&s, &url, &["--webhook-retries", "2"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("after 3 tries: HTTP 500"), "{}", text(&o));
    assert_eq!(bodies.lock().unwrap().len(), 3);
    let _: &Path = s.dir.as_path();
}

#[test]
fn a_log_without_labels_yet_still_reports_prediction_drift() {
    let s = Setup::new();
    let log = std::fs::read_to_string(s.dir.join("log_ok.csv")).unwrap();
    let unlabelled: String = log
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l}\n")
            } else {
                let (time, rest) = l.split_once(',').unwrap();
                let (_, rest) = rest.split_once(',').unwrap();
                format!("{time},,{rest}\n")
            }
        })
        .collect();
    std::fs::write(s.dir.join("unlabelled.csv"), unlabelled).unwrap();
    let o = glassbox(&[
        "monitor",
        &s.model,
        "--log",
        &s.path("unlabelled.csv"),
        "--time-column",
        "time",
        "--label-column",
        "label",
        "--out",
        &s.path("u"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("no labelled rows yet (344 without a label)"), "{}", text(&o));
    let m = s.json("u/monitor.json");
    assert_eq!(m["labelled_rows"], 0);
    assert_eq!(m["log_prediction_drift"][0]["column"], "proba_male");
    assert_eq!(m["log_prediction_drift"][0]["drifted"], false);
    assert!(m["periods"].as_array().unwrap().is_empty());
}

#[test]
fn a_parquet_log_and_a_parquet_reference_read_as_their_csv_twins() {
    let s = Setup::new();
    // The log written as Parquet (typed: numbers as numbers, text as text).
    let csv_log = std::fs::read(s.dir.join("log_bad.csv")).unwrap();
    let parquet = glassbox_formats::parquet::write_csv_as_parquet(&csv_log).unwrap();
    std::fs::write(s.dir.join("log_bad.parquet"), parquet).unwrap();
    let monitor = |log: &str, out: &str| {
        glassbox(&[
            "monitor",
            &s.model,
            "--log",
            &s.path(log),
            "--time-column",
            "time",
            "--label-column",
            "label",
            "--out",
            &s.path(out),
        ])
    };
    assert_eq!(monitor("log_bad.csv", "csv").status.code(), Some(3));
    let o = monitor("log_bad.parquet", "parquet");
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    let (a, b) = (s.json("csv/monitor.json"), s.json("parquet/monitor.json"));
    assert_eq!(a["periods"], b["periods"]);
    assert_eq!((&a["alert"], &a["change"]), (&b["alert"], &b["change"]));

    // The training data as the drift reference, in Parquet or in CSV: the same drift.
    let penguins_parquet = format!("{}/tests/fixtures/formats/penguins.parquet", env!("CARGO_MANIFEST_DIR"));
    for (reference, out) in [(sample("penguins.csv"), "dc"), (penguins_parquet, "dp")] {
        let o = glassbox(&["drift", &s.model, &s.path("x18.csv"), "--reference", &reference, "--out", &s.path(out)]);
        assert!(o.status.success(), "{}", text(&o));
    }
    assert_eq!(s.json("dc/drift.json")["columns"], s.json("dp/drift.json")["columns"]);
}
