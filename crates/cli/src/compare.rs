//! `glassbox compare`: several models cross-validated on the same folds, ranked.

use std::path::PathBuf;

use clap::Args;
use glassbox_pipeline::model::ModelSpec;
use glassbox_pipeline::Control;

use crate::args::{progress_line, report_skipped, RunArgs};
use crate::source::{Input, SourceArgs};
use crate::{write, Failure};

/// Cross-validate several models on the same folds of the training rows and rank them.
#[derive(Args)]
pub struct Compare {
    /// The CSV file, or a source: postgres://HOST[:PORT]/DB or mysql://HOST[:PORT]/DB (with --table or
    /// --query), or kafka://HOST[:PORT]/TOPIC; credentials come from the environment or ./.env.
    data: String,
    /// Output folder for leaderboard.json.
    #[arg(long)]
    out: PathBuf,
    /// Comma-separated model names (default: all).
    #[arg(long, value_delimiter = ',')]
    models: Vec<String>,
    /// Folds.
    #[arg(long, default_value_t = 5)]
    cv: usize,
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    source: SourceArgs,
}

pub fn run(args: Compare) -> Result<(), Failure> {
    let Compare { data, models, cv, out, run, source } = args;
    let input = Input::new(&data, &source)?;
    let data = input.path();
    let spec = run.spec()?;
    let seed = spec.seed;
    let t = input.table(&spec.data.read)?;
    let task = glassbox_pipeline::run::task_of(&t, &spec).map_err(|e| Failure::from_pipeline(&data, e))?;
    // Every model that does the task, unless the person named some.
    let names: Vec<String> = if models.is_empty() {
        glassbox_pipeline::model::model_names(task).iter().map(|s| s.to_string()).collect()
    } else {
        models
    };
    let specs = names
        .iter()
        .map(|n| ModelSpec::by_name(n.trim(), seed))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Failure::input(e.to_string()))?;
    report_skipped(&data, &t.row_issues);
    let start = std::time::Instant::now();
    let clock = move || start.elapsed().as_secs_f64();
    let control = Control { clock: Some(&clock), progress: Some(&progress_line), threads: run.threads()? };
    let board = glassbox_pipeline::run::compare(&t, &spec, &specs, cv, &control)
        .map_err(|e| Failure::from_pipeline(&data, e))?;
    std::fs::create_dir_all(&out)
        .map_err(|e| Failure::input(format!("{}: cannot create the folder: {e}", out.display())))?;
    let json = serde_json::to_string_pretty(&board).expect("a leaderboard always serialises") + "\n";
    write(&out.join("leaderboard.json"), &json)?;
    // The columns of the task's metrics, the ranking one first.
    let columns: &[(&str, &str)] = match task {
        glassbox_pipeline::task::Task::Classification => {
            &[("roc_auc", "ROC AUC"), ("accuracy", "accuracy"), ("f1_macro", "F1 (macro)"), ("log_loss", "log loss")]
        }
        glassbox_pipeline::task::Task::Regression => &[("rmse", "RMSE"), ("r2", "R²"), ("mae", "MAE")],
    };
    let mut header = format!("{:24}", "model");
    for (_, name) in columns {
        header += &format!("  {name:>15}");
    }
    println!("{header}  {:>8}", "fit s");
    for e in &board {
        let mut line = format!("{:24}", e.model);
        for (key, _) in columns {
            let m = &e.cv[*key];
            line += &format!(
                "  {:>15}",
                format!(
                    "{} ± {}",
                    glassbox_report::regression::fmt_number(m.mean),
                    glassbox_report::regression::fmt_number(m.std)
                )
            );
        }
        println!("{line}  {:>8.3}", e.fit_seconds);
    }
    println!("{cv}-fold cross-validation on the training rows; wrote {}", out.join("leaderboard.json").display());
    Ok(())
}
