//! Profiling a table before training: per column its kind, gaps, distinct
//! values, quality flags and a small histogram or its top categories; the
//! first rows; the suggested target and its class balance. It is what the
//! app's schema panel and `glassbox inspect` show.

use serde::{Deserialize, Serialize};

use crate::datetime::DateDisplay;
use crate::quality::{self, Flag};
use crate::{ColumnKind, Format, ReadOptions, Rename, Result, RowIssue, Table};
use glassbox_core::labels::Labels;
use glassbox_core::table::Column;
use glassbox_core::task::{self, Task, TaskGuess};

/// Column names that are preselected as the target when present (and plausible).
const LIKELY_TARGETS: [&str; 10] =
    ["diagnosis", "species", "target", "label", "class", "y", "outcome", "survived", "churn", "income"];

/// The most classes a suggested target has: a column of more is rarely
/// what a person wants predicted first (they can still choose it).
const MOST_SUGGESTED_CLASSES: usize = 20;

/// Whether `c` can be suggested as the target: not left out by a flag (free
/// text, an identifier, constant, mostly missing), 2 to
/// [`MOST_SUGGESTED_CLASSES`] classes, each with the two rows a split needs.
/// A newcomer was once offered a free-text column (a car's name, a
/// passenger's destination with 369 values) and learned only on Train.
fn plausible_target(table: &Table, column: usize, flags: &[Flag]) -> bool {
    let c = &table.columns[column];
    if quality::excluded(flags)
        || !(2..=MOST_SUGGESTED_CLASSES).contains(&c.distinct_count())
        || task::detect(c).task != Task::Classification
    {
        return false;
    }
    let Ok(labels) = Labels::of(table, column) else { return false };
    let mut counts = vec![0usize; labels.classes.len()];
    for &y in &labels.y {
        counts[y] += 1;
    }
    counts.iter().all(|&n| n >= 2)
}

/// How many rows the preview shows.
pub const PREVIEW_ROWS: usize = 10;

/// A summary of one column for the preview and the schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSummary {
    pub name: String,
    pub original_name: String,
    pub kind: ColumnKind,
    pub missing: usize,
    pub distinct: usize,
    /// Left out of the features by default, because of a flag.
    pub excluded: bool,
    pub flags: Vec<Flag>,
    /// For a numbers column: counts in [`HISTOGRAM_BINS`] equal-width bins from `range.0` to `range.1`.
    pub histogram: Vec<usize>,
    pub range: Option<(f64, f64)>,
    /// The range as a person reads it: dates for a datetime column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range_text: Option<(String, String)>,
    /// For a categorical column: the most frequent values with their counts, most frequent first.
    pub top: Vec<(String, usize)>,
}

/// Bins of the small histograms in the schema panel.
pub const HISTOGRAM_BINS: usize = 12;

/// Categories listed per column in the schema panel.
const TOP_CATEGORIES: usize = 3;

/// A small histogram of a numbers column, and its range.
fn histogram(c: &Column) -> (Vec<usize>, Option<(f64, f64)>) {
    let numbers = c.numbers().unwrap_or_default();
    let values = numbers.iter().copied().filter(|v| !v.is_nan());
    // Compared, not `f64::min`: in wasm that is a call to libm's `fmin` per
    // value (its NaN rules), 13 ms of a 100 MB file's summary; these values
    // hold no NaN.
    let (lo, hi) = values.clone().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (if v < lo { v } else { lo }, if v > hi { v } else { hi })
    });
    if lo > hi {
        return (Vec::new(), None);
    }
    let width = (hi - lo) / HISTOGRAM_BINS as f64;
    if width == 0.0 {
        let mut bins = vec![0usize; HISTOGRAM_BINS];
        bins[0] = values.count();
        return (bins, Some((lo, hi)));
    }
    // Four sets of counters, one per lane: with one, runs of values in the
    // same bin waited on each other's increments. Natively the mixed 100 MB
    // file's histograms took 76 of its 188 ms summary, now 60 of 172; the
    // division stays, as multiplying by the inverse moves values on bin edges.
    let bin = |v: f64| (((v - lo) / width) as usize).min(HISTOGRAM_BINS - 1);
    let mut lanes = [[0usize; HISTOGRAM_BINS]; 4];
    let mut quads = numbers.chunks_exact(4);
    for q in &mut quads {
        for (lane, &v) in lanes.iter_mut().zip(q) {
            if !v.is_nan() {
                lane[bin(v)] += 1;
            }
        }
    }
    for &v in quads.remainder().iter().filter(|v| !v.is_nan()) {
        lanes[0][bin(v)] += 1;
    }
    let bins = (0..HISTOGRAM_BINS).map(|k| lanes.iter().map(|l| l[k]).sum()).collect();
    (bins, Some((lo, hi)))
}

/// The most frequent categories, ties broken by the text.
fn top_categories(c: &Column) -> Vec<(String, usize)> {
    let Some(codes) = c.codes() else { return Vec::new() };
    let mut counts = vec![0usize; codes.dictionary.len()];
    for &k in &codes.codes {
        if let Some(n) = counts.get_mut(k as usize) {
            *n += 1;
        }
    }
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by(|&a, &b| counts[b].cmp(&counts[a]).then_with(|| codes.dictionary[a].cmp(&codes.dictionary[b])));
    order.into_iter().take(TOP_CATEGORIES).map(|k| (codes.dictionary[k].clone(), counts[k])).collect()
}

/// What the app shows before training: how the file was read, the columns,
/// the first rows, and the rows that could not be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inspection {
    pub format: Format,
    pub n_rows: usize,
    pub n_records: usize,
    pub columns: Vec<ColumnSummary>,
    /// The first rows as text, missing cells as empty strings.
    pub preview: Vec<Vec<String>>,
    pub renamed: Vec<Rename>,
    pub row_issues: Vec<RowIssue>,
    pub suggested_target: String,
    /// Rows that repeat an earlier row exactly.
    pub duplicate_rows: usize,
    /// Rows per class of the suggested target, in class order; empty when it
    /// is not a usable target, or when it is a number to predict.
    pub class_balance: Vec<(String, usize)>,
    /// The task the suggested target implies, and why ("numeric, 129
    /// distinct values: regression"); `None` without a target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_task: Option<TaskGuess>,
}

/// How each datetime column's values are shown (`None` for other kinds).
fn date_displays(table: &Table) -> Vec<Option<DateDisplay>> {
    table
        .columns
        .iter()
        .map(|c| {
            (c.kind == ColumnKind::Datetime)
                .then(|| c.numbers().map(|v| DateDisplay::of(v, &table.format.timezone)))
                .flatten()
        })
        .collect()
}

fn summarise(table: &Table, flags: &[Vec<Flag>], dates: &[Option<DateDisplay>]) -> Vec<ColumnSummary> {
    table
        .columns
        .iter()
        .zip(flags)
        .zip(dates)
        .map(|((c, f), d)| {
            let (histogram, range) = histogram(c);
            ColumnSummary {
                histogram,
                range_text: d.as_ref().zip(range).map(|(d, (lo, hi))| (d.show(lo), d.show(hi))),
                range,
                top: top_categories(c),
                name: c.name.clone(),
                original_name: c.original_name.clone(),
                kind: c.kind,
                missing: c.missing_count(),
                distinct: c.distinct_count(),
                excluded: quality::excluded(f),
                flags: f.clone(),
            }
        })
        .collect()
}

/// Row `r` of `table` as a person reads it: dates as dates, missing as "".
fn row_text(table: &Table, dates: &[Option<DateDisplay>], r: usize) -> Vec<String> {
    table
        .columns
        .iter()
        .zip(dates)
        .map(|(c, d)| match (d, c.number(r)) {
            (Some(d), Some(v)) => d.show(v),
            _ => c.text(r).map(|t| t.into_owned()).unwrap_or_default(),
        })
        .collect()
}

/// The values of data records `records` (0-based, as test predictions name
/// them), as the preview shows values; a record that was skipped gets none.
/// The confusion matrix's cell lists show them beside each row's scores.
pub fn record_values(table: &Table, records: &[usize]) -> Vec<Vec<String>> {
    let dates = date_displays(table);
    records
        .iter()
        .map(|record| table.records.binary_search(record).map(|r| row_text(table, &dates, r)).unwrap_or_default())
        .collect()
}

/// Reads the CSV and summarises it. With a `target`, the summary also has the
/// target-dependent flags (leakage, strong single predictors) on all labelled rows.
pub fn inspect(bytes: &[u8], read: &ReadOptions, target: Option<&str>) -> Result<Inspection> {
    inspect_table(&crate::read_csv(bytes, read)?, target)
}

/// Summarises a table that has been read already (see [`inspect`]).
pub fn inspect_table(table: &Table, target: Option<&str>) -> Result<Inspection> {
    let mut flags: Vec<Vec<Flag>> = table.columns.iter().map(quality::column_flags).collect();
    let suggested_target = match target {
        Some(t) => table.columns[table.column_index(t)?].name.clone(),
        // A likely name, else the last plausible column (a target is often
        // last), else none: the page asks rather than guesses.
        None => {
            let plausible: Vec<&str> = table
                .columns
                .iter()
                .enumerate()
                .filter(|&(i, _)| table.columns.len() > 1 && plausible_target(table, i, &flags[i]))
                .map(|(_, c)| c.name.as_str())
                .collect();
            LIKELY_TARGETS
                .iter()
                .find(|t| plausible.contains(t))
                .or(plausible.last())
                .map_or_else(String::new, |t| t.to_string())
        }
    };
    // The suggested target is the given one when there is one.
    let target_task = table.column_index(&suggested_target).ok().map(|i| task::detect(&table.columns[i]));
    let classes = target_task.as_ref().is_some_and(|t| t.task == Task::Classification);
    if let Some(t) = target {
        let column = table.column_index(t)?;
        // The flags that need the target's classes; a number to predict has
        // none (read as up to 1000 classes, a price was refused here).
        if classes {
            let labels = Labels::of(table, column)?;
            for (i, c) in table.columns.iter().enumerate().filter(|(i, _)| *i != column) {
                flags[i].extend(quality::target_flags(c, &labels.rows, &labels.y, &labels.classes));
            }
        }
        flags[column].clear();
    }
    let dates = date_displays(table);
    let preview = (0..table.n_rows.min(PREVIEW_ROWS)).map(|r| row_text(table, &dates, r)).collect();
    let class_balance = table
        .column_index(&suggested_target)
        .ok()
        .filter(|_| classes)
        .and_then(|i| Labels::of(table, i).ok())
        .map(|l| {
            let mut counts = vec![0usize; l.classes.len()];
            for &c in &l.y {
                counts[c] += 1;
            }
            l.classes.into_iter().zip(counts).collect()
        })
        .unwrap_or_default();
    Ok(Inspection {
        duplicate_rows: quality::duplicate_rows(table),
        class_balance,
        columns: summarise(table, &flags, &dates),
        format: table.format.clone(),
        n_rows: table.n_rows,
        n_records: table.n_records,
        preview,
        renamed: table.renamed.clone(),
        row_issues: table.row_issues.clone(),
        suggested_target,
        target_task,
    })
}
