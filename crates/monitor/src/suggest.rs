//! What to do about a drifting column, read from its numbers: a unit
//! change (current ≈ factor × reference across the deciles), new levels, a
//! jump in missing values, a column that became constant, clipping, values
//! outside the training range, a shift, a change in the mix of levels.
//! Each suggestion says what was measured, so it can be checked.

use crate::drift::{ColumnDrift, Spread, Top};
use crate::short_number;

/// Conversions people meet, as (factor, what it usually is).
const FACTORS: [(f64, &str); 14] = [
    (18.0, "glucose mmol/L → mg/dL"),
    (1.0 / 18.0, "glucose mg/dL → mmol/L"),
    (1000.0, "e.g. kg → g, L → mL, or thousands written out"),
    (0.001, "e.g. g → kg, mL → L, or values now in thousands"),
    (100.0, "e.g. m → cm, or a fraction now written as a percent"),
    (0.01, "e.g. cm → m, or a percent now written as a fraction"),
    (60.0, "e.g. hours → minutes, minutes → seconds"),
    (1.0 / 60.0, "e.g. minutes → hours, seconds → minutes"),
    (2.54, "inches → cm"),
    (1.0 / 2.54, "cm → inches"),
    (0.4536, "pounds → kg"),
    (1.0 / 0.4536, "kg → pounds"),
    (3600.0, "hours → seconds"),
    (1.0 / 3600.0, "seconds → hours"),
];

/// How closely the decile ratios must agree for a scale factor: a tenth,
/// since the stored profile's deciles come from the training rows only
/// and sampling alone moves a ratio by a few percent.
const RATIO_AGREEMENT: f64 = 0.10;
/// How close a factor must be to a named one.
const FACTOR_MATCH: f64 = 0.03;

/// The rise in a column's missing share when it is a jump a person must
/// see (at least 5 points and at least double the reference's share),
/// whether or not its remaining values drifted.
pub(crate) fn missing_jump(c: &ColumnDrift) -> Option<f64> {
    let jump = c.missing_current - c.missing_reference;
    (jump >= 0.05 && c.missing_current >= 2.0 * c.missing_reference).then_some(jump)
}

pub(crate) fn suggest(c: &ColumnDrift) -> Top {
    let top = |finding: &str, suggestion: String, factor: Option<f64>| Top {
        column: c.column.clone(),
        suggestion,
        finding: finding.to_string(),
        factor,
    };
    let pct = |x: f64| format!("{:.1}%", 100.0 * x);
    if let Some(s) = &c.spread {
        if s.current_distinct == Some(1) && s.reference_distinct > 1 {
            return top(
                "constant",
                format!(
                    "every current value is {} (the reference had {} distinct values, from {} to {}): a stuck sensor or a default filled in upstream; check the source",
                    short_number(s.current[0]),
                    s.reference_distinct,
                    short_number(s.reference[0]),
                    short_number(s.reference[10])
                ),
                None,
            );
        }
    }
    if missing_jump(c).is_some() {
        return top(
            "missing_jump",
            format!(
                "missing values rose from {} to {} of rows: check the source's extraction (a failed join, a renamed or dropped field); the model fills them with the training gap value meanwhile",
                pct(c.missing_reference),
                pct(c.missing_current)
            ),
            None,
        );
    }
    if !c.new_levels.is_empty() {
        let total: u64 = c.new_levels.iter().map(|l| l.count).sum();
        let shown: Vec<String> = c.new_levels.iter().take(5).map(|l| format!("'{}' ({})", l.level, l.count)).collect();
        let more = c.new_levels.len().saturating_sub(5);
        return top(
            "new_levels",
            format!(
                "{} level{} never seen in training, {} of the current values: {}{}; map them to known levels at the source, or retrain with them",
                c.new_levels.len(),
                if c.new_levels.len() == 1 { "" } else { "s" },
                pct(total as f64 / c.current_values.max(1) as f64),
                shown.join(", "),
                if more > 0 { format!(" and {more} more") } else { String::new() }
            ),
            None,
        );
    }
    if let Some(s) = &c.spread {
        if let Some((factor, named)) = unit_change(s) {
            let name = named.map_or(String::new(), |n| format!(" (×{} is, for example, {n})", short_number(factor)));
            return top(
                "unit_change",
                format!(
                    "current values are about {} × the reference at every decile (median {} against {}): a unit change{}; convert at the source (divide by {}), or retrain on the new unit",
                    short_number(factor),
                    short_number(s.current[5]),
                    short_number(s.reference[5]),
                    name,
                    short_number(factor)
                ),
                Some(factor),
            );
        }
        if let Some((slope, intercept, what)) = affine_change(s) {
            return top(
                "unit_change",
                format!(
                    "current values are about {} × the reference + {} at every decile: a unit change, {what}; convert at the source, or retrain on the new unit",
                    short_number(slope),
                    short_number(intercept)
                ),
                Some(slope),
            );
        }
        let (lo, hi) = (s.reference[0], s.reference[10]);
        // A tenth of the current values at the maximum (or minimum), which
        // the reference passed: the values were cut there.
        if s.current[9] == s.current[10] && s.current[10] < hi && s.reference[9] < s.reference[10] {
            return top("clipped", clipped(s.current[10], "reached", hi), None);
        }
        if s.current[0] == s.current[1] && s.current[0] > lo && s.reference[0] < s.reference[1] {
            return top("clipped", clipped(s.current[0], "went down to", lo), None);
        }
        let outside_low = s.current[1] < lo;
        let outside_high = s.current[9] > hi;
        if outside_low || outside_high {
            return top(
                "out_of_range",
                format!(
                    "over 10% of current values lie outside the training range {} … {} (current deciles {} … {}): the model extrapolates there; check the source, or retrain on recent rows",
                    short_number(lo),
                    short_number(hi),
                    short_number(s.current[1]),
                    short_number(s.current[9])
                ),
                None,
            );
        }
        let moved = if s.reference_std > 0.0 { (s.current[5] - s.reference[5]) / s.reference_std } else { 0.0 };
        return top(
            "shift",
            format!(
                "the median moved from {} to {} ({:+.2} reference standard deviations; mean {} → {}): if the change is real, retrain on recent rows; if not, check the source",
                short_number(s.reference[5]),
                short_number(s.current[5]),
                moved,
                short_number(s.reference_mean),
                short_number(s.current_mean)
            ),
            None,
        );
    }
    // Categories: the level whose share moved most.
    let h = &c.histogram;
    let biggest = (0..h.labels.len()).max_by(|&a, &b| {
        (h.current[a] - h.reference[a]).abs().total_cmp(&(h.current[b] - h.reference[b]).abs()).then(b.cmp(&a))
    });
    match biggest {
        Some(k) => {
            let vanished = if c.vanished_levels.is_empty() {
                String::new()
            } else {
                format!(
                    "; gone from the current data: {}",
                    c.vanished_levels.iter().take(5).cloned().collect::<Vec<_>>().join(", ")
                )
            };
            top(
                "mix_change",
                format!(
                    "'{}' went from {} to {} of values{vanished}: if the mix really changed, retrain on recent rows; if not, check how the source assigns it",
                    h.labels[k],
                    pct(h.reference[k]),
                    pct(h.current[k])
                ),
                None,
            )
        }
        None => top("mix_change", "the distribution changed: compare the histograms".into(), None),
    }
}

fn clipped(at: f64, verb: &str, reference: f64) -> String {
    format!(
        "at least 10% of current values sit exactly at {} while the reference {verb} {}: values look clipped at the source; check the extraction's limits",
        short_number(at),
        short_number(reference)
    )
}

/// A scale factor when current ≈ factor × reference at every interior
/// decile (ratios within 10% of their median), with its usual name.
pub fn unit_change(s: &Spread) -> Option<(f64, Option<&'static str>)> {
    let ratios: Vec<f64> = (1..10)
        .filter(|&k| s.reference[k].abs() > 1e-12 && s.current[k].is_finite())
        .map(|k| s.current[k] / s.reference[k])
        .collect();
    if ratios.len() < 5 {
        return None;
    }
    let mut sorted = ratios.clone();
    sorted.sort_by(f64::total_cmp);
    let m = sorted[sorted.len() / 2];
    if m <= 0.0 || (m - 1.0).abs() < 0.1 || ratios.iter().any(|r| (r / m - 1.0).abs() > RATIO_AGREEMENT) {
        return None;
    }
    let named = FACTORS.iter().find(|(f, _)| (m / f - 1.0).abs() < FACTOR_MATCH);
    Some(match named {
        // Name the factor itself, not the noisy median.
        Some(&(f, what)) => (f, Some(what)),
        None => (m, None),
    })
}

/// Celsius and Fahrenheit: current ≈ a × reference + b at every decile.
fn affine_change(s: &Spread) -> Option<(f64, f64, &'static str)> {
    let (x, y): (Vec<f64>, Vec<f64>) = (1..10).map(|k| (s.reference[k], s.current[k])).unzip();
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxx: f64 = x.iter().map(|v| (v - mx) * (v - mx)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let sxy: f64 = x.iter().zip(&y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let a = sxy / sxx;
    let b = my - a * mx;
    let spread = (y.iter().cloned().fold(f64::MIN, f64::max) - y.iter().cloned().fold(f64::MAX, f64::min)).max(1e-12);
    let fits = x.iter().zip(&y).all(|(xi, yi)| (a * xi + b - yi).abs() <= 0.03 * spread);
    if !fits {
        return None;
    }
    let near = |v: f64, t: f64, tol: f64| (v - t).abs() <= tol;
    if near(a, 1.8, 0.054) && near(b, 32.0, 2.0) {
        Some((a, b, "°C → °F"))
    } else if near(a, 1.0 / 1.8, 0.017) && near(b, -160.0 / 9.0, 1.2) {
        Some((a, b, "°F → °C"))
    } else {
        None
    }
}
