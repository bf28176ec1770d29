//! `glassbox sync`: the rows of a table, query or topic that are newer than
//! the last run, appended to a CSV exactly once; the state file keeps the
//! high-water mark (UTC) or the topic's offsets.

use std::path::PathBuf;

use clap::Args;

use crate::source::{Input, SourceArgs};
use crate::Failure;

/// Append the rows newer than the last sync to a CSV, each row exactly once.
///
/// A database is read with rows at or after the high-water mark of the
/// --since-column (kept in UTC; a naive timestamp column is read in
/// --source-timezone), skipping the rows already written at the mark; a
/// topic is read from the offsets stored in the state. Run it again and it
/// writes only what is new. The CSV is the canonical encoding, so
/// `glassbox train DATA.csv` makes the same model as training on the source.
#[derive(Args)]
pub struct Sync {
    /// postgres://HOST[:PORT]/DB or mysql://HOST[:PORT]/DB (with --table or --query), or kafka://HOST[:PORT]/TOPIC.
    source_address: String,
    /// The date or timestamp column whose high-water mark says which rows are new (databases).
    #[arg(long, value_name = "COLUMN")]
    since_column: Option<String>,
    /// The sync state (JSON; created on the first run).
    #[arg(long, value_name = "STATE.json")]
    state: PathBuf,
    /// The CSV the new rows are appended to (created with its header on the first run).
    #[arg(long, value_name = "DATA.csv")]
    out: PathBuf,
    #[command(flatten)]
    source: SourceArgs,
}

pub fn run(args: Sync) -> Result<(), Failure> {
    let input = Input::new(&args.source_address, &args.source)?;
    let Input::Source(request) = &input else {
        return Err(Failure::input(format!(
            "{}: sync reads a database or a topic (postgres://, mysql://, kafka://), not a file",
            args.source_address
        )));
    };
    let name = input.name();
    let done = glassbox_sources::sync::sync(request, args.since_column.as_deref(), &args.state, &args.out)
        .map_err(|e| Failure::input(format!("{name}: {e}")))?;
    for s in &done.skipped {
        eprintln!(
            "note: {name}: column '{}' ({}) left out: binary, JSON, array and other such types are not read",
            s.column, s.type_name
        );
    }
    if done.rows_without_time > 0 {
        eprintln!(
            "warning: {name}: {} rows have no {} and were not synced",
            done.rows_without_time,
            args.since_column.as_deref().unwrap_or("time")
        );
    }
    crate::args::report_skipped(&input.path(), &done.issues);
    println!(
        "synced {} new rows from {name} to {}{}",
        done.new_rows,
        args.out.display(),
        match (&done.high_water_mark, &done.state.kafka) {
            (Some(m), _) => format!(" (high-water mark {m}, {} rows already synced)", done.seen_rows),
            (None, Some(k)) => format!(
                " (next offsets {})",
                k.offsets.iter().map(|(p, o)| format!("{p}:{o}")).collect::<Vec<_>>().join(", ")
            ),
            _ => String::new(),
        }
    );
    Ok(())
}
