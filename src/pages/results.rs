//! The results of a training run: metrics, the classification report, an
//! interactive confusion matrix, the ROC and precision-recall charts, the
//! reliability diagram with the Brier score, and the exports.
//!
//! Everything shown is computed by the pipeline, charts and report crates;
//! this module only lays it out and keeps the view state (hovered cell,
//! counts or shares, selected cell).

use std::sync::Arc;

use glassbox_charts::confusion::{cell_colors, cell_stats, cell_title, legend_html, CORRECT_MARK};
use glassbox_pipeline::TrainOutcome;
use glassbox_report::{calibration_html, classification_report_html, fmt_metric, pr_chart_at, roc_chart_at};
use leptos::prelude::*;

use crate::browser;
use crate::pages::threshold::OperatingPoint;
use crate::state::{megabytes, AppState};

#[component]
pub fn Results() -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        state.outcome.get().map(|o| match o.regression.clone() {
            Some(r) => {
                view! { <crate::pages::regression::RegressionResults outcome=o regression=Arc::new(r)/> }.into_any()
            }
            None => view! { <ResultsView outcome=o/> }.into_any(),
        })
    }
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
    // A new run's outcome starts from the threshold it was trained with;
    // the same run's explained outcome keeps the one the person has moved to.
    if state.threshold_serial.get_untracked() != state.run_serial.get_untracked() {
        state.threshold_serial.set(state.run_serial.get_untracked());
        state.threshold.set(outcome.threshold.clone());
        state.threshold_rule.set(None);
    }
    let export_model = {
        let o = outcome.clone();
        move |_| {
            let model = o.model_at(state.threshold.get_untracked(), state.threshold_rule.get_untracked());
            if let Err(e) = browser::download_written("model.json", "application/json", |w| model.write_json(w)) {
                state.error.set(Some(e));
            }
        }
    };
    let export_onnx = {
        let o = outcome.clone();
        move |_| {
            crate::pages::shared::download_onnx(
                state,
                &o.model_at(state.threshold.get_untracked(), state.threshold_rule.get_untracked()),
            )
        }
    };
    let export_report = {
        let o = outcome.clone();
        move |_| {
            // At the operating point, as model.json is: every export says the same threshold.
            let at = o.at(state.threshold.get_untracked(), state.threshold_rule.get_untracked());
            if let Err(e) = browser::download("report.html", "text/html", &glassbox_report::render(&at)) {
                state.error.set(Some(e));
            }
        }
    };
    let making_pdf = RwSignal::new(false);
    let export_pdf = {
        let o = outcome.clone();
        move |_| {
            crate::pages::shared::download_pdf(
                state,
                making_pdf,
                o.at(state.threshold.get_untracked(), state.threshold_rule.get_untracked()),
            )
        }
    };
    let b = outcome.baseline;
    let majority = outcome.classes.get(b.class).cloned().unwrap_or_default();
    let baseline_warnings = outcome.baseline_warnings();
    let imbalanced = outcome.imbalanced();
    let balanced = glassbox_pipeline::metrics::balanced_accuracy(e);
    // The model file's size, said on its button (a forest's can be tens of MB).
    let model_bytes = outcome.model_json_bytes;
    let onnx_blocked = glassbox_onnx::obstacle(&outcome.model).is_some();
    let onnx_note = crate::pages::shared::onnx_note(state, &outcome.model);
    let missing_note = (m.rows_missing_target > 0)
        .then(|| format!(" {} rows without a target value were left out.", m.rows_missing_target));
    view! {
        <section class="card-section" id=crate::pages::step(1).0 aria-labelledby=crate::pages::step(1).1>
            <h2 id=crate::pages::step(1).1>{crate::pages::step(1).2}" "<span class="subtitle">"on the held-out test set"</span></h2>
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
            <LeftOut outcome=outcome.clone()/>
            {(!baseline_warnings.is_empty()).then(|| view! {
                <div class="warning-box" role="alert" data-testid="baseline-warning">
                    <strong>"This model does not beat doing nothing here: "</strong>
                    {baseline_warnings.join("; ")}"."
                </div>
            })}
            <div class="cards">
                {metric_card("accuracy", "metric-accuracy", "Share of test rows predicted correctly", e.accuracy, b.accuracy,
                    format!("always answering '{}'", majority))}
                {imbalanced.then(|| metric_card("balanced accuracy", "metric-balanced-accuracy",
                    "The mean of each class's recall (balanced_accuracy_score): every class counts the same, however rare", balanced, b.balanced_accuracy,
                    format!("always answering '{}'", majority)))}
                {metric_card("ROC AUC", "metric-roc-auc", "Area under the ROC curve: 0.5 is guessing, 1 is perfect ranking. Macro one-vs-rest for more than two classes.", e.roc_auc, b.roc_auc,
                    "guessing".to_string())}
                {metric_card("log loss", "metric-log-loss", "Mean negative log-likelihood of the true class: lower is better", e.log_loss, b.log_loss,
                    "the class shares as probabilities".to_string())}
                {metric_card("average precision", "metric-average-precision", "Area under the precision-recall steps (average_precision_score): the prevalence is guessing, 1 is perfect. Macro one-vs-rest for more than two classes.", e.average_precision, b.average_precision,
                    "the prevalence".to_string())}
            </div>
            <div class="two-col">
                <div>
                    <h3>"Classification report"</h3>
                    <div class="table-scroll" tabindex="0" role="region" aria-label="classification report" data-testid="classification-report" inner_html=report_table></div>
                    {crate::pages::shared::validation_sections(&outcome)}
                    <h3>"Confusion matrix"</h3>
                    <ConfusionMatrix outcome=outcome.clone()/>
                    {(outcome.classes.len() == 2).then(|| view! {
                        <h3>"Operating point"</h3>
                        <OperatingPoint outcome=outcome.clone()/>
                    })}
                </div>
                <div>
                    <h3>"ROC curve"</h3>
                    <div class="chart" tabindex="0" role="region" aria-label="ROC curve" data-testid="roc-chart" inner_html=roc></div>
                    <h3>"Precision-recall curve"</h3>
                    <div class="chart" tabindex="0" role="region" aria-label="precision-recall curve" data-testid="pr-chart" inner_html=pr></div>
                    <h3>"Calibration"</h3>
                    <div class="chart" tabindex="0" role="region" aria-label="calibration" inner_html=calibration></div>
                    {(outcome.importance.is_empty() && outcome.shap.is_none()).then(|| view! { <Explaining/> })}
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
        <section class="card-section" id=crate::pages::step(2).0 aria-labelledby=crate::pages::step(2).1>
            <h2 id=crate::pages::step(2).1>{crate::pages::step(2).2}</h2>
            <div class="exports">
                <button data-testid="export-model" on:click=export_model>{format!("Download model.json ({})", megabytes(model_bytes))}</button>
                <button data-testid="export-onnx" on:click=export_onnx disabled=onnx_blocked
                    title="The whole fitted pipeline and model as one ONNX graph, for onnxruntime, Spark or any engine with an ONNX runtime">"Download model.onnx"</button>
                <button data-testid="export-report" on:click=export_report>"Download report.html"</button>
                {crate::pages::shared::run_files(state, {
                    let o = outcome.clone();
                    move || o.at(state.threshold.get_untracked(), state.threshold_rule.get_untracked())
                })}
                <button data-testid="export-pdf" on:click=export_pdf disabled=move || making_pdf.get()>
                    {move || if making_pdf.get() { "Making report.pdf…" } else { "Download report.pdf" }}
                </button>
                <span class="muted">"The HTML report is one file that opens offline in any browser; the PDF has the same sections on numbered A4 pages, for printing."</span>
            </div>
            {onnx_note}
        </section>
    }
}

/// Where the importance and explanations will be: their progress while
/// they are measured (the model above is already usable), or why they are
/// missing.
#[component]
fn Explaining() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <h3>"Which columns matter, and why"</h3>
        {move || if state.explaining.get() {
            view! {
                <div class="note" data-testid="explaining">
                    <p>
                        {format!(
                            "Measuring permutation importance (each column shuffled {} times over at most {} test rows), then SHAP values for at most {} test rows (fewer for a big forest: about {} of one core). The model and its metrics above are ready to use meanwhile.",
                            glassbox_pipeline::TrainSpec::default().importance_repeats,
                            crate::state::group(glassbox_pipeline::plan::IMPORTANCE_ROWS as u64),
                            glassbox_pipeline::plan::SHAP_ROWS,
                            crate::state::seconds(glassbox_pipeline::plan::TREE_SHAP_SECONDS),
                        )}
                    </p>
                    <p class="progress-text">{move || state.run_progress.get().map(|p| p.text(state.now_ms.get()))}</p>
                    <button data-testid="stop-explaining" on:click=move |_| state.cancel_run()>"Stop explaining (keep the model)"</button>
                </div>
            }.into_any()
        } else {
            view! {
                <p class="muted" data-testid="not-explained">"Not measured: the explanations were stopped. Train again to measure them."</p>
            }.into_any()
        }}
    }
}

/// A headline metric with what doing nothing scores beside it.
fn metric_card(name: &str, id: &str, title: &str, value: f64, baseline: f64, what: String) -> impl IntoView {
    let baseline_id = id.replace("metric-", "baseline-");
    view! {
        <div class="card" title=title.to_string()>
            {name.to_string()}<b data-testid=id.to_string()>{fmt_metric(value)}</b>
            <span class="baseline" title=format!("What {what} scores on the same test rows")>
                "baseline " <span data-testid=baseline_id>{fmt_metric(baseline)}</span>
            </span>
        </div>
    }
}

/// The columns the run left out and why (a likely leak, free text, an
/// identifier, or the person's choice), so no decision is silent.
#[component]
fn LeftOut(outcome: Arc<TrainOutcome>) -> impl IntoView {
    use glassbox_pipeline::run::Role;
    let left: Vec<String> = outcome
        .manifest
        .columns
        .iter()
        .filter(|c| matches!(c.role, Role::Excluded | Role::Dropped))
        .map(|c| {
            let why = if c.role == Role::Dropped {
                "you left it out".to_string()
            } else {
                c.flags.iter().filter(|f| f.kind.excludes()).map(|f| f.reason.clone()).collect::<Vec<_>>().join("; ")
            };
            format!("{} ({why})", c.name)
        })
        .collect();
    (!left.is_empty()).then(|| {
        view! {
            <p class="muted" data-testid="excluded-columns">
                {format!("Not used as features: {}.", left.join(", "))}
            </p>
        }
    })
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
                    let (fill, ink) = cell_colors(i == j, s.row_share);
                    let style = format!("background:{fill};color:{ink}");
                    let mark = if i == j { CORRECT_MARK } else { "" };
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
                        ><span class="mark" aria-hidden="true">{mark}</span>{text}</td>
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
        <div inner_html=legend_html()></div>
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
            <div class="chart" tabindex="0" role="region" aria-label="explanation of the row" data-testid="shap-row-waterfall" inner_html=svg></div>
        })}
    }
    .into_any()
}

/// Rows of a confusion-matrix cell listed per page.
const CELL_PAGE: usize = 20;

/// The test rows of one cell: each with its values (asked from the worker,
/// which holds the table), its probabilities and, when explained, why;
/// a page of rows at a time (a cell can hold hundreds).
#[component]
fn SelectedRows(outcome: Arc<TrainOutcome>, actual: usize, predicted: usize) -> impl IntoView {
    let state = expect_context::<AppState>();
    let classes = outcome.classes.clone();
    let rows: Arc<Vec<_>> = Arc::new(
        outcome.test_predictions.iter().filter(|p| p.actual == actual && p.predicted == predicted).cloned().collect(),
    );
    let n = rows.len();
    let pages = n.div_ceil(CELL_PAGE).max(1);
    let page = RwSignal::new(0usize);
    let why = RwSignal::new(None::<usize>);
    let shown = {
        let rows = rows.clone();
        move || rows.iter().skip(page.get() * CELL_PAGE).take(CELL_PAGE).cloned().collect::<Vec<_>>()
    };
    // The page's values, asked for whenever the page changes.
    Effect::new({
        let shown = shown.clone();
        move |_| state.want_records(shown().iter().map(|p| p.row).collect())
    });
    let header = {
        let classes = classes.clone();
        move || {
            let columns = state.record_columns.get();
            let values = columns.iter().map(|c| view! { <th scope="col">{c.clone()}</th> }).collect_view();
            let probs = classes.iter().map(|c| view! { <th scope="col">{format!("P({c})")}</th> }).collect_view();
            view! {
                <tr>
                    <th scope="col" title="The data record's number, counting from 0 at the first row under the header">"row"</th>
                    <th scope="col" title="The line of the file the record starts on; the header is line 1">"line"</th>
                    {probs}<th></th>{values}
                </tr>
            }
        }
    };
    let body = {
        let outcome = outcome.clone();
        move || {
            shown()
                .into_iter()
                .map(|p| {
                    let probs = p.proba.iter().map(|v| view! { <td class="num">{format!("{v:.4}")}</td> }).collect_view();
                    let row = p.row;
                    let explained = glassbox_report::waterfall_svg(&outcome, row).is_some();
                    let values = move || {
                        state
                            .record_values
                            .with(|m| m.get(&row).cloned().unwrap_or_default())
                            .into_iter()
                            .map(|v| view! { <td>{v}</td> })
                            .collect_view()
                    };
                    view! {
                        <tr>
                            <td class="num">{p.row}</td><td class="num">{p.line}</td>{probs}
                            <td>{explained.then(|| view! {
                                <button class="link" data-testid=format!("why-{row}") on:click=move |_| why.set(Some(row))>"why?"</button>
                            })}</td>
                            {values}
                        </tr>
                    }
                })
                .collect_view()
        }
    };
    let waterfall = {
        let o = outcome.clone();
        move || {
            why.get().and_then(|row| {
                glassbox_report::waterfall_svg(&o, row).map(|svg| {
                    view! {
                        <h4>{format!("Why row {row} got its score")}</h4>
                        <div class="chart" tabindex="0" role="region" aria-label="explanation of the row" data-testid="shap-waterfall" inner_html=svg></div>
                    }
                })
            })
        }
    };
    view! {
        <div class="selected-rows" data-testid="cm-rows">
            <h4>{format!("{n} test {}: true {}, predicted {}", if n == 1 { "row" } else { "rows" }, classes[actual], classes[predicted])}</h4>
            <p class="muted">"A row is a data record of the file counted from 0 (the first row under the header); its line is where it starts in the file (the header is line 1, and a quoted field can span lines)."</p>
            <div class="table-scroll" tabindex="0" role="region" aria-label="rows of the chosen cell">
                <table class="grid">
                    <thead>{header}</thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
            {(pages > 1).then(|| view! {
                <p class="pager">
                    <button data-testid="cm-rows-prev" disabled=move || page.get() == 0 on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>"Previous"</button>
                    {move || format!(" rows {}–{} of {n} ", page.get() * CELL_PAGE + 1, ((page.get() + 1) * CELL_PAGE).min(n))}
                    <button data-testid="cm-rows-next" disabled=move || { page.get() + 1 >= pages } on:click=move |_| page.update(|p| *p += 1)>"Next"</button>
                </p>
            })}
            {waterfall}
        </div>
    }
}
