//! The hyper-parameter search in a report (and the app's search panel):
//! how each sampler converged, which parameter the score depended on, the
//! score against that parameter, and the refinement's grid with its verdict.

use std::fmt::Write as _;

use glassbox_pipeline::run::TrainOutcome;
use glassbox_pipeline::search::{Refinement, SearchedParam, Trial};

use crate::{escape, fmt_metric, search_metric};

/// A parameter's value as a person reads it: whole numbers as they are,
/// others to 4 significant digits (`metrics.json` keeps every digit).
pub fn fmt_param(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v}")
    } else {
        format!("{}", glassbox_pipeline::search::round_sig(v))
    }
}

/// A trial's parameters as `name = value, …`.
pub fn params_text(t: &Trial) -> String {
    t.params.iter().map(|(k, v)| format!("{k} = {}", fmt_param(*v))).collect::<Vec<_>>().join(", ")
}

/// The search's convergence chart (best score so far per sampler), when a search ran.
pub fn convergence_chart(o: &TrainOutcome) -> Option<String> {
    let (metric, sign) = search_metric(o);
    let series: Vec<(String, Vec<f64>)> = o
        .search
        .runs
        .iter()
        .map(|s| (s.sampler.name().to_string(), s.best_so_far().into_iter().map(|v| sign * v).collect()))
        .collect();
    (!series.is_empty()).then(|| glassbox_charts::convergence_of(&series, metric))
}

/// The parameters' importance as bars, when it could be told.
pub fn param_importance_chart(o: &TrainOutcome) -> Option<String> {
    // The whisker: the standard error of the mean share over the forest's
    // trees, on the scaled importance's scale.
    let trees = (glassbox_pipeline::fanova::TREES as f64).sqrt();
    let items: Vec<(String, f64, f64)> = o
        .search
        .param_importance
        .iter()
        .map(|p| {
            let scale = if p.main_effect > 0.0 { p.importance / p.main_effect } else { 0.0 };
            (p.param.clone(), p.importance, p.std / trees * scale)
        })
        .collect();
    (!items.is_empty()).then(|| glassbox_charts::search::param_importance_svg(&items))
}

/// The parameter the trials chart shows: the most important one, else the
/// refined one, else the first searched.
fn shown_param(o: &TrainOutcome) -> Option<&SearchedParam> {
    let s = &o.search;
    let name = s
        .param_importance
        .first()
        .map(|p| p.param.as_str())
        .or(s.refine.as_ref().map(|r| r.param.as_str()))
        .or(s.space.first().map(|p| p.name.as_str()))?;
    s.space.iter().find(|p| p.name == name)
}

/// Every trial's score against the shown parameter's value, the final model's trial ringed.
pub fn trials_chart(o: &TrainOutcome) -> Option<String> {
    let p = shown_param(o)?;
    let (metric, sign) = search_metric(o);
    let point = |t: &Trial| Some((*t.params.get(&p.name)?, sign * t.score));
    let search: Vec<(f64, f64)> = o.search.trials().filter_map(point).collect();
    let grid: Vec<(f64, f64)> = o.search.refine.iter().flat_map(|r| &r.trials).filter_map(point).collect();
    Some(glassbox_charts::search::trials_svg(&glassbox_charts::search::TrialPoints {
        param: &p.name,
        log: p.log,
        metric,
        search: &search,
        grid: &grid,
        best: o.search.best().and_then(point),
    }))
}

/// Per sampler: its name, best score (in the metric), at which trial, and the parameters.
pub fn best_rows(o: &TrainOutcome) -> Vec<[String; 4]> {
    let (_, sign) = search_metric(o);
    o.search
        .runs
        .iter()
        .filter_map(|s| s.best())
        .map(|t| [t.sampler.name().to_string(), fmt_metric(sign * t.score), t.number.to_string(), params_text(t)])
        .collect()
}

/// The refinement's grid: per value, its mean score, the spread over the
/// folds, each fold's score, and whether the final model took it.
pub fn refine_rows(o: &TrainOutcome) -> Vec<Vec<String>> {
    let (_, sign) = search_metric(o);
    let Some(r) = &o.search.refine else { return Vec::new() };
    let chosen = o.search.best();
    r.trials
        .iter()
        .map(|t| {
            // Cross-validation's own summary of the folds, in the metric's sign.
            let folds = glassbox_pipeline::validate::summary(t.folds.iter().map(|f| sign * f).collect());
            vec![
                t.params.get(&r.param).map_or_else(String::new, |v| fmt_param(*v)),
                fmt_metric(folds.mean),
                fmt_metric(folds.std),
                folds.folds.iter().map(|f| fmt_metric(*f)).collect::<Vec<_>>().join(" · "),
                if chosen == Some(t) { "final model".into() } else { String::new() },
            ]
        })
        .collect()
}

/// The refinement's verdict in words: the grid's best against the search's,
/// and whether the gain is beyond the folds' noise.
pub fn refine_verdict(o: &TrainOutcome) -> Option<String> {
    let (metric, sign) = search_metric(o);
    let r: &Refinement = o.search.refine.as_ref()?;
    let best_search = o.search.best_search()?;
    let grid_best = glassbox_pipeline::search::best_of(&r.trials)?;
    let value = fmt_param(grid_best.params.get(&r.param).copied().unwrap_or(f64::NAN));
    let (grid, search) = (fmt_metric(sign * grid_best.score), fmt_metric(sign * best_search.score));
    if r.gain.is_nan() || r.gain <= 0.0 {
        return Some(format!(
            "The grid's best, {} = {value}, scored {metric} {grid}, no better than the search's best {search}: the final model keeps the search's best trial.",
            r.param
        ));
    }
    let se = r.gain_se.map_or_else(
        || "no standard error: fewer than two folds".to_string(),
        |se| format!("standard error {} from the {} paired folds", fmt_metric(se), grid_best.folds.len()),
    );
    let verdict = if r.beyond_noise {
        "beyond the folds' noise (more than twice its standard error)"
    } else {
        "within the folds' noise (not more than twice its standard error), so the two may well do alike on new data"
    };
    Some(format!(
        "The grid's best, {} = {value}, scored {metric} {grid} against the search's best {search}: {} by {} ({se}), {verdict}. The final model takes {} = {value}, the best score seen.",
        r.param,
        if sign > 0.0 { "higher" } else { "lower" },
        fmt_metric(r.gain),
        r.param,
    ))
}

/// The hyper-parameter search, when it ran: the convergence chart, the best
/// trial per sampler, the parameters' importance next to the score against
/// the most important one, and the refinement.
pub fn search_html(o: &TrainOutcome) -> Option<String> {
    let chart = convergence_chart(o)?;
    let (metric, _) = search_metric(o);
    let s = &o.search;
    let mut h = format!(
        "<p class=\"muted\">{} trials per sampler, each scored by cross-validated {metric} on the training rows; the final model uses the best trial's parameters{}.</p><div data-testid=\"search-chart\">{}</div><table class=\"report\"><thead><tr><th>sampler</th><th>best {metric}</th><th>at trial</th><th class=\"wrap\">parameters</th></tr></thead><tbody>",
        s.runs[0].trials.len(),
        if s.refine.is_some() { " (of the search and the refinement below)" } else { "" },
        chart
    );
    for [sampler, score, at, params] in best_rows(o) {
        // The parameters wrap, left-aligned: four of them run past a page's width on one line.
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"wrap\">{}</td></tr>",
            escape(&sampler),
            escape(&score),
            escape(&at),
            escape(&params)
        );
    }
    h.push_str("</tbody></table>");
    if let (Some(bars), Some(trials)) = (param_importance_chart(o), trials_chart(o)) {
        let _ = write!(
            h,
            "<h3>Which parameter mattered</h3><p class=\"muted\">fANOVA, as Optuna computes it: a random forest of {} trees learns the score from the {} trials' parameters, and each parameter's share is how much of the score's variance its value alone explains (seeded; the shares are scaled to sum to 1). Main effects explain {:.0}% of the variance; the rest is the parameters acting together. The trials chart puts every trial's score against the most important parameter: dots are search trials{}, the ring the trial the final model took.</p><div class=\"charts\"><div data-testid=\"param-importance\">{bars}</div><div data-testid=\"search-trials\">{trials}</div></div>",
            glassbox_pipeline::fanova::TREES,
            s.trials().filter(|t| t.score.is_finite()).count(),
            100.0 * s.param_importance.iter().map(|p| p.main_effect).sum::<f64>(),
            if s.refine.is_some() { ", squares the refinement's grid" } else { "" },
        );
    } else if let Some(trials) = trials_chart(o) {
        let _ = write!(h, "<div data-testid=\"search-trials\">{trials}</div>");
    }
    if let Some(r) = &s.refine {
        let _ = write!(
            h,
            "<h3>Refinement</h3><p class=\"muted\">A grid over {}, every other parameter at the best search trial's value, scored on the same folds. Grid: {}.</p><table class=\"report\" data-testid=\"refine-grid\"><thead><tr><th>{}</th><th>{metric}</th><th>fold std</th><th>each fold</th><th></th></tr></thead><tbody>",
            escape(&r.param),
            escape(&r.rule),
            escape(&r.param)
        );
        for row in refine_rows(o) {
            let cells: Vec<String> = row.iter().map(|c| format!("<td>{}</td>", escape(c))).collect();
            let _ = write!(h, "<tr>{}</tr>", cells.concat());
        }
        h.push_str("</tbody></table>");
        if let Some(v) = refine_verdict(o) {
            let _ = write!(h, "<p data-testid=\"refine-verdict\">{}</p>", escape(&v));
        }
    }
    for note in &s.notes {
        let _ = write!(h, "<p class=\"muted\">{}</p>", escape(note));
    }
    Some(h)
}
