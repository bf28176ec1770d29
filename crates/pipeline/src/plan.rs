//! The workflow written once, as a plan of steps of independent jobs.
//!
//! A training run is: search the hyper-parameters (batch after batch of
//! trials), cross-validate the chosen model (one job per fold), grow a
//! forest's trees (one job per tree), then fit and evaluate the final model
//! on the table. A comparison is one step of (model, fold) jobs. [`Plan`]
//! knows that order and nothing about where jobs run; [`run_batch`] runs
//! jobs and knows nothing about the order. The CLI (and a single browser
//! worker) drives a plan on its own threads with [`drive`]; the page's pool
//! deals each step's jobs over its workers with [`Batch::share`] and puts the
//! answers back with [`Results::gather`]. Every job depends only on the
//! table, the settings and its own index, so both give the same bytes.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::control::{Control, Progress};
use crate::error::{Error, ErrorKind, Result};
use crate::explain;
use crate::features;
use crate::importance::{self, Scores};
use crate::ingest::Table;
use crate::model::ModelSpec;
use crate::model_file::ModelFile;
use crate::outcome::ShapSummary;
use crate::run::{
    finish_training, merge_compare, CompareJob, LeaderboardEntry, Precomputed, Prepared, TrainOutcome, TrainSpec,
};
use crate::search::{RefinePlan, SearchOutcome, SearchResult, Searcher, TrialScore};
use crate::shap::{self, Explanation};
use crate::target::TargetTransform;
use crate::trees::Tree;
use crate::validate::{self, CvResult, FoldScores};

/// One step's jobs, all of one kind. A batch is what crosses to a worker:
/// it carries everything its jobs need besides the table and the run's spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Batch {
    /// Cross-validation of `models[job.model]` on fold `job.fold` of `folds`.
    Folds { models: Vec<ModelSpec>, folds: usize, jobs: Vec<CompareJob> },
    /// Search trials, each scored by cross-validation on [`search_folds`] folds.
    Trials { models: Vec<ModelSpec> },
    /// The spec's model cross-validated with the target on a scale
    /// (`job.0`), fold `job.1` of `folds`: what `auto` compares. A job
    /// answers `None` when the run predicts classes or the target is not one
    /// `log1p` is tried on (see `glassbox_train::target::log1p_candidate`).
    Scales { folds: usize, jobs: Vec<(TargetTransform, usize)> },
    /// Trees of the forest `model`, by index, grown as the final fit grows them.
    Trees { model: ModelSpec, indices: Vec<usize> },
    /// Permutation importance of the fitted `model` on the test rows: input
    /// column `job.0` shuffled for the `job.1`-th time.
    Importance {
        #[serde(with = "crate::packed")]
        model: std::sync::Arc<ModelFile>,
        jobs: Vec<(usize, usize)>,
    },
    /// Shapley explanations of the fitted `model` for test rows `rows`
    /// (positions among the test rows), each for its class: the positive
    /// class for two classes, the predicted class otherwise.
    Explain {
        #[serde(with = "crate::packed")]
        model: std::sync::Arc<ModelFile>,
        rows: Vec<usize>,
    },
}

/// A batch's answers, in job order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Results {
    Folds(Vec<FoldScores>),
    Trials(Vec<TrialScore>),
    Scales(Vec<Option<FoldScores>>),
    Trees(#[serde(with = "crate::packed::forest")] Vec<Tree>),
    Importance(Vec<Scores>),
    Explain(Vec<(usize, Explanation)>),
}

/// Jobs `w`, `w + n`, `w + 2n`, … of `items`: worker `w`'s deal of `n`.
fn deal<T: Clone>(items: &[T], w: usize, n: usize) -> Vec<T> {
    items.iter().skip(w).step_by(n.max(1)).cloned().collect()
}

/// Puts dealt answers back in job order: job `i` was part `i % n`'s `(i / n)`-th.
fn undeal<T>(parts: Vec<Vec<T>>) -> Result<Vec<T>> {
    let n = parts.len();
    let total: usize = parts.iter().map(Vec::len).sum();
    let mut iters: Vec<_> = parts.into_iter().map(Vec::into_iter).collect();
    (0..total)
        .map(|i| iters[i % n].next().ok_or_else(|| Error::new(ErrorKind::Internal, "answers dealt out of order")))
        .collect()
}

impl Batch {
    /// How many jobs the batch holds.
    pub fn len(&self) -> usize {
        match self {
            Batch::Folds { jobs, .. } => jobs.len(),
            Batch::Trials { models } => models.len(),
            Batch::Scales { jobs, .. } => jobs.len(),
            Batch::Trees { indices, .. } => indices.len(),
            Batch::Importance { jobs, .. } => jobs.len(),
            Batch::Explain { rows, .. } => rows.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Worker `w`'s share when the batch is dealt round-robin over `n` workers.
    pub fn share(&self, w: usize, n: usize) -> Batch {
        match self {
            Batch::Folds { models, folds, jobs } => {
                Batch::Folds { models: models.clone(), folds: *folds, jobs: deal(jobs, w, n) }
            }
            Batch::Trials { models } => Batch::Trials { models: deal(models, w, n) },
            Batch::Scales { folds, jobs } => Batch::Scales { folds: *folds, jobs: deal(jobs, w, n) },
            Batch::Trees { model, indices } => Batch::Trees { model: model.clone(), indices: deal(indices, w, n) },
            Batch::Importance { model, jobs } => Batch::Importance { model: model.clone(), jobs: deal(jobs, w, n) },
            Batch::Explain { model, rows } => Batch::Explain { model: model.clone(), rows: deal(rows, w, n) },
        }
    }
}

impl Results {
    /// The answers of a batch's [`Batch::share`]s, given in worker order, back in job order.
    pub fn gather(parts: Vec<Results>) -> Result<Results> {
        // Every part must be of the first one's kind; `pick` takes that kind's answers out.
        fn all<T>(parts: Vec<Results>, pick: fn(Results) -> Option<Vec<T>>) -> Result<Vec<T>> {
            let mixed = || Error::new(ErrorKind::Internal, "answers of different kinds for one batch");
            undeal(parts.into_iter().map(|p| pick(p).ok_or_else(mixed)).collect::<Result<_>>()?)
        }
        Ok(match parts.first() {
            None | Some(Results::Folds(_)) => {
                Results::Folds(all(parts, |p| if let Results::Folds(v) = p { Some(v) } else { None })?)
            }
            Some(Results::Trials(_)) => {
                Results::Trials(all(parts, |p| if let Results::Trials(v) = p { Some(v) } else { None })?)
            }
            Some(Results::Scales(_)) => {
                Results::Scales(all(parts, |p| if let Results::Scales(v) = p { Some(v) } else { None })?)
            }
            Some(Results::Trees(_)) => {
                Results::Trees(all(parts, |p| if let Results::Trees(v) = p { Some(v) } else { None })?)
            }
            Some(Results::Importance(_)) => {
                Results::Importance(all(parts, |p| if let Results::Importance(v) = p { Some(v) } else { None })?)
            }
            Some(Results::Explain(_)) => {
                Results::Explain(all(parts, |p| if let Results::Explain(v) = p { Some(v) } else { None })?)
            }
        })
    }

    fn len(&self) -> usize {
        match self {
            Results::Folds(v) => v.len(),
            Results::Trials(v) => v.len(),
            Results::Scales(v) => v.len(),
            Results::Trees(v) => v.len(),
            Results::Importance(v) => v.len(),
            Results::Explain(v) => v.len(),
        }
    }
}

/// Folds that score a search trial: the run's cross-validation folds, or 3.
pub fn search_folds(spec: &TrainSpec) -> usize {
    spec.validation.cv.unwrap_or(3)
}

/// The model a run trains: the spec's, with the best trial's parameters
/// when there was a search (see [`SearchOutcome::best`]).
pub fn chosen_model(spec: &TrainSpec, search: &SearchOutcome) -> ModelSpec {
    search.best().map_or_else(|| spec.model.clone(), |t| spec.model.with_params(&t.params))
}

/// What a plan asks for next.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Run these jobs, anywhere and split any way, and [`Plan::record`] their
    /// answers in job order. `before` of the stage's `total` jobs are done.
    Run { stage: &'static str, batch: Batch, before: usize, total: usize },
    /// Fit and evaluate the final model on the table with the work done so far
    /// ([`finish`]), and give the outcome to [`Plan::fitted`].
    Fit(Precomputed),
    /// The training run is over.
    Trained(Box<TrainOutcome>),
    /// The comparison is over.
    Leaderboard(Vec<LeaderboardEntry>),
}

#[derive(Debug, Clone)]
enum State {
    /// `auto`'s comparison of the target as it is with log1p of it.
    Scales {
        folds: usize,
    },
    Compare {
        models: Vec<ModelSpec>,
        folds: usize,
    },
    /// One searcher per sampler, the current one first; finished ones in `done`.
    Search {
        searchers: VecDeque<Searcher>,
        done: Vec<SearchResult>,
    },
    /// The search is over; the grid around its best trial is being scored.
    Refine {
        search: SearchOutcome,
        plan: RefinePlan,
    },
    Cv {
        search: SearchOutcome,
        folds: usize,
    },
    Forest {
        search: SearchOutcome,
        cv: Option<CvResult>,
        n_trees: usize,
    },
    Fit(Precomputed),
    /// The final model is fitted; its importance is being measured.
    Importance {
        outcome: Box<TrainOutcome>,
    },
    /// The test rows are being explained.
    Explain {
        outcome: Box<TrainOutcome>,
    },
    Trained(Box<TrainOutcome>),
    Ranked(Vec<LeaderboardEntry>),
}

/// A run's steps. [`Plan::next_step`] says what to do; after a [`Step::Run`],
/// [`Plan::record`] takes the answers and the plan moves on.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The run's spec; once `auto` has compared the target's scales, with
    /// the winner in place of `auto`, so every later job fits on it.
    spec: TrainSpec,
    /// What `auto` compared, for the final step to report.
    scales: Vec<(TargetTransform, CvResult)>,
    state: State,
    /// The batch handed out and not yet recorded.
    pending: Option<Batch>,
}

impl Plan {
    /// A training run: for a number with `auto`, the target's scale; the
    /// searches `spec.search` asks for, the chosen model's cross-validation
    /// when `spec.validation.cv` is set, a forest's trees, then the final fit.
    /// `task` is the run's task when the caller knows it (see
    /// [`crate::run::task_of`]): a run of classes then skips the scale's
    /// step, whose jobs would only answer that there is nothing to compare.
    pub fn train(spec: &TrainSpec, task: Option<crate::task::Task>) -> Result<Plan> {
        spec.model.validate()?;
        spec.search.check(&spec.model)?;
        // The scale is chosen before the search, so every trial fits on it.
        let classes = task.or(spec.data.task) == Some(crate::task::Task::Classification);
        let state = if spec.target_transform.is_auto() && !classes {
            State::Scales { folds: search_folds(spec) }
        } else {
            Self::searching(spec, None)
        };
        Ok(Plan { spec: spec.clone(), scales: Vec::new(), state, pending: None })
    }

    /// The searches `spec` asks for, else what follows them; `cv` is the
    /// spec's model's cross-validation on the run's folds, when done already.
    fn searching(spec: &TrainSpec, cv: Option<CvResult>) -> State {
        if spec.search.samplers.is_empty() {
            return match (spec.validation.cv, cv) {
                (Some(_), Some(cv)) => Self::after_cv(spec, SearchOutcome::default(), Some(cv)),
                _ => Self::after_search(spec, SearchOutcome::default()),
            };
        }
        let searchers = spec
            .search
            .samplers
            .iter()
            .map(|&s| Searcher::new(&spec.model, s, spec.search.trials, spec.seed))
            .collect();
        State::Search { searchers, done: Vec::new() }
    }

    /// A comparison of `models` by `folds`-fold cross-validation on the training rows.
    pub fn compare(spec: &TrainSpec, models: Vec<ModelSpec>, folds: usize) -> Result<Plan> {
        models.iter().try_for_each(ModelSpec::validate)?;
        Ok(Plan { spec: spec.clone(), scales: Vec::new(), state: State::Compare { models, folds }, pending: None })
    }

    /// The run's spec, which every job of the plan runs with.
    pub fn spec(&self) -> &TrainSpec {
        &self.spec
    }

    /// The searches are over: their parameters' importance, then the
    /// refinement when asked for, else what follows.
    fn searched(spec: &TrainSpec, runs: Vec<SearchResult>) -> Result<State> {
        let space = spec.model.space();
        let mut search = SearchOutcome::new(runs, &space, spec.seed)?;
        let Some(refine) = &spec.search.refine else { return Ok(Self::after_search(spec, search)) };
        Ok(match search.refine_plan(spec.model.name(), &space, refine.grid.as_ref())? {
            Some(plan) => State::Refine { search, plan },
            None => Self::after_search(spec, search),
        })
    }

    fn after_search(spec: &TrainSpec, search: SearchOutcome) -> State {
        match spec.validation.cv {
            Some(folds) => State::Cv { search, folds },
            None => Self::after_cv(spec, search, None),
        }
    }

    fn after_cv(spec: &TrainSpec, search: SearchOutcome, cv: Option<CvResult>) -> State {
        match chosen_model(spec, &search).trees() {
            Some(n_trees) => State::Forest { search, cv, n_trees },
            None => State::Fit(Precomputed { search, cv, ..Precomputed::default() }),
        }
    }

    /// What to do next. After a [`Step::Run`] the plan waits for
    /// [`Plan::record`]; asking again before that is an error.
    pub fn next_step(&mut self) -> Result<Step> {
        if self.pending.is_some() {
            return Err(Error::new(ErrorKind::Internal, "the plan's last jobs have not been recorded"));
        }
        let spec = &self.spec;
        let (stage, batch, before, total) = match &mut self.state {
            State::Scales { folds } => {
                let jobs: Vec<(TargetTransform, usize)> = [TargetTransform::None, TargetTransform::Log1p]
                    .into_iter()
                    .flat_map(|t| (0..*folds).map(move |f| (t, f)))
                    .collect();
                let total = jobs.len();
                ("target scale", Batch::Scales { folds: *folds, jobs }, 0, total)
            }
            State::Compare { models, folds } => {
                let jobs = compare_jobs(models.len(), *folds);
                let total = jobs.len();
                ("model fold", Batch::Folds { models: models.clone(), folds: *folds, jobs }, 0, total)
            }
            State::Search { searchers, done } => {
                // The current searcher's next batch; a searcher with none left is done.
                let batch = loop {
                    let Some(current) = searchers.front_mut() else { break Vec::new() };
                    let batch = current.next_batch();
                    if !batch.is_empty() {
                        break batch;
                    }
                    done.extend(searchers.pop_front().map(Searcher::finish));
                };
                if batch.is_empty() {
                    self.state = Self::searched(spec, std::mem::take(done))?;
                    return self.next_step();
                }
                let before = done.iter().map(|s| s.trials.len()).sum::<usize>() + searchers[0].progress().0;
                (
                    "search trial",
                    Batch::Trials { models: batch },
                    before,
                    spec.search.trials * spec.search.samplers.len(),
                )
            }
            State::Refine { plan, .. } => {
                let models: Vec<ModelSpec> = plan.params().iter().map(|p| spec.model.with_params(p)).collect();
                let total = models.len();
                ("refine trial", Batch::Trials { models }, 0, total)
            }
            State::Cv { search, folds } => {
                let jobs = compare_jobs(1, *folds);
                let models = vec![chosen_model(spec, search)];
                ("cross-validation fold", Batch::Folds { models, folds: *folds, jobs }, 0, *folds)
            }
            State::Forest { search, n_trees, .. } => {
                let model = chosen_model(spec, search);
                ("tree", Batch::Trees { model, indices: (0..*n_trees).collect() }, 0, *n_trees)
            }
            State::Fit(done) => return Ok(Step::Fit(Precomputed { scales: self.scales.clone(), ..done.clone() })),
            State::Importance { outcome } => {
                let columns = outcome.model.features.columns().len();
                let repeats = spec.importance_repeats;
                let jobs: Vec<(usize, usize)> = (0..columns).flat_map(|c| (0..repeats).map(move |r| (c, r))).collect();
                let total = jobs.len();
                (
                    "permutation importance",
                    Batch::Importance { model: std::sync::Arc::new(outcome.model.clone()), jobs },
                    0,
                    total,
                )
            }
            State::Explain { outcome } => {
                let rows = shap_sample(&outcome.model, outcome.test_rows().len(), spec.seed);
                let total = rows.len();
                ("explanation", Batch::Explain { model: std::sync::Arc::new(outcome.model.clone()), rows }, 0, total)
            }
            State::Trained(outcome) => return Ok(Step::Trained(outcome.clone())),
            State::Ranked(board) => return Ok(Step::Leaderboard(board.clone())),
        };
        self.pending = Some(batch.clone());
        Ok(Step::Run { stage, batch, before, total })
    }

    /// Takes the outcome of the last [`Step::Fit`]: the plan then measures
    /// its importance, when asked, or is over.
    pub fn fitted(&mut self, outcome: TrainOutcome) -> Result<()> {
        if !matches!(self.state, State::Fit(_)) {
            return Err(Error::new(ErrorKind::Internal, "a fitted model the plan did not ask for"));
        }
        let outcome = Box::new(outcome);
        let measurable = !outcome.model.features.columns().is_empty() && self.spec.importance_repeats > 0;
        // Importance (when asked) and explanations need a model with columns.
        self.state = match (!outcome.model.features.columns().is_empty(), measurable) {
            (_, true) => State::Importance { outcome },
            (true, false) => State::Explain { outcome },
            (false, false) => State::Trained(outcome),
        };
        Ok(())
    }

    /// Takes the answers to the last [`Step::Run`], in job order, and, for
    /// trees, the seconds they took to grow (the final model's fit time).
    pub fn record(&mut self, results: Results, seconds: f64) -> Result<()> {
        let batch = self.pending.take().ok_or_else(|| Error::new(ErrorKind::Internal, "answers for no jobs"))?;
        if results.len() != batch.len() {
            return Err(Error::new(ErrorKind::Internal, "answers for another number of jobs"));
        }
        let wrong = || Error::new(ErrorKind::Internal, "answers of another kind than the jobs");
        let spec = &self.spec;
        let mut chosen = None;
        self.state = match (std::mem::replace(&mut self.state, State::Ranked(Vec::new())), results) {
            (State::Compare { models, folds }, Results::Folds(scores)) => {
                State::Ranked(merge_compare(&models, folds, spec.seed, &scores))
            }
            (State::Scales { folds }, Results::Scales(answers)) => {
                // Every job answers, or none does (classes, or a target log1p is not tried on).
                let scores: Option<Vec<FoldScores>> = answers.into_iter().collect();
                match scores {
                    None => Self::searching(spec, None),
                    Some(scores) => {
                        let (as_is, log1p) = scores.split_at(folds);
                        let none = validate::summarize(folds, spec.seed, as_is).0;
                        let log1p = validate::summarize(folds, spec.seed, log1p).0;
                        let winner = choose_scale(&none, &log1p);
                        let cv = if winner == TargetTransform::Log1p { log1p.clone() } else { none.clone() };
                        chosen = Some((winner, vec![(TargetTransform::None, none), (TargetTransform::Log1p, log1p)]));
                        let spec =
                            TrainSpec { target_transform: crate::spec::TransformSetting::of(winner), ..spec.clone() };
                        Self::searching(&spec, Some(cv))
                    }
                }
            }
            (State::Search { mut searchers, done }, Results::Trials(scores)) => {
                if let Some(current) = searchers.front_mut() {
                    current.record(&scores);
                }
                State::Search { searchers, done }
            }
            (State::Refine { mut search, plan }, Results::Trials(scores)) => {
                search.refined(&plan, &scores);
                Self::after_search(spec, search)
            }
            (State::Cv { search, folds }, Results::Folds(scores)) => {
                let cv = validate::summarize(folds, spec.seed, &scores).0;
                Self::after_cv(spec, search, Some(cv))
            }
            (State::Importance { mut outcome }, Results::Importance(scores)) => {
                let columns: Vec<String> = outcome.model.features.blocks().into_iter().map(|(name, _)| name).collect();
                let rows = outcome.test_rows().len().min(IMPORTANCE_ROWS);
                outcome.importance = importance::summarize(&columns, spec.importance_repeats, rows, &scores);
                State::Explain { outcome }
            }
            (State::Explain { mut outcome }, Results::Explain(explained)) => {
                let test_rows = outcome.test_rows();
                let rows = shap_sample(&outcome.model, test_rows.len(), spec.seed);
                let (method, space) = explain::Method::of(&outcome.model);
                let (classes, explanations): (Vec<usize>, Vec<Explanation>) = explained.into_iter().unzip();
                outcome.shap = Some(ShapSummary {
                    method,
                    space,
                    permutations: if method == explain::Method::PermutationSampling { shap::PERMUTATIONS } else { 0 },
                    columns: outcome.model.features.blocks().into_iter().map(|(name, _)| name).collect(),
                    mean_abs: shap::mean_abs(&explanations),
                    rows: rows.iter().map(|&i| test_rows[i]).collect(),
                    classes,
                    explanations,
                });
                State::Trained(outcome)
            }
            (State::Forest { search, cv, .. }, Results::Trees(trees)) => State::Fit(Precomputed {
                search,
                cv,
                forest: Some(trees),
                forest_seconds: seconds,
                ..Precomputed::default()
            }),
            _ => return Err(wrong()),
        };
        if let Some((winner, scales)) = chosen {
            self.spec.target_transform = crate::spec::TransformSetting::of(winner);
            self.scales = scales;
        }
        Ok(())
    }
}

/// `auto`'s choice between the target as it is and log1p of it: log1p only
/// when its mean cross-validated RMSE, on the target's own scale, is lower.
pub fn choose_scale(none: &CvResult, log1p: &CvResult) -> TargetTransform {
    let rmse = |cv: &CvResult| cv.metrics.get("rmse").map_or(f64::INFINITY, |m| m.mean);
    if rmse(log1p) < rmse(none) {
        TargetTransform::Log1p
    } else {
        TargetTransform::None
    }
}

/// The most test rows explained; a larger test set is sampled (seeded).
pub const SHAP_ROWS: usize = 500;

/// The most test rows permutation importance scores; a larger test set is sampled (seeded).
pub const IMPORTANCE_ROWS: usize = 2000;

/// The fewest test rows a big tree ensemble's summary explains.
pub const SHAP_ROWS_MIN: usize = 50;

/// TreeSHAP's work per row grows with leaves × depth² per tree: a forest
/// of 100 full-depth trees on 80,000 rows took 0.33 s of one core per row
/// (BENCHMARKS.md), for 500 rows almost three minutes. The summary's rows
/// are cut so that it stays within about this many units (leaves × depth²
/// summed over the trees), about 20 s of one core, and never below
/// [`SHAP_ROWS_MIN`]. It depends only on the model, so it is the same
/// everywhere.
pub const TREE_SHAP_BUDGET: f64 = 2.5e10;

/// About how long [`TREE_SHAP_BUDGET`] takes one core, for the page to say.
pub const TREE_SHAP_SECONDS: f64 = 20.0;

/// How many test rows the summary explains for `model`, at most [`SHAP_ROWS`].
pub fn shap_rows(model: &ModelFile) -> usize {
    let (method, _) = explain::Method::of(model);
    let Some(e) = model.model.tree_ensemble(0).filter(|_| method == explain::Method::TreePathDependent) else {
        return SHAP_ROWS;
    };
    let units: f64 = e
        .trees
        .iter()
        .map(|t| {
            let leaves = t.nodes.iter().filter(|n| n.children.is_none()).count() as f64;
            let depth = t.depth().min(model.features.n_features()).max(1) as f64;
            leaves * depth * depth
        })
        .sum();
    ((TREE_SHAP_BUDGET / units.max(1.0)) as usize).clamp(SHAP_ROWS_MIN, SHAP_ROWS)
}

/// Which of `n` test rows are explained for `model`: all, or a seeded
/// sample of [`shap_rows`] in order.
pub fn shap_sample(model: &ModelFile, n: usize, seed: u64) -> Vec<usize> {
    sample_rows(n, shap_rows(model), seed ^ 0x5348_4150)
}

/// Positions `0..n`, or a seeded sample of `cap` of them in order: big test
/// sets are measured on a sample, small ones whole.
fn sample_rows(n: usize, cap: usize, seed: u64) -> Vec<usize> {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    let mut rows: Vec<usize> = (0..n).collect();
    if n > cap {
        rows.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
        rows.truncate(cap);
        rows.sort_unstable();
    }
    rows
}

/// Every job of comparing `n_models` models on `folds` folds, model by model.
pub fn compare_jobs(n_models: usize, folds: usize) -> Vec<CompareJob> {
    (0..n_models).flat_map(|model| (0..folds).map(move |fold| CompareJob { model, fold })).collect()
}

/// The split and roles of a run, kept for the next batch on the same table
/// with the same data settings, so a worker prepares them once per run
/// rather than once per batch. A holder of a table drops it with the table.
#[derive(Default)]
pub struct Cache {
    prepared: Option<(PrepareKey, Prepared)>,
}

/// The settings [`Prepared`] depends on.
#[derive(Debug, Clone, PartialEq)]
struct PrepareKey {
    target: String,
    /// The task chosen (`None`: detected): the same target splits as classes or as numbers.
    task: Option<crate::task::Task>,
    test_size: u64,
    seed: u64,
    /// Whether a regressor's calibration slice is held out of the fits
    /// (an interval, and how it is calibrated).
    interval: (bool, crate::spec::IntervalMethod),
    drop: Vec<String>,
    keep: Vec<String>,
    n_rows: usize,
}

impl Cache {
    fn prepared(&mut self, table: &Table, spec: &TrainSpec) -> Result<&Prepared> {
        spec.features.validate()?;
        let key = PrepareKey {
            target: spec.data.target.clone(),
            task: spec.data.task,
            test_size: spec.data.test_size.to_bits(),
            seed: spec.seed,
            interval: (spec.interval.is_some(), spec.interval_method),
            drop: spec.data.drop.clone(),
            keep: spec.data.keep.clone(),
            n_rows: table.n_rows,
        };
        if self.prepared.as_ref().is_none_or(|(k, _)| *k != key) {
            self.prepared = Some((key, crate::run::prepare(table, spec)?));
        }
        Ok(&self.prepared.as_ref().expect("just prepared").1)
    }
}

/// Runs a batch's jobs on the control's threads, each job with one thread
/// of its own (a forest's trees share the control's threads), answering in
/// job order. The same answers whatever the thread count or share.
pub fn run_batch(
    table: &Table,
    spec: &TrainSpec,
    batch: &Batch,
    cache: &mut Cache,
    control: &Control<'_>,
) -> Result<Results> {
    let p = cache.prepared(table, spec)?;
    let inner = Control { threads: 1, ..control.quiet() };
    Ok(match batch {
        Batch::Folds { models, folds, jobs } => {
            models.iter().try_for_each(ModelSpec::validate)?;
            let positions = p.train_target().folds(*folds, spec.seed)?;
            Results::Folds(control.map("model fold", jobs, |job| {
                let model = models
                    .get(job.model)
                    .ok_or_else(|| Error::new(ErrorKind::Internal, "a job for an unknown model"))?;
                let learner = p.learner(model, spec);
                Ok(validate::run_fold(&p.problem(table, &learner), &positions, job.fold, &inner)?.1)
            })?)
        }
        Batch::Trials { models } => {
            models.iter().try_for_each(ModelSpec::validate)?;
            Results::Trials(control.map("search trial", models, |m| {
                let learner = p.learner(m, spec);
                let (cv, _, _) =
                    validate::cross_validate(&p.problem(table, &learner), search_folds(spec), spec.seed, &inner)?;
                // The searcher maximises: a metric where lower is better (RMSE) is negated.
                let (metric, higher_is_better) = validate::ranking_metric(p.task);
                let sign = if higher_is_better { 1.0 } else { -1.0 };
                let m = &cv.metrics[metric];
                Ok(TrialScore { score: sign * m.mean, folds: m.folds.iter().map(|v| sign * v).collect() })
            })?)
        }
        Batch::Scales { folds, jobs } => {
            let tried = p.task == crate::task::Task::Regression
                && crate::numbers::auto_tries_log1p(spec, &p.values_train).is_ok();
            if !tried {
                return Ok(Results::Scales(vec![None; jobs.len()]));
            }
            let positions = p.train_target().folds(*folds, spec.seed)?;
            Results::Scales(control.map("target scale", jobs, |&(transform, fold)| {
                let learner = crate::prepare::Learner { transform, ..p.learner(&spec.model, spec) };
                Ok(Some(validate::run_fold(&p.problem(table, &learner), &positions, fold, &inner)?.1))
            })?)
        }
        Batch::Trees { model, indices } => {
            if model.trees().is_none() {
                return Err(Error::new(ErrorKind::Internal, "tree jobs for a model that is not a forest"));
            }
            let fitted = features::fit(table, &p.feature_columns, &p.train_rows, &spec.features)?;
            let x = fitted.transform(table, &p.train_rows)?;
            let weights = spec.balanced.then(|| crate::model::balanced_weights(&p.y_train, p.classes.len()));
            let values = p.fit_values(spec.target_transform.used())?;
            Results::Trees(model.fit_trees(&p.fit_input(&x, weights.as_deref(), &values, control), indices)?)
        }
        Batch::Importance { model, jobs } => {
            // The rows scored: all test rows, or a seeded sample of a big test set.
            let sample = sample_rows(p.test_rows.len(), IMPORTANCE_ROWS, spec.seed ^ 0x494d_504f);
            let rows: Vec<usize> = sample.iter().map(|&i| p.test_rows[i]).collect();
            let x = model.features.transform(table, &rows)?;
            let blocks = model.features.blocks();
            let cut = model.threshold.as_ref().map(|t| t.value);
            let n_classes = model.classes.len();
            let decide = |q: &[f64]| glassbox_core::decide(q, cut);
            // ROC AUC and accuracy for classes, R² and minus the RMSE for numbers.
            let score = |proba: &[Vec<f64>]| -> Result<Scores> {
                Ok(match p.task {
                    crate::task::Task::Classification => {
                        let y: Vec<usize> = sample.iter().map(|&i| p.y_test[i]).collect();
                        importance::scores(&y, proba, n_classes, &decide)
                    }
                    crate::task::Task::Regression => {
                        let y: Vec<f64> = sample.iter().map(|&i| p.values_test[i]).collect();
                        importance::regression_scores(&y, proba)?
                    }
                })
            };
            let base = score(&model.predict_proba(&x))?;
            Results::Importance(control.map("permutation importance", jobs, |&(c, r)| {
                let block =
                    blocks.get(c).ok_or_else(|| Error::new(ErrorKind::Internal, "a job for an unknown column"))?;
                let s = score(&model.predict_proba(&importance::shuffled(&x, block.1.clone(), spec.seed, c, r)))?;
                Ok(Scores { roc_auc: base.roc_auc - s.roc_auc, accuracy: base.accuracy - s.accuracy })
            })?)
        }
        Batch::Explain { model, rows } => {
            let table_rows: Vec<usize> = rows.iter().map(|&i| p.test_rows[i]).collect();
            let x = model.features.transform(table, &table_rows)?;
            let cut = model.threshold.as_ref().map(|t| t.value);
            // A regressor has one output to explain; two classes, the positive one's.
            let classes: Vec<usize> = if model.task == crate::task::Task::Regression {
                vec![0; rows.len()]
            } else if model.classes.len() == 2 {
                vec![1; rows.len()]
            } else {
                model.predict_proba(&x).iter().map(|q| glassbox_core::decide(q, cut)).collect()
            };
            let sampling = explain::Sampling { permutations: shap::PERMUTATIONS, seed: spec.seed };
            // Chunks of rows on the control's threads: a row's explanation
            // depends only on its row, the seed and the model.
            let chunks: Vec<Vec<usize>> =
                (0..rows.len()).collect::<Vec<_>>().chunks(32).map(<[usize]>::to_vec).collect();
            let parts = control.map("explanation", &chunks, |chunk| {
                let sub = x.select_rows(chunk);
                let ks: Vec<usize> = chunk.iter().map(|&i| classes[i]).collect();
                Ok(explain::explain_matrix(model, &sub, &ks, sampling)?.1)
            })?;
            Results::Explain(classes.into_iter().zip(parts.into_iter().flatten()).collect())
        }
    })
}

/// Fits and evaluates the final model on the table with the work a plan did
/// before (its [`Step::Fit`]).
pub fn finish(
    table: &Table,
    file_name: &str,
    spec: &TrainSpec,
    done: Precomputed,
    cache: &mut Cache,
    control: &Control<'_>,
) -> Result<TrainOutcome> {
    if done.cv.as_ref().map(|c| c.folds) != done.cv.as_ref().and(spec.validation.cv) {
        return Err(Error::new(ErrorKind::Internal, "cross-validation results for another number of folds"));
    }
    finish_training(table, file_name, spec, cache.prepared(table, spec)?, done, control)
}

/// What a driven plan ends with.
#[derive(Debug, Clone, PartialEq)]
pub enum Finished {
    Trained(Box<TrainOutcome>),
    Leaderboard(Vec<LeaderboardEntry>),
}

impl Finished {
    /// The outcome of a training plan; an internal error for a comparison.
    pub fn trained(self) -> Result<Box<TrainOutcome>> {
        match self {
            Finished::Trained(o) => Ok(o),
            Finished::Leaderboard(_) => Err(Error::new(ErrorKind::Internal, "a training run that compared")),
        }
    }

    /// The leaderboard of a comparison plan; an internal error for a training run.
    pub fn leaderboard(self) -> Result<Vec<LeaderboardEntry>> {
        match self {
            Finished::Leaderboard(board) => Ok(board),
            Finished::Trained(_) => Err(Error::new(ErrorKind::Internal, "a comparison that trained")),
        }
    }
}

/// Drives a plan to its end on one machine: every batch on the control's
/// threads, progress counted over each stage's jobs.
pub fn drive(
    table: &Table,
    file_name: &str,
    mut plan: Plan,
    cache: &mut Cache,
    control: &Control<'_>,
) -> Result<Finished> {
    loop {
        match plan.next_step()? {
            Step::Run { stage, batch, before, total } => {
                let outer = control.progress;
                let counted = move |p: &Progress| {
                    outer.is_none_or(|listen| listen(&Progress { stage, done: before + p.done, total }))
                };
                let counting = Control { progress: Some(&counted), ..*control };
                let t0 = control.now();
                let results = run_batch(table, plan.spec(), &batch, cache, &counting)?;
                plan.record(results, control.now() - t0)?;
            }
            Step::Fit(done) => {
                let spec = plan.spec().clone();
                plan.fitted(finish(table, file_name, &spec, done, cache, control)?)?;
            }
            Step::Trained(outcome) => return Ok(Finished::Trained(outcome)),
            Step::Leaderboard(board) => return Ok(Finished::Leaderboard(board)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::train_table_with;
    use crate::spec::SearchSpec;

    fn penguins() -> Table {
        let path = format!("{}/../../public/samples/penguins.csv", env!("CARGO_MANIFEST_DIR"));
        crate::ingest::parse_csv(&std::fs::read(path).unwrap()).unwrap()
    }

    /// Drives `plan` as the browser's pool does: every step dealt over
    /// `workers` holders of the table, each with its own cache, answers
    /// gathered back in job order; the final fit on the first.
    fn pooled(table: &Table, mut plan: Plan, workers: usize) -> (Vec<&'static str>, Finished) {
        let mut caches: Vec<Cache> = (0..workers).map(|_| Cache::default()).collect();
        let mut stages = Vec::new();
        loop {
            match plan.next_step().unwrap() {
                Step::Run { stage, batch, .. } => {
                    stages.push(stage);
                    let used = workers.min(batch.len());
                    let parts = (0..used)
                        .map(|w| {
                            run_batch(table, plan.spec(), &batch.share(w, used), &mut caches[w], &Control::default())
                        })
                        .collect::<Result<Vec<_>>>()
                        .unwrap();
                    plan.record(Results::gather(parts).unwrap(), 0.0).unwrap();
                }
                Step::Fit(done) => {
                    let spec = plan.spec().clone();
                    let o = finish(table, "p.csv", &spec, done, &mut caches[0], &Control::default()).unwrap();
                    plan.fitted(o).unwrap();
                }
                Step::Trained(o) => return (stages, Finished::Trained(o)),
                Step::Leaderboard(board) => return (stages, Finished::Leaderboard(board)),
            }
        }
    }

    fn check(spec: TrainSpec, stages: &[&str]) -> TrainOutcome {
        check_on(&penguins(), spec, stages)
    }

    /// The run of `spec` on `table` driven whole natively equals the run
    /// dealt over 1, 2 and 3 workers (the task not known up front, as in a
    /// page whose target check has not come), through `stages`.
    fn check_on(table: &Table, spec: TrainSpec, stages: &[&str]) -> TrainOutcome {
        let whole = train_table_with(table, "p.csv", &spec, &Control { threads: 2, ..Control::default() }).unwrap();
        for workers in [1, 2, 3] {
            let task = (workers != 3).then(|| crate::run::task_of(table, &spec).unwrap());
            let (seen, finished) = pooled(table, Plan::train(&spec, task).unwrap(), workers);
            // Not knowing the task, the plan asks about the scale of classes too, and hears there is none.
            let mut stages: Vec<&str> = stages.to_vec();
            if task.is_none() && stages.first() != Some(&"target scale") {
                stages.insert(0, "target scale");
            }
            assert_eq!(
                seen.iter().fold(Vec::<&str>::new(), |mut v, s| {
                    if v.last() != Some(s) {
                        v.push(s)
                    }
                    v
                }),
                stages
            );
            assert_eq!(finished, Finished::Trained(Box::new(whole.clone())), "{workers} workers");
        }
        whole
    }

    fn spec(target: &str) -> TrainSpec {
        TrainSpec::for_target(target)
    }

    #[test]
    fn a_search_then_cross_validation_dealt_over_workers_trains_the_same_model() {
        let mut spec = TrainSpec { model: ModelSpec::by_name("knn", 0).unwrap(), ..spec("species") };
        spec.search = SearchSpec {
            samplers: vec![crate::search::Sampler::Random, crate::search::Sampler::Tpe],
            trials: 9,
            refine: None,
        };
        spec.validation.cv = Some(4);
        check(spec, &["search trial", "cross-validation fold", "permutation importance", "explanation"]);
    }

    #[test]
    fn a_refinement_dealt_over_workers_trains_the_same_model() {
        let mut spec = TrainSpec { model: ModelSpec::by_name("decision_tree", 0).unwrap(), ..spec("species") };
        spec.search = SearchSpec {
            samplers: vec![crate::search::Sampler::Random],
            trials: 8,
            refine: Some(crate::spec::RefineSpec::default()),
        };
        let o = check(spec, &["search trial", "refine trial", "permutation importance", "explanation"]);
        let r = o.search.refine.as_ref().expect("refined");
        let top = &o.search.param_importance[0].param;
        assert_eq!(&r.param, top, "the grid is over the most important parameter");
        let best = o.search.best_search().unwrap();
        assert!(r.values.contains(&best.params[top]), "the grid holds the best value: {r:?}");
        assert_eq!(r.trials.len(), r.values.len());
        for t in &r.trials {
            // Every other parameter stays at the best trial's value.
            assert!(t.params.iter().all(|(k, v)| k == top || *v == best.params[k]), "{t:?}");
            assert_eq!(t.folds.len(), 3, "scored on the search's folds");
        }
        // The grid trial at the best value is the best trial again.
        let again = r.trials.iter().find(|t| t.params[top] == best.params[top]).unwrap();
        assert_eq!((again.score, &again.folds), (best.score, &best.folds));
        let chosen = o.search.best().unwrap();
        assert!(chosen.score >= best.score);
        assert_eq!(o.model.spec, spec_model_with(&chosen.params));
    }

    fn spec_model_with(params: &std::collections::BTreeMap<String, f64>) -> ModelSpec {
        ModelSpec::by_name("decision_tree", 0).unwrap().with_params(params)
    }

    #[test]
    fn a_refinement_without_a_search_or_with_a_bad_grid_is_refused_before_any_work() {
        let model = ModelSpec::by_name("random_forest", 0).unwrap();
        let mut spec = TrainSpec { model, ..spec("species") };
        let grid = |param: &str, values: &[f64]| crate::spec::RefineSpec {
            grid: Some(crate::search::Grid { param: param.into(), values: values.to_vec() }),
        };
        spec.search = SearchSpec { samplers: vec![], trials: 8, refine: Some(crate::spec::RefineSpec::default()) };
        let e = Plan::train(&spec, None).unwrap_err();
        assert!(e.message().starts_with("a refinement needs a search to refine"), "{}", e.message());
        spec.search.samplers = vec![crate::search::Sampler::Tpe];
        for (g, words) in [
            (
                grid("depth", &[3.0]),
                "the refine grid names unknown parameter \"depth\": random_forest searches n_trees, max_depth",
            ),
            (
                grid("max_depth", &[3.0, 40.0]),
                "the refine grid's value 40 for max_depth is outside its searched range 2 to 20",
            ),
            (grid("max_depth", &[3.5]), "the refine grid's value 3.5 for max_depth is not a whole number"),
            (grid("n_trees", &[]), "the refine grid for n_trees has no values"),
        ] {
            spec.search.refine = Some(g);
            let e = Plan::train(&spec, None).unwrap_err();
            assert_eq!((e.kind(), e.message()), (ErrorKind::BadSpec, words));
        }
    }

    #[test]
    fn a_forest_grown_over_workers_is_the_forest() {
        let model = ModelSpec::by_name("random_forest", 3).unwrap().set("n_trees", "9").unwrap();
        let spec = TrainSpec { model: model.set("max_depth", "4").unwrap(), balanced: true, ..spec("species") };
        check(spec, &["tree", "permutation importance", "explanation"]);
    }

    #[test]
    fn the_same_target_as_classes_then_as_numbers_regression_for_a_cached_split_of_the_other_task() {
        // A worker keeps one prepared split per table; the year of three
        // values is classes when detected and numbers when asked for, so the
        // task is part of what the split depends on.
        let table = penguins();
        let mut cache = Cache::default();
        let mut by_class = spec("year");
        by_class.importance_repeats = 0;
        let classes = drive(&table, "p.csv", Plan::train(&by_class, None).unwrap(), &mut cache, &Control::default());
        assert_eq!(classes.unwrap().trained().unwrap().classes, ["2007", "2008", "2009"]);
        let mut by_number = by_class.clone();
        by_number.data.task = Some(crate::task::Task::Regression);
        by_number.model = ModelSpec::by_name("ridge", 0).unwrap();
        let numbers = drive(&table, "p.csv", Plan::train(&by_number, None).unwrap(), &mut cache, &Control::default());
        let o = numbers.unwrap().trained().unwrap();
        assert!(o.regression.is_some() && o.classes.is_empty(), "trained as a number");
    }

    #[test]
    fn auto_s_choice_of_scale_dealt_over_workers_is_the_whole_run_s() {
        // A right-skewed target, linear on the log scale: auto compares, and
        // the search and cross-validation after it fit on the scale it chose.
        let mut csv = String::from("a,b,y\n");
        for i in 0..200u64 {
            let (a, b) = ((i * 37 % 101) as f64 / 25.0, (i * 53 % 89) as f64 / 30.0);
            csv.push_str(&format!("{a},{b},{:.4}\n", libm::exp(1.2 * a - 0.5 * b + ((i * 7919) % 13) as f64 / 40.0)));
        }
        let table = crate::ingest::parse_csv(csv.as_bytes()).unwrap();
        let mut spec = TrainSpec { model: ModelSpec::by_name("ridge", 0).unwrap(), ..spec("y") };
        spec.search = SearchSpec { samplers: vec![crate::search::Sampler::Random], trials: 4, refine: None };
        spec.validation.cv = Some(3);
        check_on(
            &table,
            spec.clone(),
            &["target scale", "search trial", "cross-validation fold", "permutation importance", "explanation"],
        );
        // Without a search the chosen scale's folds are the run's cross-validation.
        spec.search = SearchSpec::default();
        check_on(&table, spec.clone(), &["target scale", "permutation importance", "explanation"]);
        let o = train_table_with(&table, "p.csv", &spec, &Control::default()).unwrap();
        let t = &o.regression.as_ref().unwrap().target_transform;
        assert_eq!(t.used, TargetTransform::Log1p);
        assert_eq!(o.cv.as_ref().unwrap().metrics["rmse"], t.compared[1].rmse, "the log1p folds are the run's CV");
    }

    #[test]
    fn a_plain_model_goes_straight_to_the_final_fit() {
        check(spec("sex"), &["permutation importance", "explanation"]);
    }

    #[test]
    fn a_comparison_dealt_over_workers_is_the_comparison() {
        let table = penguins();
        let models: Vec<ModelSpec> = ["logistic_regression", "extra_trees", "naive_bayes"]
            .iter()
            .map(|n| ModelSpec::by_name(n, 1).unwrap())
            .collect();
        let whole = crate::run::compare(&table, &spec("sex"), &models, 3, &Control::default()).unwrap();
        for workers in [2, 4] {
            let (stages, finished) = pooled(&table, Plan::compare(&spec("sex"), models.clone(), 3).unwrap(), workers);
            assert_eq!(stages, ["model fold"]);
            assert_eq!(finished, Finished::Leaderboard(whole.clone()));
        }
    }

    #[test]
    fn answers_out_of_turn_are_refused() {
        let mut plan = Plan::compare(&spec("sex"), vec![ModelSpec::default()], 3).unwrap();
        assert_eq!(plan.record(Results::Trials(vec![]), 0.0).unwrap_err().message(), "answers for no jobs");
        assert!(matches!(plan.next_step().unwrap(), Step::Run { .. }));
        assert!(plan.next_step().is_err(), "a second step before the first is recorded");
        assert_eq!(
            plan.record(Results::Trials(vec![TrialScore { score: 0.5, folds: vec![] }; 3]), 0.0).unwrap_err().message(),
            "answers of another kind than the jobs"
        );
    }

    #[test]
    fn gather_undoes_share() {
        let items: Vec<usize> = (0..11).collect();
        for n in 1..6 {
            let parts: Vec<Vec<usize>> = (0..n).map(|w| deal(&items, w, n)).collect();
            assert_eq!(parts[0][..2], [0, n], "worker 0 of {n}");
            assert_eq!(undeal(parts).unwrap(), items, "{n} workers");
        }
        let batch = Batch::Trees { model: ModelSpec::by_name("random_forest", 0).unwrap(), indices: items.clone() };
        assert_eq!(
            batch.share(2, 3),
            Batch::Trees { model: ModelSpec::by_name("random_forest", 0).unwrap(), indices: vec![2, 5, 8] }
        );
    }
}
