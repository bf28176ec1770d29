//! The reference profile: what drift needs to know about the training rows,
//! small enough to travel inside `model.json` (a few KB per column), so a
//! saved model can be checked against new data without its training file.

use std::collections::BTreeMap;

use glassbox_core::table::{Column, ColumnKind, Table};
use serde::{Deserialize, Serialize};

use crate::stats;

/// Interior decile edges: ten bins, the outer two open.
pub const BINS: usize = 10;
/// Percentiles 0, 1, …, 100.
pub const PERCENTILES: usize = 101;
/// A categorical column keeps this many levels by count; the rest are "other".
pub const MAX_LEVELS: usize = 100;
/// A numeric column with at most this many distinct values keeps their counts,
/// so it can be tested as categories (Evidently's rule counts them).
pub const SMALL_DISTINCT: usize = 20;

/// What drift knows of the reference rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// The reference rows profiled.
    pub rows: usize,
    /// One per raw input column the model reads, in the schema's order.
    pub columns: Vec<ColumnProfile>,
    /// The target column, tested on its own (never in the dataset's share).
    pub target: Option<ColumnProfile>,
    /// The model's probabilities on its test rows, one pseudo-column per
    /// class (`proba_<class>`; two classes keep the positive class only).
    #[serde(default)]
    pub prediction: Vec<ColumnProfile>,
    /// The model's test-set scores: what performance decay compares against.
    #[serde(default)]
    pub metrics: Option<ReferenceMetrics>,
    /// A regressor's test-set errors (actual − prediction), summed up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<ReferenceErrors>,
    /// A regressor's test-set errors as a distribution (named `error`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residuals: Option<ColumnProfile>,
}

/// A regressor's test-set errors, measured as decay measures each period:
/// what the RMSE, bias and coverage alarms compare against.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReferenceErrors {
    pub rows: usize,
    pub mae: f64,
    pub rmse: f64,
    /// Mean of actual − prediction.
    pub bias: f64,
    /// Population standard deviation of the errors.
    pub error_std: f64,
    /// The interval level and its measured test coverage, with intervals.
    pub level: Option<f64>,
    pub coverage: Option<f64>,
}

impl ReferenceErrors {
    /// The numbers of test-set `actual` and `predicted` values (and the
    /// intervals' coverage at `level`, when the model has them).
    pub fn of(actual: &[f64], predicted: &[f64], level: Option<f64>, coverage: Option<f64>) -> ReferenceErrors {
        let errors: Vec<f64> = predicted.iter().zip(actual).map(|(p, a)| a - p).collect();
        let n = errors.len().max(1) as f64;
        ReferenceErrors {
            rows: errors.len(),
            mae: errors.iter().map(|e| e.abs()).sum::<f64>() / n,
            rmse: (errors.iter().map(|e| e * e).sum::<f64>() / n).sqrt(),
            bias: errors.iter().sum::<f64>() / n,
            error_std: stats::std_dev(&errors),
            level,
            coverage,
        }
    }
}

/// The test-set scores, measured as decay measures each period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReferenceMetrics {
    pub rows: usize,
    pub f1: f64,
    pub accuracy: f64,
    pub roc_auc: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    pub name: String,
    pub kind: ColumnKind,
    pub rows: usize,
    pub missing: usize,
    pub summary: Summary,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Summary {
    Numeric(NumericProfile),
    Categorical(CategoricalProfile),
    /// Dates move by nature, so they are not tested; their range is kept.
    Datetime {
        min: Option<f64>,
        max: Option<f64>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericProfile {
    /// Distinct interior edges at the reference deciles, increasing; bin i
    /// holds values in (edges[i−1], edges[i]], the first and last are open.
    pub edges: Vec<f64>,
    /// Reference values per bin: `edges.len() + 1` counts.
    pub counts: Vec<u64>,
    pub mean: f64,
    /// The population standard deviation (ddof 0, as NumPy and Evidently).
    pub std: f64,
    /// Percentiles 0…100 by linear interpolation (NumPy's default).
    pub percentiles: Vec<f64>,
    /// Reference values at or below each percentile: the exact reference
    /// CDF there, which the binned KS statistic reads.
    pub at_or_below: Vec<u64>,
    pub distinct: usize,
    /// Each value with its count, when there are at most `SMALL_DISTINCT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<(f64, u64)>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoricalProfile {
    /// The most frequent levels with their counts, by count then text.
    pub levels: Vec<(String, u64)>,
    /// Values of the levels beyond `MAX_LEVELS`.
    pub other: u64,
    pub distinct: usize,
}

impl Profile {
    /// Profiles `columns` (and the target) of `table` over `rows`.
    pub fn of_table(table: &Table, rows: &[usize], columns: &[usize], target: Option<usize>) -> Profile {
        Profile {
            rows: rows.len(),
            columns: columns.iter().map(|&c| ColumnProfile::of_column(&table.columns[c], rows)).collect(),
            target: target.map(|t| ColumnProfile::of_categories(&table.columns[t], rows)),
            prediction: Vec::new(),
            metrics: None,
            errors: None,
            residuals: None,
        }
    }

    /// A regressor's profile: the target as numbers, its test predictions
    /// (one pseudo-column, `prediction`) and its test errors.
    pub fn for_regressor(
        table: &Table,
        rows: &[usize],
        columns: &[usize],
        target: usize,
        actual: &[f64],
        predicted: &[f64],
        errors: ReferenceErrors,
    ) -> Profile {
        let mut profile = Profile::of_table(table, rows, columns, None);
        profile.target = Some(ColumnProfile::of_column(&table.columns[target], rows));
        let one: Vec<Vec<f64>> = predicted.iter().map(|&p| vec![p]).collect();
        profile = profile.with_prediction(&[], &one);
        let e: Vec<f64> = predicted.iter().zip(actual).map(|(p, a)| a - p).collect();
        profile.residuals = Some(ColumnProfile::of_numbers("error".into(), ColumnKind::Numeric, &e, 0));
        profile.errors = Some(errors);
        profile
    }

    /// Adds the reference distribution of the model's probabilities: one
    /// row of class probabilities per test row.
    pub fn with_prediction(mut self, classes: &[String], proba: &[Vec<f64>]) -> Profile {
        self.prediction = prediction_columns(classes)
            .into_iter()
            .map(|(k, name)| {
                let values: Vec<f64> = proba.iter().filter_map(|p| p.get(k).copied()).collect();
                ColumnProfile::of_numbers(name, ColumnKind::Numeric, &values, 0)
            })
            .collect();
        self
    }

    /// Refuses a profile whose parts disagree (a tampered or truncated
    /// file): counts that do not match the bins, edges out of order,
    /// more missing values than rows.
    pub fn check(&self) -> Result<(), String> {
        let all = self.columns.iter().chain(&self.target).chain(&self.prediction).chain(&self.residuals);
        for c in all {
            let bad = |why: &str| Err(format!("the profile of column '{}': {why}", c.name));
            if c.missing > c.rows {
                return bad("more missing values than rows");
            }
            match &c.summary {
                Summary::Numeric(n) => {
                    if n.counts.len() != n.edges.len() + 1 {
                        return bad("bin counts that do not match its edges");
                    }
                    if n.at_or_below.len() != n.percentiles.len()
                        || !(n.percentiles.is_empty() || n.percentiles.len() == PERCENTILES)
                    {
                        return bad("percentiles that do not match their counts");
                    }
                    let ordered = |v: &[f64]| v.iter().all(|x| x.is_finite()) && v.windows(2).all(|w| w[0] <= w[1]);
                    if !ordered(&n.edges) || !ordered(&n.percentiles) || n.edges.windows(2).any(|w| w[0] == w[1]) {
                        return bad("edges or percentiles that are not finite and increasing");
                    }
                    if n.counts.iter().sum::<u64>() != c.present() as u64 {
                        return bad("bin counts that do not add up to its values");
                    }
                }
                Summary::Categorical(k) => {
                    if k.levels.iter().map(|l| l.1).sum::<u64>() + k.other != c.present() as u64 {
                        return bad("level counts that do not add up to its values");
                    }
                }
                Summary::Datetime { .. } => {}
            }
        }
        Ok(())
    }

    pub fn column(&self, name: &str) -> Option<&ColumnProfile> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// The prediction columns drift watches, `(index in a row of outputs,
/// name)`: a classifier's probabilities, or a regressor's one number
/// (no classes), `prediction`.
pub fn prediction_columns(classes: &[String]) -> Vec<(usize, String)> {
    if classes.is_empty() {
        return vec![(0, "prediction".to_string())];
    }
    let picked: Vec<usize> = if classes.len() == 2 { vec![1] } else { (0..classes.len()).collect() };
    picked.into_iter().map(|k| (k, format!("proba_{}", classes[k]))).collect()
}

impl ColumnProfile {
    fn of(column: &Column, rows: usize, missing: usize, summary: Summary) -> ColumnProfile {
        ColumnProfile { name: column.name.clone(), kind: column.kind, rows, missing, summary }
    }

    pub fn of_column(column: &Column, rows: &[usize]) -> ColumnProfile {
        match column.kind {
            ColumnKind::Numeric => {
                let values: Vec<f64> = rows.iter().filter_map(|&r| column.number(r)).collect();
                let missing = rows.len() - values.len();
                ColumnProfile::of_numbers(column.name.clone(), column.kind, &values, missing)
            }
            ColumnKind::Datetime => {
                let (mut min, mut max) = (None::<f64>, None::<f64>);
                let mut missing = 0;
                for &r in rows {
                    match column.number(r) {
                        Some(v) => {
                            min = Some(min.map_or(v, |m| m.min(v)));
                            max = Some(max.map_or(v, |m| m.max(v)));
                        }
                        None => missing += 1,
                    }
                }
                ColumnProfile::of(column, rows.len(), missing, Summary::Datetime { min, max })
            }
            ColumnKind::Categorical | ColumnKind::Boolean => ColumnProfile::of_categories(column, rows),
        }
    }

    /// A column read as categories (its text), whatever its kind.
    pub fn of_categories(column: &Column, rows: &[usize]) -> ColumnProfile {
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        let mut missing = 0;
        for &r in rows {
            match column.text(r) {
                Some(t) => *counts.entry(t.into_owned()).or_default() += 1,
                None => missing += 1,
            }
        }
        ColumnProfile::of(column, rows.len(), missing, Summary::Categorical(CategoricalProfile::of_counts(counts)))
    }

    /// A numeric profile of present values (`missing` more were absent).
    pub fn of_numbers(name: String, kind: ColumnKind, values: &[f64], missing: usize) -> ColumnProfile {
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        ColumnProfile {
            name,
            kind,
            rows: values.len() + missing,
            missing,
            summary: Summary::Numeric(NumericProfile::of_sorted(&sorted)),
        }
    }

    pub fn present(&self) -> usize {
        self.rows - self.missing
    }

    pub fn missing_rate(&self) -> f64 {
        if self.rows == 0 {
            0.0
        } else {
            self.missing as f64 / self.rows as f64
        }
    }
}

impl NumericProfile {
    pub fn of_sorted(sorted: &[f64]) -> NumericProfile {
        let mut edges: Vec<f64> = (1..BINS).map(|k| stats::quantile(sorted, k as f64 / BINS as f64)).collect();
        edges.dedup();
        edges.retain(|e| !e.is_nan());
        let counts = bin_counts(&edges, sorted.iter().copied());
        let percentiles: Vec<f64> = if sorted.is_empty() {
            Vec::new()
        } else {
            (0..PERCENTILES).map(|k| stats::quantile(sorted, k as f64 / (PERCENTILES - 1) as f64)).collect()
        };
        let at_or_below = percentiles.iter().map(|&p| sorted.partition_point(|&v| v <= p) as u64).collect();
        let mut values: Vec<(f64, u64)> = Vec::new();
        let mut distinct = 0;
        for &v in sorted {
            match values.last_mut() {
                Some(last) if last.0 == v => last.1 += 1,
                _ => {
                    distinct += 1;
                    values.push((v, 1));
                }
            }
        }
        let n = sorted.len() as f64;
        let mean = if sorted.is_empty() { f64::NAN } else { sorted.iter().sum::<f64>() / n };
        NumericProfile {
            edges,
            counts,
            mean,
            std: stats::std_dev(sorted),
            percentiles,
            at_or_below,
            distinct,
            values: (distinct <= SMALL_DISTINCT).then_some(values),
        }
    }

    /// The reference as weighted points for the Wasserstein distance: the
    /// percentiles, each carrying a hundredth of the mass (the two ends
    /// half of that), the quantile function the profile keeps.
    pub fn quantile_points(&self) -> Vec<(f64, f64)> {
        let last = self.percentiles.len().saturating_sub(1);
        let mut points: Vec<(f64, f64)> = Vec::new();
        for (k, &p) in self.percentiles.iter().enumerate() {
            let w = if k == 0 || k == last { 0.5 } else { 1.0 };
            match points.last_mut() {
                Some(prev) if prev.0 == p => prev.1 += w,
                _ => points.push((p, w)),
            }
        }
        points
    }
}

/// Which bin each value falls in, counted: (edges[i−1], edges[i]].
pub fn bin_counts(edges: &[f64], values: impl Iterator<Item = f64>) -> Vec<u64> {
    let mut counts = vec![0u64; edges.len() + 1];
    for v in values {
        counts[bin_of(edges, v)] += 1;
    }
    counts
}

pub fn bin_of(edges: &[f64], v: f64) -> usize {
    edges.partition_point(|&e| e < v)
}

impl CategoricalProfile {
    pub fn of_counts(counts: BTreeMap<String, u64>) -> CategoricalProfile {
        let distinct = counts.len();
        let mut levels: Vec<(String, u64)> = counts.into_iter().collect();
        levels.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let other = levels.iter().skip(MAX_LEVELS).map(|l| l.1).sum();
        levels.truncate(MAX_LEVELS);
        CategoricalProfile { levels, other, distinct }
    }

    pub fn count(&self, level: &str) -> Option<u64> {
        self.levels.iter().find(|l| l.0 == level).map(|l| l.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deciles_cut_ten_bins_and_the_ends_stay_open() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        let p = NumericProfile::of_sorted(&values);
        assert_eq!(p.edges.len(), 9);
        assert_eq!(p.counts, vec![10; 10]);
        assert_eq!(bin_of(&p.edges, -1e9), 0);
        assert_eq!(bin_of(&p.edges, 1e9), 9);
        assert_eq!(p.percentiles.len(), PERCENTILES);
        assert_eq!(p.at_or_below[100], 100);
        assert_eq!(p.values, None);
    }

    #[test]
    fn few_values_keep_their_counts_and_merge_edges() {
        let values = [0.0, 0.0, 0.0, 1.0, 1.0];
        let p = NumericProfile::of_sorted(&values);
        assert_eq!(p.values, Some(vec![(0.0, 3), (1.0, 2)]));
        assert!(p.edges.len() < 9);
        assert_eq!(p.counts.iter().sum::<u64>(), 5);
    }

    #[test]
    fn levels_beyond_the_bound_become_other() {
        let counts: BTreeMap<String, u64> = (0..150).map(|i| (format!("l{i:03}"), 1 + i as u64)).collect();
        let p = CategoricalProfile::of_counts(counts);
        assert_eq!(p.levels.len(), MAX_LEVELS);
        assert_eq!(p.levels[0], ("l149".to_string(), 150));
        assert_eq!(p.other, (1..=50).sum::<u64>());
        assert_eq!(p.distinct, 150);
    }
}
