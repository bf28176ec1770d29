//! The predict step: a saved model (the one just trained, or a model.json
//! the person loads) scores a CSV they drop. Before anything is shown as
//! scored, the schema check says how the file's columns met the model's;
//! then a paged table of predictions with their intervals and a CSV
//! download (the same bytes `glassbox predict` writes). A what-if form,
//! built from the training schema, scores one row as the person edits it,
//! with that row's explanation.
//!
//! Everything here is computed by `glassbox_pipeline` (`predict_with`,
//! `rows`, `explain`); the page keeps which file, which page of rows, and
//! the form's values.

use std::sync::Arc;

use glassbox_pipeline::explain::{explain, Sampling};
use glassbox_pipeline::ingest::ReadOptions;
use glassbox_pipeline::rows::{self, FormInput, ScoredRow};
use glassbox_pipeline::schema_check::Found;
use glassbox_pipeline::{MissingColumns, ModelFile, Prediction};
use glassbox_worker::{FormatsRequest, FormatsResponse};
use leptos::prelude::*;

use crate::browser;
use crate::pages::{page_model, read_then, short_number, take_picked_file};
use crate::state::AppState;
use crate::transport::formats::errand;

/// A file to score: its name, its text, and how to read it (a workbook's
/// text is the canonical CSV, read as such, as `glassbox predict` reads it).
type ScoredFile = (String, Arc<Vec<u8>>, ReadOptions);

/// Rows per page of the predictions table.
const PAGE: usize = 20;

/// Has the formats worker read a workbook, Parquet, JSON Lines file or gzip
/// into the text `glassbox predict` reads from it, then hands that on.
fn decode_then(
    name: String,
    bytes: Vec<u8>,
    problem: RwSignal<Option<String>>,
    then: impl Fn(String, Vec<u8>, ReadOptions) + 'static,
) {
    let file_name = name.clone();
    let label = name.clone();
    errand(
        FormatsRequest::Open { file_name, bytes, sheet: None },
        move |message| problem.set(Some(format!("{label}: {message}"))),
        move |response| match response {
            FormatsResponse::Opened(Some(opened)) => {
                let read = opened.decoded.read_options(&ReadOptions::default());
                then(name.clone(), opened.decoded.bytes, read)
            }
            _ => problem.set(Some(format!("{name}: not a format the worker reads"))),
        },
    );
}

/// A test id from a column name: the model's normalised names already are one.
fn id_of(name: &str) -> String {
    glassbox_pipeline::names::normalise_name(name, 0)
}

#[component]
pub fn PredictStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    // A model.json the person loaded: it replaces the trained model here.
    let loaded = RwSignal::new(None::<(String, Arc<ModelFile>)>);
    let data = RwSignal::new(None::<ScoredFile>);
    let problem = RwSignal::new(None::<String>);
    let refuse_missing = RwSignal::new(false);
    let scored = RwSignal::new(false);
    let id_column = RwSignal::new(String::new());
    let page = RwSignal::new(0usize);

    let (model, model_label) = page_model(state, loaded);
    // The file scored as `glassbox predict` scores it; the schema check comes with it.
    let prediction = Memo::new(move |_| {
        let (m, (_, bytes, read)) = (model.get()?, data.get()?);
        Some(
            glassbox_pipeline::predict_with(&m, &bytes, &read, MissingColumns::Fill)
                .map(Arc::new)
                .map_err(|e| e.to_string()),
        )
    });

    let read_file = move |file: web_sys::File| {
        read_then(file, problem, move |name, bytes| {
            let score = move |name: String, bytes: Vec<u8>, read: ReadOptions| {
                scored.set(false);
                page.set(0);
                id_column.set(String::new());
                data.set(Some((name, Arc::new(bytes), read)));
            };
            let head = &bytes[..bytes.len().min(glassbox_worker::HEAD_BYTES)];
            let other = glassbox_worker::is_other_format(head, &name);
            // One JSON value in a .json file is meant as a model (and refused as
            // one when it is not); several lines of objects are JSON Lines data.
            let one_value = || serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_ok();
            if name.to_ascii_lowercase().ends_with(".json") && (!other || one_value()) {
                match ModelFile::from_bytes(&bytes) {
                    Ok(m) => loaded.set(Some((name, Arc::new(m)))),
                    Err(e) => problem.set(Some(format!("{name}: {e}"))),
                }
            } else if other {
                decode_then(name, bytes, problem, score);
            } else {
                score(name, bytes, ReadOptions::default());
            }
        });
    };
    let on_pick = move |ev: leptos::ev::Event| {
        if let Some(file) = take_picked_file(&ev) {
            read_file(file);
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        if let Some(files) = ev.data_transfer().and_then(|d| d.files()) {
            for i in 0..files.length() {
                if let Some(f) = files.get(i) {
                    read_file(f);
                }
            }
        }
    };

    view! {
        <section class="card-section" id=crate::pages::step(3).0 aria-labelledby=crate::pages::step(3).1 data-testid="predict-step"
            on:dragover=move |ev: leptos::ev::DragEvent| ev.prevent_default() on:drop=on_drop>
            <h2 id=crate::pages::step(3).1>{crate::pages::step(3).2}</h2>
            <p>"Score new rows with a saved model, here in the browser. Model: " <strong>{model_label}</strong></p>
            <div class="predict-inputs">
                <label class="file-label">"Load a model.json "
                    <input type="file" accept=".json,application/json" data-testid="model-input" on:change=on_pick/>
                </label>
                <label class="file-label">"Choose a file to score (CSV, workbook, Parquet, JSON Lines, .gz) "
                    <input type="file" accept=crate::pages::data::ACCEPT data-testid="predict-csv-input" on:change=on_pick/>
                </label>
                <span class="hint">"or drop either file here"</span>
            </div>
            {move || problem.get().map(|p| view! { <p class="error" role="alert" data-testid="predict-error">{p}</p> })}
            {move || match prediction.get() {
                None => ().into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert" data-testid="predict-error">{e}</p> }.into_any(),
                Some(Ok(p)) => view! {
                    <SchemaCheckView prediction=p.clone() refuse_missing=refuse_missing/>
                    {let p = p.clone(); move || model.get().map(|m| view! { <LabelledRows model=m prediction=p.clone() data=data/> })}
                    <ScoreControls prediction=p.clone() data=data refuse_missing=refuse_missing scored=scored id_column=id_column/>
                    {move || scored.get().then(|| view! {
                        <PredictionsTable prediction=p.clone() data=data id_column=id_column page=page/>
                    })}
                }.into_any(),
            }}
            {move || model.get().map(|m| view! { <WhatIf model=m/> })}
        </section>
    }
}

#[component]
fn SchemaCheckView(prediction: Arc<Prediction>, refuse_missing: RwSignal<bool>) -> impl IntoView {
    let s = &prediction.schema;
    let columns = s
        .columns
        .iter()
        .map(|c| {
            let (testid, class, text) = match &c.found {
                Found::ByName => {
                    (format!("schema-matched-{}", c.column), "ok", format!("{}: found by name", c.trained_as))
                }
                Found::Normalised { as_written } => (
                    format!("schema-renamed-{}", c.column),
                    "note",
                    format!("{}: found as '{as_written}', after name normalisation", c.trained_as),
                ),
                Found::Missing => (
                    format!("schema-missing-{}", c.column),
                    "warn",
                    format!("{}: missing; every row gets the value the model fills a gap with", c.trained_as),
                ),
            };
            view! { <li class=class data-testid=testid>{text}</li> }
        })
        .collect_view();
    let extra = s
        .extra
        .iter()
        .map(|e| view! { <li class="note" data-testid=format!("schema-extra-{}", id_of(e))>{format!("{e}: not read by the model, ignored")}</li> })
        .collect_view();
    let kinds = s
        .kind_changes
        .iter()
        .map(|k| view! { <li class="warn" data-testid=format!("schema-kind-{}", k.column)>{k.text()}</li> })
        .collect_view();
    let unseen = s
        .unseen
        .iter()
        .map(|u| view! { <li class="warn" data-testid=format!("schema-unseen-{}", u.column)>{u.text()}</li> })
        .collect_view();
    let n_missing = s.missing().count();
    view! {
        <div class="schema-check" data-testid="schema-check">
            <h3>"Schema check"</h3>
            <ul>{columns}{extra}{kinds}{unseen}</ul>
            {(n_missing > 0).then(|| view! {
                <label><input type="checkbox" data-testid="refuse-missing"
                    prop:checked=move || refuse_missing.get()
                    on:change=move |ev| refuse_missing.set(event_target_checked(&ev))/>
                    {format!(" refuse this file: do not fill the {n_missing} missing column(s)")}</label>
            })}
        </div>
    }
}

#[component]
fn ScoreControls(
    prediction: Arc<Prediction>,
    data: RwSignal<Option<ScoredFile>>,
    refuse_missing: RwSignal<bool>,
    scored: RwSignal<bool>,
    id_column: RwSignal<String>,
) -> impl IntoView {
    let n = prediction.rows.len();
    let missing = prediction.schema.missing().count();
    // The file's columns, as written: those the model found, then the rest.
    let mut columns: Vec<String> = prediction
        .schema
        .columns
        .iter()
        .filter_map(|c| match &c.found {
            Found::ByName => Some(c.trained_as.clone()),
            Found::Normalised { as_written } => Some(as_written.clone()),
            Found::Missing => None,
        })
        .collect();
    columns.extend(prediction.schema.extra.iter().cloned());
    let options = columns.into_iter().map(|c| view! { <option value=c.clone()>{c.clone()}</option> }).collect_view();
    let blocked = move || refuse_missing.get() && missing > 0;
    view! {
        <p class="predict-controls">
            <label>"Carry an ID column into the predictions "
                <select data-testid="predict-id-select" on:change=move |ev| id_column.set(event_target_value(&ev))>
                    <option value="">"none"</option>
                    {options}
                </select>
            </label>
            " "
            <button data-testid="predict-button" disabled=blocked on:click=move |_| scored.set(true)>
                {format!("Score {n} rows")}
            </button>
            {move || data.with(|d| d.as_ref().map(|(name, _, _)| name.clone())).map(|name| view! { <span class="hint">{format!(" from {name}")}</span> })}
            {move || blocked().then(|| view! { <span class="warn">" refused: the file lacks columns the model reads"</span> })}
        </p>
    }
}

#[component]
fn PredictionsTable(
    prediction: Arc<Prediction>,
    data: RwSignal<Option<ScoredFile>>,
    id_column: RwSignal<String>,
    page: RwSignal<usize>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let n = prediction.rows.len();
    let pages = n.div_ceil(PAGE).max(1);
    // The carried column's values, one per record, when one is picked.
    let carried = Memo::new(move |_| {
        let name = id_column.get();
        if name.is_empty() {
            return None;
        }
        let (_, bytes, read) = data.get()?;
        glassbox_pipeline::run::id_column(&bytes, &read, &name, n).ok()
    });
    let csv = {
        let p = prediction.clone();
        move || {
            let carry: Vec<_> = carried.get_untracked().into_iter().collect();
            p.to_csv_with(&carry)
        }
    };
    let as_csv = csv.clone();
    let download = move |_| {
        if let Err(e) = browser::download("predictions.csv", "text/csv", &as_csv()) {
            state.error.set(Some(e));
        }
    };
    // The same values, typed, written by a worker (the page has no Parquet writer).
    let writing = RwSignal::new(false);
    let download_parquet = move |_| {
        writing.set(true);
        errand(
            FormatsRequest::ToParquet { csv: csv() },
            move |message| {
                writing.set(false);
                state.error.set(Some(format!("predictions.parquet: {message}")));
            },
            move |response| {
                writing.set(false);
                if let FormatsResponse::Parquet(bytes) = response {
                    if let Err(e) =
                        browser::download_bytes("predictions.parquet", "application/vnd.apache.parquet", &bytes)
                    {
                        state.error.set(Some(e));
                    }
                }
            },
        );
    };
    let numbers = prediction.is_regression();
    let interval_title = match prediction.interval_level {
        Some(l) => format!("{}% interval", glassbox_pipeline::conformal::percent(l)),
        None => "interval".to_string(),
    };
    let header = {
        move || {
            let id = carried.get().map(|(name, _)| view! { <th scope="col">{name}</th> });
            let (probability, detail) =
                if numbers { ("", "") } else { ("its probability", "the model's own probabilities") };
            view! { <tr><th scope="col" title="The row's position among the file's data records (1 is the first row under the header)">"row"</th>{id}<th scope="col">"prediction"</th>
            <th scope="col" title="The probability of the predicted class: calibrated, in its Venn-Abers interval, when the model has one">{probability}</th>
            <th scope="col">{interval_title.clone()}</th><th scope="col">{detail}</th><th scope="col">"issue"</th></tr> }
        }
    };
    let body = {
        let p = prediction.clone();
        move || {
            let ids = carried.get();
            let start = page.get() * PAGE;
            p.rows
                .iter()
                .enumerate()
                .skip(start)
                .take(PAGE)
                .map(|(i, r)| {
                    let id = ids.as_ref().map(|(_, v)| view! { <td>{v.get(i).cloned().unwrap_or_default()}</td> });
                    if let Some(value) = r.value {
                        // A regressor's number and its conformal interval.
                        let interval = r.value_interval.map(|v| format!("[{}, {}]", short_number(v.low), short_number(v.high))).unwrap_or_default();
                        return view! {
                            <tr><td class="num">{i + 1}</td>{id}<td class="num">{short_number(value)}</td><td></td><td class="num">{interval}</td>
                                <td></td><td>{r.issue.clone().unwrap_or_default()}</td></tr>
                        }.into_any();
                    }
                    let predicted = r.predicted.map(|k| p.classes[k].clone()).unwrap_or_default();
                    // One probability per row, of the class predicted for it:
                    // calibrated with its interval when the model has one,
                    // the model's own otherwise; every class's in detail.
                    let own = r.predicted.and_then(|k| r.proba.get(k).copied());
                    let calibrated = r.predicted.zip(r.interval).and_then(|(k, ci)| ci.of(k, p.classes.len()));
                    let (probability, interval) = match (calibrated, own) {
                        (Some(i), _) => (short_number(i.probability), format!("[{}, {}]", short_number(i.low), short_number(i.high))),
                        (None, Some(v)) => (short_number(v), String::new()),
                        (None, None) => (String::new(), String::new()),
                    };
                    // A row that could not be read has no probabilities: empty cells.
                    let detail = p
                        .classes
                        .iter()
                        .zip(&r.proba)
                        .map(|(c, v)| format!("{c} {}", short_number(*v)))
                        .collect::<Vec<_>>()
                        .join(" · ");
                    view! {
                        <tr><td class="num">{i + 1}</td>{id}<td>{predicted}</td><td class="num">{probability}</td><td class="num">{interval}</td>
                            <td class="muted">{detail}</td><td>{r.issue.clone().unwrap_or_default()}</td></tr>
                    }
                    .into_any()
                })
                .collect_view()
        }
    };
    let last_page = move || page.get() + 1 >= pages;
    view! {
        <div class="predictions">
            <p>
                <button data-testid="download-predictions" on:click=download>"Download predictions.csv"</button>
                " "
                <button data-testid="download-predictions-parquet" on:click=download_parquet disabled=move || writing.get()>
                    "Download as Parquet"
                </button>
                <span class="hint">" Formula-like cells start with ' so a spreadsheet shows them as text."</span>
            </p>
            <p class="hint">{if numbers { conformal_note(&prediction) } else { glassbox_pipeline::intervals::NOTE.to_string() }}</p>
            <div class="table-scroll" tabindex="0" role="region" aria-label="scored rows">
                <table data-testid="predictions-table">
                    <thead>{header}</thead>
                    <tbody>{body}</tbody>
                </table>
            </div>
            <p class="pager">
                <button data-testid="predictions-prev" disabled=move || page.get() == 0 on:click=move |_| page.update(|p| *p = p.saturating_sub(1))>"Previous"</button>
                {move || format!(" page {} of {pages} ({n} rows) ", page.get() + 1)}
                <button data-testid="predictions-next" disabled=last_page on:click=move |_| page.update(|p| *p += 1)>"Next"</button>
            </p>
        </div>
    }
}

/// When the scored file holds the model's target, the page says so and
/// offers the saved model's metrics on those rows.
#[component]
fn LabelledRows(
    model: Arc<ModelFile>,
    prediction: Arc<Prediction>,
    data: RwSignal<Option<ScoredFile>>,
) -> impl IntoView {
    let shown = RwSignal::new(false);
    let result = Memo::new(move |_| {
        let (_, bytes, read) = data.get()?;
        glassbox_pipeline::run::evaluate_scored(&bytes, &read, &model, &prediction).transpose()
    });
    move || {
        result.get().map(|r| match r {
            Err(e) => view! { <p class="error" data-testid="labelled-error">{e.to_string()}</p> }.into_any(),
            Ok(s) => {
                let skipped = s.missing + s.unknown;
                let note = (skipped > 0).then(|| {
                    format!(" ({} without a target value and {} with a class the model does not know are left out)", s.missing, s.unknown)
                });
                let (e, b) = (s.evaluation.clone(), s.baseline);
                view! {
                    <div class="note" data-testid="labelled-rows">
                        <p>
                            {format!("This file holds the target column '{}': {} of its rows have a class the model knows{}.", s.target, s.rows, note.unwrap_or_default())}
                            " "
                            <button data-testid="evaluate-scored" on:click=move |_| shown.set(true) disabled=move || shown.get()>"Evaluate the model on these rows"</button>
                        </p>
                        {move || shown.get().then(|| view! {
                            <p data-testid="scored-metrics">
                                {format!(
                                    "On these {} rows: accuracy {} (always answering the most frequent class: {}), ROC AUC {}, log loss {} (the class shares: {}).",
                                    s.rows,
                                    glassbox_report::fmt_metric(e.accuracy),
                                    glassbox_report::fmt_metric(b.accuracy),
                                    glassbox_report::fmt_metric(e.roc_auc),
                                    glassbox_report::fmt_metric(e.log_loss),
                                    glassbox_report::fmt_metric(b.log_loss)
                                )}
                            </p>
                        })}
                    </div>
                }
                .into_any()
            }
        })
    }
}

#[component]
fn WhatIf(model: Arc<ModelFile>) -> impl IntoView {
    let fields = rows::form_fields(&model);
    let values = RwSignal::new(fields.iter().map(|f| (f.column.clone(), f.initial.clone())).collect::<Vec<_>>());
    let set = move |k: usize, v: String| values.update(|vals| vals[k].1 = v);
    let inputs = fields
        .iter()
        .enumerate()
        .map(|(k, f)| {
            let testid = format!("whatif-{}", f.column);
            let control = match &f.input {
                FormInput::Number { range } => {
                    let hint = range.map(|[lo, hi]| format!(" training range {} to {}", short_number(lo), short_number(hi)));
                    view! {
                        <input type="number" step="any" data-testid=testid prop:value=f.initial.clone()
                            min=range.map(|r| r[0].to_string()) max=range.map(|r| r[1].to_string())
                            on:input=move |ev| set(k, event_target_value(&ev))/>
                        <span class="hint">{hint}</span>
                    }
                    .into_any()
                }
                FormInput::Choice { options } => {
                    let initial = f.initial.clone();
                    let opts = options
                        .iter()
                        .map(|o| view! { <option value=o.clone() selected=*o == initial>{o.clone()}</option> })
                        .collect_view();
                    view! { <select data-testid=testid on:change=move |ev| set(k, event_target_value(&ev))>{opts}</select> }.into_any()
                }
                FormInput::Text => view! {
                    <input type="text" data-testid=testid prop:value=f.initial.clone() on:input=move |ev| set(k, event_target_value(&ev))/>
                }
                .into_any(),
            };
            view! { <label class="whatif-field"><span>{f.label.clone()}</span>{control}</label> }
        })
        .collect_view();
    let m = model.clone();
    let answer = Memo::new(move |_| {
        let row = rows::form_row(&values.get());
        rows::score(&m, &[row], false).map(|mut r| r.remove(0)).map_err(|e| {
            e.errors()
                .iter()
                .map(|e| format!("{}: {}", e.field.clone().unwrap_or_default(), e.reason))
                .collect::<Vec<_>>()
                .join("; ")
        })
    });
    let m = model.clone();
    let waterfall = move || {
        let row = rows::form_row(&values.get());
        let checked = rows::check(&m, &[row], false).ok()?;
        let sampling = Sampling { permutations: glassbox_pipeline::shap::PERMUTATIONS, seed: m.provenance.seed };
        let explained = explain(&m, &checked.csv, &rows::checked_read(), None, sampling).ok()?;
        let (class, e) = explained.rows.into_iter().next()?.ok()?;
        let space = match m.task {
            // As the training page's waterfall names a regressor's space.
            glassbox_pipeline::task::Task::Regression => {
                format!("{class} ({})", explained.space.as_str().replace('_', " "))
            }
            glassbox_pipeline::task::Task::Classification => {
                format!("{} of {class}", explained.space.as_str().replace('_', "-"))
            }
        };
        Some(glassbox_report::explanation_waterfall_svg(&explained.columns, &e, &space))
    };
    view! {
        <div class="whatif" data-testid="whatif-form">
            <h3>"What if? One row, scored as you edit it"</h3>
            <div class="whatif-fields">{inputs}</div>
            {move || match answer.get() {
                Ok(ScoredRow::Number(a)) => view! {
                    <p class="whatif-answer">
                        "Prediction: " <strong data-testid="whatif-prediction">{short_number(a.prediction)}</strong>
                        " · " {a.interval_level.map(|l| format!("{}% ", glassbox_pipeline::conformal::percent(l))).unwrap_or_default()} "interval "
                        <strong data-testid="whatif-interval">{a.prediction_interval.map(|[lo, hi]| format!("[{}, {}]", short_number(lo), short_number(hi))).unwrap_or_else(|| "n/a".into())}</strong>
                    </p>
                    {(!a.warnings.is_empty()).then(|| view! { <p class="warn">{a.warnings.join("; ")}</p> })}
                }
                .into_any(),
                Ok(ScoredRow::Class(a)) => {
                    let own = a.probabilities.iter().map(|(c, p)| format!("{c} {}", short_number(*p))).collect::<Vec<_>>().join(", ");
                    view! {
                        <p class="whatif-answer">
                            "Prediction: " <strong data-testid="whatif-prediction">{a.prediction.clone()}</strong>
                            " · calibrated probability " <strong data-testid="whatif-probability">{a.probability.map(short_number).unwrap_or_else(|| "n/a".into())}</strong>
                            " · interval " <strong data-testid="whatif-interval">{a.confidence_interval.map(|[lo, hi]| format!("[{}, {}]", short_number(lo), short_number(hi))).unwrap_or_else(|| "n/a (this model file has none)".into())}</strong>
                        </p>
                        <p class="hint">{format!("The model's own probabilities: {own}. {}", glassbox_pipeline::intervals::NOTE)}</p>
                        {(!a.warnings.is_empty()).then(|| view! { <p class="warn">{a.warnings.join("; ")}</p> })}
                    }
                    .into_any()
                }
                Err(e) => view! { <p class="error" data-testid="whatif-error">{e}</p> }.into_any(),
            }}
            {move || waterfall().map(|svg| view! { <div class="chart" tabindex="0" role="region" aria-label="explanation of the row" data-testid="whatif-waterfall" inner_html=svg></div> })}
        </div>
    }
}

/// What a regressor's interval promises, or why there is none.
fn conformal_note(p: &Prediction) -> String {
    if let Some(w) = p.warnings.first() {
        return format!("{w}.");
    }
    match p.interval_level {
        Some(l) => format!(
            "Each interval is conformal: for a new row drawn like the training rows it holds the true value with probability at least {}%.",
            glassbox_pipeline::conformal::percent(l)
        ),
        None => "This model file has no prediction interval.".to_string(),
    }
}
