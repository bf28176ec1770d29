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
}

/// The ways a person can ask for a search, by name, in the order the app
/// and the CLI offer them: one sampler, or both with the same budget and seed.
pub const SEARCH_MODES: [&str; 3] = ["random", "tpe", "both"];

impl Sampler {
    /// The samplers a search mode names (see [`SEARCH_MODES`]); "" or
    /// "none" asks for no search.
    pub fn for_mode(mode: &str) -> Result<Vec<Sampler>> {
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
    /// Mean cross-validated ROC AUC: higher is better.
    pub score: f64,
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
        self.trials
            .iter()
            .fold(None, |b: Option<&Trial>, t| if b.is_none_or(|b| t.score > b.score) { Some(t) } else { b })
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

    /// The scores (mean cross-validated ROC AUC) of the last batch, in its order.
    pub fn record(&mut self, scores: &[f64]) {
        for ((u, params), &score) in std::mem::take(&mut self.pending).into_iter().zip(scores) {
            self.history.push((u, if score.is_nan() { 0.0 } else { score }));
            self.out.push(Trial { number: self.out.len() + 1, sampler: self.sampler, params, score });
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
