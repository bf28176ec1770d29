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

/// The two scales of the matrix, light for 0% of the true class and dark
/// for 100%: blues for correct answers (the diagonal) and oranges for
/// errors, a pair that colour-blind readers tell apart, and the diagonal
/// also carries a tick so colour is never the only cue. (Reversed viridis by
/// row share made empty cells the brightest and errors look like successes.)
const CORRECT: [(u8, u8, u8); 2] = [(239, 245, 251), (8, 48, 107)];
const ERROR: [(u8, u8, u8); 2] = [(254, 241, 230), (127, 39, 4)];

/// The fill and text colours of a cell: `correct` for the diagonal, `share`
/// the count as a share of its true class in `[0, 1]`.
pub fn cell_colors(correct: bool, share: f64) -> (String, &'static str) {
    let t = if share.is_finite() { share.clamp(0.0, 1.0) } else { 0.0 };
    let [(a0, a1, a2), (b0, b1, b2)] = if correct { CORRECT } else { ERROR };
    let lerp = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * t).round() as u8;
    let (r, g, b) = (lerp(a0, b0), lerp(a1, b1), lerp(a2, b2));
    // Black or white, whichever contrasts more with the fill (WCAG's
    // relative luminance): one of the two always reaches 4.58:1. A fixed
    // switch at 50% once left white on a mid blue at 3.3:1.
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            libm::pow((c + 0.055) / 1.055, 2.4)
        }
    };
    let l = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
    let ink = if 1.05 / (l + 0.05) > (l + 0.05) / 0.05 { "#ffffff" } else { "#000000" };
    (format!("#{r:02x}{g:02x}{b:02x}"), ink)
}

/// The mark a correct cell's count carries, so the diagonal reads without colour.
pub const CORRECT_MARK: &str = "✓ ";

/// The matrix's legend as HTML (the app and the report show the same):
/// both scales from 0% to 100% of the true class.
pub fn legend_html() -> String {
    let bar = |correct: bool| {
        let (lo, _) = cell_colors(correct, 0.0);
        let (hi, _) = cell_colors(correct, 1.0);
        format!("<span class=\"cm-bar\" style=\"background:linear-gradient(to right,{lo},{hi})\"></span>")
    };
    format!(
        "<p class=\"cm-legend\" data-testid=\"cm-legend\">Colour: the share of the true class (the row), 0% light to 100% dark. \
         <span>{CORRECT_MARK}correct {}</span> <span>errors {}</span></p>",
        bar(true),
        bar(false)
    )
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
    fn colours_run_light_to_dark_in_blue_for_correct_and_orange_for_errors() {
        assert_eq!(cell_colors(true, 0.0), ("#eff5fb".to_string(), "#000000"));
        assert_eq!(cell_colors(true, 1.0), ("#08306b".to_string(), "#ffffff"));
        assert_eq!(cell_colors(false, 1.0), ("#7f2704".to_string(), "#ffffff"));
        // A NaN share (an empty row) is drawn as 0, light.
        assert_eq!(cell_colors(false, f64::NAN), cell_colors(false, 0.0));
    }

    #[test]
    fn every_shade_has_text_of_at_least_4_5_to_1_contrast() {
        let luminance = |hex: &str| {
            let c = |i: usize| {
                let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
                if v <= 0.04045 {
                    v / 12.92
                } else {
                    ((v + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * c(1) + 0.7152 * c(3) + 0.0722 * c(5)
        };
        for correct in [true, false] {
            for k in 0..=100 {
                let (fill, ink) = cell_colors(correct, f64::from(k) / 100.0);
                let (a, b) = (luminance(&fill), luminance(ink));
                let ratio = (a.max(b) + 0.05) / (a.min(b) + 0.05);
                assert!(ratio >= 4.5, "{fill} with {ink}: {ratio:.2}");
            }
        }
    }
}
