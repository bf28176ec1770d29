//! A pool of extra Web Workers for work that splits into independent jobs:
//! comparing models (each (model, fold) is a job), hyper-parameter search
//! (each trial of a batch is a job), the chosen model's cross-validation
//! before the final fit (each fold is a job) and a final random forest (each
//! tree is a job).
//!
//! The main worker (the one that read the file) is worker 0; the others read
//! the same file once, on first use, and again only after it changes. Jobs
//! are dealt round-robin (job `i` to worker `i % size`), each worker answers
//! with its jobs' results in order, and the page puts them back in job order
//! and hands them to the pipeline's own merging (`merge_compare`,
//! `Searcher::record`): the results are the ones a single worker or the CLI
//! computes, whatever the pool's size.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::Arc;

use glassbox_pipeline::model::ModelSpec;
use glassbox_pipeline::run::{compare_jobs, merge_compare, CompareJob, Precomputed};
use glassbox_pipeline::search::{SearchResult, Searcher};
use glassbox_pipeline::trees::Tree;
use glassbox_pipeline::validate::{CvResult, FoldScores};
use glassbox_pipeline::TrainSpec;
use glassbox_worker::web::PipelineBridge;
use glassbox_worker::{Request, Response};
use leptos::prelude::*;

use crate::app::{AppState, RunProgress};
use crate::loading;

/// Larger files use the main worker alone: every pool worker would hold
/// another copy of the table, and the file is sent to it whole.
pub const MAX_POOL_FILE_BYTES: u64 = 256 << 20;

/// The most workers the page offers, whatever the machine has.
pub const MAX_WORKERS: usize = 8;

/// Workers offered by default: `navigator.hardwareConcurrency`, at most 4
/// (each worker holds a copy of the table; the person may choose up to
/// [`MAX_WORKERS`]).
pub fn suggested_workers() -> usize {
    let n = web_sys::window().map_or(1.0, |w| w.navigator().hardware_concurrency());
    (n as usize).clamp(1, 4)
}

struct Helper {
    bridge: PipelineBridge,
    /// The read generation this worker's table comes from.
    generation: Option<u64>,
}

/// What a pooled run is doing.
enum Work {
    Compare {
        models: Vec<ModelSpec>,
        folds: usize,
        parts: Vec<Option<Vec<FoldScores>>>,
    },
    /// One searcher per sampler, the current one first; finished ones in `done`.
    Search {
        searchers: VecDeque<Searcher>,
        done: Vec<SearchResult>,
        parts: Vec<Option<Vec<f64>>>,
    },
    /// The chosen model's folds, before the main worker fits the final model.
    Cv {
        searches: Vec<SearchResult>,
        folds: usize,
        parts: Vec<Option<Vec<FoldScores>>>,
    },
    /// The final forest's trees; the main worker then evaluates it.
    Forest {
        searches: Vec<SearchResult>,
        cv: Option<CvResult>,
        n_trees: usize,
        parts: Vec<Option<Vec<Tree>>>,
        started_ms: f64,
    },
}

struct Run {
    spec: TrainSpec,
    size: usize,
    work: Work,
    /// Jobs done per worker in the current round, and before it, for progress.
    done: Vec<usize>,
    finished_before: usize,
    total: usize,
    elapsed: f64,
}

thread_local! {
    static HELPERS: RefCell<Vec<Helper>> = const { RefCell::new(Vec::new()) };
    static RUN: RefCell<Option<Run>> = const { RefCell::new(None) };
    /// Per worker (0 = main): job requests sent and not yet answered, and
    /// answers still to come from a run that ended early, to be dropped so
    /// they never land in the next run.
    static PENDING: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
    static STALE: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
    /// Seconds the pool spent growing the last final forest, for its fit time.
    static FOREST_SECONDS: std::cell::Cell<Option<f64>> = const { std::cell::Cell::new(None) };
}

/// The pool's share of the last final model's fit time, once.
pub fn take_forest_seconds() -> Option<f64> {
    FOREST_SECONDS.with(|s| s.take())
}

fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

fn slot(v: &mut Vec<usize>, w: usize) -> &mut usize {
    if v.len() <= w {
        v.resize(w + 1, 0);
    }
    &mut v[w]
}

/// Counts an answer from worker `w`; false when it belongs to a run that ended.
fn take_answer(w: usize) -> bool {
    PENDING.with(|p| {
        let p = &mut *p.borrow_mut();
        *slot(p, w) = slot(p, w).saturating_sub(1);
    });
    STALE.with(|s| {
        let s = &mut *s.borrow_mut();
        let stale = slot(s, w);
        if *stale > 0 {
            *stale -= 1;
            false
        } else {
            true
        }
    })
}

/// A run ended early: answers still owed to it are dropped when they come.
fn abandon() {
    RUN.with(|r| *r.borrow_mut() = None);
    let pending = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
    STALE.with(|s| {
        let s = &mut *s.borrow_mut();
        for (w, n) in pending.into_iter().enumerate() {
            *slot(s, w) += n;
        }
    });
}

/// Forgets the helpers (after Cancel terminated them, or a crash): no
/// answer is owed any more, every worker being new.
pub fn reset() {
    HELPERS.with(|h| h.borrow_mut().clear());
    RUN.with(|r| *r.borrow_mut() = None);
    PENDING.with(|p| p.borrow_mut().clear());
    STALE.with(|s| s.borrow_mut().clear());
}

/// Whether a pooled run is going (so the main worker's progress belongs to it).
pub fn running() -> bool {
    RUN.with(|r| r.borrow().is_some())
}

/// Whether the main worker owes the pool an answer (so its next result or
/// failure is the pool's, even from a run that ended early).
pub fn owes_main() -> bool {
    let owed = |v: &RefCell<Vec<usize>>| v.borrow().first().is_some_and(|&n| n > 0);
    PENDING.with(owed) || STALE.with(owed)
}

/// The pool size for the current file: 1 for files too big to copy.
fn size_for(wanted: usize) -> usize {
    match loading::current() {
        Some((_, source, _)) if source.size() <= MAX_POOL_FILE_BYTES => wanted.max(1),
        _ => 1,
    }
}

/// Sends `request` to worker `w` (0 is the main worker); a helper first gets
/// the current file if its table is stale. Requests to one helper stay in
/// order: its file goes first, in the same task.
fn dispatch(state: AppState, w: usize, request: Request) {
    if matches!(request, Request::CompareJobs { .. } | Request::TrialJobs { .. } | Request::ForestJobs { .. }) {
        PENDING.with(|p| *slot(&mut p.borrow_mut(), w) += 1);
    }
    if w == 0 {
        return state.send(request);
    }
    let Some((name, source, generation)) = loading::current() else { return };
    let stale = HELPERS.with(|h| {
        let mut h = h.borrow_mut();
        while h.len() < w {
            let index = h.len() + 1;
            h.push(Helper {
                bridge: PipelineBridge::spawn(
                    "./worker.js",
                    move |response| on_helper_response(state, index, response),
                    move |panic| state.fail(format!("a pool worker stopped unexpectedly ({panic})")),
                ),
                generation: None,
            });
        }
        let stale = h[w - 1].generation != Some(generation);
        h[w - 1].generation = Some(generation);
        stale
    });
    let read = state.read.get_untracked();
    let send = move |r: Request| HELPERS.with(|h| h.borrow()[w - 1].bridge.send(r));
    if stale {
        loading::send_file(name, source, read, send);
    }
    send(request);
}

/// Compares `names` with `folds` folds on up to `wanted` workers.
pub fn compare(state: AppState, spec: TrainSpec, names: Vec<String>, folds: usize, wanted: usize) {
    let models: Vec<ModelSpec> = match names.iter().map(|n| ModelSpec::by_name(n, spec.seed)).collect() {
        Ok(m) => m,
        Err(e) => return state.fail(e.to_string()),
    };
    let size = size_for(wanted);
    let total = models.len() * folds;
    start(&spec, size, Work::Compare { models: models.clone(), folds, parts: vec![None; size] }, total);
    deal_folds(state, &spec, &models, folds, size);
}

fn start(spec: &TrainSpec, size: usize, work: Work, total: usize) {
    RUN.with(|r| {
        *r.borrow_mut() =
            Some(Run { spec: spec.clone(), size, work, done: vec![0; size], finished_before: 0, total, elapsed: 0.0 })
    });
}

/// Deals every (model, fold) job round-robin over `size` workers.
fn deal_folds(state: AppState, spec: &TrainSpec, models: &[ModelSpec], folds: usize, size: usize) {
    let jobs = compare_jobs(models.len(), folds);
    for w in 0..size {
        let mine: Vec<CompareJob> = jobs.iter().copied().skip(w).step_by(size).collect();
        dispatch(state, w, Request::CompareJobs { spec: spec.clone(), models: models.to_vec(), folds, jobs: mine });
    }
}

/// Trains with `spec`. With more than one worker, a search's trials and then
/// the chosen model's cross-validation folds are scored by the pool first,
/// and the main worker fits the final model with their results.
pub fn train(state: AppState, spec: TrainSpec, wanted: usize) {
    let size = size_for(wanted);
    let forest = spec.model.trees().is_some();
    if size <= 1 || (spec.search.is_empty() && spec.cv.is_none() && !forest) {
        return state.send(Request::Train { spec });
    }
    if spec.search.is_empty() {
        return start_cv(state, spec, size, Vec::new());
    }
    let total = spec.trials * spec.search.len();
    let searchers = spec.search.iter().map(|&s| Searcher::new(&spec.model, s, spec.trials, spec.seed)).collect();
    start(&spec, size, Work::Search { searchers, done: Vec::new(), parts: Vec::new() }, total);
    next_search_batch(state);
}

/// After the searches: the chosen model's folds on the pool, or straight to
/// the final fit on the main worker when there is no cross-validation.
fn start_cv(state: AppState, spec: TrainSpec, size: usize, searches: Vec<SearchResult>) {
    let Some(folds) = spec.cv else {
        return start_forest(state, spec, size, searches, None);
    };
    let chosen = glassbox_pipeline::run::chosen_model(&spec, &searches);
    let size = size.min(folds);
    start(&spec, size, Work::Cv { searches, folds, parts: vec![None; size] }, folds);
    deal_folds(state, &spec, &[chosen], folds, size);
}

/// After the cross-validation: a random forest's trees on the pool, then the
/// main worker evaluates the final model (or fits it, for any other model).
fn start_forest(state: AppState, spec: TrainSpec, size: usize, searches: Vec<SearchResult>, cv: Option<CvResult>) {
    let chosen = glassbox_pipeline::run::chosen_model(&spec, &searches);
    let Some(n_trees) = chosen.trees() else {
        RUN.with(|r| *r.borrow_mut() = None);
        return state.send(Request::TrainSearched { spec, done: Precomputed { searches, cv, forest: None } });
    };
    let size = size.min(n_trees.max(1));
    let work = Work::Forest { searches, cv, n_trees, parts: vec![None; size], started_ms: now_ms() };
    start(&spec, size, work, n_trees);
    let indices: Vec<usize> = (0..n_trees).collect();
    for w in 0..size {
        let mine: Vec<usize> = indices.iter().copied().skip(w).step_by(size).collect();
        dispatch(state, w, Request::ForestJobs { spec: spec.clone(), model: chosen.clone(), indices: mine });
    }
}

/// Proposes the next batch and deals it out; when every search is done,
/// goes on to the cross-validation.
fn next_search_batch(state: AppState) {
    let mut sends: Vec<(usize, Request)> = Vec::new();
    let mut searched: Option<(TrainSpec, usize, Vec<SearchResult>)> = None;
    RUN.with(|r| {
        let mut r = r.borrow_mut();
        let Some(run) = r.as_mut() else { return };
        let Work::Search { searchers, done, parts } = &mut run.work else { return };
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
            searched = Some((run.spec.clone(), run.size, std::mem::take(done)));
            return;
        }
        let used = run.size.min(batch.len());
        *parts = vec![None; used];
        run.done = vec![0; run.size];
        for w in 0..used {
            let mine: Vec<ModelSpec> = batch.iter().skip(w).step_by(used).cloned().collect();
            sends.push((w, Request::TrialJobs { spec: run.spec.clone(), models: mine }));
        }
    });
    if let Some((spec, size, searches)) = searched {
        return start_cv(state, spec, size, searches);
    }
    for (w, request) in sends {
        dispatch(state, w, request);
    }
}

/// The main worker's answer during a pooled run.
pub fn on_main_response(state: AppState, response: Response) {
    on_response(state, 0, response);
}

fn on_helper_response(state: AppState, index: usize, response: Response) {
    match response {
        // Reading the file: the main worker already showed it.
        Response::Progress { .. } | Response::Inspected(_) => {}
        other => on_response(state, index, other),
    }
}

fn show_progress(state: AppState, run: &Run) {
    let stage = match run.work {
        Work::Compare { .. } => "model fold",
        Work::Search { .. } => "search trial",
        Work::Cv { .. } => "cross-validation fold",
        Work::Forest { .. } => "tree",
    };
    state.run_progress.set(Some(RunProgress {
        stage: format!("{stage} ({} workers)", run.size),
        done: run.finished_before + run.done.iter().sum::<usize>(),
        total: run.total,
        elapsed_seconds: run.elapsed,
    }));
}

fn on_response(state: AppState, worker: usize, response: Response) {
    let answer = matches!(
        response,
        Response::JobScores(_) | Response::TrialScores(_) | Response::Trees(_) | Response::Failed { .. }
    );
    if answer && !take_answer(worker) {
        return;
    }
    match response {
        Response::Working { done, elapsed_seconds, .. } => RUN.with(|r| {
            if let Some(run) = r.borrow_mut().as_mut() {
                if let Some(d) = run.done.get_mut(worker) {
                    *d = done;
                }
                run.elapsed = run.elapsed.max(elapsed_seconds);
                show_progress(state, run);
            }
        }),
        Response::JobScores(scores) => {
            let complete = RUN.with(|r| {
                let mut r = r.borrow_mut();
                let run = r.as_mut()?;
                let parts = match &mut run.work {
                    Work::Compare { parts, .. } | Work::Cv { parts, .. } => parts,
                    Work::Search { .. } | Work::Forest { .. } => return None,
                };
                *parts.get_mut(worker)? = Some(scores);
                if parts.iter().any(Option::is_none) {
                    return None;
                }
                r.take()
            });
            let Some(run) = complete else { return };
            let size = run.size;
            let in_order = |parts: Vec<Option<Vec<FoldScores>>>, total: usize| -> Vec<FoldScores> {
                let parts: Vec<Vec<FoldScores>> = parts.into_iter().flatten().collect();
                // Job i was worker i % size's (i / size)-th.
                (0..total).map(|i| parts[i % size][i / size]).collect()
            };
            match run.work {
                Work::Compare { models, folds, parts } => {
                    let board = merge_compare(&models, folds, run.spec.seed, &in_order(parts, run.total));
                    state.finish_run();
                    state.leaderboard.set(Some(Arc::new(board)));
                }
                Work::Cv { searches, folds, parts } => {
                    let cv = glassbox_pipeline::validate::summarize(folds, run.spec.seed, &in_order(parts, folds)).0;
                    let pool = size_for(state.workers.get_untracked());
                    start_forest(state, run.spec, pool, searches, Some(cv));
                }
                Work::Search { .. } | Work::Forest { .. } => {}
            }
        }
        Response::Trees(trees) => {
            let complete = RUN.with(|r| {
                let mut r = r.borrow_mut();
                let run = r.as_mut()?;
                let Work::Forest { parts, .. } = &mut run.work else { return None };
                *parts.get_mut(worker)? = Some(trees);
                if parts.iter().any(Option::is_none) {
                    return None;
                }
                r.take()
            });
            let Some(run) = complete else { return };
            let Work::Forest { searches, cv, n_trees, parts, started_ms } = run.work else { return };
            let parts: Vec<Vec<Tree>> = parts.into_iter().flatten().collect();
            // Tree t was worker t % size's (t / size)-th.
            let forest: Vec<Tree> = (0..n_trees).map(|t| parts[t % run.size][t / run.size].clone()).collect();
            FOREST_SECONDS.with(|s| s.set(Some((now_ms() - started_ms) / 1000.0)));
            // The main worker evaluates the forest; its answer is an ordinary `Trained`.
            state.send(Request::TrainSearched {
                spec: run.spec,
                done: Precomputed { searches, cv, forest: Some(forest) },
            });
        }
        Response::TrialScores(scores) => {
            let batch_done = RUN.with(|r| {
                let mut r = r.borrow_mut();
                let Some(run) = r.as_mut() else { return false };
                let Work::Search { searchers, parts, .. } = &mut run.work else { return false };
                let Some(slot) = parts.get_mut(worker) else { return false };
                *slot = Some(scores);
                if parts.iter().any(Option::is_none) {
                    return false;
                }
                let used = parts.len();
                let got: Vec<Vec<f64>> = std::mem::take(parts).into_iter().flatten().collect();
                let n: usize = got.iter().map(Vec::len).sum();
                let in_order: Vec<f64> = (0..n).map(|i| got[i % used][i / used]).collect();
                if let Some(current) = searchers.front_mut() {
                    current.record(&in_order);
                }
                run.finished_before += n;
                run.done = vec![0; run.size];
                show_progress(state, run);
                true
            });
            if batch_done {
                next_search_batch(state);
            }
        }
        Response::Failed { message, .. } if running() => {
            abandon();
            state.fail(message);
        }
        _ => {}
    }
}
