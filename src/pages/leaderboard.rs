//! The leaderboard: models compared on the same folds, best first.

use glassbox_pipeline::run::LeaderboardEntry;
use leptos::prelude::*;

use crate::state::AppState;

/// Models ranked by cross-validated scores on the training rows; the person
/// sorts by any column and picks the model to train.
#[component]
pub fn Leaderboard() -> impl IntoView {
    let state = expect_context::<AppState>();
    let sort = RwSignal::new("roc_auc".to_string());
    move || {
        state.leaderboard.get().map(|board| {
            let key = sort.get();
            let mut rows: Vec<LeaderboardEntry> = board.as_ref().clone();
            // Log loss and time: lower is better; the scores: higher is better.
            let value = |e: &LeaderboardEntry| match key.as_str() {
                "fit_seconds" => -e.fit_seconds,
                "predict_seconds" => -e.predict_seconds,
                "log_loss" => -e.cv["log_loss"].mean,
                k => e.cv[k].mean,
            };
            rows.sort_by(|a, b| value(b).total_cmp(&value(a)));
            let baseline = board.iter().find(|e| e.model == "baseline_most_frequent").map(|e| e.cv["roc_auc"].mean);
            let header = [("roc_auc", "ROC AUC"), ("accuracy", "accuracy"), ("f1_macro", "F1 (macro)"), ("log_loss", "log loss"), ("fit_seconds", "fit s"), ("predict_seconds", "predict s")]
                .into_iter()
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
                    let cell = |m: &str| format!("{:.4} ± {:.4}", e.cv[m].mean, e.cv[m].std);
                    let beats = baseline.is_none_or(|b| e.cv["roc_auc"].mean > b + 1e-9);
                    let name = e.model.clone();
                    let pick = name.clone();
                    view! {
                        <tr data-testid=format!("leaderboard-row-{name}") class:below-baseline=!beats>
                            <th scope="row">{name.replace('_', " ")}<span class="params">{e.params.clone()}</span></th>
                            <td class="num">{cell("roc_auc")}</td>
                            <td class="num">{cell("accuracy")}</td>
                            <td class="num">{cell("f1_macro")}</td>
                            <td class="num">{cell("log_loss")}</td>
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
