//! `glassbox monitor`: the scheduled check. Performance per period from a
//! labelled prediction log, data drift of a current file, and an alert to a
//! chat webhook when F1 falls past the threshold or the dataset drifts.
//! Exits 3 when an alert fires, so cron and CI can act on it.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use glassbox_pipeline::monitor::alert::{self, AlertInput};
use glassbox_pipeline::monitor::{decay, Current, Period};
use glassbox_pipeline::monitor::{decay_numbers, ColumnDrift};
use glassbox_pipeline::watch::{read_log, read_number_log};
use serde_json::json;

use crate::args::ByteArgs;
use crate::drift::{base_name, model_words, print_summary, run_drift, DriftArgs};
use crate::source::{Input, SourceArgs};
use crate::{read, read_model_and_bytes, webhook, write, Failure};

/// Check a model in production: decay, drift, and an alert.
///
/// The log is a CSV as `glassbox predict` writes it (prediction,
/// proba_<class>; a regressor's prediction, pi_low, pi_high) with a time
/// column and the true label, or the JSON lines `glassbox serve --log`
/// writes, with the label joined in. F1 is of the positive class for two
/// classes, macro-averaged otherwise. The alert fires when the last
/// period's F1 fell by more than --f1-drop percent from the period before,
/// or when --current drifted as a dataset. A regressor's log is scored by
/// MAE, RMSE, mean error (actual − prediction) and interval coverage; it
/// alerts when RMSE rose by more than --rmse-rise percent, when coverage
/// fell below the binomial band of the interval's level, or when the mean
/// error left the model's test mean error ± 3 standard errors, each with
/// a suggestion drawn from the rows. Exit code 3 then, 0 when all is well.
/// The daily cron line:
///
///   0 7 * * * glassbox monitor model.json --log predictions.csv --time-column time --label-column label --current today.csv --out /var/glassbox/monitor
///
/// with GLASSBOX_WEBHOOK_URL set in the crontab's environment.
#[derive(Args)]
pub struct Monitor {
    /// A model.json written by `glassbox train`.
    model: PathBuf,
    /// The labelled prediction log (CSV or JSON lines).
    #[arg(long)]
    log: PathBuf,
    /// The log's time column (ISO dates or date-times; UTC unless they carry an offset).
    #[arg(long = "time-column")]
    time_column: String,
    /// The log's true-label column.
    #[arg(long = "label-column")]
    label_column: String,
    /// Current data to check for drift as well: a CSV, or a source (postgres://, mysql:// with
    /// --table or --query, kafka://).
    #[arg(long)]
    current: Option<String>,
    /// The training data instead of the model's stored profile, for drift.
    #[arg(long)]
    reference: Option<PathBuf>,
    /// Score the log per day or per (ISO, Monday-first) week.
    #[arg(long, value_parser = ["day", "week"], default_value = "week")]
    period: String,
    /// Alert when F1 fell by more than this many percent from the period before.
    #[arg(long = "f1-drop", default_value_t = 5.0)]
    f1_drop: f64,
    /// A regressor's: alert when RMSE rose by more than this many percent
    /// from the period before.
    #[arg(long = "rmse-rise", default_value_t = 5.0)]
    rmse_rise: f64,
    /// A Slack-compatible incoming webhook to post the alert to (or set
    /// GLASSBOX_WEBHOOK_URL). It is never printed.
    #[arg(long, env = "GLASSBOX_WEBHOOK_URL", hide_env_values = true)]
    webhook: Option<String>,
    /// Post even when all is well (a daily heartbeat).
    #[arg(long)]
    always_notify: bool,
    /// Print the payload instead of posting it.
    #[arg(long)]
    dry_run: bool,
    /// Seconds to wait for the webhook on each try.
    #[arg(long = "webhook-timeout", default_value_t = 10.0)]
    webhook_timeout: f64,
    /// Tries after the first on a 5xx answer or a network failure.
    #[arg(long = "webhook-retries", default_value_t = 3)]
    webhook_retries: usize,
    /// Where to write monitor.json and monitor.html (and drift.json with --current).
    #[arg(long)]
    out: PathBuf,
    /// When the alert fires, retrain the model's recipe on this labelled data (a file or a
    /// source) as `glassbox retrain` does, into OUT/retrain: the new model is promoted to
    /// OUT/retrain/model.json only when it beats the current one on held-out new rows beyond
    /// their noise, and the alert says what happened. The exit code stays the alert's (3).
    #[arg(long, value_name = "NEW_DATA")]
    retrain_on_alert: Option<String>,
    #[command(flatten)]
    drift: DriftArgs,
    #[command(flatten)]
    bytes: ByteArgs,
    #[command(flatten)]
    source: SourceArgs,
}

/// What the log gave, whichever the task.
#[derive(Default)]
struct Log {
    labelled: usize,
    unlabelled: usize,
    problems: Vec<String>,
    n_problems: usize,
    /// A classifier's logged probabilities against the reference, when no
    /// row has a label yet.
    prediction_drift: Vec<ColumnDrift>,
}

pub fn run(args: Monitor) -> Result<(), Failure> {
    let (model, model_bytes) = read_model_and_bytes(&args.model)?;
    if let Some(url) = &args.webhook {
        webhook::check_url(url)?;
    }
    if !(args.webhook_timeout.is_finite() && args.webhook_timeout > 0.0) {
        return Err(Failure::input(format!(
            "--webhook-timeout must be a positive number of seconds, got {}",
            args.webhook_timeout
        )));
    }
    let period = Period::parse(&args.period).map_err(|e| Failure::input(e.to_string()))?;
    // The log may be a workbook, Parquet or a gzip as well. JSON lines are
    // read by the log reader itself: `glassbox serve --log` writes each
    // request's input as a nested object, which the JSON Lines format refuses.
    let raw = read(&args.log)?;
    let head = &raw[..raw.len().min(glassbox_formats::HEAD_BYTES)];
    let (log_bytes, read_opts) = match glassbox_formats::format_of(head, &args.log.to_string_lossy()) {
        Some(format) if format.name() != glassbox_formats::Reader::name(&glassbox_formats::jsonl::JsonLines) => {
            Input::new(&args.log.to_string_lossy(), &SourceArgs::default())?.bytes(&args.bytes.options()?)?
        }
        _ => (raw, args.bytes.options()?),
    };
    let regression = model.task == glassbox_pipeline::task::Task::Regression;
    let mut log = Log::default();
    let (decay, errors) = if regression {
        let numbers = read_number_log(&model, &log_bytes, &args.time_column, &args.label_column, &read_opts)
            .map_err(|e| Failure::from_pipeline(&args.log, e))?;
        let reference = model.profile.as_ref().and_then(|p| p.errors);
        let level = model.conformal.as_ref().map(|c| c.level.value());
        let errors = decay_numbers(&numbers.rows, period, args.rmse_rise, level, reference, &numbers.inputs)
            .map_err(|e| Failure::from_pipeline(&args.log, e))?;
        log = Log {
            labelled: numbers.rows.len(),
            unlabelled: numbers.unlabelled,
            problems: numbers.problems,
            n_problems: numbers.n_problems,
            ..Log::default()
        };
        (None, Some(errors))
    } else {
        let read = read_log(&model, &log_bytes, &args.time_column, &args.label_column, &read_opts)
            .map_err(|e| Failure::from_pipeline(&args.log, e))?;
        let reference = model.profile.as_ref().and_then(|p| p.metrics);
        let decay = if read.rows.is_empty() {
            None
        } else {
            Some(
                decay::decay(&read.rows, &model.classes, period, args.f1_drop, reference)
                    .map_err(|e| Failure::from_pipeline(&args.log, e))?,
            )
        };
        // Without labels, the logged probabilities still say whether the model
        // now sees other rows than it was tested on.
        if let (None, Some(profile)) = (&decay, &model.profile) {
            if !read.probabilities.is_empty() {
                let mut current = Current::new(profile);
                current.feed_prediction(profile, &model.classes, &read.probabilities);
                log.prediction_drift = glassbox_pipeline::monitor::drift::prediction_drift(profile, None, &current)
                    .map_err(|e| Failure::from_pipeline(&args.log, e))?;
            }
        }
        log = Log {
            labelled: read.rows.len(),
            unlabelled: read.unlabelled,
            problems: read.problems,
            n_problems: read.n_problems,
            ..log
        };
        (decay, None)
    };
    for p in &log.problems {
        eprintln!("warning: {}: {p}", args.log.display());
    }
    if log.n_problems > log.problems.len() {
        eprintln!(
            "warning: {}: {} more rows could not be used",
            args.log.display(),
            log.n_problems - log.problems.len()
        );
    }
    let log_prediction = log.prediction_drift;
    let current = args.current.as_deref().map(|c| Input::new(c, &args.source)).transpose()?;
    let drift = match &current {
        Some(c) => Some(run_drift(&model, c, args.reference.as_deref(), &args.drift, &args.bytes)?),
        None => None,
    };
    let model_sha = glassbox_pipeline::run::sha256_hex(&model_bytes);
    let data_sha = match &drift {
        Some(d) => d.data_sha256.clone(),
        None => glassbox_pipeline::run::sha256_hex(&log_bytes),
    };
    let words = model_words(&model, &args.model);
    let mut input = AlertInput {
        model: &words,
        model_sha256: &model_sha,
        data_sha256: &data_sha,
        drift: drift.as_ref().map(|d| &d.report),
        decay: decay.as_ref(),
        errors: errors.as_ref(),
        retrained: None,
    };
    let firing = alert::fires(&input);
    // The seed's loop in one command: the alert, then the retraining it calls for.
    let retrained = match args.retrain_on_alert.as_deref().filter(|_| firing) {
        None => None,
        Some(new_data) => {
            let folder = args.out.join("retrain");
            let threads = crate::args::threads(None)?;
            let done = Input::new(new_data, &args.source)
                .and_then(|i| crate::retrain::retrain(&args.model, &i, &folder, threads));
            Some(match done {
                Ok(c) if c.promoted => {
                    json!({"promoted": true, "verdict": format!("{}; the new model is {}", c.verdict, folder.join("model.json").display()), "folder": folder})
                }
                Ok(c) => json!({"promoted": false, "verdict": c.verdict, "folder": folder}),
                // The alert still goes out, saying the retraining failed and why.
                Err(f) => {
                    json!({"promoted": false, "verdict": format!("retraining failed: {}", f.message()), "folder": folder})
                }
            })
        }
    };
    let retrained_words = retrained.as_ref().and_then(|r| r["verdict"].as_str().map(str::to_string));
    input.retrained = retrained_words.as_deref();
    let reasons = alert::reasons(&input);
    let payload = alert::payload(&input);
    let payload_text = serde_json::to_string_pretty(&payload).expect("a payload serialises");
    let no_labels = (decay.is_none() && errors.is_none()).then(|| {
        format!(
            "the log has no labelled rows yet ({} without a label): performance cannot be measured; {}",
            log.unlabelled,
            if log_prediction.is_empty() {
                "prediction drift needs a model file with a reference profile".to_string()
            } else {
                "prediction drift of the logged probabilities is reported instead".to_string()
            }
        )
    });
    let drift_summary = drift.as_ref().map(|d| {
        json!({
            "dataset": d.report.dataset,
            "top": d.report.top,
            "prediction": d.report.prediction,
            "target": d.report.target,
            "missing_columns": d.report.missing_columns,
        })
    });
    let message = match (&decay, &errors) {
        (Some(d), _) => d.message.clone(),
        (_, Some(e)) => e.message.clone(),
        _ => no_labels.clone().unwrap_or_default(),
    };
    let summary = match &errors {
        Some(e) => json!({
            "task": "regression",
            "period": period.name(),
            "periods": e.periods,
            "rmse_change": e.rmse_change,
            "rmse_rise": e.rmse_rise,
            "interval_level": e.level,
            "bias_band": e.bias_band,
            "alert": firing,
            "alerts": reasons,
            "error_alerts": e.alerts,
            "message": message,
            "reference": e.reference,
            "labelled_rows": log.labelled,
            "unlabelled_rows": log.unlabelled,
            "log_problems": log.n_problems,
            "drift": drift_summary,
            "retrain": retrained,
            "model_sha256": model_sha,
            "data_sha256": data_sha,
        }),
        None => json!({
            "period": period.name(),
            "f1_of": decay.as_ref().map(|d| d.f1_of.clone()),
            "periods": decay.as_ref().map_or(Vec::new(), |d| d.periods.clone()),
            "change": decay.as_ref().and_then(|d| d.change),
            "f1_drop": args.f1_drop,
            "alert": firing,
            "alerts": reasons,
            "message": message,
            "reference": model.profile.as_ref().and_then(|p| p.metrics),
            "labelled_rows": log.labelled,
            "unlabelled_rows": log.unlabelled,
            "log_problems": log.n_problems,
            "log_prediction_drift": log_prediction,
            "drift": drift_summary,
            "retrain": retrained,
            "model_sha256": model_sha,
            "data_sha256": data_sha,
        }),
    };
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Failure::input(format!("{}: cannot create the directory: {e}", args.out.display())))?;
    write(&args.out.join("monitor.json"), serde_json::to_string_pretty(&summary).expect("serialises") + "\n")?;
    if let Some(d) = &drift {
        write(&args.out.join("drift.json"), serde_json::to_string_pretty(&d.report).expect("serialises") + "\n")?;
    }
    let about = glassbox_report::drift::About {
        title: "Glassbox monitor".into(),
        model: words.clone(),
        model_sha256: model_sha.clone(),
        data: match &current {
            Some(c) => format!("{} and the log {}", c.base_name(), base_name(&args.log)),
            None => format!("the log {}", base_name(&args.log)),
        },
        data_sha256: data_sha.clone(),
        lines: vec![
            ("period".into(), period.name().into()),
            if regression {
                ("RMSE rise that alerts".into(), format!("{}%", args.rmse_rise))
            } else {
                ("F1 drop that alerts".into(), format!("{}%", args.f1_drop))
            },
        ],
    };
    write(
        &args.out.join("monitor.html"),
        glassbox_report::drift::monitor_html(
            &about,
            drift.as_ref().map(|d| &d.report),
            decay.as_ref(),
            errors.as_ref(),
            Some(&payload_text),
        ),
    )?;
    println!("{message}");
    for a in errors.iter().flat_map(|e| &e.alerts) {
        println!("  alarm: {}", a.message);
    }
    for todo in errors.iter().flat_map(|e| e.suggestions()) {
        println!("  what to do: {todo}");
    }
    if let Some(d) = &drift {
        print_summary(&d.report);
    }
    if args.dry_run {
        println!("{payload_text}");
    } else if let Some(url) = args.webhook.as_deref().filter(|_| firing || args.always_notify) {
        let sent = webhook::post(
            url,
            &payload.to_string(),
            Duration::from_secs_f64(args.webhook_timeout),
            args.webhook_retries,
        )?;
        println!("posted the alert to {} (HTTP {}, try {})", webhook::redacted(url), sent.status, sent.attempts);
    }
    println!("wrote {}", args.out.join("monitor.json").display());
    if firing {
        return Err(Failure::alert(reasons.join("; ")));
    }
    Ok(())
}
