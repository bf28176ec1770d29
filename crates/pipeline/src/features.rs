//! Features: a typed table into a numeric matrix.
//!
//! Numeric columns are imputed with the training median and standardised
//! (population standard deviation, as scikit-learn's `StandardScaler`, computed
//! after imputation as in a `SimpleImputer` → `StandardScaler` pipeline).
//! Categorical columns are imputed with the most frequent training value (ties
//! to the smallest, as `SimpleImputer(strategy="most_frequent")`) and one-hot
//! encoded over the sorted training categories; a category never seen in
//! training becomes all zeros, never an error.
//!
//! `fit` sees training rows only and returns a [`FittedFeatures`], whose
//! `transform` can be applied to any rows of any table with the same columns.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use std::borrow::Cow;

use crate::ingest::{Column, Table, MISSING_CODE};

/// The fitted transform of one input column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FittedColumn {
    Numeric { name: String, median: f64, mean: f64, scale: f64 },
    Categorical { name: String, most_frequent: String, categories: Vec<String> },
}

impl FittedColumn {
    pub fn name(&self) -> &str {
        match self {
            FittedColumn::Numeric { name, .. } | FittedColumn::Categorical { name, .. } => name,
        }
    }
}

/// Fitted preprocessing for all feature columns, in table order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedFeatures {
    columns: Vec<FittedColumn>,
}

/// A dense row-major matrix of features.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    pub n_rows: usize,
    pub n_cols: usize,
    pub values: Vec<f64>,
}

impl Matrix {
    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.n_cols..(i + 1) * self.n_cols]
    }
}

/// Fits the preprocessing of `feature_columns` (indices into `table`) on `rows`.
pub fn fit(table: &Table, feature_columns: &[usize], rows: &[usize]) -> Result<FittedFeatures> {
    let columns = feature_columns
        .iter()
        .map(|&c| {
            let col = &table.columns[c];
            // Booleans (0/1) and date-times (UTC seconds) are numbers here;
            // the feature-pipeline issue gives date-times their own encodings.
            if col.kind.is_numeric() {
                fit_numeric(col, rows)
            } else {
                Ok(fit_categorical(col, rows))
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(FittedFeatures { columns })
}

fn fit_numeric(col: &Column, rows: &[usize]) -> Result<FittedColumn> {
    let mut values: Vec<f64> = rows.iter().filter_map(|&r| col.number(r)).collect();
    // A column with no training values carries no information; it is imputed
    // with 0 so it transforms to a constant 0 rather than failing the run.
    let median = if values.is_empty() {
        0.0
    } else {
        values.sort_by(f64::total_cmp);
        let m = values.len() / 2;
        if values.len() % 2 == 1 {
            values[m]
        } else {
            (values[m - 1] + values[m]) / 2.0
        }
    };
    let imputed: Vec<f64> = rows.iter().map(|&r| col.number(r).unwrap_or(median)).collect();
    let n = imputed.len() as f64;
    let mean = imputed.iter().sum::<f64>() / n;
    let var = imputed.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    // StandardScaler leaves constant columns unscaled (scale 1) instead of dividing by zero.
    let scale = if var > 0.0 { var.sqrt() } else { 1.0 };
    if !mean.is_finite() || !scale.is_finite() {
        return Err(Error::new(
            ErrorKind::BadValue,
            format!("column '{}' has values too large to standardise", col.name),
        ));
    }
    Ok(FittedColumn::Numeric { name: col.name.clone(), median, mean, scale })
}

fn fit_categorical(col: &Column, rows: &[usize]) -> FittedColumn {
    let mut counts: BTreeMap<Cow<'_, str>, usize> = BTreeMap::new();
    match col.codes() {
        // Count codes, then name them: one dictionary lookup per category, not per row.
        Some(codes) => {
            let mut per_code = vec![0usize; codes.dictionary.len()];
            for &r in rows {
                if let Some(c) = per_code.get_mut(codes.codes[r] as usize) {
                    *c += 1;
                }
            }
            for (code, n) in per_code.into_iter().enumerate().filter(|(_, n)| *n > 0) {
                counts.insert(Cow::Borrowed(codes.dictionary[code].as_str()), n);
            }
        }
        None => {
            for &r in rows {
                if let Some(v) = col.text(r) {
                    *counts.entry(v).or_default() += 1;
                }
            }
        }
    }
    // BTreeMap iterates in sorted order and `max_by_key` keeps the last maximum,
    // so iterate in reverse to keep the smallest value among ties.
    let most_frequent =
        counts.iter().rev().max_by_key(|(_, &n)| n).map_or_else(|| "missing".to_string(), |(v, _)| v.to_string());
    let mut categories: Vec<String> = counts.keys().map(|s| s.to_string()).collect();
    if !categories.contains(&most_frequent) {
        categories.push(most_frequent.clone());
    }
    FittedColumn::Categorical { name: col.name.clone(), most_frequent, categories }
}

impl FittedFeatures {
    pub fn columns(&self) -> &[FittedColumn] {
        &self.columns
    }

    /// Output feature names, like scikit-learn's `get_feature_names_out`:
    /// the column name for a numeric column, `column_category` for each one-hot column.
    pub fn feature_names(&self) -> Vec<String> {
        let mut out = Vec::new();
        for c in &self.columns {
            match c {
                FittedColumn::Numeric { name, .. } => out.push(name.clone()),
                FittedColumn::Categorical { name, categories, .. } => {
                    out.extend(categories.iter().map(|cat| format!("{name}_{cat}")))
                }
            }
        }
        out
    }

    pub fn n_features(&self) -> usize {
        self.columns
            .iter()
            .map(|c| match c {
                FittedColumn::Numeric { .. } => 1,
                FittedColumn::Categorical { categories, .. } => categories.len(),
            })
            .sum()
    }

    /// Transforms `rows` of `table`. Columns are found by name, so the table
    /// may have extra columns or a different order than the training table.
    pub fn transform(&self, table: &Table, rows: &[usize]) -> Result<Matrix> {
        let n_cols = self.n_features();
        let mut values = vec![0.0; rows.len() * n_cols];
        let mut offset = 0;
        for fc in &self.columns {
            let idx = table.columns.iter().position(|c| c.name == fc.name()).ok_or_else(|| {
                Error::new(
                    ErrorKind::UnknownColumn,
                    format!("the data has no column '{}', which the model needs", fc.name()),
                )
            })?;
            let col = &table.columns[idx];
            match fc {
                FittedColumn::Numeric { median, mean, scale, name } => {
                    if !col.kind.is_numeric() {
                        return Err(Error::new(
                            ErrorKind::BadValue,
                            format!("column '{name}' holds text, but the model expects numbers in it"),
                        ));
                    }
                    for (i, &r) in rows.iter().enumerate() {
                        let v = col.number(r).unwrap_or(*median);
                        values[i * n_cols + offset] = (v - mean) / scale;
                    }
                    offset += 1;
                }
                FittedColumn::Categorical { most_frequent, categories, .. } => {
                    // Categories are sorted, so a binary search finds the one-hot slot;
                    // an unseen category finds none and stays all zeros.
                    let slot = |v: &str| categories.binary_search_by(|c| c.as_str().cmp(v)).ok();
                    let imputed = slot(most_frequent);
                    match col.codes() {
                        Some(codes) => {
                            let by_code: Vec<Option<usize>> = codes.dictionary.iter().map(|d| slot(d)).collect();
                            for (i, &r) in rows.iter().enumerate() {
                                let code = codes.codes[r];
                                let k = if code == MISSING_CODE { imputed } else { by_code[code as usize] };
                                if let Some(k) = k {
                                    values[i * n_cols + offset + k] = 1.0;
                                }
                            }
                        }
                        None => {
                            for (i, &r) in rows.iter().enumerate() {
                                let k = match col.text(r) {
                                    Some(v) => slot(&v),
                                    None => imputed,
                                };
                                if let Some(k) = k {
                                    values[i * n_cols + offset + k] = 1.0;
                                }
                            }
                        }
                    }
                    offset += categories.len();
                }
            }
        }
        Ok(Matrix { n_rows: rows.len(), n_cols, values })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::parse_csv;

    #[test]
    fn numeric_median_impute_and_standardise() {
        let t = parse_csv(b"x\n1\nNA\n3\n10\n100\n").unwrap();
        // Training rows 0, 1 (missing), 2; median of [1, 3] is 2; imputed [1, 2, 3].
        let f = fit(&t, &[0], &[0, 1, 2]).unwrap();
        assert_eq!(
            f.columns()[0],
            FittedColumn::Numeric { name: "x".into(), median: 2.0, mean: 2.0, scale: (2.0f64 / 3.0).sqrt() }
        );
        let m = f.transform(&t, &[3]).unwrap();
        assert!((m.values[0] - 8.0 / (2.0f64 / 3.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn one_hot_with_unseen_and_missing() {
        let t = parse_csv(b"c\nb\na\nb\nNA\nz\n").unwrap();
        let f = fit(&t, &[0], &[0, 1, 2, 3]).unwrap();
        assert_eq!(f.feature_names(), ["c_a", "c_b"]);
        let m = f.transform(&t, &[0, 1, 3, 4]).unwrap();
        // Missing imputes to the most frequent ("b"); unseen "z" is all zeros.
        assert_eq!(m.values, vec![0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn most_frequent_tie_goes_to_smallest() {
        let t = parse_csv(b"c\ny\nx\nNA\n").unwrap();
        let f = fit(&t, &[0], &[0, 1, 2]).unwrap();
        assert!(matches!(&f.columns()[0], FittedColumn::Categorical { most_frequent, .. } if most_frequent == "x"));
    }

    #[test]
    fn scaler_never_sees_rows_outside_fit() {
        // A regression guard for leakage: an extreme value in a non-training
        // row must not move the fitted mean or scale.
        let t = parse_csv(b"x\n1\n2\n3\n1000000\n").unwrap();
        let a = fit(&t, &[0], &[0, 1, 2]).unwrap();
        let t2 = parse_csv(b"x\n1\n2\n3\n-5\n").unwrap();
        assert_eq!(a, fit(&t2, &[0], &[0, 1, 2]).unwrap());
    }

    #[test]
    fn text_column_where_the_model_expects_numbers_is_named() {
        let t = parse_csv(b"x\n1\n2\n").unwrap();
        let f = fit(&t, &[0], &[0, 1]).unwrap();
        let t2 = parse_csv(b"x\nabc\ndef\n").unwrap();
        let e = f.transform(&t2, &[0, 1]).unwrap_err();
        assert_eq!(e.message(), "column 'x' holds text, but the model expects numbers in it");
    }
}
