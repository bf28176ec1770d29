//! The page: load a CSV, preview it, pick the target, train, see results.
//!
//! State is plain data in signals. The worker bridge lives in a thread-local
//! because it is not `Send`; it is replaced with a fresh worker if the old
//! one crashes, so the page stays usable without a reload.

use std::cell::RefCell;
use std::sync::Arc;

use std::collections::BTreeMap;

use glassbox_pipeline::features::{Binning, DatePart, Encoding, FeatureSpec, Impute, Scale};
use glassbox_pipeline::ingest::{ColumnKind, DateOrder, ReadOptions};
use glassbox_pipeline::model::{ModelSpec, MODEL_NAMES};
use glassbox_pipeline::run::{FeaturePreview, LeaderboardEntry};
use glassbox_pipeline::search::Sampler;
use glassbox_pipeline::{Inspection, TrainOutcome, TrainSpec};
use glassbox_worker::web::PipelineBridge;
use glassbox_worker::{Request, Response};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::browser;
use crate::loading::{self, ReadProgress, Source};
use crate::pool;
use crate::results::Results;

/// Bundled samples: (test id suffix, file, what it shows).
const SAMPLES: [(&str, &str, &str); 2] = [
    ("breast_cancer", "breast_cancer.csv", "Breast cancer (569 rows, binary, numeric)"),
    ("penguins", "penguins.csv", "Palmer penguins (344 rows, 3 species, categorical and missing values)"),
];

/// What the app is busy with, if anything.
#[derive(Debug, Clone, PartialEq)]
pub enum Busy {
    Idle,
    Loading(String),
    Reading(ReadProgress),
    Training(String),
}

/// How far a training or comparison run has got, from the worker's `Working` messages.
#[derive(Debug, Clone, PartialEq)]
pub struct RunProgress {
    pub stage: String,
    pub done: usize,
    pub total: usize,
    pub elapsed_seconds: f64,
}

impl RunProgress {
    /// "cross-validation fold 3 of 5 · 4.2 s · about 2.8 s left"
    pub fn text(&self) -> String {
        let left = (self.done > 0 && self.done < self.total).then(|| {
            let per_step = self.elapsed_seconds / self.done as f64;
            format!(" · about {:.1} s left in this stage", per_step * (self.total - self.done) as f64)
        });
        format!(
            "{} {} of {} · {:.1} s{}",
            self.stage,
            self.done,
            self.total,
            self.elapsed_seconds,
            left.unwrap_or_default()
        )
    }
}

thread_local! {
    static BRIDGE: RefCell<Option<PipelineBridge>> = const { RefCell::new(None) };
}

/// All the page's state, `Copy` so closures can take it freely.
#[derive(Clone, Copy)]
pub struct AppState {
    /// The name of the file loaded last.
    pub file: RwSignal<Option<String>>,
    pub inspection: RwSignal<Option<Arc<Inspection>>>,
    pub target: RwSignal<String>,
    pub outcome: RwSignal<Option<Arc<TrainOutcome>>>,
    pub busy: RwSignal<Busy>,
    pub error: RwSignal<Option<String>>,
    /// A neutral message, such as "reading was cancelled".
    pub notice: RwSignal<Option<String>>,
    /// How to read the file, including column kinds the person set.
    pub read: RwSignal<ReadOptions>,
    /// Roles the person set, by column: true = feature, false = ignore.
    pub roles: RwSignal<BTreeMap<String, bool>>,
    /// The model to train, by name, and the folds of cross-validation (0 = none).
    pub model: RwSignal<String>,
    pub cv_folds: RwSignal<usize>,
    /// Weigh classes inversely to their frequency.
    pub balanced: RwSignal<bool>,
    /// Validate in time order on this column ("" = no).
    pub time_column: RwSignal<String>,
    /// Hyper-parameter search: "", "random", "tpe" or "both".
    pub search: RwSignal<String>,
    /// The transformed matrix's first rows, when asked for.
    pub feature_preview: RwSignal<Option<Arc<FeaturePreview>>>,
    /// The last comparison of models, best first.
    pub leaderboard: RwSignal<Option<Arc<Vec<LeaderboardEntry>>>>,
    /// The running training or comparison's progress.
    pub run_progress: RwSignal<Option<RunProgress>>,
    /// The feature pipeline the person set up.
    pub features: RwSignal<FeatureSpec>,
    /// Workers for work that splits into jobs (comparing models).
    pub workers: RwSignal<usize>,
    /// How long the file took to read, shown beside its size.
    pub read_stats: RwSignal<Option<loading::ReadStats>>,
}

impl AppState {
    fn new() -> Self {
        AppState {
            file: RwSignal::new(None),
            inspection: RwSignal::new(None),
            target: RwSignal::new(String::new()),
            outcome: RwSignal::new(None),
            busy: RwSignal::new(Busy::Idle),
            error: RwSignal::new(None),
            notice: RwSignal::new(None),
            read: RwSignal::new(ReadOptions::default()),
            roles: RwSignal::new(BTreeMap::new()),
            model: RwSignal::new("logistic_regression".to_string()),
            cv_folds: RwSignal::new(5),
            balanced: RwSignal::new(false),
            time_column: RwSignal::new(String::new()),
            search: RwSignal::new(String::new()),
            leaderboard: RwSignal::new(None),
            feature_preview: RwSignal::new(None),
            run_progress: RwSignal::new(None),
            features: RwSignal::new(FeatureSpec::default()),
            workers: RwSignal::new(pool::suggested_workers()),
            read_stats: RwSignal::new(None),
        }
    }

    fn on_response(self, response: Response) {
        let for_pool = match response {
            Response::Working { .. } => pool::running(),
            Response::JobScores(_) | Response::TrialScores(_) | Response::Trees(_) => true,
            Response::Failed { .. } => pool::owes_main(),
            _ => false,
        };
        if for_pool {
            return pool::on_main_response(self, response);
        }
        if !matches!(
            response,
            Response::Progress { .. }
                | Response::Working { .. }
                | Response::Split(_)
                | Response::Absorbed { .. }
                | Response::DigestSet
        ) {
            self.busy.set(Busy::Idle);
            self.run_progress.set(None);
        }
        match response {
            Response::Working { stage, done, total, elapsed_seconds } => {
                self.run_progress.set(Some(RunProgress { stage, done, total, elapsed_seconds }))
            }
            Response::Inspected(inspection) => {
                // A re-read after a kind change keeps the target the person chose.
                let target = self.target.get_untracked();
                if !inspection.columns.iter().any(|c| c.name == target) {
                    self.target.set(inspection.suggested_target.clone());
                }
                self.read_stats.set(loading::read_done());
                self.inspection.set(Some(Arc::new(inspection)));
                loading::on_inspected(self);
            }
            Response::Trained(mut outcome) => {
                // A forest grown by the pool: its fit time is the pool's.
                if let Some(seconds) = pool::take_forest_seconds() {
                    outcome.timing.fit_seconds += seconds;
                }
                self.outcome.set(Some(Arc::from(outcome)))
            }
            Response::Leaderboard(board) => self.leaderboard.set(Some(Arc::new(board))),
            Response::FeaturePreview(p) => self.feature_preview.set(Some(Arc::new(p))),
            // Only a pooled run asks for job or trial scores; it is handled above.
            Response::JobScores(_) | Response::TrialScores(_) | Response::Trees(_) => {}
            Response::Progress { bytes_read, rows, memory_bytes } => {
                loading::on_progress(self, bytes_read, rows, memory_bytes)
            }
            Response::Split(spec) => loading::on_split(self, spec),
            Response::DigestSet => {}
            Response::Absorbed { taken, bytes_read, rows } => loading::on_absorbed(self, taken, bytes_read, rows),
            // Only the reader reads parts; its answers go to `loading`.
            Response::PartBegun { .. } | Response::Part(_) | Response::PartSent { .. } => {}
            Response::Cancelled => self.notice.set(Some("Reading was cancelled: load a file to begin again.".into())),
            Response::Failed { message, .. } => {
                loading::abandon(self);
                self.fail(message)
            }
        }
    }

    pub fn fail(self, message: String) {
        self.finish_run();
        self.error.set(Some(message));
    }

    /// A run ended: not busy, no progress bar.
    pub fn finish_run(self) {
        self.busy.set(Busy::Idle);
        self.run_progress.set(None);
    }

    /// Stops a training or comparison run at once. A worker busy computing
    /// reads no messages, so it is terminated, and a fresh worker reads the
    /// file again (the table lived in the old one).
    fn cancel_run(self) {
        browser::terminate_workers();
        BRIDGE.with(|b| *b.borrow_mut() = None);
        loading::reset_reader();
        pool::reset();
        self.busy.set(Busy::Idle);
        self.run_progress.set(None);
        self.notice.set(Some("The run was cancelled.".into()));
        if self.file.get_untracked().is_some() {
            loading::reread(self);
        }
    }

    pub fn send(self, request: Request) {
        let Some(request) = loading::unless_hash_owed(request) else { return };
        BRIDGE.with(|b| {
            if b.borrow().is_none() {
                *b.borrow_mut() = Some(spawn_worker(self));
            }
            if let Some(bridge) = b.borrow().as_ref() {
                bridge.send(request);
            }
        });
    }

    /// A new file replaces everything derived from the old one.
    fn load(self, name: String, source: Source) {
        self.error.set(None);
        self.notice.set(None);
        self.outcome.set(None);
        self.leaderboard.set(None);
        self.feature_preview.set(None);
        self.inspection.set(None);
        self.file.set(Some(name.clone()));
        self.read.set(ReadOptions::default());
        self.roles.set(BTreeMap::new());
        self.target.set(String::new());
        self.time_column.set(String::new());
        loading::load(self, name, source);
    }

    /// Reads the same file again after the person changed how to read it.
    fn set_kind(self, column: String, kind: ColumnKind) {
        self.read.update(|r| {
            r.kinds.insert(column, kind);
        });
        self.outcome.set(None);
        loading::reread(self);
    }

    /// The person's choices as a training spec: target, roles, model, folds.
    fn spec(self) -> TrainSpec {
        let folds = self.cv_folds.get_untracked();
        let roles = self.roles.get_untracked();
        let excluded: Vec<String> = self
            .inspection
            .get_untracked()
            .map(|i| i.columns.iter().filter(|c| c.excluded).map(|c| c.name.clone()).collect())
            .unwrap_or_default();
        let drop = roles.iter().filter(|(_, &feature)| !feature).map(|(c, _)| c.clone()).collect();
        let keep =
            roles.iter().filter(|(c, &feature)| feature && excluded.contains(c)).map(|(c, _)| c.clone()).collect();
        let defaults = TrainSpec::default();
        TrainSpec {
            target: self.target.get_untracked(),
            read: self.read.get_untracked(),
            drop,
            keep,
            model: ModelSpec::by_name(&self.model.get_untracked(), defaults.seed).unwrap_or_default(),
            cv: (folds > 1).then_some(folds),
            balanced: self.balanced.get_untracked(),
            time_column: Some(self.time_column.get_untracked()).filter(|c| !c.is_empty()),
            features: self.features.get_untracked(),
            search: match self.search.get_untracked().as_str() {
                "random" => vec![Sampler::Random],
                "tpe" => vec![Sampler::Tpe],
                "both" => vec![Sampler::Random, Sampler::Tpe],
                _ => Vec::new(),
            },
            ..defaults
        }
    }

    fn train(self) {
        self.error.set(None);
        self.notice.set(None);
        self.outcome.set(None);
        let spec = self.spec();
        self.busy.set(Busy::Training(format!(
            "Training {} to predict {}{}…",
            spec.model.name().replace('_', " "),
            spec.target,
            spec.cv.map(|k| format!(", with {k}-fold cross-validation")).unwrap_or_default()
        )));
        pool::train(self, spec, self.workers.get_untracked());
    }

    /// Shows the feature matrix the model would get.
    fn preview_features(self) {
        self.error.set(None);
        self.busy.set(Busy::Training("Preparing the feature preview…".into()));
        self.send(Request::PreviewFeatures { spec: self.spec() });
    }

    /// Cross-validates every model on the same folds and shows the ranking.
    fn compare(self) {
        self.error.set(None);
        self.notice.set(None);
        let spec = self.spec();
        let folds = spec.cv.unwrap_or(5);
        let workers = self.workers.get_untracked();
        self.busy.set(Busy::Training(format!(
            "Comparing {} models with {folds}-fold cross-validation on {workers} worker{}…",
            MODEL_NAMES.len(),
            if workers == 1 { "" } else { "s" }
        )));
        let models = MODEL_NAMES.iter().map(|m| m.to_string()).collect();
        pool::compare(self, spec, models, folds, workers);
    }
}

fn spawn_worker(state: AppState) -> PipelineBridge {
    PipelineBridge::spawn(
        "./worker.js",
        move |response| state.on_response(response),
        move |panic| {
            state.fail(format!(
                "the computation stopped unexpectedly ({panic}). This is a bug in Glassbox, not in your data; a fresh worker has been started and reads your file again, so you can try again"
            ));
            // Replace the dead worker after this callback returns: the callback
            // belongs to the bridge being dropped. The new worker has no table yet.
            pool::reset();
            spawn_local(async move {
                BRIDGE.with(|b| *b.borrow_mut() = Some(spawn_worker(state)));
                if state.file.get_untracked().is_some() {
                    state.outcome.set(None);
                    loading::reread(state);
                }
            });
        },
    )
}

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    // The worker starts with the page, not with the first file: fetching and
    // compiling its wasm took 0.1 s of every first read.
    BRIDGE.with(|b| *b.borrow_mut() = Some(spawn_worker(state)));
    loading::spawn_reader(state);
    view! {
        <header class="top">
            <h1>"Glassbox"</h1>
            <p class="tagline">"Can a model predict this column, how well, and why?"</p>
            <PrivacyIndicator/>
        </header>
        <main>
            <StepRail/>
            <div class="content">
                <ErrorBanner/>
                <DataStep/>
                <StatusLine/>
                <Results/>
            </div>
        </main>
    }
}

/// "Nothing has left this site", checked every two seconds against the
/// browser's record of loaded resources.
#[component]
fn PrivacyIndicator() -> impl IntoView {
    let offsite = RwSignal::new(browser::offsite_requests());
    // The page lives as long as the tab, so the interval is never cleared.
    let _ =
        set_interval_with_handle(move || offsite.set(browser::offsite_requests()), std::time::Duration::from_secs(2));
    view! {
        <p class="privacy" class:leak={move || offsite.get() > 0} data-testid="privacy"
            title="Glassbox runs entirely in this tab: your files are read locally and never sent anywhere. This counts every request the page has made to another site since it loaded.">
            {move || match offsite.get() {
                0 => "Runs in your browser: no request has left this site".to_string(),
                n => format!("{n} requests went to other sites"),
            }}
        </p>
    }
}

#[component]
fn StepRail() -> impl IntoView {
    let state = expect_context::<AppState>();
    let step = move |name: &'static str, done: Signal<bool>| {
        view! { <li class:done=move || done.get()>{name}</li> }
    };
    let has_data = Signal::derive(move || state.inspection.with(Option::is_some));
    let trained = Signal::derive(move || state.outcome.with(Option::is_some));
    view! {
        <nav class="rail" aria-label="Steps">
            <ol>
                {step("Data", has_data)}
                {step("Train", trained)}
                {step("Evaluate", trained)}
                {step("Export", trained)}
            </ol>
        </nav>
    }
}

#[component]
fn ErrorBanner() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <Show when=move || state.error.with(Option::is_some)>
            <div class="error" role="alert" data-testid="error">
                <strong>"Something went wrong: "</strong>
                {move || state.error.get().unwrap_or_default()}
                <button class="link" on:click=move |_| state.error.set(None)>"Dismiss"</button>
            </div>
        </Show>
    }
}

#[component]
fn StatusLine() -> impl IntoView {
    let state = expect_context::<AppState>();
    let text = move || match state.busy.get() {
        Busy::Idle => match (state.outcome.with(Option::is_some), state.inspection.with(Option::is_some)) {
            (true, _) => "Done. Results below.".to_string(),
            (false, true) => "Ready: pick the target column and train.".to_string(),
            _ => state.notice.get().unwrap_or_else(|| "Load a CSV to begin.".to_string()),
        },
        Busy::Loading(what) => format!("Loading {what}…"),
        Busy::Reading(p) => format!("Reading {}…", p.name),
        Busy::Training(what) => what,
    };
    let idle_notice = move || {
        (state.busy.get() == Busy::Idle && state.inspection.with(Option::is_some))
            .then(|| state.notice.get())
            .flatten()
            .map(|n| view! { <p class="notice" data-testid="notice">{n}</p> })
    };
    view! {
        <div class="status" data-testid="status" role="status" aria-live="polite">
            <Show when=move || state.busy.get() != Busy::Idle>
                <span class="spinner" aria-hidden="true"></span>
            </Show>
            {text}
        </div>
        {move || match state.busy.get() {
            Busy::Reading(p) => Some(view! {
                <div class="progress" data-testid="progress">
                    <progress max=p.total.max(1) as f64 value=p.bytes_read as f64></progress>
                    <span class="progress-text" data-testid="progress-text" data-bytes=p.bytes_read data-memory=p.memory_bytes>{p.text()}</span>
                    <button data-testid="cancel-button" on:click=move |_| loading::cancel(state)>"Cancel"</button>
                </div>
            }.into_any()),
            Busy::Training(_) => Some(view! {
                <div class="progress" data-testid="progress">
                    {move || state.run_progress.get().map_or_else(
                        || view! { <progress></progress><span class="progress-text" data-testid="progress-text">"starting…"</span> }.into_any(),
                        |p| view! {
                            <progress max=p.total.max(1) as f64 value=p.done as f64></progress>
                            <span class="progress-text" data-testid="progress-text" data-done=p.done data-total=p.total>{p.text()}</span>
                        }.into_any(),
                    )}
                    <button data-testid="cancel-button" on:click=move |_| state.cancel_run()>"Cancel"</button>
                </div>
            }.into_any()),
            _ => None,
        }}
        {idle_notice}
    }
}

#[component]
fn DataStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    let busy = move || state.busy.get() != Busy::Idle;
    let dragging = RwSignal::new(false);

    let load_file = move |file: web_sys::File| state.load(file.name(), Source::File(file));
    let on_pick = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            load_file(file);
        }
        // Clear the input so picking the same file again still fires a change.
        input.set_value("");
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = ev.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
            load_file(file);
        }
    };
    let load_sample = move |file: &'static str| {
        state.busy.set(Busy::Loading(file.to_string()));
        spawn_local(async move {
            match browser::fetch_sample(&format!("samples/{file}")).await {
                Ok(bytes) => state.load(file.to_string(), Source::Bytes(std::rc::Rc::new(bytes))),
                Err(e) => state.fail(e),
            }
        });
    };

    view! {
        <section class="card-section" aria-labelledby="data-h">
            <h2 id="data-h">"1. Data"</h2>
            <div
                class="dropzone"
                class:dragging=move || dragging.get()
                on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
            >
                <label class="file-label">
                    "Drop a CSV here, or "
                    <input type="file" accept=".csv,text/csv" data-testid="csv-input" on:change=on_pick disabled=busy/>
                </label>
                <div class="samples">
                    "or try a sample: "
                    {SAMPLES.iter().map(|&(id, file, title)| view! {
                        <button
                            data-testid=format!("sample-{id}")
                            title=title
                            disabled=busy
                            on:click=move |_| load_sample(file)
                        >{file}</button>
                    }).collect_view()}
                </div>
            </div>
            {move || state.inspection.get().map(|i| view! { <Preview inspection=i/> })}
        </section>
    }
}

#[component]
fn Preview(inspection: Arc<Inspection>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let busy = move || state.busy.get() != Busy::Idle;
    let file_name = move || state.file.get().unwrap_or_default();
    let renamed = inspection
        .renamed
        .iter()
        .map(|r| format!("column {} '{}' was renamed to '{}'", r.position, r.original_name, r.name))
        .collect::<Vec<_>>()
        .join("; ");
    let options = inspection
        .columns
        .iter()
        .map(|c| {
            let name = c.name.clone();
            let selected = name == inspection.suggested_target;
            view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
        })
        .collect_view();
    let header = inspection
        .columns
        .iter()
        .map(|c| {
            view! {
                <th scope="col">
                    <span class="colname">{c.name.clone()}</span>
                    <span class="coltype">{c.kind.as_str()}</span>
                    <span class="colmissing" class:has-missing={c.missing > 0}>{format!("{} missing", c.missing)}</span>
                </th>
            }
        })
        .collect_view();
    let kinds: Vec<bool> =
        inspection.columns.iter().map(|c| c.kind == glassbox_pipeline::ingest::ColumnKind::Numeric).collect();
    let rows = inspection.preview.iter().map(|row| {
        let cells = row.iter().zip(&kinds).map(|(cell, &numeric)| {
            view! { <td class:num=numeric class:missing=cell.is_empty()>{if cell.is_empty() { "—".to_string() } else { cell.clone() }}</td> }
        }).collect_view();
        view! { <tr>{cells}</tr> }
    }).collect_view();
    view! {
        <div class="preview">
            <p class="muted">
                {file_name} ": " {inspection.n_rows} " rows × " {inspection.columns.len()} " columns."
                {move || state.read_stats.get().map(|r| view! {
                    " " <span data-testid="read-stats" data-seconds=r.seconds.to_string()>{format!("({})", r.text())}</span>
                })}
            </p>
            <Show when={let r = renamed.clone(); move || !r.is_empty()}>
                <p class="note">"Note: " {renamed.clone()}</p>
            </Show>
            <SchemaPanel inspection=inspection.clone()/>
            <h3>{format!("First {} rows", inspection.preview.len())}</h3>
            <div class="table-scroll"><table class="grid" data-testid="preview"><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table></div>
            <div class="train-row">
                <label>"Target column to predict "
                    <select data-testid="target-select" prop:value=move || state.target.get()
                        on:change=move |ev| state.target.set(event_target_value(&ev)) disabled=busy>
                        {options}
                    </select>
                </label>
                <button class="primary" data-testid="train-button"
                    disabled=move || busy() || state.target.with(String::is_empty) on:click=move |_| state.train()>
                    "Train"
                </button>
                <label>"Model "
                    <select data-testid="model-select" prop:value=move || state.model.get()
                        on:change=move |ev| state.model.set(event_target_value(&ev)) disabled=busy>
                        {MODEL_NAMES.iter().map(|m| view! { <option value=*m>{m.replace('_', " ")}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Cross-validation "
                    <select data-testid="cv-folds" prop:value=move || state.cv_folds.get().to_string()
                        on:change=move |ev| state.cv_folds.set(event_target_value(&ev).parse().unwrap_or(0)) disabled=busy>
                        <option value="0">"none"</option>
                        <option value="5">"5 folds"</option>
                        <option value="10">"10 folds"</option>
                    </select>
                </label>
                <label title="Try 20 settings of the model's hyper-parameters per sampler, scored by cross-validation on the training rows, and train with the best">"Search "
                    <select data-testid="search-sampler" prop:value=move || state.search.get()
                        on:change=move |ev| state.search.set(event_target_value(&ev)) disabled=busy>
                        <option value="">"none"</option>
                        <option value="random">"random, 20 trials"</option>
                        <option value="tpe">"TPE, 20 trials"</option>
                        <option value="both">"random and TPE, 20 trials each"</option>
                    </select>
                </label>
                <label title="Weigh each class inversely to its frequency, so rare classes count as much as common ones (logistic regression and trees)">
                    <input type="checkbox" data-testid="class-weight" prop:checked=move || state.balanced.get()
                        on:change=move |ev| state.balanced.set(event_target_checked(&ev)) disabled=busy/>
                    " balanced class weights"
                </label>
                {
                    let dates: Vec<String> = inspection.columns.iter().filter(|c| c.kind == ColumnKind::Datetime).map(|c| c.name.clone()).collect();
                    (!dates.is_empty()).then(|| view! {
                        <label title="Also train on the past and score the next period, window by window">"Validate in time order on "
                            <select data-testid="time-column" prop:value=move || state.time_column.get()
                                on:change=move |ev| state.time_column.set(event_target_value(&ev)) disabled=busy>
                                <option value="">"(none)"</option>
                                {dates.into_iter().map(|d| view! { <option value=d.clone()>{d.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                    })
                }
                <FeatureOptions/>
                <button data-testid="preview-features-button"
                    disabled=move || busy() || state.target.with(String::is_empty) on:click=move |_| state.preview_features()>
                    "Preview features"
                </button>
                <label title="Web Workers that share the reading of a large file and the jobs of a comparison or a search (the results do not depend on it)">"workers "
                    <select data-testid="workers" prop:value=move || state.workers.get().to_string()
                        on:change=move |ev| state.workers.set(event_target_value(&ev).parse().unwrap_or(1)) disabled=busy>
                        {(1..=pool::MAX_WORKERS).map(|n| view! { <option value=n.to_string()>{n}</option> }).collect_view()}
                    </select>
                </label>
                <button data-testid="compare-button"
                    disabled=move || busy() || state.target.with(String::is_empty) on:click=move |_| state.compare()>
                    "Compare all models"
                </button>
                <span class="muted">"stratified 80/20 split, seed 42"</span>
            </div>
            <FeaturePreviewTable/>
            <Leaderboard/>
        </div>
    }
}

/// Every column with its kind and role, which the person can change, its
/// missing and distinct counts, and the flags that explain a default; then the
/// rows that could not be read.
#[component]
fn SchemaPanel(inspection: Arc<Inspection>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let busy = move || state.busy.get() != Busy::Idle;
    let rows = inspection
        .columns
        .iter()
        .map(|c| {
            let name = c.name.clone();
            let excluded = c.excluded;
            let role = Signal::derive({
                let name = name.clone();
                move || {
                    if state.target.with(|t| *t == name) {
                        "target"
                    } else {
                        match state.roles.with(|r| r.get(&name).copied()) {
                            Some(true) => "feature",
                            Some(false) => "ignore",
                            None if excluded => "ignore",
                            None => "feature",
                        }
                    }
                }
            });
            let on_role = {
                let name = name.clone();
                move |ev: leptos::ev::Event| {
                    let value = event_target_value(&ev);
                    if value == "target" {
                        state.target.set(name.clone());
                        state.roles.update(|r| {
                            r.remove(&name);
                        });
                    } else {
                        if state.target.with_untracked(|t| *t == name) {
                            state.target.set(String::new());
                        }
                        state.roles.update(|r| {
                            r.insert(name.clone(), value == "feature");
                        });
                    }
                }
            };
            let on_kind = {
                let name = name.clone();
                move |ev: leptos::ev::Event| {
                    if let Some(kind) = ColumnKind::parse(&event_target_value(&ev)) {
                        state.set_kind(name.clone(), kind);
                    }
                }
            };
            let kind = c.kind.as_str();
            let notes: Vec<String> = c.flags.iter().map(|f| f.reason.clone()).collect();
            let distribution = if !c.histogram.is_empty() {
                let (lo, hi) = c.range.unwrap_or_default();
                let svg = glassbox_charts::mini_histogram_svg(&c.histogram);
                let title = format!("{} … {}", short_number(lo), short_number(hi));
                view! { <span class="dist" title=title.clone() inner_html=svg></span><span class="range">{title}</span> }.into_any()
            } else {
                let top = c.top.iter().map(|(v, n)| format!("{v} {n}")).collect::<Vec<_>>().join(" · ");
                view! { <span class="top">{top}</span> }.into_any()
            };
            let original = (c.original_name != c.name).then(|| format!("“{}”", c.original_name));
            view! {
                <tr class:excluded=move || role.get() == "ignore">
                    <th scope="row">{name.clone()}<span class="original">{original}</span></th>
                    <td>
                        <select data-testid=format!("column-kind-{name}") aria-label=format!("kind of {name}")
                            prop:value=kind on:change=on_kind disabled=busy>
                            <option value="numeric" selected=kind == "numeric">"numeric"</option>
                            <option value="categorical" selected=kind == "categorical">"categorical"</option>
                            <option value="boolean" selected=kind == "boolean">"boolean"</option>
                            <option value="datetime" selected=kind == "datetime">"datetime"</option>
                        </select>
                    </td>
                    <td>
                        <select data-testid=format!("column-role-{name}") aria-label=format!("role of {name}")
                            prop:value=role on:change=on_role disabled=busy>
                            <option value="feature">"feature"</option>
                            <option value="target">"target"</option>
                            <option value="ignore">"ignore"</option>
                        </select>
                    </td>
                    <td class="num">{c.missing}</td>
                    <td class="num">{c.distinct}</td>
                    <td class="distribution">{distribution}</td>
                    <td class="notes">{notes.join("; ")}</td>
                </tr>
            }
        })
        .collect_view();
    let f = &inspection.format;
    let format = format!("Read as {}.", f.describe());
    let has_dates = inspection.columns.iter().any(|c| c.kind == ColumnKind::Datetime);
    let format = if has_dates {
        format!("{format} Date-times without an offset are read in {} and stored as UTC.", f.timezone)
    } else {
        format
    };
    let issues = inspection.row_issues.clone();
    let n_issues = issues.len();
    let flagged = inspection.columns.iter().filter(|c| !c.flags.is_empty()).count();
    let balance_target = inspection.suggested_target.clone();
    let total: usize = inspection.class_balance.iter().map(|(_, n)| n).sum();
    let balance = inspection
        .class_balance
        .iter()
        .map(|(c, n)| format!("{c} {n} ({:.1}%)", 100.0 * *n as f64 / total.max(1) as f64))
        .collect::<Vec<_>>()
        .join(", ");
    let duplicates = inspection.duplicate_rows;
    let quality = move || {
        let mut parts = vec![
            format!("{duplicates} duplicate row{}", if duplicates == 1 { "" } else { "s" }),
            format!("{flagged} flagged column{}", if flagged == 1 { "" } else { "s" }),
        ];
        if !balance.is_empty() && state.target.with(|t| *t == balance_target) {
            parts.push(format!("classes of {balance_target}: {balance}"));
        }
        format!("Data quality: {}.", parts.join(" · "))
    };
    let ambiguous_dates = inspection
        .columns
        .iter()
        .any(|c| c.flags.iter().any(|f| f.kind == glassbox_pipeline::quality::FlagKind::DateOrder));
    let date_controls = has_dates.then(|| view! { <DateControls ambiguous=ambiguous_dates/> });
    view! {
        <p class="muted" data-testid="format">{format}</p>
        {date_controls}
        <p class="muted" data-testid="quality-summary">{quality}</p>
        <Show when=move || { n_issues > 0 }>
            <details class="row-issues" data-testid="row-issues" open=n_issues <= 5>
                <summary>{format!("{n_issues} row{} could not be read and {} skipped", if n_issues == 1 { "" } else { "s" }, if n_issues == 1 { "is" } else { "are" })}</summary>
                <ul>{issues.iter().take(50).map(|i| view! { <li>{i.message.clone()}</li> }).collect_view()}</ul>
            </details>
        </Show>
        <h3>"Columns"</h3>
        <div class="table-scroll">
            <table class="grid schema" data-testid="schema-panel">
                <thead><tr><th scope="col">"column"</th><th scope="col">"kind"</th><th scope="col">"role"</th>
                    <th scope="col">"missing"</th><th scope="col">"distinct"</th><th scope="col">"distribution"</th><th scope="col">"notes"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// The feature pipeline's settings: imputation, scaling, bins, category
/// encoding and date parts. Each change updates the spec the next run uses.
#[component]
fn FeatureOptions() -> impl IntoView {
    let state = expect_context::<AppState>();
    let busy = move || state.busy.get() != Busy::Idle;
    let problem = RwSignal::new(None::<String>);
    let update = move |f: &dyn Fn(&mut FeatureSpec)| {
        state.features.update(|s| f(s));
        state.feature_preview.set(None);
    };
    let on_impute = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        match Impute::parse(&v) {
            Ok(i) => {
                problem.set(None);
                update(&|s| s.impute = i);
            }
            Err(e) => problem.set(Some(e.to_string())),
        }
    };
    let on_bins = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        let parsed = text
            .split(';')
            .filter(|b| !b.trim().is_empty())
            .map(Binning::parse)
            .collect::<Result<BTreeMap<_, _>, _>>()
            .and_then(|bins| {
                let spec = FeatureSpec { bins: bins.clone(), ..FeatureSpec::default() };
                spec.validate().map(|()| bins)
            });
        match parsed {
            Ok(bins) => {
                problem.set(None);
                update(&|s| s.bins = bins.clone());
            }
            Err(e) => problem.set(Some(e.to_string())),
        }
    };
    let scale_value = move || state.features.get().scale.as_str();
    let part_box = move |p: DatePart| {
        let checked = move || {
            let parts = state.features.get().date_parts;
            parts.is_none_or(|ps| ps.contains(&p))
        };
        let on_change = move |ev: leptos::ev::Event| {
            let on = event_target_checked(&ev);
            update(&|s| {
                let mut parts = s.date_parts.clone().unwrap_or_else(|| DatePart::ALL.to_vec());
                parts.retain(|x| *x != p);
                if on {
                    parts.push(p);
                    parts.sort();
                }
                s.date_parts = Some(parts);
            });
        };
        view! {
            <label><input type="checkbox" data-testid=format!("date-part-{}", p.as_str()) prop:checked=checked on:change=on_change disabled=busy/>{format!(" {}", p.as_str().replace('_', " "))}</label>
        }
    };
    view! {
        <details class="feature-options" data-testid="feature-options">
            <summary>"Feature pipeline: " {move || state.features.get().text()}</summary>
            <div class="controls">
                <label>"Numbers: fill gaps with "
                    <select data-testid="impute-select" on:change=on_impute disabled=busy>
                        <option value="median">"median"</option>
                        <option value="mean">"mean"</option>
                        <option value="constant:0">"constant 0"</option>
                    </select>
                </label>
                <label title="Add a column that is 1 where the value was missing">
                    <input type="checkbox" data-testid="missing-indicator" prop:checked=move || state.features.get().missing_indicator
                        on:change=move |ev| { let on = event_target_checked(&ev); update(&|s| s.missing_indicator = on) } disabled=busy/>
                    " missing indicator"
                </label>
                <label>"scale "
                    <select data-testid="scale-select" prop:value=scale_value
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            if let Ok(scale) = Scale::parse(&v) { update(&|s| s.scale = scale) }
                        } disabled=busy>
                        <option value="standard">"standard"</option>
                        <option value="minmax">"min-max"</option>
                        <option value="robust">"robust (median, IQR)"</option>
                        <option value="none">"none"</option>
                    </select>
                </label>
                <label title="Cut numeric columns into bins: age=0,18,35,65,100 or fare=quantile:4 or fare=uniform:5, separated by ;">"bins "
                    <input type="text" data-testid="bins-input" placeholder="age=0,18,35,65,100; fare=quantile:4" on:change=on_bins disabled=busy/>
                </label>
            </div>
            <div class="controls">
                <label>"Categories: "
                    <select data-testid="encoding-select"
                        on:change=move |ev| { let ordinal = event_target_value(&ev) == "ordinal"; update(&|s| s.encoding = if ordinal { Encoding::Ordinal } else { Encoding::OneHot }) } disabled=busy>
                        <option value="one_hot">"one-hot"</option>
                        <option value="ordinal">"ordinal codes"</option>
                    </select>
                </label>
                <label><input type="checkbox" data-testid="drop-first" prop:checked=move || state.features.get().drop_first
                    on:change=move |ev| { let on = event_target_checked(&ev); update(&|s| s.drop_first = on) } disabled=busy/>" drop first level"</label>
                <label title="Levels with fewer training rows share one 'other' column">"rarer than "
                    <input type="number" min="0" class="narrow" data-testid="min-frequency" prop:value=move || state.features.get().min_frequency.to_string()
                        on:change=move |ev| { let n = event_target_value(&ev).parse().unwrap_or(0); update(&|s| s.min_frequency = n) } disabled=busy/>
                    " rows → other"
                </label>
                <label title="Keep only the most frequent levels; the rest share one 'other' column">"at most "
                    <input type="number" min="1" class="narrow" data-testid="max-levels" placeholder="all"
                        on:change=move |ev| { let n = event_target_value(&ev).parse().ok().filter(|&n: &usize| n > 0); update(&|s| s.max_levels = n) } disabled=busy/>
                    " levels"
                </label>
            </div>
            {move || {
                let has_dates = state.inspection.with(|i| i.as_ref().is_some_and(|i| i.columns.iter().any(|c| c.kind == ColumnKind::Datetime)));
                has_dates.then(|| view! { <div class="controls">"Dates: " {DatePart::ALL.into_iter().map(part_box).collect_view()}</div> })
            }}
            {move || problem.get().map(|p| view! { <p class="error-inline" data-testid="feature-options-error">{p}</p> })}
        </details>
    }
}

/// The transformed matrix: feature names as columns, the first training rows.
#[component]
fn FeaturePreviewTable() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        state.feature_preview.get().map(|p| {
            let header = p.names.iter().map(|n| view! { <th scope="col">{n.clone()}</th> }).collect_view();
            let rows = p
                .rows
                .iter()
                .zip(&p.records)
                .map(|(r, rec)| {
                    let cells = r.iter().map(|v| view! { <td class="num">{format!("{v:.3}")}</td> }).collect_view();
                    view! { <tr><td class="num">{*rec}</td>{cells}</tr> }
                })
                .collect_view();
            view! {
                <h3>{format!("Features the model sees ({} columns)", p.names.len())}</h3>
                <p class="muted">{format!("Fitted on the training rows: {}.", p.preprocessing)}</p>
                <div class="table-scroll">
                    <table class="grid" data-testid="feature-preview">
                        <thead><tr><th scope="col">"row"</th>{header}</tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
        })
    }
}

/// Models ranked by cross-validated scores on the training rows; the person
/// sorts by any column and picks the model to train.
#[component]
fn Leaderboard() -> impl IntoView {
    let state = expect_context::<AppState>();
    let sort = RwSignal::new("roc_auc".to_string());
    move || {
        state.leaderboard.get().map(|board| {
            let key = sort.get();
            let mut rows: Vec<LeaderboardEntry> = board.as_ref().clone();
            // Log loss and time: lower is better; the scores: higher is better.
            let value = |e: &LeaderboardEntry| match key.as_str() {
                "fit_seconds" => -e.fit_seconds,
                "predict_seconds" => -e.predict_seconds,
                "log_loss" => -e.cv["log_loss"].mean,
                k => e.cv[k].mean,
            };
            rows.sort_by(|a, b| value(b).total_cmp(&value(a)));
            let baseline = board.iter().find(|e| e.model == "baseline_most_frequent").map(|e| e.cv["roc_auc"].mean);
            let header = [("roc_auc", "ROC AUC"), ("accuracy", "accuracy"), ("f1_macro", "F1 (macro)"), ("log_loss", "log loss"), ("fit_seconds", "fit s"), ("predict_seconds", "predict s")]
                .into_iter()
                .map(|(k, label)| {
                    let active = key == k;
                    view! {
                        <th scope="col" class:sorted=active>
                            <button class="link" on:click=move |_| sort.set(k.to_string())>{label}{if active { " ▾" } else { "" }}</button>
                        </th>
                    }
                })
                .collect_view();
            let body = rows
                .into_iter()
                .map(|e| {
                    let cell = |m: &str| format!("{:.4} ± {:.4}", e.cv[m].mean, e.cv[m].std);
                    let beats = baseline.is_none_or(|b| e.cv["roc_auc"].mean > b + 1e-9);
                    let name = e.model.clone();
                    let pick = name.clone();
                    view! {
                        <tr data-testid=format!("leaderboard-row-{name}") class:below-baseline=!beats>
                            <th scope="row">{name.replace('_', " ")}<span class="params">{e.params.clone()}</span></th>
                            <td class="num">{cell("roc_auc")}</td>
                            <td class="num">{cell("accuracy")}</td>
                            <td class="num">{cell("f1_macro")}</td>
                            <td class="num">{cell("log_loss")}</td>
                            <td class="num">{format!("{:.3}", e.fit_seconds)}</td>
                            <td class="num">{format!("{:.3}", e.predict_seconds)}</td>
                            <td>{if beats { "" } else { "no better than the baseline" }}</td>
                            <td><button on:click=move |_| state.model.set(pick.clone())>"Use"</button></td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <h3>"Model comparison"</h3>
                <p class="muted">"Cross-validated on the training rows only; the held-out test set is not used until you train."</p>
                <div class="table-scroll">
                    <table class="grid leaderboard" data-testid="leaderboard">
                        <thead><tr><th scope="col">"model"</th>{header}<th></th><th></th></tr></thead>
                        <tbody>{body}</tbody>
                    </table>
                </div>
            }
        })
    }
}

/// Zones offered for naive date-times; any IANA name works in the CLI.
const ZONES: [&str; 14] = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Africa/Johannesburg",
];

/// How to read date-times: the zone of times without an offset, and, when
/// the data cannot tell, whether 03/04/2024 is 3 April or 4 March.
#[component]
fn DateControls(ambiguous: bool) -> impl IntoView {
    let state = expect_context::<AppState>();
    let busy = move || state.busy.get() != Busy::Idle;
    let zone = move || state.read.with(|r| r.timezone.clone().unwrap_or_else(|| "UTC".into()));
    let order = move || match state.read.with(|r| r.date_order) {
        Some(DateOrder::Mdy) => "mdy",
        _ => "dmy",
    };
    let set_zone = move |ev: leptos::ev::Event| {
        let z = event_target_value(&ev);
        state.read.update(|r| r.timezone = Some(z));
        state.outcome.set(None);
        loading::reread(state);
    };
    let set_order = move |ev: leptos::ev::Event| {
        let o = DateOrder::parse(&event_target_value(&ev));
        state.read.update(|r| r.date_order = o);
        state.outcome.set(None);
        loading::reread(state);
    };
    view! {
        <div class="date-controls">
            <label>"Times without an offset are in "
                <select data-testid="timezone" prop:value=zone on:change=set_zone disabled=busy>
                    {ZONES.iter().map(|z| view! { <option value=*z>{*z}</option> }).collect_view()}
                </select>
            </label>
            <Show when=move || ambiguous || state.read.with(|r| r.date_order.is_some())>
                <label class="ask">"Dates like 03/04/2024 are "
                    <select data-testid="date-order" prop:value=order on:change=set_order disabled=busy>
                        <option value="dmy">"day first (3 April)"</option>
                        <option value="mdy">"month first (4 March)"</option>
                    </select>
                </label>
            </Show>
        </div>
    }
}

/// A number short enough for a table cell: 1234.5678 → "1234.57", 0.000123 → "1.23e-4".
fn short_number(v: f64) -> String {
    if v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e7) {
        format!("{v:.2e}")
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The element an event fired on, as the type the handler expects.
fn event_target<T: JsCast>(ev: &leptos::ev::Event) -> T {
    ev.target().expect("events from the page have a target").unchecked_into()
}
