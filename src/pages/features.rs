//! The features page: the feature pipeline and the matrix it makes.

use glassbox_pipeline::features::{Binning, DatePart, Encoding, FeatureSpec, Impute, Scale};
use glassbox_pipeline::ingest::ColumnKind;
use leptos::prelude::*;
use std::collections::BTreeMap;

use crate::state::{AppState, Busy};

/// The feature pipeline's settings: imputation, scaling, bins, category
/// encoding and date parts. Each change updates the spec the next run uses.
#[component]
pub fn FeatureOptions() -> impl IntoView {
    let state = expect_context::<AppState>();
    let busy = move || state.busy.get() != Busy::Idle;
    let problem = RwSignal::new(None::<String>);
    let update = move |f: &dyn Fn(&mut FeatureSpec)| {
        state.features.update(|s| f(s));
        state.feature_preview.set(None);
    };
    let on_impute = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        match Impute::parse(&v) {
            Ok(i) => {
                problem.set(None);
                update(&|s| s.impute = i);
            }
            Err(e) => problem.set(Some(e.to_string())),
        }
    };
    let on_bins = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        let parsed = text
            .split(';')
            .filter(|b| !b.trim().is_empty())
            .map(Binning::parse)
            .collect::<Result<BTreeMap<_, _>, _>>()
            .and_then(|bins| {
                let spec = FeatureSpec { bins: bins.clone(), ..FeatureSpec::default() };
                spec.validate().map(|()| bins)
            });
        match parsed {
            Ok(bins) => {
                problem.set(None);
                update(&|s| s.bins = bins.clone());
            }
            Err(e) => problem.set(Some(e.to_string())),
        }
    };
    let scale_value = move || state.features.get().scale.as_str();
    let part_box = move |p: DatePart| {
        let checked = move || {
            let parts = state.features.get().date_parts;
            parts.is_none_or(|ps| ps.contains(&p))
        };
        let on_change = move |ev: leptos::ev::Event| {
            let on = event_target_checked(&ev);
            update(&|s| {
                let mut parts = s.date_parts.clone().unwrap_or_else(|| DatePart::ALL.to_vec());
                parts.retain(|x| *x != p);
                if on {
                    parts.push(p);
                    parts.sort();
                }
                s.date_parts = Some(parts);
            });
        };
        view! {
            <label><input type="checkbox" data-testid=format!("date-part-{}", p.as_str()) prop:checked=checked on:change=on_change disabled=busy/>{format!(" {}", p.as_str().replace('_', " "))}</label>
        }
    };
    view! {
        <details class="feature-options" data-testid="feature-options">
            <summary>"Feature pipeline: " {move || state.features.get().text()}</summary>
            <div class="controls">
                <label>"Numbers: fill gaps with "
                    <select data-testid="impute-select" on:change=on_impute disabled=busy>
                        <option value="median">"median"</option>
                        <option value="mean">"mean"</option>
                        <option value="constant:0">"constant 0"</option>
                    </select>
                </label>
                <label title="Add a column that is 1 where the value was missing">
                    <input type="checkbox" data-testid="missing-indicator" prop:checked=move || state.features.get().missing_indicator
                        on:change=move |ev| { let on = event_target_checked(&ev); update(&|s| s.missing_indicator = on) } disabled=busy/>
                    " missing indicator"
                </label>
                <label>"scale "
                    <select data-testid="scale-select" prop:value=scale_value
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            if let Ok(scale) = Scale::parse(&v) { update(&|s| s.scale = scale) }
                        } disabled=busy>
                        <option value="standard">"standard"</option>
                        <option value="minmax">"min-max"</option>
                        <option value="robust">"robust (median, IQR)"</option>
                        <option value="none">"none"</option>
                    </select>
                </label>
                <label title="Cut numeric columns into bins: age=0,18,35,65,100 or fare=quantile:4 or fare=uniform:5, separated by ;">"bins "
                    <input type="text" data-testid="bins-input" placeholder="age=0,18,35,65,100; fare=quantile:4" on:change=on_bins disabled=busy/>
                </label>
            </div>
            <div class="controls">
                <label>"Categories: "
                    <select data-testid="encoding-select"
                        on:change=move |ev| { let ordinal = event_target_value(&ev) == "ordinal"; update(&|s| s.encoding = if ordinal { Encoding::Ordinal } else { Encoding::OneHot }) } disabled=busy>
                        <option value="one_hot">"one-hot"</option>
                        <option value="ordinal">"ordinal codes"</option>
                    </select>
                </label>
                <label><input type="checkbox" data-testid="drop-first" prop:checked=move || state.features.get().drop_first
                    on:change=move |ev| { let on = event_target_checked(&ev); update(&|s| s.drop_first = on) } disabled=busy/>" drop first level"</label>
                <label title="Levels with fewer training rows share one 'other' column">"rarer than "
                    <input type="number" min="0" class="narrow" data-testid="min-frequency" prop:value=move || state.features.get().min_frequency.to_string()
                        on:change=move |ev| { let n = event_target_value(&ev).parse().unwrap_or(0); update(&|s| s.min_frequency = n) } disabled=busy/>
                    " rows → other"
                </label>
                <label title="Keep only the most frequent levels; the rest share one 'other' column">"at most "
                    <input type="number" min="1" class="narrow" data-testid="max-levels" placeholder="all"
                        on:change=move |ev| { let n = event_target_value(&ev).parse().ok().filter(|&n: &usize| n > 0); update(&|s| s.max_levels = n) } disabled=busy/>
                    " levels"
                </label>
            </div>
            {move || {
                let has_dates = state.inspection.with(|i| i.as_ref().is_some_and(|i| i.columns.iter().any(|c| c.kind == ColumnKind::Datetime)));
                has_dates.then(|| view! { <div class="controls">"Dates: " {DatePart::ALL.into_iter().map(part_box).collect_view()}</div> })
            }}
            {move || problem.get().map(|p| view! { <p class="error-inline" data-testid="feature-options-error">{p}</p> })}
        </details>
    }
}

/// The transformed matrix: feature names as columns, the first training rows.
#[component]
pub fn FeaturePreviewTable() -> impl IntoView {
    let state = expect_context::<AppState>();
    // Features shown at a time: one-hot levels made a table 210,049 px wide.
    let first = RwSignal::new(0usize);
    move || {
        state.feature_preview.get().map(|p| {
            let n = p.names.len();
            let window = move || {
                let start = first.get().min(n.saturating_sub(1));
                start..(start + FEATURES_SHOWN).min(n)
            };
            let header = {
                let p = p.clone();
                move || p.names[window()].iter().map(|n| view! { <th scope="col">{n.clone()}</th> }).collect_view()
            };
            let rows = {
                let p = p.clone();
                move || {
                    p.rows
                        .iter()
                        .zip(&p.records)
                        .map(|(r, rec)| {
                            let cells =
                                r[window()].iter().map(|v| view! { <td class="num">{format!("{v:.3}")}</td> }).collect_view();
                            view! { <tr><td class="num">{*rec}</td>{cells}</tr> }
                        })
                        .collect_view()
                }
            };
            view! {
                <h3>{format!("Features the model sees ({n} columns)")}</h3>
                <p class="muted">{format!("Fitted on the training rows: {}.", p.preprocessing)}</p>
                {(n > FEATURES_SHOWN).then(|| view! {
                    <p class="pager">
                        <button data-testid="features-prev" disabled=move || first.get() == 0
                            on:click=move |_| first.update(|f| *f = f.saturating_sub(FEATURES_SHOWN))>"Previous"</button>
                        {move || { let w = window(); format!(" features {}–{} of {n} ", w.start + 1, w.end) }}
                        <button data-testid="features-next" disabled=move || { first.get() + FEATURES_SHOWN >= n }
                            on:click=move |_| first.update(|f| *f += FEATURES_SHOWN)>"Next"</button>
                    </p>
                })}
                <div class="table-scroll" tabindex="0" role="region" aria-label="feature matrix preview">
                    <table class="grid" data-testid="feature-preview">
                        <thead><tr><th scope="col">"row"</th>{header}</tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
        })
    }
}

/// Feature columns the preview shows at a time.
const FEATURES_SHOWN: usize = 24;
