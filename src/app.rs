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
use crate::pages::STEPS;
use crate::state::AppState;

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
                <Results/>
                <PredictStep/>
                <MonitorStep/>
            </div>
        </main>
    }
}

/// "Nothing has left this site", checked every two seconds against the
/// browser's record of loaded resources. The record also holds requests the
/// content policy refused (an image beacon, say), and a refused request
/// cannot be told from an opaque one that went, so both count: the
/// indicator errs on the side of warning.
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
                n => format!("{n} requests to other sites were made or tried"),
            }}
        </p>
    }
}

/// The steps as links to their sections, named as the sections' headings
/// are; a step is marked done when it has something to show.
#[component]
fn StepRail() -> impl IntoView {
    let state = expect_context::<AppState>();
    let has_data = Signal::derive(move || state.inspection.with(Option::is_some));
    let trained = Signal::derive(move || state.outcome.with(Option::is_some));
    let done = [has_data, trained, trained, trained, trained];
    view! {
        <nav class="rail" aria-label="Steps">
            <ol>
                {STEPS.iter().zip(done).map(|(&(id, heading), done)| view! {
                    <li class:done=move || done.get()>
                        <a href=format!("#{id}") data-testid=format!("rail-{id}")>{heading}</a>
                    </li>
                }).collect_view()}
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
