//! Charts: plain result data in, SVG text out.
//!
//! Rendering happens on the browser's main thread or natively, never in the
//! Web Worker: plotters measures text through `window()` in wasm, which a
//! worker does not have. Natively plotters is built without font features, so
//! text sizes are estimated from the string length and golden files are
//! byte-for-byte stable.
//!
//! ```
//! use glassbox_pipeline::metrics::roc_curve;
//! let curve = roc_curve(&[false, true, true], &[0.2, 0.9, 0.6]);
//! let svg = glassbox_charts::roc_svg(&[curve], &["yes".to_string()]);
//! assert!(svg.starts_with("<svg"));
//! ```

#![forbid(unsafe_code)]

pub mod confusion;
pub mod drift;
pub mod regression;
pub mod search;

use glassbox_pipeline::bands::{Band, GRID};
use glassbox_pipeline::metrics::{Calibration, CalibrationOf, PrCurve, RocCurve};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

/// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
pub const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(240, 228, 66),
];

/// A chart over the unit square's coordinates, as every chart here is.
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

pub const WIDTH: u32 = 460;
pub const HEIGHT: u32 = 400;

/// A ROC chart: one curve per entry of `curves`, labelled with `labels`
/// (the positive class for binary, each class one-vs-rest otherwise) and its AUC.
pub fn roc_svg(curves: &[RocCurve], labels: &[String]) -> String {
    roc_svg_at(curves, labels, None, None)
}

/// [`roc_svg`] with the operating point `at` (false and true positive rate)
/// marked, and the cross-validation folds' mean ± 1 std `bands` (one per curve) shaded.
pub fn roc_svg_at(curves: &[RocCurve], labels: &[String], at: Option<(f64, f64)>, bands: Option<&[Band]>) -> String {
    let text = curves.iter().zip(labels).map(|(c, l)| format!("{l} AUC {:.3}", c.auc)).collect::<Vec<_>>().join(", ");
    described(render(HEIGHT, |root| draw_roc(root, curves, labels, at, bands)), &format!("ROC curves: {text}"))
}

/// A precision-recall chart: one step curve per entry of `curves`, labelled
/// with `labels` and its average precision, and each class's prevalence as
/// its chance line (dashed).
pub fn pr_svg(curves: &[PrCurve], labels: &[String]) -> String {
    pr_svg_at(curves, labels, None, None)
}

/// [`pr_svg`] with the operating point `at` (recall, precision) marked, and
/// the cross-validation folds' mean ± 1 std `bands` (one per curve) shaded.
pub fn pr_svg_at(curves: &[PrCurve], labels: &[String], at: Option<(f64, f64)>, bands: Option<&[Band]>) -> String {
    let text = curves
        .iter()
        .zip(labels)
        .map(|(c, l)| format!("{l} average precision {:.3}, chance {:.3}", c.average_precision, c.prevalence))
        .collect::<Vec<_>>()
        .join("; ");
    described(
        render(HEIGHT, |root| draw_pr(root, curves, labels, at, bands)),
        &format!("precision-recall curves: {text}"),
    )
}

/// The folds' spread: each band's mean ± 1 std as a light area in its
/// curve's colour, and the mean as a thin dashed line; one legend entry.
fn draw_bands<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    bands: Option<&[Band]>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let Some(bands) = bands else { return Ok(()) };
    let x = |i: usize| i as f64 / (GRID - 1) as f64;
    for (k, b) in bands.iter().enumerate() {
        let color = PALETTE[k % PALETTE.len()];
        let mut area: Vec<(f64, f64)> = (0..GRID).map(|i| (x(i), (b.mean[i] + b.std[i]).min(1.0))).collect();
        area.extend((0..GRID).rev().map(|i| (x(i), (b.mean[i] - b.std[i]).max(0.0))));
        chart.draw_series([Polygon::new(area, color.mix(0.15).filled())])?;
        let mean: Vec<(f64, f64)> = (0..GRID).map(|i| (x(i), b.mean[i])).collect();
        let series = chart.draw_series(DashedLineSeries::new(mean, 3, 3, color.stroke_width(1)))?;
        if k == 0 {
            series
                .label("CV folds: mean ± 1 std")
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 16, y + 5)], color.mix(0.3).filled()));
        }
    }
    Ok(())
}

/// The operating point: a dark ring on a white disc, visible on any curve colour.
fn draw_marker<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    at: Option<(f64, f64)>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    if let Some(p) = at {
        chart.draw_series([Circle::new(p, 7, WHITE.filled()), Circle::new(p, 7, BLACK.stroke_width(2))])?;
    }
    Ok(())
}

/// A reliability diagram: the share of positives against the mean predicted
/// probability per bin, each point labelled with its rows, and the diagonal
/// of perfect calibration.
pub fn calibration_svg(c: &Calibration) -> String {
    let bins = c
        .prob_pred
        .iter()
        .zip(&c.prob_true)
        .zip(&c.counts)
        .map(|((p, t), n)| format!("predicted {p:.2}, observed {t:.2} ({n} rows)"))
        .collect::<Vec<_>>()
        .join("; ");
    let text = format!("reliability diagram, expected calibration error {:.3}: {bins}", c.ece);
    described(render(HEIGHT, |root| draw_calibration(root, c)), &text)
}

/// Gives a chart its text alternative: `role="img"` and an `aria-label`
/// saying what it shows in numbers, for a screen reader and for anyone
/// who cannot tell the curves' colours apart.
fn described(svg: String, text: &str) -> String {
    match svg.strip_prefix("<svg") {
        Some(rest) => format!(r#"<svg role="img" aria-label="{}"{rest}"#, escape_xml(text)),
        None => svg,
    }
}

/// The chart's unit square with its axes, grid and caption.
fn unit_chart<'a, DB: DrawingBackend + 'a>(
    root: &'a DrawingArea<DB, plotters::coord::Shift>,
    caption: &str,
    x_desc: &str,
    y_desc: &str,
) -> Result<Chart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(48)
        .caption(caption, ("sans-serif", 20))
        .build_cartesian_2d(0f64..1f64, 0f64..1f64)?;
    chart
        .configure_mesh()
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 15))
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| format!("{v:.1}"))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .light_line_style(RGBColor(238, 238, 238))
        .draw()?;
    Ok(chart)
}

/// A precision-recall curve's points as the steps scikit-learn draws
/// (`drawstyle="steps-post"`), thinned for drawing only: a point is kept when
/// it moves either coordinate by at least 1/500 from the last one kept, so a
/// test set of any size draws in at most about a thousand points.
fn pr_steps(c: &PrCurve) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    let n = c.recall.len();
    for i in 0..n {
        let (r, p) = (c.recall[i], c.precision[i]);
        let keep = match out.last() {
            None => true,
            Some(&(lr, lp)) => i + 1 == n || (r - lr).abs() >= 0.002 || (p - lp).abs() >= 0.002,
        };
        if keep {
            if let Some(&(_, lp)) = out.last() {
                out.push((r, lp));
            }
            out.push((r, p));
        }
    }
    out
}

fn draw_pr<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    curves: &[PrCurve],
    labels: &[String],
    at: Option<(f64, f64)>,
    bands: Option<&[Band]>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let mut chart = unit_chart(root, "Precision-recall curve", "Recall", "Precision")?;
    draw_bands(&mut chart, bands)?;
    for (i, c) in curves.iter().enumerate() {
        // The chance line: a model that guesses has the prevalence as its precision.
        let color = if curves.len() == 1 { RGBColor(150, 150, 150) } else { PALETTE[i % PALETTE.len()] };
        let line = vec![(0.0, c.prevalence), (1.0, c.prevalence)];
        chart.draw_series(DashedLineSeries::new(line, 5, 4, color.into()))?;
    }
    let lines = curves
        .iter()
        .zip(labels)
        .map(|(c, label)| (format!("{label} (AP {:.3})", c.average_precision), pr_steps(c)))
        .collect();
    draw_lines(&mut chart, lines)?;
    draw_marker(&mut chart, at)
}

fn draw_calibration<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    c: &Calibration,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let y_desc = match c.of {
        CalibrationOf::PositiveClass => "Fraction of positives",
        CalibrationOf::TopLabel => "Fraction predicted right",
    };
    let mut chart = unit_chart(root, "Reliability diagram", "Mean predicted probability", y_desc)?;
    let diagonal = vec![(0.0, 0.0), (1.0, 1.0)];
    chart.draw_series(DashedLineSeries::new(diagonal, 5, 4, RGBColor(150, 150, 150).into()))?;
    let points: Vec<(f64, f64)> = c.prob_pred.iter().copied().zip(c.prob_true.iter().copied()).collect();
    let color = PALETTE[0];
    // Each point with its rows just above it, shifted left so the labels at
    // x = 1 stay inside the chart.
    let font = ("sans-serif", 13).into_font().color(&RGBColor(70, 70, 70));
    chart.draw_series(points.iter().zip(&c.counts).map(|(&p, n)| {
        EmptyElement::at(p)
            + Circle::new((0, 0), 4, color.filled())
            + Text::new(n.to_string(), (-14, -20), font.clone())
    }))?;
    let label = format!("ECE {:.3}", c.ece);
    draw_lines(&mut chart, vec![(label, points)])
}

/// Draws into an SVG string of the chart width and `height`. Drawing into a
/// String cannot fail for I/O reasons; a layout failure leaves a partial
/// chart rather than panicking the page.
fn render(
    height: u32,
    draw: impl FnOnce(
        &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    ) -> Result<(), DrawingAreaErrorKind<std::io::Error>>,
) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        let _ = draw(&root);
        let _ = root.present();
    }
    svg
}

/// Lines with a legend in the lower right, one palette colour each.
fn draw_lines<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    lines: Vec<(String, Vec<(f64, f64)>)>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    for (i, (label, points)) in lines.into_iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font(("sans-serif", 15))
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(200, 200, 200))
        .draw()?;
    Ok(())
}

fn draw_roc<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    curves: &[RocCurve],
    labels: &[String],
    at: Option<(f64, f64)>,
    bands: Option<&[Band]>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let mut chart = unit_chart(root, "ROC curve", "False positive rate", "True positive rate")?;
    draw_bands(&mut chart, bands)?;
    // The chance line: a model no better than guessing.
    chart.draw_series(DashedLineSeries::new(vec![(0.0, 0.0), (1.0, 1.0)], 5, 4, RGBColor(150, 150, 150).into()))?;
    let lines = curves
        .iter()
        .zip(labels)
        .map(|(curve, label)| {
            (
                format!("{label} (AUC {:.3})", curve.auc),
                curve.fpr.iter().copied().zip(curve.tpr.iter().copied()).collect(),
            )
        })
        .collect();
    draw_lines(&mut chart, lines)?;
    draw_marker(&mut chart, at)
}

/// Decimals enough for six axis labels over `[lo, hi]` to differ (a
/// search's ROC AUC often spans 0.01, its RMSE thousands).
pub(crate) fn label_decimals(lo: f64, hi: f64) -> usize {
    let span = hi - lo;
    if !(span > 0.0 && span.is_finite()) {
        return 4;
    }
    (libm::ceil(-libm::log10(span / 6.0)).max(0.0) as usize).min(8)
}

/// Best score so far against trial number, one line per sampler: which
/// search converged faster on this data.
pub fn convergence_svg(series: &[(String, Vec<f64>)]) -> String {
    convergence_of(series, "ROC AUC")
}

/// [`convergence_svg`] of any metric: `series` holds the best value so far
/// per trial (the largest for ROC AUC, the smallest for RMSE), `metric` its name.
pub fn convergence_of(series: &[(String, Vec<f64>)], metric: &str) -> String {
    let text = series
        .iter()
        .map(|(label, v)| format!("{label}: {} trials, best {:.4}", v.len(), v.last().copied().unwrap_or(f64::NAN)))
        .collect::<Vec<_>>()
        .join("; ");
    described(render(320, |root| draw_convergence(root, series, metric)), &format!("{metric} per search trial: {text}"))
}

fn draw_convergence<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    series: &[(String, Vec<f64>)],
    metric: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let n = series.iter().map(|s| s.1.len()).max().unwrap_or(1).max(2);
    let values = series.iter().flat_map(|s| s.1.iter().copied()).filter(|v| v.is_finite());
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi) = if lo < hi {
        (lo - (hi - lo) * 0.05, hi + (hi - lo) * 0.05)
    } else if lo.is_finite() {
        (lo - 0.01, lo + 0.01)
    } else {
        // No finite score at all: an empty frame, not an infinite axis
        // (plotters loops forever looking for its ticks).
        (0.0, 1.0)
    };
    let decimals = label_decimals(lo, hi);
    let mut chart = ChartBuilder::on(root)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(64)
        .caption(format!("Best CV {metric} so far"), ("sans-serif", 20))
        .build_cartesian_2d(1f64..n as f64, lo..hi)?;
    chart
        .configure_mesh()
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 15))
        .x_desc("Trial")
        .y_desc(metric)
        .y_label_formatter(&|v| format!("{v:.decimals$}"))
        .x_label_formatter(&|v| format!("{v:.0}"))
        .light_line_style(RGBColor(238, 238, 238))
        .draw()?;
    let lines = series
        .iter()
        .map(|(label, values)| (label.clone(), values.iter().enumerate().map(|(t, v)| ((t + 1) as f64, *v)).collect()))
        .collect();
    draw_lines(&mut chart, lines)
}

/// Permutation importance as horizontal bars with ±1 standard deviation
/// whiskers, most important first: `(column, mean drop, std)`. Written by
/// hand (as the mini histogram): a bar per row with its label is simpler as
/// SVG than as plotters' categorical axes, and its size grows only with the
/// columns.
pub fn importance_svg(items: &[(String, f64, f64)]) -> String {
    bars_svg(items, "drop in ROC AUC when the column is shuffled")
}

/// Horizontal bars `(label, value, whisker)` over a zero line, with `caption` under the axis.
pub fn bars_svg(items: &[(String, f64, f64)], caption: &str) -> String {
    const LABEL: f64 = 170.0;
    const ROW: f64 = 22.0;
    const TOP: f64 = 8.0;
    const AXIS: f64 = 34.0;
    let w = WIDTH as f64;
    let h = TOP + ROW * items.len() as f64 + AXIS;
    let lo = items.iter().map(|(_, m, s)| m - s).fold(0.0_f64, f64::min);
    let hi = items.iter().map(|(_, m, s)| m + s).fold(0.0_f64, f64::max);
    let hi = if hi - lo <= 0.0 { lo + 1e-3 } else { hi };
    let (x0, x1) = (LABEL, w - 16.0);
    let x = |v: f64| x0 + (v - lo) / (hi - lo) * (x1 - x0);
    let text = items.iter().map(|(name, m, sd)| format!("{name} {m:.4} ± {sd:.4}")).collect::<Vec<_>>().join(", ");
    let label = escape_xml(&format!("{caption}: {text}"));
    let mut svg = format!(
        r#"<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{label}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="13"><rect width="{w}" height="{h}" fill="white"/>"#
    );
    for (i, (name, mean, std)) in items.iter().enumerate() {
        let y = TOP + ROW * i as f64;
        let (a, b) = (x(0.0).min(x(*mean)), x(0.0).max(x(*mean)));
        let label = escape_xml(name);
        svg.push_str(&format!(
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{label}</text><rect x="{a:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="rgb(0,114,178)"><title>{label}: {mean:.4} ± {std:.4}</title></rect><line x1="{:.1}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="black" stroke-width="1.5"/>"#,
            LABEL - 6.0,
            y + ROW * 0.68,
            y + 3.0,
            (b - a).max(0.5),
            ROW - 6.0,
            x(mean - std),
            x(mean + std),
            y + ROW / 2.0,
            y + ROW / 2.0,
        ));
    }
    let base = TOP + ROW * items.len() as f64;
    svg.push_str(&format!(
        r##"<line x1="{:.1}" x2="{:.1}" y1="{TOP}" y2="{base:.1}" stroke="#888"/><line x1="{x0}" x2="{x1}" y1="{base:.1}" y2="{base:.1}" stroke="#888"/>"##,
        x(0.0),
        x(0.0)
    ));
    // The ends anchored inwards, so their labels stay inside the picture.
    for (v, anchor) in [(lo, "start"), (0.0, "middle"), (hi, "end")] {
        // An end label too close to the zero label would overprint it.
        if anchor == "middle" || (x(v) - x(0.0)).abs() > 40.0 {
            svg.push_str(&format!(
                r#"<text x="{:.1}" y="{:.1}" text-anchor="{anchor}">{v:.3}</text>"#,
                x(v),
                base + 15.0
            ));
        }
    }
    svg.push_str(&format!(
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text></svg>"#,
        (x0 + x1) / 2.0,
        base + 30.0,
        escape_xml(caption)
    ));
    svg
}

/// One row's explanation as a waterfall: from the base value, each column's
/// contribution (`label`, φ) as a step right (positive) or left, to the
/// output. Written by hand, as the bars.
pub fn waterfall_svg(base: f64, steps: &[(String, f64)], output: f64, space: &str) -> String {
    const LABEL: f64 = 210.0;
    const ROW: f64 = 22.0;
    let w = WIDTH as f64 + 60.0;
    let n = steps.len() + 2;
    let h = 8.0 + ROW * n as f64 + 36.0;
    let mut running = base;
    let mut ends = vec![base];
    for (_, phi) in steps {
        running += phi;
        ends.push(running);
    }
    let lo = ends.iter().chain([&output]).copied().fold(f64::INFINITY, f64::min);
    let hi = ends.iter().chain([&output]).copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if hi - lo <= 0.0 { (lo - 0.5, hi + 0.5) } else { (lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)) };
    let (x0, x1) = (LABEL, w - 16.0);
    let x = |v: f64| x0 + (v - lo) / (hi - lo) * (x1 - x0);
    let mut svg = format!(
        r#"<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="explanation of one row" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="13"><rect width="{w}" height="{h}" fill="white"/>"#
    );
    let row = |svg: &mut String, i: usize, label: &str, from: f64, to: f64, fill: &str, note: String| {
        let y = 8.0 + ROW * i as f64;
        let (a, b) = (x(from).min(x(to)), x(from).max(x(to)));
        svg.push_str(&format!(
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text><rect x="{a:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fill}"><title>{}</title></rect><text x="{:.1}" y="{:.1}" font-size="11">{}</text>"#,
            LABEL - 6.0,
            y + ROW * 0.68,
            escape_xml(label),
            y + 3.0,
            (b - a).max(1.0),
            ROW - 6.0,
            escape_xml(&note),
            (b + 4.0).min(x1 - 40.0),
            y + ROW * 0.68,
            escape_xml(&note),
        ));
    };
    row(&mut svg, 0, "base value", base, base, "rgb(120,120,120)", format!("{base:.4}"));
    let mut at = base;
    for (i, (label, phi)) in steps.iter().enumerate() {
        let fill = if *phi >= 0.0 { "rgb(0,158,115)" } else { "rgb(213,94,0)" };
        row(&mut svg, i + 1, label, at, at + phi, fill, format!("{phi:+.4}"));
        at += phi;
    }
    row(&mut svg, n - 1, "output", lo.max(0.0).min(output), output, "rgb(0,114,178)", format!("{output:.4}"));
    let bottom = 8.0 + ROW * n as f64;
    svg.push_str(&format!(
        r##"<line x1="{x0}" x2="{x1}" y1="{bottom:.1}" y2="{bottom:.1}" stroke="#888"/><text x="{x0}" y="{:.1}">{lo:.3}</text><text x="{x1}" y="{:.1}" text-anchor="end">{hi:.3}</text><text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text></svg>"##,
        bottom + 15.0,
        bottom + 15.0,
        (x0 + x1) / 2.0,
        bottom + 30.0,
        escape_xml(space)
    ));
    svg
}

/// One column of a beeswarm: its name, and per explained row its SHAP value
/// and its value (as the model saw it; `None` for a column of several features).
pub struct SwarmColumn {
    pub name: String,
    pub points: Vec<(f64, Option<f64>)>,
}

/// A beeswarm of SHAP values, a row of dots per column (largest mean |φ|
/// first, as given): each dot is one explained row, placed at its φ and
/// coloured by the column's value in that row from low (blue) to high
/// (red), grey when the column has no single value (one-hot levels, date
/// parts). Dots that would overlap are stacked up and down from the row's
/// centre line in the order of their φ, so the same values draw the same
/// picture. Written by hand, as the bars.
pub fn beeswarm_svg(columns: &[SwarmColumn], space: &str) -> String {
    const LABEL: f64 = 170.0;
    const ROW: f64 = 30.0;
    const TOP: f64 = 8.0;
    const R: f64 = 2.2;
    let w = WIDTH as f64 + 60.0;
    let h = TOP + ROW * columns.len() as f64 + 52.0;
    let all = columns.iter().flat_map(|c| c.points.iter().map(|p| p.0));
    let (lo, hi) = all.fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let pad = 0.04 * (hi - lo).max(1e-9);
    let (lo, hi) = (lo - pad, hi + pad);
    let (x0, x1) = (LABEL, w - 16.0);
    let x = |v: f64| x0 + (v - lo) / (hi - lo) * (x1 - x0);
    let mut svg = format!(
        r#"<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="SHAP values per row and column" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="13"><rect width="{w}" height="{h}" fill="white"/>"#
    );
    let colour = |t: Option<f64>| match t {
        // shap's colours at the ends: blue (0, 138, 230) for low, red (255, 0, 82) for high.
        Some(t) => {
            let lerp = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
            format!("rgb({},{},{})", lerp(0.0, 255.0), lerp(138.0, 0.0), lerp(230.0, 82.0))
        }
        None => "rgb(150,150,150)".to_string(),
    };
    for (i, c) in columns.iter().enumerate() {
        let mid = TOP + ROW * i as f64 + ROW / 2.0;
        svg.push_str(&format!(
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text><line x1="{x0}" x2="{x1}" y1="{mid:.1}" y2="{mid:.1}" stroke="#eee"/>"##,
            LABEL - 6.0,
            mid + 4.5,
            escape_xml(&c.name)
        ));
        let known: Vec<f64> = c.points.iter().filter_map(|p| p.1).collect();
        let (vlo, vhi) = known.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
        let mut order: Vec<usize> = (0..c.points.len()).collect();
        order.sort_by(|&a, &b| c.points[a].0.total_cmp(&c.points[b].0).then(a.cmp(&b)));
        // Dots per bucket of one diameter along x: the k-th in a bucket goes
        // k/2 diameters above or below the line, within the row.
        let mut in_bucket: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
        let max_k = ((ROW / 2.0 - R) / (2.0 * R)).floor() as usize * 2;
        for j in order {
            let (phi, v) = c.points[j];
            let px = x(phi);
            let k = in_bucket.entry((px / (2.0 * R)).floor() as i64).or_insert(0);
            let step = (*k % (max_k + 1)) as f64;
            let dy = if (*k).is_multiple_of(2) { step / 2.0 } else { -(step + 1.0) / 2.0 } * 2.0 * R;
            *k += 1;
            let t = v.map(|v| if vhi > vlo { (v - vlo) / (vhi - vlo) } else { 0.5 });
            svg.push_str(&format!(r#"<circle cx="{px:.1}" cy="{:.1}" r="{R}" fill="{}"/>"#, mid + dy, colour(t)));
        }
    }
    let base = TOP + ROW * columns.len() as f64;
    svg.push_str(&format!(
        r##"<line x1="{:.1}" x2="{:.1}" y1="{TOP}" y2="{base:.1}" stroke="#888"/><line x1="{x0}" x2="{x1}" y1="{base:.1}" y2="{base:.1}" stroke="#888"/><text x="{x0}" y="{:.1}">{lo:.3}</text><text x="{x1}" y="{:.1}" text-anchor="end">{hi:.3}</text><text x="{:.1}" y="{:.1}" text-anchor="middle">SHAP value ({})</text>"##,
        x(0.0),
        x(0.0),
        base + 15.0,
        base + 15.0,
        (x0 + x1) / 2.0,
        base + 30.0,
        escape_xml(space)
    ));
    svg.push_str(&format!(
        r#"<text x="{x0}" y="{:.1}" font-size="11">column value: <tspan fill="{}">● low</tspan> <tspan fill="{}">● high</tspan> <tspan fill="rgb(150,150,150)">● several features</tspan></text></svg>"#,
        base + 46.0,
        colour(Some(0.0)),
        colour(Some(1.0))
    ));
    svg
}

/// Text for SVG: the five characters XML gives meaning to, escaped.
fn escape_xml(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// A tiny bar histogram for a table cell: bars scaled to the largest count.
/// Written by hand: at 72 × 18 pixels plotters' axes and margins are all overhead.
pub fn mini_histogram_svg(counts: &[usize]) -> String {
    const W: f64 = 72.0;
    const H: f64 = 18.0;
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    let bar = W / counts.len().max(1) as f64;
    let mut svg = format!(
        r#"<svg class="mini-hist" width="{W}" height="{H}" viewBox="0 0 {W} {H}" role="img" aria-label="histogram" xmlns="http://www.w3.org/2000/svg">"#
    );
    for (i, &n) in counts.iter().enumerate() {
        let h = if n == 0 { 0.0 } else { (H * n as f64 / max).max(1.0) };
        svg.push_str(&format!(
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{h:.1}" fill="rgb(0,114,178)"/>"#,
            i as f64 * bar + 0.5,
            H - h,
            (bar - 1.0).max(0.5)
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_pipeline::metrics::roc_curve;

    #[test]
    fn convergence_golden() {
        let svg = convergence_svg(&[
            ("random".into(), vec![0.90, 0.92, 0.92, 0.95]),
            ("tpe".into(), vec![0.91, 0.94, 0.96, 0.97]),
        ]);
        assert!(svg.contains(">\nrandom\n<") || svg.contains("random"));
        check_golden("convergence.svg", &svg);
    }

    #[test]
    fn mini_histogram_scales_to_the_largest_bin() {
        let svg = mini_histogram_svg(&[1, 0, 4]);
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains(r#"y="0.0" width="23.0" height="18.0""#), "{svg}");
        assert!(svg.contains(r#"height="0.0""#), "an empty bin has no height: {svg}");
    }

    /// Golden file: rerun with `UPDATE_GOLDEN=1 cargo test -p glassbox-charts` after an intended change.
    fn check_golden(name: &str, actual: &str) {
        let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(std::path::Path::new(&path).parent().unwrap()).unwrap();
            std::fs::write(&path, actual).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("missing golden file {path}"));
        assert_eq!(actual, expected, "{name} differs from its golden file");
    }

    #[test]
    fn roc_binary_golden() {
        let c = roc_curve(&[false, false, true, true, false, true], &[0.1, 0.4, 0.35, 0.8, 0.7, 0.9]);
        let svg = roc_svg(&[c], &["malignant".into()]);
        assert!(svg.contains("malignant (AUC 0.778)"));
        check_golden("roc_binary.svg", &svg);
    }

    #[test]
    fn the_operating_point_is_marked_only_when_given() {
        let (y, score) = ([false, false, true, true, false, true], [0.1, 0.4, 0.35, 0.8, 0.7, 0.9]);
        let circles = |svg: &str| svg.matches("<circle").count();
        let roc = [roc_curve(&y, &score)];
        let pr = [glassbox_pipeline::metrics::pr_curve(&y, &score)];
        let label = ["malignant".to_string()];
        assert_eq!(
            circles(&roc_svg_at(&roc, &label, Some((1.0 / 3.0, 2.0 / 3.0)), None)) - circles(&roc_svg(&roc, &label)),
            2
        );
        assert_eq!(circles(&pr_svg_at(&pr, &label, Some((2.0 / 3.0, 0.5)), None)) - circles(&pr_svg(&pr, &label)), 2);
    }

    #[test]
    fn cross_validation_bands_shade_the_spread_and_say_so() {
        let (y, score) = ([false, false, true, true, false, true], [0.1, 0.4, 0.35, 0.8, 0.7, 0.9]);
        let roc = [roc_curve(&y, &score)];
        let label = ["malignant".to_string()];
        let grid = glassbox_pipeline::bands::GRID;
        let band = Band { mean: vec![0.5; grid], std: vec![0.1; grid] };
        let with = roc_svg_at(&roc, &label, None, Some(std::slice::from_ref(&band)));
        let without = roc_svg(&roc, &label);
        assert!(with.contains("CV folds: mean ± 1 std") && !without.contains("CV folds"));
        assert_eq!(with.matches("<polygon").count(), without.matches("<polygon").count() + 1, "one shaded area");
    }

    #[test]
    fn a_beeswarm_draws_a_dot_per_row_and_column_coloured_by_value() {
        let columns = [
            SwarmColumn { name: "age".into(), points: vec![(0.5, Some(1.0)), (-0.2, Some(0.0)), (0.1, Some(0.5))] },
            SwarmColumn { name: "town<x>".into(), points: vec![(0.0, None), (0.0, None), (0.3, None)] },
        ];
        let svg = beeswarm_svg(&columns, "log-odds");
        assert_eq!(svg.matches("<circle").count(), 6);
        assert!(svg.contains("rgb(255,0,82)") && svg.contains("rgb(0,138,230)"), "the ends of the value scale");
        assert!(svg.contains("town&lt;x&gt;") && svg.contains("SHAP value (log-odds)"));
        // Two equal values in one row do not overprint: they are stacked.
        let ys: Vec<&str> = svg.match_indices("cy=\"").map(|(i, _)| &svg[i + 4..i + 9]).collect();
        assert_ne!(ys[3], ys[4], "{ys:?}");
    }

    #[test]
    fn roc_multiclass_golden_escapes_labels() {
        let a = roc_curve(&[true, false, false, true], &[0.9, 0.1, 0.3, 0.6]);
        let b = roc_curve(&[false, true, false, false], &[0.2, 0.8, 0.5, 0.1]);
        let svg = roc_svg(&[a, b], &["<a&b>".into(), "Gentoo".into()]);
        assert!(!svg.contains("<a&b>"), "labels must be escaped in SVG text");
        check_golden("roc_multiclass.svg", &svg);
    }
}
