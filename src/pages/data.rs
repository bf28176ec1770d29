//! The data page: drop a CSV or pick a sample; how the dates read.

use leptos::prelude::*;

use crate::browser;
use crate::pages::take_picked_file;
use crate::pages::train::Preview;
use crate::state::{AppState, Busy, Keeping};
use crate::transport::loading::Source;
use leptos::task::spawn_local;

/// What the file picker offers: delimited text and the formats
/// glassbox-formats reads (the worker tells them by their bytes, so a file
/// dropped with another name is read all the same).
pub const ACCEPT: &str = ".csv,.tsv,.txt,text/csv,.xlsx,.xlsm,.xlsb,.xls,.ods,.parquet,.jsonl,.ndjson,.json,.gz";

/// A recipe is a few kilobytes; a `.json` file larger than this is data.
const RECIPE_MAX_BYTES: f64 = 4.0 * 1024.0 * 1024.0;

/// Bundled samples: (test id suffix, file, what it shows).
const SAMPLES: [(&str, &str, &str); 3] = [
    ("breast_cancer", "breast_cancer.csv", "Breast cancer (569 rows, binary, numeric)"),
    ("penguins", "penguins.csv", "Palmer penguins (344 rows, 3 species, categorical and missing values)"),
    ("concrete", "concrete.csv", "Concrete strength (1,030 rows, a number to predict: regression)"),
];

#[component]
pub fn DataStep() -> impl IntoView {
    let state = expect_context::<AppState>();
    let busy = move || state.busy.get() != Busy::Idle;
    let dragging = RwSignal::new(false);

    // A small `.json` file may be a recipe, to apply to the open file, rather than data.
    let load_file = move |file: web_sys::File| {
        let name = file.name();
        if !(name.to_ascii_lowercase().ends_with(".json") && file.size() < RECIPE_MAX_BYTES) {
            return state.load(name, Source::File(file));
        }
        spawn_local(async move {
            match browser::read_file(&file).await.map(|b| String::from_utf8(b).unwrap_or_default()) {
                Ok(text) if glassbox_pipeline::recipe::Recipe::claims(&text) => {
                    // Checked by the formats worker, which carries the strict reader.
                    let (named, failed) = (name.clone(), name.clone());
                    crate::transport::formats::errand(
                        glassbox_worker::FormatsRequest::Recipe { text },
                        move |message| state.fail(format!("{failed}: {message}")),
                        move |answer| {
                            if let glassbox_worker::FormatsResponse::Recipe(recipe) = answer {
                                state.apply_recipe(&named, *recipe);
                            }
                        },
                    );
                }
                _ => state.load(name, Source::File(file)),
            }
        });
    };
    let on_pick = move |ev: leptos::ev::Event| {
        if let Some(file) = take_picked_file(&ev) {
            load_file(file);
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        if let Some(file) = ev.data_transfer().and_then(|d| d.files()).and_then(|f| f.get(0)) {
            load_file(file);
        }
    };
    let load_sample = move |file: &'static str| {
        state.busy.set(Busy::Loading(file.to_string()));
        spawn_local(async move {
            match browser::fetch_sample(&format!("samples/{file}")).await {
                Ok(bytes) => state.load(file.to_string(), Source::Bytes(std::rc::Rc::new(bytes))),
                Err(e) => state.fail(e),
            }
        });
    };

    view! {
        <section class="card-section" id=crate::pages::step(0).0 aria-labelledby=crate::pages::step(0).1>
            <h2 id=crate::pages::step(0).1>{crate::pages::step(0).2}</h2>
            <div
                class="dropzone"
                class:dragging=move || dragging.get()
                on:dragover=move |ev: leptos::ev::DragEvent| { ev.prevent_default(); dragging.set(true); }
                on:dragleave=move |_| dragging.set(false)
                on:drop=on_drop
            >
                <label class="file-label">
                    "Drop a CSV, an Excel or OpenDocument workbook, a Parquet file, a JSON Lines file or a .gz here (or a recipe.json, to apply its choices to the open file), or "
                    <input type="file" accept=ACCEPT data-testid="csv-input" on:change=on_pick disabled=busy/>
                </label>
                <div class="samples">
                    "or try a sample: "
                    {SAMPLES.iter().map(|&(id, file, title)| view! {
                        <button
                            data-testid=format!("sample-{id}")
                            title=title
                            disabled=busy
                            on:click=move |_| load_sample(file)
                        >{file}</button>
                    }).collect_view()}
                </div>
            </div>
            {move || match state.keeping.get() {
                Keeping::Starting => None,
                Keeping::On(text) => Some(view! {
                    <p class="keeping muted" data-testid="keeping">
                        {text}" "
                        <button class="link" data-testid="forget-data" on:click=move |_| state.forget()>"Forget this data"</button>
                    </p>
                }.into_any()),
                Keeping::Off(text) => Some(view! {
                    <p class="keeping warn" data-testid="keeping" role="status">{text}</p>
                }.into_any()),
            }}
            {move || match state.inspection.get() {
                Some(i) => view! { <Preview inspection=i/> }.into_any(),
                None => view! { <crate::pages::status::StatusLine/> }.into_any(),
            }}
        </section>
    }
}
