//! The charts of a number to predict: predicted against actual with the
//! identity line, residuals against predicted with the zero line, and the
//! residuals' histogram. Past [`DOTS`] points a scatter becomes a density
//! view (rows counted in a grid of cells, darker where more fall), so a
//! chart of 100,000 test rows stays a few hundred shapes and still shows
//! where the rows are.

use plotters::prelude::*;

use crate::{described, render, PALETTE};

/// The most rows drawn as dots; more are drawn as a density grid.
pub const DOTS: usize = 5000;

/// Cells per side of the density grid.
const CELLS: usize = 60;

/// The range `[lo, hi]` of values, widened a little (or made one unit wide
/// for a single value) so no point sits on the frame.
pub(crate) fn padded(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) =
        values.filter(|v| v.is_finite()).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    if span > 0.0 && span.is_finite() {
        (lo - span * 0.04, hi + span * 0.04)
    } else {
        let half = if lo == 0.0 { 0.5 } else { lo.abs() * 0.05 };
        (lo - half, hi + half)
    }
}

/// A number for an axis: short, in scientific notation when large or small.
pub(crate) fn axis_number(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e6).contains(&a) {
        format!("{v:.2e}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// A scatter of `points` with a reference line (`identity`: y = x; else y = 0).
fn scatter(points: &[(f64, f64)], caption: &str, x_desc: &str, y_desc: &str, identity: bool) -> String {
    render(400, |root| {
        root.fill(&WHITE)?;
        let (x_lo, x_hi) = padded(points.iter().map(|p| p.0));
        let (y_lo, y_hi) = if identity {
            // One scale for both axes, so the identity line is the diagonal.
            let (lo, hi) = padded(points.iter().flat_map(|p| [p.0, p.1]));
            (lo, hi)
        } else {
            let m = padded(points.iter().map(|p| p.1));
            let far = m.0.abs().max(m.1.abs());
            (-far, far)
        };
        let (x_lo, x_hi) = if identity { (y_lo, y_hi) } else { (x_lo, x_hi) };
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .caption(caption, ("sans-serif", 20))
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
        chart
            .configure_mesh()
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .x_desc(x_desc)
            .y_desc(y_desc)
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&|v| axis_number(*v))
            .y_label_formatter(&|v| axis_number(*v))
            .light_line_style(RGBColor(238, 238, 238))
            .draw()?;
        let line = if identity { vec![(x_lo, x_lo), (x_hi, x_hi)] } else { vec![(x_lo, 0.0), (x_hi, 0.0)] };
        chart.draw_series(LineSeries::new(line, RGBColor(110, 110, 110).stroke_width(1)))?;
        let colour = PALETTE[0];
        if points.len() <= DOTS {
            chart.draw_series(
                points
                    .iter()
                    .filter(|p| p.0.is_finite() && p.1.is_finite())
                    .map(|&p| Circle::new(p, 2, colour.mix(0.55).filled())),
            )?;
        } else {
            let (w, h) = ((x_hi - x_lo) / CELLS as f64, (y_hi - y_lo) / CELLS as f64);
            let mut counts = vec![0usize; CELLS * CELLS];
            for &(x, y) in points {
                let i = (((x - x_lo) / w) as usize).min(CELLS - 1);
                let j = (((y - y_lo) / h) as usize).min(CELLS - 1);
                counts[j * CELLS + i] += 1;
            }
            let most = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
            chart.draw_series(counts.iter().enumerate().filter(|(_, &c)| c > 0).map(|(k, &c)| {
                let (i, j) = ((k % CELLS) as f64, (k / CELLS) as f64);
                // Darker with the count's logarithm, so a few rows still show.
                let shade = 0.15 + 0.85 * libm::log1p(c as f64) / libm::log1p(most);
                Rectangle::new(
                    [(x_lo + i * w, y_lo + j * h), (x_lo + (i + 1.0) * w, y_lo + (j + 1.0) * h)],
                    colour.mix(shade).filled(),
                )
            }))?;
        }
        Ok(())
    })
}

/// Predicted against actual, one dot per test row (a density view past
/// [`DOTS`]), with the identity line where a perfect model's rows would lie.
pub fn predicted_actual_svg(actual: &[f64], predicted: &[f64], r2: Option<f64>, rmse: f64) -> String {
    let points: Vec<(f64, f64)> = actual.iter().copied().zip(predicted.iter().copied()).collect();
    let svg = scatter(&points, "Predicted against actual", "actual", "predicted", true);
    let r2 = r2.map_or_else(|| "not defined".to_string(), |v| format!("{v:.4}"));
    described(
        svg,
        &format!(
            "Predicted against actual for {} test rows{}: R² {r2}, RMSE {}; a perfect model's rows would lie on the diagonal",
            points.len(),
            if points.len() > DOTS { " (as a density grid)" } else { "" },
            axis_number(rmse)
        ),
    )
}

/// Residuals (actual − predicted) against the prediction, with the zero
/// line: a trend or a funnel shows where the model is biased or unsure.
pub fn residuals_svg(predicted: &[f64], residuals: &[f64]) -> String {
    let points: Vec<(f64, f64)> = predicted.iter().copied().zip(residuals.iter().copied()).collect();
    let svg = scatter(&points, "Residuals against predicted", "predicted", "actual − predicted", false);
    let largest = residuals.iter().fold(0.0f64, |m, r| m.max(r.abs()));
    described(
        svg,
        &format!(
            "Residuals (actual minus predicted) of {} test rows against the prediction; the largest is {} in size; rows above zero were predicted too low",
            points.len(),
            axis_number(largest)
        ),
    )
}

/// The residuals' histogram in `bins` equal bins.
pub fn residual_histogram_svg(residuals: &[f64], bins: usize) -> String {
    let (lo, hi) = padded(residuals.iter().copied());
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0usize; bins];
    for &r in residuals.iter().filter(|r| r.is_finite()) {
        counts[(((r - lo) / width) as usize).min(bins - 1)] += 1;
    }
    let most = counts.iter().copied().max().unwrap_or(0).max(1);
    let svg = render(320, |root| {
        root.fill(&WHITE)?;
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .caption("Residuals", ("sans-serif", 20))
            .build_cartesian_2d(lo..hi, 0f64..most as f64 * 1.05)?;
        chart
            .configure_mesh()
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .x_desc("actual − predicted")
            .y_desc("test rows")
            .x_labels(6)
            .x_label_formatter(&|v| axis_number(*v))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .light_line_style(RGBColor(238, 238, 238))
            .draw()?;
        chart.draw_series(counts.iter().enumerate().map(|(i, &c)| {
            let x = lo + i as f64 * width;
            Rectangle::new([(x, 0.0), (x + width, c as f64)], PALETTE[0].mix(0.8).filled())
        }))?;
        Ok(())
    });
    described(
        svg,
        &format!(
            "Histogram of {} residuals in {bins} bins from {} to {}; the fullest bin holds {most} rows",
            residuals.len(),
            axis_number(lo),
            axis_number(hi)
        ),
    )
}
