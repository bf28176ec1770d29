//! Class labels and their order.
//!
//! scikit-learn orders labels with `np.unique`: numeric order when the target
//! is numeric, otherwise by Unicode code point (which is Rust's `str` order).
//! Every table, matrix and probability column in Glassbox uses this order, and
//! for a binary target the positive class is the second label.

use crate::table::parse_number;

/// Sorts and deduplicates labels the way scikit-learn would.
pub fn order_labels<'a>(labels: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = labels.into_iter().map(str::to_string).collect();
    out.sort();
    out.dedup();
    let numbers: Option<Vec<f64>> = out.iter().map(|l| parse_number(l)).collect();
    if let Some(numbers) = numbers {
        let mut pairs: Vec<(f64, String)> = numbers.into_iter().zip(out).collect();
        // Labels such as "1" and "1.0" are different text but the same number;
        // the text order breaks the tie so the result stays deterministic.
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
        out = pairs.into_iter().map(|(_, l)| l).collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &[&str], expected: &[&str]) {
        assert_eq!(order_labels(input.iter().copied()), expected);
    }

    #[test]
    fn numeric_labels_sort_as_numbers() {
        check(&["10", "2", "-1", "2"], &["-1", "2", "10"]);
        check(&["1.5", "0", "1e1"], &["0", "1.5", "1e1"]);
    }

    #[test]
    fn text_labels_sort_by_code_point() {
        check(&["b", "B", "a", "Á"], &["B", "a", "b", "Á"]);
        check(&["10", "2", "x"], &["10", "2", "x"]);
    }
}
