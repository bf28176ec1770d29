//! Confusion-matrix view data shared by the app and the report: the numbers a
//! cell shows and its colour, so both render the same thing.

/// The numbers behind one cell: row = true class, column = predicted class.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CellStats {
    pub count: usize,
    /// The count as a share of its true class (the row); 0 for an empty row.
    pub row_share: f64,
    /// The count as a share of its predicted class (the column); 0 for an empty column.
    pub col_share: f64,
}

pub fn cell_stats(cm: &[Vec<usize>], i: usize, j: usize) -> CellStats {
    let count = cm[i][j];
    let row: usize = cm[i].iter().sum();
    let col: usize = cm.iter().map(|r| r[j]).sum();
    let share = |d: usize| if d == 0 { 0.0 } else { count as f64 / d as f64 };
    CellStats { count, row_share: share(row), col_share: share(col) }
}

/// The hover text of a cell, in plain words.
pub fn cell_title(classes: &[String], cm: &[Vec<usize>], i: usize, j: usize) -> String {
    let s = cell_stats(cm, i, j);
    format!(
        "true {} → predicted {}: {} {} ({:.1}% of true {}, {:.1}% of predicted {})",
        classes[i],
        classes[j],
        s.count,
        if s.count == 1 { "row" } else { "rows" },
        100.0 * s.row_share,
        classes[i],
        100.0 * s.col_share,
        classes[j]
    )
}

/// Viridis at a few stops, linearly interpolated: sequential, perceptually
/// even and readable with colour-vision deficiencies.
const VIRIDIS: [(u8, u8, u8); 5] = [(253, 231, 37), (94, 201, 98), (33, 145, 140), (59, 82, 139), (68, 1, 84)];

/// The fill colour for a share in `[0, 1]`, light for 0 and dark for 1.
pub fn heat_color(t: f64) -> String {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let x = t * (VIRIDIS.len() - 1) as f64;
    let k = (x.floor() as usize).min(VIRIDIS.len() - 2);
    let f = x - k as f64;
    let lerp = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (VIRIDIS[k], VIRIDIS[k + 1]);
    format!("#{:02x}{:02x}{:02x}", lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

/// Text colour with enough contrast on [`heat_color`]`(t)`.
pub fn heat_text_color(t: f64) -> &'static str {
    if t > 0.45 {
        "#ffffff"
    } else {
        "#111111"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_titles() {
        let cm = vec![vec![3, 1], vec![0, 0]];
        assert_eq!(cell_stats(&cm, 0, 1), CellStats { count: 1, row_share: 0.25, col_share: 1.0 });
        assert_eq!(cell_stats(&cm, 1, 0), CellStats { count: 0, row_share: 0.0, col_share: 0.0 });
        let classes = vec!["a".to_string(), "b".to_string()];
        assert_eq!(
            cell_title(&classes, &cm, 0, 0),
            "true a → predicted a: 3 rows (75.0% of true a, 100.0% of predicted a)"
        );
    }

    #[test]
    fn colours_run_light_to_dark() {
        assert_eq!(heat_color(0.0), "#fde725");
        assert_eq!(heat_color(1.0), "#440154");
        assert_eq!(heat_color(f64::NAN), "#fde725");
        assert_eq!(heat_text_color(0.9), "#ffffff");
    }
}
