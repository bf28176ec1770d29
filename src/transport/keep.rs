//! Keeping the person's work in this browser, so a reload loses nothing:
//! the loaded file, how it is read, the columns' kinds and roles, the
//! feature settings, the model choice and the last results, restored when
//! the page opens. The values go to IndexedDB (public/store.js) as
//! structured clones: the file as a `File`, the settings and the outcome as
//! the plain objects the workers' messages use, so NaN and 64-bit counts
//! survive. Where the browser refuses storage the app works on and says so.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::Arc;

use glassbox_pipeline::features::FeatureSpec;
use glassbox_pipeline::ingest::ReadOptions;
use glassbox_pipeline::model_file::Threshold;
use glassbox_pipeline::TrainOutcome;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use crate::browser;
use crate::state::{megabytes, AppState, Keeping};
use crate::transport::loading::{self, Source};

/// The layout of what is kept; kept work of another layout is not read.
const FORMAT: u32 = 1;

thread_local! {
    /// Whether the browser lets the page keep anything (known after the restore).
    static ON: Cell<bool> = const { Cell::new(false) };
}

/// The person's choices, as kept.
#[derive(Serialize, Deserialize)]
struct Settings {
    format: u32,
    read: ReadOptions,
    roles: BTreeMap<String, bool>,
    target: String,
    model: String,
    cv_folds: usize,
    balanced: bool,
    calibration: String,
    /// Added after the first format: absent in older settings, which keep the defaults.
    #[serde(default)]
    task: String,
    #[serde(default = "auto")]
    target_transform: String,
    /// A regressor's interval level ("0.9", or "off"); older settings keep 90%.
    #[serde(default = "ninety")]
    interval: String,
    /// The interval's method; older settings keep `auto`.
    #[serde(default = "auto")]
    interval_method: String,
    time_column: String,
    search: String,
    /// Added with the refinement; older settings do not refine.
    #[serde(default)]
    refine: bool,
    features: FeatureSpec,
    workers: usize,
    threshold: Option<Threshold>,
    /// Added with recipes; older settings keep the threshold as set.
    #[serde(default)]
    threshold_rule: Option<glassbox_pipeline::threshold::ThresholdRule>,
    /// Added with recipes: the recipe applied to the file, if any.
    #[serde(default)]
    recipe: Option<glassbox_pipeline::TrainSpec>,
}

fn auto() -> String {
    "auto".to_string()
}

fn ninety() -> String {
    "0.9".to_string()
}

impl Settings {
    /// The choices now; inside an effect, the effect follows each of them.
    fn of(state: AppState) -> Self {
        Settings {
            format: FORMAT,
            read: state.read.get(),
            roles: state.roles.get(),
            target: state.target.get(),
            model: state.model.get(),
            cv_folds: state.cv_folds.get(),
            balanced: state.balanced.get(),
            calibration: state.calibration.get(),
            task: state.task.get(),
            target_transform: state.target_transform.get(),
            interval: state.interval.get(),
            interval_method: state.interval_method.get(),
            time_column: state.time_column.get(),
            search: state.search.get(),
            refine: state.refine.get(),
            features: state.features.get(),
            workers: state.workers.get(),
            threshold: state.threshold.get(),
            threshold_rule: state.threshold_rule.get(),
            recipe: state.recipe.get().map(|r| (*r).clone()),
        }
    }

    fn apply(self, state: AppState) {
        state.read.set(self.read);
        state.roles.set(self.roles);
        state.target.set(self.target);
        state.model.set(self.model);
        state.cv_folds.set(self.cv_folds);
        state.balanced.set(self.balanced);
        state.calibration.set(self.calibration);
        state.task.set(self.task);
        state.target_transform.set(self.target_transform);
        state.interval.set(self.interval);
        state.interval_method.set(self.interval_method);
        state.time_column.set(self.time_column);
        state.search.set(self.search);
        state.refine.set(self.refine);
        state.features.set(self.features);
        state.workers.set(self.workers.max(1));
        state.threshold.set(self.threshold);
        state.threshold_rule.set(self.threshold_rule);
        state.recipe.set(self.recipe.map(std::sync::Arc::new));
    }
}

/// The same encoding as the workers' messages (`WasmCodec`), whose values
/// the browser clones as they are.
fn encode<T: Serialize>(value: &T) -> Result<JsValue, String> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_large_number_types_as_bigints(true);
    value.serialize(&serializer).map_err(|e| e.to_string())
}

/// A kept value, or `None` when there is none or it no longer reads (a
/// deployment that changed the layout): that work is simply not restored.
async fn kept<T: DeserializeOwned>(key: &str) -> Option<T> {
    let value = browser::stored(key).await.ok().flatten()?;
    serde_wasm_bindgen::from_value(value).ok()
}

/// What the kept-work line says while keeping works.
fn kept_text(file: Option<&str>) -> String {
    match file {
        Some(name) => {
            format!("{name}, your settings and the last results are kept in this browser for the next visit")
        }
        None => "Your settings are kept in this browser for the next visit".to_string(),
    }
}

/// Restores the kept work, then keeps every later change of the settings and results.
pub fn start(state: AppState) {
    let ready = RwSignal::new(false);
    Effect::new(move |_| {
        let settings = Settings::of(state);
        if ready.get() {
            spawn_local(async move { save(state, "settings", encode(&settings)).await });
        }
    });
    Effect::new(move |_| {
        let outcome = state.outcome.get();
        if let (true, Some(outcome)) = (ready.get(), outcome) {
            spawn_local(async move { save(state, "outcome", encode(&*outcome)).await });
        }
    });
    spawn_local(async move {
        restore(state).await;
        ready.set(true);
    });
}

async fn restore(state: AppState) {
    // The first call tells whether the browser lets the page keep anything.
    let settings = match browser::stored("settings").await {
        Ok(v) => v.and_then(|v| serde_wasm_bindgen::from_value::<Settings>(v).ok()).filter(|s| s.format == FORMAT),
        Err(e) => return refused(state, &e),
    };
    ON.with(|on| on.set(true));
    if let Some(s) = settings {
        s.apply(state);
    }
    let file = browser::stored("file").await.ok().flatten().and_then(|v| v.dyn_into::<web_sys::File>().ok());
    let Some(file) = file else {
        return state.keeping.set(Keeping::On(kept_text(None)));
    };
    let name = file.name();
    state.file.set(Some(name.clone()));
    loading::load(state, name.clone(), Source::File(file));
    let outcome = kept::<TrainOutcome>("outcome").await;
    let results = if outcome.is_some() { " and the last results" } else { "" };
    if let Some(outcome) = outcome {
        state.outcome.set(Some(Arc::new(outcome)));
    }
    state.notice.set(Some(format!("Restored {name} with your settings{results} from your last visit.")));
    state.keeping.set(Keeping::On(kept_text(Some(&name))));
}

/// The browser refused storage: say so once, and keep nothing from now on.
fn refused(state: AppState, why: &str) {
    ON.with(|on| on.set(false));
    state.keeping.set(Keeping::Off(format!(
        "This browser does not let Glassbox keep your work ({why}): everything works, but a reload starts afresh."
    )));
}

async fn save(state: AppState, key: &str, value: Result<JsValue, String>) {
    if !ON.with(Cell::get) {
        return;
    }
    if let Err(e) = async { browser::store(key, &value?).await }.await {
        refused(state, &e);
    }
}

/// Keeps a newly loaded file in place of the last one (whose results go).
pub fn keep_file(state: AppState, name: &str, source: &Source) {
    if !ON.with(Cell::get) {
        return;
    }
    let name = name.to_string();
    let file = match source {
        Source::File(f) => Ok(f.clone()),
        Source::Decoded(d) => Ok(d.file.clone()),
        Source::Bytes(b) => browser::file_of(&name, b),
    };
    spawn_local(async move {
        let _ = browser::unstore("outcome").await;
        let file = match file {
            Ok(f) => f,
            Err(e) => return refused(state, &e),
        };
        if let Some(room) = browser::storage_room().await.filter(|&room| file.size() > room) {
            let _ = browser::unstore("file").await;
            return state.keeping.set(Keeping::On(format!(
                "{name} ({}) is larger than the {} this browser lets Glassbox keep, so a reload will ask for it again; your settings are kept",
                megabytes(file.size() as u64),
                megabytes(room as u64)
            )));
        }
        match browser::store("file", &file.into()).await {
            Ok(()) => state.keeping.set(Keeping::On(kept_text(Some(&name)))),
            Err(e) => refused(state, &e),
        }
    });
}

/// Forgets everything kept and opens the page afresh.
pub fn forget() {
    ON.with(|on| on.set(false));
    spawn_local(async {
        let _ = browser::clear_store().await;
        browser::reload();
    });
}
