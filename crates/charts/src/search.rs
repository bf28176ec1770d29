//! The search's second look: which parameter the score depended on (fANOVA
//! importance as bars) and the score against that parameter's value, every
//! trial a dot, the refinement's grid as squares and the chosen trial ringed.

use plotters::prelude::*;

use crate::regression::{axis_number, padded};
use crate::{bars_svg, described, render, PALETTE};

/// The parameters' importance as bars, most important first: `(name, share, std over the trees)`.
pub fn param_importance_svg(items: &[(String, f64, f64)]) -> String {
    bars_svg(items, "share of the trials' score variance (fANOVA) ± standard error over trees")
}

/// One parameter's trials: the value and the score in the metric's own
/// units (ROC AUC, RMSE).
pub struct TrialPoints<'a> {
    pub param: &'a str,
    /// Drawn on a log scale (the parameter was searched on one).
    pub log: bool,
    pub metric: &'a str,
    pub search: &'a [(f64, f64)],
    /// The refinement's grid, if it ran.
    pub grid: &'a [(f64, f64)],
    /// The trial the final model took.
    pub best: Option<(f64, f64)>,
}

/// The score against the parameter's value.
pub fn trials_svg(t: &TrialPoints<'_>) -> String {
    // A log scale is drawn as log10 of the value, with the values as labels.
    let x = |v: f64| if t.log { libm::log10(v) } else { v };
    let best = t.best.map_or_else(|| "none".to_string(), |(v, s)| format!("{} = {v} ({} {s:.4})", t.param, t.metric));
    let text = format!(
        "{} against {}: {} search trials, {} grid trials; the final model's trial: {best}",
        t.metric,
        t.param,
        t.search.len(),
        t.grid.len()
    );
    let svg = render(320, |root| {
        root.fill(&WHITE)?;
        let all = || t.search.iter().chain(t.grid).copied().filter(|p| p.0.is_finite() && p.1.is_finite());
        let (x_lo, x_hi) = padded(all().map(|p| x(p.0)));
        let (y_lo, y_hi) = padded(all().map(|p| p.1));
        // Enough decimals that six labels over the span differ (ROC AUC
        // trials often lie within 0.01 of each other).
        let decimals = crate::label_decimals(y_lo, y_hi);
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .caption(format!("CV {} by {}", t.metric, t.param), ("sans-serif", 20))
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
        let log = t.log;
        chart
            .configure_mesh()
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .x_desc(if log { format!("{} (log scale)", t.param) } else { t.param.to_string() })
            .y_desc(t.metric)
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&|v| axis_number(if log { libm::pow(10.0, *v) } else { *v }))
            .y_label_formatter(&|v| format!("{v:.decimals$}"))
            .light_line_style(RGBColor(238, 238, 238))
            .draw()?;
        let finite = |p: &&(f64, f64)| p.0.is_finite() && p.1.is_finite();
        chart
            .draw_series(
                t.search.iter().filter(finite).map(|p| Circle::new((x(p.0), p.1), 3, PALETTE[0].mix(0.6).filled())),
            )?
            .label("search trial")
            .legend(|(a, b)| Circle::new((a + 8, b), 3, PALETTE[0].filled()));
        if !t.grid.is_empty() {
            let grid = t.grid.iter().filter(finite);
            chart.draw_series(grid.map(|p| {
                let c = (x(p.0), p.1);
                EmptyElement::at(c) + Rectangle::new([(-3, -3), (3, 3)], PALETTE[5].filled())
            }))?;
        }
        if let Some((v, s)) = t.best.filter(|p| finite(&p)) {
            chart.draw_series(std::iter::once(Circle::new((x(v), s), 7, BLACK.stroke_width(2))))?;
        }
        // No legend box: it would hide trials; the page says what the marks are.
        Ok(())
    });
    described(svg, &text)
}
