//! A pool of extra Web Workers for work that splits into independent jobs:
//! comparing models runs its (model, fold) jobs on every worker at once.
//!
//! The main worker (the one that read the file) is worker 0; the others
//! read the same file once, on first use, and again only after it changes.
//! Job `i` goes to worker `i % size`, every worker answers with its jobs'
//! scores in order, and the page puts them back in job order and merges them
//! with the pipeline's own `merge_compare`: the leaderboard is the one a
//! single worker (or the CLI) makes, whatever the pool's size.

use std::cell::RefCell;
use std::sync::Arc;

use glassbox_pipeline::model::ModelSpec;
use glassbox_pipeline::run::{compare_jobs, merge_compare, CompareJob};
use glassbox_pipeline::validate::FoldScores;
use glassbox_pipeline::TrainSpec;
use glassbox_worker::web::PipelineBridge;
use glassbox_worker::{Request, Response};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::app::{AppState, RunProgress};
use crate::loading;

/// Larger files are compared on the main worker alone: every pool worker
/// would hold another copy of the table, and the file is sent whole.
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

/// A comparison in flight.
struct Run {
    spec: TrainSpec,
    models: Vec<ModelSpec>,
    folds: usize,
    size: usize,
    parts: Vec<Option<Vec<FoldScores>>>,
    /// Jobs done per worker, for the progress bar.
    done: Vec<usize>,
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

/// Compares `models` with `folds` folds on `size` workers.
pub fn compare(state: AppState, spec: TrainSpec, names: Vec<String>, folds: usize, size: usize) {
    let Some((name, source, generation)) = loading::current() else { return };
    let models: Vec<ModelSpec> = match names.iter().map(|n| ModelSpec::by_name(n, spec.seed)).collect() {
        Ok(m) => m,
        Err(e) => return state.fail(e.to_string()),
    };
    let size = if source.size() > MAX_POOL_FILE_BYTES { 1 } else { size.max(1) };
    let jobs = compare_jobs(models.len(), folds);
    let share = |w: usize| -> Vec<CompareJob> { jobs.iter().copied().skip(w).step_by(size).collect() };
    RUN.with(|r| {
        *r.borrow_mut() = Some(Run {
            spec: spec.clone(),
            models,
            folds,
            size,
            parts: vec![None; size],
            done: vec![0; size],
            total: jobs.len(),
            elapsed: 0.0,
        })
    });
    state.send(Request::CompareJobs { spec: spec.clone(), models: names.clone(), folds, jobs: share(0) });
    for w in 1..size {
        let fresh = HELPERS.with(|h| {
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
        let request = Request::CompareJobs { spec: spec.clone(), models: names.clone(), folds, jobs: share(w) };
        let read = state.read.get_untracked();
        let (name, source) = (name.clone(), source.clone());
        spawn_local(async move {
            let send = move |r: Request| HELPERS.with(|h| h.borrow()[w - 1].bridge.send(r));
            if fresh {
                if let Err(e) = loading::send_file(name, source, read, send).await {
                    return state.fail(e);
                }
            }
            send(request);
        });
    }
}

/// Whether a comparison runs on the pool (so the main worker's answers belong to it).
pub fn running() -> bool {
    RUN.with(|r| r.borrow().is_some())
}

/// The main worker's answer during a pooled comparison.
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

fn on_response(state: AppState, worker: usize, response: Response) {
    match response {
        Response::Working { done, elapsed_seconds, .. } => {
            let progress = RUN.with(|r| {
                r.borrow_mut().as_mut().map(|run| {
                    run.done[worker] = done;
                    run.elapsed = run.elapsed.max(elapsed_seconds);
                    RunProgress {
                        stage: format!("model fold ({} workers)", run.size),
                        done: run.done.iter().sum(),
                        total: run.total,
                        elapsed_seconds: run.elapsed,
                    }
                })
            });
            if progress.is_some() {
                state.run_progress.set(progress);
            }
        }
        Response::JobScores(scores) => {
            let finished = RUN.with(|r| {
                let mut r = r.borrow_mut();
                let run = r.as_mut()?;
                run.parts[worker] = Some(scores);
                if run.parts.iter().any(Option::is_none) {
                    return None;
                }
                let run = r.take()?;
                let parts: Vec<Vec<FoldScores>> = run.parts.into_iter().flatten().collect();
                // Job i was worker i % size's (i / size)-th.
                let scores: Vec<FoldScores> = (0..run.total).map(|i| parts[i % run.size][i / run.size]).collect();
                Some(merge_compare(&run.models, run.folds, run.spec.seed, &scores))
            });
            if let Some(board) = finished {
                state.finish_run();
                state.leaderboard.set(Some(Arc::new(board)));
            }
        }
        Response::Failed { message, .. } => {
            RUN.with(|r| *r.borrow_mut() = None);
            state.fail(message);
        }
        _ => {}
    }
}
