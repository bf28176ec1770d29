//! What the results of both tasks show alike: the validation tables and the
//! PDF download. Here, not in either page, so the two pages name only this
//! and never each other.

use glassbox_pipeline::TrainOutcome;
use leptos::prelude::*;

use crate::browser;
use crate::state::AppState;

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
    view! {
        {glassbox_report::search_html(outcome).map(|s| view! {
            <h3>"Hyper-parameter search"</h3>
            <div class="table-scroll chart" tabindex="0" role="region" aria-label="hyper-parameter search" inner_html=s></div>
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
