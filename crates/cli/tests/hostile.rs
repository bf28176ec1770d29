//! Hostile strings through every output the CLI writes: class labels,
//! column names and category values that are markup, spreadsheet formulas,
//! bidirectional overrides and quoted line breaks, trained on and carried
//! into `report.html`, `report.pdf`, the predictions CSV, `drift.html` and
//! the alert payload. Each output must show them as text and never act on
//! them: no markup from the data in a page, no formula in a cell.

use std::path::Path;
use std::process::Command;

const SCRIPT: &str = "<script>alert(1)</script>";
// The formula also carries a Slack mention, since it is the class the alert names.
const FORMULA: &str = "=HYPERLINK(\"http://x.test\",\"<!channel>\")";
const BIDI: &str = "\u{202e}evil\u{202c}";
const IMG: &str = "<img src=x onerror=alert(2)>";

fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Eighty rows: the target's classes are a script and a formula, a column
/// is named with markup, and a category column holds every hostile string.
fn hostile_csv() -> String {
    let mut csv = format!("{},{},{}\n", quoted(IMG), quoted(&format!("note {BIDI}")), quoted("label a\"b,c\nd"));
    let notes = [SCRIPT, FORMULA, BIDI, IMG, "plain"];
    for i in 0..80 {
        let class = if i % 2 == 0 { SCRIPT } else { FORMULA };
        let x = f64::from(i % 2) * 3.0 + f64::from(i % 7) * 0.3;
        csv.push_str(&format!("{x},{},{}\n", quoted(notes[i as usize % notes.len()]), quoted(class)));
    }
    csv
}

fn glassbox(args: &[&str]) -> std::process::Output {
    let o = Command::new(env!("CARGO_BIN_EXE_glassbox")).args(args).output().expect("the binary runs");
    assert!(
        o.status.code().is_some_and(|c| c == 0 || c == 3),
        "glassbox {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// The text inside every `<script ...>` element of a page.
fn script_bodies(html: &str) -> Vec<&str> {
    html.split("<script")
        .skip(1)
        .map(|s| s.split_once('>').map_or("", |(_, rest)| rest.split("</script>").next().unwrap_or("")))
        .collect()
}

/// A page shows the data as escaped text: no element, attribute or script from it.
fn check_page(name: &str, html: &str) {
    for raw in [SCRIPT, IMG, "onerror=alert(2)>"] {
        assert!(!html.contains(raw), "{name} holds {raw:?} unescaped");
    }
    for body in script_bodies(html) {
        assert!(
            !body.contains("alert("),
            "{name}: the data reached a script element: {}",
            &body[..body.len().min(200)]
        );
    }
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") || html.contains("&lt;img"),
        "{name} does not show the hostile text at all"
    );
}

fn train(dir: &Path) {
    std::fs::write(dir.join("hostile.csv"), hostile_csv()).unwrap();
    let data = dir.join("hostile.csv");
    glassbox(&[
        "train",
        data.to_str().unwrap(),
        "--target",
        "label_a_b_c_d",
        "--out",
        dir.join("run").to_str().unwrap(),
    ]);
}

#[test]
fn report_html_shows_hostile_labels_and_names_as_text() {
    let dir = tempfile::tempdir().unwrap();
    train(dir.path());
    let html = std::fs::read_to_string(dir.path().join("run/report.html")).unwrap();
    check_page("report.html", &html);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the class label is shown, escaped");
}

#[test]
fn report_pdf_shows_hostile_labels_as_literal_text() {
    let dir = tempfile::tempdir().unwrap();
    train(dir.path());
    let o = Command::new("pdftotext")
        .args([dir.path().join("run/report.pdf").to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) runs");
    assert!(o.status.success(), "pdftotext could not read the report");
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains(SCRIPT), "the class label is in the PDF as it is written");
    assert!(text.contains("=HYPERLINK"), "the formula label is in the PDF as text");
}

#[test]
fn predictions_csv_neutralises_formulas_in_every_cell() {
    let dir = tempfile::tempdir().unwrap();
    train(dir.path());
    let out = dir.path().join("predictions.csv");
    glassbox(&[
        "predict",
        dir.path().join("run/model.json").to_str().unwrap(),
        dir.path().join("hostile.csv").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&out).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let mut formulas = 0;
    for record in reader.records() {
        for cell in record.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']) || cell.parse::<f64>().is_ok(),
                "a cell a spreadsheet would run: {cell:?}"
            );
            formulas += usize::from(cell.starts_with("'=HYPERLINK"));
        }
    }
    assert!(formulas > 0, "the formula label is kept, as text with a leading quote");
    let header = reader.headers().unwrap().clone();
    assert!(header.iter().any(|h| h.contains("HYPERLINK")) || header.iter().all(|h| !h.starts_with('=')), "{header:?}");
}

#[test]
fn drift_html_and_the_alert_payload_carry_hostile_values_as_text() {
    let dir = tempfile::tempdir().unwrap();
    train(dir.path());
    let model = dir.path().join("run/model.json");
    let data = dir.path().join("hostile.csv");
    let out = dir.path().join("drift");
    glassbox(&["drift", model.to_str().unwrap(), data.to_str().unwrap(), "--out", out.to_str().unwrap()]);
    let html = std::fs::read_to_string(out.join("drift.html")).unwrap();
    for raw in [SCRIPT, IMG] {
        assert!(!html.contains(raw), "drift.html holds {raw:?} unescaped");
    }
    for body in script_bodies(&html) {
        assert!(!body.contains("alert("), "drift.html: the data reached a script element");
    }

    // A prediction log whose labels are the hostile classes, for the alert.
    let predictions = dir.path().join("predictions.csv");
    glassbox(&["predict", model.to_str().unwrap(), data.to_str().unwrap(), "--out", predictions.to_str().unwrap()]);
    let text = std::fs::read_to_string(&predictions).unwrap();
    let mut log = String::new();
    for (i, line) in text.lines().enumerate() {
        let label = if i == 0 { "label".to_string() } else { quoted(if i % 3 == 0 { SCRIPT } else { FORMULA }) };
        let time = if i == 0 { "time".to_string() } else { format!("2026-11-{:02}T10:00:00Z", 1 + i % 28) };
        log.push_str(&format!("{line},{time},{label}\n"));
    }
    std::fs::write(dir.path().join("log.csv"), log).unwrap();
    let mon = dir.path().join("mon");
    let o = glassbox(&[
        "monitor",
        model.to_str().unwrap(),
        "--log",
        dir.path().join("log.csv").to_str().unwrap(),
        "--time-column",
        "time",
        "--label-column",
        "label",
        "--current",
        data.to_str().unwrap(),
        "--out",
        mon.to_str().unwrap(),
        "--dry-run",
    ]);
    // The payload is printed as one JSON object on its own lines, before
    // the line naming monitor.json.
    let stdout = String::from_utf8_lossy(&o.stdout);
    let start = stdout.find("\n{").map_or(0, |i| i + 1);
    let payload: serde_json::Value = serde_json::Deserializer::from_str(&stdout[start..])
        .into_iter()
        .next()
        .expect("the dry run prints the payload")
        .expect("the payload is JSON");
    let payload = payload.to_string();
    assert!(payload.contains("blocks"), "a Slack payload: {payload}");
    assert!(payload.contains("&lt;!channel&gt;"), "the alert names the hostile class, escaped: {payload}");
    // Slack reads <...> in mrkdwn as a link or a mention: data must come escaped.
    for raw in ["<script>", "<img", "<!channel>"] {
        assert!(!payload.contains(raw), "the alert payload holds {raw:?} unescaped: {payload}");
    }
    let page = std::fs::read_to_string(mon.join("monitor.html")).unwrap();
    for raw in [SCRIPT, IMG] {
        assert!(!page.contains(raw), "monitor.html holds {raw:?} unescaped");
    }
}
