//! The page's shell: the header, the step rail, the error banner and the
//! status line around the pages. The state is in `state`, what actions do
//! in `controller`, the workers in `transport`, the pages in `pages`.

use leptos::prelude::*;

use crate::browser;
use crate::controller;
use crate::pages::data::DataStep;
use crate::pages::monitor::MonitorStep;
use crate::pages::predict::PredictStep;
use crate::pages::results::Results;
use crate::state::{AppState, Busy};

#[component]
pub fn App() -> impl IntoView {
    provide_context(controller::start());
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
                <PredictStep/>
                <MonitorStep/>
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
                {step("Predict", trained)}
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
                    <button data-testid="cancel-button" on:click=move |_| crate::transport::loading::cancel(state)>"Cancel"</button>
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
