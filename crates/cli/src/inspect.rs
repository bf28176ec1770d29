//! `glassbox inspect`: how a CSV reads, before any training.

use std::path::Path;

use clap::Args;

use crate::args::TableArgs;
use crate::source::{Input, SourceArgs};
use crate::Failure;

/// Show how a CSV reads: format, columns with kinds and flags, and rows that cannot be read.
#[derive(Args)]
pub struct Inspect {
    /// The CSV file, or a source: postgres://HOST[:PORT]/DB or mysql://HOST[:PORT]/DB (with --table or
    /// --query), or kafka://HOST[:PORT]/TOPIC; credentials come from the environment or ./.env.
    data: String,
    /// Also check columns against this target (leakage, single strong predictors).
    #[arg(long)]
    target: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    table: TableArgs,
    #[command(flatten)]
    source: SourceArgs,
}

pub fn run(args: Inspect) -> Result<(), Failure> {
    let Inspect { data, target, json, table, source } = args;
    let input = Input::new(&data, &source)?;
    let data = input.path();
    let (bytes, options) = input.bytes(&table.options()?)?;
    let mut i = glassbox_pipeline::inspect(&bytes, &options, target.as_deref())
        .map_err(|e| Failure::from_pipeline(&data, e))?;
    i.format.container = input.container()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&i).expect("an inspection always serialises"));
    } else {
        // Class labels and examples are a person's data: an escape sequence
        // in one must not act on the terminal.
        print!("{}", glassbox_pipeline::text::escape_invisible(&inspection_text(&data, &i), true));
    }
    Ok(())
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
    // Capped: a longer name only pushes its own row out (a 100,000-character
    // name once reached the formatter's width limit and stopped the command).
    let width = i.columns.iter().map(|c| c.name.chars().count()).max().unwrap_or(6).clamp(6, 40);
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
    if let Some(task) = &i.target_task {
        let _ = writeln!(s, "target {}: {}", i.suggested_target, task.reason);
    }
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
