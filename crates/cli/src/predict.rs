//! `glassbox predict`: a saved model scores a CSV, one output row per input row.

use std::path::PathBuf;

use clap::Args;
use glassbox_pipeline::MissingColumns;

use crate::args::ByteArgs;
use crate::source::{Input, SourceArgs};
use crate::{read_model, write, Failure};

/// Score a CSV with a saved model: one output row per input row.
///
/// Columns: `prediction`; `proba_<class>`, the model's own probabilities;
/// `probability`, `ci_low` and `ci_high`, the calibrated probability and its
/// interval (of the positive class for two classes, of the predicted class
/// otherwise). The interval comes from a Venn-Abers predictor calibrated on
/// the test rows: its two ends are the isotonic calibration of the model's
/// probability with the new row counted once as negative and once as
/// positive, and under exchangeability one of them is calibrated;
/// `probability` merges them as p1 / (1 - p0 + p1) and always lies inside.
/// A wide interval means the test rows say little about rows scored like
/// this one. Text cells that a spreadsheet would read as a formula start
/// with `'`.
#[derive(Args)]
pub struct Predict {
    /// A model.json written by `glassbox train`.
    model: PathBuf,
    /// The CSV file, or a source: postgres://HOST[:PORT]/DB or mysql://HOST[:PORT]/DB (with --table or
    /// --query), or kafka://HOST[:PORT]/TOPIC; credentials come from the environment or ./.env.
    data: String,
    /// Where to write the predictions: CSV, or typed Parquet when the name ends in `.parquet`.
    #[arg(long)]
    out: PathBuf,
    /// Refuse a file that lacks columns the model reads, instead of scoring
    /// every row with the value the model fills a gap with.
    #[arg(long)]
    refuse_missing: bool,
    /// Threads that score blocks of rows (default: all cores). The
    /// predictions do not depend on it.
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// Carry this input column (by name as in the file, or normalised) into
    /// the output, first, to match predictions to rows.
    #[arg(long = "id")]
    id: Option<String>,
    #[command(flatten)]
    bytes: ByteArgs,
    #[command(flatten)]
    source: SourceArgs,
}

pub fn run(args: Predict) -> Result<(), Failure> {
    let Predict { model, data, out, refuse_missing, workers, id, bytes: byte_args, source } = args;
    let control = glassbox_pipeline::Control { threads: crate::args::threads(workers)?, ..Default::default() };
    let fitted = read_model(&model)?;
    let input = Input::new(&data, &source)?;
    let data = input.path();
    let (bytes, options) = input.bytes(&byte_args.options()?)?;
    let missing = if refuse_missing { MissingColumns::Refuse } else { MissingColumns::Fill };
    let prediction = glassbox_pipeline::run::predict_on(&fitted, &bytes, &options, missing, &control)
        .map_err(|e| Failure::from_pipeline(&data, e))?;
    for note in prediction.schema.notes() {
        eprintln!("note: {note}");
    }
    let carry = match &id {
        Some(name) => vec![glassbox_pipeline::run::id_column(&bytes, &options, name, prediction.rows.len())
            .map_err(|e| Failure::from_pipeline(&data, e))?],
        None => Vec::new(),
    };
    let csv = prediction.to_csv_with(&carry);
    if is_parquet(&out) {
        let bytes = glassbox_formats::parquet::write_csv_as_parquet(csv.as_bytes())
            .map_err(|e| Failure::from_pipeline(&out, e))?;
        write(&out, bytes)?;
    } else {
        write(&out, csv)?;
    }
    for w in &prediction.warnings {
        eprintln!("warning: {w}");
    }
    let unread = prediction.rows.iter().filter(|r| r.predicted.is_none() && r.value.is_none()).count();
    println!(
        "wrote {} predictions to {}{}",
        prediction.rows.len() - unread,
        out.display(),
        if unread > 0 { format!(" ({unread} rows could not be read: see the issue column)") } else { String::new() }
    );
    Ok(())
}

/// Whether predictions go out as Parquet: the file's name says so.
fn is_parquet(out: &std::path::Path) -> bool {
    out.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}
