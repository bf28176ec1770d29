//! `glassbox train`: a classifier trained and evaluated on a held-out test set.

use std::path::PathBuf;

use clap::Args;
use glassbox_pipeline::model::ModelSpec;
use glassbox_pipeline::run::{DataSpec, RefineSpec, SearchSpec, ValidationSpec};
use glassbox_pipeline::search::{Grid, Sampler};
use glassbox_pipeline::threshold::{Costs, ThresholdRule};
use glassbox_pipeline::{Control, TrainSpec};

use crate::args::{progress_line, report_skipped, Given, RunArgs};
use crate::source::{Input, SourceArgs};
use crate::{write, write_with, Failure};
use glassbox_pipeline::recipe::Recipe;

/// Train a model (a classifier, or a regressor for a number) on a CSV and evaluate it on a held-out test set.
#[derive(Args)]
pub struct Train {
    /// The CSV file (delimiter, encoding, header and decimal comma are detected), or a source:
    /// postgres://HOST[:PORT]/DB or mysql://HOST[:PORT]/DB (with --table or --query), or
    /// kafka://HOST[:PORT]/TOPIC; credentials come from the environment or ./.env.
    data: String,
    /// Output folder for model.json, metrics.json, report.html and report.pdf.
    #[arg(long)]
    out: PathBuf,
    /// The model (the names come from the training crate's registry); by default
    /// logistic_regression for classes and ridge for a number to predict.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(glassbox_pipeline::model::MODEL_NAMES))]
    model: Option<String>,
    /// Set one of the model's hyper-parameters: NAME=VALUE (repeatable), for example C=0.5,
    /// max_depth=6, learning_rate=0.05, max_depth=none. An unknown name lists the model's parameters.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Also cross-validate on the training rows with K stratified folds.
    #[arg(long, value_name = "K")]
    cv: Option<usize>,
    /// Also validate in time order on this datetime or numeric column: train on the past, score the next window.
    #[arg(long, value_name = "COLUMN")]
    time_column: Option<String>,
    /// Windows for time-ordered validation.
    #[arg(long, default_value_t = 4)]
    time_windows: usize,
    /// How the training part grows: expanding (all the past) or rolling (the previous window only).
    #[arg(long, value_parser = ["expanding", "rolling"], default_value = "expanding")]
    window: String,
    /// Search the model's hyper-parameters: random, tpe, or both (same budget and seed), scored by
    /// cross-validated ROC AUC for classes, RMSE for numbers (`--cv` folds, default 3); the best trial's
    /// parameters train the final model. After it, the parameters' importance (fANOVA) is reported.
    #[arg(long, value_parser = glassbox_pipeline::search::SEARCH_MODES)]
    search: Option<String>,
    /// Trials per sampler.
    #[arg(long, default_value_t = 20)]
    trials: usize,
    /// After the search, score a grid over the parameter that mattered most (fANOVA) around the
    /// best trial's value: whole numbers ±4 in steps of 1, log-scaled parameters multiplied and
    /// divided by equal ratios, others ±4 steps of a sixteenth of the range; every other parameter
    /// at the best trial's value, on the search's folds. The final model takes the best of all trials.
    #[arg(long)]
    refine: bool,
    /// The refinement's grid instead of that rule: NAME=A,B,C (implies --refine).
    #[arg(long, value_name = "NAME=A,B,C")]
    refine_grid: Option<String>,
    /// Leave a column out of the features (repeatable).
    #[arg(long, value_name = "COLUMN")]
    drop: Vec<String>,
    /// Keep a flagged column as a feature anyway (repeatable).
    #[arg(long, value_name = "COLUMN")]
    keep: Vec<String>,
    /// Two classes: predict the positive (second) class when its probability is at least T
    /// (default: the most probable class). Saved in model.json and used by `predict`.
    #[arg(long, value_name = "T")]
    threshold: Option<f64>,
    /// Two classes: choose the threshold on the test rows by f1 (the best F1), cost (the least
    /// total cost, see --costs) or recall=R (the highest threshold that reaches recall R).
    #[arg(long, value_name = "RULE")]
    threshold_for: Option<String>,
    /// What each cell costs for --threshold-for cost: tp=0,fp=1,fn=5,tn=0 (a benefit is negative).
    #[arg(long, value_name = "COSTS")]
    costs: Option<String>,
    /// Shuffles per input column for permutation importance on the test rows (0: none).
    #[arg(long, value_name = "N", default_value_t = glassbox_pipeline::importance::REPEATS)]
    importance_repeats: usize,
    /// Calibrate the probabilities as scikit-learn's CalibratedClassifierCV: sigmoid (Platt) or
    /// isotonic maps fitted on 5 folds of the training rows, their calibrated models averaged.
    #[arg(long, value_name = "METHOD", value_parser = ["sigmoid", "isotonic"])]
    calibrate: Option<String>,
    /// Train the run a recipe.json describes (the app's Export step writes one, and so does every
    /// `train`, beside model.json). Options given here are laid over it and recorded in the recipe
    /// written out; the data may differ from the recipe's (that is retraining, and is noted).
    #[arg(long, value_name = "RECIPE.json")]
    recipe: Option<PathBuf>,
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    source: SourceArgs,
}

/// The decision rule the threshold options ask for, or none.
fn threshold_rule(
    threshold: Option<f64>,
    threshold_for: Option<&str>,
    costs: Option<&str>,
) -> Result<Option<ThresholdRule>, Failure> {
    let bad = |flag: &str, e: glassbox_pipeline::Error| Failure::input(format!("{flag}: {e}"));
    let costs = costs.map(Costs::parse).transpose().map_err(|e| bad("--costs", e))?;
    match (threshold, threshold_for) {
        (Some(_), Some(_)) => Err(Failure::input("--threshold and --threshold-for cannot both be given".to_string())),
        (_, Some(rule)) if costs.is_some() && rule.trim() != "cost" => {
            Err(Failure::input("--costs applies to --threshold-for cost".to_string()))
        }
        (None, None) if costs.is_some() => Err(Failure::input("--costs applies to --threshold-for cost".to_string())),
        (Some(value), None) => ThresholdRule::Fixed { value }.validated().map(Some).map_err(|e| bad("--threshold", e)),
        (None, Some(rule)) => ThresholdRule::parse(rule, costs).map(Some).map_err(|e| bad("--threshold-for", e)),
        (None, None) => Ok(None),
    }
}

pub fn run(mut args: Train, given: Vec<Given>) -> Result<(), Failure> {
    let recipe = args.recipe.as_deref().map(read_recipe).transpose()?;
    if let (None, Some(r)) = (&args.run.target, &recipe) {
        args.run.target = Some(r.run.data.target.clone());
    }
    let Train {
        data,
        out,
        model,
        params,
        cv,
        time_column,
        time_windows,
        window,
        search,
        trials,
        refine,
        refine_grid,
        drop,
        keep,
        threshold,
        threshold_for,
        costs,
        importance_repeats,
        calibrate,
        recipe: recipe_path,
        run,
        source,
    } = args;
    let threshold = threshold_rule(threshold, threshold_for.as_deref(), costs.as_deref())?;
    let input = Input::new(&data, &source)?;
    let data = input.path();
    let base = run.spec()?;
    let pairs = params
        .iter()
        .map(|p| {
            let (name, value) =
                p.split_once('=').ok_or_else(|| Failure::input(format!("--param takes NAME=VALUE, got '{p}'")))?;
            Ok((name.trim(), value.trim()))
        })
        .collect::<Result<Vec<_>, Failure>>()?;
    let window = if window == "rolling" {
        glassbox_pipeline::validate::WindowMode::Rolling
    } else {
        glassbox_pipeline::validate::WindowMode::Expanding
    };
    let samplers =
        Sampler::for_mode(search.as_deref().unwrap_or("")).map_err(|e| Failure::input(format!("--search: {e}")))?;
    let grid = refine_grid.as_deref().map(parse_grid).transpose()?;
    // Checked, with the rest of the spec, when the plan starts: before any work.
    let search = SearchSpec { samplers, trials, refine: (refine || grid.is_some()).then_some(RefineSpec { grid }) };
    // What the options say, the model aside (it may need the table's task).
    let flags = TrainSpec {
        data: DataSpec { drop, keep, ..base.data.clone() },
        search,
        validation: ValidationSpec { cv, time_column, time_windows, window },
        threshold,
        importance_repeats,
        calibration: calibrate.as_deref().and_then(glassbox_pipeline::recalibrate::Method::parse),
        ..base
    };
    // A recipe, with the options typed over it; else the options.
    let (mut spec, overrides) = match &recipe {
        None => (flags, Vec::new()),
        Some(r) => {
            let mut spec = r.run.clone();
            let mut overrides = Vec::new();
            for g in &given {
                if override_with(&mut spec, &flags, &g.id).map_err(|e| Failure::input(format!("{}: {e}", g.typed)))? {
                    overrides.push(g.typed.clone());
                }
            }
            (spec, overrides)
        }
    };
    let table = input.table(&spec.data.read)?;
    if let Some(r) = &recipe {
        let path = recipe_path.as_deref().unwrap_or(std::path::Path::new("recipe.json"));
        if overrides.iter().all(|o| !o.starts_with("--target")) && table.find(&spec.data.target).is_none() {
            return Err(Failure::input(format!(
                "{}: run.data.target '{}' is not a column of {} (its columns: {})",
                path.display(),
                spec.data.target,
                data.display(),
                table.column_names().join(", ")
            )));
        }
        if let Some(n) = r.input_notice(&table.input_sha256) {
            eprintln!("note: {n}");
        }
    }
    // The model named (made with the run's seed), the recipe's, or the task's default.
    if model.is_some() || recipe.is_none() {
        let name = match &model {
            Some(name) => name.clone(),
            None => {
                let task =
                    glassbox_pipeline::run::task_of(&table, &spec).map_err(|e| Failure::from_pipeline(&data, e))?;
                ModelSpec::default_for(task).name().to_string()
            }
        };
        spec.model = ModelSpec::by_name(&name, spec.seed).map_err(|e| Failure::input(e.to_string()))?;
    }
    spec.model = spec.model.set_all(&pairs).map_err(|e| Failure::input(e.to_string()))?;
    // A parameter both set and searched: the search would replace it without a word.
    if !spec.search.samplers.is_empty() {
        let space = spec.model.space();
        if let Some((name, _)) = pairs.iter().find(|(n, _)| space.iter().any(|d| d.name == *n)) {
            return Err(Failure::input(format!(
                "--param {name} is one of the parameters --search tries ({}): the search would replace it; drop one of them",
                space.iter().map(|d| d.name).collect::<Vec<_>>().join(", ")
            )));
        }
    }
    let mut overrides = overrides;
    if let Some(r) = recipe {
        overrides.splice(0..0, r.overrides);
    }
    let outcome = fit_and_write(&input, &table, &spec, run.threads()?, &out, overrides)?;
    let m = &outcome.manifest;
    println!(
        "trained {} on {}: {} training rows{}, {} test rows{}",
        m.model,
        m.file_name,
        m.n_train,
        if m.n_calibration > 0 {
            format!(" (and {} held out to calibrate the interval)", m.n_calibration)
        } else {
            String::new()
        },
        m.n_test,
        if m.rows_missing_target > 0 {
            format!(" ({} rows without a target left out)", m.rows_missing_target)
        } else {
            String::new()
        }
    );
    if let Some(r) = &outcome.regression {
        print_regression(&outcome, r);
    } else {
        print_classification(&outcome);
    }
    println!(
        "wrote {}",
        ["model.json", "recipe.json", "metrics.json", "report.html", "report.pdf"]
            .map(|f| out.join(f).display().to_string())
            .join(", ")
    );
    Ok(())
}

/// Trains `spec` on `table` (read from `input`), tells the person what the
/// run noticed, and writes the run's files to `out`: `model.json`,
/// `recipe.json` (with `overrides`, the options typed over a recipe),
/// `metrics.json`, `report.html` and `report.pdf`.
pub fn fit_and_write(
    input: &Input,
    table: &glassbox_pipeline::ingest::Table,
    spec: &TrainSpec,
    threads: usize,
    out: &std::path::Path,
    overrides: Vec<String>,
) -> Result<glassbox_pipeline::TrainOutcome, Failure> {
    let data = input.path();
    let name = input.base_name();
    let start = std::time::Instant::now();
    let clock = move || start.elapsed().as_secs_f64();
    let control = Control { clock: Some(&clock), progress: Some(&progress_line), threads };
    let mut outcome = glassbox_pipeline::run::train_table_with(table, &name, spec, &control)
        .map_err(|e| Failure::from_pipeline(&data, e))?;
    if let Some(record) = input.record() {
        // The pipeline keeps a path's base name; a source is named whole (it has no secret).
        outcome.manifest.file_name = name.clone();
        outcome.manifest.source = Some(record);
    }
    // GLASSBOX_BUILD_COMMIT at run time names the build instead of the
    // commit compiled in: a packager who rebuilt from a tarball can say what
    // it was, and the golden tests pin it so that their bytes outlive commits.
    if let Ok(c) = std::env::var("GLASSBOX_BUILD_COMMIT") {
        outcome.manifest.build_commit = Some(c).filter(|c| !c.is_empty());
    }
    report_skipped(&data, &outcome.row_issues);
    for w in &outcome.warnings {
        eprintln!("warning: {w}");
    }
    for n in &outcome.notes {
        eprintln!("note: {n}");
    }
    for c in outcome.manifest.columns.iter().filter(|c| !c.flags.is_empty()) {
        let role = if c.role == glassbox_pipeline::run::Role::Excluded { "excluded" } else { "kept" };
        for f in &c.flags {
            eprintln!("note: column '{}' {role}: {}", c.name, f.reason);
        }
    }
    std::fs::create_dir_all(out)
        .map_err(|e| Failure::input(format!("{}: cannot create the folder: {e}", out.display())))?;
    // The recipe beside the model and in it, with the options typed over another.
    let mut made = outcome.recipe().ok_or_else(|| Failure::input("the run made no recipe".to_string()))?;
    if !overrides.is_empty() {
        made.overrides = overrides;
        outcome.set_recipe(&made);
    }
    write(&out.join("recipe.json"), made.to_json())?;
    write_with(&out.join("model.json"), |w| outcome.model.write_json(w))?;
    write(&out.join("metrics.json"), outcome.metrics_json())?;
    write(&out.join("report.html"), glassbox_report::render(&outcome))?;
    let pdf = glassbox_pdf::render(&outcome).map_err(|e| Failure::input(format!("report.pdf: {e}")))?;
    write(&out.join("report.pdf"), pdf)?;
    Ok(outcome)
}

/// Reads and checks a recipe file, naming it in any error.
pub fn read_recipe(path: &std::path::Path) -> Result<Recipe, Failure> {
    let bytes = crate::read(path)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Failure::input(format!("{}: not a Glassbox recipe: not UTF-8 text", path.display())))?;
    Recipe::parse(text).map_err(|e| Failure::input(format!("{}: {}", path.display(), e.message())))
}

/// Lays option `id`, as `flags` holds it, over a recipe's `spec`; false for
/// an option that is not one of a run's choices (`--out`, `--workers`, where
/// the rows come from). `--model` and `--param` are laid over after the
/// table is read; options that add (`--drop`, `--keep`, `--type`) add to the
/// recipe's.
fn override_with(spec: &mut TrainSpec, flags: &TrainSpec, id: &str) -> Result<bool, glassbox_pipeline::Error> {
    let (read, from) = (&mut spec.data.read, &flags.data.read);
    match id {
        "model" | "params" => {}
        "target" => spec.data.target = flags.data.target.clone(),
        "seed" => {
            spec.seed = flags.seed;
            // The model's own seed follows the run's, as it does without a recipe.
            if spec.model.params().contains_key("seed") {
                spec.model = spec.model.set("seed", &flags.seed.to_string())?;
            }
        }
        "test_size" => spec.data.test_size = flags.data.test_size,
        "task" => spec.data.task = flags.data.task,
        "drop" => spec.data.drop.extend(flags.data.drop.iter().cloned()),
        "keep" => spec.data.keep.extend(flags.data.keep.iter().cloned()),
        "target_transform" => spec.target_transform = flags.target_transform,
        "interval" => spec.interval = flags.interval,
        "interval_method" => spec.interval_method = flags.interval_method,
        "class_weight" => spec.balanced = flags.balanced,
        "impute" => spec.features.impute = flags.features.impute,
        "missing_indicator" => spec.features.missing_indicator = flags.features.missing_indicator,
        "scale" => spec.features.scale = flags.features.scale,
        "bins" => spec.features.bins.extend(flags.features.bins.iter().map(|(k, v)| (k.clone(), v.clone()))),
        "encode" => spec.features.encoding = flags.features.encoding,
        "drop_first" => spec.features.drop_first = flags.features.drop_first,
        "min_frequency" => spec.features.min_frequency = flags.features.min_frequency,
        "max_levels" => spec.features.max_levels = flags.features.max_levels,
        "date_parts" => spec.features.date_parts = flags.features.date_parts.clone(),
        "delimiter" => read.delimiter = from.delimiter,
        "quote" => read.quote = from.quote,
        "encoding" => read.encoding = from.encoding.clone(),
        "no_header" => read.header = from.header,
        "decimal_comma" => read.decimal_comma = from.decimal_comma,
        "missing" => read.missing_tokens = from.missing_tokens.clone(),
        "types" => read.kinds.extend(from.kinds.iter().map(|(k, v)| (k.clone(), *v))),
        "timezone" => read.timezone = from.timezone.clone(),
        "date_order" => read.date_order = from.date_order,
        "bad_rows" => read.bad_rows = from.bad_rows,
        "cv" => spec.validation.cv = flags.validation.cv,
        "time_column" => spec.validation.time_column = flags.validation.time_column.clone(),
        "time_windows" => spec.validation.time_windows = flags.validation.time_windows,
        "window" => spec.validation.window = flags.validation.window,
        "search" => spec.search.samplers = flags.search.samplers.clone(),
        "trials" => spec.search.trials = flags.search.trials,
        "refine" | "refine_grid" => spec.search.refine = flags.search.refine.clone(),
        "threshold" | "threshold_for" | "costs" => spec.threshold = flags.threshold,
        "importance_repeats" => spec.importance_repeats = flags.importance_repeats,
        "calibrate" => spec.calibration = flags.calibration,
        _ => return Ok(false),
    }
    Ok(true)
}

/// `--refine-grid NAME=A,B,C`: the parameter and its values.
fn parse_grid(text: &str) -> Result<Grid, Failure> {
    let bad = || Failure::input(format!("--refine-grid takes NAME=A,B,C, got '{text}'"));
    let (name, values) = text.split_once('=').ok_or_else(bad)?;
    let values = values
        .split(',')
        .map(|v| {
            v.trim().parse::<f64>().map_err(|_| {
                Failure::input(format!("--refine-grid: '{}' for {} is not a number", v.trim(), name.trim()))
            })
        })
        .collect::<Result<Vec<f64>, Failure>>()?;
    Ok(Grid { param: name.trim().to_string(), values })
}

/// The search's summary lines: each sampler's best, the parameters'
/// importance and the refinement's verdict, in the search's metric.
fn print_search(outcome: &glassbox_pipeline::run::TrainOutcome) {
    let (metric, _) = glassbox_report::search_metric(outcome);
    for (run, [sampler, score, at, params]) in
        outcome.search.runs.iter().zip(glassbox_report::search::best_rows(outcome))
    {
        let n = run.trials.len();
        let trials = if n == 1 { "trial" } else { "trials" };
        println!("search ({sampler}, {n} {trials}): best CV {metric} {score} at trial {at} with {params}");
    }
    if !outcome.search.param_importance.is_empty() {
        let shares: Vec<String> =
            outcome.search.param_importance.iter().map(|p| format!("{} {:.3}", p.param, p.importance)).collect();
        println!("parameter importance (fANOVA): {}", shares.join(", "));
    }
    if let Some(v) = glassbox_report::search::refine_verdict(outcome) {
        println!("refine: {v}");
    }
    for note in &outcome.search.notes {
        println!("search: {note}");
    }
}

/// A regression run's summary: the metrics beside the mean's, validation and search in RMSE.
fn print_regression(outcome: &glassbox_pipeline::TrainOutcome, r: &glassbox_pipeline::numbers::RegressionOutcome) {
    use glassbox_report::regression::{fmt_number, headline};
    let m = &outcome.manifest;
    println!("target {}: a number to predict (regression)", m.target);
    println!("target scale: {}", r.target_transform.why);
    let rows = headline(r);
    let line = |baseline: bool| {
        rows.iter()
            .take(3)
            .map(|h| format!("{} {}", h.0, if baseline { &h.3 } else { &h.2 }))
            .collect::<Vec<_>>()
            .join("  ")
    };
    println!("{}", line(false));
    println!("baseline (always the training mean, {}): {}", fmt_number(r.baseline_value), line(true));
    if let Some(i) = &r.interval {
        let t = &i.test;
        match (t.mean_width, i.conformal.is_bounded()) {
            (Some(width), true) => println!(
                "{}% prediction interval ({}): test coverage {:.4} (95% CI {:.4}–{:.4}), mean width {}",
                glassbox_pipeline::conformal::percent(i.conformal.level),
                i.describe(),
                t.coverage,
                t.coverage_low,
                t.coverage_high,
                fmt_number(width)
            ),
            _ => println!(
                "{}% prediction interval: unbounded (see the warning)",
                glassbox_pipeline::conformal::percent(i.conformal.level)
            ),
        }
    }
    for w in r.warnings() {
        eprintln!("warning: {w}");
    }
    println!(
        "final model: fit {:.3} s on {} rows, predict {:.3} s on {} rows",
        outcome.timing.fit_seconds, m.n_train, outcome.timing.predict_seconds, m.n_test
    );
    if let Some(top) = outcome.importance.first() {
        let names: Vec<String> =
            outcome.importance.iter().take(3).map(|i| format!("{} ({:.4} ± {:.4})", i.column, i.mean, i.std)).collect();
        println!("most important columns (R² drop over {} shuffles): {}", top.repeats, names.join(", "));
    }
    print_search(outcome);
    let summary = |metrics: &std::collections::BTreeMap<String, glassbox_pipeline::validate::MetricSummary>| {
        ["r2", "rmse", "mae"]
            .map(|k| {
                format!(
                    "{} {} ± {}",
                    k.to_uppercase().replace("R2", "R²"),
                    fmt_number(metrics[k].mean),
                    fmt_number(metrics[k].std)
                )
            })
            .join("  ")
    };
    if let Some(t) = &outcome.time_cv {
        println!("{} time windows on '{}' ({:?}): {}", t.windows.len(), t.time_column, t.mode, summary(&t.metrics));
    }
    if let Some(cv) = &outcome.cv {
        println!("{}-fold cross-validation on the training rows: {}", cv.folds, summary(&cv.metrics));
    }
}

/// A classification run's summary: the headline against the majority class, threshold, search and validation.
fn print_classification(outcome: &glassbox_pipeline::TrainOutcome) {
    let m = &outcome.manifest;
    println!(
        "target {}: classes {}",
        m.target,
        glassbox_pipeline::text::escape_invisible(&outcome.classes.join(", "), false)
    );
    let headline = glassbox_report::headline(outcome);
    let line = |baseline: bool| {
        let value = |h: &(&str, &str, String, String)| if baseline { h.3.clone() } else { h.2.clone() };
        headline.iter().map(|h| format!("{} {}", h.0, value(h))).collect::<Vec<_>>().join("  ")
    };
    println!("{}", line(false));
    println!(
        "baseline (always '{}'): {}",
        glassbox_pipeline::text::escape_invisible(
            outcome.classes.get(outcome.baseline.class).map_or("", String::as_str),
            false
        ),
        line(true)
    );
    for w in outcome.baseline_warnings() {
        eprintln!("warning: the model does not beat doing nothing: {w}");
    }
    println!(
        "final model: fit {:.3} s on {} rows, predict {:.3} s on {} rows",
        outcome.timing.fit_seconds, m.n_train, outcome.timing.predict_seconds, m.n_test
    );
    if let Some(top) = outcome.importance.first() {
        let names: Vec<String> =
            outcome.importance.iter().take(3).map(|i| format!("{} ({:.4} ± {:.4})", i.column, i.mean, i.std)).collect();
        println!("most important columns (ROC AUC drop over {} shuffles): {}", top.repeats, names.join(", "));
    }
    if let Some(t) = &outcome.threshold {
        println!("decision threshold {:.4} ({}): the matrix and per-class scores are at it", t.value, t.chosen_by);
    }
    print_search(outcome);
    if let Some(t) = &outcome.time_cv {
        let m = |k: &str| format!("{:.4} ± {:.4}", t.metrics[k].mean, t.metrics[k].std);
        println!(
            "{} time windows on '{}' ({:?}): ROC AUC {}  accuracy {}",
            t.windows.len(),
            t.time_column,
            t.mode,
            m("roc_auc"),
            m("accuracy")
        );
    }
    if let Some(cv) = &outcome.cv {
        let m = |k: &str| format!("{:.4} ± {:.4}", cv.metrics[k].mean, cv.metrics[k].std);
        println!(
            "{}-fold cross-validation on the training rows: ROC AUC {}  accuracy {}",
            cv.folds,
            m("roc_auc"),
            m("accuracy")
        );
    }
}
