//! The training page: the file read, the target, the model and its validation, then train or compare.

use std::sync::Arc;

use glassbox_pipeline::ingest::ColumnKind;
use glassbox_pipeline::model::model_names;
use glassbox_pipeline::task::Task;
use glassbox_pipeline::Inspection;
use leptos::prelude::*;

use crate::pages::features::{FeatureOptions, FeaturePreviewTable};
use crate::pages::leaderboard::Leaderboard;
use crate::pages::schema::SchemaPanel;
use crate::pages::status::StatusLine;
use crate::state::{AppState, Busy};
use crate::transport::pool;

#[component]
pub fn Preview(inspection: Arc<Inspection>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let busy = move || state.busy.get() != Busy::Idle;
    let file_name = move || state.file.get().unwrap_or_default();
    let renamed = inspection
        .renamed
        .iter()
        .map(|r| format!("column {} '{}' was renamed to '{}'", r.position, r.original_name, r.name))
        .collect::<Vec<_>>()
        .join("; ");
    let options = inspection
        .columns
        .iter()
        .map(|c| {
            let name = c.name.clone();
            view! { <option value=name.clone()>{name.clone()}</option> }
        })
        .collect_view();
    // No plausible target: the page asks instead of guessing.
    let ask = inspection.suggested_target.is_empty();
    let header = inspection
        .columns
        .iter()
        .map(|c| {
            view! {
                <th scope="col">
                    <span class="colname">{c.name.clone()}</span>
                    <span class="coltype">{c.kind.as_str()}</span>
                    <span class="colmissing" class:has-missing={c.missing > 0}>{format!("{} missing", c.missing)}</span>
                </th>
            }
        })
        .collect_view();
    let kinds: Vec<bool> =
        inspection.columns.iter().map(|c| c.kind == glassbox_pipeline::ingest::ColumnKind::Numeric).collect();
    let rows = inspection.preview.iter().map(|row| {
        let cells = row.iter().zip(&kinds).map(|(cell, &numeric)| {
            view! { <td class:num=numeric class:missing=cell.is_empty()>{if cell.is_empty() { "—".to_string() } else { cell.clone() }}</td> }
        }).collect_view();
        view! { <tr>{cells}</tr> }
    }).collect_view();
    view! {
        <div class="preview">
            <p class="muted">
                {file_name} ": " {inspection.n_rows} " rows × " {inspection.columns.len()} " columns."
                {move || state.read_stats.get().map(|r| view! {
                    " " <span data-testid="read-stats" data-seconds=r.seconds.to_string()>{format!("({})", r.text())}</span>
                })}
            </p>
            <Show when={let r = renamed.clone(); move || !r.is_empty()}>
                <p class="note">"Note: " {renamed.clone()}</p>
            </Show>
            <div class="train-box" id="train">
                <div class="train-row">
                    <label class="target">"Column to predict "
                        <select data-testid="target-select" prop:value=move || state.target.get()
                            aria-describedby="target-problem"
                            on:change=move |ev| state.target.set(event_target_value(&ev)) disabled=busy>
                            {ask.then(|| view! { <option value="">"— choose a column —"</option> })}
                            {options}
                        </select>
                    </label>
                    <label title="Automatic: a numeric column with a fraction or more than 20 distinct values is a number to predict, anything else a set of classes">"Predict as "
                        <Choice testid="task-select" value=state.task disabled=Signal::derive(busy)
                            options=&[("", "automatic"), ("classification", "classification"), ("regression", "regression")]/>
                    </label>
                    <button class="primary" data-testid="train-button"
                        disabled=move || busy() || state.target.with(String::is_empty) || state.target_problem().is_some()
                        on:click=move |_| state.train()>
                        "Train"
                    </button>
                </div>
                // The target's refusal or classes, right under its select.
                <TargetNote ask=ask/>
                <div class="train-row">
                    <label>"Model "
                        <select data-testid="model-select" prop:value=move || state.model.get()
                            on:change=move |ev| state.model.set(event_target_value(&ev)) disabled=busy>
                            {move || model_names(state.task_now()).into_iter().map(|m| view! { <option value=m>{m.replace('_', " ")}</option> }).collect_view()}
                        </select>
                    </label>
                    <label>"Cross-validation "
                        <select data-testid="cv-folds" prop:value=move || state.cv_folds.get().to_string()
                            on:change=move |ev| state.cv_folds.set(event_target_value(&ev).parse().unwrap_or(0)) disabled=busy>
                            <option value="0">"none"</option>
                            <option value="5">"5 folds"</option>
                            <option value="10">"10 folds"</option>
                            // A recipe's other number of folds, so the select shows what a run takes.
                            {move || {
                                let k = state.cv_folds.get();
                                (![0, 5, 10].contains(&k)).then(|| view! { <option value=k.to_string()>{format!("{k} folds")}</option> })
                            }}
                        </select>
                    </label>
                    <label title="Try 20 settings of the model's hyper-parameters per sampler, scored by cross-validation on the training rows, and train with the best">"Search "
                        <Choice testid="search-sampler" value=state.search disabled=Signal::derive(busy)
                            options=&[("", "none"), ("random", "random, 20 trials"), ("tpe", "TPE, 20 trials"), ("both", "random and TPE, 20 trials each")]/>
                    </label>
                    <Show when=move || !state.search.with(String::is_empty)>
                    <label title="After the search, score a grid around the best trial over the parameter that mattered most (fANOVA): whole numbers ±4 in steps of 1, log-scaled parameters multiplied and divided by equal ratios; every other parameter at the best trial's value, on the search's folds. The model trains on the best of all trials.">
                        <input type="checkbox" data-testid="search-refine" prop:checked=move || state.refine.get()
                            on:change=move |ev| state.refine.set(event_target_checked(&ev)) disabled=busy/>
                        " refine the top parameter"
                    </label>
                    </Show>
                    <Show when=move || state.task_now() == Task::Classification>
                    <label title="Weigh each class inversely to its frequency, so rare classes count as much as common ones (logistic regression and trees)">
                        <input type="checkbox" data-testid="class-weight" prop:checked=move || state.balanced.get()
                            on:change=move |ev| state.balanced.set(event_target_checked(&ev)) disabled=busy/>
                        " balanced class weights"
                    </label>
                    <label title="Make the probabilities trustworthy as scikit-learn's CalibratedClassifierCV: the model fitted on 5 folds of the training rows, each with a map fitted on its held-out fold, averaged">"Calibrate "
                        <Choice testid="calibration-select" value=state.calibration disabled=Signal::derive(busy)
                            options=&[("", "no"), ("sigmoid", "sigmoid (Platt)"), ("isotonic", "isotonic")]/>
                    </label>
                    </Show>
                    <Show when=move || state.task_now() == Task::Regression>
                    <label title="The scale the model learns the target on. log1p fits on log(1 + y) and maps the predictions back, which suits a right-skewed target such as a price; automatic tries it when the target is right-skewed (skewness at least 0.75) and keeps it when its cross-validated RMSE is lower. Every metric is on the target's own scale.">"Target scale "
                        <Choice testid="target-transform" value=state.target_transform disabled=Signal::derive(busy)
                            options=&[("auto", "automatic"), ("none", "as it is"), ("log1p", "log1p")]/>
                    </label>
                    <label title="A range around every prediction that holds the true value at least this often on new rows like the training rows (split conformal: a fifth of the training rows is held out of the fit to measure the model's errors; below 500 training rows CV+, each row's error from the model refitted without its fold)">"Prediction interval "
                        <Choice testid="interval-level" value=state.interval disabled=Signal::derive(busy)
                            options=&[("0.8", "80%"), ("0.9", "90%"), ("0.95", "95%"), ("0.99", "99%"), ("off", "none")]/>
                    </label>
                    <label title="How the interval is made. Automatic: split conformal, or CV+ below 500 training rows. Split: a fifth of the training rows held out, one width for every row. CV+: the model refitted without each of 5 folds, no row held out. Quantile (CQR): gradient boosting at the interval's two ends beside the model, corrected on a held-out fifth; narrow where the target varies little and wide where it varies much">"Interval method "
                        <Choice testid="interval-method" value=state.interval_method disabled=Signal::derive(move || busy() || state.interval.with(|i| i == "off"))
                            options=&[("auto", "automatic"), ("split", "split"), ("cv-plus", "CV+"), ("cqr", "quantile (CQR)")]/>
                    </label>
                    </Show>
                    {
                        let dates: Vec<String> = inspection.columns.iter().filter(|c| c.kind == ColumnKind::Datetime).map(|c| c.name.clone()).collect();
                        (!dates.is_empty()).then(|| view! {
                            <label title="Also train on the past and score the next period, window by window">"Validate in time order on "
                                <select data-testid="time-column" prop:value=move || state.time_column.get()
                                    on:change=move |ev| state.time_column.set(event_target_value(&ev)) disabled=busy>
                                    <option value="">"(none)"</option>
                                    {dates.into_iter().map(|d| view! { <option value=d.clone()>{d.clone()}</option> }).collect_view()}
                                </select>
                            </label>
                        })
                    }
                    <FeatureOptions/>
                    <button data-testid="preview-features-button"
                        disabled=move || busy() || state.target.with(String::is_empty) || state.target_problem().is_some()
                        on:click=move |_| state.preview_features()>
                        "Preview features"
                    </button>
                    <label title="Web Workers that share the reading of a large file and the jobs of a comparison or a search (the results do not depend on it)">"workers "
                        <select data-testid="workers" prop:value=move || state.workers.get().to_string()
                            on:change=move |ev| state.workers.set(event_target_value(&ev).parse().unwrap_or(1)) disabled=busy>
                            {(1..=pool::MAX_WORKERS).map(|n| view! { <option value=n.to_string()>{n}</option> }).collect_view()}
                        </select>
                    </label>
                    <button data-testid="compare-button"
                        disabled=move || busy() || state.target.with(String::is_empty) || state.target_problem().is_some()
                        on:click=move |_| state.compare()>
                        "Compare all models"
                    </button>
                    // The split a run takes: the defaults, or a dropped recipe's.
                    <span class="muted" data-testid="split-text">{move || {
                        let (test, seed) = state.recipe.with(|r| r.as_ref().map_or((0.2, 42), |r| (r.data.test_size, r.seed)));
                        format!(
                            "{} {:.0}/{:.0} split, seed {seed}",
                            match state.task_now() {
                                Task::Classification => "stratified",
                                Task::Regression => "shuffled",
                            },
                            100.0 * (1.0 - test),
                            100.0 * test
                        )
                    }}</span>
                </div>
            </div>
            <StatusLine/>
            <SchemaPanel inspection=inspection.clone()/>
            <h3>{format!("First {} rows", inspection.preview.len())}</h3>
            <div class="table-scroll" tabindex="0" role="region" aria-label="first rows of the file"><table class="grid" data-testid="preview"><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table></div>
            <FeaturePreviewTable/>
            <Leaderboard/>
        </div>
    }
}

/// Under the target select: why training would refuse the target, said as
/// soon as it is picked; else its classes with their rows (a few, not
/// hundreds); or, when no column looked like a target, the question.
#[component]
fn TargetNote(ask: bool) -> impl IntoView {
    let state = expect_context::<AppState>();
    move || {
        if state.target.with(String::is_empty) {
            return if ask {
                view! {
                    <p class="notice" data-testid="target-ask">
                        "No column looks like a set of classes to predict (each with at least two rows): choose the one you want predicted."
                    </p>
                }
                .into_any()
            } else {
                ().into_any()
            };
        }
        let check = state.current_check();
        let decided = check.as_ref().map(|c| c.decided);
        match check.as_ref().and_then(|c| c.problem.clone()) {
            Some(problem) => {
                // A number to predict that was read as text: offer to read it as numeric
                // (its words become missing targets, which the run counts and names).
                let target = state.target.get();
                let text = state
                    .inspection
                    .get()
                    .and_then(|i| i.columns.iter().find(|c| c.name == target).map(|c| c.kind != ColumnKind::Numeric))
                    .unwrap_or(false);
                let offer = (decided == Some(Task::Regression) && text).then(|| {
                    let column = target.clone();
                    view! {
                        <button data-testid="read-target-numeric" on:click=move |_| state.set_kind(column.clone(), ColumnKind::Numeric)>
                            {format!("Read '{target}' as numeric")}
                        </button>
                    }
                });
                view! {
                    <p class="error" role="alert" id="target-problem" data-testid="target-problem">
                        {format!("This column cannot be the target: {problem}.")}
                        " " {offer}
                    </p>
                }
                .into_any()
            }
            None if decided == Some(Task::Regression) => view! {
                <p class="muted" id="target-problem" data-testid="target-number">
                    "A number to predict (regression): the models below predict numbers, scored by R², RMSE and MAE."
                </p>
            }
            .into_any(),
            None => {
                let classes = check.map(|c| c.classes.clone()).unwrap_or_default();
                let total: usize = classes.iter().map(|(_, n)| n).sum();
                let shown = classes
                    .iter()
                    .take(CLASSES_SHOWN)
                    .map(|(c, n)| {
                        format!(
                            "{c} {} ({:.1}%)",
                            crate::state::group(*n as u64),
                            100.0 * *n as f64 / total.max(1) as f64
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" · ");
                let more = classes.len().saturating_sub(CLASSES_SHOWN);
                let more = (more > 0).then(|| format!(" · and {more} more"));
                (!classes.is_empty())
                    .then(|| {
                        view! {
                            <p class="muted" id="target-problem" data-testid="class-balance">
                                {format!("{} classes: {shown}{}", classes.len(), more.unwrap_or_default())}
                            </p>
                        }
                    })
                    .into_any()
            }
        }
    }
}

/// Classes listed by name under the target select; the rest are counted.
const CLASSES_SHOWN: usize = 8;

/// A select of fixed choices bound to a text setting: the value of the
/// option chosen, "" for the first when it means "none" or "automatic".
#[component]
fn Choice(
    testid: &'static str,
    value: RwSignal<String>,
    options: &'static [(&'static str, &'static str)],
    disabled: Signal<bool>,
) -> impl IntoView {
    view! {
        <select data-testid=testid prop:value=move || value.get()
            on:change=move |ev| value.set(event_target_value(&ev)) disabled=disabled>
            {options.iter().map(|&(v, text)| view! { <option value=v>{text}</option> }).collect_view()}
        </select>
    }
}
