//! Drift of the current data from the reference, column by column, with
//! the test named; the dataset's verdict; the most severe columns with
//! what to do about them.

use std::collections::BTreeMap;

use glassbox_core::error::{Error, ErrorKind, Result};
use glassbox_core::table::values_text;
use serde::{Deserialize, Serialize};

use crate::current::{CategoricalTally, Current, NumericTally, Tally};
use crate::profile::{CategoricalProfile, ColumnProfile, NumericProfile, Profile, Summary};
use crate::stats::{self, Test};
use crate::suggest;

/// Evidently's rule: up to this many reference values, the p-value tests.
pub const SMALL_REFERENCE: usize = 1_000;
/// Evidently's rule: a numeric column with more distinct values than this
/// is tested as numbers, otherwise as categories.
pub const FEW_VALUES: usize = 5;
pub const DEFAULT_SHARE: f64 = 0.5;
/// Bars shown per categorical histogram; the rest are summed as "other".
const MAX_BARS: usize = 20;

/// A drift test a person can choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Ks,
    Chi2,
    Wasserstein,
    #[serde(rename = "jensenshannon")]
    JensenShannon,
    Psi,
    Kl,
}

impl Method {
    pub const ALL: [Method; 6] =
        [Method::Ks, Method::Chi2, Method::Wasserstein, Method::JensenShannon, Method::Psi, Method::Kl];

    pub fn name(self) -> &'static str {
        match self {
            Method::Ks => "ks",
            Method::Chi2 => "chi2",
            Method::Wasserstein => "wasserstein",
            Method::JensenShannon => "jensenshannon",
            Method::Psi => "psi",
            Method::Kl => "kl",
        }
    }

    pub fn parse(text: &str) -> Result<Method> {
        Method::ALL.into_iter().find(|m| m.name() == text).ok_or_else(|| {
            let names: Vec<&str> = Method::ALL.iter().map(|m| m.name()).collect();
            Error::new(ErrorKind::BadSpec, format!("unknown drift test '{text}': expected one of {}", names.join(", ")))
        })
    }

    /// What the test is, for people.
    pub fn text(self) -> &'static str {
        match self {
            Method::Ks => "two-sample Kolmogorov–Smirnov test (p-value)",
            Method::Chi2 => "Pearson's chi-square test (p-value)",
            Method::Wasserstein => "Wasserstein distance / reference std",
            Method::JensenShannon => "Jensen–Shannon distance (base 2)",
            Method::Psi => "population stability index",
            Method::Kl => "KL divergence (nats)",
        }
    }

    pub fn default_threshold(self) -> f64 {
        match self {
            Method::Ks | Method::Chi2 => 0.05,
            Method::Wasserstein | Method::JensenShannon | Method::Psi | Method::Kl => 0.1,
        }
    }

    /// A p-value test drifts below its threshold; a distance at or above it.
    pub fn is_p_value(self) -> bool {
        matches!(self, Method::Ks | Method::Chi2)
    }

    fn needs_numbers(self) -> bool {
        matches!(self, Method::Ks | Method::Wasserstein)
    }
}

/// A person's choice of test (and threshold) for a column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Choice {
    pub method: Method,
    pub threshold: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DriftSettings {
    /// The share of drifting feature columns at which the dataset drifts.
    pub share_threshold: f64,
    /// One column's test, by name.
    pub columns: BTreeMap<String, Choice>,
    /// Every other column's test, instead of Evidently's rule.
    pub all: Option<Choice>,
}

impl Default for DriftSettings {
    fn default() -> Self {
        DriftSettings { share_threshold: DEFAULT_SHARE, columns: BTreeMap::new(), all: None }
    }
}

/// Sorted reference values, when the reference file itself was given.
#[derive(Debug, Clone, Default)]
pub struct RawReference {
    pub columns: BTreeMap<String, Vec<f64>>,
}

impl RawReference {
    /// Every numeric column's present values, sorted, over `rows`.
    pub fn of_table(table: &glassbox_core::table::Table, rows: &[usize], profile: &Profile) -> RawReference {
        let mut columns = BTreeMap::new();
        for p in &profile.columns {
            if let (Summary::Numeric(_), Some(i)) = (&p.summary, table.find(&p.name)) {
                let mut v: Vec<f64> = rows.iter().filter_map(|&r| table.columns[i].number(r)).collect();
                v.sort_by(f64::total_cmp);
                columns.insert(p.name.clone(), v);
            }
        }
        RawReference { columns }
    }

    pub fn with_values(mut self, name: &str, mut values: Vec<f64>) -> RawReference {
        values.sort_by(f64::total_cmp);
        self.columns.insert(name.to_string(), values);
        self
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelCount {
    pub level: String,
    pub count: u64,
}

/// Reference against current shares, bar by bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Histogram {
    pub labels: Vec<String>,
    pub reference: Vec<f64>,
    pub current: Vec<f64>,
}

/// A column's spread on both sides: quantiles 0, 0.1, …, 1 and the mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub reference: Vec<f64>,
    pub current: Vec<f64>,
    pub reference_mean: f64,
    pub current_mean: f64,
    pub reference_std: f64,
    pub current_std: f64,
    pub reference_distinct: usize,
    pub current_distinct: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDrift {
    pub column: String,
    pub kind: String,
    /// The test that decides, by name (`none` when the column is not tested).
    pub method: String,
    pub method_text: String,
    pub statistic: Option<f64>,
    pub p_value: Option<f64>,
    pub threshold: Option<f64>,
    pub drifted: bool,
    /// Why the test was chosen (Evidently's rule, or the person's choice).
    pub chosen_by: String,
    pub psi: Option<f64>,
    pub psi_band: Option<String>,
    pub js: Option<f64>,
    pub kl: Option<f64>,
    pub missing_reference: f64,
    pub missing_current: f64,
    pub new_levels: Vec<LevelCount>,
    pub vanished_levels: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ks: Option<Test>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chi2: Option<Test>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wasserstein: Option<f64>,
    /// What the statistics were computed on.
    pub basis: String,
    pub reference_values: usize,
    pub current_values: usize,
    pub histogram: Histogram,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spread: Option<Spread>,
    /// Why a column has no verdict (absent from the file, a date column).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ColumnDrift {
    /// Severity for sorting: drifted first, then by PSI, the one measure
    /// every tested column has.
    pub fn severity(&self) -> (bool, f64) {
        (self.drifted, self.psi.unwrap_or(0.0))
    }

    pub fn tested(&self) -> bool {
        self.method != "none"
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetDrift {
    pub share: f64,
    pub threshold: f64,
    pub drifted: bool,
    pub drifted_columns: usize,
    pub tested_columns: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Top {
    pub column: String,
    pub suggestion: String,
    /// What was found: `unit_change`, `new_levels`, `missing_jump`,
    /// `constant`, `clipped`, `out_of_range`, `shift`, `mix_change`.
    pub finding: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftReport {
    /// `raw reference values` or `the model's stored profile`.
    pub basis: String,
    pub reference_rows: usize,
    pub current_rows: usize,
    /// One per feature column, most severe first.
    pub columns: Vec<ColumnDrift>,
    pub dataset: DatasetDrift,
    /// The target, when the current data has it; never in the share.
    pub target: Option<ColumnDrift>,
    /// The model's probabilities on the current rows against the reference.
    pub prediction: Vec<ColumnDrift>,
    pub top: Vec<Top>,
    /// Model columns the current data lacks.
    pub missing_columns: Vec<String>,
    pub notes: Vec<String>,
}

impl DriftReport {
    pub fn column(&self, name: &str) -> Option<&ColumnDrift> {
        self.columns.iter().find(|c| c.column == name)
    }
}

/// Compares the current tallies with the reference.
pub fn drift(
    profile: &Profile,
    raw: Option<&RawReference>,
    current: &Current,
    settings: &DriftSettings,
) -> Result<DriftReport> {
    for name in settings.columns.keys() {
        if profile.column(name).is_none() {
            let known: Vec<&str> = profile.columns.iter().map(|c| c.name.as_str()).collect();
            return Err(Error::new(
                ErrorKind::UnknownColumn,
                format!(
                    "a drift test is set for column '{name}', which the model does not read (it reads {})",
                    known.join(", ")
                ),
            ));
        }
    }
    if current.rows == 0 {
        return Err(Error::new(ErrorKind::HeaderOnly, "the current data has no rows to compare"));
    }
    let basis = if raw.is_some() {
        "raw reference values"
    } else {
        "the model's stored profile (reference bins and percentiles)"
    };
    let mut columns = Vec::new();
    let mut missing_columns = Vec::new();
    for ((p, tally), &found) in profile.columns.iter().zip(&current.columns).zip(&current.found) {
        if !found {
            missing_columns.push(p.name.clone());
            columns.push(untested(p, "absent from the current data"));
            continue;
        }
        let choice = settings.columns.get(&p.name).or(settings.all.as_ref()).copied();
        columns.push(column_drift(p, tally, raw.and_then(|r| r.columns.get(&p.name)), choice)?);
    }
    columns.sort_by(|a, b| {
        let (da, pa) = a.severity();
        let (db, pb) = b.severity();
        db.cmp(&da).then(pb.total_cmp(&pa)).then_with(|| a.column.cmp(&b.column))
    });
    let tested: Vec<&ColumnDrift> = columns.iter().filter(|c| c.tested()).collect();
    let drifted = tested.iter().filter(|c| c.drifted).count();
    let share = if tested.is_empty() { 0.0 } else { drifted as f64 / tested.len() as f64 };
    let dataset = DatasetDrift {
        share,
        threshold: settings.share_threshold,
        drifted: !tested.is_empty() && share >= settings.share_threshold,
        drifted_columns: drifted,
        tested_columns: tested.len(),
    };
    let target = match (&profile.target, &current.target) {
        (Some(p), Some((tally, true))) => Some(column_drift(p, tally, None, None)?),
        _ => None,
    };
    let prediction = prediction_drift(profile, raw, current)?;
    let top = top_columns(&columns);
    let mut notes = Vec::new();
    if !missing_columns.is_empty() {
        notes.push(format!(
            "the current data lacks {} of the model's columns: {} (the rest are analysed; predictions fill them with the training gap value)",
            missing_columns.len(),
            missing_columns.join(", ")
        ));
    }
    if let Some((kept, stride)) = current.thinned() {
        notes.push(format!(
            "numeric columns: KS, Wasserstein and quantiles use a systematic sample of {kept} values (1 in {stride}); bins, PSI, JS and KL count every row"
        ));
    }
    notes.push(format!(
        "empty bin shares are floored at {} for PSI and KL divergence, as Evidently does",
        stats::SHARE_FLOOR
    ));
    Ok(DriftReport {
        basis: basis.to_string(),
        reference_rows: profile.rows,
        current_rows: current.rows,
        columns,
        dataset,
        target,
        prediction,
        top,
        missing_columns,
        notes,
    })
}

/// The three columns a person should look at first: a jump in missing
/// values comes before any test (a broken extraction hides behind
/// unchanged remaining values, which no distribution test sees), the
/// largest jump first; then the drifted columns by severity.
fn top_columns(columns: &[ColumnDrift]) -> Vec<Top> {
    let mut jumps: Vec<(&ColumnDrift, f64)> =
        columns.iter().filter_map(|c| suggest::missing_jump(c).map(|j| (c, j))).collect();
    jumps.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.column.cmp(&b.0.column)));
    let drifted = columns.iter().filter(|c| c.drifted && suggest::missing_jump(c).is_none());
    jumps.into_iter().map(|(c, _)| c).chain(drifted).take(3).map(suggest::suggest).collect()
}

/// Prediction drift alone: the model's probabilities on the current rows
/// against the reference's (what can be said before labels arrive).
pub fn prediction_drift(profile: &Profile, raw: Option<&RawReference>, current: &Current) -> Result<Vec<ColumnDrift>> {
    profile
        .prediction
        .iter()
        .zip(&current.prediction)
        .filter(|(_, t)| t.present() > 0)
        .map(|(p, t)| column_drift(p, t, raw.and_then(|r| r.columns.get(&p.name)), None))
        .collect()
}

fn untested(p: &ColumnProfile, note: &str) -> ColumnDrift {
    ColumnDrift {
        column: p.name.clone(),
        kind: kind_name(p).to_string(),
        method: "none".into(),
        method_text: "not tested".into(),
        statistic: None,
        p_value: None,
        threshold: None,
        drifted: false,
        chosen_by: String::new(),
        psi: None,
        psi_band: None,
        js: None,
        kl: None,
        missing_reference: p.missing_rate(),
        missing_current: f64::NAN,
        new_levels: Vec::new(),
        vanished_levels: Vec::new(),
        ks: None,
        chi2: None,
        wasserstein: None,
        basis: String::new(),
        reference_values: p.present(),
        current_values: 0,
        histogram: Histogram::default(),
        spread: None,
        note: Some(note.to_string()),
    }
}

fn kind_name(p: &ColumnProfile) -> &'static str {
    match p.summary {
        Summary::Numeric(_) => "numeric",
        Summary::Categorical(_) => "categorical",
        Summary::Datetime { .. } => "datetime",
    }
}

/// The statistics both kinds give over one vector of categories or bins.
struct Shares {
    psi: f64,
    js: f64,
    kl: f64,
    chi2: Option<Test>,
}

fn shares_stats(reference: &[f64], current: &[f64]) -> Shares {
    Shares {
        psi: stats::psi(reference, current),
        js: stats::jensen_shannon(reference, current),
        kl: stats::kl_divergence(reference, current),
        chi2: stats::chi2_contingency(reference, current).map(|t| t.0),
    }
}

fn column_drift(
    p: &ColumnProfile,
    tally: &Tally,
    raw: Option<&Vec<f64>>,
    choice: Option<Choice>,
) -> Result<ColumnDrift> {
    let mut out = untested(p, "");
    out.note = None;
    out.missing_current = rate(tally.missing(), tally.missing() + tally.present());
    out.current_values = tally.present() as usize;
    if tally.present() == 0 {
        out.note = Some("every current value is missing".into());
        out.drifted = out.missing_current > out.missing_reference;
        out.method = "missing".into();
        out.method_text = "missing values only".into();
        return Ok(out);
    }
    let n_ref = p.present();
    match (&p.summary, tally) {
        (Summary::Datetime { .. }, _) => {
            out.note = Some("dates move by nature: not tested".into());
            Ok(out)
        }
        (Summary::Categorical(c), Tally::Categorical(t)) => {
            let (labels, r, cu, new_levels, vanished) = category_vectors(c, t);
            let s = shares_stats(&r, &cu);
            out.new_levels = new_levels;
            out.vanished_levels = vanished;
            out.basis = "level counts".into();
            out.histogram = histogram(labels, &r, &cu);
            let (method, chosen_by) = pick(choice, false, 0, n_ref, &p.name)?;
            finish(out, s, None, None, method, choice, chosen_by)
        }
        (Summary::Numeric(n), Tally::Numeric(t)) => numeric_drift(out, n, t, raw, n_ref, choice, &p.name),
        _ => Err(Error::new(ErrorKind::Internal, format!("column '{}': the tally does not match the profile", p.name))),
    }
}

fn rate(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn finish(
    mut out: ColumnDrift,
    s: Shares,
    ks: Option<Test>,
    wasserstein: Option<f64>,
    method: Method,
    choice: Option<Choice>,
    chosen_by: String,
) -> Result<ColumnDrift> {
    let threshold = choice.and_then(|c| c.threshold).unwrap_or(method.default_threshold());
    let (statistic, p_value) = match method {
        Method::Ks => ks.map(|t| (t.statistic, Some(t.p_value))),
        Method::Chi2 => s.chi2.map(|t| (t.statistic, Some(t.p_value))),
        Method::Wasserstein => wasserstein.map(|w| (w, None)),
        Method::JensenShannon => Some((s.js, None)),
        Method::Psi => Some((s.psi, None)),
        Method::Kl => Some((s.kl, None)),
    }
    .unwrap_or((f64::NAN, None));
    out.drifted = match p_value {
        Some(p) => p < threshold,
        None => statistic >= threshold,
    };
    out.method = method.name().into();
    out.method_text = method.text().into();
    out.statistic = Some(statistic).filter(|s| s.is_finite());
    out.p_value = p_value;
    out.threshold = Some(threshold);
    out.chosen_by = chosen_by;
    out.psi = Some(s.psi);
    out.psi_band = Some(stats::psi_band(s.psi).to_string());
    out.js = Some(s.js);
    out.kl = Some(s.kl);
    out.ks = ks;
    out.chi2 = s.chi2;
    out.wasserstein = wasserstein;
    if method == Method::Chi2 && s.chi2.is_none() {
        out.note = Some("one category only: chi-square has nothing to compare".into());
        out.drifted = false;
    }
    Ok(out)
}

/// Evidently's default test for a column, or the person's choice.
fn pick(choice: Option<Choice>, numeric: bool, n_values: usize, n_ref: usize, name: &str) -> Result<(Method, String)> {
    if let Some(c) = choice {
        if c.method.needs_numbers() && !numeric {
            return Err(Error::new(
                ErrorKind::BadSpec,
                format!(
                    "column '{name}' is categorical: {} needs numbers (use chi2, jensenshannon, psi or kl)",
                    c.method.name()
                ),
            ));
        }
        return Ok((c.method, "chosen by the person".into()));
    }
    let as_numbers = numeric && n_values > FEW_VALUES;
    let what = if as_numbers {
        format!("numeric with {n_values} or more distinct values")
    } else if numeric {
        format!("numeric with {n_values} distinct values (at most {FEW_VALUES}: tested as categories)")
    } else {
        "categorical".to_string()
    };
    Ok(if n_ref <= SMALL_REFERENCE {
        let m = if as_numbers { Method::Ks } else { Method::Chi2 };
        (m, format!("Evidently's rule: {n_ref} reference values (at most {SMALL_REFERENCE}), {what}"))
    } else {
        let m = if as_numbers { Method::Wasserstein } else { Method::JensenShannon };
        (m, format!("Evidently's rule: {n_ref} reference values (more than {SMALL_REFERENCE}), {what}"))
    })
}

fn numeric_drift(
    mut out: ColumnDrift,
    n: &NumericProfile,
    t: &NumericTally,
    raw: Option<&Vec<f64>>,
    n_ref: usize,
    choice: Option<Choice>,
    name: &str,
) -> Result<ColumnDrift> {
    let sample = t.sorted_sample();
    let sampled = t.stride > 1;
    let (ks, wasserstein_raw) = match raw {
        Some(r) if !r.is_empty() => {
            let ks = stats::ks_2samp(r, &sample);
            (ks, stats::wasserstein(&stats::unit_weights(r), &stats::unit_weights(&sample)))
        }
        _ => {
            let cur = t.at_or_below();
            let d = n
                .at_or_below
                .iter()
                .zip(&cur)
                .map(|(&r, &c)| (r as f64 / n_ref as f64 - c as f64 / t.present as f64).abs())
                .fold(0.0, f64::max);
            let ks = stats::ks_p_value(d, n_ref, t.present as usize);
            (ks, stats::wasserstein(&n.quantile_points(), &stats::unit_weights(&sample)))
        }
    };
    let wasserstein = wasserstein_raw / n.std.max(0.001);
    out.basis = match (raw.is_some(), sampled) {
        (true, false) => "raw values (exact KS and Wasserstein); PSI, JS and KL over reference deciles".into(),
        (true, true) => "raw reference values against a systematic sample of the current ones; PSI, JS and KL over reference deciles".into(),
        (false, _) => "the stored profile: KS at the 101 reference percentiles, Wasserstein against them; PSI, JS and KL over reference deciles".into(),
    };
    let current_values = t.value_counts();
    // Evidently counts distinct values over both sides together.
    let n_values = match (&n.values, &current_values) {
        (Some(r), Some(c)) => {
            let mut all: Vec<u64> = r.iter().map(|v| v.0.to_bits()).chain(c.iter().map(|v| v.0.to_bits())).collect();
            all.sort_unstable();
            all.dedup();
            all.len()
        }
        // One side has many: at least that many (a lower bound, enough for the rule).
        _ => n.distinct.max(current_values.as_ref().map_or(crate::profile::SMALL_DISTINCT + 1, Vec::len)),
    };
    out.spread = Some(Spread {
        reference: match raw {
            Some(r) if !r.is_empty() => deciles(r),
            _ => (0..=10).map(|k| n.percentiles.get(k * 10).copied().unwrap_or(f64::NAN)).collect(),
        },
        current: deciles(&sample),
        reference_mean: n.mean,
        current_mean: t.mean,
        reference_std: n.std,
        current_std: t.std(),
        reference_distinct: n.distinct,
        current_distinct: current_values.as_ref().map(Vec::len),
    });
    let (method, chosen_by) = pick(choice, true, n_values, n_ref, name)?;
    let as_categories = choice.is_none() && n_values <= FEW_VALUES;
    let s = match (&n.values, &current_values) {
        (Some(r), Some(c)) if as_categories => {
            let mut keys: Vec<f64> = r.iter().map(|v| v.0).chain(c.iter().map(|v| v.0)).collect();
            keys.sort_by(f64::total_cmp);
            keys.dedup();
            let count = |list: &[(f64, u64)], k: f64| list.iter().find(|v| v.0 == k).map_or(0.0, |v| v.1 as f64);
            let rv: Vec<f64> = keys.iter().map(|&k| count(r, k)).collect();
            let cv: Vec<f64> = keys.iter().map(|&k| count(c, k)).collect();
            out.histogram = histogram(keys.iter().map(|&k| values_text(k)).collect(), &rv, &cv);
            shares_stats(&rv, &cv)
        }
        _ => {
            let rv: Vec<f64> = n.counts.iter().map(|&c| c as f64).collect();
            let cv: Vec<f64> = t.bins.iter().map(|&c| c as f64).collect();
            out.histogram = histogram(bin_labels(&n.edges), &rv, &cv);
            shares_stats(&rv, &cv)
        }
    };
    finish(out, s, Some(ks), Some(wasserstein).filter(|w| w.is_finite()), method, choice, chosen_by)
}

fn deciles(sorted: &[f64]) -> Vec<f64> {
    (0..=10).map(|k| stats::quantile(sorted, k as f64 / 10.0)).collect()
}

fn bin_labels(edges: &[f64]) -> Vec<String> {
    let f = |v: f64| crate::short_number(v);
    let mut labels = Vec::with_capacity(edges.len() + 1);
    if edges.is_empty() {
        labels.push("all".into());
        return labels;
    }
    labels.push(format!("≤ {}", f(edges[0])));
    for w in edges.windows(2) {
        labels.push(format!("{} – {}", f(w[0]), f(w[1])));
    }
    labels.push(format!("> {}", f(edges[edges.len() - 1])));
    labels
}

fn histogram(labels: Vec<String>, reference: &[f64], current: &[f64]) -> Histogram {
    let (r, c) = (stats::shares(reference), stats::shares(current));
    if labels.len() <= MAX_BARS {
        return Histogram { labels, reference: r, current: c };
    }
    let mut order: Vec<usize> = (0..labels.len()).collect();
    order.sort_by(|&a, &b| (r[b] + c[b]).total_cmp(&(r[a] + c[a])).then(a.cmp(&b)));
    let (keep, rest) = order.split_at(MAX_BARS - 1);
    let mut h = Histogram::default();
    for &k in keep {
        h.labels.push(labels[k].clone());
        h.reference.push(r[k]);
        h.current.push(c[k]);
    }
    h.labels.push(format!("{} more", rest.len()));
    h.reference.push(rest.iter().map(|&k| r[k]).sum());
    h.current.push(rest.iter().map(|&k| c[k]).sum());
    h
}

type CategoryVectors = (Vec<String>, Vec<f64>, Vec<f64>, Vec<LevelCount>, Vec<String>);

/// Reference and current counts over the same categories: the reference's
/// levels, then the new ones, then "other" (the reference's levels beyond
/// its bound, and any current level that may be among them).
fn category_vectors(c: &CategoricalProfile, t: &CategoricalTally) -> CategoryVectors {
    let mut labels = Vec::new();
    let (mut r, mut cu) = (Vec::new(), Vec::new());
    for (level, count) in &c.levels {
        labels.push(level.clone());
        r.push(*count as f64);
        cu.push(t.counts.get(level).copied().unwrap_or(0) as f64);
    }
    let vanished: Vec<String> =
        c.levels.iter().filter(|(l, n)| *n > 0 && !t.counts.contains_key(l)).map(|(l, _)| l.clone()).collect();
    let mut unknown: Vec<(&String, u64)> =
        t.counts.iter().filter(|(l, _)| c.count(l).is_none()).map(|(l, &n)| (l, n)).collect();
    unknown.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let mut new_levels = Vec::new();
    let mut other_current = t.overflow as f64;
    if c.other > 0 {
        // A level beyond the reference's bound may be one of these: they
        // are compared as "other", and not called new.
        other_current += unknown.iter().map(|u| u.1 as f64).sum::<f64>();
    } else {
        for (level, count) in unknown {
            labels.push(level.clone());
            r.push(0.0);
            cu.push(count as f64);
            new_levels.push(LevelCount { level: level.clone(), count });
        }
    }
    if c.other > 0 || other_current > 0.0 {
        labels.push("other".into());
        r.push(c.other as f64);
        cu.push(other_current);
    }
    (labels, r, cu, new_levels, vanished)
}
