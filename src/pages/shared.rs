//! What the results of both tasks show alike: the validation tables, the
//! PDF and ONNX downloads and what keeps a model from ONNX. Here, not in either page, so the two pages name only this
//! and never each other.

use glassbox_pipeline::TrainOutcome;
use leptos::prelude::*;

use crate::browser;
use crate::state::AppState;

/// Downloads `model` as `model.onnx`; a failure is the page's error.
pub fn download_onnx(state: AppState, model: &glassbox_pipeline::ModelFile) {
    let made = glassbox_onnx::export(model)
        .map_err(|e| e.to_string())
        .and_then(|bytes| browser::download_bytes("model.onnx", "application/octet-stream", &bytes));
    if let Err(e) = made {
        state.error.set(Some(e));
    }
}

/// The buttons for the run's `recipe.json` and `metrics.json`, the files
/// `glassbox train` writes beside `model.json`; `at` gives the outcome at the
/// operating point the person chose, as the other exports take it.
pub fn run_files(state: AppState, at: impl Fn() -> TrainOutcome + Clone + 'static) -> impl IntoView {
    let recipe = {
        let at = at.clone();
        move |_| {
            let made = at()
                .recipe_json()
                .ok_or_else(|| "this model was made without a recipe".to_string())
                .and_then(|json| browser::download("recipe.json", "application/json", &json));
            if let Err(e) = made {
                state.error.set(Some(e));
            }
        }
    };
    let metrics = move |_| {
        if let Err(e) = browser::download("metrics.json", "application/json", &at().metrics_json()) {
            state.error.set(Some(e));
        }
    };
    view! {
        <button data-testid="export-recipe" on:click=recipe
            title="Every choice of this run: drop it on this page with another file, or run glassbox train DATA --recipe recipe.json">"Download recipe.json"</button>
        <button data-testid="export-metrics" on:click=metrics>"Download metrics.json"</button>
    }
}

/// Why `model` cannot be exported to ONNX, said beside the disabled
/// button, with the way out (retraining without the date columns).
pub fn onnx_note(state: AppState, model: &glassbox_pipeline::ModelFile) -> Option<AnyView> {
    glassbox_onnx::obstacle(model).map(|o| match o {
        glassbox_onnx::Obstacle::Calibrated => view! {
            <p class="muted" data-testid="onnx-obstacle">"model.onnx: the export does not write calibrated probabilities yet; train without calibration to export."</p>
        }
        .into_any(),
        glassbox_onnx::Obstacle::Dates(dates) => {
            let names = dates.iter().map(|d| format!("'{d}'")).collect::<Vec<_>>().join(", ");
            view! {
                <p class="muted" data-testid="onnx-obstacle">
                    {format!("model.onnx: ONNX cannot compute the calendar parts of {names} (they need time zones). ")}
                    <button data-testid="retrain-without-dates" on:click=move |_| {
                        state.roles.update(|r| r.extend(dates.iter().map(|d| (d.clone(), false))));
                        state.train();
                    }>{format!("Retrain without {names}")}</button>
                </p>
            }
            .into_any()
        }
    })
}

/// Makes `report.pdf` of `o` in the PDF worker and downloads it, with
/// `making` on meanwhile; a failure is the page's error.
pub fn download_pdf(state: AppState, making: RwSignal<bool>, o: TrainOutcome) {
    making.set(true);
    leptos::task::spawn_local(async move {
        let made =
            browser::make_pdf(&o).await.and_then(|pdf| browser::download_bytes("report.pdf", "application/pdf", &pdf));
        making.set(false);
        if let Err(e) = made {
            state.error.set(Some(e));
        }
    });
}

/// The search, time-ordered validation and cross-validation tables, when
/// they ran: the same for either task (the report words each by its task).
pub fn validation_sections(outcome: &TrainOutcome) -> impl IntoView {
    let state = expect_context::<AppState>();
    // After a search that was not refined: the search's second step, one click away.
    let top =
        outcome.search.param_importance.first().filter(|_| outcome.search.refine.is_none()).map(|p| p.param.clone());
    view! {
        {glassbox_report::search_html(outcome).map(|s| view! {
            <h3>"Hyper-parameter search"</h3>
            <div class="table-scroll chart" tabindex="0" role="region" aria-label="hyper-parameter search" inner_html=s></div>
        })}
        {top.map(|name| view! {
            <p>
                <button data-testid="refine-button" disabled=move || state.busy.get() != crate::state::Busy::Idle
                    title="Train again with the same settings and seed (the same search trials), then score a grid around the best trial over this parameter, every other parameter fixed; the model takes the best of all trials"
                    on:click=move |_| { state.refine.set(true); state.train(); }>
                    {format!("Refine the top parameter ({name})")}
                </button>
            </p>
        })}
        {glassbox_report::time_cv_html(outcome).map(|t| view! {
            <h3>"Validation in time order"</h3>
            <div class="table-scroll" tabindex="0" role="region" aria-label="validation in time order" inner_html=t></div>
        })}
        {glassbox_report::cv_html(outcome).map(|cv| view! {
            <h3>"Cross-validation"</h3>
            <div class="table-scroll" tabindex="0" role="region" aria-label="cross-validation" inner_html=cv></div>
        })}
    }
}
