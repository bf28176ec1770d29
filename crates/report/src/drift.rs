//! `drift.html` and `monitor.html`: one self-contained page from a drift
//! report and (or) a decay series, as `report.html` is from a training
//! run. No script at all: each column's histogram folds open in a
//! `<details>`, and the policy forbids every request.

use std::fmt::Write;

use glassbox_charts::drift::{decay_svg, drift_histogram_svg, errors_svg};
use glassbox_pipeline::monitor::{short_number, ColumnDrift, Decay, DriftReport, ErrorDecay};

use crate::escape;

/// How the page was made, for its last section.
pub struct About {
    pub title: String,
    /// The model in words: kind, target, file name.
    pub model: String,
    pub model_sha256: String,
    /// The current data's (or log's) base name and SHA-256.
    pub data: String,
    pub data_sha256: String,
    /// Further lines: the settings, the reference, the command's options.
    pub lines: Vec<(String, String)>,
}

fn num(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() && v != 0.0 && v.abs() < 1e-4 => format!("{v:.2e}"),
        Some(v) if v.is_finite() => crate::fmt_metric(v),
        Some(_) => "∞".into(),
        None => "–".into(),
    }
}

fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:.1}%", 100.0 * v)
    } else {
        "–".into()
    }
}

/// The drift table's cells, the same in the app and the page: column,
/// test, statistic, threshold, verdict, PSI (with its band), missing.
pub fn drift_cells(c: &ColumnDrift) -> [String; 7] {
    let test = if c.tested() { c.method.clone() } else { "–".into() };
    let stat = match (c.statistic, c.p_value) {
        (_, Some(p)) => format!("p = {}", num(Some(p))),
        (s, None) => num(s),
    };
    let threshold = match (c.threshold, c.p_value.is_some()) {
        (Some(t), true) => format!("p < {t}"),
        (Some(t), false) => format!("≥ {t}"),
        (None, _) => "–".into(),
    };
    let verdict = if !c.tested() {
        c.note.clone().unwrap_or_else(|| "not tested".into())
    } else if c.drifted {
        "drift".into()
    } else {
        "no drift".into()
    };
    let psi = match (&c.psi, &c.psi_band) {
        (Some(p), Some(b)) => format!("{} ({b})", num(Some(*p))),
        _ => "–".into(),
    };
    let missing = if c.missing_current.is_finite() {
        format!("{} → {}", pct(c.missing_reference), pct(c.missing_current))
    } else {
        pct(c.missing_reference)
    };
    [c.column.clone(), test, stat, threshold, verdict, psi, missing]
}

pub const DRIFT_HEADERS: [&str; 7] = ["column", "test", "statistic", "threshold", "verdict", "PSI", "missing"];

/// The dataset's verdict in one sentence.
pub fn dataset_text(r: &DriftReport) -> String {
    format!(
        "{} of {} feature columns drifted (share {:.2}; the dataset drifts at {:.2} or more): {}",
        r.dataset.drifted_columns,
        r.dataset.tested_columns,
        r.dataset.share,
        r.dataset.threshold,
        if r.dataset.drifted { "dataset drift" } else { "no dataset drift" }
    )
}

/// One column's details: the method and why, the other statistics, new
/// and vanished levels.
pub fn column_details(c: &ColumnDrift) -> Vec<String> {
    let mut out = Vec::new();
    if c.tested() {
        out.push(format!("{}: {} ({})", c.method, c.method_text, c.chosen_by));
        let mut stats =
            vec![format!("PSI {}", num(c.psi)), format!("Jensen–Shannon {}", num(c.js)), format!("KL {}", num(c.kl))];
        if let Some(k) = c.ks {
            stats.push(format!("KS D {} (p {})", num(Some(k.statistic)), num(Some(k.p_value))));
        }
        if let Some(w) = c.wasserstein {
            stats.push(format!("Wasserstein / std {}", num(Some(w))));
        }
        if let Some(k) = c.chi2 {
            stats.push(format!("chi-square {} (p {})", num(Some(k.statistic)), num(Some(k.p_value))));
        }
        out.push(stats.join(" · "));
        out.push(format!(
            "{} reference and {} current values; computed on {}",
            c.reference_values, c.current_values, c.basis
        ));
    }
    if !c.new_levels.is_empty() {
        let levels: Vec<String> =
            c.new_levels.iter().take(10).map(|l| format!("'{}' ({})", l.level, l.count)).collect();
        out.push(format!("new levels: {}", levels.join(", ")));
    }
    if !c.vanished_levels.is_empty() {
        out.push(format!("levels gone: {}", c.vanished_levels.iter().take(10).cloned().collect::<Vec<_>>().join(", ")));
    }
    if let Some(s) = &c.spread {
        out.push(format!(
            "median {} → {}, mean {} → {}",
            short_number(s.reference[5]),
            short_number(s.current[5]),
            short_number(s.reference_mean),
            short_number(s.current_mean)
        ));
    }
    out
}

fn drift_section(h: &mut String, r: &DriftReport) {
    let _ = write!(
        h,
        "<h2>Data drift</h2><p data-testid=\"dataset-drift\" class=\"{}\"><b>{}</b></p><p class=\"muted\">Reference: {} ({} rows). Current: {} rows.</p>",
        if r.dataset.drifted { "warning" } else { "" },
        escape(&dataset_text(r)),
        escape(&r.basis),
        r.reference_rows,
        r.current_rows
    );
    if !r.top.is_empty() {
        h.push_str("<h3>The most severe, and what to do</h3><ol data-testid=\"top-drift\">");
        for t in &r.top {
            let _ = write!(h, "<li><b>{}</b>: {}</li>", escape(&t.column), escape(&t.suggestion));
        }
        h.push_str("</ol>");
    }
    h.push_str("<table data-testid=\"drift-table\"><thead><tr>");
    for head in DRIFT_HEADERS {
        let _ = write!(h, "<th>{head}</th>");
    }
    h.push_str("</tr></thead><tbody>");
    for c in &r.columns {
        h.push_str("<tr>");
        for cell in drift_cells(c) {
            let _ = write!(h, "<td>{}</td>", escape(&cell));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table>");
    h.push_str("<h3>Column by column</h3>");
    for c in r.columns.iter().filter(|c| c.tested()).chain(&r.target).chain(&r.prediction) {
        let _ = write!(h, "<details><summary>{} · {}</summary>", escape(&c.column), escape(&drift_cells(c)[4]));
        for line in column_details(c) {
            let _ = write!(h, "<p class=\"muted\">{}</p>", escape(&line));
        }
        h.push_str(&drift_histogram_svg(&c.histogram, &c.column));
        h.push_str("</details>");
    }
    if let Some(t) = &r.target {
        let _ = write!(
            h,
            "<p>Target <b>{}</b> (not counted in the share): {}.</p>",
            escape(&t.column),
            escape(&drift_cells(t)[4])
        );
    }
    for p in &r.prediction {
        let _ = write!(
            h,
            "<p data-testid=\"prediction-drift\">Prediction drift, <b>{}</b>: {} ({} {}).</p>",
            escape(&p.column),
            escape(&drift_cells(p)[4]),
            escape(&p.method),
            escape(&drift_cells(p)[2])
        );
    }
    for n in &r.notes {
        let _ = write!(h, "<p class=\"muted\">Note: {}.</p>", escape(n));
    }
}

/// The decay table's cells: period start, rows, F1, accuracy, ROC AUC, change.
pub fn decay_cells(d: &Decay) -> Vec<[String; 6]> {
    d.periods
        .iter()
        .map(|p| {
            [
                p.start.clone(),
                p.rows.to_string(),
                num(Some(p.f1)),
                num(Some(p.accuracy)),
                num(p.roc_auc),
                p.change.map_or("–".into(), |c| format!("{c:+.1}%")),
            ]
        })
        .collect()
}

fn decay_section(h: &mut String, d: &Decay) {
    let _ = write!(
        h,
        "<h2>Performance by {}</h2><p data-testid=\"decay-verdict\" class=\"{}\"><b>{}</b></p>",
        d.period.name(),
        if d.alert { "warning" } else { "" },
        escape(&d.message)
    );
    if let Some(r) = &d.reference {
        let _ = write!(
            h,
            "<p class=\"muted\">The model's test set: F1 {}, accuracy {}, ROC AUC {} ({} rows). Scores: {}; the alert fires below −{}% week over week.</p>",
            num(Some(r.f1)), num(Some(r.accuracy)), num(Some(r.roc_auc)), r.rows, escape(&d.f1_of), d.f1_drop
        );
    }
    let _ = write!(h, "<div data-testid=\"decay-chart\">{}</div>", decay_svg(&d.periods, d.reference.map(|r| r.f1)));
    h.push_str("<table><thead><tr><th>from</th><th>rows</th><th>F1</th><th>accuracy</th><th>ROC AUC</th><th>change</th></tr></thead><tbody>");
    for row in decay_cells(d) {
        h.push_str("<tr>");
        for cell in row {
            let _ = write!(h, "<td>{}</td>", escape(&cell));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table>");
}

/// A regressor's table cells: period start, rows, MAE, RMSE, mean error,
/// interval coverage (with the band its level allows), RMSE change.
pub fn errors_cells(d: &ErrorDecay) -> Vec<[String; 7]> {
    d.periods
        .iter()
        .map(|p| {
            [
                p.start.clone(),
                p.rows.to_string(),
                short_number(p.mae),
                short_number(p.rmse),
                short_number(p.bias),
                match (p.coverage, p.coverage_band) {
                    (Some(c), Some((lo, hi))) => {
                        format!("{:.1}% (band {:.1}–{:.1}%)", 100.0 * c, 100.0 * lo, 100.0 * hi)
                    }
                    (Some(c), None) => format!("{:.1}%", 100.0 * c),
                    _ => "–".into(),
                },
                p.rmse_change.map_or("–".into(), |c| format!("{c:+.1}%")),
            ]
        })
        .collect()
}

fn errors_section(h: &mut String, d: &ErrorDecay) {
    let _ = write!(
        h,
        "<h2>Errors by {}</h2><p data-testid=\"decay-verdict\" class=\"{}\"><b>{}</b></p>",
        d.period.name(),
        if d.alert { "warning" } else { "" },
        escape(&d.message)
    );
    if !d.alerts.is_empty() {
        h.push_str("<ul data-testid=\"error-alerts\">");
        for a in &d.alerts {
            let _ = write!(h, "<li>{}</li>", escape(&a.message));
        }
        // The same advice under several alerts is said once.
        h.push_str("</ul><p><b>What to do</b></p><ul data-testid=\"error-suggestions\">");
        for t in d.suggestions() {
            let _ = write!(h, "<li>{}</li>", escape(t));
        }
        h.push_str("</ul>");
    }
    if let Some(r) = &d.reference {
        let _ = write!(
            h,
            "<p class=\"muted\">The model's test set: MAE {}, RMSE {}, mean error {} ({} rows){}. An error is actual − prediction. The alerts: RMSE up more than {}% {} over {}; coverage below the binomial band of the interval's level; the mean error outside the test mean error ± 3 standard errors{}.</p>",
            short_number(r.mae),
            short_number(r.rmse),
            short_number(r.bias),
            r.rows,
            match (r.level, r.coverage) {
                (Some(l), Some(c)) => format!(", {}% intervals covering {:.1}%", short_number(100.0 * l), 100.0 * c),
                _ => String::new(),
            },
            d.rmse_rise,
            d.period.name(),
            d.period.name(),
            d.bias_band.map_or(String::new(), |(lo, hi)| format!(" ({} to {} for the last period)", short_number(lo), short_number(hi)))
        );
    }
    let _ = write!(h, "<div data-testid=\"decay-chart\">{}</div>", errors_svg(&d.periods, d.reference.map(|r| r.rmse)));
    h.push_str("<table data-testid=\"errors-table\"><thead><tr><th>from</th><th>rows</th><th>MAE</th><th>RMSE</th><th>mean error</th><th>interval coverage</th><th>RMSE change</th></tr></thead><tbody>");
    for row in errors_cells(d) {
        h.push_str("<tr>");
        for cell in row {
            let _ = write!(h, "<td>{}</td>", escape(&cell));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table>");
}

/// The page: drift, decay (a classifier's scores or a regressor's
/// errors), the alert payload, how it was made.
pub fn monitor_html(
    about: &About,
    drift: Option<&DriftReport>,
    decay: Option<&Decay>,
    errors: Option<&ErrorDecay>,
    payload: Option<&str>,
) -> String {
    let mut h = String::with_capacity(32 * 1024);
    // No script and no request: the page needs neither.
    h.push_str(&crate::page_head(&about.title, ""));
    let _ = write!(
        h,
        "<header><h1>{}</h1><p class=\"muted\">{} against <b>{}</b>.</p></header>",
        escape(&about.title),
        escape(&about.model),
        escape(&about.data)
    );
    if let Some(d) = decay {
        decay_section(&mut h, d);
    }
    if let Some(d) = errors {
        errors_section(&mut h, d);
    }
    if let Some(r) = drift {
        drift_section(&mut h, r);
    }
    if let Some(p) = payload {
        let _ = write!(h, "<h2>Alert payload</h2><pre data-testid=\"alert-payload\">{}</pre>", escape(p));
    }
    h.push_str("<h2>How this was made</h2><table>");
    let mut rows = vec![
        ("model".to_string(), about.model.clone()),
        ("model SHA-256".to_string(), about.model_sha256.clone()),
        ("data".to_string(), about.data.clone()),
        ("data SHA-256".to_string(), about.data_sha256.clone()),
        ("Glassbox".to_string(), glassbox_pipeline::VERSION.to_string()),
    ];
    rows.extend(about.lines.iter().cloned());
    for (k, v) in rows {
        let _ = write!(h, "<tr><th>{}</th><td>{}</td></tr>", escape(&k), escape(&v));
    }
    h.push_str("</table></body></html>\n");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_pipeline::ingest::ReadOptions;
    use glassbox_pipeline::monitor::DriftSettings;
    use glassbox_pipeline::{train, TrainSpec};

    #[test]
    fn hostile_names_and_levels_are_escaped_and_the_page_has_no_script() {
        let mut csv = String::from("<b>x</b>,\"c&<i>\",y\n");
        for i in 0..60 {
            csv.push_str(&format!("{},{},{}\n", i % 10, ["<script>", "b&c"][i % 2], ["yes", "no"][(i / 3) % 2]));
        }
        let model = train(csv.as_bytes(), "t.csv", &TrainSpec::for_target("y")).unwrap().model;
        let current = csv.replace("b&c", "<img src=x onerror=alert(1)>");
        let r = glassbox_pipeline::watch::drift_bytes(
            &model,
            current.as_bytes(),
            None,
            &ReadOptions::default(),
            &DriftSettings::default(),
        )
        .unwrap();
        assert!(r.columns.iter().any(|c| c.new_levels.iter().any(|l| l.level.contains("<img"))));
        let about = About {
            title: "t".into(),
            model: "<model>".into(),
            model_sha256: "0".into(),
            data: "<data>.csv".into(),
            data_sha256: "1".into(),
            lines: vec![],
        };
        let html = monitor_html(&about, Some(&r), None, None, Some("{\"text\":\"<x>\"}"));
        assert!(
            !html.contains("<img") && !html.contains("<script") && !html.contains("<b>x") && !html.contains("<model>")
        );
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(html.contains("default-src 'none'"));
    }
}
