//! The current data, tallied as it streams by: chunk after chunk of rows
//! go into fixed-size counters (the reference's bins, its percentiles,
//! level counts) and a bounded sample of each numeric column, so a file of
//! any size is one pass in bounded memory.

use std::collections::BTreeMap;

use glassbox_core::table::Table;

use crate::profile::{bin_of, prediction_columns, ColumnProfile, Profile, Summary, SMALL_DISTINCT};

/// Values kept per numeric column for the exact statistics (KS, Wasserstein,
/// quantiles). Beyond it the sample is thinned to every second value, and
/// again, so it stays a systematic sample of the whole column.
pub const SAMPLE_LIMIT: usize = 1_000_000;
/// Distinct current levels counted per column; more go to one overflow count.
pub const MAX_CURRENT_LEVELS: usize = 10_000;

/// Everything drift needs of the current rows.
#[derive(Debug, Clone)]
pub struct Current {
    pub rows: usize,
    pub(crate) columns: Vec<Tally>,
    pub(crate) found: Vec<bool>,
    pub(crate) target: Option<(Tally, bool)>,
    pub(crate) prediction: Vec<Tally>,
}

#[derive(Debug, Clone)]
pub(crate) enum Tally {
    Numeric(NumericTally),
    Categorical(CategoricalTally),
    Datetime { missing: u64, present: u64 },
}

#[derive(Debug, Clone)]
pub(crate) struct NumericTally {
    pub present: u64,
    pub missing: u64,
    pub bins: Vec<u64>,
    /// Values per gap between the reference percentiles: index k counts
    /// values in (p[k−1], p[k]].
    pub gaps: Vec<u64>,
    pub mean: f64,
    m2: f64,
    pub min: f64,
    pub max: f64,
    pub sample: Vec<f64>,
    pub stride: u64,
    seen: u64,
    /// Distinct values with counts while there are few.
    pub values: Option<BTreeMap<u64, u64>>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct CategoricalTally {
    pub present: u64,
    pub missing: u64,
    pub counts: BTreeMap<String, u64>,
    pub overflow: u64,
}

impl Tally {
    fn for_profile(p: &ColumnProfile) -> Tally {
        match &p.summary {
            Summary::Numeric(n) => Tally::Numeric(NumericTally {
                present: 0,
                missing: 0,
                bins: vec![0; n.edges.len() + 1],
                gaps: vec![0; n.percentiles.len() + 1],
                mean: 0.0,
                m2: 0.0,
                min: f64::INFINITY,
                max: f64::NEG_INFINITY,
                sample: Vec::new(),
                stride: 1,
                seen: 0,
                values: Some(BTreeMap::new()),
            }),
            Summary::Categorical(_) => Tally::Categorical(CategoricalTally::default()),
            Summary::Datetime { .. } => Tally::Datetime { missing: 0, present: 0 },
        }
    }

    fn add_number(&mut self, p: &ColumnProfile, v: Option<f64>) {
        match (self, &p.summary) {
            (Tally::Numeric(t), Summary::Numeric(n)) => t.add(v, &n.edges, &n.percentiles),
            (Tally::Datetime { missing, present }, _) => match v {
                Some(_) => *present += 1,
                None => *missing += 1,
            },
            _ => {}
        }
    }

    pub(crate) fn missing(&self) -> u64 {
        match self {
            Tally::Numeric(t) => t.missing,
            Tally::Categorical(t) => t.missing,
            Tally::Datetime { missing, .. } => *missing,
        }
    }

    pub(crate) fn present(&self) -> u64 {
        match self {
            Tally::Numeric(t) => t.present,
            Tally::Categorical(t) => t.present,
            Tally::Datetime { present, .. } => *present,
        }
    }
}

impl NumericTally {
    fn add(&mut self, v: Option<f64>, edges: &[f64], percentiles: &[f64]) {
        let Some(v) = v.filter(|v| v.is_finite()) else {
            self.missing += 1;
            return;
        };
        self.present += 1;
        self.bins[bin_of(edges, v)] += 1;
        self.gaps[percentiles.partition_point(|&p| p < v)] += 1;
        // Welford's update: stable for long columns.
        let delta = v - self.mean;
        self.mean += delta / self.present as f64;
        self.m2 += delta * (v - self.mean);
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        if let Some(values) = &mut self.values {
            *values.entry(v.to_bits()).or_default() += 1;
            if values.len() > SMALL_DISTINCT {
                self.values = None;
            }
        }
        if self.seen.is_multiple_of(self.stride) {
            self.sample.push(v);
            if self.sample.len() >= SAMPLE_LIMIT {
                let mut i = 0;
                self.sample.retain(|_| {
                    i += 1;
                    i % 2 == 1
                });
                self.stride *= 2;
            }
        }
        self.seen += 1;
    }

    pub(crate) fn std(&self) -> f64 {
        if self.present == 0 {
            f64::NAN
        } else {
            (self.m2 / self.present as f64).sqrt()
        }
    }

    /// Current values at or below each reference percentile.
    pub(crate) fn at_or_below(&self) -> Vec<u64> {
        let mut acc = 0;
        self.gaps
            .iter()
            .take(self.gaps.len() - 1)
            .map(|g| {
                acc += g;
                acc
            })
            .collect()
    }

    pub(crate) fn sorted_sample(&self) -> Vec<f64> {
        let mut s = self.sample.clone();
        s.sort_by(f64::total_cmp);
        s
    }

    pub(crate) fn value_counts(&self) -> Option<Vec<(f64, u64)>> {
        self.values.as_ref().map(|m| m.iter().map(|(&bits, &c)| (f64::from_bits(bits), c)).collect())
    }
}

impl CategoricalTally {
    fn add(&mut self, v: Option<&str>) {
        let Some(v) = v else {
            self.missing += 1;
            return;
        };
        self.present += 1;
        if let Some(c) = self.counts.get_mut(v) {
            *c += 1;
        } else if self.counts.len() < MAX_CURRENT_LEVELS {
            self.counts.insert(v.to_string(), 1);
        } else {
            self.overflow += 1;
        }
    }
}

impl Current {
    pub fn new(profile: &Profile) -> Current {
        Current {
            rows: 0,
            columns: profile.columns.iter().map(Tally::for_profile).collect(),
            found: vec![false; profile.columns.len()],
            target: profile.target.as_ref().map(|t| (Tally::for_profile(t), false)),
            prediction: profile.prediction.iter().map(Tally::for_profile).collect(),
        }
    }

    /// Adds the rows of one chunk, its columns found by (normalised) name. A
    /// column absent from the chunk is absent from the file: it is reported,
    /// not counted as missing values.
    pub fn feed(&mut self, profile: &Profile, table: &Table) {
        self.rows += table.n_rows;
        for (k, p) in profile.columns.iter().enumerate() {
            if let Some(c) = table.find(&p.name).map(|i| &table.columns[i]) {
                self.found[k] = true;
                feed_column(&mut self.columns[k], p, c, table.n_rows);
            }
        }
        if let (Some(p), Some((tally, found))) = (&profile.target, &mut self.target) {
            if let Some(c) = table.find(&p.name).map(|i| &table.columns[i]) {
                *found = true;
                feed_column(tally, p, c, table.n_rows);
            }
        }
    }

    /// Adds the model's probabilities for rows of the current data.
    pub fn feed_prediction(&mut self, profile: &Profile, classes: &[String], proba: &[Vec<f64>]) {
        for ((k, _), (tally, p)) in
            prediction_columns(classes).into_iter().zip(self.prediction.iter_mut().zip(&profile.prediction))
        {
            for row in proba {
                tally.add_number(p, row.get(k).copied());
            }
        }
    }

    /// How many values of the numeric columns were kept for the exact
    /// statistics, when the sample had to be thinned: (kept, 1 in k).
    pub fn thinned(&self) -> Option<(usize, u64)> {
        self.columns.iter().find_map(|t| match t {
            Tally::Numeric(n) if n.stride > 1 => Some((n.sample.len(), n.stride)),
            _ => None,
        })
    }
}

fn feed_column(tally: &mut Tally, p: &ColumnProfile, c: &glassbox_core::table::Column, rows: usize) {
    match tally {
        Tally::Categorical(t) => (0..rows).for_each(|r| t.add(c.text(r).as_deref())),
        _ => (0..rows).for_each(|r| tally.add_number(p, c.number(r))),
    }
}
