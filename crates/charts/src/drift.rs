//! Monitoring's two charts, written by hand as the bars are (plain SVG
//! text, the same in the app, the report and natively): a column's
//! reference and current shares side by side, and performance period by
//! period.

use glassbox_pipeline::monitor::decay::PeriodScore;
use glassbox_pipeline::monitor::drift::Histogram;
use glassbox_pipeline::monitor::errors::PeriodErrors;
use glassbox_pipeline::monitor::short_number;

use crate::{escape_xml, WIDTH};

const REFERENCE: &str = "rgb(0,114,178)";
const CURRENT: &str = "rgb(230,159,0)";

/// Reference (blue) and current (orange) shares per bin or level, as
/// vertical bar pairs, with a legend; `column` names it for screen readers.
pub fn drift_histogram_svg(h: &Histogram, column: &str) -> String {
    const TOP: f64 = 30.0;
    const PLOT: f64 = 170.0;
    // A label's width at 12 px (about 6.6 px a character), cut at 18 characters.
    const CHAR: f64 = 6.6;
    const LONGEST: usize = 18;
    let w = WIDTH as f64;
    let n = h.labels.len().max(1) as f64;
    let longest = h.labels.iter().map(|l| l.chars().count().min(LONGEST)).max().unwrap_or(0) as f64 * CHAR;
    // Level names that fit side by side stay level; else they turn 45°, and
    // the axis and the left margin grow to hold the longest one (they were
    // clipped at the edges).
    let level = n * (longest + 8.0) <= w - 56.0;
    let turned = longest * std::f64::consts::FRAC_1_SQRT_2;
    let axis = if level { 24.0 } else { 20.0 + turned };
    let x0 = if level { 44.0 } else { (turned - (w - 56.0) / n / 2.0 + 8.0).max(44.0) };
    let total = TOP + PLOT + axis;
    let x1 = w - 12.0;
    let slot = (x1 - x0) / n;
    let max = h.reference.iter().chain(&h.current).copied().fold(0.0_f64, f64::max).max(1e-9);
    let y = |v: f64| TOP + PLOT - v / max * PLOT;
    let name = escape_xml(column);
    let mut svg = format!(
        r#"<svg width="{w}" height="{total}" viewBox="0 0 {w} {total}" role="img" aria-label="reference and current distribution of {name}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12"><rect width="{w}" height="{total}" fill="white"/>"#
    );
    svg.push_str(&format!(
        r#"<rect x="{x0}" y="6" width="12" height="12" fill="{REFERENCE}"/><text x="{:.1}" y="16">reference</text><rect x="{:.1}" y="6" width="12" height="12" fill="{CURRENT}"/><text x="{:.1}" y="16">current</text>"#,
        x0 + 16.0,
        x0 + 100.0,
        x0 + 116.0
    ));
    for (i, label) in h.labels.iter().enumerate() {
        let left = x0 + slot * i as f64;
        let bar = (slot * 0.4).max(0.5);
        let label = escape_xml(label);
        for (k, (v, colour, side)) in
            [(h.reference[i], REFERENCE, "reference"), (h.current[i], CURRENT, "current")].into_iter().enumerate()
        {
            let top = y(v);
            svg.push_str(&format!(
                r#"<rect x="{:.1}" y="{top:.1}" width="{bar:.1}" height="{:.1}" fill="{colour}"><title>{label}: {side} {:.1}%</title></rect>"#,
                left + slot * 0.1 + bar * k as f64,
                TOP + PLOT - top,
                100.0 * v
            ));
        }
        // A long label is cut (its bar's title holds it whole), before it is
        // escaped: a cut through an escape would break the SVG.
        let short = escape_xml(&h.labels[i].chars().take(LONGEST).collect::<String>());
        let (cx, cy) = (left + slot / 2.0, TOP + PLOT + 14.0);
        if level {
            svg.push_str(&format!(r#"<text x="{cx:.1}" y="{cy:.1}" text-anchor="middle">{short}</text>"#));
        } else {
            svg.push_str(&format!(
                r#"<text x="{cx:.1}" y="{cy:.1}" text-anchor="end" transform="rotate(-45 {cx:.1} {cy:.1})">{short}</text>"#
            ));
        }
    }
    svg.push_str(&format!(
        r##"<line x1="{x0}" x2="{x1}" y1="{:.1}" y2="{:.1}" stroke="#888"/><text x="{:.1}" y="{:.1}" text-anchor="end">{:.0}%</text><text x="{:.1}" y="{:.1}" text-anchor="end">0%</text></svg>"##,
        TOP + PLOT,
        TOP + PLOT,
        x0 - 4.0,
        TOP + 10.0,
        100.0 * max,
        x0 - 4.0,
        TOP + PLOT
    ));
    svg
}

/// F1, accuracy and ROC AUC per period as three lines over the periods'
/// start dates, the reference F1 (the test set's) dashed.
pub fn decay_svg(periods: &[PeriodScore], reference_f1: Option<f64>) -> String {
    let starts: Vec<(&str, usize)> = periods.iter().map(|p| (p.start.as_str(), p.rows)).collect();
    let lines = [
        Line { name: "F1", colour: REFERENCE, values: periods.iter().map(|p| Some(p.f1)).collect() },
        Line { name: "accuracy", colour: "rgb(0,158,115)", values: periods.iter().map(|p| Some(p.accuracy)).collect() },
        Line { name: "ROC AUC", colour: "rgb(204,121,167)", values: periods.iter().map(|p| p.roc_auc).collect() },
    ];
    let reference = reference_f1.map(|r| (r, format!("test-set F1 {r:.4}")));
    period_lines_svg(
        &starts,
        &lines,
        reference,
        1.0,
        "F1, accuracy and ROC AUC per period",
        |t| format!("{t:.2}"),
        |v| format!("{v:.4}"),
    )
}

/// A regressor's RMSE and MAE per period over the periods' start dates,
/// the test set's RMSE dashed; the axis starts at 0 and tops above the
/// largest.
pub fn errors_svg(periods: &[PeriodErrors], reference_rmse: Option<f64>) -> String {
    let starts: Vec<(&str, usize)> = periods.iter().map(|p| (p.start.as_str(), p.rows)).collect();
    let lines = [
        Line { name: "RMSE", colour: REFERENCE, values: periods.iter().map(|p| Some(p.rmse)).collect() },
        Line { name: "MAE", colour: "rgb(0,158,115)", values: periods.iter().map(|p| Some(p.mae)).collect() },
    ];
    let largest = periods.iter().map(|p| p.rmse).chain(reference_rmse).filter(|v| v.is_finite()).fold(0.0, f64::max);
    let top = if largest > 0.0 { largest * 1.15 } else { 1.0 };
    let reference = reference_rmse.map(|r| (r, format!("test-set RMSE {}", short_number(r))));
    period_lines_svg(&starts, &lines, reference, top, "RMSE and MAE per period", short_number, short_number)
}

struct Line {
    name: &'static str,
    colour: &'static str,
    values: Vec<Option<f64>>,
}

/// Lines over periods on an axis from 0 to `top`, with a legend, a
/// dashed reference level, and at most eight date labels.
fn period_lines_svg(
    starts: &[(&str, usize)],
    lines: &[Line],
    reference: Option<(f64, String)>,
    top: f64,
    aria: &str,
    tick: impl Fn(f64) -> String,
    value_text: impl Fn(f64) -> String,
) -> String {
    const TOP: f64 = 30.0;
    const PLOT: f64 = 200.0;
    const AXIS: f64 = 56.0;
    let w = WIDTH as f64;
    let total = TOP + PLOT + AXIS;
    let (x0, x1) = (44.0, w - 16.0);
    let n = starts.len();
    let x = |i: usize| if n <= 1 { (x0 + x1) / 2.0 } else { x0 + (x1 - x0) * i as f64 / (n - 1) as f64 };
    let y = |v: f64| TOP + PLOT - (v / top).clamp(0.0, 1.0) * PLOT;
    let mut svg = format!(
        r#"<svg width="{w}" height="{total}" viewBox="0 0 {w} {total}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12"><rect width="{w}" height="{total}" fill="white"/>"#,
        escape_xml(aria)
    );
    for t in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let v = t * top;
        svg.push_str(&format!(
            r##"<line x1="{x0}" x2="{x1}" y1="{:.1}" y2="{:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            y(v),
            y(v),
            x0 - 4.0,
            y(v) + 4.0,
            tick(v)
        ));
    }
    if let Some((r, title)) = reference {
        svg.push_str(&format!(
            r#"<line x1="{x0}" x2="{x1}" y1="{:.1}" y2="{:.1}" stroke="{REFERENCE}" stroke-dasharray="5 4"><title>{}</title></line>"#,
            y(r),
            y(r),
            escape_xml(&title)
        ));
    }
    // The first line is drawn last, on top (F1 runs close to accuracy).
    for (k, line) in lines.iter().enumerate().rev() {
        let (name, colour) = (line.name, line.colour);
        let points: Vec<(f64, f64)> =
            line.values.iter().enumerate().filter_map(|(i, v)| v.map(|v| (x(i), y(v)))).collect();
        let path: Vec<String> = points.iter().map(|(a, b)| format!("{a:.1},{b:.1}")).collect();
        svg.push_str(&format!(
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#,
            path.join(" ")
        ));
        for (i, (start, rows)) in starts.iter().enumerate() {
            if let Some(v) = line.values[i] {
                svg.push_str(&format!(
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{colour}"><title>{}: {name} {} ({rows} rows)</title></circle>"#,
                    x(i),
                    y(v),
                    escape_xml(start),
                    value_text(v)
                ));
            }
        }
        let lx = x0 + 110.0 * k as f64;
        svg.push_str(&format!(
            r#"<rect x="{lx:.1}" y="8" width="12" height="12" fill="{colour}"/><text x="{:.1}" y="18">{name}</text>"#,
            lx + 16.0
        ));
    }
    // At most eight date labels, evenly picked.
    let step = n.div_ceil(8).max(1);
    for (i, (start, _)) in starts.iter().enumerate().filter(|(i, _)| i % step == 0 || *i + 1 == n) {
        // The end labels anchored inwards, so they stay inside the picture.
        let anchor = if n > 1 && i == 0 {
            "start"
        } else if n > 1 && i + 1 == n {
            "end"
        } else {
            "middle"
        };
        svg.push_str(&format!(
            r#"<text x="{:.1}" y="{:.1}" text-anchor="{anchor}">{}</text>"#,
            x(i),
            TOP + PLOT + 18.0,
            escape_xml(start)
        ));
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_pairs_every_bar_and_escapes_labels() {
        let h = Histogram {
            labels: vec!["<a>".into(), "b&c".into()],
            reference: vec![0.25, 0.75],
            current: vec![0.5, 0.5],
        };
        let svg = drift_histogram_svg(&h, "x<y");
        assert_eq!(svg.matches("<rect").count(), 1 + 2 + 4, "background, legend, two pairs");
        assert!(svg.contains("&lt;a&gt;: reference 25.0%") && svg.contains("b&amp;c: current 50.0%"));
        assert!(svg.contains("aria-label=\"reference and current distribution of x&lt;y\""));
        assert!(svg.contains(">75%<"), "the axis tops at the largest share: {svg}");
    }

    #[test]
    fn decay_chart_skips_undefined_aucs_and_keeps_end_labels_inside() {
        let p = |start: &str, f1: f64, auc: Option<f64>| PeriodScore {
            start: start.into(),
            rows: 10,
            f1,
            accuracy: f1,
            roc_auc: auc,
            change: None,
        };
        let svg = decay_svg(
            &[p("2026-11-02", 0.9, Some(0.95)), p("2026-11-09", 0.8, None), p("2026-11-16", 0.7, Some(0.9))],
            Some(0.92),
        );
        assert_eq!(svg.matches("<circle").count(), 3 + 3 + 2);
        assert!(svg.contains("text-anchor=\"start\">2026-11-02") && svg.contains("text-anchor=\"end\">2026-11-16"));
        assert!(svg.contains("test-set F1 0.9200"));
    }
}
