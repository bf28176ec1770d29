//! A pool of extra Web Workers that runs a plan's steps (see
//! `glassbox_pipeline::plan`): each step is a batch of independent jobs
//! (model folds of a comparison, a search's trials, the chosen model's
//! cross-validation folds, a forest's trees), dealt round-robin over the
//! workers with `Batch::share` and put back in job order with
//! `Results::gather`. The plan alone knows the workflow's order; the pool
//! moves batches and answers and interprets neither.
//!
//! The main worker (the one that read the file) is worker 0; the others read
//! the same file once, on first use, and again only after it changes. The
//! main worker fits the final model (`Request::Fit`) with what the steps
//! made. The results are the ones a single worker or the CLI computes,
//! whatever the pool's size.

use std::cell::RefCell;
use std::sync::Arc;

use glassbox_pipeline::model::ModelSpec;
use glassbox_pipeline::plan::{Plan, Results, Step};
use glassbox_pipeline::TrainSpec;
use glassbox_worker::web::PipelineBridge;
use glassbox_worker::{Request, Response};
use leptos::prelude::*;

use crate::state::AppState;
use crate::transport::{bridge, loading};

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

/// A pooled run: its plan, and the step being run.
struct Run {
    plan: Plan,
    size: usize,
    /// The main worker is fitting the final model; its `Trained` is the plan's.
    awaiting_fit: bool,
    stage: &'static str,
    /// Jobs of the stage done before this step, and in all.
    before: usize,
    total: usize,
    /// Each worker's answer to its share of the step, and its jobs done so far.
    parts: Vec<Option<Results>>,
    done: Vec<usize>,
    /// Each worker's share of the step's jobs.
    shares: Vec<usize>,
    started_ms: f64,
}

thread_local! {
    static HELPERS: RefCell<Vec<Helper>> = const { RefCell::new(Vec::new()) };
    static RUN: RefCell<Option<Run>> = const { RefCell::new(None) };
    /// Per worker (0 = main): job requests sent and not yet answered, and
    /// answers still to come from a run that ended early, to be dropped so
    /// they never land in the next run.
    static PENDING: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
    static STALE: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
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

/// Whether the main worker's next `Trained` (or failure) belongs to a pooled
/// run, whose plan goes on after the fit (permutation importance).
pub fn awaits_fit() -> bool {
    RUN.with(|r| r.borrow().as_ref().is_some_and(|run| run.awaiting_fit))
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
    if matches!(request, Request::Jobs { .. }) {
        PENDING.with(|p| *slot(&mut p.borrow_mut(), w) += 1);
    }
    if w == 0 {
        return bridge::send(state, request);
    }
    let Some((name, source, generation)) = loading::current() else { return };
    let stale = HELPERS.with(|h| {
        let mut h = h.borrow_mut();
        while h.len() < w {
            let index = h.len() + 1;
            h.push(Helper {
                bridge: PipelineBridge::spawn(
                    glassbox_worker::web::WORKER_SCRIPT,
                    move |response| on_helper_response(state, index, response),
                    bridge::on_crash(state),
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
    let plan = names
        .iter()
        .map(|n| ModelSpec::by_name(n, spec.seed))
        .collect::<Result<Vec<_>, _>>()
        .and_then(|models| Plan::compare(&spec, models, folds));
    match plan {
        Ok(plan) => start(state, plan, size_for(wanted)),
        Err(e) => state.fail(e.to_string()),
    }
}

/// Trains with `spec`: each of the plan's steps on the pool (the main
/// worker alone when there is one), and the final fit on the main worker.
/// The page drives the plan even for one worker, so the model and its
/// metrics show as soon as the fit is done, and its importance and
/// explanations follow with their own progress and a Cancel that keeps it.
pub fn train(state: AppState, spec: TrainSpec, wanted: usize) {
    // The task of the target check in force, when it has come (it names the target and task asked).
    let task = state.current_check().map(|c| c.decided);
    match Plan::train(&spec, task) {
        Ok(plan) => start(state, plan, size_for(wanted)),
        Err(e) => state.fail(e.to_string()),
    }
}

fn start(state: AppState, plan: Plan, size: usize) {
    RUN.with(|r| {
        *r.borrow_mut() = Some(Run {
            plan,
            size,
            awaiting_fit: false,
            stage: "",
            before: 0,
            total: 0,
            parts: Vec::new(),
            done: Vec::new(),
            shares: Vec::new(),
            started_ms: crate::browser::now_ms(),
        })
    });
    advance(state);
}

/// Asks the plan for its next step and carries it out: deals a batch over
/// the pool, sends the final fit to the main worker, or shows the leaderboard.
fn advance(state: AppState) {
    let Some(mut run) = RUN.with(|r| r.borrow_mut().take()) else { return };
    match run.plan.next_step() {
        Err(e) => state.fail(e.to_string()),
        Ok(Step::Run { stage, batch, before, total }) => {
            // Every worker gets a share, none an empty one (unless the batch is).
            let used = run.size.min(batch.len()).max(1);
            let spec = run.plan.spec().clone();
            (run.stage, run.before, run.total) = (stage, before, total);
            (run.parts, run.done, run.started_ms) = (vec![None; used], vec![0; used], crate::browser::now_ms());
            let shares: Vec<_> = (0..used).map(|w| batch.share(w, used)).collect();
            run.shares = shares.iter().map(|s| s.len()).collect();
            show_progress(state, &run);
            RUN.with(|r| *r.borrow_mut() = Some(run));
            for (w, share) in shares.into_iter().enumerate() {
                dispatch(state, w, Request::Jobs { spec: spec.clone(), batch: share });
            }
        }
        // The main worker fits the final model; its answer is an ordinary `Trained`.
        Ok(Step::Fit(done)) => {
            let spec = run.plan.spec().clone();
            run.awaiting_fit = true;
            RUN.with(|r| *r.borrow_mut() = Some(run));
            loading::send_to_main(state, Request::Fit { spec, done: Box::new(done) })
        }
        Ok(Step::Trained(outcome)) => {
            state.finish_run();
            state.outcome.set(Some(Arc::from(outcome)));
        }
        Ok(Step::Leaderboard(board)) => {
            state.finish_run();
            state.leaderboard.set(Some(Arc::new(board)));
        }
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
    let workers = if run.size == 1 { String::new() } else { format!(" ({} workers)", run.size) };
    state.show_progress(
        format!("{}{workers}", run.stage),
        run.before + run.done.iter().sum::<usize>(),
        run.total,
        crate::browser::now_ms(),
        run.done.iter().all(|&d| d > 0),
    );
}

fn on_response(state: AppState, worker: usize, response: Response) {
    let answer = matches!(response, Response::Results(_) | Response::Failed { .. });
    if answer && !take_answer(worker) {
        return;
    }
    match response {
        // The main worker's own stages while it fits the final model.
        Response::Working { stage, done, total, .. } if awaits_fit() => {
            state.show_progress(stage, done, total, crate::browser::now_ms(), true)
        }
        Response::Trained(outcome) => {
            // The fitted model and its test metrics show now; its importance
            // and explanations are measured next, and replace it when done.
            let shown = Arc::new((*outcome).clone());
            let fitted = RUN.with(|r| {
                let mut r = r.borrow_mut();
                let run = r.as_mut().filter(|run| run.awaiting_fit)?;
                run.awaiting_fit = false;
                Some(run.plan.fitted(*outcome))
            });
            match fitted {
                Some(Ok(())) => {
                    state.note_other_data(&shown);
                    state.outcome.set(Some(shown));
                    state.explaining.set(true);
                    state.busy.set(crate::state::Busy::Training(
                        "Explaining the model: which columns matter, and why…".into(),
                    ));
                    leptos::task::spawn_local(async { crate::browser::scroll_to("evaluate") });
                    advance(state)
                }
                Some(Err(e)) => {
                    abandon();
                    state.fail(e.to_string());
                }
                None => {}
            }
        }
        Response::Working { done, total, .. } => RUN.with(|r| {
            if let Some(run) = r.borrow_mut().as_mut() {
                // A worker counts in its own units (explanations go in chunks
                // of rows): its share of the step's jobs, done in proportion.
                let share = run.shares.get(worker).copied().unwrap_or(0);
                if let Some(d) = run.done.get_mut(worker) {
                    *d = (share * done).checked_div(total).unwrap_or(0).min(share);
                }
                show_progress(state, run);
            }
        }),
        Response::Results(results) => {
            let recorded = RUN.with(|r| {
                let mut r = r.borrow_mut();
                let run = r.as_mut()?;
                *run.parts.get_mut(worker)? = Some(results);
                if run.parts.iter().any(Option::is_none) {
                    return None;
                }
                let parts = std::mem::take(&mut run.parts).into_iter().flatten().collect();
                let seconds = (crate::browser::now_ms() - run.started_ms) / 1000.0;
                Some(Results::gather(parts).and_then(|all| run.plan.record(all, seconds)))
            });
            match recorded {
                Some(Ok(())) => advance(state),
                Some(Err(e)) => {
                    abandon();
                    state.fail(e.to_string());
                }
                None => {}
            }
        }
        Response::Failed { message, .. } if running() => {
            abandon();
            state.fail(message);
        }
        _ => {}
    }
}
