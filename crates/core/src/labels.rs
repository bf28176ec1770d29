//! Class labels and their order.
//!
//! scikit-learn orders labels with `np.unique`: numeric order when the target
//! is numeric, otherwise by Unicode code point (which is Rust's `str` order).
//! Every table, matrix and probability column in Glassbox uses this order, and
//! for a binary target the positive class is the second label.

use std::collections::BTreeMap;

use crate::error::{Error, ErrorKind, Result};
use crate::table::{parse_number, Column, Table, MISSING_CODE};

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

/// A target with more distinct values than this is not a classification target.
pub const MAX_CLASSES: usize = 1000;

/// The target's labelled rows, their classes in scikit-learn's order, and class indices.
pub struct Labels {
    /// The target column.
    pub column: usize,
    /// The rows with a target value.
    pub rows: Vec<usize>,
    pub classes: Vec<String>,
    /// Each labelled row's class, as an index into `classes`.
    pub y: Vec<usize>,
}

impl Labels {
    /// The labels of column `column`: an error of kind `BadTarget` when it
    /// has no values, one class, or too many to be classes.
    pub fn of(table: &Table, column: usize) -> Result<Labels> {
        let target = &table.columns[column];
        let rows: Vec<usize> = (0..table.n_rows).filter(|&r| !target.is_missing(r)).collect();
        if rows.is_empty() {
            return Err(Error::new(
                ErrorKind::BadTarget,
                format!("the target column '{}' has no values: every row is missing", target.name),
            ));
        }
        if target.distinct_count() > MAX_CLASSES {
            return Err(Error::new(
                ErrorKind::BadTarget,
                format!(
                    "the target column '{}' has {} distinct values, too many classes for a classifier (at most {MAX_CLASSES}); is it a measurement?",
                    target.name,
                    target.distinct_count()
                ),
            ));
        }
        // Through the column's dictionary when it has one: sorting and
        // looking up every row's text took most of the summary of a file of
        // millions of rows.
        let coded = target.text_codes().filter(|c| rows.iter().all(|&r| c.codes[r] != MISSING_CODE));
        if let Some(codes) = coded {
            let mut used = vec![false; codes.dictionary.len()];
            for &r in &rows {
                used[codes.codes[r] as usize] = true;
            }
            let classes = order_labels(codes.dictionary.iter().zip(&used).filter(|(_, &u)| u).map(|(d, _)| d.as_str()));
            Labels::at_least_two(target, &classes)?;
            let index: BTreeMap<&str, usize> = classes.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
            let class_of_code: Vec<usize> =
                codes.dictionary.iter().map(|d| index.get(d.as_str()).copied().unwrap_or(0)).collect();
            let y = rows.iter().map(|&r| class_of_code[codes.codes[r] as usize]).collect();
            return Ok(Labels { column, rows, classes, y });
        }
        let label = |r: usize| target.text(r).unwrap_or_default();
        let mut distinct: Vec<std::borrow::Cow<'_, str>> = rows.iter().map(|&r| label(r)).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let classes = order_labels(distinct.iter().map(|c| c.as_ref()));
        Labels::at_least_two(target, &classes)?;
        let index: BTreeMap<&str, usize> = classes.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
        let y = rows.iter().map(|&r| index[label(r).as_ref()]).collect();
        Ok(Labels { column, rows, classes, y })
    }

    fn at_least_two(target: &Column, classes: &[String]) -> Result<()> {
        if classes.len() < 2 {
            return Err(Error::new(
                ErrorKind::BadTarget,
                format!(
                    "the target column '{}' has only one class ('{}'); a classifier needs at least two",
                    target.name, classes[0]
                ),
            ));
        }
        Ok(())
    }
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
