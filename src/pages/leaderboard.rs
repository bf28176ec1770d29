//! The leaderboard: models compared on the same folds, best first.

use glassbox_pipeline::run::LeaderboardEntry;
use leptos::prelude::*;

use crate::state::AppState;

/// Models ranked by cross-validated scores on the training rows; the person
/// sorts by any column and picks the model to train.
#[component]
pub fn Leaderboard() -> impl IntoView {
    let state = expect_context::<AppState>();
    // The ranking metric's column, whichever the task (the first of `columns`).
    let sort = RwSignal::new(String::new());
    move || {
        state.leaderboard.get().map(|board| {
            // A comparison of regressors has RMSE, R² and MAE; of classifiers, the classification scores.
            let numbers = board.first().is_some_and(|e| e.cv.contains_key("rmse"));
            let (columns, lower_is_better, baseline_model): (&[(&str, &str)], &[&str], &str) = if numbers {
                (&[("rmse", "RMSE"), ("r2", "R²"), ("mae", "MAE")], &["rmse", "mae"], "baseline_mean")
            } else {
                (
                    &[("roc_auc", "ROC AUC"), ("accuracy", "accuracy"), ("f1_macro", "F1 (macro)"), ("log_loss", "log loss")],
                    &["log_loss"],
                    "baseline_most_frequent",
                )
            };
            let ranking = columns[0].0;
            let key = Some(sort.get()).filter(|k| !k.is_empty()).unwrap_or_else(|| ranking.to_string());
            let mut rows: Vec<LeaderboardEntry> = board.as_ref().clone();
            // Errors, losses and times: lower is better; the scores: higher is better.
            let value = |e: &LeaderboardEntry| match key.as_str() {
                "fit_seconds" => -e.fit_seconds,
                "predict_seconds" => -e.predict_seconds,
                k => {
                    let v = e.cv.get(k).map_or(f64::NEG_INFINITY, |m| m.mean);
                    if lower_is_better.contains(&k) { -v } else { v }
                }
            };
            rows.sort_by(|a, b| value(b).total_cmp(&value(a)));
            let better = |a: f64, b: f64| if lower_is_better.contains(&ranking) { a < b - 1e-9 } else { a > b + 1e-9 };
            let baseline = board.iter().find(|e| e.model == baseline_model).map(|e| e.cv[ranking].mean);
            let header = columns
                .iter()
                .copied()
                .chain([("fit_seconds", "fit s"), ("predict_seconds", "predict s")])
                .map(|(k, label)| {
                    let active = key == k;
                    view! {
                        <th scope="col" class:sorted=active>
                            <button class="link" on:click=move |_| sort.set(k.to_string())>{label}{if active { " ▾" } else { "" }}</button>
                        </th>
                    }
                })
                .collect_view();
            let body = rows
                .into_iter()
                .map(|e| {
                    let cells = columns
                        .iter()
                        .map(|(m, _)| {
                            let s = &e.cv[*m];
                            view! { <td class="num">{format!("{} ± {}", glassbox_report::regression::fmt_number(s.mean), glassbox_report::regression::fmt_number(s.std))}</td> }
                        })
                        .collect_view();
                    let beats = baseline.is_none_or(|b| better(e.cv[ranking].mean, b));
                    let name = e.model.clone();
                    let pick = name.clone();
                    view! {
                        <tr data-testid=format!("leaderboard-row-{name}") class:below-baseline=!beats>
                            <th scope="row">{name.replace('_', " ")}<span class="params">{e.params.clone()}</span></th>
                            {cells}
                            <td class="num">{format!("{:.3}", e.fit_seconds)}</td>
                            <td class="num">{format!("{:.3}", e.predict_seconds)}</td>
                            <td class="baseline-note">{if beats { "" } else { "no better than the baseline" }}</td>
                            <td><button on:click=move |_| state.model.set(pick.clone())>"Use"</button></td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <h3>"Model comparison"</h3>
                <p class="muted">"Cross-validated on the training rows only; the held-out test set is not used until you train."</p>
                <div class="table-scroll" tabindex="0" role="region" aria-label="model comparison">
                    <table class="grid leaderboard" data-testid="leaderboard">
                        <thead><tr><th scope="col">"model"</th>{header}<th></th><th></th></tr></thead>
                        <tbody>{body}</tbody>
                    </table>
                </div>
            }
        })
    }
}
