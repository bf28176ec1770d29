//! The controller: what the person's actions do (load, train, compare,
//! cancel) and how the workers' answers change the state. Pages call it;
//! it sends requests through the transport and applies responses.

use std::collections::BTreeMap;
use std::sync::Arc;

use glassbox_pipeline::ingest::{ColumnKind, ReadOptions};
use glassbox_pipeline::model::{model_names, ModelSpec};
use glassbox_pipeline::run::{DataSpec, SearchSpec, ValidationSpec};
use glassbox_pipeline::search::Sampler;
use glassbox_pipeline::task::Task;
use glassbox_pipeline::TrainSpec;
use glassbox_worker::{Request, Response};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser;
use crate::state::{AppState, Busy};
use crate::transport::loading::{self, Source};
use crate::transport::{bridge, keep, pool};

thread_local! {
    /// The file just loaded, kept in the browser once it has been read.
    static TO_KEEP: std::cell::RefCell<Option<(String, Source)>> = const { std::cell::RefCell::new(None) };
}

/// A fresh page's state, with the main worker started and answering to the controller.
pub fn start() -> AppState {
    let state = AppState::new(pool::suggested_workers());
    bridge::start(state, bridge::Handlers { response: |state, r| state.on_response(r), crash: on_crash });
    loading::spawn_reader(state);
    keep::start(state);
    // The clock ticks twice a second while a run goes, so its elapsed time
    // and estimate move even when no job finishes for a while. The page
    // lives as long as the tab, so the interval is never cleared.
    let _ = set_interval_with_handle(
        move || {
            if matches!(state.busy.get_untracked(), Busy::Training(_)) {
                state.now_ms.set(browser::now_ms());
            }
        },
        std::time::Duration::from_millis(500),
    );
    // Whatever changes what training would decide about the target asks
    // the worker again: the target, the task, the roles, and a file read anew.
    Effect::new(move |_| {
        let target = state.target.get();
        state.roles.track();
        state.task.track();
        let loaded = state.inspection.with(Option::is_some);
        if loaded && !target.is_empty() {
            state.send(Request::CheckTarget { spec: state.spec() });
        }
    });
    state
}

/// A worker died: say so, and replace every worker (a run's helpers owe
/// answers that will not come); the fresh main worker reads the file again.
/// The results on the page stay: they are plain data in the page.
fn on_crash(state: AppState, panic: String) {
    state.fail(format!(
        "the computation stopped unexpectedly ({panic}). This is a bug in Glassbox, not in your data; a fresh worker has been started and reads your file again, so you can try again"
    ));
    // Replace the dead worker after this callback returns: the callback
    // belongs to the bridge being dropped. The new worker has no table yet.
    pool::reset();
    spawn_local(async move {
        loading::reset_reader();
        bridge::restart(state);
        if state.file.get_untracked().is_some() {
            loading::reread(state);
        }
    });
}

impl AppState {
    pub fn on_response(self, response: Response) {
        let for_pool = match response {
            Response::Working { .. } => pool::running(),
            Response::Results(_) => true,
            Response::Trained(_) => pool::awaits_fit(),
            Response::Failed { .. } => pool::owes_main() || pool::awaits_fit(),
            _ => false,
        };
        if for_pool {
            return pool::on_main_response(self, response);
        }
        if !matches!(
            response,
            Response::Progress { .. }
                | Response::Working { .. }
                | Response::Split(_)
                | Response::Absorbed { .. }
                | Response::DigestSet
                | Response::TargetChecked(_)
                | Response::RecordValues { .. }
                | Response::Delimited
                | Response::OtherFormat
        ) {
            self.busy.set(Busy::Idle);
            self.run_progress.set(None);
        }
        match response {
            Response::Working { stage, done, total, .. } => {
                self.show_progress(stage, done, total, browser::now_ms(), true)
            }
            Response::Inspected(inspection) => {
                // A re-read after a kind change keeps the target the person chose.
                let target = self.target.get_untracked();
                if !inspection.columns.iter().any(|c| c.name == target) {
                    self.target.set(inspection.suggested_target.clone());
                }
                self.read_stats.set(loading::read_done());
                self.inspection.set(Some(Arc::new(inspection)));
                if let Some((name, source)) = TO_KEEP.with(|k| k.borrow_mut().take()) {
                    keep::keep_file(self, &name, &source);
                }
                loading::on_inspected(self);
            }
            Response::Trained(outcome) => {
                self.note_other_data(&outcome);
                self.outcome.set(Some(Arc::from(outcome)))
            }
            Response::Leaderboard(board) => self.leaderboard.set(Some(Arc::new(board))),
            Response::FeaturePreview(p) => self.feature_preview.set(Some(Arc::new(p))),
            Response::TargetChecked(check) => {
                // A number to predict takes a model that predicts numbers (and
                // classes one that predicts classes): the select follows the task.
                let fits = ModelSpec::by_name(&self.model.get_untracked(), 0)
                    .is_ok_and(|m| m.tasks().contains(&check.decided));
                if !fits {
                    self.model.set(ModelSpec::default_for(check.decided).name().to_string());
                }
                self.target_check.set(Some(Arc::new(check)));
            }
            Response::RecordValues { columns, records, values } => {
                self.record_columns.set(columns);
                self.record_values.update(|m| m.extend(records.into_iter().zip(values)));
            }
            // Only a pooled run asks for jobs; their answers are handled above.
            Response::Results(_) => {}
            Response::Progress { bytes_read, rows, memory_bytes } => {
                loading::on_progress(self, bytes_read, rows, memory_bytes)
            }
            Response::Split(spec) => loading::on_split(self, spec),
            Response::Delimited => loading::on_delimited(self),
            Response::OtherFormat => loading::on_other_format(self),
            Response::DigestSet => {}
            Response::Absorbed { taken, bytes_read, rows } => loading::on_absorbed(self, taken, bytes_read, rows),
            // Only the reader reads parts; its answers go to `loading`.
            Response::PartBegun { .. } | Response::Part(_) | Response::PartSent { .. } => {}
            Response::Cancelled => self.notice.set(Some("Reading was cancelled: load a file to begin again.".into())),
            Response::Failed { message, .. } => {
                TO_KEEP.with(|k| k.borrow_mut().take());
                loading::abandon(self);
                self.fail(message)
            }
        }
    }

    /// Sends `request` to the main worker (a model-making one once the file's hash is known).
    pub fn send(self, request: Request) {
        loading::send_to_main(self, request)
    }

    /// Stops a training or comparison run at once. A worker busy computing
    /// reads no messages, so it is terminated, and a fresh worker reads the
    /// file again (the table lived in the old one).
    pub fn cancel_run(self) {
        let explaining = self.explaining.get_untracked();
        browser::terminate_workers();
        bridge::drop_worker();
        loading::reset_reader();
        pool::reset();
        self.finish_run();
        self.notice.set(Some(if explaining {
            "The explanations were stopped: the model and its test metrics are kept (train again to explain it).".into()
        } else {
            "The run was cancelled.".into()
        }));
        if self.file.get_untracked().is_some() {
            loading::reread(self);
        }
    }

    /// Asks the worker for the values of the data records not known yet.
    pub fn want_records(self, records: Vec<usize>) {
        let missing: Vec<usize> =
            self.record_values.with_untracked(|m| records.into_iter().filter(|r| !m.contains_key(r)).collect());
        if !missing.is_empty() {
            self.send(Request::RecordValues { records: missing });
        }
    }

    /// A new file replaces everything derived from the old one.
    pub fn load(self, name: String, source: Source) {
        self.record_values.set(BTreeMap::new());
        self.error.set(None);
        self.notice.set(None);
        self.outcome.set(None);
        self.leaderboard.set(None);
        self.feature_preview.set(None);
        self.inspection.set(None);
        self.file.set(Some(name.clone()));
        self.read.set(ReadOptions::default());
        self.roles.set(BTreeMap::new());
        self.target.set(String::new());
        self.time_column.set(String::new());
        self.recipe.set(None);
        self.recipe_input.set(None);
        // Kept once it has been read: a file Glassbox refuses (a picture, say) is never kept.
        TO_KEEP.with(|k| *k.borrow_mut() = Some((name.clone(), source.clone())));
        loading::load(self, name, source);
    }

    /// Applies a recipe (read and checked by the formats worker) to the open file: every
    /// choice it holds becomes the page's, and what the page has no control
    /// for is kept for the next run. A recipe made from another file is
    /// applied all the same (that is retraining), with a notice; one this
    /// Glassbox refuses changes nothing and says which key is wrong.
    pub fn apply_recipe(self, name: &str, recipe: glassbox_pipeline::recipe::Recipe) {
        self.error.set(None);
        self.notice.set(None);
        let Some(inspection) = self.inspection.get_untracked() else {
            self.notice.set(Some(format!(
                "{name} is a recipe: open the data first, then drop the recipe on the page to apply its choices to it."
            )));
            return;
        };
        let spec = recipe.run.clone();
        if !inspection.columns.iter().any(|c| c.name == spec.data.target || c.original_name == spec.data.target) {
            return self.fail(format!(
                "{name}: run.data.target '{}' is not a column of {}",
                spec.data.target,
                self.file.get_untracked().unwrap_or_default()
            ));
        }
        let mut roles = BTreeMap::new();
        roles.extend(spec.data.drop.iter().map(|c| (c.clone(), false)));
        roles.extend(spec.data.keep.iter().map(|c| (c.clone(), true)));
        self.roles.set(roles);
        self.target.set(spec.data.target.clone());
        self.task.set(spec.data.task.map_or(String::new(), |t| t.as_str().to_string()));
        self.model.set(spec.model.name().to_string());
        self.cv_folds.set(spec.validation.cv.unwrap_or(0));
        self.time_column.set(spec.validation.time_column.clone().unwrap_or_default());
        let samplers = &spec.search.samplers;
        self.search.set(
            match (samplers.contains(&Sampler::Random), samplers.contains(&Sampler::Tpe)) {
                (true, true) => "both",
                (true, false) => "random",
                (false, true) => "tpe",
                (false, false) => "",
            }
            .to_string(),
        );
        self.refine.set(spec.search.refine.is_some());
        self.balanced.set(spec.balanced);
        self.calibration.set(spec.calibration.map_or(String::new(), |m| m.as_str().to_string()));
        self.target_transform.set(spec.target_transform.as_str().to_string());
        self.interval.set(spec.interval.map_or("off".to_string(), |l| l.value().to_string()));
        self.interval_method.set(
            match spec.interval_method {
                glassbox_pipeline::run::IntervalMethod::Auto => "auto",
                glassbox_pipeline::run::IntervalMethod::Split => "split",
                glassbox_pipeline::run::IntervalMethod::CvPlus => "cv-plus",
                glassbox_pipeline::run::IntervalMethod::Cqr => "cqr",
            }
            .to_string(),
        );
        self.features.set(spec.features.clone());
        let reread = self.read.get_untracked() != spec.data.read;
        self.read.set(spec.data.read.clone());
        self.recipe.set(Some(Arc::new(spec)));
        self.recipe_input.set(recipe.input.clone());
        // The file's hash, where the page has it: its own, or the last run's on this file.
        let sha =
            loading::input_sha256().or_else(|| self.outcome.get_untracked().map(|o| o.manifest.input_sha256.clone()));
        self.outcome.set(None);
        self.notice.set(Some(match sha.and_then(|sha| recipe.input_notice(&sha)) {
            Some(n) => format!("Applied {name}: {n}."),
            None => format!(
                "Applied {name}: {} ({}) predicting {}; Train runs it.",
                recipe.run.model.name().replace('_', " "),
                recipe.run.model.params_text(),
                recipe.run.data.target
            ),
        }));
        if reread {
            self.record_values.set(BTreeMap::new());
            loading::reread(self);
        }
    }

    /// A recipe trained on other data than its own: allowed (that is
    /// retraining), and said once the run's hash is known.
    pub fn note_other_data(self, outcome: &glassbox_pipeline::TrainOutcome) {
        let other = self.recipe_input.get_untracked().filter(|i| i.sha256 != outcome.manifest.input_sha256);
        if let Some(i) = other {
            self.notice.set(Some(format!(
                "This run trained the recipe made from {} on other data (the SHA-256 differs from the recipe's): a retraining.",
                i.name
            )));
        }
    }

    /// Reads another sheet of the workbook loaded last, as a new file.
    pub fn load_sheet(self, sheet: String) {
        if let Some((name, file)) = loading::picked_file() {
            loading::want_sheet(sheet);
            self.load(name, Source::File(file));
        }
    }

    /// Forgets the work kept in this browser and opens the page afresh.
    pub fn forget(self) {
        keep::forget();
    }

    /// Reads the same file again after the person changed how to read it.
    pub fn set_kind(self, column: String, kind: ColumnKind) {
        self.read.update(|r| {
            r.kinds.insert(column, kind);
        });
        self.record_values.set(BTreeMap::new());
        self.outcome.set(None);
        loading::reread(self);
    }

    /// The person's choices as a training spec: target, roles, model, folds.
    pub fn spec(self) -> TrainSpec {
        let folds = self.cv_folds.get_untracked();
        let roles = self.roles.get_untracked();
        let excluded: Vec<String> = self
            .inspection
            .get_untracked()
            .map(|i| i.columns.iter().filter(|c| c.excluded).map(|c| c.name.clone()).collect())
            .unwrap_or_default();
        let drop: Vec<String> = roles.iter().filter(|(_, &feature)| !feature).map(|(c, _)| c.clone()).collect();
        let keep: Vec<String> =
            roles.iter().filter(|(c, &feature)| feature && excluded.contains(c)).map(|(c, _)| c.clone()).collect();
        // A recipe dropped on the page gives what the page has no control
        // for; without one, the defaults.
        let defaults = self.recipe.get_untracked().map(|r| (*r).clone()).unwrap_or_default();
        // The recipe's own lists where they say the same, so its run is the recipe's, byte for byte.
        let drop = same_set(drop, &defaults.data.drop);
        let keep = same_set(keep, &defaults.data.keep);
        let data = DataSpec {
            target: self.target.get_untracked(),
            read: self.read.get_untracked(),
            drop,
            keep,
            task: self.task.with_untracked(|t| Task::parse(t).ok()),
            ..defaults.data.clone()
        };
        let validation = ValidationSpec {
            cv: (folds > 1).then_some(folds),
            time_column: Some(self.time_column.get_untracked()).filter(|c| !c.is_empty()),
            ..defaults.validation.clone()
        };
        // The select offers only the modes `for_mode` knows; a model with
        // nothing to search (a baseline) trains without the search.
        let name = self.model.get_untracked();
        let model = if defaults.model.name() == name {
            defaults.model.clone()
        } else {
            ModelSpec::by_name(&name, defaults.seed).unwrap_or_default()
        };
        let samplers = if model.space().is_empty() {
            Vec::new()
        } else {
            same_set(Sampler::for_mode(&self.search.get_untracked()).unwrap_or_default(), &defaults.search.samplers)
        };
        TrainSpec {
            data,
            model,
            balanced: self.balanced.get_untracked(),
            calibration: glassbox_pipeline::recalibrate::Method::parse(&self.calibration.get_untracked()),
            // The select shows for a number only; classes keep the default, which they ignore.
            target_transform: if leptos::prelude::untrack(|| self.task_now()) == Task::Regression {
                self.target_transform.with_untracked(|t| t.parse().unwrap_or_default())
            } else {
                Default::default()
            },
            // The select offers levels `Level` accepts, and "off".
            interval: self
                .interval
                .with_untracked(|t| t.parse::<f64>().ok())
                .and_then(|v| glassbox_pipeline::conformal::Level::new(v).ok()),
            interval_method: self
                .interval_method
                .with_untracked(|m| glassbox_pipeline::run::IntervalMethod::parse(m).unwrap_or_default()),
            features: self.features.get_untracked(),
            // A refinement follows a search; with none chosen the box is hidden and ignored.
            search: SearchSpec {
                refine: (self.refine.get_untracked() && !samplers.is_empty())
                    .then(|| defaults.search.refine.clone().unwrap_or_default()),
                samplers,
                ..defaults.search.clone()
            },
            validation,
            ..defaults
        }
    }

    pub fn train(self) {
        self.error.set(None);
        self.notice.set(None);
        self.outcome.set(None);
        self.run_serial.update(|n| *n += 1);
        self.run_started_ms.set(browser::now_ms());
        let spec = self.spec();
        self.busy.set(Busy::Training(format!(
            "Training {} to predict {}{}…",
            spec.model.name().replace('_', " "),
            spec.data.target,
            spec.validation.cv.map(|k| format!(", with {k}-fold cross-validation")).unwrap_or_default()
        )));
        pool::train(self, spec, self.workers.get_untracked());
    }

    /// Shows the feature matrix the model would get.
    pub fn preview_features(self) {
        self.error.set(None);
        self.busy.set(Busy::Training("Preparing the feature preview…".into()));
        self.send(Request::PreviewFeatures { spec: self.spec() });
    }

    /// Cross-validates every model on the same folds and shows the ranking.
    pub fn compare(self) {
        self.error.set(None);
        self.notice.set(None);
        self.run_started_ms.set(browser::now_ms());
        let spec = self.spec();
        let folds = spec.validation.cv.unwrap_or(5);
        let workers = self.workers.get_untracked();
        self.busy.set(Busy::Training(format!(
            "Comparing {} models with {folds}-fold cross-validation on {workers} worker{}…",
            model_names(self.task_now()).len(),
            if workers == 1 { "" } else { "s" }
        )));
        let models = model_names(self.task_now()).iter().map(|m| m.to_string()).collect();
        pool::compare(self, spec, models, folds, workers);
    }
}

/// `ours`, or `theirs` when it holds the same items: a recipe's own order
/// survives the page's sorted maps.
fn same_set<T: PartialEq + Clone>(ours: Vec<T>, theirs: &[T]) -> Vec<T> {
    if ours.len() == theirs.len() && ours.iter().all(|o| theirs.contains(o)) && theirs.iter().all(|t| ours.contains(t))
    {
        theirs.to_vec()
    } else {
        ours
    }
}
