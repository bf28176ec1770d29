//! `glassbox serve` end to end: the real binary on a free loopback port,
//! spoken to over TCP as any HTTP client would.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_glassbox")
}

fn sample(name: &str) -> String {
    format!("{}/../../public/samples/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn train(dir: &Path, data: &str, target: &str, model: &str) -> String {
    let out = dir.join(format!("{target}-{model}"));
    let o = Command::new(bin())
        .args(["train", data, "--target", target, "--model", model, "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out.join("model.json").to_string_lossy().into_owned()
}

/// `glassbox predict`'s CSV for `data` with the model at `model_path`.
fn predict(dir: &Path, model_path: &str, data: &str) -> String {
    let preds = dir.join("p.csv");
    let o = Command::new(bin()).args(["predict", model_path, data, "--out", preds.to_str().unwrap()]).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read_to_string(&preds).unwrap()
}

/// A running server; killed when dropped, if a test has not stopped it.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(model: &str, extra: &[&str]) -> Server {
    let mut child = Command::new(bin())
        .args(["serve", model, "--port", "0"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
    let port = line
        .split("http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"));
    Server { child, port }
}

/// One HTTP/1.1 request on its own connection: (status, body).
fn http(port: u16, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    // The server may answer (413) before reading a large body; a write error then is expected.
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text_end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a full response head");
    let head = String::from_utf8_lossy(&raw[..text_end]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, raw[text_end + 4..].to_vec())
}

fn post(port: u16, body: &Value) -> (u16, Value) {
    let (status, bytes) = http(port, "POST", "/predict", body.to_string().as_bytes());
    (status, serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes))))
}

/// The CSV's rows as JSON objects keyed by the header's names, numbers as
/// JSON numbers and `NA` or empty cells as null.
fn rows_as_json(csv: &str) -> Vec<Value> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            let mut o = serde_json::Map::new();
            for (h, cell) in header.iter().zip(l.split(',')) {
                let v = match cell {
                    "" | "NA" => Value::Null,
                    c => c.parse::<f64>().map(|x| json!(x)).unwrap_or_else(|_| json!(c)),
                };
                o.insert(h.to_string(), v);
            }
            Value::Object(o)
        })
        .collect()
}

#[test]
fn answers_equal_glassbox_predict_bit_for_bit() {
    let tmp = tempfile::tempdir().unwrap();
    let data = sample("penguins.csv");
    for (target, model) in [("species", "random_forest"), ("sex", "logistic_regression"), ("sex", "gradient_boosting")]
    {
        let model_path = train(tmp.path(), &data, target, model);
        let expected = predict(tmp.path(), &model_path, &data);
        let mut expected = expected.lines();
        let header: Vec<&str> = expected.next().unwrap().split(',').collect();

        let server = start(&model_path, &[]);
        let rows = rows_as_json(&std::fs::read_to_string(&data).unwrap());
        let (status, answers) = post(server.port, &Value::Array(rows.clone()));
        assert_eq!(status, 200, "{answers}");
        let answers = answers.as_array().unwrap();
        assert_eq!(answers.len(), rows.len());
        for (i, (a, line)) in answers.iter().zip(expected).enumerate() {
            let cells: Vec<&str> = line.split(',').collect();
            let cell = |name: &str| cells[header.iter().position(|h| *h == name).unwrap()];
            let num = |name: &str| cell(name).parse::<f64>().unwrap();
            assert_eq!(a["prediction"], cell("prediction"), "{model} row {i}");
            for (class, p) in a["probabilities"].as_object().unwrap() {
                assert_eq!(p.as_f64().unwrap(), num(&format!("proba_{class}")), "{model} row {i} class {class}");
            }
            assert_eq!(a["probability"].as_f64().unwrap(), num("probability"), "{model} row {i}");
            let ci = a["confidence_interval"].as_array().unwrap();
            assert_eq!((ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap()), (num("ci_low"), num("ci_high")));
            // The merged probability lies in its interval.
            assert!(num("ci_low") <= num("probability") && num("probability") <= num("ci_high"));
        }
        // One object gets one answer (not an array), equal to the batch's.
        let (status, one) = post(server.port, &rows[0]);
        assert_eq!((status, &one), (200, &answers[0]));
    }
}

#[test]
fn a_regressor_answers_its_number_and_interval_as_glassbox_predict_does() {
    let tmp = tempfile::tempdir().unwrap();
    let data = sample("concrete.csv");
    for model in ["gradient_boosting", "ridge"] {
        let model_path = train(tmp.path(), &data, "compressive_strength", model);
        let expected = predict(tmp.path(), &model_path, &data);
        let mut expected = expected.lines();
        assert_eq!(expected.next(), Some("prediction,pi_low,pi_high,issue"));

        let server = start(&model_path, &[]);
        let rows: Vec<Value> = rows_as_json(&std::fs::read_to_string(&data).unwrap())
            .into_iter()
            .map(|mut r| {
                r.as_object_mut().unwrap().remove("compressive_strength");
                r
            })
            .collect();
        let (status, answers) = post(server.port, &Value::Array(rows.clone()));
        assert_eq!(status, 200, "{answers}");
        let answers = answers.as_array().unwrap();
        assert_eq!(answers.len(), 1030);
        for (i, (a, line)) in answers.iter().zip(expected).enumerate() {
            let cells: Vec<f64> = line.split(',').take(3).map(|c| c.parse().unwrap()).collect();
            let pi = a["prediction_interval"].as_array().unwrap();
            assert_eq!(
                [a["prediction"].as_f64().unwrap(), pi[0].as_f64().unwrap(), pi[1].as_f64().unwrap()][..],
                cells[..],
                "{model} row {i}"
            );
            assert_eq!(a["interval_level"], 0.9);
            assert_eq!(a["warnings"], json!([]));
        }
        let (status, one) = post(server.port, &rows[0]);
        assert_eq!((status, &one), (200, &answers[0]));
        let (_, health) = http(server.port, "GET", "/health", b"");
        let health: Value = serde_json::from_slice(&health).unwrap();
        assert_eq!((&health["task"], &health["interval_level"]), (&json!("regression"), &json!(0.9)));
        let (_, doc) = http(server.port, "GET", "/openapi.json", b"");
        let doc: Value = serde_json::from_slice(&doc).unwrap();
        let answer = &doc["components"]["schemas"]["Prediction"];
        assert_eq!(answer["properties"]["prediction"]["type"], "number");
        assert!(
            doc["info"]["description"]
                .as_str()
                .unwrap()
                .contains("90% conformal interval (split conformal, 165 calibration rows held out of the fit)"),
            "{doc}"
        );
        // A text value where a number belongs is refused, naming the field.
        let mut bad = rows[0].clone();
        bad["cement"] = json!("lots");
        let (status, e) = post(server.port, &bad);
        assert_eq!(status, 422, "{e}");
        assert!(e.to_string().contains("cement"), "{e}");
    }
}

#[test]
fn health_schema_and_openapi_describe_the_model() {
    let tmp = tempfile::tempdir().unwrap();
    let model_path = train(tmp.path(), &sample("penguins.csv"), "species", "decision_tree");
    let model_bytes = std::fs::read(&model_path).unwrap();
    let model: Value = serde_json::from_slice(&model_bytes).unwrap();
    let server = start(&model_path, &[]);
    let (status, body) = http(server.port, "GET", "/health", b"");
    assert_eq!(status, 200);
    let h: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(h["status"], "ok");
    assert_eq!(h["format_version"], model["format_version"]);
    assert_eq!(h["classes"], json!(["Adelie", "Chinstrap", "Gentoo"]));
    assert_eq!(h["training_sha256"], model["provenance"]["input_sha256"]);
    let sha = h["model_sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64);
    assert_eq!(sha, glassbox_pipeline::run::sha256_hex(&model_bytes));

    let (_, body) = http(server.port, "GET", "/schema", b"");
    let s: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(s["type"], "object");
    assert!(s["properties"].get("species").is_none(), "the target is not an input");
    assert_eq!(s["properties"]["island"]["examples"], json!(["Biscoe", "Dream", "Torgersen"]));
    assert!(s["required"].as_array().unwrap().contains(&json!("bill_length_mm")));
    let (_, body) = http(server.port, "GET", "/openapi.json", b"");
    let o: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(o["openapi"], "3.1.0");
    assert_eq!(o["components"]["schemas"]["Row"]["properties"], s["properties"]);
    let (status, body) = http(server.port, "GET", "/nope", b"");
    assert_eq!(status, 404, "{}", String::from_utf8_lossy(&body));
}

#[test]
fn bad_requests_get_4xx_with_every_field_named_and_the_server_stays_up() {
    let tmp = tempfile::tempdir().unwrap();
    let model_path = train(tmp.path(), &sample("penguins.csv"), "species", "logistic_regression");
    let server = start(&model_path, &["--max-body", "65536", "--max-batch", "50"]);
    let good = json!({"island": "Dream", "bill_length_mm": 45.0, "bill_depth_mm": 17.0,
        "flipper_length_mm": 190, "body_mass_g": 3700, "sex": "female", "year": 2008});
    let v = bad_bodies(server.port, &good, ["bill_length_mm", "body_mass_g", "sex", "year"]);
    assert!(v.to_string().contains("'Infinity' is not a finite number"), "{v}");
    // An unseen category is scored and named in the warnings; so is a null.
    let mut unseen = good.clone();
    unseen["island"] = json!("Atlantis");
    unseen["sex"] = Value::Null;
    let (status, a) = post(server.port, &unseen);
    assert_eq!(status, 200, "{a}");
    let w = a["warnings"].to_string();
    assert!(w.contains("'Atlantis' is a level not seen in training") && w.contains("field 'sex' is null"), "{w}");
    let (status, a) = post(server.port, &good);
    assert_eq!(status, 200, "{a}");
    assert!(["Adelie", "Chinstrap", "Gentoo"].contains(&a["prediction"].as_str().unwrap()), "{a}");
}

/// The corpus of bad bodies every model's server answers with a 4xx that
/// names what is wrong, and still answers after. `fields` are four fields
/// of `good`: the first two numeric, the third given a list, the last
/// left out; returns the 422 answer that names them.
fn bad_bodies(port: u16, good: &Value, fields: [&str; 4]) -> Value {
    let check = |body: &[u8], status: u16, reason: &str| {
        let (got, bytes) = http(port, "POST", "/predict", body);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        assert_eq!(got, status, "{} -> {text}", String::from_utf8_lossy(&body[..body.len().min(80)]));
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
        assert!(v["errors"].to_string().contains(reason), "expected {reason:?} in {text}");
        v
    };
    check(b"", 400, "not valid JSON");
    check(b"{", 400, "not valid JSON");
    check(b"nul", 400, "not valid JSON");
    check(b"\xff\xfe{}", 400, "not valid JSON");
    check(b"null", 400, "the body is null");
    check(b"42", 400, "the body is a number");
    check(b"\"row\"", 400, "the body is text");
    check(b"[1, 2]", 400, "item 0 of the array is a number");
    check(format!("{{\"{}\": 1e400}}", fields[0]).as_bytes(), 400, "not valid JSON");
    check(format!("{{\"{}\": NaN}}", fields[0]).as_bytes(), 400, "not valid JSON");
    check(&[b'['; 10_000], 400, "not valid JSON");
    check(&vec![b' '; 70_000], 413, "larger than the limit");
    let batch = Value::Array(vec![good.clone(); 51]);
    check(batch.to_string().as_bytes(), 413, "51 rows, more than the limit of 50");
    // Every wrong field of every row is named, with the row.
    let mut wrong = good.clone();
    wrong[fields[0]] = json!("long");
    wrong[fields[1]] = json!("Infinity");
    wrong[fields[2]] = json!([1]);
    wrong.as_object_mut().unwrap().remove(fields[3]);
    let v = check(Value::Array(vec![good.clone(), wrong]).to_string().as_bytes(), 422, "expected a number");
    let errors = v["errors"].as_array().unwrap();
    let mut named: Vec<(i64, &str)> =
        errors.iter().map(|e| (e["row"].as_i64().unwrap(), e["field"].as_str().unwrap())).collect();
    named.sort();
    let mut want: Vec<(i64, &str)> = fields.iter().map(|f| (1, *f)).collect();
    want.sort();
    assert_eq!(named, want, "{v}");
    assert!(v.to_string().contains(&format!("column '{}' is missing", fields[3])), "{v}");
    // A request that is not HTTP at all is answered or dropped, never fatal.
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"\x00\x01garbage\r\n\r\n").unwrap();
    let mut sink = Vec::new();
    let _ = s.read_to_end(&mut sink);
    let (status, _) = http(port, "GET", "/health", b"");
    assert_eq!(status, 200, "the server still answers after the corpus");
    v
}

#[test]
fn a_regressors_server_answers_the_bad_body_corpus_in_words_too() {
    let tmp = tempfile::tempdir().unwrap();
    let model_path = train(tmp.path(), &sample("concrete.csv"), "compressive_strength", "gradient_boosting");
    let server = start(&model_path, &["--max-body", "65536", "--max-batch", "50"]);
    let good = json!({"cement": 540.0, "blast_furnace_slag": 0.0, "fly_ash": 0.0, "water": 162.0,
        "superplasticizer": 2.5, "coarse_aggregate": 1040.0, "fine_aggregate": 676.0, "age": 28});
    let v = bad_bodies(server.port, &good, ["cement", "water", "age", "fly_ash"]);
    assert!(v.to_string().contains("'Infinity' is not a finite number"), "{v}");
    let (status, a) = post(server.port, &good);
    assert_eq!(status, 200, "{a}");
    let p = a["prediction"].as_f64().unwrap();
    let [lo, hi] = [a["prediction_interval"][0].as_f64().unwrap(), a["prediction_interval"][1].as_f64().unwrap()];
    assert!(lo < p && p < hi && a["interval_level"] == 0.9, "{a}");
}

#[test]
fn sigterm_drains_and_flushes_every_logged_row() {
    let tmp = tempfile::tempdir().unwrap();
    let model_path = train(tmp.path(), &sample("iris.csv"), "species", "knn");
    let log = tmp.path().join("predictions.jsonl");
    let mut server = start(&model_path, &["--log", log.to_str().unwrap()]);
    // Keyed by the training file's own header names.
    let row =
        json!({"sepal length (cm)": 5.1, "sepal width (cm)": 3.5, "petal length (cm)": 1.4, "petal width (cm)": 0.2});
    for _ in 0..20 {
        assert_eq!(post(server.port, &row).0, 200);
    }
    assert_eq!(post(server.port, &Value::Array(vec![row.clone(); 5])).0, 200);
    // A refused request is not a scored row and is not logged.
    assert_eq!(post(server.port, &json!({})).0, 422);
    let term = Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().unwrap();
    assert!(term.success());
    let status = server.child.wait().unwrap();
    assert!(status.success(), "exit {status:?}");
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 25);
    let model_sha = glassbox_pipeline::run::sha256_hex(&std::fs::read(&model_path).unwrap());
    for l in &lines {
        assert_eq!(l["model_sha256"], model_sha.as_str());
        assert_eq!(l["input"], row);
        assert!(l["time"].as_str().unwrap().ends_with('Z'), "UTC: {l}");
        assert_eq!(l["prediction"], "setosa");
        assert_eq!(l["confidence_interval"].as_array().unwrap().len(), 2);
    }
}

#[test]
fn a_file_that_is_not_a_model_is_refused_before_serving() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("model.json");
    std::fs::write(&bad, b"{\"format_version\": 99}").unwrap();
    let o = Command::new(bin()).args(["serve", bad.to_str().unwrap(), "--port", "0"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("model.json: the model file has format_version 99, newer than"), "{stderr}");
    std::fs::write(&bad, b"not json").unwrap();
    let o = Command::new(bin()).args(["serve", bad.to_str().unwrap(), "--port", "0"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a Glassbox model file: invalid JSON"));
}
