//! The operating point of a binary model: a threshold slider, the confusion
//! matrix and scores at it, a cost/benefit matrix with its total, and
//! buttons that jump to the best F1, the least cost or a recall to reach.
//! Everything is computed on this thread from the test rows' probabilities
//! (`glassbox_pipeline::threshold`), with no round trip to a worker; the
//! threshold chosen here goes into the exported `model.json`.

use std::sync::Arc;

use glassbox_pipeline::model_file::Threshold;
use glassbox_pipeline::threshold::{operating_point, Costs, ThresholdRule};
use glassbox_pipeline::TrainOutcome;
use glassbox_report::fmt_metric;
use leptos::prelude::*;

use crate::state::AppState;

#[component]
pub fn OperatingPoint(outcome: Arc<TrainOutcome>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let (positive, score) = outcome.binary_scores();
    let (positive, score) = (Arc::new(positive), Arc::new(score));
    let costs = RwSignal::new(Costs::default());
    let recall_target = RwSignal::new("0.9".to_string());
    let problem = RwSignal::new(None::<String>);
    let current = move || state.threshold.get().map_or(0.5, |t| t.value);
    let point = {
        let (positive, score) = (positive.clone(), score.clone());
        move || operating_point(&positive, &score, current())
    };
    let set = move |value: f64, rule: ThresholdRule| {
        problem.set(None);
        state.threshold.set(Some(Threshold { value, chosen_by: rule.describe() }));
        state.threshold_rule.set(Some(rule));
    };
    let jump = {
        let (positive, score) = (positive.clone(), score.clone());
        move |rule: ThresholdRule| match rule.validated().and_then(|r| r.choose(&positive, &score)) {
            Ok(value) => set(value, rule),
            Err(e) => problem.set(Some(e.to_string())),
        }
    };
    let on_slide = move |ev: leptos::ev::Event| {
        if let Ok(value) = event_target_value(&ev).parse::<f64>() {
            set(value, ThresholdRule::Fixed { value });
        }
    };
    let cost_input = move |cell: &'static str| {
        let get = move || {
            let c = costs.get();
            match cell {
                "tp" => c.tp,
                "fp" => c.fp,
                "fn" => c.fn_,
                _ => c.tn,
            }
        };
        let on_change = move |ev: leptos::ev::Event| match Costs::parse(&format!("{cell}={}", event_target_value(&ev)))
        {
            Ok(one) => costs.update(|c| match cell {
                "tp" => c.tp = one.tp,
                "fp" => c.fp = one.fp,
                "fn" => c.fn_ = one.fn_,
                _ => c.tn = one.tn,
            }),
            Err(e) => problem.set(Some(e.to_string())),
        };
        view! {
            <input type="number" step="any" class="cost" data-testid=format!("cost-{cell}")
                aria-label=format!("cost of a {cell}") prop:value=move || get().to_string() on:change=on_change/>
        }
    };
    let classes = outcome.classes.clone();
    let (neg, pos) = (classes[0].clone(), classes[1].clone());
    let matrix = {
        let point = point.clone();
        move || {
            let p = point();
            view! {
                <table class="cm small" data-testid="threshold-matrix">
                    <thead><tr><th class="axis">"true ↓ / predicted →"</th><th scope="col">{neg.clone()}</th><th scope="col">{pos.clone()}</th></tr></thead>
                    <tbody>
                        <tr><th scope="row">{neg.clone()}</th><td data-testid="threshold-cell-0-0">{p.tn}</td><td data-testid="threshold-cell-0-1">{p.fp}</td></tr>
                        <tr><th scope="row">{pos.clone()}</th><td data-testid="threshold-cell-1-0">{p.fn_}</td><td data-testid="threshold-cell-1-1">{p.tp}</td></tr>
                    </tbody>
                </table>
            }
        }
    };
    let scores = {
        let point = point.clone();
        move || {
            let p = point();
            format!(
                "precision {} · recall {} · F1 {} · accuracy {}",
                fmt_metric(p.precision()),
                fmt_metric(p.recall()),
                fmt_metric(p.f1()),
                fmt_metric(p.accuracy())
            )
        }
    };
    let total = move || format!("{}", costs.get().total(&point()));
    let (jump_f1, jump_cost, jump_recall) = (jump.clone(), jump.clone(), jump);
    view! {
        <div class="operating-point" data-testid="operating-point">
            <p class="muted">{format!(
                "A test row is predicted {} when its probability is at least the threshold. The curves, log loss and calibration do not depend on it; the matrix and the scores below do, and the exported model.json keeps it.",
                classes[1]
            )}</p>
            <label class="slider">"threshold "
                <input type="range" min="0" max="1" step="0.01" data-testid="threshold-slider"
                    prop:value=move || current().to_string() on:input=on_slide/>
                <b data-testid="threshold-value">{move || fmt_metric(current())}</b>
                <span class="muted" data-testid="threshold-chosen-by">{move || state.threshold.get().map(|t| format!(" ({}{})", t.chosen_by, glassbox_report::optimism(&t.chosen_by))).unwrap_or_else(|| " (the most probable class)".into())}</span>
            </label>
            {matrix}
            <p data-testid="threshold-scores">{scores}</p>
            <div class="costs">
                <span>"costs: "</span>
                <label>"TP "{cost_input("tp")}</label>
                <label>"FP "{cost_input("fp")}</label>
                <label>"FN "{cost_input("fn")}</label>
                <label>"TN "{cost_input("tn")}</label>
                <span>" total cost "<b data-testid="total-cost">{total}</b></span>
            </div>
            <p class="buttons">
                <button data-testid="threshold-best-f1" on:click=move |_| jump_f1(ThresholdRule::F1)>"Best F1"</button>
                <button data-testid="threshold-min-cost" on:click=move |_| jump_cost(ThresholdRule::Cost { costs: costs.get_untracked() })>"Least cost"</button>
                <label>" recall "
                    <input type="number" min="0" max="1" step="0.01" class="cost" data-testid="recall-target"
                        prop:value=move || recall_target.get() on:change=move |ev| recall_target.set(event_target_value(&ev))/>
                </label>
                <button data-testid="threshold-recall" on:click=move |_| {
                    match recall_target.get_untracked().trim().parse::<f64>() {
                        Ok(recall) => jump_recall(ThresholdRule::Recall { recall }),
                        Err(_) => problem.set(Some(format!("the recall to reach must be a number, got '{}'", recall_target.get_untracked()))),
                    }
                }>"Reach recall"</button>
            </p>
            {move || problem.get().map(|p| view! { <p class="warning" role="alert" data-testid="threshold-problem">{p}</p> })}
        </div>
    }
}
