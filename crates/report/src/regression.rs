//! The report of a run that predicts a number: the test metrics beside the
//! mean baseline's, predicted against actual, the residuals, the error by
//! decile of the prediction, the prediction interval's guarantee and audit,
//! the rows with the largest errors (with their
//! explanations), and the sections both tasks share (validation, search,
//! importance, SHAP, columns, manifest). The threshold, calibration and
//! confusion matrix of a classifier have no meaning here and do not appear.

use std::fmt::Write as _;

use glassbox_pipeline::numbers::{IntervalReport, NumberPrediction, RegressionOutcome};
use glassbox_pipeline::regression::RegressionMetrics;
use glassbox_pipeline::TrainOutcome;

use crate::{escape, fmt_metric};

/// A regression metric for people: four decimals for everyday sizes,
/// scientific notation for the very large or small (a price in the
/// billions, a target near 1e300), never `inf`.
pub fn fmt_number(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-4..1e9).contains(&a) {
        format!("{v:.4e}")
    } else {
        fmt_metric(v)
    }
}

/// R² in words when it is not defined (a test set of one row).
pub fn fmt_r2(r2: Option<f64>) -> String {
    r2.map_or_else(|| "not defined".to_string(), fmt_metric)
}

/// The headline metrics with the mean baseline's: (name, test id, value, baseline).
pub fn headline(r: &RegressionOutcome) -> Vec<(&'static str, &'static str, String, String)> {
    let row = |m: &RegressionMetrics| {
        [
            fmt_r2(m.r2),
            fmt_number(m.rmse),
            fmt_number(m.mae),
            fmt_metric(m.mape),
            fmt_number(m.median_absolute_error),
            fmt_number(m.max_error),
            fmt_metric(m.explained_variance),
            fmt_number(m.mean_error),
        ]
    };
    let names = [
        ("R²", "r2"),
        ("RMSE", "rmse"),
        ("MAE", "mae"),
        ("MAPE (fraction)", "mape"),
        ("median absolute error", "median-absolute-error"),
        ("max error", "max-error"),
        ("explained variance", "explained-variance"),
        ("mean error (actual − predicted)", "mean-error"),
    ];
    names
        .into_iter()
        .zip(row(&r.metrics).into_iter().zip(row(&r.baseline)))
        .map(|((name, id), (v, b))| (name, id, v, b))
        .collect()
}

/// One decile of the test rows by their prediction: the predictions' range,
/// the rows, the mean error (actual − predicted: the bias there) and the MAE.
#[derive(Debug, Clone, PartialEq)]
pub struct Decile {
    pub from: f64,
    pub to: f64,
    pub rows: usize,
    pub mean_error: f64,
    pub mae: f64,
}

/// The test rows in ten groups of (nearly) equal size by their prediction,
/// lowest first (fewer groups when there are fewer than ten rows).
pub fn deciles(r: &RegressionOutcome) -> Vec<Decile> {
    let mut rows: Vec<&NumberPrediction> = r.test_predictions.iter().collect();
    rows.sort_by(|a, b| a.predicted.total_cmp(&b.predicted).then(a.row.cmp(&b.row)));
    let n = rows.len();
    let groups = n.min(10);
    (0..groups)
        .map(|g| {
            let part = &rows[g * n / groups..(g + 1) * n / groups];
            let errors: Vec<f64> = part.iter().map(|p| p.error()).collect();
            Decile {
                from: part[0].predicted,
                to: part[part.len() - 1].predicted,
                rows: part.len(),
                mean_error: glassbox_pipeline::model::mean(&errors),
                mae: glassbox_pipeline::model::mean(&errors.iter().map(|e| e.abs()).collect::<Vec<_>>()),
            }
        })
        .collect()
}

/// The test rows with the largest errors in size, largest first (the first
/// in file order among equals).
pub fn largest_errors(r: &RegressionOutcome, n: usize) -> Vec<&NumberPrediction> {
    let mut rows: Vec<&NumberPrediction> = r.test_predictions.iter().collect();
    rows.sort_by(|a, b| b.error().abs().total_cmp(&a.error().abs()).then(a.row.cmp(&b.row)));
    rows.truncate(n);
    rows
}

/// How the target's scale was chosen, as a sentence the report, the PDF
/// and the app share.
pub fn scale_text(r: &RegressionOutcome) -> String {
    let t = &r.target_transform;
    let mut s = format!("Target scale: {}", t.why);
    if !t.used.is_none() {
        s.push_str(". Fitted on log1p of the target, the predictions mapped back with expm1; every metric here is on the target's own scale");
    }
    s.push('.');
    s
}

/// Rows the largest-errors table lists.
pub const LARGEST_ERRORS: usize = 10;

/// The charts of a regression run: predicted against actual, residuals against predicted, their histogram.
pub fn charts(r: &RegressionOutcome) -> [String; 3] {
    let actual: Vec<f64> = r.test_predictions.iter().map(|p| p.actual).collect();
    let predicted: Vec<f64> = r.test_predictions.iter().map(|p| p.predicted).collect();
    let residuals: Vec<f64> = r.test_predictions.iter().map(NumberPrediction::error).collect();
    [
        glassbox_charts::regression::predicted_actual_svg(&actual, &predicted, r.metrics.r2, r.metrics.rmse),
        glassbox_charts::regression::residuals_svg(&predicted, &residuals),
        glassbox_charts::regression::residual_histogram_svg(&residuals, 30),
    ]
}

/// The waterfall of one explained test row in the target's units, when it was explained.
pub fn waterfall_svg(o: &TrainOutcome, row: usize) -> Option<String> {
    let s = o.shap.as_ref()?;
    let at = s.rows.iter().position(|&r| r == row)?;
    let space = format!("{} ({})", o.manifest.target, s.space.as_str().replace('_', " "));
    Some(crate::explanation_waterfall_svg(&s.columns, &s.explanations[at], &space))
}

fn deciles_html(r: &RegressionOutcome) -> String {
    let mut t = String::from(
        "<p class=\"muted\">The test rows in ten groups by their prediction, lowest first. Mean error is actual − predicted: above zero, the model predicts too low there.</p><table class=\"report\" data-testid=\"error-by-decile\"><thead><tr><th>predictions</th><th>rows</th><th>mean error</th><th>MAE</th></tr></thead><tbody>",
    );
    for d in deciles(r) {
        let _ = write!(
            t,
            "<tr><td>{} to {}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            fmt_number(d.from),
            fmt_number(d.to),
            d.rows,
            fmt_number(d.mean_error),
            fmt_number(d.mae)
        );
    }
    t.push_str("</tbody></table>");
    t
}

/// The interval's audit as rows of (name, value): what the report, the PDF
/// and the app show beside the guarantee. The half-width (or CQR's q) is on
/// the scale the model was fitted on, `scale`, and says so when that is
/// log1p of the target: 0.12 there is not 0.12 in the target's units.
pub fn interval_rows(
    i: &IntervalReport,
    scale: glassbox_pipeline::target::TargetTransform,
) -> Vec<(&'static str, String)> {
    let (c, t) = (&i.conformal, &i.test);
    let level = glassbox_pipeline::conformal::percent(c.level);
    vec![
        ("method", i.describe()),
        ("promised coverage", format!("at least {level}%")),
        (
            "test coverage",
            format!(
                "{:.4} (95% Wilson interval {:.4}–{:.4}, {} rows)",
                t.coverage, t.coverage_low, t.coverage_high, t.rows
            ),
        ),
        (
            // CQR's q widens (or, negative, narrows) the quantile models' band.
            match (c.method == glassbox_pipeline::conformal::Method::Cqr, scale.is_none()) {
                (true, true) => "correction q",
                (true, false) => "correction q (on log1p of the target)",
                (false, true) => "half-width",
                (false, false) => "half-width (on log1p of the target)",
            },
            match (c.half_width, c.is_bounded()) {
                (Some(q), _) => fmt_number(q),
                (None, true) => "differs by row (CV+)".to_string(),
                (None, false) => "unbounded".to_string(),
            },
        ),
        ("mean width", t.mean_width.map_or_else(|| "unbounded".to_string(), fmt_number)),
        ("Winkler score", t.winkler.map_or_else(|| "n/a".to_string(), fmt_number)),
    ]
}

pub fn interval_html(i: &IntervalReport, scale: glassbox_pipeline::target::TargetTransform) -> String {
    let mut guarantee = i.guarantee.clone();
    if let Some(first) = guarantee.get(..1) {
        guarantee.replace_range(..1, &first.to_uppercase());
    }
    let mut h = format!("<p class=\"muted\" data-testid=\"interval-guarantee\">{}.</p>", escape(&guarantee));
    h.push_str("<table class=\"report prose\" data-testid=\"interval-audit\"><tbody>");
    for (name, value) in interval_rows(i, scale) {
        let _ = write!(h, "<tr><th>{name}</th><td>{}</td></tr>", escape(&value));
    }
    h.push_str("</tbody></table><p class=\"muted\">Coverage by decile of the prediction (the promise is over all rows, not each group): a group far below the level is where the interval is too narrow.</p><table class=\"report\" data-testid=\"interval-deciles\"><thead><tr><th>predictions</th><th>rows</th><th>coverage</th></tr></thead><tbody>");
    for d in &i.test.by_decile {
        let _ = write!(
            h,
            "<tr><td>{} to {}</td><td>{}</td><td>{:.3}</td></tr>",
            fmt_number(d.from),
            fmt_number(d.to),
            d.rows,
            d.coverage
        );
    }
    h.push_str("</tbody></table>");
    h
}

fn largest_errors_html(o: &TrainOutcome, r: &RegressionOutcome) -> String {
    let mut t = String::from(
        "<table class=\"report\" data-testid=\"largest-errors\"><thead><tr><th>line</th><th>actual</th><th>predicted</th><th>error</th></tr></thead><tbody>",
    );
    let rows = largest_errors(r, LARGEST_ERRORS);
    for p in &rows {
        let _ = write!(
            t,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            p.line,
            fmt_number(p.actual),
            fmt_number(p.predicted),
            fmt_number(p.error())
        );
    }
    t.push_str("</tbody></table>");
    // The explained ones among the three largest, each with its waterfall.
    let explained: Vec<(u64, String)> =
        rows.iter().take(3).filter_map(|p| Some((p.line, waterfall_svg(o, p.row)?))).collect();
    if !explained.is_empty() {
        t.push_str("<div class=\"charts\">");
        for (line, svg) in explained {
            let _ = write!(t, "<div><p class=\"muted\">Line {line}: from the base value, each column's contribution, to the prediction.</p>{svg}</div>");
        }
        t.push_str("</div>");
    }
    t
}

/// Permutation importance of a regressor: the drop in R² and the rise in RMSE.
pub fn importance_html(o: &TrainOutcome) -> Option<String> {
    let first = o.importance.first()?;
    let items: Vec<(String, f64, f64)> = o.importance.iter().map(|i| (i.column.clone(), i.mean, i.std)).collect();
    let mut t = format!(
        "<p class=\"muted\">Each input column shuffled {} times over {} test rows (seeded; a big test set is sampled), all its features together; the importance is how much R² drops and RMSE rises (mean ± standard deviation), as scikit-learn's permutation_importance.</p><div data-testid=\"importance-chart\">{}</div><table class=\"report\"><thead><tr><th>column</th><th>R² drop</th><th>RMSE rise</th></tr></thead><tbody>",
        first.repeats,
        first.rows,
        glassbox_charts::bars_svg(&items, "drop in R² when the column is shuffled")
    );
    for i in &o.importance {
        let _ = write!(
            t,
            "<tr data-testid=\"importance-row-{}\"><td>{}</td><td>{} ± {}</td><td>{} ± {}</td></tr>",
            escape(&i.column),
            escape(&i.column),
            fmt_metric(i.mean),
            fmt_metric(i.std),
            fmt_number(i.accuracy_mean),
            fmt_number(i.accuracy_std)
        );
    }
    t.push_str("</tbody></table>");
    Some(t)
}

/// The body of a regression report, after the header the two tasks share.
pub(crate) fn body(o: &TrainOutcome, r: &RegressionOutcome, h: &mut String) {
    let warnings = r.warnings();
    if !warnings.is_empty() {
        let _ =
            write!(h, "<p class=\"warning\" data-testid=\"baseline-warning\">{}.</p>", escape(&warnings.join("; ")));
    }
    h.push_str("<h2>Held-out test set</h2><div class=\"cards\">");
    for (name, id, value, baseline) in headline(r) {
        let _ = write!(
            h,
            "<div class=\"card\">{name}<b data-testid=\"metric-{id}\">{value}</b><span class=\"muted\">baseline <span data-testid=\"baseline-{id}\">{baseline}</span></span></div>"
        );
    }
    let _ = write!(h, "<div class=\"card\">test rows<b>{}</b></div></div>", o.manifest.n_test);
    let _ = write!(
        h,
        "<p class=\"muted\">Baseline: always predicting the training rows' mean, {}, on the same rows (scikit-learn's DummyRegressor). Metrics as scikit-learn defines them; MAPE is a fraction; the mean error is actual − predicted, above zero when the model predicts too low.</p>",
        fmt_number(r.baseline_value)
    );
    let _ = write!(h, "<p class=\"muted\" data-testid=\"target-scale\">{}</p>", escape(&scale_text(r)));
    let [scatter, residuals, histogram] = charts(r);
    let _ = write!(
        h,
        "<h2>Predictions</h2><div class=\"charts\"><div data-testid=\"chart-predicted-actual\">{scatter}</div><div data-testid=\"chart-residuals\">{residuals}</div></div><div class=\"charts\"><div data-testid=\"chart-residual-histogram\">{histogram}</div></div>"
    );
    if let Some(i) = &r.interval {
        let _ = write!(h, "<h2>Prediction interval</h2>{}", interval_html(i, r.target_transform.used));
    }
    let _ = write!(h, "<h2>Error by decile of the prediction</h2>{}", deciles_html(r));
    let _ = write!(h, "<h2>The largest errors</h2>{}", largest_errors_html(o, r));
    if let Some(cv) = crate::cv_html(o) {
        let _ = write!(h, "<h2>Cross-validation</h2>{cv}");
    }
    if let Some(s) = crate::search_html(o) {
        let _ = write!(h, "<h2>Hyper-parameter search</h2>{s}");
    }
    if let Some(t) = crate::time_cv_html(o) {
        let _ = write!(h, "<h2>Validation in time order</h2>{t}");
    }
    if let Some(i) = importance_html(o) {
        let _ = write!(h, "<h2>Which columns matter</h2>{i}");
    }
    if let Some(s) = crate::shap_html(o) {
        let _ = write!(h, "<h2>Why: SHAP values</h2>{s}");
    }
}
