//! Features: a typed table into a numeric matrix, as a [`FeatureSpec`] the
//! person edits, `fit` on training rows only, and a [`FittedFeatures`] whose
//! `transform` applies the same state to any rows (and serialises into the
//! model file).
//!
//! Each step follows the scikit-learn transformer it replaces, so the
//! numbers can be checked against it:
//!
//! - Numeric: `SimpleImputer` (median, mean or a constant) with an optional
//!   `MissingIndicator` column, then a scaler computed on the imputed values:
//!   `StandardScaler` (population standard deviation), `MinMaxScaler` (to
//!   [0, 1]), `RobustScaler` (median and interquartile range), or none.
//!   Constant columns keep a scale of 1 rather than dividing by zero.
//! - Binning (per column): edges the person types, or k quantile or uniform
//!   bins, one-hot encoded as `KBinsDiscretizer(encode="onehot")`. Bins are
//!   closed on the left, `[a, b)`, the last one also on the right; a value
//!   below the first edge falls in the first bin and above the last edge in
//!   the last bin (the out-of-range rule), so predicting never fails.
//! - Categorical: the most frequent training value fills gaps (ties to the
//!   smallest), then `OneHotEncoder` over the sorted levels, optionally
//!   dropping the first level, with levels rarer than `min_frequency` or
//!   beyond the `max_levels` most frequent grouped into one `other` column;
//!   or `OrdinalEncoder` codes. A level never seen in training goes to
//!   `other` when there is one, else to all zeros (ordinal: -1), never an
//!   error, and [`FittedFeatures::unseen`] counts them.
//! - Datetime: sin/cos of the hour of day, day of week, day of year (over
//!   365 or 366 days, by the year) and month, plus the year and days since
//!   the earliest training date; the person picks which.
//!
//! ```
//! use glassbox_features::{fit, FeatureSpec, Scale};
//! use glassbox_ingest::parse_csv;
//! let t = parse_csv(b"x\n1\n2\n3\n").unwrap();
//! let spec = FeatureSpec { scale: Scale::MinMax, ..FeatureSpec::default() };
//! let f = fit(&t, &[0], &[0, 1, 2], &spec).unwrap();
//! assert_eq!(f.transform(&t, &[0, 1, 2]).unwrap().values[..], [0.0, 0.5, 1.0]);
//! ```

#![forbid(unsafe_code)]

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use glassbox_core::error::{Error, ErrorKind, Result};
pub use glassbox_core::matrix::Matrix;
use glassbox_core::table::{Column, ColumnKind, Table, MISSING_CODE};

// One file per step's fit, and the spec; the fitted types and `transform` are here.
mod categorical;
mod datetime;
pub use datetime::civil_from_days;
mod numeric;
mod spec;

use categorical::fit_categorical;
use datetime::{calendar, fit_datetime};
use numeric::fit_numeric;
pub use numeric::Scaler;
pub use spec::{Binning, DatePart, Encoding, FeatureSpec, Impute, Scale};

/// Whether a categorical column fitted with `categories` (sorted) and
/// `most_frequent` encodes `value` as a level it saw.
fn known_level(most_frequent: &str, categories: &[String], value: &str) -> bool {
    value == most_frequent || categories.binary_search_by(|c| c.as_str().cmp(value)).is_ok()
}

/// What a gap in a column is filled with.
#[derive(Debug, Clone, PartialEq)]
pub enum FillValue {
    Number(f64),
    Level(String),
}

/// The fitted transform of one input column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FittedColumn {
    Numeric {
        name: String,
        fill: f64,
        indicator: bool,
        scaler: Scaler,
    },
    Binned {
        name: String,
        fill: f64,
        indicator: bool,
        /// Inner and outer edges; bin `i` is `[edges[i], edges[i + 1])`.
        edges: Vec<f64>,
    },
    Categorical {
        name: String,
        most_frequent: String,
        /// Levels with their own column (sorted), and whether an `other` column follows.
        categories: Vec<String>,
        encoding: Encoding,
        drop_first: bool,
        other: bool,
    },
    Datetime {
        name: String,
        fill: f64,
        parts: Vec<DatePart>,
        /// The earliest training date, in days since 1970-01-01.
        origin_days: f64,
        year: Scaler,
        elapsed: Scaler,
    },
}

impl FittedColumn {
    pub fn name(&self) -> &str {
        match self {
            FittedColumn::Numeric { name, .. }
            | FittedColumn::Binned { name, .. }
            | FittedColumn::Categorical { name, .. }
            | FittedColumn::Datetime { name, .. } => name,
        }
    }

    /// Output names, as scikit-learn's `get_feature_names_out` would spell them.
    fn feature_names(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self {
            FittedColumn::Numeric { name, indicator, .. } => {
                out.push(name.clone());
                if *indicator {
                    out.push(format!("{name}_missing"));
                }
            }
            FittedColumn::Binned { name, indicator, edges, .. } => {
                let n = edges.len() - 1;
                for i in 0..n {
                    let close = if i + 1 == n { "]" } else { ")" };
                    out.push(format!("{name}_[{}, {}{close}", edges[i], edges[i + 1]));
                }
                if *indicator {
                    out.push(format!("{name}_missing"));
                }
            }
            FittedColumn::Categorical { name, categories, encoding, drop_first, other, .. } => match encoding {
                Encoding::Ordinal => out.push(name.clone()),
                Encoding::OneHot => {
                    let skip = usize::from(*drop_first);
                    out.extend(categories.iter().skip(skip).map(|c| format!("{name}_{c}")));
                    if *other {
                        out.push(format!("{name}_other"));
                    }
                }
            },
            FittedColumn::Datetime { name, parts, .. } => {
                for p in parts {
                    match p {
                        DatePart::Year | DatePart::ElapsedDays => out.push(format!("{name}_{}", p.as_str())),
                        _ => {
                            out.push(format!("{name}_{}_sin", p.as_str()));
                            out.push(format!("{name}_{}_cos", p.as_str()));
                        }
                    }
                }
            }
        }
        out
    }
}

/// Fitted preprocessing for all feature columns, in table order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedFeatures {
    columns: Vec<FittedColumn>,
}

/// Fits the preprocessing of `feature_columns` (indices into `table`) on `rows`.
pub fn fit(table: &Table, feature_columns: &[usize], rows: &[usize], spec: &FeatureSpec) -> Result<FittedFeatures> {
    spec.validate()?;
    for name in spec.bins.keys() {
        let col = table.columns.iter().find(|c| &c.name == name);
        if col.is_none_or(|c| !c.kind.is_numeric()) {
            return Err(Error::new(
                ErrorKind::BadSpec,
                format!("bins are set for column '{name}', which is not a numeric feature column"),
            ));
        }
    }
    let columns = feature_columns
        .iter()
        .map(|&c| {
            let col = &table.columns[c];
            match col.kind {
                ColumnKind::Categorical => Ok(fit_categorical(col, rows, spec)),
                ColumnKind::Datetime => fit_datetime(col, rows, spec),
                // Booleans are 0/1 numbers.
                ColumnKind::Numeric | ColumnKind::Boolean => fit_numeric(col, rows, spec),
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(FittedFeatures { columns })
}

impl FittedFeatures {
    pub fn columns(&self) -> &[FittedColumn] {
        &self.columns
    }

    /// Output feature names, like scikit-learn's `get_feature_names_out`.
    pub fn feature_names(&self) -> Vec<String> {
        self.columns.iter().flat_map(FittedColumn::feature_names).collect()
    }

    /// Each input column with the features it makes, as a range of the
    /// matrix's columns: what permutation importance shuffles together.
    pub fn blocks(&self) -> Vec<(String, std::ops::Range<usize>)> {
        let mut start = 0;
        self.columns
            .iter()
            .map(|c| {
                let width = c.feature_names().len();
                start += width;
                (c.name().to_string(), start - width..start)
            })
            .collect()
    }

    pub fn n_features(&self) -> usize {
        self.columns.iter().map(|c| c.feature_names().len()).sum()
    }

    fn column<'t>(&self, table: &'t Table, fc: &FittedColumn) -> Result<&'t Column> {
        let col = table.columns.iter().find(|c| c.name == fc.name()).ok_or_else(|| {
            Error::new(
                ErrorKind::UnknownColumn,
                format!("the data has no column '{}', which the model needs", fc.name()),
            )
        })?;
        let wants_numbers = !matches!(fc, FittedColumn::Categorical { .. });
        if wants_numbers && !col.kind.is_numeric() {
            return Err(Error::new(
                ErrorKind::BadValue,
                format!("column '{}' holds text, but the model expects numbers in it", fc.name()),
            ));
        }
        Ok(col)
    }

    /// Per categorical column, how many of `rows` hold a level never seen in
    /// training (they went to `other` or to all zeros); only columns with any.
    pub fn unseen(&self, table: &Table, rows: &[usize]) -> Result<BTreeMap<String, usize>> {
        Ok(self.unseen_levels(table, rows)?.into_iter().map(|(c, levels)| (c, levels.values().sum())).collect())
    }

    /// Per categorical column, each level of `rows` never seen in training
    /// with how many rows hold it; only columns with any. A column stored as
    /// dictionary codes is judged once per dictionary entry, not per row.
    pub fn unseen_levels(&self, table: &Table, rows: &[usize]) -> Result<BTreeMap<String, BTreeMap<String, usize>>> {
        let mut out = BTreeMap::new();
        for fc in &self.columns {
            if let FittedColumn::Categorical { name, most_frequent, categories, .. } = fc {
                let col = self.column(table, fc)?;
                let known = |v: &str| known_level(most_frequent, categories, v);
                let mut counts: BTreeMap<String, usize> = BTreeMap::new();
                match col.codes() {
                    Some(codes) => {
                        let unseen: Vec<bool> = codes.dictionary.iter().map(|d| !known(d)).collect();
                        for &r in rows {
                            let code = codes.codes[r];
                            if code != MISSING_CODE && unseen[code as usize] {
                                *counts.entry(codes.dictionary[code as usize].clone()).or_default() += 1;
                            }
                        }
                    }
                    None => {
                        for &r in rows {
                            if let Some(v) = col.text(r).filter(|v| !known(v)) {
                                *counts.entry(v.into_owned()).or_default() += 1;
                            }
                        }
                    }
                }
                if !counts.is_empty() {
                    out.insert(name.clone(), counts);
                }
            }
        }
        Ok(out)
    }

    /// The value the model fills a gap in column `name` with: the median or
    /// mean of a number (a datetime's in seconds since 1970), the most
    /// frequent level of a category.
    pub fn fill_value(&self, name: &str) -> Option<FillValue> {
        self.columns.iter().find(|fc| fc.name() == name).map(|fc| match fc {
            FittedColumn::Numeric { fill, .. }
            | FittedColumn::Binned { fill, .. }
            | FittedColumn::Datetime { fill, .. } => FillValue::Number(*fill),
            FittedColumn::Categorical { most_frequent, .. } => FillValue::Level(most_frequent.clone()),
        })
    }

    /// The levels a categorical column `name` was fitted with.
    pub fn levels(&self, name: &str) -> Option<Vec<String>> {
        self.columns.iter().find_map(|fc| match fc {
            FittedColumn::Categorical { name: n, categories, .. } if n == name => Some(categories.clone()),
            _ => None,
        })
    }

    /// Whether `value` of column `name` is a level the model saw in
    /// training; true for a column that is not categorical.
    pub fn knows_level(&self, name: &str, value: &str) -> bool {
        self.columns.iter().all(|fc| match fc {
            FittedColumn::Categorical { name: n, categories, most_frequent, .. } if n == name => {
                known_level(most_frequent, categories, value)
            }
            _ => true,
        })
    }

    /// Transforms `rows` of `table`. Columns are found by name, so the table
    /// may have extra columns or a different order than the training table.
    pub fn transform(&self, table: &Table, rows: &[usize]) -> Result<Matrix> {
        let n_cols = self.n_features();
        let mut values = vec![0.0; rows.len() * n_cols];
        let mut offset = 0;
        for fc in &self.columns {
            let col = self.column(table, fc)?;
            let width = fc.feature_names().len();
            let mut set = |i: usize, k: usize, v: f64| values[i * n_cols + offset + k] = v;
            match fc {
                FittedColumn::Numeric { fill, indicator, scaler, .. } => {
                    for (i, &r) in rows.iter().enumerate() {
                        let v = col.number(r);
                        set(i, 0, scaler.apply(v.unwrap_or(*fill)));
                        if *indicator {
                            set(i, 1, f64::from(u8::from(v.is_none())));
                        }
                    }
                }
                FittedColumn::Binned { fill, indicator, edges, .. } => {
                    let n_bins = edges.len() - 1;
                    for (i, &r) in rows.iter().enumerate() {
                        let v = col.number(r);
                        // The bin whose left edge is the last one at or below v,
                        // clamped into the first and last bins.
                        let b = edges.partition_point(|&e| e <= v.unwrap_or(*fill)).saturating_sub(1).min(n_bins - 1);
                        set(i, b, 1.0);
                        if *indicator {
                            set(i, n_bins, f64::from(u8::from(v.is_none())));
                        }
                    }
                }
                FittedColumn::Categorical { most_frequent, categories, encoding, drop_first, other, .. } => {
                    // Categories are sorted, so a binary search finds the slot;
                    // an unseen level finds none.
                    let slot = |v: &str| categories.binary_search_by(|c| c.as_str().cmp(v)).ok();
                    let place = |v: Option<&str>| -> Option<usize> {
                        let v = v.unwrap_or(most_frequent);
                        match (slot(v), encoding) {
                            (Some(k), _) => Some(k),
                            // A known level too rare for its own column, or an unseen one.
                            (None, Encoding::OneHot) if *other => Some(categories.len()),
                            (None, _) => None,
                        }
                    };
                    let by_code: Option<Vec<Option<usize>>> =
                        col.codes().map(|c| c.dictionary.iter().map(|d| place(Some(d))).collect());
                    let missing = place(None);
                    for (i, &r) in rows.iter().enumerate() {
                        let k = match (&by_code, col.codes()) {
                            (Some(by_code), Some(codes)) => {
                                let code = codes.codes[r];
                                if code == MISSING_CODE {
                                    missing
                                } else {
                                    by_code[code as usize]
                                }
                            }
                            _ => place(col.text(r).as_deref()),
                        };
                        match encoding {
                            Encoding::Ordinal => set(i, 0, k.map_or(-1.0, |k| k as f64)),
                            Encoding::OneHot => match k {
                                Some(0) if *drop_first => {}
                                Some(k) => set(i, k - usize::from(*drop_first), 1.0),
                                None => {}
                            },
                        }
                    }
                }
                FittedColumn::Datetime { fill, parts, origin_days, year, elapsed, .. } => {
                    let tau = 2.0 * std::f64::consts::PI;
                    for (i, &r) in rows.iter().enumerate() {
                        let (hour, dow, doy, year_len, month, y, days) = calendar(col.number(r).unwrap_or(*fill));
                        let mut k = 0;
                        for p in parts {
                            let angle = match p {
                                DatePart::Hour => hour / 24.0,
                                DatePart::DayOfWeek => dow / 7.0,
                                DatePart::DayOfYear => doy / year_len,
                                DatePart::Month => (month - 1.0) / 12.0,
                                DatePart::Year => {
                                    set(i, k, year.apply(y));
                                    k += 1;
                                    continue;
                                }
                                DatePart::ElapsedDays => {
                                    set(i, k, elapsed.apply(days - origin_days));
                                    k += 1;
                                    continue;
                                }
                            } * tau;
                            set(i, k, libm::sin(angle));
                            set(i, k + 1, libm::cos(angle));
                            k += 2;
                        }
                    }
                }
            }
            offset += width;
        }
        Ok(Matrix::new(rows.len(), n_cols, values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datetime::civil_from_days;
    use glassbox_ingest::parse_csv;

    fn default_fit(t: &Table, cols: &[usize], rows: &[usize]) -> FittedFeatures {
        fit(t, cols, rows, &FeatureSpec::default()).unwrap()
    }

    /// One column's transform under `spec`, fitted on the first `n_train` rows, applied to all.
    fn check(csv: &str, n_train: usize, spec: FeatureSpec, names: &[&str], expected: &[&[f64]]) {
        let t = parse_csv(csv.as_bytes()).unwrap();
        let f = fit(&t, &[0], &(0..n_train).collect::<Vec<_>>(), &spec).unwrap();
        assert_eq!(f.feature_names(), names);
        let m = f.transform(&t, &(0..t.n_rows).collect::<Vec<_>>()).unwrap();
        let rows: Vec<Vec<f64>> = (0..m.n_rows).map(|i| m.row(i).to_vec()).collect();
        for (got, want) in rows.iter().zip(expected) {
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(*want) {
                assert!((g - w).abs() < 1e-12, "{rows:?} vs {expected:?}");
            }
        }
        assert_eq!(rows.len(), expected.len());
    }

    #[test]
    fn numeric_median_impute_and_standardise() {
        let t = parse_csv(b"x\n1\nNA\n3\n10\n100\n").unwrap();
        // Training rows 0, 1 (missing), 2; median of [1, 3] is 2; imputed [1, 2, 3].
        let f = default_fit(&t, &[0], &[0, 1, 2]);
        let scale = (2.0f64 / 3.0).sqrt();
        assert_eq!(
            f.columns()[0],
            FittedColumn::Numeric {
                name: "x".into(),
                fill: 2.0,
                indicator: false,
                scaler: Scaler { center: 2.0, scale }
            }
        );
        let m = f.transform(&t, &[3]).unwrap();
        assert!((m.values[0] - 8.0 / scale).abs() < 1e-12);
    }

    #[test]
    fn mean_and_constant_imputation_with_a_missing_indicator() {
        let none =
            |impute| FeatureSpec { impute, missing_indicator: true, scale: Scale::None, ..FeatureSpec::default() };
        let csv = "x\n1\nNA\n5\n";
        check(csv, 3, none(Impute::Mean), &["x", "x_missing"], &[&[1.0, 0.0], &[3.0, 1.0], &[5.0, 0.0]]);
        check(csv, 3, none(Impute::Constant(-1.0)), &["x", "x_missing"], &[&[1.0, 0.0], &[-1.0, 1.0], &[5.0, 0.0]]);
        // No missing training value: no indicator column.
        check("x\n1\n2\nNA\n", 2, none(Impute::Mean), &["x"], &[&[1.0], &[2.0], &[1.5]]);
    }

    #[test]
    fn min_max_and_robust_scalers_match_scikit_learn() {
        // MinMaxScaler().fit([[0],[5],[10]]).transform([[20]]) = 2
        let spec = FeatureSpec { scale: Scale::MinMax, ..FeatureSpec::default() };
        check("x\n0\n5\n10\n20\n", 3, spec, &["x"], &[&[0.0], &[0.5], &[1.0], &[2.0]]);
        // RobustScaler().fit([[1],[2],[3],[4],[100]]): center 3, IQR 4 - 2 = 2.
        let spec = FeatureSpec { scale: Scale::Robust, ..FeatureSpec::default() };
        check("x\n1\n2\n3\n4\n100\n", 5, spec, &["x"], &[&[-1.0], &[-0.5], &[0.0], &[0.5], &[48.5]]);
    }

    #[test]
    fn typed_bin_edges_one_hot_with_the_out_of_range_rule() {
        let bins = BTreeMap::from([("age".to_string(), Binning::Edges(vec![0.0, 18.0, 65.0, 100.0]))]);
        let spec = FeatureSpec { bins, ..FeatureSpec::default() };
        check(
            "age\n5\n18\n70\n-3\n100\n130\n",
            3,
            spec,
            &["age_[0, 18)", "age_[18, 65)", "age_[65, 100]"],
            &[
                &[1.0, 0.0, 0.0],
                &[0.0, 1.0, 0.0],
                &[0.0, 0.0, 1.0],
                &[1.0, 0.0, 0.0],
                &[0.0, 0.0, 1.0],
                &[0.0, 0.0, 1.0],
            ],
        );
    }

    #[test]
    fn quantile_and_uniform_bins() {
        let q = BTreeMap::from([("x".to_string(), Binning::Quantile(2))]);
        // Quantiles of 1..4 at 0, .5, 1: [1, 2.5, 4].
        check(
            "x\n1\n2\n3\n4\n",
            4,
            FeatureSpec { bins: q, ..FeatureSpec::default() },
            &["x_[1, 2.5)", "x_[2.5, 4]"],
            &[&[1.0, 0.0], &[1.0, 0.0], &[0.0, 1.0], &[0.0, 1.0]],
        );
        let u = BTreeMap::from([("x".to_string(), Binning::Uniform(3))]);
        check(
            "x\n0\n3\n9\n",
            3,
            FeatureSpec { bins: u, ..FeatureSpec::default() },
            &["x_[0, 3)", "x_[3, 6)", "x_[6, 9]"],
            &[&[1.0, 0.0, 0.0], &[0.0, 1.0, 0.0], &[0.0, 0.0, 1.0]],
        );
    }

    #[test]
    fn bin_edges_that_do_not_increase_are_named() {
        let bins = BTreeMap::from([("age".to_string(), Binning::Edges(vec![0.0, 55.0, 35.0]))]);
        let e = FeatureSpec { bins, ..FeatureSpec::default() }.validate().unwrap_err();
        assert_eq!(e.message(), "bin edges for column 'age' must increase, but 35 follows 55");
    }

    #[test]
    fn one_hot_with_unseen_and_missing() {
        let t = parse_csv(b"c\nb\na\nb\nNA\nz\n").unwrap();
        let f = default_fit(&t, &[0], &[0, 1, 2, 3]);
        assert_eq!(f.feature_names(), ["c_a", "c_b"]);
        let m = f.transform(&t, &[0, 1, 3, 4]).unwrap();
        // Missing imputes to the most frequent ("b"); unseen "z" is all zeros.
        assert_eq!(*m.values, vec![0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
        assert_eq!(f.unseen(&t, &[0, 1, 3, 4]).unwrap(), BTreeMap::from([("c".to_string(), 1)]));
    }

    #[test]
    fn drop_first_min_frequency_and_max_levels() {
        let csv = "c\na\nb\nb\nc\nc\nc\nd\nz\n";
        let spec = FeatureSpec { drop_first: true, ..FeatureSpec::default() };
        check(
            csv,
            7,
            spec,
            &["c_b", "c_c", "c_d"],
            &[
                &[0.0, 0.0, 0.0],
                &[1.0, 0.0, 0.0],
                &[1.0, 0.0, 0.0],
                &[0.0, 1.0, 0.0],
                &[0.0, 1.0, 0.0],
                &[0.0, 1.0, 0.0],
                &[0.0, 0.0, 1.0],
                &[0.0, 0.0, 0.0],
            ],
        );
        // Levels under 2 rows (a, d) and unseen z go to other.
        let spec = FeatureSpec { min_frequency: 2, ..FeatureSpec::default() };
        let o = |k: usize| {
            let mut r = [0.0; 3];
            r[k] = 1.0;
            r
        };
        let rows = [o(2), o(0), o(0), o(1), o(1), o(1), o(2), o(2)];
        let expected: Vec<&[f64]> = rows.iter().map(|r| &r[..]).collect();
        check(csv, 7, spec, &["c_b", "c_c", "c_other"], &expected);
        // At most one level: the most frequent (c); the rest to other.
        let spec = FeatureSpec { max_levels: Some(1), ..FeatureSpec::default() };
        check(
            csv,
            7,
            spec,
            &["c_c", "c_other"],
            &[&[0.0, 1.0], &[0.0, 1.0], &[0.0, 1.0], &[1.0, 0.0], &[1.0, 0.0], &[1.0, 0.0], &[0.0, 1.0], &[0.0, 1.0]],
        );
    }

    #[test]
    fn ordinal_codes_with_unseen_as_minus_one() {
        let spec = FeatureSpec { encoding: Encoding::Ordinal, ..FeatureSpec::default() };
        check("c\nlow\nhigh\nmid\nnew\n", 3, spec, &["c"], &[&[1.0], &[0.0], &[2.0], &[-1.0]]);
    }

    #[test]
    fn most_frequent_tie_goes_to_smallest() {
        let t = parse_csv(b"c\ny\nx\nNA\n").unwrap();
        let f = default_fit(&t, &[0], &[0, 1, 2]);
        assert!(matches!(&f.columns()[0], FittedColumn::Categorical { most_frequent, .. } if most_frequent == "x"));
    }

    #[test]
    fn calendar_parts_handle_leap_years_and_weekdays() {
        // 2024-02-29 12:30 UTC: a Thursday, day 59 (0-based) of a 366-day year.
        let t = 1_709_209_800.0;
        assert_eq!(calendar(t), (12.5, 3.0, 59.0, 366.0, 2.0, 2024.0, 19_782.0));
        // 2023-12-31: day 364 of 365, a Sunday.
        assert_eq!(calendar(1_703_980_800.0).1..=calendar(1_703_980_800.0).3, 6.0..=365.0);
        assert_eq!(calendar(1_703_980_800.0).2, 364.0);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn datetime_parts_are_cyclical_and_chosen() {
        let spec =
            FeatureSpec { date_parts: Some(vec![DatePart::Month, DatePart::DayOfWeek]), ..FeatureSpec::default() };
        let t = parse_csv(b"d\n2024-01-01\n2024-07-01\n").unwrap();
        let f = fit(&t, &[0], &[0, 1], &spec).unwrap();
        assert_eq!(f.feature_names(), ["d_day_of_week_sin", "d_day_of_week_cos", "d_month_sin", "d_month_cos"]);
        let m = f.transform(&t, &[0, 1]).unwrap();
        // Both Mondays (angle 0); January is angle 0, July is half a turn.
        let expected = [0.0, 1.0, 0.0, 1.0, 0.0, 1.0, libm::sin(std::f64::consts::PI), -1.0];
        for (g, w) in m.values.iter().zip(expected) {
            assert!((g - w).abs() < 1e-12, "{:?}", m.values);
        }
        // By default, dates without a time of day get no hour features.
        let f = default_fit(&t, &[0], &[0, 1]);
        assert!(!f.feature_names().iter().any(|n| n.contains("hour")));
        assert!(f.feature_names().contains(&"d_elapsed_days".to_string()));
    }

    #[test]
    fn scaler_never_sees_rows_outside_fit() {
        // A regression guard for leakage: an extreme value in a non-training
        // row must not move the fitted mean or scale.
        let t = parse_csv(b"x\n1\n2\n3\n1000000\n").unwrap();
        let a = default_fit(&t, &[0], &[0, 1, 2]);
        let t2 = parse_csv(b"x\n1\n2\n3\n-5\n").unwrap();
        assert_eq!(a, default_fit(&t2, &[0], &[0, 1, 2]));
    }

    #[test]
    fn text_column_where_the_model_expects_numbers_is_named() {
        let t = parse_csv(b"x\n1\n2\n").unwrap();
        let f = default_fit(&t, &[0], &[0, 1]);
        let t2 = parse_csv(b"x\nabc\ndef\n").unwrap();
        let e = f.transform(&t2, &[0, 1]).unwrap_err();
        assert_eq!(e.message(), "column 'x' holds text, but the model expects numbers in it");
    }
}
