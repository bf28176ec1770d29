//! `glassbox`: the command-line tool on the same pipeline core as the web app.
//!
//! Exit codes: 0 on success, 2 for bad input or bad usage (with a one-line
//! message naming the file and, where known, the line and column), 1 for an
//! internal error; 3 when `monitor` raised an alert and 4 when
//! `retrain` kept the current model (both said why). It never ends in a
//! panic: one is caught and reported as an internal error.

#![forbid(unsafe_code)]

//!
//! Each subcommand lives in its own file with its options and its `run`;
//! the options they share are in `args`.

use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

mod args;
mod chunks;
mod compare;
mod drift;
mod explain;
mod export;
mod inspect;
mod monitor;
mod predict;
mod retrain;
mod serve;
mod source;
mod sync;
mod train;
mod webhook;

#[derive(Parser)]
#[command(name = "glassbox", version, about = "Can a model predict this column, how well, and why?")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
// The two run commands carry every training option; boxed, the enum stays small.
enum Command {
    Inspect(inspect::Inspect),
    Train(Box<train::Train>),
    Retrain(Box<retrain::Retrain>),
    Compare(Box<compare::Compare>),
    Predict(predict::Predict),
    Explain(explain::Explain),
    Export(export::Export),
    Serve(serve::Serve),
    Drift(drift::Drift),
    Monitor(Box<monitor::Monitor>),
    Sync(Box<sync::Sync>),
}

/// A failure with the exit code it deserves.
pub struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    pub fn input(message: String) -> Self {
        Failure { code: 2, message }
    }

    /// Not an error: `retrain` kept the current model (exit code 4); it has said why.
    pub fn kept() -> Self {
        Failure { code: 4, message: String::new() }
    }

    /// Not an error: the check ran and an alert fired (exit code 3).
    pub fn alert(message: String) -> Self {
        Failure { code: 3, message }
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn from_pipeline(file: &Path, e: glassbox_pipeline::Error) -> Self {
        let code = if e.is_user_error() { 2 } else { 1 };
        Failure { code, message: format!("{}: {e}", file.display()) }
    }
}

pub fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::input(format!("{}: cannot read the file: {e}", path.display())))
}

/// Reads and checks a model file, naming it in any error.
pub fn read_model(path: &Path) -> Result<glassbox_pipeline::ModelFile, Failure> {
    read_model_and_bytes(path).map(|(m, _)| m)
}

/// [`read_model`], keeping the file's bytes (for their SHA-256).
pub fn read_model_and_bytes(path: &Path) -> Result<(glassbox_pipeline::ModelFile, Vec<u8>), Failure> {
    let bytes = read(path)?;
    let model = glassbox_pipeline::ModelFile::from_bytes(&bytes).map_err(|e| Failure::from_pipeline(path, e))?;
    Ok((model, bytes))
}

pub fn write(path: &Path, contents: impl AsRef<[u8]>) -> Result<(), Failure> {
    write_with(path, |w| w.write_all(contents.as_ref()))
}

/// Writes what `write` writes to `path` as it comes (a model file can pass a gigabyte).
pub fn write_with(
    path: &Path,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), Failure> {
    let failed = |e: std::io::Error| Failure::input(format!("{}: cannot write the file: {e}", path.display()));
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).map_err(failed)?);
    write(&mut out).map_err(failed)?;
    std::io::Write::flush(&mut out).map_err(failed)
}

fn run(cli: Cli, matches: &clap::ArgMatches) -> Result<(), Failure> {
    let given = |name: &str| matches.subcommand_matches(name).map(|m| args::given(m, &Cli::command(), name));
    match cli.command {
        Command::Inspect(args) => inspect::run(args),
        Command::Train(args) => train::run(*args, given("train").unwrap_or_default()),
        Command::Retrain(args) => retrain::run(*args, given("retrain").unwrap_or_default()),
        Command::Compare(args) => compare::run(*args),
        Command::Predict(args) => predict::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Export(args) => export::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Drift(args) => drift::run(args),
        Command::Monitor(args) => monitor::run(*args),
        Command::Sync(args) => sync::run(*args),
    }
}

use glassbox_pipeline::text::escape_invisible;

fn main() -> ExitCode {
    // The matches too: `train --recipe` asks which options were typed.
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // A panic is a bug: report it in one line as an internal error, never as a backtrace.
    std::panic::set_hook(Box::new(|_| {}));
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli, &matches))) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(f)) if f.code == 4 => ExitCode::from(4),
        Ok(Err(f)) if f.code == 3 => {
            eprintln!("alert: {}", escape_invisible(&f.message, true));
            ExitCode::from(3)
        }
        Ok(Err(f)) => {
            eprintln!("error: {}", escape_invisible(&f.message, true));
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
