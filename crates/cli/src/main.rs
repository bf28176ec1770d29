//! `glassbox`: the command-line tool on the same pipeline core as the web app.
//!
//! Exit codes: 0 on success, 2 for bad input or bad usage (with a one-line
//! message naming the file and, where known, the line and column), 1 for an
//! internal error. It never ends in a panic: one is caught and reported as an
//! internal error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use glassbox_pipeline::features::{Binning, DatePart, Encoding, FeatureSpec, Impute, Scale};
use glassbox_pipeline::ingest::{BadRows, ColumnKind, DateOrder, ReadOptions};
use glassbox_pipeline::model::ModelSpec;
use glassbox_pipeline::search::Sampler;
use glassbox_pipeline::{Control, ModelFile, TrainSpec};

#[derive(Parser)]
#[command(name = "glassbox", version, about = "Can a model predict this column, how well, and why?")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// How to read the bytes of a CSV; everything is detected unless set.
#[derive(Args, Clone)]
struct ByteArgs {
    /// The field delimiter: , ; | or tab (default: detected).
    #[arg(long)]
    delimiter: Option<String>,
    /// The quote character.
    #[arg(long, default_value_t = '"')]
    quote: char,
    /// The text encoding, as a WHATWG label such as utf-8, windows-1252, gbk, shift_jis (default: detected).
    #[arg(long)]
    encoding: Option<String>,
    /// The first row is data, not a header: columns are named column_1, column_2, ...
    #[arg(long)]
    no_header: bool,
    /// Numbers are written with a decimal comma (3,14) (default: detected).
    #[arg(long)]
    decimal_comma: bool,
    /// Another token that means "missing" (repeatable; added to the defaults).
    #[arg(long = "missing", value_name = "TOKEN")]
    missing: Vec<String>,
}

/// What `train` and `compare` share: the target, the split, weights, threads and how to read the table.
#[derive(Args, Clone)]
struct RunArgs {
    /// The column to predict, as in the header or as normalised.
    #[arg(long)]
    target: String,
    /// Seed for every random choice.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Share of rows held out for the test set.
    #[arg(long, default_value_t = 0.2)]
    test_size: f64,
    /// `balanced` weighs each class inversely to its frequency (logistic regression and trees).
    #[arg(long, value_parser = ["balanced", "none"], default_value = "none")]
    class_weight: String,
    /// Threads for folds, search trials, forest trees and per-class boosted trees (default: all
    /// cores). The results do not depend on it.
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    #[command(flatten)]
    features: FeatureArgs,
    #[command(flatten)]
    table: TableArgs,
}

/// The feature pipeline (fitted on the training rows only).
#[derive(Args, Clone)]
struct FeatureArgs {
    /// How numeric gaps are filled: median, mean, or constant:VALUE.
    #[arg(long, default_value = "median")]
    impute: String,
    /// Add a COLUMN_missing feature for numeric columns with gaps.
    #[arg(long)]
    missing_indicator: bool,
    /// How numbers are scaled: standard, minmax, robust or none.
    #[arg(long, value_parser = ["standard", "minmax", "robust", "none"], default_value = "standard")]
    scale: String,
    /// Cut a numeric column into one-hot bins: COLUMN=0,18,35,55 (edges, increasing),
    /// COLUMN=quantile:K or COLUMN=uniform:K (repeatable). Values outside the edges go to the end bins.
    #[arg(long = "bins", value_name = "COLUMN=BINS")]
    bins: Vec<String>,
    /// How categories become numbers: onehot or ordinal.
    #[arg(long, value_parser = ["onehot", "ordinal"], default_value = "onehot")]
    encode: String,
    /// One-hot: leave out each column's first level.
    #[arg(long)]
    drop_first: bool,
    /// One-hot: levels with fewer training rows than N share an `other` column.
    #[arg(long, value_name = "N", default_value_t = 0)]
    min_frequency: usize,
    /// One-hot: keep at most N levels per column (the most frequent); the rest share `other`.
    #[arg(long, value_name = "N")]
    max_levels: Option<usize>,
    /// Date-time features, comma-separated: hour, day_of_week, day_of_year, month, year, elapsed_days
    /// (default: all but hour, plus hour when the times have one).
    #[arg(long, value_delimiter = ',', value_name = "PARTS")]
    date_parts: Vec<String>,
}

impl FeatureArgs {
    fn spec(&self) -> Result<FeatureSpec, Failure> {
        let bad = |m: String| Failure::input(m);
        let impute = Impute::parse(&self.impute).map_err(|e| bad(format!("--impute: {e}")))?;
        let bins =
            self.bins.iter().map(|b| Binning::parse(b)).collect::<Result<_, _>>().map_err(|e| bad(e.to_string()))?;
        let date_parts = if self.date_parts.is_empty() {
            None
        } else {
            Some(
                self.date_parts
                    .iter()
                    .map(|p| DatePart::parse(p.trim()).map_err(|e| bad(e.to_string())))
                    .collect::<Result<_, _>>()?,
            )
        };
        let spec = FeatureSpec {
            impute,
            missing_indicator: self.missing_indicator,
            scale: Scale::parse(&self.scale).map_err(|e| bad(e.to_string()))?,
            bins,
            encoding: if self.encode == "ordinal" { Encoding::Ordinal } else { Encoding::OneHot },
            drop_first: self.drop_first,
            min_frequency: self.min_frequency,
            max_levels: self.max_levels,
            date_parts,
        };
        spec.validate().map_err(|e| bad(e.to_string()))?;
        Ok(spec)
    }
}

impl RunArgs {
    /// The spec's shared part: everything but the model and its validation.
    fn spec(&self) -> Result<TrainSpec, Failure> {
        Ok(TrainSpec {
            target: self.target.clone(),
            seed: self.seed,
            test_size: self.test_size,
            balanced: self.class_weight == "balanced",
            read: self.table.options()?,
            features: self.features.spec()?,
            ..TrainSpec::default()
        })
    }

    fn threads(&self) -> Result<usize, Failure> {
        match self.workers {
            Some(0) => Err(Failure::input("--workers must be at least 1, got 0".to_string())),
            Some(n) => Ok(n),
            None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
        }
    }
}

/// Progress on stderr, one line rewritten in place, when stderr is a terminal.
fn progress_line(p: &glassbox_pipeline::Progress) -> bool {
    use std::io::{IsTerminal, Write};
    let mut err = std::io::stderr();
    if err.is_terminal() {
        let end = if p.done == p.total { "\n" } else { "" };
        let _ = write!(err, "\r{}: {} of {}{end}", p.stage, p.done, p.total);
        let _ = err.flush();
    }
    true
}

/// How to read a table and which columns to use.
#[derive(Args, Clone)]
struct TableArgs {
    #[command(flatten)]
    bytes: ByteArgs,
    /// Set a column's kind: COLUMN=numeric|categorical|boolean|datetime|text (repeatable).
    /// A numeric column set to datetime holds Unix epoch seconds (milliseconds when above 1e11).
    #[arg(long = "type", value_name = "COLUMN=KIND")]
    types: Vec<String>,
    /// The time zone of date-times written without an offset: an IANA name such as Asia/Shanghai (default UTC).
    #[arg(long)]
    timezone: Option<String>,
    /// The order of dates like 05/03/2024 when the data does not tell: dmy, mdy or ymd (default: from
    /// the data, else day-first).
    #[arg(long, value_parser = ["dmy", "mdy", "ymd"])]
    date_order: Option<String>,
    /// What to do with rows that cannot be read.
    #[arg(long, value_enum, default_value_t = BadRowsArg::Skip)]
    bad_rows: BadRowsArg,
}

#[derive(ValueEnum, Clone, Copy)]
enum BadRowsArg {
    /// Skip them, and list the first few on stderr.
    Skip,
    /// Stop with an error naming the first one.
    Error,
}

impl ByteArgs {
    fn options(&self) -> Result<ReadOptions, Failure> {
        let delimiter = match self.delimiter.as_deref() {
            None => None,
            Some("tab") | Some("\\t") | Some("\t") => Some('\t'),
            Some(d) if d.chars().count() == 1 => d.chars().next(),
            Some(d) => return Err(Failure::input(format!("--delimiter must be one character or 'tab', got '{d}'"))),
        };
        let mut missing = ReadOptions::default().missing_tokens;
        missing.extend(self.missing.iter().cloned());
        Ok(ReadOptions {
            delimiter,
            quote: self.quote,
            encoding: self.encoding.clone(),
            header: self.no_header.then_some(false),
            decimal_comma: self.decimal_comma.then_some(true),
            missing_tokens: missing,
            ..ReadOptions::default()
        })
    }
}

impl TableArgs {
    fn options(&self) -> Result<ReadOptions, Failure> {
        let mut read = self.bytes.options()?;
        read.bad_rows = match self.bad_rows {
            BadRowsArg::Skip => BadRows::Skip,
            BadRowsArg::Error => BadRows::Error,
        };
        for t in &self.types {
            let (column, kind) =
                t.split_once('=').ok_or_else(|| Failure::input(format!("--type needs COLUMN=KIND, got '{t}'")))?;
            let kind = match kind {
                // Free text is flagged and left out by the quality rules; as a kind it is categorical.
                "text" => ColumnKind::Categorical,
                k => ColumnKind::parse(k).ok_or_else(|| {
                    Failure::input(format!(
                        "--type {t}: unknown kind '{k}'; use numeric, categorical, boolean, datetime or text"
                    ))
                })?,
            };
            read.kinds.insert(column.to_string(), kind);
        }
        read.timezone = self.timezone.clone();
        read.date_order = self.date_order.as_deref().and_then(DateOrder::parse);
        Ok(read)
    }
}

/// Tells the person about rows that were skipped: the count and the first few.
fn report_skipped(file: &Path, issues: &[glassbox_pipeline::ingest::RowIssue]) {
    if issues.is_empty() {
        return;
    }
    eprintln!(
        "warning: {}: skipped {} row{} that could not be read:",
        file.display(),
        issues.len(),
        if issues.len() == 1 { "" } else { "s" }
    );
    for i in issues.iter().take(5) {
        eprintln!("  {}", i.message);
    }
    if issues.len() > 5 {
        eprintln!("  ... and {} more", issues.len() - 5);
    }
}

#[derive(Subcommand)]
enum Command {
    /// Show how a CSV reads: format, columns with kinds and flags, and rows that cannot be read.
    Inspect {
        /// The CSV file.
        data: PathBuf,
        /// Also check columns against this target (leakage, single strong predictors).
        #[arg(long)]
        target: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        table: TableArgs,
    },
    /// Train a classifier on a CSV and evaluate it on a held-out test set.
    Train {
        /// The CSV file (delimiter, encoding, header and decimal comma are detected).
        data: PathBuf,
        /// Output folder for model.json, metrics.json and report.html.
        #[arg(long)]
        out: PathBuf,
        /// The model: logistic_regression, knn, naive_bayes, decision_tree, random_forest,
        /// gradient_boosting, baseline_most_frequent or baseline_stratified.
        #[arg(long, default_value = "logistic_regression")]
        model: String,
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
        /// cross-validated ROC AUC (`--cv` folds, default 3); the best trial's parameters train the final model.
        #[arg(long, value_parser = ["random", "tpe", "both"])]
        search: Option<String>,
        /// Trials per sampler.
        #[arg(long, default_value_t = 20)]
        trials: usize,
        /// Leave a column out of the features (repeatable).
        #[arg(long, value_name = "COLUMN")]
        drop: Vec<String>,
        /// Keep a flagged column as a feature anyway (repeatable).
        #[arg(long, value_name = "COLUMN")]
        keep: Vec<String>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Cross-validate several models on the same folds of the training rows and rank them.
    Compare {
        /// The CSV file.
        data: PathBuf,
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
        #[command(flatten)]
        bytes: ByteArgs,
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
        Failure { code, message: format!("{}: {e}", file.display()) }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::input(format!("{}: cannot read the file: {e}", path.display())))
}

fn write(path: &Path, contents: &str) -> Result<(), Failure> {
    std::fs::write(path, contents)
        .map_err(|e| Failure::input(format!("{}: cannot write the file: {e}", path.display())))
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Inspect { data, target, json, table } => {
            let bytes = read(&data)?;
            let i = glassbox_pipeline::inspect(&bytes, &table.options()?, target.as_deref())
                .map_err(|e| Failure::from_pipeline(&data, e))?;
            if json {
                println!("{}", serde_json::to_string_pretty(&i).expect("an inspection always serialises"));
            } else {
                print!("{}", inspection_text(&data, &i));
            }
            Ok(())
        }
        Command::Compare { data, models, cv, out, run } => {
            let bytes = read(&data)?;
            let spec = run.spec()?;
            let seed = spec.seed;
            let names: Vec<String> = if models.is_empty() {
                glassbox_pipeline::model::MODEL_NAMES.iter().map(|s| s.to_string()).collect()
            } else {
                models
            };
            let specs = names
                .iter()
                .map(|n| ModelSpec::by_name(n.trim(), seed))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| Failure::input(e.to_string()))?;
            let t = glassbox_pipeline::ingest::read_csv(&bytes, &spec.read)
                .map_err(|e| Failure::from_pipeline(&data, e))?;
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
            println!(
                "{:24}  {:>15}  {:>15}  {:>15}  {:>15}  {:>8}",
                "model", "ROC AUC", "accuracy", "F1 (macro)", "log loss", "fit s"
            );
            for e in &board {
                let cell = |m: &str| format!("{:.4} ± {:.4}", e.cv[m].mean, e.cv[m].std);
                println!(
                    "{:24}  {:>15}  {:>15}  {:>15}  {:>15}  {:>8.3}",
                    e.model,
                    cell("roc_auc"),
                    cell("accuracy"),
                    cell("f1_macro"),
                    cell("log_loss"),
                    e.fit_seconds
                );
            }
            println!(
                "{cv}-fold cross-validation on the training rows; wrote {}",
                out.join("leaderboard.json").display()
            );
            Ok(())
        }
        Command::Train {
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
            drop,
            keep,
            run,
        } => {
            let bytes = read(&data)?;
            let base = run.spec()?;
            let mut model = ModelSpec::by_name(&model, base.seed).map_err(|e| Failure::input(e.to_string()))?;
            for p in &params {
                let (name, value) =
                    p.split_once('=').ok_or_else(|| Failure::input(format!("--param takes NAME=VALUE, got '{p}'")))?;
                model = model.set(name.trim(), value.trim()).map_err(|e| Failure::input(e.to_string()))?;
            }
            let spec = TrainSpec {
                model,
                cv,
                time_column,
                time_windows,
                window: if window == "rolling" {
                    glassbox_pipeline::validate::WindowMode::Rolling
                } else {
                    glassbox_pipeline::validate::WindowMode::Expanding
                },
                search: match search.as_deref() {
                    Some("random") => vec![Sampler::Random],
                    Some("tpe") => vec![Sampler::Tpe],
                    Some(_) => vec![Sampler::Random, Sampler::Tpe],
                    None => Vec::new(),
                },
                trials,
                drop,
                keep,
                ..base
            };
            let name = data.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let start = std::time::Instant::now();
            let clock = move || start.elapsed().as_secs_f64();
            let control = Control { clock: Some(&clock), progress: Some(&progress_line), threads: run.threads()? };
            let outcome = glassbox_pipeline::ingest::read_csv(&bytes, &spec.read)
                .and_then(|t| glassbox_pipeline::run::train_table_with(&t, &name, &spec, &control))
                .map_err(|e| Failure::from_pipeline(&data, e))?;
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
            std::fs::create_dir_all(&out)
                .map_err(|e| Failure::input(format!("{}: cannot create the folder: {e}", out.display())))?;
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
                    format!(" ({} rows without a target left out)", m.rows_missing_target)
                } else {
                    String::new()
                }
            );
            println!("target {}: classes {}", m.target, outcome.classes.join(", "));
            println!(
                "accuracy {}  ROC AUC {}  log loss {}",
                glassbox_report::fmt_metric(e.accuracy),
                glassbox_report::fmt_metric(e.roc_auc),
                glassbox_report::fmt_metric(e.log_loss)
            );
            println!(
                "final model: fit {:.3} s on {} rows, predict {:.3} s on {} rows",
                outcome.timing.fit_seconds, m.n_train, outcome.timing.predict_seconds, m.n_test
            );
            for s in &outcome.search {
                if let Some(t) = s.best() {
                    println!(
                        "search ({:?}, {} trials): best CV ROC AUC {:.4} at trial {} with {:?}",
                        s.sampler,
                        s.trials.len(),
                        t.score,
                        t.number,
                        t.params
                    );
                }
            }
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
            println!(
                "wrote {}",
                ["model.json", "metrics.json", "report.html"].map(|f| out.join(f).display().to_string()).join(", ")
            );
            Ok(())
        }
        Command::Predict { model, data, out, bytes: byte_args } => {
            let text = String::from_utf8(read(&model)?).map_err(|_| {
                Failure::input(format!("{}: not a Glassbox model file: not UTF-8 text", model.display()))
            })?;
            let fitted = ModelFile::from_json(&text).map_err(|e| Failure::from_pipeline(&model, e))?;
            let bytes = read(&data)?;
            let prediction = glassbox_pipeline::predict(&fitted, &bytes, &byte_args.options()?)
                .map_err(|e| Failure::from_pipeline(&data, e))?;
            write(&out, &prediction.to_csv())?;
            let unread = prediction.rows.iter().filter(|r| r.predicted.is_none()).count();
            println!(
                "wrote {} predictions to {}{}",
                prediction.rows.len() - unread,
                out.display(),
                if unread > 0 {
                    format!(" ({unread} rows could not be read: see the issue column)")
                } else {
                    String::new()
                }
            );
            for (column, n) in &prediction.unseen {
                eprintln!(
                    "note: column '{column}': {n} rows hold a level not seen in training (encoded as other, or as no level)"
                );
            }
            Ok(())
        }
    }
}

/// The human-readable `inspect` output.
fn inspection_text(file: &Path, i: &glassbox_pipeline::Inspection) -> String {
    use std::fmt::Write;
    let f = &i.format;
    let mut s = format!(
        "{}: {}{}\n{} rows read of {} records\n\n",
        file.display(),
        f.describe(),
        if f.encoding_guessed { " (set the encoding with --encoding)" } else { "" },
        i.n_rows,
        i.n_records
    );
    let width = i.columns.iter().map(|c| c.name.chars().count()).max().unwrap_or(6).max(6);
    let _ = writeln!(s, "{:width$}  {:11}  {:>8}  {:>8}  notes", "column", "kind", "missing", "distinct");
    for c in &i.columns {
        let notes: Vec<String> = c.flags.iter().map(|f| f.reason.clone()).collect();
        let _ = writeln!(
            s,
            "{:width$}  {:11}  {:>8}  {:>8}  {}{}",
            c.name,
            c.kind.as_str(),
            c.missing,
            c.distinct,
            if c.excluded { "EXCLUDED: " } else { "" },
            notes.join("; ")
        );
    }
    let _ = writeln!(s, "\nduplicate rows: {}", i.duplicate_rows);
    if !i.class_balance.is_empty() {
        let total: usize = i.class_balance.iter().map(|(_, n)| n).sum();
        let classes: Vec<String> = i
            .class_balance
            .iter()
            .map(|(c, n)| format!("{c} {n} ({:.1}%)", 100.0 * *n as f64 / total as f64))
            .collect();
        let _ = writeln!(s, "classes of {}: {}", i.suggested_target, classes.join(", "));
    }
    if i.row_issues.is_empty() {
        s.push_str("\nevery row could be read\n");
    } else {
        let n = i.row_issues.len();
        let _ = writeln!(
            s,
            "\n{n} row{} cannot be read and {} skipped:",
            if n == 1 { "" } else { "s" },
            if n == 1 { "is" } else { "are" }
        );
        for r in &i.row_issues {
            let _ = writeln!(s, "  {}", r.message);
        }
    }
    s
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
