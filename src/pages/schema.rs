//! The schema page: every column with its kind, role, flags and a small histogram.

use std::sync::Arc;

use glassbox_pipeline::ingest::ColumnKind;
use glassbox_pipeline::ingest::DateOrder;
use glassbox_pipeline::run::Role;
use glassbox_pipeline::Inspection;
use leptos::prelude::*;

use crate::pages::short_number;
use crate::state::{AppState, Busy};

/// Every column with its kind and role, which the person can change, its
/// missing and distinct counts, and the flags that explain a default; then the
/// rows that could not be read.
#[component]
pub fn SchemaPanel(inspection: Arc<Inspection>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let busy = move || state.busy.get() != Busy::Idle;
    let rows = inspection
        .columns
        .iter()
        .map(|c| {
            let name = c.name.clone();
            // Training's own decision for the current target, once the
            // worker has checked it: a column it leaves out as a likely leak
            // shows as left out, with the reason, before Train.
            let checked = {
                let name = name.clone();
                move || state.current_check().and_then(|k| k.columns.iter().find(|r| r.name == name).cloned())
            };
            let excluded = {
                let checked = checked.clone();
                let flagged = c.excluded;
                move || checked().map_or(flagged, |r| r.role == Role::Excluded)
            };
            let role = Signal::derive({
                let name = name.clone();
                let excluded = excluded.clone();
                move || {
                    if state.target.with(|t| *t == name) {
                        "target"
                    } else {
                        match state.roles.with(|r| r.get(&name).copied()) {
                            Some(true) => "feature",
                            Some(false) => "ignore",
                            None if excluded() => "ignore",
                            None => "feature",
                        }
                    }
                }
            });
            let on_role = {
                let name = name.clone();
                move |ev: leptos::ev::Event| {
                    let value = event_target_value(&ev);
                    if value == "target" {
                        state.target.set(name.clone());
                        state.roles.update(|r| {
                            r.remove(&name);
                        });
                    } else {
                        if state.target.with_untracked(|t| *t == name) {
                            state.target.set(String::new());
                        }
                        state.roles.update(|r| {
                            r.insert(name.clone(), value == "feature");
                        });
                    }
                }
            };
            let on_kind = {
                let name = name.clone();
                move |ev: leptos::ev::Event| {
                    if let Some(kind) = ColumnKind::parse(&event_target_value(&ev)) {
                        state.set_kind(name.clone(), kind);
                    }
                }
            };
            let kind = c.kind.as_str();
            let flags = c.flags.clone();
            let notes = move || {
                let flags = checked().map_or_else(|| flags.clone(), |r| r.flags);
                let reasons = flags.iter().map(|f| f.reason.clone()).collect::<Vec<_>>().join("; ");
                if excluded() && !reasons.is_empty() {
                    format!("left out: {reasons}")
                } else {
                    reasons
                }
            };
            let distribution = if !c.histogram.is_empty() {
                let (lo, hi) = c.range.unwrap_or_default();
                let svg = glassbox_charts::mini_histogram_svg(&c.histogram);
                // A datetime column's range comes as dates, not the seconds it holds.
                let title = match &c.range_text {
                    Some((a, b)) => format!("{a} … {b}"),
                    None => format!("{} … {}", short_number(lo), short_number(hi)),
                };
                view! { <span class="dist" title=title.clone() inner_html=svg></span><span class="range">{title}</span> }.into_any()
            } else {
                let top = c.top.iter().map(|(v, n)| format!("{v} {n}")).collect::<Vec<_>>().join(" · ");
                view! { <span class="top">{top}</span> }.into_any()
            };
            let original = (c.original_name != c.name).then(|| format!("“{}”", c.original_name));
            view! {
                <tr class:excluded=move || role.get() == "ignore">
                    <th scope="row">{name.clone()}<span class="original">{original}</span></th>
                    <td>
                        <select data-testid=format!("column-kind-{name}") aria-label=format!("kind of {name}")
                            prop:value=kind on:change=on_kind disabled=busy>
                            <option value="numeric" selected=kind == "numeric">"numeric"</option>
                            <option value="categorical" selected=kind == "categorical">"categorical"</option>
                            <option value="boolean" selected=kind == "boolean">"boolean"</option>
                            <option value="datetime" selected=kind == "datetime">"datetime"</option>
                        </select>
                    </td>
                    <td>
                        <select data-testid=format!("column-role-{name}") aria-label=format!("role of {name}")
                            prop:value=role on:change=on_role disabled=busy>
                            <option value="feature">"feature"</option>
                            <option value="target">"target"</option>
                            <option value="ignore">"ignore"</option>
                        </select>
                    </td>
                    <td class="num">{c.missing}</td>
                    <td class="num">{c.distinct}</td>
                    <td class="distribution">{distribution}</td>
                    <td class="notes" data-testid=format!("column-notes-{name}")>{notes}</td>
                </tr>
            }
        })
        .collect_view();
    let f = &inspection.format;
    let format = format!("Read as {}.", f.describe());
    let has_dates = inspection.columns.iter().any(|c| c.kind == ColumnKind::Datetime);
    let format = if has_dates {
        format!("{format} Date-times without an offset are read in {} and stored as UTC.", f.timezone)
    } else {
        format
    };
    let issues = inspection.row_issues.clone();
    let n_issues = issues.len();
    let flagged = inspection.columns.iter().filter(|c| !c.flags.is_empty()).count();
    let n_columns = inspection.columns.len();
    let duplicates = inspection.duplicate_rows;
    // The target's classes are counted under its select (a few, never hundreds).
    let quality = format!(
        "Data quality: {duplicates} duplicate row{} · {flagged} flagged column{}.",
        if duplicates == 1 { "" } else { "s" },
        if flagged == 1 { "" } else { "s" }
    );
    let ambiguous_dates = inspection
        .columns
        .iter()
        .any(|c| c.flags.iter().any(|f| f.kind == glassbox_pipeline::quality::FlagKind::DateOrder));
    let date_controls = has_dates.then(|| view! { <DateControls ambiguous=ambiguous_dates/> });
    view! {
        <p class="muted" data-testid="format">{format}</p>
        <FileChoices/>
        {date_controls}
        <p class="muted" data-testid="quality-summary">{quality}</p>
        <Show when=move || { n_issues > 0 }>
            <details class="row-issues" data-testid="row-issues" open=n_issues <= 5>
                <summary>{format!("{n_issues} row{} could not be read and {} skipped", if n_issues == 1 { "" } else { "s" }, if n_issues == 1 { "is" } else { "are" })}</summary>
                <ul>{issues.iter().take(50).map(|i| view! { <li>{i.message.clone()}</li> }).collect_view()}</ul>
            </details>
        </Show>
        // A wide file's columns fold away (86 of them pushed everything below 4,300 px down).
        <details class="columns" open=n_columns <= OPEN_COLUMNS data-testid="columns">
            <summary><h3>{format!("Columns ({n_columns}): kind, role and what Glassbox noticed")}</h3></summary>
            <div class="table-scroll" tabindex="0" role="region" aria-label="columns">
                <table class="grid schema" data-testid="schema-panel">
                    <thead><tr><th scope="col">"column"</th><th scope="col">"kind"</th><th scope="col">"role"</th>
                        <th scope="col">"missing"</th><th scope="col">"distinct"</th><th scope="col">"distribution"</th><th scope="col">"notes"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </details>
    }
}

/// The most columns whose table shows open; a wider file's folds away.
const OPEN_COLUMNS: usize = 40;

/// Zones offered for naive date-times; any IANA name works in the CLI.
const ZONES: [&str; 14] = [
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Africa/Johannesburg",
];

/// How to read date-times: the zone of times without an offset, and, when
/// the data cannot tell, whether 03/04/2024 is 3 April or 4 March.
/// A workbook's sheet select (when it has more than one) and what reading
/// the workbook, JSON Lines file or gzip decided.
#[component]
fn FileChoices() -> impl IntoView {
    let state = expect_context::<AppState>();
    let busy = move || state.busy.get() != Busy::Idle;
    let on_sheet = move |ev: leptos::ev::Event| state.load_sheet(event_target_value(&ev));
    let sheets = move || {
        let sheets = state.sheets.get();
        (sheets.len() > 1).then(|| {
            let chosen = state.sheet.get().unwrap_or_default();
            let options = sheets
                .into_iter()
                .map(|s| {
                    let label = if s.table {
                        format!("{} ({} rows)", s.name, s.rows)
                    } else {
                        format!("{} (no table)", s.name)
                    };
                    let selected = s.name == chosen;
                    view! { <option value=s.name.clone() selected=selected>{label}</option> }
                })
                .collect_view();
            view! {
                <label class="inline">"Sheet "
                    <select data-testid="sheet-select" on:change=on_sheet disabled=busy>{options}</select>
                </label>
            }
        })
    };
    let notes = move || {
        let notes = state.file_notes.get();
        (!notes.is_empty()).then(|| {
            view! {
                <ul class="muted file-notes" data-testid="file-notes">
                    {notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
                </ul>
            }
        })
    };
    view! { {sheets} {notes} }
}

#[component]
fn DateControls(ambiguous: bool) -> impl IntoView {
    let state = expect_context::<AppState>();
    let busy = move || state.busy.get() != Busy::Idle;
    let zone = move || state.read.with(|r| r.timezone.clone().unwrap_or_else(|| "UTC".into()));
    let order = move || match state.read.with(|r| r.date_order) {
        Some(DateOrder::Mdy) => "mdy",
        _ => "dmy",
    };
    let set_zone = move |ev: leptos::ev::Event| {
        let z = event_target_value(&ev);
        state.read.update(|r| r.timezone = Some(z));
        state.outcome.set(None);
        crate::transport::loading::reread(state);
    };
    let set_order = move |ev: leptos::ev::Event| {
        let o = DateOrder::parse(&event_target_value(&ev));
        state.read.update(|r| r.date_order = o);
        state.outcome.set(None);
        crate::transport::loading::reread(state);
    };
    view! {
        <div class="date-controls">
            <label>"Times without an offset are in "
                <select data-testid="timezone" prop:value=zone on:change=set_zone disabled=busy>
                    {ZONES.iter().map(|z| view! { <option value=*z>{*z}</option> }).collect_view()}
                </select>
            </label>
            <Show when=move || ambiguous || state.read.with(|r| r.date_order.is_some())>
                <label class="ask">"Dates like 03/04/2024 are "
                    <select data-testid="date-order" prop:value=order on:change=set_order disabled=busy>
                        <option value="dmy">"day first (3 April)"</option>
                        <option value="mdy">"month first (4 March)"</option>
                    </select>
                </label>
            </Show>
        </div>
    }
}
