//! `comparison.html`: `glassbox retrain`'s decision on one self-contained
//! page, from the comparison the pipeline computed. No script; the policy
//! forbids every request.

use std::fmt::Write;

use glassbox_pipeline::retrain::Comparison;

use crate::escape;

fn number(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        "–".into()
    }
}

fn signed(v: f64) -> String {
    if v.is_finite() {
        format!("{v:+.4}")
    } else {
        "–".into()
    }
}

/// The page: the verdict, the metrics side by side with each difference and
/// its interval, the rule, and what was compared.
pub fn render(c: &Comparison, current_file: &str, new_data: &str) -> String {
    let mut h = crate::page_head("Glassbox retrain: comparison", "");
    let _ = write!(
        h,
        "<header><h1>Retrain: the new model against the current one</h1><p class=\"{}\" data-testid=\"verdict\">{}.</p></header>",
        if c.promoted { "muted" } else { "warning" },
        escape(&c.verdict)
    );
    let _ = write!(
        h,
        "<h2>On the same held-out rows</h2><table data-testid=\"comparison\"><thead><tr><th>metric</th><th>current</th><th>new</th><th>difference</th><th>{:.0}% interval</th><th>beyond noise</th></tr></thead><tbody>",
        c.level * 100.0
    );
    for m in &c.metrics {
        let interval =
            m.interval.as_ref().map_or("–".to_string(), |i| format!("{} to {}", signed(i.low), signed(i.high)));
        let _ = write!(
            h,
            "<tr><th>{} ({} is better)</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(glassbox_pipeline::retrain::words(&m.metric)),
            if m.higher_is_better { "higher" } else { "lower" },
            number(m.current),
            number(m.challenger),
            signed(m.difference),
            interval,
            if m.beyond_noise { "yes" } else { "no" }
        );
    }
    h.push_str("</tbody></table>");
    let rows = [
        ("rule", c.rule.clone()),
        ("rows compared", format!("{} ({})", c.rows, c.held_out)),
        ("held-out rows the current model could not read", c.rows_unscored.to_string()),
        ("current model", format!("{} ({}), {}", c.current.model, c.current.params, current_file)),
        ("new model", format!("{} ({}), trained on {}", c.challenger.model, c.challenger.params, new_data)),
        ("current model trained on (SHA-256)", c.current.trained_on.clone()),
        ("new data (SHA-256)", c.challenger.trained_on.clone()),
        ("bootstrap", format!("{} resamples, seed {}", c.resamples, c.seed)),
    ];
    h.push_str("<h2>How this was decided</h2><table class=\"manifest\"><tbody>");
    for (k, v) in rows {
        let _ = write!(h, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(&v));
    }
    h.push_str("</tbody></table></body></html>\n");
    h
}
