//! A pool of extra Web Workers for work that splits into independent jobs:
//! comparing models (each (model, fold) is a job) and hyper-parameter search
//! (each trial of a batch is a job).
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
use glassbox_pipeline::run::{compare_jobs, merge_compare, CompareJob};
use glassbox_pipeline::search::{SearchResult, Searcher};
use glassbox_pipeline::validate::FoldScores;
use glassbox_pipeline::TrainSpec;
use glassbox_worker::web::PipelineBridge;
use glassbox_worker::{Request, Response};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::{AppState, RunProgress};
use crate::loading;

/// Larger files use the main worker alone: every pool worker would hold
/// another copy of the table, and the file is sent to it whole.
pub const MAX_POOL_FILE_BYTES: u64 = 256 << 20;

/// The most workers the page offers, whatever the machine has.
pub const MAX_WORKERS: usize = 8;

/// Workers the machine suggests: `navigator.hardwareConcurrency`, within 1..=MAX_WORKERS.
pub fn suggested_workers() -> usize {
    let n = web_sys::window().map_or(1.0, |w| w.navigator().hardware_concurrency());
    (n as usize).clamp(1, MAX_WORKERS)
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
        total: usize,
        parts: Vec<Option<Vec<FoldScores>>>,
    },
    Search {
        searcher: Searcher,
        next: VecDeque<glassbox_pipeline::search::Sampler>,
        done: Vec<SearchResult>,
        parts: Vec<Option<Vec<f64>>>,
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
}

/// Forgets the helpers (after Cancel terminated them, or a crash).
pub fn reset() {
    HELPERS.with(|h| h.borrow_mut().clear());
    RUN.with(|r| *r.borrow_mut() = None);
}

/// Whether a pooled run is going (so the main worker's answers belong to it).
pub fn running() -> bool {
    RUN.with(|r| r.borrow().is_some())
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
    spawn_local(async move {
        let send = move |r: Request| HELPERS.with(|h| h.borrow()[w - 1].bridge.send(r));
        if stale {
            if let Err(e) = loading::send_file(name, source, read, send).await {
                return state.fail(e);
            }
        }
        send(request);
    });
}

/// Compares `names` with `folds` folds on up to `wanted` workers.
pub fn compare(state: AppState, spec: TrainSpec, names: Vec<String>, folds: usize, wanted: usize) {
    let models: Vec<ModelSpec> = match names.iter().map(|n| ModelSpec::by_name(n, spec.seed)).collect() {
        Ok(m) => m,
        Err(e) => return state.fail(e.to_string()),
    };
    let size = size_for(wanted);
    let jobs = compare_jobs(models.len(), folds);
    let total = jobs.len();
    RUN.with(|r| {
        *r.borrow_mut() = Some(Run {
            spec: spec.clone(),
            size,
            work: Work::Compare { models, folds, total, parts: vec![None; size] },
            done: vec![0; size],
            finished_before: 0,
            total,
            elapsed: 0.0,
        })
    });
    for w in 0..size {
        let mine: Vec<CompareJob> = jobs.iter().copied().skip(w).step_by(size).collect();
        dispatch(state, w, Request::CompareJobs { spec: spec.clone(), models: names.clone(), folds, jobs: mine });
    }
}

/// Trains with `spec`; when it asks for a search and there is more than one
/// worker, the search's trials are scored by the pool first.
pub fn train(state: AppState, spec: TrainSpec, wanted: usize) {
    let size = size_for(wanted);
    let mut samplers: VecDeque<_> = spec.search.iter().copied().collect();
    let Some(first) = samplers.pop_front().filter(|_| size > 1) else {
        return state.send(Request::Train { spec });
    };
    let total = spec.trials * spec.search.len();
    RUN.with(|r| {
        *r.borrow_mut() = Some(Run {
            spec: spec.clone(),
            size,
            work: Work::Search {
                searcher: Searcher::new(&spec.model, first, spec.trials, spec.seed),
                next: samplers,
                done: Vec::new(),
                parts: Vec::new(),
            },
            done: vec![0; size],
            finished_before: 0,
            total,
            elapsed: 0.0,
        })
    });
    next_search_batch(state);
}

/// Proposes the next batch and deals it out; when every search is done,
/// asks the main worker to train with their results.
fn next_search_batch(state: AppState) {
    let mut sends: Vec<(usize, Request)> = Vec::new();
    let mut train: Option<Request> = None;
    RUN.with(|r| {
        let mut r = r.borrow_mut();
        let Some(run) = r.as_mut() else { return };
        let Work::Search { searcher, next, done, parts } = &mut run.work else { return };
        let mut batch = searcher.next_batch();
        while batch.is_empty() {
            let Some(sampler) = next.pop_front() else { break };
            let finished =
                std::mem::replace(searcher, Searcher::new(&run.spec.model, sampler, run.spec.trials, run.spec.seed));
            done.push(finished.finish());
            batch = searcher.next_batch();
        }
        if batch.is_empty() {
            let finished = std::mem::replace(searcher, Searcher::new(&run.spec.model, run.spec.search[0], 0, 0));
            done.push(finished.finish());
            train = Some(Request::TrainSearched { spec: run.spec.clone(), searches: std::mem::take(done) });
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
    if let Some(request) = train {
        // The main worker trains; its answer is an ordinary `Trained`.
        RUN.with(|r| *r.borrow_mut() = None);
        return state.send(request);
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
    };
    state.run_progress.set(Some(RunProgress {
        stage: format!("{stage} ({} workers)", run.size),
        done: run.finished_before + run.done.iter().sum::<usize>(),
        total: run.total,
        elapsed_seconds: run.elapsed,
    }));
}

fn on_response(state: AppState, worker: usize, response: Response) {
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
            let board = RUN.with(|r| {
                let mut r = r.borrow_mut();
                let run = r.as_mut()?;
                let Work::Compare { parts, .. } = &mut run.work else { return None };
                *parts.get_mut(worker)? = Some(scores);
                if parts.iter().any(Option::is_none) {
                    return None;
                }
                let run = r.take()?;
                let Work::Compare { models, folds, total, parts } = run.work else { return None };
                let parts: Vec<Vec<FoldScores>> = parts.into_iter().flatten().collect();
                // Job i was worker i % size's (i / size)-th.
                let scores: Vec<FoldScores> = (0..total).map(|i| parts[i % run.size][i / run.size]).collect();
                Some(merge_compare(&models, folds, run.spec.seed, &scores))
            });
            if let Some(board) = board {
                state.finish_run();
                state.leaderboard.set(Some(Arc::new(board)));
            }
        }
        Response::TrialScores(scores) => {
            let batch_done = RUN.with(|r| {
                let mut r = r.borrow_mut();
                let Some(run) = r.as_mut() else { return false };
                let Work::Search { searcher, parts, .. } = &mut run.work else { return false };
                let Some(slot) = parts.get_mut(worker) else { return false };
                *slot = Some(scores);
                if parts.iter().any(Option::is_none) {
                    return false;
                }
                let used = parts.len();
                let got: Vec<Vec<f64>> = std::mem::take(parts).into_iter().flatten().collect();
                let n: usize = got.iter().map(Vec::len).sum();
                let in_order: Vec<f64> = (0..n).map(|i| got[i % used][i / used]).collect();
                searcher.record(&in_order);
                run.finished_before += n;
                run.done = vec![0; run.size];
                show_progress(state, run);
                true
            });
            if batch_done {
                next_search_batch(state);
            }
        }
        Response::Failed { message, .. } => {
            RUN.with(|r| *r.borrow_mut() = None);
            state.fail(message);
        }
        _ => {}
    }
}
