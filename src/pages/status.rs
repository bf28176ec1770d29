//! The status line: what the app is doing, and the progress of a read or a
//! run with its Cancel.

use leptos::prelude::*;

use crate::state::{AppState, Busy};

/// What the app is doing, with the progress of a read or a run and its
/// Cancel; placed under the Train button, where the person is looking.
#[component]
pub fn StatusLine() -> impl IntoView {
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
                        |p| {
                            let (done, total) = (p.done, p.total);
                            view! {
                                <progress max=total.max(1) as f64 value=done as f64></progress>
                                <span class="progress-text" data-testid="progress-text" data-done=done data-total=total>
                                    {move || p.text(state.now_ms.get())}
                                </span>
                            }
                        }.into_any(),
                    )}
                    <button data-testid="cancel-button" on:click=move |_| state.cancel_run()>
                        {move || if state.explaining.get() { "Stop explaining (keep the model)" } else { "Cancel" }}
                    </button>
                </div>
            }.into_any()),
            _ => None,
        }}
        {idle_notice}
    }
}
