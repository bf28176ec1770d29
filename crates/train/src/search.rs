//! Hyper-parameter search: random search and TPE with the same budget and
//! seed, scored by cross-validated ROC AUC on the training rows.
//!
//! TPE is written here: the `tpe` crate pulls in a `rand` whose defaults do
//! not build for wasm32-unknown-unknown. This one is the textbook
//! independent TPE (Bergstra et al., 2011): after a few random start-up
//! trials, split the trials so far into the best quarter and the rest, fit a
//! Parzen estimator to each, and propose the candidate with the largest
//! ratio of the two densities. Trials are proposed in batches of fixed size
//! from the same history, so the numbers do not depend on how many workers
//! evaluate a batch.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::estimator::Dim;
use crate::model::ModelSpec;

/// Trials proposed together from one history.
pub const BATCH: usize = 4;
/// Random trials before TPE starts modelling.
const STARTUP: usize = 8;
/// Candidates TPE draws from the good density per proposal.
const CANDIDATES: usize = 24;
/// Share of trials counted as good.
const GAMMA: f64 = 0.25;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sampler {
    Random,
    Tpe,
    /// The refinement's grid around the best trial (see [`neighbourhood`]).
    Grid,
}

/// The ways a person can ask for a search, by name, in the order the app
/// and the CLI offer them: one sampler, or both with the same budget and seed.
pub const SEARCH_MODES: [&str; 3] = ["random", "tpe", "both"];

impl Sampler {
    /// The sampler's name as the reports, the CLI and `metrics.json` write it.
    pub fn name(self) -> &'static str {
        match self {
            Sampler::Random => "random",
            Sampler::Tpe => "tpe",
            Sampler::Grid => "grid",
        }
    }

    /// The samplers a search mode names (see [`SEARCH_MODES`]); "" or
    /// "none" asks for no search.
    pub fn for_mode(mode: &str) -> Result<Vec<Sampler>> {
        // `Grid` is no mode: it follows a search (see [`neighbourhood`]).
        match mode {
            "" | "none" => Ok(Vec::new()),
            "random" => Ok(vec![Sampler::Random]),
            "tpe" => Ok(vec![Sampler::Tpe]),
            "both" => Ok(vec![Sampler::Random, Sampler::Tpe]),
            other => Err(crate::error::Error::new(
                crate::error::ErrorKind::BadSpec,
                format!("unknown search {other:?}: expected one of random, tpe, both"),
            )),
        }
    }
}

/// Internal coordinate in [0, 1] to the parameter's value.
fn value(d: &Dim, u: f64) -> f64 {
    let (lo, hi) = if d.log { (libm::log(d.low), libm::log(d.high)) } else { (d.low, d.high) };
    let v = lo + u.clamp(0.0, 1.0) * (hi - lo);
    let v = if d.log { libm::exp(v) } else { v };
    if d.integer {
        v.round()
    } else {
        v
    }
}

/// One evaluated trial.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trial {
    pub number: usize,
    pub sampler: Sampler,
    pub params: BTreeMap<String, f64>,
    /// Mean cross-validated ROC AUC (minus the mean RMSE for numbers): higher is better.
    pub score: f64,
    /// The score on each fold, in fold order (the same folds for every trial).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folds: Vec<f64>,
}

/// What scoring a trial gives: the mean over the folds and each fold's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialScore {
    pub score: f64,
    pub folds: Vec<f64>,
}

/// The best of `trials`: the highest score, the first of equally good ones.
pub fn best_of<'a>(trials: impl IntoIterator<Item = &'a Trial>) -> Option<&'a Trial> {
    trials.into_iter().fold(None, |b: Option<&Trial>, t| if b.is_none_or(|b| t.score > b.score) { Some(t) } else { b })
}

/// A search's trials, in the order they were proposed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResult {
    pub sampler: Sampler,
    pub trials: Vec<Trial>,
}

impl SearchResult {
    /// The best score after each trial: the convergence curve.
    pub fn best_so_far(&self) -> Vec<f64> {
        let mut best = f64::NEG_INFINITY;
        self.trials
            .iter()
            .map(|t| {
                best = best.max(t.score);
                best
            })
            .collect()
    }

    pub fn best(&self) -> Option<&Trial> {
        best_of(&self.trials)
    }
}

/// Gaussian kernel density on [0, 1] with Scott's bandwidth (at least 0.05).
fn density(points: &[f64], x: f64) -> f64 {
    let n = points.len().max(1) as f64;
    let mean = points.iter().sum::<f64>() / n;
    let sd = (points.iter().map(|p| (p - mean) * (p - mean)).sum::<f64>() / n).sqrt();
    let h = (1.06 * sd * libm::pow(n, -0.2)).max(0.05);
    let prior = 1.0; // A uniform prior component keeps every region possible.
    let sum: f64 = points
        .iter()
        .map(|p| libm::exp(-0.5 * ((x - p) / h).powi(2)) / (h * (2.0 * std::f64::consts::PI).sqrt()))
        .sum();
    (sum + prior) / (n + 1.0)
}

/// Proposes one point (internal coordinates) for each dimension.
fn propose(sampler: Sampler, history: &[(Vec<f64>, f64)], dims: usize, rng: &mut ChaCha8Rng) -> Vec<f64> {
    if sampler == Sampler::Random || history.len() < STARTUP {
        return (0..dims).map(|_| rng.gen::<f64>()).collect();
    }
    let mut sorted: Vec<&(Vec<f64>, f64)> = history.iter().collect();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1));
    let n_good = ((GAMMA * sorted.len() as f64).ceil() as usize).max(1);
    (0..dims)
        .map(|d| {
            let good: Vec<f64> = sorted[..n_good].iter().map(|t| t.0[d]).collect();
            let bad: Vec<f64> = sorted[n_good..].iter().map(|t| t.0[d]).collect();
            let n = good.len() as f64;
            let mean = good.iter().sum::<f64>() / n;
            let sd = (good.iter().map(|p| (p - mean) * (p - mean)).sum::<f64>() / n).sqrt();
            let h = (1.06 * sd * libm::pow(n, -0.2)).max(0.05);
            (0..CANDIDATES)
                .map(|_| {
                    // Draw from the good density: a good point plus kernel noise (Box–Muller).
                    let centre = good[rng.gen_range(0..good.len() as u32) as usize];
                    let (u1, u2): (f64, f64) = (rng.gen::<f64>().max(1e-12), rng.gen());
                    let z = (-2.0 * libm::log(u1)).sqrt() * libm::cos(2.0 * std::f64::consts::PI * u2);
                    (centre + h * z).clamp(0.0, 1.0)
                })
                .map(|x| (x, density(&good, x) / density(&bad, x)))
                .fold((0.5, f64::NEG_INFINITY), |best, c| if c.1 > best.1 { c } else { best })
                .0
        })
        .collect()
}

/// A search in progress: it proposes trials in batches of [`BATCH`] and takes
/// their scores back. The proposals depend only on the seed and the scores so
/// far, never on who scored them, so a batch can be scored on threads or on
/// a pool of browser workers with the same result.
#[derive(Debug, Clone)]
pub struct Searcher {
    model: ModelSpec,
    dims: Vec<Dim>,
    sampler: Sampler,
    trials: usize,
    rng: ChaCha8Rng,
    history: Vec<(Vec<f64>, f64)>,
    out: Vec<Trial>,
    pending: Vec<(Vec<f64>, BTreeMap<String, f64>)>,
}

impl Searcher {
    pub fn new(model: &ModelSpec, sampler: Sampler, trials: usize, seed: u64) -> Searcher {
        Searcher {
            model: model.clone(),
            dims: model.space(),
            sampler,
            trials,
            rng: ChaCha8Rng::seed_from_u64(seed ^ if sampler == Sampler::Tpe { 0x7E5 } else { 0 }),
            history: Vec::new(),
            out: Vec::with_capacity(trials),
            pending: Vec::new(),
        }
    }

    /// The next batch's models to score, in order; empty once every trial is scored.
    pub fn next_batch(&mut self) -> Vec<ModelSpec> {
        let n = BATCH.min(self.trials - self.out.len());
        self.pending = (0..n)
            .map(|_| {
                let u = propose(self.sampler, &self.history, self.dims.len(), &mut self.rng);
                let params = self.dims.iter().zip(&u).map(|(d, &x)| (d.name.to_string(), value(d, x))).collect();
                (u, params)
            })
            .collect();
        self.pending.iter().map(|(_, params)| self.model.with_params(params)).collect()
    }

    /// The scores of the last batch, in its order.
    pub fn record(&mut self, scores: &[TrialScore]) {
        for ((u, params), s) in std::mem::take(&mut self.pending).into_iter().zip(scores) {
            self.history.push((u, if s.score.is_nan() { 0.0 } else { s.score }));
            let number = self.out.len() + 1;
            self.out.push(Trial { number, sampler: self.sampler, params, score: s.score, folds: s.folds.clone() });
        }
    }

    /// Trials scored so far, of how many.
    pub fn progress(&self) -> (usize, usize) {
        (self.out.len(), self.trials)
    }

    pub fn finish(self) -> SearchResult {
        SearchResult { sampler: self.sampler, trials: self.out }
    }
}

/// Fewer scored trials than this, and the importances are called rough.
pub const ROUGH_TRIALS: usize = 10;

/// Steps a refinement's grid takes either side of the best value.
pub const GRID_STEPS: i32 = 4;
/// A grid step on a parameter that is not a whole number on a linear scale:
/// this share of its searched range, or of the range's ratio when it is
/// searched on a log scale.
const GRID_SHARE: f64 = 1.0 / 16.0;

/// A number with 4 significant digits, so a grid's values read as a person
/// would write them (the best value itself is kept exactly).
pub fn round_sig(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let scale = libm::pow(10.0, 3.0 - libm::floor(libm::log10(v.abs())));
    libm::round(v * scale) / scale
}

/// The grid a refinement scores around `best` on `d`'s own scale, ascending
/// and within the searched range, with the rule in words: whole numbers on
/// a linear scale step by one, [`GRID_STEPS`] either side; a log-scaled
/// parameter is multiplied and divided by equal ratios (a sixteenth of its
/// range's ratio, up to [`GRID_STEPS`] times, rounded to whole numbers when
/// it is one); any other steps by a sixteenth of its range. Values that
/// fall outside the range are clamped to it and repeats dropped.
pub fn neighbourhood(d: &Dim, best: f64) -> (Vec<f64>, String) {
    let steps = -GRID_STEPS..=GRID_STEPS;
    let (values, rule): (Vec<f64>, String) = if d.integer && !d.log {
        (steps.map(|k| best + f64::from(k)).collect(), format!("{best} ± {GRID_STEPS} in steps of 1"))
    } else if d.log {
        let ratio = libm::pow(d.high / d.low, GRID_SHARE);
        let at = |k: i32| if k == 0 { best } else { best * libm::pow(ratio, f64::from(k)) };
        // Whole numbers move at least k from the best value, so rounding
        // near 1 (1.2⁴ < 2.5) does not collapse the grid onto one value.
        let at = |k: i32| {
            if d.integer {
                let step = (libm::round(at(k)) - best).abs().max(f64::from(k.abs()));
                best + step * f64::from(k.signum())
            } else if k == 0 {
                best
            } else {
                round_sig(at(k))
            }
        };
        (
            steps.map(at).collect(),
            format!(
                "{} multiplied and divided by {} up to {GRID_STEPS} times (a sixteenth of the searched range's ratio{})",
                round_sig(best),
                round_sig(ratio),
                if d.integer { ", rounded to whole numbers at least 1 apart" } else { "" }
            ),
        )
    } else {
        let step = (d.high - d.low) * GRID_SHARE;
        (
            steps.map(|k| if k == 0 { best } else { round_sig(best + f64::from(k) * step) }).collect(),
            format!(
                "{} ± {GRID_STEPS} steps of {} (a sixteenth of the searched range)",
                round_sig(best),
                round_sig(step)
            ),
        )
    };
    let mut values: Vec<f64> = values.into_iter().map(|v| v.clamp(d.low, d.high)).collect();
    values.sort_by(f64::total_cmp);
    values.dedup();
    (values, format!("{}: {rule}, within {} to {}", d.name, d.low, d.high))
}

/// A searched parameter and its range, as `metrics.json` names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchedParam {
    pub name: String,
    pub low: f64,
    pub high: f64,
    /// Searched on a log scale.
    pub log: bool,
    /// Takes whole numbers only.
    pub integer: bool,
}

impl From<&Dim> for SearchedParam {
    fn from(d: &Dim) -> Self {
        SearchedParam { name: d.name.to_string(), low: d.low, high: d.high, log: d.log, integer: d.integer }
    }
}

/// A refinement's grid that a person gave (`--refine-grid NAME=a,b,c`) in
/// place of [`neighbourhood`]'s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    pub param: String,
    pub values: Vec<f64>,
}

impl Grid {
    /// The grid's parameter among `space` (the searched parameters of
    /// `model`) and its values, ascending without repeats; an error naming
    /// the parameter or the value that is not in the space.
    pub fn check(&self, model: &str, space: &[Dim]) -> Result<(Dim, Vec<f64>)> {
        let bad = |m: String| crate::error::Error::new(crate::error::ErrorKind::BadSpec, m);
        let Some(d) = space.iter().find(|d| d.name == self.param) else {
            let names: Vec<&str> = space.iter().map(|d| d.name).collect();
            return Err(bad(format!(
                "the refine grid names unknown parameter {:?}: {model} searches {}",
                self.param,
                names.join(", ")
            )));
        };
        if self.values.is_empty() {
            return Err(bad(format!("the refine grid for {} has no values", d.name)));
        }
        for &v in &self.values {
            if !v.is_finite() || v < d.low || v > d.high {
                return Err(bad(format!(
                    "the refine grid's value {v} for {} is outside its searched range {} to {}",
                    d.name, d.low, d.high
                )));
            }
            if d.integer && v.fract() != 0.0 {
                return Err(bad(format!("the refine grid's value {v} for {} is not a whole number", d.name)));
            }
        }
        let mut values = self.values.clone();
        values.sort_by(f64::total_cmp);
        values.dedup();
        Ok((*d, values))
    }
}

/// The refinement: one parameter's grid, every other parameter at the best
/// search trial's value, scored on the search's folds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refinement {
    pub param: String,
    /// How the grid was chosen, in words.
    pub rule: String,
    pub values: Vec<f64>,
    /// One trial per value, sampler `grid`.
    pub trials: Vec<Trial>,
    /// The best grid trial's score minus the best search trial's.
    pub gain: f64,
    /// The standard error of that gain from its paired fold differences
    /// (the folds are the same): their standard deviation (n − 1) over √folds.
    pub gain_se: Option<f64>,
    /// Whether the gain is above zero and above twice its standard error.
    pub beyond_noise: bool,
}

/// What to refine: the parameter, its values and the rule, before scoring.
#[derive(Debug, Clone, PartialEq)]
pub struct RefinePlan {
    pub param: String,
    pub rule: String,
    pub values: Vec<f64>,
    /// The best search trial's parameters, which every grid trial keeps but `param`.
    pub base: BTreeMap<String, f64>,
}

impl RefinePlan {
    /// The grid's parameters, in value order.
    pub fn params(&self) -> Vec<BTreeMap<String, f64>> {
        self.values
            .iter()
            .map(|&v| {
                let mut p = self.base.clone();
                p.insert(self.param.clone(), v);
                p
            })
            .collect()
    }
}

/// A search's whole outcome: each sampler's trials, the parameters'
/// importance, and the refinement when asked for. Empty when no search ran.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchOutcome {
    /// One per sampler, in the order they ran.
    pub runs: Vec<SearchResult>,
    pub space: Vec<SearchedParam>,
    /// fANOVA over every scored trial of every sampler, most important first
    /// (see [`crate::fanova`]); empty when the scores did not vary.
    pub param_importance: Vec<crate::fanova::ParamImportance>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refine: Option<Refinement>,
    /// What a person should know about the importance or the refinement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl SearchOutcome {
    /// The finished searches over `space` with their parameters' importance (seeded).
    pub fn new(runs: Vec<SearchResult>, space: &[Dim], seed: u64) -> Result<SearchOutcome> {
        let trials: Vec<(Vec<f64>, f64)> = runs
            .iter()
            .flat_map(|r| &r.trials)
            .filter(|t| t.score.is_finite())
            .map(|t| (space.iter().map(|d| t.params.get(d.name).copied().unwrap_or(f64::NAN)).collect(), t.score))
            .collect();
        let param_importance = crate::fanova::importance(space, &trials, seed)?;
        let mut notes = Vec::new();
        if !param_importance.is_empty() && trials.len() < ROUGH_TRIALS {
            notes.push(format!(
                "only {} scored trials: the parameters' importance is a rough guess (a forest of the trials needs a few dozen to tell)",
                trials.len()
            ));
        }
        if param_importance.is_empty() && !runs.is_empty() && !space.is_empty() {
            notes.push(format!(
                "no parameter's importance can be told: {} scored trials{}",
                trials.len(),
                if trials.len() < 2 { "" } else { " whose scores did not vary" }
            ));
        }
        Ok(SearchOutcome {
            runs,
            space: space.iter().map(SearchedParam::from).collect(),
            param_importance,
            refine: None,
            notes,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Every search trial, sampler after sampler (not the refinement's).
    pub fn trials(&self) -> impl Iterator<Item = &Trial> {
        self.runs.iter().flat_map(|r| &r.trials)
    }

    /// The best search trial: the first of equally good ones.
    pub fn best_search(&self) -> Option<&Trial> {
        best_of(self.trials())
    }

    /// The trial the final model trains with: the best of the search and the
    /// refinement, the search's on a tie (it comes first).
    pub fn best(&self) -> Option<&Trial> {
        best_of(self.trials().chain(self.refine.iter().flat_map(|r| &r.trials)))
    }

    /// The refinement to run: over `grid` when a person gave one, else over
    /// the most important parameter around the best search trial's value.
    /// `None`, with a note saying why, when there is nothing to refine.
    pub fn refine_plan(&mut self, model: &str, space: &[Dim], grid: Option<&Grid>) -> Result<Option<RefinePlan>> {
        let Some(best) = self.best_search().cloned() else {
            self.notes.push("nothing to refine: no search trial was scored".into());
            return Ok(None);
        };
        let (param, rule, values) = match grid {
            Some(g) => {
                let (d, values) = g.check(model, space)?;
                let shown: Vec<String> = values.iter().map(f64::to_string).collect();
                (d.name.to_string(), format!("{}: the grid given, {}", d.name, shown.join(", ")), values)
            }
            None => {
                let Some(top) = self.param_importance.first() else {
                    self.notes.push("the refinement was skipped: no parameter stood out to refine".into());
                    return Ok(None);
                };
                let Some(d) = space.iter().find(|d| d.name == top.param) else {
                    return Err(crate::error::Error::new(
                        crate::error::ErrorKind::Internal,
                        "an importance for a parameter not searched",
                    ));
                };
                let Some(&value) = best.params.get(d.name) else {
                    return Err(crate::error::Error::new(
                        crate::error::ErrorKind::Internal,
                        "the best trial has no value for its most important parameter",
                    ));
                };
                let (values, rule) = neighbourhood(d, value);
                (d.name.to_string(), rule, values)
            }
        };
        Ok(Some(RefinePlan { param, rule, values, base: best.params }))
    }

    /// Takes the refinement's scores, in the plan's value order.
    pub fn refined(&mut self, plan: &RefinePlan, scores: &[TrialScore]) {
        let trials: Vec<Trial> = plan
            .params()
            .into_iter()
            .zip(scores)
            .enumerate()
            .map(|(i, (params, s))| Trial {
                number: i + 1,
                sampler: Sampler::Grid,
                params,
                score: s.score,
                folds: s.folds.clone(),
            })
            .collect();
        let best_grid = best_of(&trials);
        let (gain, gain_se) = match (best_grid, self.best_search()) {
            (Some(g), Some(s)) => (g.score - s.score, paired_se(&g.folds, &s.folds)),
            _ => (f64::NAN, None),
        };
        let beyond_noise = gain > 0.0 && gain_se.is_some_and(|se| gain > 2.0 * se);
        // A best value at the grid's end, inside the searched range: the
        // score may go on improving past it.
        if let (Some(g), Some(first), Some(last)) = (best_grid, plan.values.first(), plan.values.last()) {
            let v = g.params.get(&plan.param).copied().unwrap_or(f64::NAN);
            let range = self.space.iter().find(|p| p.name == plan.param).map(|p| (p.low, p.high));
            let edge =
                (v == *first && range.is_some_and(|r| v > r.0)) || (v == *last && range.is_some_and(|r| v < r.1));
            if edge && plan.values.len() > 1 {
                let side = if v == *first { "lowest" } else { "highest" };
                self.notes.push(format!(
                    "the grid's best {} = {v} is its {side} value: the score may improve beyond it (give a grid that goes further with --refine-grid)",
                    plan.param
                ));
            }
        }
        self.refine = Some(Refinement {
            param: plan.param.clone(),
            rule: plan.rule.clone(),
            values: plan.values.clone(),
            trials,
            gain,
            gain_se,
            beyond_noise,
        });
    }
}

/// The standard error of the mean of `a − b` fold by fold: `None` with
/// fewer than two folds, or folds that do not pair up.
fn paired_se(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len();
    if n < 2 || b.len() != n {
        return None;
    }
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let mean = d.iter().sum::<f64>() / n as f64;
    let var = d.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1) as f64;
    Some((var / n as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(d: Dim, best: f64, expected: &[f64]) {
        assert_eq!(neighbourhood(&d, best).0, expected, "{} around {best}", d.name);
    }

    #[test]
    fn grids_step_on_each_parameters_own_scale() {
        // Whole numbers on a linear scale: ±4 by one, clamped to the range.
        check(Dim::new("max_depth", 2.0, 20.0, false, true), 16.0, &[12., 13., 14., 15., 16., 17., 18., 19., 20.]);
        check(Dim::new("max_depth", 2.0, 20.0, false, true), 3.0, &[2., 3., 4., 5., 6., 7.]);
        // Log-scaled: equal ratios of (high / low)^(1/16), 4 significant digits, the best kept exactly.
        check(
            Dim::new("C", 1e-3, 1e3, true, false),
            0.123456,
            &[0.003904, 0.009258, 0.02195, 0.05206, 0.123456, 0.2928, 0.6942, 1.646, 3.904],
        );
    }

    #[test]
    fn a_whole_number_near_one_on_a_log_scale_still_gets_a_grid() {
        // 1 × 1.206^k rounds to 1 or 2 for every k ≤ 4: the steps are at least k apart.
        check(Dim::new("min_samples_leaf", 1.0, 20.0, true, true), 1.0, &[1., 2., 3., 4., 5.]);
        check(Dim::new("n_trees", 10.0, 150.0, true, true), 100.0, &[51., 60., 71., 84., 100., 118., 140., 150.]);
    }
}
