//! One file per page of the workflow. Pages read the state and call the
//! controller; they compute nothing the pipeline could.

pub mod data;
pub mod features;
pub mod leaderboard;
pub mod monitor;
pub mod predict;
pub mod regression;
pub mod results;
pub mod schema;
pub mod shared;
pub mod status;
pub mod threshold;
pub mod train;

use wasm_bindgen::JsCast;

/// The workflow's steps as the page shows them: each section's anchor and
/// heading, which the step rail links to with the same words.
pub const STEPS: [(&str, &str); 5] = [
    ("data", "1. Data"),
    ("evaluate", "2. Evaluate"),
    ("export", "3. Export"),
    ("predict", "4. Predict"),
    ("monitor", "5. Monitor"),
];

/// Step `i`'s section attributes: its anchor, and the heading that names it.
pub fn step(i: usize) -> (&'static str, String, &'static str) {
    let (id, heading) = STEPS[i];
    (id, format!("{id}-h"), heading)
}

/// A number short enough for a table cell: 1234.5678 → "1234.57", 0.000123 → "1.23e-4".
pub fn short_number(v: f64) -> String {
    if v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e7) {
        format!("{v:.2e}")
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The element an event fired on, as the type the handler expects.
pub fn event_target<T: JsCast>(ev: &leptos::ev::Event) -> T {
    ev.target().expect("events from the page have a target").unchecked_into()
}

/// The file a file input was just given, with the input cleared so picking
/// the same file again still fires a change.
pub fn take_picked_file(ev: &leptos::ev::Event) -> Option<web_sys::File> {
    let input: web_sys::HtmlInputElement = event_target(ev);
    let file = input.files().and_then(|f| f.get(0));
    input.set_value("");
    file
}

/// Reads a picked or dropped file off the page's thread and hands its name
/// and bytes to `then`; a file the browser cannot read sets `problem`.
pub fn read_then(
    file: web_sys::File,
    problem: leptos::prelude::RwSignal<Option<String>>,
    then: impl FnOnce(String, Vec<u8>) + 'static,
) {
    use leptos::prelude::Set;
    let name = file.name();
    problem.set(None);
    leptos::task::spawn_local(async move {
        match crate::browser::read_file(&file).await {
            Ok(bytes) => then(name, bytes),
            Err(e) => problem.set(Some(e)),
        }
    });
}

/// A model.json the person loaded on a page, by file name.
pub type LoadedModel = leptos::prelude::RwSignal<Option<(String, std::sync::Arc<glassbox_pipeline::ModelFile>)>>;

/// The model a page scores with: the one loaded there, or the one just
/// trained at the operating point's threshold; and its name for people.
pub fn page_model(
    state: crate::state::AppState,
    loaded: LoadedModel,
) -> (leptos::prelude::Memo<Option<std::sync::Arc<glassbox_pipeline::ModelFile>>>, impl Fn() -> String + Copy) {
    use leptos::prelude::*;
    let model = Memo::new(move |_| {
        loaded.get().map(|(_, m)| m).or_else(|| {
            state
                .outcome
                .get()
                .map(|o| std::sync::Arc::new(o.model_at(state.threshold.get(), state.threshold_rule.get())))
        })
    });
    let label = move || match (loaded.get(), state.outcome.with(Option::is_some)) {
        (Some((name, m)), _) => format!("{name}: {} predicting '{}'", m.spec.name(), m.schema.target),
        (None, true) => "the model just trained".to_string(),
        (None, false) => "no model yet: train one above, or load a model.json".to_string(),
    };
    (model, label)
}
