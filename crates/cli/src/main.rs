//! `glassbox`: the command-line tool on the same pipeline core as the web app.
//!
//! Exit codes: 0 on success, 2 for bad input or bad usage (with a one-line
//! message naming the file and, where known, the line and column), 1 for an
//! internal error. It never ends in a panic: one is caught and reported as an
//! internal error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use glassbox_pipeline::{ModelFile, TrainSpec};

#[derive(Parser)]
#[command(
    name = "glassbox",
    version,
    about = "Can a model predict this column, how well, and why?"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a classifier on a CSV and evaluate it on a held-out test set.
    Train {
        /// The CSV file (comma-separated, UTF-8, header row).
        data: PathBuf,
        /// The column to predict, as in the header or as normalised.
        #[arg(long)]
        target: String,
        /// Seed for every random choice.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Share of rows held out for the test set.
        #[arg(long, default_value_t = 0.2)]
        test_size: f64,
        /// Output folder for model.json, metrics.json and report.html.
        #[arg(long)]
        out: PathBuf,
    },
    /// Score a CSV with a saved model: one output row per input row.
    Predict {
        /// A model.json written by `glassbox train`.
        model: PathBuf,
        /// The CSV to score.
        data: PathBuf,
        /// Where to write the predictions CSV.
        #[arg(long)]
        out: PathBuf,
    },
}

/// A failure with the exit code it deserves.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn input(message: String) -> Self {
        Failure { code: 2, message }
    }

    fn from_pipeline(file: &Path, e: glassbox_pipeline::Error) -> Self {
        let code = if e.is_user_error() { 2 } else { 1 };
        Failure {
            code,
            message: format!("{}: {e}", file.display()),
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path)
        .map_err(|e| Failure::input(format!("{}: cannot read the file: {e}", path.display())))
}

fn write(path: &Path, contents: &str) -> Result<(), Failure> {
    std::fs::write(path, contents)
        .map_err(|e| Failure::input(format!("{}: cannot write the file: {e}", path.display())))
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Train {
            data,
            target,
            seed,
            test_size,
            out,
        } => {
            let bytes = read(&data)?;
            let spec = TrainSpec {
                target,
                seed,
                test_size,
                ..TrainSpec::default()
            };
            let name = data
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let outcome = glassbox_pipeline::train(&bytes, &name, &spec)
                .map_err(|e| Failure::from_pipeline(&data, e))?;
            std::fs::create_dir_all(&out).map_err(|e| {
                Failure::input(format!("{}: cannot create the folder: {e}", out.display()))
            })?;
            write(&out.join("model.json"), &outcome.model.to_json())?;
            write(&out.join("metrics.json"), &outcome.metrics_json())?;
            write(&out.join("report.html"), &glassbox_report::render(&outcome))?;
            let m = &outcome.manifest;
            let e = &outcome.evaluation;
            println!(
                "trained {} on {}: {} training rows, {} test rows{}",
                m.model,
                m.file_name,
                m.n_train,
                m.n_test,
                if m.rows_missing_target > 0 {
                    format!(
                        " ({} rows without a target left out)",
                        m.rows_missing_target
                    )
                } else {
                    String::new()
                }
            );
            println!(
                "target {}: classes {}",
                m.target,
                outcome.classes.join(", ")
            );
            println!(
                "accuracy {}  ROC AUC {}  log loss {}",
                glassbox_report::fmt_metric(e.accuracy),
                glassbox_report::fmt_metric(e.roc_auc),
                glassbox_report::fmt_metric(e.log_loss)
            );
            println!(
                "wrote {}",
                ["model.json", "metrics.json", "report.html"]
                    .map(|f| out.join(f).display().to_string())
                    .join(", ")
            );
            Ok(())
        }
        Command::Predict { model, data, out } => {
            let text = String::from_utf8(read(&model)?).map_err(|_| {
                Failure::input(format!(
                    "{}: not a Glassbox model file: not UTF-8 text",
                    model.display()
                ))
            })?;
            let fitted =
                ModelFile::from_json(&text).map_err(|e| Failure::from_pipeline(&model, e))?;
            let bytes = read(&data)?;
            let prediction = glassbox_pipeline::predict(&fitted, &bytes)
                .map_err(|e| Failure::from_pipeline(&data, e))?;
            write(&out, &prediction.to_csv())?;
            println!(
                "wrote {} predictions to {}",
                prediction.predicted.len(),
                out.display()
            );
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A panic is a bug: report it in one line as an internal error, never as a backtrace.
    std::panic::set_hook(Box::new(|_| {}));
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(f)) => {
            eprintln!("error: {}", f.message);
            ExitCode::from(f.code)
        }
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            eprintln!("internal error: {what}");
            ExitCode::from(1)
        }
    }
}
