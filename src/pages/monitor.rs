//! The monitor step: does new data still look like the training data, and
//! is the model still right? The person drops a current CSV (and, if they
//! have one, a labelled prediction log); the page shows the dataset's
//! verdict, the three most severe columns with what to do, a drift table
//! sorted by severity whose rows open the column's overlaid histograms,
//! the performance per period, and the alert payload `glassbox monitor`
//! would post, ready to copy.
//!
//! Everything is computed by `glassbox_pipeline::watch` and
//! `glassbox_pipeline::monitor`, on the same code as the CLI; the page
//! keeps the files, the chosen column and the person's test choices.

use std::collections::BTreeMap;
use std::sync::Arc;

use glassbox_pipeline::ingest::ReadOptions;
use glassbox_pipeline::monitor::alert::{payload, AlertInput};
use glassbox_pipeline::monitor::{
    decay, decay_numbers, Choice, Decay, DriftReport, DriftSettings, ErrorDecay, Method, Period,
};
use glassbox_pipeline::task::Task;
use glassbox_pipeline::watch::{drift_bytes, log_columns, read_log, read_number_log};
use glassbox_pipeline::ModelFile;
use glassbox_report::drift::{column_details, dataset_text, decay_cells, drift_cells, errors_cells, DRIFT_HEADERS};
use leptos::prelude::*;

use crate::browser;
use crate::pages::{page_model, read_then, take_picked_file};
use crate::state::AppState;

type Loaded = Option<(String, Arc<Vec<u8>>)>;

/// A log scored: a classifier's F1 per period, or a regressor's errors.
#[derive(Clone, PartialEq)]
enum Performance {
    Classes(Arc<Decay>),
    Numbers(Arc<ErrorDecay>),
}

#[component]
pub fn MonitorStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    let loaded = RwSignal::new(None::<(String, Arc<ModelFile>)>);
    let current: RwSignal<Loaded> = RwSignal::new(None);
    let log: RwSignal<Loaded> = RwSignal::new(None);
    let problem = RwSignal::new(None::<String>);
    // Picked from the log's own columns; "" for the time: one period.
    let time_column = RwSignal::new(String::new());
    let label_column = RwSignal::new(String::new());
    let period = RwSignal::new(Period::Week);
    let f1_drop = RwSignal::new(5.0f64);
    let choices = RwSignal::new(BTreeMap::<String, Choice>::new());
    let selected = RwSignal::new(None::<String>);
    let log_names = RwSignal::new(Vec::<String>::new());

    let (model, model_label) = page_model(state, loaded);
    let report = Memo::new(move |_| {
        let (m, (_, bytes)) = (model.get()?, current.get()?);
        let settings = DriftSettings { columns: choices.get(), ..DriftSettings::default() };
        Some(drift_bytes(&m, &bytes, None, &ReadOptions::default(), &settings).map(Arc::new).map_err(|e| e.to_string()))
    });
    let decay_result = Memo::new(move |_| {
        let (m, (_, bytes)) = (model.get()?, log.get()?);
        let period = if time_column.with(String::is_empty) { Period::All } else { period.get() };
        let (time, label) = (time_column.get(), label_column.get());
        if m.task == Task::Regression {
            let reference = m.profile.as_ref().and_then(|p| p.errors);
            let level = m.conformal.as_ref().map(|c| c.level.value());
            let scored = read_number_log(&m, &bytes, &time, &label, &ReadOptions::default())
                .and_then(|l| decay_numbers(&l.rows, period, f1_drop.get(), level, reference, &l.inputs));
            return Some(scored.map(|e| Performance::Numbers(Arc::new(e))).map_err(|e| e.to_string()));
        }
        let reference = m.profile.as_ref().and_then(|p| p.metrics);
        let read = read_log(&m, &bytes, &time, &label, &ReadOptions::default());
        Some(read.map_err(|e| e.to_string()).and_then(|l| {
            if l.rows.is_empty() {
                return Err(format!(
                    "the log has no labelled rows ({} without a label): performance cannot be measured yet; the drift of the model's probabilities above still says whether it now sees other rows",
                    l.unlabelled
                ));
            }
            decay(&l.rows, &m.classes, period, f1_drop.get(), reference)
                .map(|d| Performance::Classes(Arc::new(d)))
                .map_err(|e| e.to_string())
        }))
    });
    let regression = move || model.with(|m| m.as_ref().is_some_and(|m| m.task == Task::Regression));

    let read_file = move |file: web_sys::File, slot: Option<RwSignal<Loaded>>| {
        read_then(file, problem, move |name, bytes| match slot {
            None => match ModelFile::from_bytes(&bytes) {
                Ok(m) => {
                    choices.set(BTreeMap::new());
                    loaded.set(Some((name, Arc::new(m))))
                }
                Err(e) => problem.set(Some(format!("{name}: {e}"))),
            },
            Some(s) => {
                selected.set(None);
                if s == log {
                    // The log's own columns, with the usual names chosen when it has them.
                    let names = log_columns(&bytes);
                    let pick = |wanted: &[&str]| {
                        names
                            .iter()
                            .find(|n| wanted.contains(&n.to_ascii_lowercase().as_str()))
                            .cloned()
                            .unwrap_or_default()
                    };
                    time_column.set(pick(&["time", "timestamp", "date", "logged_at", "created_at"]));
                    label_column.set(pick(&["label", "actual", "truth", "target", "y"]));
                    log_names.set(names);
                }
                s.set(Some((name, Arc::new(bytes))))
            }
        });
    };
    let pick = move |slot: Option<RwSignal<Loaded>>| {
        move |ev: leptos::ev::Event| {
            if let Some(file) = take_picked_file(&ev) {
                read_file(file, slot);
            }
        }
    };
    // A dropped model.json replaces the model, a .jsonl is a log, any other file the current data.
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        let Some(files) = ev.data_transfer().and_then(|d| d.files()) else { return };
        for i in 0..files.length() {
            let Some(f) = files.get(i) else { continue };
            let name = f.name().to_ascii_lowercase();
            let slot = if name.ends_with(".json") {
                None
            } else if name.ends_with(".jsonl") {
                Some(log)
            } else {
                Some(current)
            };
            read_file(f, slot);
        }
    };
    // Hashed once per model and per file, not again when a test choice changes the report.
    let sha = |b: &[u8]| glassbox_pipeline::run::sha256_hex(b);
    let model_sha = Memo::new(move |_| {
        model
            .get()
            .and_then(|m| glassbox_pipeline::run::sha256_hex_written(|w| m.write_json(w)).ok())
            .unwrap_or_default()
    });
    let data_sha = Memo::new(move |_| current.get().or(log.get()).map(|(_, b)| sha(&b)).unwrap_or_default());
    let alert = Memo::new(move |_| {
        let m = model.get()?;
        let r = report.get().and_then(Result::ok);
        let d = decay_result.get().and_then(Result::ok);
        if r.is_none() && d.is_none() {
            return None;
        }
        let (decay, errors) = match &d {
            Some(Performance::Classes(d)) => (Some(d.as_ref()), None),
            Some(Performance::Numbers(e)) => (None, Some(e.as_ref())),
            None => (None, None),
        };
        let words = format!("{} predicting '{}'", m.spec.name().replace('_', " "), m.schema.target);
        let (model_sha, data_sha) = (model_sha.get(), data_sha.get());
        let input = AlertInput {
            model: &words,
            model_sha256: &model_sha,
            data_sha256: &data_sha,
            drift: r.as_deref(),
            decay,
            errors,
            // Retraining is the CLI's (`monitor --retrain-on-alert`): the page shows the payload.
            retrained: None,
        };
        Some(serde_json::to_string_pretty(&payload(&input)).expect("a payload serialises"))
    });

    // Outside the view: the macro misreads a closure with a block body in an attribute.
    let set_drop = move |ev: leptos::ev::Event| {
        if let Ok(v) = event_target_value(&ev).parse::<f64>() {
            f1_drop.set(v);
        }
    };
    view! {
        <section class="card-section" id=crate::pages::step(4).0 aria-labelledby=crate::pages::step(4).1 data-testid="monitor-step"
            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default() on:drop=on_drop>
            <h2 id=crate::pages::step(4).1>{crate::pages::step(4).2}</h2>
            <p>"Check new data against the training data, and a labelled log against the model's test scores. Model: " <strong>{model_label}</strong></p>
            <div class="predict-inputs">
                <label class="file-label">"Load a model.json "
                    <input type="file" accept=".json,application/json" data-testid="monitor-model-input" on:change=pick(None)/>
                </label>
                <label class="file-label">"Current data (CSV) "
                    <input type="file" accept=".csv,.tsv,.txt,text/csv" data-testid="monitor-csv-input" on:change=pick(Some(current))/>
                    {move || current.get().map(|(name, _)| view! { <span class="chosen" data-testid="monitor-csv-name">{name}</span> })}
                </label>
                <label class="file-label">"Labelled prediction log (optional) "
                    <input type="file" accept=".csv,.jsonl,.json,.txt" data-testid="monitor-log-input" on:change=pick(Some(log))/>
                    {move || log.get().map(|(name, _)| view! { <span class="chosen" data-testid="monitor-log-name">{name}</span> })}
                </label>
                <span class="hint">"or drop files here"</span>
            </div>
            {move || problem.get().map(|p| view! { <p class="error" role="alert" data-testid="monitor-error">{p}</p> })}
            {move || match report.get() {
                None => ().into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert" data-testid="monitor-error">{e}</p> }.into_any(),
                Some(Ok(r)) => view! { <DriftView report=r selected=selected choices=choices/> }.into_any(),
            }}
            {move || log.with(Option::is_some).then(|| view! {
                <div class="monitor-log">
                    <h3>"Performance over time"</h3>
                    <p class="predict-controls">
                        <label>"time column "
                            <select data-testid="monitor-time-column" prop:value=move || time_column.get() on:change=move |ev| time_column.set(event_target_value(&ev))>
                                <option value="">"none: all rows as one period"</option>
                                {move || log_names.get().into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                        " "
                        <label>"label column "
                            <select data-testid="monitor-label-column" prop:value=move || label_column.get() on:change=move |ev| label_column.set(event_target_value(&ev))>
                                <option value="">"choose the column of true labels"</option>
                                {move || log_names.get().into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                        " "
                        <label>"per "
                            <select data-testid="monitor-period" disabled=move || time_column.with(String::is_empty)
                                on:change=move |ev| period.set(if event_target_value(&ev) == "day" { Period::Day } else { Period::Week })>
                                <option value="week" selected=true>"week"</option>
                                <option value="day">"day"</option>
                            </select>
                        </label>
                        " "
                        <label>{move || if regression() { "alert when RMSE rises by more than (%) " } else { "alert when F1 falls by more than (%) " }}
                            <input type="number" min="0" step="any" data-testid="monitor-f1-drop" prop:value=move || f1_drop.get().to_string()
                                on:change=set_drop/>
                        </label>
                    </p>
                    {move || match decay_result.get() {
                        None => ().into_any(),
                        Some(Err(e)) => view! { <p class="error" role="alert" data-testid="decay-error">{e}</p> }.into_any(),
                        Some(Ok(Performance::Classes(d))) => decay_view(&d).into_any(),
                        Some(Ok(Performance::Numbers(e))) => errors_view(&e).into_any(),
                    }}
                </div>
            })}
            {move || alert.get().map(|text| {
                let copy_text = text.clone();
                let copy = move |_| browser::copy_text(&copy_text);
                view! {
                    <details class="alert-payload" data-testid="for-automation">
                        <summary>"For automation: the alert payload and the command"</summary>
                        <p class="hint">"What " <code>"glassbox monitor model.json --log LOG --label-column LABEL --time-column TIME --webhook URL"</code> " posts to a Slack-compatible incoming webhook (data strings escaped for Slack's markup), run from cron."</p>
                        <p><button data-testid="copy-alert" on:click=copy>"Copy the payload"</button></p>
                        <pre data-testid="alert-payload" tabindex="0">{text}</pre>
                    </details>
                }
            })}
        </section>
    }
}

#[component]
fn DriftView(
    report: Arc<DriftReport>,
    selected: RwSignal<Option<String>>,
    choices: RwSignal<BTreeMap<String, Choice>>,
) -> impl IntoView {
    let r = report.clone();
    let verdict_class = if r.dataset.drifted { "warn" } else { "ok" };
    let top = r
        .top
        .iter()
        .map(|t| view! { <li><strong>{t.column.clone()}</strong>": "{t.suggestion.clone()}</li> })
        .collect_view();
    let has_top = !r.top.is_empty();
    let heads = DRIFT_HEADERS.iter().map(|h| view! { <th scope="col">{*h}</th> }).collect_view();
    let rows = r
        .columns
        .iter()
        .map(|c| {
            let cells = drift_cells(c);
            let name = c.column.clone();
            let pick = name.clone();
            let is_selected = {
                let name = name.clone();
                move || selected.get().as_deref() == Some(name.as_str())
            };
            let class = if c.drifted { "drifted" } else { "" };
            let rest = cells[1..].iter().map(|v| view! { <td>{v.clone()}</td> }).collect_view();
            view! {
                <tr class=class data-testid=format!("drift-row-{name}") aria-selected=move || is_selected().to_string()>
                    <td><button class="link" on:click=move |_| selected.set(Some(pick.clone()))>{cells[0].clone()}</button></td>
                    {rest}
                </tr>
            }
        })
        .collect_view();
    let r2 = report.clone();
    let detail = move || {
        let name = selected.get().or_else(|| r2.columns.iter().find(|c| c.tested()).map(|c| c.column.clone()))?;
        let c = r2.columns.iter().chain(&r2.prediction).find(|c| c.column == name)?.clone();
        let svg = glassbox_charts::drift::drift_histogram_svg(&c.histogram, &c.column);
        let lines = column_details(&c).into_iter().map(|l| view! { <p class="hint">{l}</p> }).collect_view();
        let numeric = c.kind == "numeric";
        let options = Method::ALL
            .into_iter()
            .filter(|m| numeric || !matches!(m, Method::Ks | Method::Wasserstein))
            .map(|m| view! { <option value=m.name() selected=c.method == m.name()>{m.name()}</option> })
            .collect_view();
        let col = c.column.clone();
        let col2 = c.column.clone();
        let set_method = move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            choices.update(|ch| match Method::parse(&v) {
                Ok(method) => {
                    let threshold = ch.get(&col).and_then(|c| c.threshold);
                    ch.insert(col.clone(), Choice { method, threshold });
                }
                Err(_) => {
                    ch.remove(&col);
                }
            });
        };
        let method_now = Method::parse(&c.method).ok();
        let set_threshold = move |ev: leptos::ev::Event| {
            let Ok(t) = event_target_value(&ev).parse::<f64>() else { return };
            if let Some(method) = method_now {
                choices.update(|ch| {
                    ch.insert(col2.clone(), Choice { method, threshold: Some(t) });
                });
            }
        };
        Some(view! {
            <div class="drift-detail">
                <h3>{format!("{}: reference and current", c.column)}</h3>
                <div class="chart" tabindex="0" role="region" aria-label="histograms of the column" data-testid="drift-histogram" inner_html=svg></div>
                {lines}
                {c.tested().then(|| view! {
                    <p class="predict-controls">
                        <label>"test " <select data-testid="drift-method" on:change=set_method>{options}</select></label>
                        " "
                        <label>"threshold " <input type="number" min="0" step="any" data-testid="drift-threshold"
                            prop:value=c.threshold.map(|t| t.to_string()).unwrap_or_default() on:change=set_threshold/></label>
                    </p>
                })}
            </div>
        })
    };
    let prediction = r
        .prediction
        .iter()
        .map(|p| view! { <li data-testid="prediction-drift">{format!("{}: {} ({} {})", p.column, drift_cells(p)[4], p.method, drift_cells(p)[2])}</li> })
        .collect_view();
    let notes = r.notes.iter().map(|n| view! { <li class="hint">{n.clone()}</li> }).collect_view();
    let target = r.target.as_ref().map(|t| {
        view! {
            <h3>"Target drift"</h3>
            <p data-testid="target-drift">{format!("{}: {} ({} {})", t.column, drift_cells(t)[4], t.method, drift_cells(t)[2])}</p>
        }
    });
    view! {
        <div class="drift">
            <p class=verdict_class data-testid="dataset-drift"><strong>{dataset_text(&r)}</strong></p>
            <p class="hint">{format!("Reference: {} ({} rows). Current: {} rows.", r.basis, r.reference_rows, r.current_rows)}</p>
            {has_top.then(|| view! {
                <h3>"The most severe, and what to do"</h3>
                <ol data-testid="top-drift">{top}</ol>
            })}
            <div class="table-scroll" tabindex="0" role="region" aria-label="drift by column">
                <table class="grid" data-testid="drift-table">
                    <caption class="hint">"Sorted by severity: drifting columns first, then by PSI. Choose a column for its histograms."</caption>
                    <thead><tr>{heads}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {detail}
            {target}
            <h3>"Prediction drift"</h3>
            <ul>{prediction}</ul>
            <ul>{notes}</ul>
        </div>
    }
}

/// Table rows of plain cells, numbers right-aligned after the first.
fn cell_rows<const N: usize>(rows: Vec<[String; N]>) -> impl IntoView {
    rows.into_iter()
        .map(|row| {
            let cells = row
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    let class = if i > 0 { "num" } else { "" };
                    view! { <td class=class>{c}</td> }
                })
                .collect_view();
            view! { <tr>{cells}</tr> }
        })
        .collect_view()
}

/// A regressor's log: the verdict, each alarm with what to do, RMSE and
/// MAE per period against the test RMSE, and the table with coverage.
fn errors_view(d: &ErrorDecay) -> impl IntoView {
    let svg = glassbox_charts::drift::errors_svg(&d.periods, d.reference.map(|r| r.rmse));
    let rows = cell_rows(errors_cells(d));
    let class = if d.alert { "warn" } else { "ok" };
    let alerts = d.alerts.iter().map(|a| view! { <li>{a.message.clone()}</li> }).collect_view();
    let todo = d.suggestions().into_iter().map(|t| view! { <li>{t.to_string()}</li> }).collect_view();
    let reference = d.reference.map(|r| {
        format!(
            "The model's test rows: MAE {}, RMSE {}, mean error {} ({} rows). An error is actual − prediction.",
            glassbox_pipeline::monitor::short_number(r.mae),
            glassbox_pipeline::monitor::short_number(r.rmse),
            glassbox_pipeline::monitor::short_number(r.bias),
            r.rows
        )
    });
    view! {
        <p class=class data-testid="decay-verdict"><strong>{d.message.clone()}</strong></p>
        {(!d.alerts.is_empty()).then(|| view! {
            <ul data-testid="error-alerts">{alerts}</ul>
            <p><strong>"What to do"</strong></p>
            <ul data-testid="error-suggestions">{todo}</ul>
        })}
        {reference.map(|r| view! { <p class="hint">{r}</p> })}
        <div class="chart" tabindex="0" role="region" aria-label="errors by period" data-testid="decay-chart" inner_html=svg></div>
        <div class="table-scroll" tabindex="0" role="region" aria-label="errors by period">
            <table class="grid" data-testid="errors-table">
                <thead><tr><th scope="col">"from"</th><th scope="col">"rows"</th><th scope="col">"MAE"</th><th scope="col">"RMSE"</th><th scope="col">"mean error"</th><th scope="col">"interval coverage"</th><th scope="col">"RMSE change"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

fn decay_view(d: &Decay) -> impl IntoView {
    let svg = glassbox_charts::drift::decay_svg(&d.periods, d.reference.map(|r| r.f1));
    let rows = cell_rows(decay_cells(d));
    let class = if d.alert { "warn" } else { "ok" };
    view! {
        <p class=class data-testid="decay-verdict"><strong>{d.message.clone()}</strong></p>
        <div class="chart" tabindex="0" role="region" aria-label="performance by period" data-testid="decay-chart" inner_html=svg></div>
        <div class="table-scroll" tabindex="0" role="region" aria-label="performance by window">
            <table class="grid" data-testid="decay-table">
                <thead><tr><th scope="col">"from"</th><th scope="col">"rows"</th><th scope="col">"F1"</th><th scope="col">"accuracy"</th><th scope="col">"ROC AUC"</th><th scope="col">"change"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
