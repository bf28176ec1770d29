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
//! assert_eq!(f.transform(&t, &[0, 1, 2]).unwrap().values, [0.0, 0.5, 1.0]);
//! ```

#![forbid(unsafe_code)]

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use glassbox_core::error::{Error, ErrorKind, Result};
pub use glassbox_core::matrix::Matrix;
use glassbox_core::table::{Column, ColumnKind, Table, MISSING_CODE};

/// How numeric gaps are filled.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Impute {
    Median,
    Mean,
    Constant(f64),
}

impl Impute {
    /// `median`, `mean` or `constant:VALUE`, as the CLI and the app take it.
    pub fn parse(s: &str) -> Result<Impute> {
        match s {
            "median" => Ok(Impute::Median),
            "mean" => Ok(Impute::Mean),
            other => match other.strip_prefix("constant:").map(|v| v.trim().parse::<f64>()) {
                Some(Ok(v)) if v.is_finite() => Ok(Impute::Constant(v)),
                _ => Err(Error::new(
                    ErrorKind::BadSpec,
                    format!("imputation is median, mean or constant:NUMBER, got '{other}'"),
                )),
            },
        }
    }
}

/// How numeric values are scaled after imputation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    Standard,
    #[serde(rename = "minmax")]
    MinMax,
    Robust,
    None,
}

impl Scale {
    pub const ALL: [Scale; 4] = [Scale::Standard, Scale::MinMax, Scale::Robust, Scale::None];

    pub fn as_str(self) -> &'static str {
        match self {
            Scale::Standard => "standard",
            Scale::MinMax => "minmax",
            Scale::Robust => "robust",
            Scale::None => "none",
        }
    }

    pub fn parse(s: &str) -> Result<Scale> {
        Scale::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| {
            Error::new(ErrorKind::BadSpec, format!("scaling is standard, minmax, robust or none, got '{s}'"))
        })
    }
}

/// How a numeric column is cut into bins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Binning {
    /// Edges as typed, strictly increasing, at least two.
    Edges(Vec<f64>),
    /// k bins holding about equal numbers of training values.
    Quantile(usize),
    /// k bins of equal width between the training minimum and maximum.
    Uniform(usize),
}

impl Binning {
    /// `COLUMN=EDGE,EDGE,…`, `COLUMN=quantile:K` or `COLUMN=uniform:K`, as
    /// the CLI and the app take it; the edges are checked by [`FeatureSpec::validate`].
    pub fn parse(s: &str) -> Result<(String, Binning)> {
        let bad = |m: String| Error::new(ErrorKind::BadSpec, m);
        let (column, how) = s.split_once('=').ok_or_else(|| {
            bad(format!("bins are written COLUMN=EDGES, COLUMN=quantile:K or COLUMN=uniform:K, got '{s}'"))
        })?;
        let column = column.trim().to_string();
        let count = |k: &str| {
            k.trim().parse::<usize>().map_err(|_| bad(format!("bins for column '{column}': '{k}' is not a bin count")))
        };
        let binning = if let Some(k) = how.strip_prefix("quantile:") {
            Binning::Quantile(count(k)?)
        } else if let Some(k) = how.strip_prefix("uniform:") {
            Binning::Uniform(count(k)?)
        } else {
            Binning::Edges(
                how.split(',')
                    .map(|e| {
                        e.trim()
                            .parse::<f64>()
                            .map_err(|_| bad(format!("bins for column '{column}': '{e}' is not a number")))
                    })
                    .collect::<Result<_>>()?,
            )
        };
        Ok((column, binning))
    }
}

/// How categories become numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    OneHot,
    Ordinal,
}

/// Parts of a date-time that become features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DatePart {
    /// sin/cos of the hour of day (minutes included).
    Hour,
    /// sin/cos of the day of the week, Monday = 0.
    DayOfWeek,
    /// sin/cos of the day of the year, over the length of that year.
    DayOfYear,
    /// sin/cos of the month.
    Month,
    /// The year, scaled like a numeric column.
    Year,
    /// Days since the earliest training date, scaled like a numeric column.
    ElapsedDays,
}

impl DatePart {
    pub const ALL: [DatePart; 6] = [
        DatePart::Hour,
        DatePart::DayOfWeek,
        DatePart::DayOfYear,
        DatePart::Month,
        DatePart::Year,
        DatePart::ElapsedDays,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DatePart::Hour => "hour",
            DatePart::DayOfWeek => "day_of_week",
            DatePart::DayOfYear => "day_of_year",
            DatePart::Month => "month",
            DatePart::Year => "year",
            DatePart::ElapsedDays => "elapsed_days",
        }
    }

    pub fn parse(s: &str) -> Result<DatePart> {
        DatePart::ALL.into_iter().find(|p| p.as_str() == s).ok_or_else(|| {
            Error::new(
                ErrorKind::BadSpec,
                format!("unknown date part '{s}'; the parts are: {}", DatePart::ALL.map(DatePart::as_str).join(", ")),
            )
        })
    }
}

/// The person's choices for the feature pipeline. The defaults reproduce
/// median imputation, standard scaling and a full one-hot encoding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FeatureSpec {
    pub impute: Impute,
    /// Add a `NAME_missing` column (1 where the value was missing) for numeric
    /// columns with missing training values.
    pub missing_indicator: bool,
    pub scale: Scale,
    /// Per numeric column, by name: bins instead of a scaled number.
    pub bins: BTreeMap<String, Binning>,
    pub encoding: Encoding,
    /// One-hot: leave out the first level (it is all zeros), as `drop="first"`.
    pub drop_first: bool,
    /// One-hot: levels with fewer training rows than this go to `other`.
    pub min_frequency: usize,
    /// One-hot: keep at most this many levels (the most frequent, ties to the
    /// smaller name); the rest go to `other`.
    pub max_levels: Option<usize>,
    /// Date-time parts; `None` = every part but the hour, plus the hour when
    /// any training value has a time of day.
    pub date_parts: Option<Vec<DatePart>>,
}

impl Default for FeatureSpec {
    fn default() -> Self {
        FeatureSpec {
            impute: Impute::Median,
            missing_indicator: false,
            scale: Scale::Standard,
            bins: BTreeMap::new(),
            encoding: Encoding::OneHot,
            drop_first: false,
            min_frequency: 0,
            max_levels: None,
            date_parts: None,
        }
    }
}

impl FeatureSpec {
    /// Checks the choices before any work starts; errors name the column.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::new(ErrorKind::BadSpec, m));
        if let Impute::Constant(v) = self.impute {
            if !v.is_finite() {
                return bad(format!("the constant to impute must be a finite number, got {v}"));
            }
        }
        for (column, b) in &self.bins {
            match b {
                Binning::Edges(edges) => {
                    if edges.len() < 2 {
                        return bad(format!("bins for column '{column}' need at least two edges, got {}", edges.len()));
                    }
                    if let Some(e) = edges.iter().find(|e| !e.is_finite()) {
                        return bad(format!("bin edges for column '{column}' must be finite numbers, got {e}"));
                    }
                    if let Some(w) = edges.windows(2).find(|w| w[1] <= w[0]) {
                        return bad(format!(
                            "bin edges for column '{column}' must increase, but {} follows {}",
                            w[1], w[0]
                        ));
                    }
                }
                Binning::Quantile(k) | Binning::Uniform(k) if *k < 2 => {
                    return bad(format!("column '{column}' needs at least 2 bins, got {k}"));
                }
                _ => {}
            }
        }
        if self.max_levels == Some(0) {
            return bad("max_levels must be at least 1, got 0".into());
        }
        if self.date_parts.as_ref().is_some_and(Vec::is_empty) {
            return bad("pick at least one date part".into());
        }
        Ok(())
    }

    /// One line for reports and the app: every choice in words.
    pub fn text(&self) -> String {
        let impute = match self.impute {
            Impute::Median => "the median".to_string(),
            Impute::Mean => "the mean".to_string(),
            Impute::Constant(v) => format!("{v}"),
        };
        let scale = match self.scale {
            Scale::Standard => "standard scaling",
            Scale::MinMax => "min-max scaling",
            Scale::Robust => "robust scaling (median, IQR)",
            Scale::None => "no scaling",
        };
        let mut numbers = format!(
            "numbers: gaps filled with {impute}{}, {scale}",
            if self.missing_indicator { " plus a missing indicator" } else { "" }
        );
        for (c, b) in &self.bins {
            numbers.push_str(&match b {
                Binning::Edges(e) => {
                    format!(", {c} in bins at {}", e.iter().map(f64::to_string).collect::<Vec<_>>().join(", "))
                }
                Binning::Quantile(k) => format!(", {c} in {k} quantile bins"),
                Binning::Uniform(k) => format!(", {c} in {k} equal-width bins"),
            });
        }
        let categories = match self.encoding {
            Encoding::Ordinal => "ordinal codes (unseen → -1)".to_string(),
            Encoding::OneHot => {
                let mut t = "one-hot".to_string();
                if self.drop_first {
                    t.push_str(" without the first level");
                }
                if self.min_frequency > 0 {
                    t.push_str(&format!(", levels under {} rows → other", self.min_frequency));
                }
                if let Some(m) = self.max_levels {
                    t.push_str(&format!(", at most {m} levels (the rest → other)"));
                }
                t.push_str(if self.min_frequency > 0 || self.max_levels.is_some() {
                    " (unseen → other)"
                } else {
                    " (unseen → all zeros)"
                });
                t
            }
        };
        let dates = match &self.date_parts {
            Some(p) => p.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", "),
            None => {
                "cyclical day of week, day of year, month (and hour when there are times), year, elapsed days".into()
            }
        };
        format!("{numbers}; categories: gaps filled with the most frequent level, {categories}; dates: {dates}")
    }
}

/// A fitted scaler: `(v - center) / scale`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    pub center: f64,
    pub scale: f64,
}

impl Scaler {
    fn apply(&self, v: f64) -> f64 {
        (v - self.center) / self.scale
    }
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

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

/// numpy's default (linear) quantile of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

fn fill_value(values: &[f64], impute: Impute) -> f64 {
    // A column with no training values carries no information; it is filled
    // with 0 so it transforms to a constant rather than failing the run.
    if values.is_empty() {
        return match impute {
            Impute::Constant(v) => v,
            _ => 0.0,
        };
    }
    match impute {
        Impute::Median => {
            let s = sorted(values.to_vec());
            let m = s.len() / 2;
            if s.len() % 2 == 1 {
                s[m]
            } else {
                (s[m - 1] + s[m]) / 2.0
            }
        }
        Impute::Mean => values.iter().sum::<f64>() / values.len() as f64,
        Impute::Constant(v) => v,
    }
}

fn fit_scaler(name: &str, imputed: &[f64], scale: Scale) -> Result<Scaler> {
    let n = imputed.len().max(1) as f64;
    let unit = |s: f64| if s > 0.0 { s } else { 1.0 };
    let scaler = match scale {
        Scale::None => Scaler { center: 0.0, scale: 1.0 },
        Scale::Standard => {
            let mean = imputed.iter().sum::<f64>() / n;
            let var = imputed.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
            Scaler { center: mean, scale: unit(var.sqrt()) }
        }
        Scale::MinMax => {
            let min = imputed.iter().copied().fold(f64::INFINITY, f64::min);
            let max = imputed.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if imputed.is_empty() {
                Scaler { center: 0.0, scale: 1.0 }
            } else {
                Scaler { center: min, scale: unit(max - min) }
            }
        }
        Scale::Robust => {
            if imputed.is_empty() {
                Scaler { center: 0.0, scale: 1.0 }
            } else {
                let s = sorted(imputed.to_vec());
                Scaler { center: quantile(&s, 0.5), scale: unit(quantile(&s, 0.75) - quantile(&s, 0.25)) }
            }
        }
    };
    if !scaler.center.is_finite() || !scaler.scale.is_finite() {
        return Err(Error::new(ErrorKind::BadValue, format!("column '{name}' has values too large to scale")));
    }
    Ok(scaler)
}

fn fit_numeric(col: &Column, rows: &[usize], spec: &FeatureSpec) -> Result<FittedColumn> {
    let values: Vec<f64> = rows.iter().filter_map(|&r| col.number(r)).collect();
    let fill = fill_value(&values, spec.impute);
    let indicator = spec.missing_indicator && values.len() < rows.len();
    let imputed: Vec<f64> = rows.iter().map(|&r| col.number(r).unwrap_or(fill)).collect();
    let name = col.name.clone();
    match spec.bins.get(&col.name) {
        None => Ok(FittedColumn::Numeric { scaler: fit_scaler(&name, &imputed, spec.scale)?, name, fill, indicator }),
        Some(binning) => {
            let edges = match binning {
                Binning::Edges(e) => e.clone(),
                Binning::Quantile(k) => {
                    let s = sorted(imputed);
                    let mut e: Vec<f64> = (0..=*k).map(|i| quantile(&s, i as f64 / *k as f64)).collect();
                    // Equal quantiles (many equal values) would make empty bins: merged, as scikit-learn does.
                    e.dedup();
                    e
                }
                Binning::Uniform(k) => {
                    let min = imputed.iter().copied().fold(f64::INFINITY, f64::min);
                    let max = imputed.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    (0..=*k).map(|i| min + (max - min) * i as f64 / *k as f64).collect()
                }
            };
            if edges.len() < 2 || edges[0] == edges[edges.len() - 1] {
                return Err(Error::new(
                    ErrorKind::BadValue,
                    format!("column '{name}' has a single training value, so it cannot be cut into bins"),
                ));
            }
            Ok(FittedColumn::Binned { name, fill, indicator, edges })
        }
    }
}

fn fit_categorical(col: &Column, rows: &[usize], spec: &FeatureSpec) -> FittedColumn {
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
    // Missing values become the most frequent level, so it counts them too.
    let n_missing = rows.len() - counts.values().sum::<usize>();
    *counts.entry(Cow::Owned(most_frequent.clone())).or_default() += n_missing;
    let mut kept: Vec<(String, usize)> = counts.iter().map(|(k, &n)| (k.to_string(), n)).collect();
    let mut other = false;
    if spec.encoding == Encoding::OneHot {
        let before = kept.len();
        kept.retain(|(_, n)| *n >= spec.min_frequency);
        if let Some(max) = spec.max_levels {
            if kept.len() > max {
                // The most frequent levels; among equals, the smaller name.
                let mut by_count = kept.clone();
                by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                let keep: Vec<String> = by_count.into_iter().take(max).map(|(k, _)| k).collect();
                kept.retain(|(k, _)| keep.contains(k));
            }
        }
        other = kept.len() < before;
    }
    FittedColumn::Categorical {
        name: col.name.clone(),
        most_frequent,
        categories: kept.into_iter().map(|(k, _)| k).collect(),
        encoding: spec.encoding,
        drop_first: spec.drop_first && spec.encoding == Encoding::OneHot,
        other,
    }
}

/// Year, month (1–12) and day of month of a day count since 1970-01-01, in
/// the proleptic Gregorian calendar (Howard Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// The calendar parts of a UTC time in seconds: (hour with minutes as a
/// fraction, day of week with Monday = 0, 0-based day of year, days in that
/// year, month 1–12, year, days since 1970).
fn calendar(seconds: f64) -> (f64, f64, f64, f64, f64, f64, f64) {
    let days = (seconds / 86_400.0).floor();
    let hour = (seconds - days * 86_400.0) / 3600.0;
    let (y, m, _) = civil_from_days(days as i64);
    let jan1 = days_from_civil(y, 1, 1);
    let doy = days - jan1 as f64;
    // 1970-01-01 was a Thursday (3 with Monday = 0).
    let dow = (days as i64 + 3).rem_euclid(7) as f64;
    (hour, dow, doy, if is_leap(y) { 366.0 } else { 365.0 }, m as f64, y as f64, days)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn fit_datetime(col: &Column, rows: &[usize], spec: &FeatureSpec) -> Result<FittedColumn> {
    let values: Vec<f64> = rows.iter().filter_map(|&r| col.number(r)).collect();
    let fill = fill_value(&values, spec.impute);
    let parts = match &spec.date_parts {
        Some(p) => {
            let mut p = p.clone();
            p.sort();
            p.dedup();
            p
        }
        None => {
            let has_time = values.iter().any(|v| v.rem_euclid(86_400.0) != 0.0);
            DatePart::ALL.into_iter().filter(|p| *p != DatePart::Hour || has_time).collect()
        }
    };
    let imputed: Vec<f64> = rows.iter().map(|&r| col.number(r).unwrap_or(fill)).collect();
    let origin_days = imputed.iter().map(|&v| (v / 86_400.0).floor()).fold(f64::INFINITY, f64::min);
    let origin_days = if origin_days.is_finite() { origin_days } else { 0.0 };
    let years: Vec<f64> = imputed.iter().map(|&v| calendar(v).5).collect();
    let elapsed: Vec<f64> = imputed.iter().map(|&v| calendar(v).6 - origin_days).collect();
    Ok(FittedColumn::Datetime {
        name: col.name.clone(),
        fill,
        parts,
        origin_days,
        year: fit_scaler(&col.name, &years, spec.scale)?,
        elapsed: fit_scaler(&col.name, &elapsed, spec.scale)?,
    })
}

impl FittedFeatures {
    pub fn columns(&self) -> &[FittedColumn] {
        &self.columns
    }

    /// Output feature names, like scikit-learn's `get_feature_names_out`.
    pub fn feature_names(&self) -> Vec<String> {
        self.columns.iter().flat_map(FittedColumn::feature_names).collect()
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
        let mut out = BTreeMap::new();
        for fc in &self.columns {
            if let FittedColumn::Categorical { name, categories, most_frequent, .. } = fc {
                let col = self.column(table, fc)?;
                let seen = |v: &str| v == most_frequent || categories.binary_search_by(|c| c.as_str().cmp(v)).is_ok();
                let n = rows.iter().filter(|&&r| col.text(r).is_some_and(|v| !seen(&v))).count();
                if n > 0 {
                    out.insert(name.clone(), n);
                }
            }
        }
        Ok(out)
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
        Ok(Matrix { n_rows: rows.len(), n_cols, values })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert_eq!(m.values, vec![0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
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
