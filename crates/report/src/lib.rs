//! The report: one self-contained HTML file from a training outcome.
//!
//! Inline CSS, inline SVG, a few lines of inline JavaScript for the confusion
//! matrix, and a Content-Security-Policy that forbids every network request,
//! so the file opens offline and can be mailed around. Every string that comes
//! from the data (file name, column names, class labels) is HTML-escaped, and
//! only the input's base name appears, never a local path. Nothing time-based
//! goes in: the same run gives the same bytes.
//!
//! ```
//! # use glassbox_pipeline::{train, TrainSpec};
//! # let csv = b"x,y\n1,a\n2,a\n3,a\n4,a\n5,a\n6,b\n7,b\n8,b\n9,b\n10,b\n";
//! let outcome = train(csv, "tiny.csv", &TrainSpec::for_target("y")).unwrap();
//! let html = glassbox_report::render(&outcome);
//! assert!(html.contains("tiny.csv"));
//! ```

#![forbid(unsafe_code)]

use std::fmt::Write;

pub mod comparison;
pub mod drift;
pub mod regression;
pub mod search;

pub use search::{convergence_chart, search_html};

use glassbox_charts::confusion::{cell_colors, cell_stats, cell_title, legend_html, CORRECT_MARK};
use glassbox_pipeline::metrics::ClassScores;
use glassbox_pipeline::run::Role;
use glassbox_pipeline::TrainOutcome;

/// "659 / 206", or with a calibration slice "659 (+ 165 calibrating the interval) / 206".
pub fn training_rows(m: &glassbox_pipeline::run::Manifest) -> String {
    match m.n_calibration {
        0 => format!("{} / {}", m.n_train, m.n_test),
        c => format!("{} (+ {c} calibrating the interval) / {}", m.n_train, m.n_test),
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// The headline metrics, each with what doing nothing (the baseline) scores:
/// (name, test id, value, baseline). Balanced accuracy joins them when the
/// classes are imbalanced, where accuracy alone flatters.
pub fn headline(o: &TrainOutcome) -> Vec<(&'static str, &'static str, String, String)> {
    let (e, b) = (&o.evaluation, &o.baseline);
    let mut rows = vec![("accuracy", "accuracy", fmt_metric(e.accuracy), fmt_metric(b.accuracy))];
    if o.imbalanced() {
        let balanced = glassbox_pipeline::metrics::balanced_accuracy(e);
        rows.push(("balanced accuracy", "balanced-accuracy", fmt_metric(balanced), fmt_metric(b.balanced_accuracy)));
    }
    rows.extend([
        ("ROC AUC", "roc-auc", fmt_metric(e.roc_auc), fmt_metric(b.roc_auc)),
        ("log loss", "log-loss", fmt_metric(e.log_loss), fmt_metric(b.log_loss)),
        ("average precision", "average-precision", fmt_metric(e.average_precision), fmt_metric(b.average_precision)),
        ("Brier score", "brier", fmt_metric(e.brier), fmt_metric(b.brier)),
    ]);
    rows
}

/// A metric with four decimals, as the app shows it.
pub use glassbox_pipeline::metrics::fmt4 as fmt_metric;

const STYLE: &str = r#"
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#5b6470;--bg:#fff;--line:#d8dde3;--accent:#0a62a8}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ed;--muted:#9aa4b1;--bg:#15181c;--line:#333a42;--accent:#6cb4f0}}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:980px;padding:24px;line-height:1.45}
h1{font-size:1.5rem;margin:0 0 4px}h2{font-size:1.1rem;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.muted{color:var(--muted)}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{padding:4px 10px;text-align:right;border-bottom:1px solid var(--line)}
th:first-child,td:first-child{text-align:left}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:1.4rem;font-variant-numeric:tabular-nums}
#cm td.cell{text-align:center;min-width:64px;height:44px;border:1px solid var(--bg);cursor:default}
.cm-legend{font-size:.82rem;color:var(--muted)}.cm-bar{display:inline-block;width:90px;height:10px;border:1px solid var(--line);vertical-align:middle;margin:0 10px 0 4px}
#cm th.axis{font-weight:normal;color:var(--muted)}
button{font:inherit;padding:4px 12px;border:1px solid var(--accent);background:transparent;color:var(--accent);border-radius:4px;cursor:pointer}
button:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
#cm-detail{min-height:1.5em}
svg{max-width:100%;height:auto;background:#fff}
.charts{display:flex;flex-wrap:wrap;gap:16px}.charts>div{flex:1 1 420px}
.manifest td{text-align:left;overflow-wrap:anywhere}
.schema td,.schema th{text-align:left}.report td{white-space:nowrap}.report.prose td{white-space:normal}.report .wrap{white-space:normal;text-align:left}.schema td.notes{color:var(--muted);font-size:.9em}
.warning{border-left:4px solid #c77700;padding:4px 10px}
"#;

/// The inline script: hover details and the counts / normalised toggle.
const SCRIPT: &str = r#"
(function(){
var m=document.getElementById('cm'),b=document.getElementById('cm-toggle'),d=document.getElementById('cm-detail'),norm=false;
b.addEventListener('click',function(){norm=!norm;b.textContent=norm?'Show counts':'Normalise by true class';b.setAttribute('aria-pressed',String(norm));
m.querySelectorAll('td.cell').forEach(function(td){td.querySelector('.v').textContent=norm?td.getAttribute('data-norm'):td.getAttribute('data-count');
td.querySelector('.s').textContent=norm?'('+td.getAttribute('data-count')+')':'';});});
function show(e){var td=e.target.closest('td.cell');if(td)d.textContent=td.getAttribute('title');}
m.addEventListener('mouseover',show);m.addEventListener('focusin',show);
var s=document.getElementById('thr');if(!s)return;
var pts=JSON.parse(document.getElementById('thr-points').textContent),f=function(v){return v.toFixed(4);},
r=function(a,b){return b?a/b:0;};
function upd(){var i=Number(s.value),p=pts[i],tn=p[0],fp=p[1],fn=p[2],tp=p[3];
document.getElementById('thr-v').textContent=f(i/100);
var c=document.querySelectorAll('#thr-m td');c[0].textContent=tn;c[1].textContent=fp;c[2].textContent=fn;c[3].textContent=tp;
document.getElementById('thr-s').textContent='precision '+f(r(tp,tp+fp))+' · recall '+f(r(tp,tp+fn))+' · F1 '+f(r(2*tp,2*tp+fp+fn))+' · accuracy '+f(r(tp+tn,tp+tn+fp+fn));}
s.addEventListener('input',upd);upd();
})();
"#;

fn scores_cells(label: &str, s: &ClassScores) -> [String; 5] {
    [label.to_string(), fmt_metric(s.precision), fmt_metric(s.recall), fmt_metric(s.f1), s.support.to_string()]
}

/// The classification report's rows, shaped like scikit-learn's: per class,
/// accuracy, macro and weighted averages (label, precision, recall, f1, support).
pub fn classification_rows(o: &TrainOutcome) -> Vec<[String; 5]> {
    let e = &o.evaluation;
    let mut rows: Vec<[String; 5]> = o.classes.iter().zip(&e.per_class).map(|(l, s)| scores_cells(l, s)).collect();
    rows.push([
        "accuracy".to_string(),
        String::new(),
        String::new(),
        fmt_metric(e.accuracy),
        e.macro_avg.support.to_string(),
    ]);
    rows.push(scores_cells("macro avg", &e.macro_avg));
    rows.push(scores_cells("weighted avg", &e.weighted_avg));
    rows
}

/// The classification report table, shaped like scikit-learn's.
pub fn classification_report_html(o: &TrainOutcome) -> String {
    let mut t = String::from(
        "<table class=\"report\"><thead><tr><th></th><th>precision</th><th>recall</th><th>f1-score</th><th>support</th></tr></thead><tbody>",
    );
    for row in classification_rows(o) {
        t.push_str("<tr>");
        for cell in &row {
            let _ = write!(t, "<td>{}</td>", escape(cell));
        }
        t.push_str("</tr>");
    }
    t.push_str("</tbody></table>");
    t
}

fn confusion_html(o: &TrainOutcome) -> String {
    let cm = &o.evaluation.confusion_matrix;
    let mut t = String::from(
        "<table id=\"cm\" data-testid=\"confusion-matrix\"><thead><tr><th class=\"axis\">true ↓ / predicted →</th>",
    );
    for c in &o.classes {
        let _ = write!(t, "<th>{}</th>", escape(c));
    }
    t.push_str("</tr></thead><tbody>");
    for (i, class) in o.classes.iter().enumerate() {
        let _ = write!(t, "<tr><th>{}</th>", escape(class));
        for j in 0..o.classes.len() {
            let s = cell_stats(cm, i, j);
            let (bg, fg) = cell_colors(i == j, s.row_share);
            let _ = write!(
                t,
                "<td class=\"cell\" tabindex=\"0\" data-testid=\"cm-cell-{i}-{j}\" data-count=\"{c}\" data-norm=\"{n:.1}%\" title=\"{title}\" style=\"background:{bg};color:{fg}\">{mark}<span class=\"v\">{c}</span> <span class=\"s\"></span></td>",
                c = s.count,
                n = 100.0 * s.row_share,
                title = escape(&cell_title(&o.classes, cm, i, j)),
                mark = if i == j { CORRECT_MARK } else { "" },
            );
        }
        t.push_str("</tr>");
    }
    t.push_str("</tbody></table>");
    t.push_str(&legend_html());
    t
}

/// How the report was made, as (what, value) rows.
pub fn manifest_rows(o: &TrainOutcome) -> Vec<(&'static str, String)> {
    let m = &o.manifest;
    let (input, sha) = match &m.source {
        Some(s) => (
            ("input source", format!("{} (naive times read in {})", s.source, s.timezone)),
            ("input SHA-256", format!("{} of the rows as {}", m.input_sha256, s.encoding)),
        ),
        None => (("input file", m.file_name.clone()), ("input SHA-256", m.input_sha256.clone())),
    };
    let mut rows = vec![
        input,
        sha,
        (
            "read as",
            match &m.source {
                Some(s) => format!("{}: instants in UTC, then the CSV reader", s.encoding),
                None => format_text(&m.format),
            },
        ),
        ("rows × columns", format!("{} × {}", m.n_rows, m.n_columns)),
        ("rows skipped (could not be read)", m.rows_skipped.to_string()),
        ("target", m.target.clone()),
        ("rows left out (target missing)", m.rows_missing_target.to_string()),
        ("training / test rows", training_rows(m)),
        ("split", format!("{}, test size {}, seed {}", fold_words(o), m.test_size, m.seed)),
        ("model", m.model.clone()),
        ("parameters", m.params.clone()),
        ("preprocessing", m.preprocessing.clone()),
        ("features", m.feature_names.join(", ")),
    ];
    if o.regression.is_some() {
        // A classifier's task goes without saying (its classes are listed).
        rows.insert(6, ("task", "regression: a number to predict".to_string()));
    } else {
        rows.push((
            "probabilities",
            m.calibration.clone().unwrap_or_else(|| "the model's own (not calibrated)".to_string()),
        ));
        rows.push(("decision", threshold_text(o)));
    }
    rows.extend([
        ("Glassbox version", m.glassbox_version.clone()),
        ("built from commit", m.build_commit.clone().unwrap_or_else(|| "not known".to_string())),
    ]);
    rows
}

fn manifest_html(o: &TrainOutcome) -> String {
    let rows = manifest_rows(o);
    let mut t = String::from("<table class=\"manifest\" data-testid=\"manifest\"><tbody>");
    for (k, v) in rows {
        let _ = write!(t, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(&v));
    }
    t.push_str("</tbody></table>");
    if let Some(recipe) = o.recipe_json() {
        // A link to the bytes themselves: the page makes no request, and a
        // download is not one its policy governs.
        let _ = write!(
            t,
            "<p><a download=\"recipe.json\" data-testid=\"report-recipe\" href=\"data:application/json;charset=utf-8,{}\">Download recipe.json</a> <span class=\"muted\">every choice of this run: <code>glassbox train DATA --recipe recipe.json</code> makes it again, on this file or on new rows.</span></p>",
            percent_encoded(&recipe)
        );
    }
    t
}

/// `text` for a `data:` URL: every byte but the unreserved ones (RFC 3986)
/// as `%XX`. Written here because it is six lines and the report crate
/// needs nothing else of a URL library.
fn percent_encoded(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// What a threshold chosen on the test rows does to the figures at it: they
/// are measured on the rows it was fitted to, so they flatter, and a report
/// says so.
pub fn optimism(chosen_by: &str) -> &'static str {
    if chosen_by.contains("on the test rows") {
        "; chosen on the same test rows these figures are measured on, so the figures at it are optimistic"
    } else {
        ""
    }
}

/// How a row's class is decided, in words.
pub fn threshold_text(o: &TrainOutcome) -> String {
    match &o.threshold {
        Some(t) => format!(
            "{} when its probability is at least {} (threshold {}){}",
            o.classes[o.classes.len() - 1],
            fmt_metric(t.value),
            t.chosen_by,
            optimism(&t.chosen_by)
        ),
        None => "the most probable class".to_string(),
    }
}

/// How the bytes were read, in words.
pub fn format_text(f: &glassbox_pipeline::ingest::Format) -> String {
    format!("{}, naive date-times in {}", f.describe(), f.timezone)
}

/// Every column as (name, kind, role, missing, notes).
pub fn schema_rows(o: &TrainOutcome) -> Vec<[String; 4]> {
    o.manifest
        .columns
        .iter()
        .map(|c| {
            let role = match c.role {
                Role::Feature => "feature",
                Role::Target => "target",
                Role::Excluded => "excluded",
                Role::Dropped => "dropped",
            };
            [c.name.clone(), c.kind.as_str().to_string(), role.to_string(), c.missing.to_string()]
        })
        .collect()
}

/// Every column with its kind, role and flags.
fn schema_html(o: &TrainOutcome) -> String {
    let mut t = String::from(
        "<table class=\"schema\" data-testid=\"schema\"><thead><tr><th>column</th><th>kind</th><th>role</th><th>missing</th><th>notes</th></tr></thead><tbody>",
    );
    for (row, c) in schema_rows(o).iter().zip(&o.manifest.columns) {
        let notes: Vec<String> = c.flags.iter().map(|f| escape(&f.reason)).collect();
        let _ = write!(
            t,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"notes\">{}</td></tr>",
            escape(&row[0]),
            row[1],
            row[2],
            row[3],
            notes.join("<br>")
        );
    }
    t.push_str("</tbody></table>");
    if !o.row_issues.is_empty() {
        let _ =
            write!(t, "<p>{} rows could not be read and were skipped:</p><ul class=\"issues\">", o.row_issues.len());
        for i in o.row_issues.iter().take(20) {
            let _ = write!(t, "<li>{}</li>", escape(&i.message));
        }
        if o.row_issues.len() > 20 {
            let _ = write!(t, "<li>… and {} more</li>", o.row_issues.len() - 20);
        }
        t.push_str("</ul>");
    }
    t
}

/// The ROC chart for an outcome (positive class for binary, one-vs-rest per class otherwise).
pub fn roc_chart(o: &TrainOutcome) -> String {
    roc_chart_at(o, None)
}

/// The precision-recall chart, for the same classes as the ROC chart.
pub fn pr_chart(o: &TrainOutcome) -> String {
    pr_chart_at(o, None)
}

/// The operating point of a binary outcome at `threshold` on the test rows.
fn point_at(o: &TrainOutcome, threshold: Option<f64>) -> Option<glassbox_pipeline::threshold::OperatingPoint> {
    let t = threshold.filter(|_| o.classes.len() == 2)?;
    let (positive, score) = o.binary_scores();
    Some(glassbox_pipeline::threshold::operating_point(&positive, &score, t))
}

/// [`roc_chart`] with the operating point at `threshold` marked (two classes).
pub fn roc_chart_at(o: &TrainOutcome, threshold: Option<f64>) -> String {
    let at = point_at(o, threshold).map(|p| (p.fp as f64 / (p.fp + p.tn).max(1) as f64, p.recall()));
    let bands = o.cv.as_ref().and_then(|c| c.bands.as_ref()).map(|b| b.roc.as_slice());
    glassbox_charts::roc_svg_at(&o.evaluation.roc_curves, &o.curve_classes(), at, bands)
}

/// [`pr_chart`] with the operating point at `threshold` marked (two classes).
pub fn pr_chart_at(o: &TrainOutcome, threshold: Option<f64>) -> String {
    let at = point_at(o, threshold).map(|p| (p.recall(), p.precision()));
    let bands = o.cv.as_ref().and_then(|c| c.bands.as_ref()).map(|b| b.pr.as_slice());
    glassbox_charts::pr_svg_at(&o.evaluation.pr_curves, &o.curve_classes(), at, bands)
}

/// Permutation importance on the test rows: the chart and a table, or
/// nothing when it was not measured.
pub fn importance_html(o: &TrainOutcome) -> Option<String> {
    let mut t = format!(
        "<p class=\"muted\">{}</p><div data-testid=\"importance-chart\">{}</div><table class=\"report\"><thead><tr><th>column</th><th>ROC AUC drop</th><th>accuracy drop</th></tr></thead><tbody>",
        escape(&importance_caption(o)?),
        glassbox_charts::importance_svg(&importance_items(o))
    );
    for i in &o.importance {
        let _ = write!(
            t,
            "<tr data-testid=\"importance-row-{}\"><td>{}</td><td>{} ± {}</td><td>{} ± {}</td></tr>",
            escape(&i.column),
            escape(&i.column),
            fmt_metric(i.mean),
            fmt_metric(i.std),
            fmt_metric(i.accuracy_mean),
            fmt_metric(i.accuracy_std)
        );
    }
    t.push_str("</tbody></table>");
    Some(t)
}

/// What the importance chart shows, in a sentence; `None` when not measured.
pub fn importance_caption(o: &TrainOutcome) -> Option<String> {
    let first = o.importance.first()?;
    Some(format!(
        "Each input column shuffled {} times over {} test rows (seeded; a big test set is sampled), all its features together; the importance is how much the score drops (mean ± standard deviation), as scikit-learn's permutation_importance.",
        first.repeats, first.rows
    ))
}

/// The importance chart's bars: (column, mean drop in ROC AUC, its std).
pub fn importance_items(o: &TrainOutcome) -> Vec<(String, f64, f64)> {
    o.importance.iter().map(|i| (i.column.clone(), i.mean, i.std)).collect()
}

/// What the SHAP summary shows, in a sentence; `None` when not measured.
pub fn shap_caption(o: &TrainOutcome) -> Option<String> {
    let s = o.shap.as_ref()?;
    Some(format!(
        "Shapley values of {} test rows, computed {}: each row's base value plus its columns' values is its output. The bars are the mean absolute value per column.",
        s.rows.len(),
        s.method.describe(s.space, s.permutations)
    ))
}

/// The SHAP summary chart: mean |φ| per input column, largest first.
pub fn shap_summary_svg(o: &TrainOutcome) -> Option<String> {
    let s = o.shap.as_ref()?;
    let mut items: Vec<(String, f64, f64)> =
        s.columns.iter().zip(&s.mean_abs).map(|(c, &m)| (c.clone(), m, 0.0)).collect();
    items.sort_by(|a, b| b.1.total_cmp(&a.1));
    Some(glassbox_charts::bars_svg(&items, &format!("mean |SHAP value| ({})", s.space.as_str().replace('_', "-"))))
}

/// Columns the beeswarm shows: the ones with the largest mean |φ|.
pub const BEESWARM_COLUMNS: usize = 12;

/// The beeswarm of the explained test rows' SHAP values, for the columns
/// with the largest mean |φ|.
pub fn beeswarm_svg(o: &TrainOutcome) -> Option<String> {
    let s = o.shap.as_ref()?;
    let mut order: Vec<usize> = (0..s.columns.len()).collect();
    order.sort_by(|&a, &b| s.mean_abs[b].total_cmp(&s.mean_abs[a]));
    order.truncate(BEESWARM_COLUMNS);
    let columns: Vec<glassbox_charts::SwarmColumn> = order
        .into_iter()
        .map(|c| glassbox_charts::SwarmColumn {
            name: s.columns[c].clone(),
            points: s.explanations.iter().map(|e| (e.phi[c], e.values.get(c).copied().flatten())).collect(),
        })
        .collect();
    Some(glassbox_charts::beeswarm_svg(&columns, &s.space.as_str().replace('_', "-")))
}

/// The SHAP summary: mean |φ| per input column over the explained test
/// rows, and the beeswarm of every explained row.
pub fn shap_html(o: &TrainOutcome) -> Option<String> {
    Some(format!(
        "<p class=\"muted\">{}</p><div class=\"charts\"><div data-testid=\"shap-summary\">{}</div><div data-testid=\"shap-beeswarm\">{}</div></div>",
        escape(&shap_caption(o)?),
        shap_summary_svg(o)?,
        beeswarm_svg(o)?
    ))
}

/// The waterfall of one explained test row (table row `row`), when it was explained.
pub fn waterfall_svg(o: &TrainOutcome, row: usize) -> Option<String> {
    let s = o.shap.as_ref()?;
    let at = s.rows.iter().position(|&r| r == row)?;
    let space = format!("{} of {}", s.space.as_str().replace('_', "-"), o.classes[s.classes[at]]);
    Some(explanation_waterfall_svg(&s.columns, &s.explanations[at], &space))
}

/// The waterfall of one explanation: the ten largest contributions by
/// size, the rest together, from the base value to the output. `space`
/// names what is explained ("probability of Gentoo").
pub fn explanation_waterfall_svg(columns: &[String], e: &glassbox_pipeline::shap::Explanation, space: &str) -> String {
    let mut steps: Vec<(String, f64)> = columns.iter().cloned().zip(e.phi.iter().copied()).collect();
    steps.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    // The ten largest contributions, and the rest together.
    if steps.len() > 11 {
        let rest: f64 = steps[10..].iter().map(|(_, p)| p).sum();
        let n = steps.len() - 10;
        steps.truncate(10);
        steps.push((format!("{n} other columns"), rest));
    }
    glassbox_charts::waterfall_svg(e.base, &steps, e.output, space)
}

/// Explained test rows by cell of the confusion matrix: up to `per_cell`
/// of each cell (true class `i`, predicted `j`, in the matrix's order), in
/// test order, as (i, j, table row, file line).
pub fn waterfall_rows(o: &TrainOutcome, per_cell: usize) -> Vec<(usize, usize, usize, u64)> {
    let Some(s) = o.shap.as_ref() else { return Vec::new() };
    let explained: std::collections::BTreeSet<usize> = s.rows.iter().copied().collect();
    let k = o.classes.len();
    let mut out = Vec::new();
    for i in 0..k {
        for j in 0..k {
            out.extend(
                o.test_predictions
                    .iter()
                    .filter(|t| t.actual == i && t.predicted == j && explained.contains(&t.row))
                    .take(per_cell)
                    .map(|t| (i, j, t.row, t.line)),
            );
        }
    }
    out
}

/// How many explained rows of each matrix cell the report draws a waterfall for.
pub const WATERFALLS_PER_CELL: usize = 3;

/// Waterfalls of explained test rows, a few per cell of the confusion
/// matrix, each folded under its cell and line.
pub fn waterfalls_html(o: &TrainOutcome) -> Option<String> {
    let rows = waterfall_rows(o, WATERFALLS_PER_CELL);
    if rows.is_empty() {
        return None;
    }
    let mut h = format!(
        "<p class=\"muted\">Why single rows got their score: up to {WATERFALLS_PER_CELL} explained test rows of each cell of the confusion matrix, from the base value through each column's contribution to the row's output.</p><div data-testid=\"report-waterfalls\">"
    );
    for (i, j, row, line) in rows {
        if let Some(svg) = waterfall_svg(o, row) {
            let _ = write!(
                h,
                "<details><summary>true {} → predicted {}: line {line}</summary>{svg}</details>",
                escape(&o.classes[i]),
                escape(&o.classes[j])
            );
        }
    }
    h.push_str("</div>");
    Some(h)
}

/// The threshold slider of a binary report: the matrix and scores at every
/// threshold 0, 0.01, …, 1, computed here and embedded (101 points, whatever
/// the test set's size), so the report's script only looks them up.
pub fn threshold_html(o: &TrainOutcome) -> Option<String> {
    if o.classes.len() != 2 {
        return None;
    }
    let (positive, score) = o.binary_scores();
    let points: Vec<String> = (0..=100)
        .map(|i| {
            let p = glassbox_pipeline::threshold::operating_point(&positive, &score, i as f64 / 100.0);
            format!("[{},{},{},{}]", p.tn, p.fp, p.fn_, p.tp)
        })
        .collect();
    let start = o.threshold.as_ref().map_or(50, |t| (t.value * 100.0).round() as i64);
    let (neg, pos) = (escape(&o.classes[0]), escape(&o.classes[1]));
    Some(format!(
        "<p class=\"muted\">A test row is predicted {pos} when its probability is at least the threshold; move it to see the matrix and scores at another (the model itself keeps {}).</p><p><label>threshold <input type=\"range\" id=\"thr\" min=\"0\" max=\"100\" step=\"1\" value=\"{start}\" data-testid=\"threshold-slider\"></label> <b id=\"thr-v\" data-testid=\"threshold-value\"></b></p><table class=\"report\" id=\"thr-m\"><thead><tr><th>true ↓ / predicted →</th><th>{neg}</th><th>{pos}</th></tr></thead><tbody><tr><th>{neg}</th><td data-testid=\"threshold-cell-0-0\"></td><td data-testid=\"threshold-cell-0-1\"></td></tr><tr><th>{pos}</th><td data-testid=\"threshold-cell-1-0\"></td><td data-testid=\"threshold-cell-1-1\"></td></tr></tbody></table><p id=\"thr-s\" data-testid=\"threshold-scores\"></p><script type=\"application/json\" id=\"thr-points\">[{}]</script>",
        escape(&threshold_text(o)),
        points.join(",")
    ))
}

/// What the reliability diagram shows, in a sentence.
pub fn calibration_caption(o: &TrainOutcome) -> String {
    let of = match o.evaluation.calibration.of {
        glassbox_pipeline::metrics::CalibrationOf::PositiveClass => {
            format!("the probability of {}", o.classes[o.classes.len() - 1])
        }
        glassbox_pipeline::metrics::CalibrationOf::TopLabel => "the predicted class's probability".to_string(),
    };
    format!(
        "Test rows binned by {of} into {} equal-width bins (empty bins left out; each point says its rows). On the diagonal, a probability of 0.8 is right 8 times in 10.",
        glassbox_pipeline::metrics::CALIBRATION_BINS
    )
}

/// The reliability diagram and what it says, in a sentence.
pub fn calibration_html(o: &TrainOutcome) -> String {
    let e = &o.evaluation;
    let c = &e.calibration;
    format!(
        "<p class=\"muted\">{}</p><div class=\"cards\"><div class=\"card\">Brier score<b data-testid=\"metric-brier\">{}</b></div><div class=\"card\">expected calibration error<b data-testid=\"metric-ece\">{}</b></div></div><div data-testid=\"calibration-chart\">{}</div>",
        escape(&calibration_caption(o)),
        fmt_metric(e.brier),
        fmt_metric(c.ece),
        glassbox_charts::calibration_svg(c)
    )
}

/// Cross-validation on the training rows, when it ran: mean ± std and each fold.
pub fn cv_html(o: &TrainOutcome) -> Option<String> {
    let cv = o.cv.as_ref()?;
    let mut t = format!(
        "<p class=\"muted\">{}-fold {} cross-validation on the {} training rows (seed {}); preprocessing refitted in every fold.</p><table class=\"report\" data-testid=\"cv-table\"><thead><tr><th>metric</th><th>mean ± std</th>",
        cv.folds, fold_words(o), o.manifest.n_train, cv.seed
    );
    for i in 1..=cv.folds {
        let _ = write!(t, "<th>fold {i}</th>");
    }
    t.push_str("</tr></thead><tbody>");
    for (name, m) in &cv.metrics {
        let _ = write!(
            t,
            "<tr><td>{}</td><td>{} ± {}</td>",
            escape(&name.replace('_', " ")),
            fmt_metric(m.mean),
            fmt_metric(m.std)
        );
        for v in &m.folds {
            let _ = write!(t, "<td>{}</td>", fmt_metric(*v));
        }
        t.push_str("</tr>");
    }
    t.push_str("</tbody></table>");
    Some(t)
}

/// What a search trial's score is, in words, and the sign that turns a
/// score into it: ROC AUC for classes; RMSE for numbers, which the searcher
/// maximises as its negative.
pub fn search_metric(o: &TrainOutcome) -> (&'static str, f64) {
    match o.task() {
        glassbox_pipeline::task::Task::Classification => ("ROC AUC", 1.0),
        glassbox_pipeline::task::Task::Regression => ("RMSE", -1.0),
    }
}

/// The validation metrics the reports show per fold or window, with their names.
pub fn shown_metrics(o: &TrainOutcome) -> [(&'static str, &'static str); 3] {
    match o.task() {
        glassbox_pipeline::task::Task::Classification => {
            [("accuracy", "accuracy"), ("roc_auc", "ROC AUC"), ("log_loss", "log loss")]
        }
        glassbox_pipeline::task::Task::Regression => [("r2", "R²"), ("rmse", "RMSE"), ("mae", "MAE")],
    }
}

/// How the training rows were cut into folds, in words.
pub fn fold_words(o: &TrainOutcome) -> &'static str {
    match o.task() {
        glassbox_pipeline::task::Task::Classification => "stratified",
        glassbox_pipeline::task::Task::Regression => "shuffled",
    }
}

/// Time-ordered validation, when it ran: each window's span and scores.
pub fn time_cv_html(o: &TrainOutcome) -> Option<String> {
    let t = o.time_cv.as_ref()?;
    let shown = shown_metrics(o);
    let datetime = o
        .model
        .schema
        .columns
        .iter()
        .any(|c| c.name == t.time_column && c.kind == glassbox_pipeline::ingest::ColumnKind::Datetime);
    let when = |v: f64| {
        if datetime {
            glassbox_pipeline::ingest::datetime::format_utc(v)
        } else {
            format!("{v}")
        }
    };
    let mut h = format!(
        "<p class=\"muted\">Training rows in order of <b>{}</b>, {} windows ({}), rows without a time left out: {}.</p><table class=\"report\" data-testid=\"time-cv-table\"><thead><tr><th>window</th><th>trained on</th><th>scored on</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        escape(&t.time_column),
        t.windows.len(),
        match t.mode { glassbox_pipeline::validate::WindowMode::Expanding => "expanding", glassbox_pipeline::validate::WindowMode::Rolling => "rolling" },
        t.rows_without_time,
        shown[0].1,
        shown[1].1,
        shown[2].1
    );
    for (i, w) in t.windows.iter().enumerate() {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{} rows, {} … {}</td><td>{} rows, {} … {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            i + 1,
            w.n_train,
            when(w.train_from),
            when(w.train_to),
            w.n_test,
            when(w.test_from),
            when(w.test_to),
            fmt_metric(t.metrics[shown[0].0].folds[i]),
            fmt_metric(t.metrics[shown[1].0].folds[i]),
            fmt_metric(t.metrics[shown[2].0].folds[i])
        );
    }
    h.push_str("</tbody></table>");
    Some(h)
}

/// The policy's source for the report's one inline script: its SHA-256, so
/// the page runs that script and no other (one injected through a value
/// that escaped escaping would have another hash and be refused).
fn script_source() -> String {
    use base64::Engine;
    use sha2::Digest;
    format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(SCRIPT.as_bytes())))
}

/// A self-contained page's head, up to `<body>`: its policy allows no
/// request at all (`extra` may allow a script), its style is inline, and it
/// has no base URL or form target to redirect.
pub(crate) fn page_head(title: &str, extra: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; {extra}img-src data:; base-uri 'none'; form-action 'none'\"><title>{}</title><style>{STYLE}</style></head><body>",
        escape(title)
    )
}

/// The whole report as one HTML document.
pub fn render(o: &TrainOutcome) -> String {
    let m = &o.manifest;
    let mut h = String::with_capacity(32 * 1024);
    // No request of any kind may leave the file: styles and the script are inline.
    h.push_str(&page_head(&format!("Glassbox report: {}", m.file_name), &format!("script-src {}; ", script_source())));
    let _ = write!(
        h,
        "<header><h1>Glassbox report</h1><p class=\"muted\">Predicting <b>{}</b> in <b>{}</b> with {} ({}).</p></header>",
        escape(&m.target),
        escape(&m.file_name),
        escape(&m.model.replace('_', " ")),
        escape(&m.params)
    );
    for n in &o.notes {
        let _ = write!(h, "<p class=\"muted\" data-testid=\"model-note\">{}.</p>", escape(n));
    }
    for w in &o.warnings {
        let _ = write!(h, "<p class=\"warning\" data-testid=\"model-warning\">Warning: {}</p>", escape(w));
    }
    if let Some(r) = &o.regression {
        regression::body(o, r, &mut h);
        let _ = write!(h, "<h2>Columns</h2>{}", schema_html(o));
        let _ = write!(h, "<h2>How this was made</h2>{}", manifest_html(o));
        // No script: the confusion matrix and threshold it drives are a classifier's.
        h.push_str("</body></html>\n");
        return h;
    }
    let warnings = o.baseline_warnings();
    if !warnings.is_empty() {
        let _ = write!(
            h,
            "<p class=\"warning\" data-testid=\"baseline-warning\"><b>This model does not beat doing nothing here:</b> {}.</p>",
            escape(&warnings.join("; "))
        );
    }
    h.push_str("<h2>Held-out test set</h2><div class=\"cards\">");
    for (name, id, value, baseline) in headline(o) {
        let _ = write!(
            h,
            "<div class=\"card\">{name}<b data-testid=\"metric-{id}\">{value}</b><span class=\"muted\">baseline <span data-testid=\"baseline-{id}\">{baseline}</span></span></div>"
        );
    }
    let _ = write!(h, "<div class=\"card\">test rows<b>{}</b></div></div>", m.n_test);
    let _ = write!(
        h,
        "<p class=\"muted\">Baseline: what always answering '{}' (the most frequent training class) with the training class shares as probabilities scores on the same rows.</p>",
        escape(o.classes.get(o.baseline.class).map_or("", String::as_str))
    );
    let _ = write!(h, "<h2>Classification report</h2>{}", classification_report_html(o));
    if let Some(cv) = cv_html(o) {
        let _ = write!(h, "<h2>Cross-validation</h2>{cv}");
    }
    if let Some(s) = search_html(o) {
        let _ = write!(h, "<h2>Hyper-parameter search</h2>{s}");
    }
    if let Some(t) = time_cv_html(o) {
        let _ = write!(h, "<h2>Validation in time order</h2>{t}");
    }
    let _ = write!(
        h,
        "<h2>Confusion matrix</h2><p><button id=\"cm-toggle\" type=\"button\" aria-pressed=\"false\" data-testid=\"cm-toggle\">Normalise by true class</button></p>{}<p id=\"cm-detail\" class=\"muted\" aria-live=\"polite\">Hover or focus a cell for its counts and shares.</p>",
        confusion_html(o)
    );
    if let Some(t) = threshold_html(o) {
        let _ = write!(h, "<h2>Operating point</h2>{t}");
    }
    let _ = write!(
        h,
        "<h2>ROC and precision-recall curves</h2><div class=\"charts\"><div data-testid=\"roc-chart\">{}</div><div data-testid=\"pr-chart\">{}</div></div>",
        roc_chart(o),
        pr_chart(o)
    );
    let _ = write!(h, "<h2>Calibration</h2>{}", calibration_html(o));
    if let Some(i) = importance_html(o) {
        let _ = write!(h, "<h2>Which columns matter</h2>{i}");
    }
    if let Some(s) = shap_html(o) {
        let _ = write!(h, "<h2>Why: SHAP values</h2>{s}");
        if let Some(w) = waterfalls_html(o) {
            h.push_str(&w);
        }
    }
    let _ = write!(h, "<h2>Columns</h2>{}", schema_html(o));
    let _ = write!(h, "<h2>How this was made</h2>{}", manifest_html(o));
    let _ = writeln!(h, "<script>{SCRIPT}</script></body></html>");
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_pipeline::{train, TrainSpec};

    fn outcome(csv: &str, file: &str, target: &str) -> TrainOutcome {
        train(csv.as_bytes(), file, &TrainSpec::for_target(target)).unwrap()
    }

    const HOSTILE: &str = "<b>x</b>,\"t\"\"&<'\"\n1,<i>a</i>\n2,<i>a</i>\n3,<i>a</i>\n4,<i>a</i>\n5,<i>a</i>\n6,b&c\n7,b&c\n8,b&c\n9,b&c\n10,b&c\n";

    #[test]
    fn data_strings_are_escaped_and_paths_dropped() {
        let o = outcome(HOSTILE, "/home/someone/secret dir/<evil>.csv", "t\"&<'");
        let html = render(&o);
        assert!(!html.contains("<i>a</i>"), "class label not escaped");
        assert!(html.contains("&lt;i&gt;a&lt;/i&gt;"));
        assert!(!html.contains("secret dir"), "local path leaked");
        assert!(html.contains("&lt;evil&gt;.csv"));
        assert!(!html.contains("<evil>"));
    }

    #[test]
    fn no_network_references() {
        let html = render(&outcome(HOSTILE, "a.csv", "t\"&<'"));
        for needle in ["http://", "https://", "src=", "href=", "@import", "url("] {
            // The SVG namespace is an identifier, not a request.
            // The recipe's link holds its bytes (a `data:` URL), not an address.
            let hits = html.matches(needle).count()
                - html.matches("http://www.w3.org/2000/svg").count() * usize::from(needle == "http://")
                - html.matches("href=\"data:application/json").count() * usize::from(needle == "href=");
            assert_eq!(hits, 0, "report contains {needle}");
        }
    }

    #[test]
    fn report_golden() {
        let csv =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../public/samples/iris.csv")).unwrap();
        let mut o = outcome(&csv, "iris.csv", "species");
        // The commit changes with every commit; the golden file names none.
        o.manifest.build_commit = None;
        let html = render(&o);
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/iris_report.html");
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(std::path::Path::new(path).parent().unwrap()).unwrap();
            std::fs::write(path, &html).unwrap();
        }
        let expected = std::fs::read_to_string(path).expect("golden file; create it with UPDATE_GOLDEN=1");
        assert_eq!(html, expected, "iris report differs from its golden file");
    }
}
