//! What the person sets: imputation, scaling, bins, encodings and date parts, validated.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use glassbox_core::error::{Error, ErrorKind, Result};

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
