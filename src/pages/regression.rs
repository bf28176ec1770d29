//! The results of a run that predicts a number: R², RMSE and MAE beside
//! the mean baseline's, predicted against actual and the residuals, the
//! error by decile, the rows with the largest errors (each opens with its
//! explanation), validation, search, importance and SHAP, and the exports.
//! Everything is computed by the pipeline and drawn by the charts and report
//! crates; this module lays it out.

use std::sync::Arc;

use glassbox_pipeline::numbers::RegressionOutcome;
use glassbox_pipeline::TrainOutcome;
use glassbox_report::regression::{deciles, fmt_number, headline, largest_errors, waterfall_svg, LARGEST_ERRORS};
use leptos::prelude::*;

use crate::browser;
use crate::state::{megabytes, AppState};

#[component]
pub fn RegressionResults(outcome: Arc<TrainOutcome>, regression: Arc<RegressionOutcome>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let m = &outcome.manifest;
    let r = regression.clone();
    // The first three metrics as cards, the rest in a table: one list, made once.
    let mut rows = headline(&r);
    let rest = rows.split_off(3);
    let cards = rows
        .into_iter()
        .map(|(name, id, value, baseline)| {
            view! {
                <div class="card">
                    {name}<b data-testid=format!("metric-{id}")>{value}</b>
                    <span class="baseline" title="What always predicting the training rows' mean scores on the same test rows">
                        "baseline " <span data-testid=format!("baseline-{id}")>{baseline}</span>
                    </span>
                </div>
            }
        })
        .collect_view();
    let more = rest
        .into_iter()
        .map(|(name, id, value, baseline)| {
            view! { <tr><td>{name}</td><td data-testid=format!("metric-{id}")>{value}</td><td>{baseline}</td></tr> }
        })
        .collect_view();
    // Drawn here on the main thread: plotters measures text through the DOM.
    let [scatter, residuals, histogram] = glassbox_report::regression::charts(&r);
    let decile_rows = deciles(&r)
        .into_iter()
        .map(|d| {
            view! {
                <tr>
                    <td>{format!("{} to {}", fmt_number(d.from), fmt_number(d.to))}</td>
                    <td class="num">{d.rows}</td>
                    <td class="num">{fmt_number(d.mean_error)}</td>
                    <td class="num">{fmt_number(d.mae)}</td>
                </tr>
            }
        })
        .collect_view();
    let why = RwSignal::new(None::<usize>);
    let error_rows = largest_errors(&r, LARGEST_ERRORS)
        .into_iter()
        .map(|p| {
            let row = p.row;
            let explained = waterfall_svg(&outcome, row).is_some();
            view! {
                <tr>
                    <td class="num">{p.row}</td><td class="num">{p.line}</td>
                    <td class="num">{fmt_number(p.actual)}</td><td class="num">{fmt_number(p.predicted)}</td>
                    <td class="num">{fmt_number(p.error())}</td>
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
                waterfall_svg(&o, row).map(|svg| {
                    view! {
                        <h4>{format!("Why row {row} got its prediction")}</h4>
                        <div class="chart" tabindex="0" role="region" aria-label="explanation of the row" data-testid="shap-waterfall" inner_html=svg></div>
                    }
                })
            })
        }
    };
    let warnings = r.warnings();
    let export_model = {
        let o = outcome.clone();
        move |_| {
            if let Err(e) = browser::download_written("model.json", "application/json", |w| o.model.write_json(w)) {
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
        move |_| crate::pages::shared::download_pdf(state, making_pdf, (*o).clone())
    };
    let export_onnx = {
        let o = outcome.clone();
        move |_| crate::pages::shared::download_onnx(state, &o.model)
    };
    let onnx_blocked = glassbox_onnx::obstacle(&outcome.model).is_some();
    let onnx_note = crate::pages::shared::onnx_note(state, &outcome.model);
    let missing_note = (m.rows_missing_target > 0)
        .then(|| format!(" {} rows without a target value were left out.", m.rows_missing_target));
    view! {
        <section class="card-section" id=crate::pages::step(1).0 aria-labelledby=crate::pages::step(1).1>
            <h2 id=crate::pages::step(1).1>{crate::pages::step(1).2}" "<span class="subtitle">"on the held-out test set"</span></h2>
            <p class="muted">
                {format!("Predicting the number '{}': trained on {} rows{}, tested on {} rows never seen in training.", m.target, m.n_train,
                    if m.n_calibration > 0 { format!(" ({} more held out to calibrate the interval)", m.n_calibration) } else { String::new() }, m.n_test)}
                {missing_note}
                {outcome.notes.iter().map(|n| view! { <span data-testid="model-note">{format!(" {}{}.", n[..1].to_uppercase(), &n[1..])}</span> }).collect_view()}
                {outcome.warnings.iter().map(|w| view! { <span class="warning" data-testid="model-warning">{format!(" Warning: {w}.")}</span> }).collect_view()}
                <span data-testid="timing" data-fit-seconds=outcome.timing.fit_seconds>
                    {format!(" The final {} took {:.3} s to fit and {:.3} s to predict the test rows, in this tab.",
                        m.model.replace('_', " "), outcome.timing.fit_seconds, outcome.timing.predict_seconds)}
                </span>
            </p>
            {(!warnings.is_empty()).then(|| view! {
                <div class="warning-box" role="alert" data-testid="baseline-warning">{format!("{}.", warnings.join("; "))}</div>
            })}
            <div class="cards">{cards}</div>
            <p class="muted">{format!(
                "Baseline: always predicting the training rows' mean, {}. Metrics as scikit-learn defines them.",
                fmt_number(r.baseline_value)
            )}</p>
            <p class="muted" data-testid="target-scale" data-used=r.target_transform.used.as_str()>
                {glassbox_report::regression::scale_text(&r)}
            </p>
            <div class="two-col">
                <div>
                    <h3>"Predicted against actual"</h3>
                    <div class="chart" tabindex="0" role="region" aria-label="predicted against actual" data-testid="chart-predicted-actual" inner_html=scatter></div>
                    <h3>"Residuals"</h3>
                    <div class="chart" tabindex="0" role="region" aria-label="residuals against predicted" data-testid="chart-residuals" inner_html=residuals></div>
                    <div class="chart" tabindex="0" role="region" aria-label="histogram of the residuals" inner_html=histogram></div>
                    <h3>"More metrics"</h3>
                    <div class="table-scroll" tabindex="0" role="region" aria-label="more metrics">
                        <table class="grid"><thead><tr><th>"metric"</th><th>"this model"</th><th>"baseline"</th></tr></thead><tbody>{more}</tbody></table>
                    </div>
                    <p class="muted">"The mean error is actual − predicted: above zero, the model predicts too low on average. MAPE is a fraction (0.1 is 10%)."</p>
                    {crate::pages::shared::validation_sections(&outcome)}
                </div>
                <div>
                    {r.interval.as_ref().map(|i| view! {
                        <h3>"Prediction interval"</h3>
                        <div class="table-scroll" tabindex="0" role="region" aria-label="prediction interval" data-testid="interval-section" inner_html=glassbox_report::regression::interval_html(i, r.target_transform.used)></div>
                    })}
                    <h3>"Error by decile of the prediction"</h3>
                    <div class="table-scroll" tabindex="0" role="region" aria-label="error by decile of the prediction">
                        <table class="grid" data-testid="error-by-decile">
                            <thead><tr><th>"predictions"</th><th>"rows"</th><th>"mean error"</th><th>"MAE"</th></tr></thead>
                            <tbody>{decile_rows}</tbody>
                        </table>
                    </div>
                    <h3>"The largest errors"</h3>
                    <div class="table-scroll" tabindex="0" role="region" aria-label="the test rows with the largest errors">
                        <table class="grid" data-testid="largest-errors">
                            <thead><tr><th>"row"</th><th>"line"</th><th>"actual"</th><th>"predicted"</th><th>"error"</th><th></th></tr></thead>
                            <tbody>{error_rows}</tbody>
                        </table>
                    </div>
                    {waterfall}
                    {glassbox_report::regression::importance_html(&outcome).map(|i| view! {
                        <h3>"Which columns matter"</h3>
                        <div class="table-scroll chart" tabindex="0" role="region" aria-label="column importance" inner_html=i></div>
                    })}
                    {glassbox_report::shap_html(&outcome).map(|s| view! {
                        <h3>"Why: SHAP values"</h3>
                        <div class="table-scroll chart" tabindex="0" role="region" aria-label="SHAP values" inner_html=s></div>
                    })}
                </div>
            </div>
        </section>
        <section class="card-section" id=crate::pages::step(2).0 aria-labelledby=crate::pages::step(2).1>
            <h2 id=crate::pages::step(2).1>{crate::pages::step(2).2}</h2>
            <div class="exports">
                <button data-testid="export-model" on:click=export_model>{format!("Download model.json ({})", megabytes(outcome.model_json_bytes))}</button>
                <button data-testid="export-onnx" on:click=export_onnx disabled=onnx_blocked
                    title="The whole fitted pipeline, the model and its prediction interval as one ONNX graph (outputs prediction, pi_low, pi_high), for onnxruntime, Spark or any engine with an ONNX runtime">"Download model.onnx"</button>
                <button data-testid="export-report" on:click=export_report>"Download report.html"</button>
                {crate::pages::shared::run_files(state, {
                    let o = outcome.clone();
                    move || (*o).clone()
                })}
                <button data-testid="export-pdf" on:click=export_pdf disabled=move || making_pdf.get()>
                    {move || if making_pdf.get() { "Making report.pdf…" } else { "Download report.pdf" }}
                </button>
            </div>
            {onnx_note}
            <p class="muted" data-testid="regressor-serving">"Score new rows with their prediction intervals in Predict below, with glassbox predict, behind glassbox serve, or on Spark from model.onnx; watch its errors and interval coverage in Monitor."</p>
        </section>
    }
}
