//! The results of a training run: metrics, the classification report, an
//! interactive confusion matrix, the ROC and precision-recall charts, the
//! reliability diagram with the Brier score, and the exports.
//!
//! Everything shown is computed by the pipeline, charts and report crates;
//! this module only lays it out and keeps the view state (hovered cell,
//! counts or shares, selected cell).

use std::sync::Arc;

use glassbox_charts::confusion::{cell_stats, cell_title, heat_color, heat_text_color};
use glassbox_pipeline::TrainOutcome;
use glassbox_report::{calibration_html, classification_report_html, fmt_metric, pr_chart_at, roc_chart_at};
use leptos::prelude::*;

use crate::browser;
use crate::pages::threshold::OperatingPoint;
use crate::state::AppState;

#[component]
pub fn Results() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || state.outcome.get().map(|o| view! { <ResultsView outcome=o/> })
}

#[component]
fn ResultsView(outcome: Arc<TrainOutcome>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let e = &outcome.evaluation;
    let m = &outcome.manifest;
    let report_table = classification_report_html(&outcome);
    // Rendered here on the main thread: plotters measures text through the DOM.
    // The operating point moves with the threshold slider (two classes).
    let binary = outcome.classes.len() == 2;
    let cut = move || binary.then(|| state.threshold.get().map_or(0.5, |t| t.value));
    let roc = {
        let o = outcome.clone();
        move || roc_chart_at(&o, cut())
    };
    let pr = {
        let o = outcome.clone();
        move || pr_chart_at(&o, cut())
    };
    let calibration = calibration_html(&outcome);
    // A new outcome starts from the threshold it was trained with.
    state.threshold.set(outcome.threshold.clone());
    let export_model = {
        let o = outcome.clone();
        move |_| {
            let model = o.model_at(state.threshold.get_untracked());
            if let Err(e) = browser::download("model.json", "application/json", &model.to_json()) {
                state.error.set(Some(e));
            }
        }
    };
    let export_onnx = {
        let o = outcome.clone();
        move |_| {
            let model = o.model_at(state.threshold.get_untracked());
            let made = glassbox_onnx::export(&model)
                .map_err(|e| e.to_string())
                .and_then(|bytes| browser::download_bytes("model.onnx", "application/octet-stream", &bytes));
            if let Err(e) = made {
                state.error.set(Some(e));
            }
        }
    };
    let export_report = {
        let o = outcome.clone();
        move |_| {
            if let Err(e) = browser::download("report.html", "text/html", &glassbox_report::render(&o)) {
                state.error.set(Some(e));
            }
        }
    };
    let making_pdf = RwSignal::new(false);
    let export_pdf = {
        let o = outcome.clone();
        move |_| {
            let o = o.clone();
            making_pdf.set(true);
            leptos::task::spawn_local(async move {
                let made = browser::make_pdf(&o)
                    .await
                    .and_then(|pdf| browser::download_bytes("report.pdf", "application/pdf", &pdf));
                making_pdf.set(false);
                if let Err(e) = made {
                    state.error.set(Some(e));
                }
            });
        }
    };
    let missing_note = (m.rows_missing_target > 0)
        .then(|| format!(" {} rows without a target value were left out.", m.rows_missing_target));
    view! {
        <section class="card-section" aria-labelledby="eval-h">
            <h2 id="eval-h">"2. Evaluation on the held-out test set"</h2>
            <p class="muted">
                {format!("Trained on {} rows, tested on {} rows never seen in training.", m.n_train, m.n_test)}
                {missing_note}
                {outcome.notes.iter().map(|n| view! { <span data-testid="model-note">{format!(" {}{}.", n[..1].to_uppercase(), &n[1..])}</span> }).collect_view()}
                {outcome.warnings.iter().map(|w| view! { <span class="warning" data-testid="model-warning">{format!(" Warning: {w}.")}</span> }).collect_view()}
                <span data-testid="timing" data-fit-seconds=outcome.timing.fit_seconds>
                    {format!(
                        " The final {} took {:.3} s to fit and {:.3} s to predict the test rows, in this tab.",
                        m.model.replace('_', " "),
                        outcome.timing.fit_seconds,
                        outcome.timing.predict_seconds
                    )}
                </span>
            </p>
            <div class="cards">
                <div class="card" title="Share of test rows predicted correctly">"accuracy"<b data-testid="metric-accuracy">{fmt_metric(e.accuracy)}</b></div>
                <div class="card" title="Area under the ROC curve: 0.5 is guessing, 1 is perfect ranking. Macro one-vs-rest for more than two classes.">"ROC AUC"<b data-testid="metric-roc-auc">{fmt_metric(e.roc_auc)}</b></div>
                <div class="card" title="Mean negative log-likelihood of the true class: lower is better">"log loss"<b data-testid="metric-log-loss">{fmt_metric(e.log_loss)}</b></div>
                <div class="card" title="Area under the precision-recall steps (average_precision_score): the prevalence is guessing, 1 is perfect. Macro one-vs-rest for more than two classes.">"average precision"<b data-testid="metric-average-precision">{fmt_metric(e.average_precision)}</b></div>
            </div>
            <div class="two-col">
                <div>
                    <h3>"Classification report"</h3>
                    <div class="table-scroll" tabindex="0" role="region" aria-label="classification report" data-testid="classification-report" inner_html=report_table></div>
                    {glassbox_report::search_html(&outcome).map(|s| view! {
                        <h3>"Hyper-parameter search"</h3>
                        <div class="table-scroll chart" tabindex="0" role="region" aria-label="hyper-parameter search" inner_html=s></div>
                    })}
                    {glassbox_report::time_cv_html(&outcome).map(|t| view! {
                        <h3>"Validation in time order"</h3>
                        <div class="table-scroll" tabindex="0" role="region" aria-label="validation in time order" inner_html=t></div>
                    })}
                    {glassbox_report::cv_html(&outcome).map(|cv| view! {
                        <h3>"Cross-validation"</h3>
                        <div class="table-scroll" tabindex="0" role="region" aria-label="cross-validation" inner_html=cv></div>
                    })}
                    <h3>"Confusion matrix"</h3>
                    <ConfusionMatrix outcome=outcome.clone()/>
                    {(outcome.classes.len() == 2).then(|| view! {
                        <h3>"Operating point"</h3>
                        <OperatingPoint outcome=outcome.clone()/>
                    })}
                </div>
                <div>
                    <h3>"ROC curve"</h3>
                    <div class="chart" data-testid="roc-chart" inner_html=roc></div>
                    <h3>"Precision-recall curve"</h3>
                    <div class="chart" data-testid="pr-chart" inner_html=pr></div>
                    <h3>"Calibration"</h3>
                    <div class="chart" inner_html=calibration></div>
                    {glassbox_report::importance_html(&outcome).map(|i| view! {
                        <h3>"Which columns matter"</h3>
                        <div class="table-scroll chart" tabindex="0" role="region" aria-label="column importance" inner_html=i></div>
                    })}
                    {glassbox_report::shap_html(&outcome).map(|s| view! {
                        <h3>"Why: SHAP values"</h3>
                        <div class="table-scroll chart" tabindex="0" role="region" aria-label="SHAP values" inner_html=s></div>
                        <AnyRowWaterfall outcome=outcome.clone()/>
                    })}
                </div>
            </div>
        </section>
        <section class="card-section" aria-labelledby="export-h">
            <h2 id="export-h">"3. Export"</h2>
            <div class="exports">
                <button data-testid="export-model" on:click=export_model>"Download model.json"</button>
                <button data-testid="export-onnx" on:click=export_onnx
                    title="The whole fitted pipeline and model as one ONNX graph, for onnxruntime, Spark or any engine with an ONNX runtime">"Download model.onnx"</button>
                <button data-testid="export-report" on:click=export_report>"Download report.html"</button>
                <button data-testid="export-pdf" on:click=export_pdf disabled=move || making_pdf.get()>
                    {move || if making_pdf.get() { "Making report.pdf…" } else { "Download report.pdf" }}
                </button>
                <span class="muted">"The HTML report is one file that opens offline in any browser; the PDF has the same sections on numbered A4 pages, for printing."</span>
            </div>
        </section>
    }
}

#[component]
fn ConfusionMatrix(outcome: Arc<TrainOutcome>) -> impl IntoView {
    let normalised = RwSignal::new(false);
    let hovered = RwSignal::new(None::<(usize, usize)>);
    let selected = RwSignal::new(None::<(usize, usize)>);
    let classes = outcome.classes.clone();
    let cm = outcome.evaluation.confusion_matrix.clone();
    let n = classes.len();

    let header = classes.iter().map(|c| view! { <th scope="col">{c.clone()}</th> }).collect_view();
    let rows = (0..n)
        .map(|i| {
            let cells = (0..n)
                .map(|j| {
                    let s = cell_stats(&cm, i, j);
                    let title = cell_title(&classes, &cm, i, j);
                    let style = format!("background:{};color:{}", heat_color(s.row_share), heat_text_color(s.row_share));
                    let text = move || {
                        if normalised.get() {
                            format!("{:.1}% ({})", 100.0 * s.row_share, s.count)
                        } else {
                            s.count.to_string()
                        }
                    };
                    view! {
                        <td class="cell" tabindex="0" role="button"
                            data-testid=format!("cm-cell-{i}-{j}")
                            title=title style=style
                            class:selected=move || selected.get() == Some((i, j))
                            aria-pressed=move || (selected.get() == Some((i, j))).to_string()
                            on:mouseenter=move |_| hovered.set(Some((i, j)))
                            on:focus=move |_| hovered.set(Some((i, j)))
                            on:click=move |_| selected.set(Some((i, j)))
                            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                                if ev.key() == "Enter" || ev.key() == " " { ev.prevent_default(); selected.set(Some((i, j))); }
                            }
                        >{text}</td>
                    }
                })
                .collect_view();
            view! { <tr><th scope="row">{classes[i].clone()}</th>{cells}</tr> }
        })
        .collect_view();
    let detail = {
        let classes = classes.clone();
        let cm = cm.clone();
        move || match hovered.get() {
            Some((i, j)) => cell_title(&classes, &cm, i, j),
            None => "Hover or focus a cell for its shares; click it to list those test rows.".to_string(),
        }
    };
    view! {
        <p>
            <button data-testid="cm-toggle" aria-pressed=move || normalised.get().to_string()
                on:click=move |_| normalised.update(|v| *v = !*v)>
                {move || if normalised.get() { "Show counts" } else { "Normalise by true class" }}
            </button>
        </p>
        <div class="table-scroll" tabindex="0" role="region" aria-label="confusion matrix">
            <table class="cm" data-testid="confusion-matrix" on:mouseleave=move |_| hovered.set(None)>
                <thead><tr><th class="axis">"true ↓ / predicted →"</th>{header}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p class="muted detail" aria-live="polite">{detail}</p>
        {move || selected.get().map(|(i, j)| view! { <SelectedRows outcome=outcome.clone() actual=i predicted=j/> })}
    }
}

/// Any explained test row's waterfall, picked from a list (the matrix's
/// cell lists offer the same for the rows of one cell).
#[component]
fn AnyRowWaterfall(outcome: Arc<TrainOutcome>) -> impl IntoView {
    let Some(s) = outcome.shap.as_ref() else { return ().into_any() };
    let options = s
        .rows
        .iter()
        .filter_map(|&row| {
            let t = outcome.test_predictions.iter().find(|t| t.row == row)?;
            let label = format!(
                "row {row} (line {}): true {}, predicted {}",
                t.line, outcome.classes[t.actual], outcome.classes[t.predicted]
            );
            Some(view! { <option value=row.to_string()>{label}</option> })
        })
        .collect_view();
    let picked = RwSignal::new(None::<usize>);
    let o = outcome.clone();
    view! {
        <p>
            <label>"Why did a test row get its score? "
                <select data-testid="shap-row-select" on:change=move |ev| picked.set(event_target_value(&ev).parse().ok())>
                    <option value="">"pick an explained test row"</option>
                    {options}
                </select>
            </label>
        </p>
        {move || picked.get().and_then(|row| glassbox_report::waterfall_svg(&o, row)).map(|svg| view! {
            <div class="chart" data-testid="shap-row-waterfall" inner_html=svg></div>
        })}
    }
    .into_any()
}

#[component]
fn SelectedRows(outcome: Arc<TrainOutcome>, actual: usize, predicted: usize) -> impl IntoView {
    let classes = &outcome.classes;
    let rows: Vec<_> =
        outcome.test_predictions.iter().filter(|p| p.actual == actual && p.predicted == predicted).collect();
    let header = classes.iter().map(|c| view! { <th scope="col">{format!("P({c})")}</th> }).collect_view();
    let why = RwSignal::new(None::<usize>);
    let body = rows
        .iter()
        .map(|p| {
            let probs = p.proba.iter().map(|v| view! { <td class="num">{format!("{v:.4}")}</td> }).collect_view();
            let row = p.row;
            let explained = glassbox_report::waterfall_svg(&outcome, row).is_some();
            view! {
                <tr>
                    <td class="num">{p.row}</td><td class="num">{p.line}</td>{probs}
                    <td>{explained.then(|| view! {
                        <button class="link" data-testid=format!("why-{row}") on:click=move |_| why.set(Some(row))>"why?"</button>
                    })}</td>
                </tr>
            }
        })
        .collect_view();
    let waterfall = {
        let o = outcome.clone();
        move || {
            why.get().and_then(|row| {
                glassbox_report::waterfall_svg(&o, row).map(|svg| {
                    view! {
                        <h4>{format!("Why row {row} got its score")}</h4>
                        <div class="chart" data-testid="shap-waterfall" inner_html=svg></div>
                    }
                })
            })
        }
    };
    view! {
        <div class="selected-rows" data-testid="cm-rows">
            <h4>{format!("{} test {}: true {}, predicted {}", rows.len(), if rows.len() == 1 { "row" } else { "rows" }, classes[actual], classes[predicted])}</h4>
            <div class="table-scroll" tabindex="0" role="region" aria-label="rows of the chosen cell">
                <table class="grid">
                    <thead><tr><th scope="col">"row"</th><th scope="col">"line"</th>{header}<th></th></tr></thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
            {waterfall}
        </div>
    }
}
