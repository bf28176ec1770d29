//! The options the subcommands share: how to read a table, the run's
//! target, split and threads, and the feature pipeline; and what every
//! subcommand tells the person on stderr.

use std::path::Path;

use clap::{Args, ValueEnum};
use glassbox_pipeline::features::{Binning, DatePart, Encoding, FeatureSpec, Impute, Scale};
use glassbox_pipeline::ingest::{BadRows, ColumnKind, DateOrder, ReadOptions};
use glassbox_pipeline::run::DataSpec;
use glassbox_pipeline::task::Task;
use glassbox_pipeline::TrainSpec;

use crate::Failure;

/// How to read the bytes of a CSV; everything is detected unless set.
#[derive(Args, Clone)]
pub struct ByteArgs {
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
pub struct RunArgs {
    /// The column to predict, as in the header or as normalised (`train` takes it from
    /// `--recipe` when not given).
    #[arg(long)]
    pub target: Option<String>,
    /// Seed for every random choice.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Share of rows held out for the test set.
    #[arg(long, default_value_t = 0.2)]
    test_size: f64,
    /// What to predict: a class or a number. By default a numeric target with a fraction or
    /// more than 20 distinct values is a number (regression); `classification` reads it as
    /// classes.
    #[arg(long, value_parser = ["classification", "regression"])]
    task: Option<String>,
    /// The scale a regressor learns the target on: `log1p` fits on log(1 + y) and maps the
    /// predictions back (scikit-learn's TransformedTargetRegressor); `auto` tries log1p when
    /// the target is right-skewed (skewness at least 0.75) and above -1, and keeps it when its
    /// cross-validated RMSE is lower. `compare` fits every model on the scale given (auto: as it is).
    #[arg(long, value_parser = ["auto", "none", "log1p"], default_value = "auto")]
    target_transform: String,
    /// A regressor's prediction-interval level, a fraction such as 0.9 (90%): split conformal,
    /// the model fitted on the training rows but a seeded fifth of them, whose errors set the
    /// interval's width; below 500 training rows CV+, every row's error from the model refitted
    /// without its fold (5 folds). `off` fits on every training row and gives no interval.
    #[arg(long, value_name = "LEVEL|off", default_value = "0.9")]
    interval: String,
    /// How the interval is calibrated: `auto` (CV+ below 500 training rows, split above),
    /// `split`, `cv-plus`, or `cqr` (conformalized quantile regression: gradient boosting at the
    /// α/2 and 1 − α/2 quantiles beside the model, calibrated on a held-out fifth; intervals
    /// that widen where the target varies more).
    #[arg(long = "interval-method", value_parser = ["auto", "split", "cv-plus", "cqr"], default_value = "auto")]
    interval_method: String,
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
pub struct FeatureArgs {
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
    pub fn spec(&self) -> Result<FeatureSpec, Failure> {
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

/// `--interval`: a level in (0, 1), or `off`.
fn interval_level(text: &str) -> Result<Option<glassbox_pipeline::conformal::Level>, Failure> {
    if matches!(text.trim(), "off" | "none") {
        return Ok(None);
    }
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| Failure::input(format!("--interval takes a level such as 0.9 (for 90%), or off; got '{text}'")))?;
    glassbox_pipeline::conformal::Level::new(value).map(Some).map_err(|e| Failure::input(format!("--interval: {e}")))
}

impl RunArgs {
    /// The spec's shared part: everything but the model and its validation.
    pub fn spec(&self) -> Result<TrainSpec, Failure> {
        let target = self
            .target
            .clone()
            .ok_or_else(|| Failure::input("--target COLUMN is required: the column to predict".to_string()))?;
        let data = DataSpec {
            target,
            test_size: self.test_size,
            read: self.table.options()?,
            task: self.task.as_deref().map(Task::parse).transpose().map_err(|e| Failure::input(e.to_string()))?,
            ..DataSpec::default()
        };
        Ok(TrainSpec {
            seed: self.seed,
            data,
            balanced: self.class_weight == "balanced",
            features: self.features.spec()?,
            target_transform: self
                .target_transform
                .parse()
                .map_err(|e: glassbox_pipeline::Error| Failure::input(e.to_string()))?,
            interval: interval_level(&self.interval)?,
            interval_method: glassbox_pipeline::run::IntervalMethod::parse(&self.interval_method).unwrap_or_default(),
            ..TrainSpec::default()
        })
    }

    pub fn threads(&self) -> Result<usize, Failure> {
        threads(self.workers)
    }
}

/// `--workers N` as a thread count: all cores when not given.
pub fn threads(workers: Option<usize>) -> Result<usize, Failure> {
    match workers {
        Some(0) => Err(Failure::input("--workers must be at least 1, got 0".to_string())),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// Progress on stderr, one line rewritten in place, when stderr is a terminal.
pub fn progress_line(p: &glassbox_pipeline::Progress) -> bool {
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
pub struct TableArgs {
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
pub enum BadRowsArg {
    /// Skip them, and list the first few on stderr.
    Skip,
    /// Stop with an error naming the first one.
    Error,
}

impl ByteArgs {
    pub fn options(&self) -> Result<ReadOptions, Failure> {
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
    pub fn options(&self) -> Result<ReadOptions, Failure> {
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
pub fn report_skipped(file: &Path, issues: &[glassbox_pipeline::ingest::RowIssue]) {
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

/// An option typed on the command line (not a default): its id in clap's
/// matches and how it was typed, `--seed 7`.
#[derive(Clone, Debug)]
pub struct Given {
    pub id: String,
    pub typed: String,
}

/// The options of subcommand `sub` typed on its command line, in the order
/// typed: what `train --recipe` lays over the recipe and records.
pub fn given(m: &clap::ArgMatches, root: &clap::Command, sub: &str) -> Vec<Given> {
    let Some(cmd) = root.find_subcommand(sub) else { return Vec::new() };
    let mut typed: Vec<(usize, Given)> = Vec::new();
    for arg in cmd.get_arguments() {
        let id = arg.get_id().as_str();
        // A positional (the data, the model file) is what a run is on, not a choice.
        let Some(long) = arg.get_long() else { continue };
        if m.value_source(id) != Some(clap::parser::ValueSource::CommandLine) {
            continue;
        }
        let text = if arg.get_action().takes_values() {
            m.get_raw(id)
                .into_iter()
                .flatten()
                .map(|v| {
                    let v = v.to_string_lossy();
                    if v.is_empty() || v.contains(char::is_whitespace) || v.contains('\'') {
                        format!("--{long} '{}'", v.replace('\'', "'\\''"))
                    } else {
                        format!("--{long} {v}")
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        } else {
            format!("--{long}")
        };
        typed.push((m.index_of(id).unwrap_or(usize::MAX), Given { id: id.to_string(), typed: text }));
    }
    typed.sort_by_key(|(at, _)| *at);
    typed.into_iter().map(|(_, g)| g).collect()
}
