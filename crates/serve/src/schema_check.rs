//! The schema check a person reads before new data is scored: how each
//! column the model reads was found in the file (by its name, only after
//! name normalisation, or not at all), which of the file's columns the
//! model ignores, where a column's values no longer fit its kind (text in
//! a numeric column: how many cells, on which lines), and the category
//! levels the model never saw, with counts.
//!
//! It is computed from the table [`crate::predict::read_as_trained`] reads,
//! so it describes exactly what scoring will see.

use serde::{Deserialize, Serialize};

use glassbox_core::error::{Error, ErrorKind, Result};
use glassbox_core::table::{Codes, Column, ColumnKind, Table, MISSING_CODE};

use crate::model_file::ModelFile;

/// How many lines and examples a kind change lists.
pub const SHOWN: usize = 10;

/// How a column the model reads was found in the new file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "found", rename_all = "snake_case")]
pub enum Found {
    /// The header names it exactly as the training file did.
    ByName,
    /// Only after normalisation: the file writes it `as_written`.
    Normalised { as_written: String },
    /// Not in the file.
    Missing,
}

/// One column the model reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnMatch {
    /// The model's (normalised) name.
    pub column: String,
    /// The name in the training file's header.
    pub trained_as: String,
    pub kind: ColumnKind,
    #[serde(flatten)]
    pub found: Found,
}

/// A column whose values no longer fit the kind the model reads it as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindChange {
    pub column: String,
    pub expected: ColumnKind,
    /// How many cells did not fit (they are read as missing).
    pub cells: usize,
    /// The first lines holding one, 1-based.
    pub lines: Vec<u64>,
    /// The first distinct values that did not fit.
    pub examples: Vec<String>,
}

impl KindChange {
    /// "column 'x' holds text where the model reads numbers: 2 cells (read
    /// as missing), on lines 3, 9; for example 'n/a'"
    pub fn text(&self) -> String {
        let lines: Vec<String> = self.lines.iter().map(u64::to_string).collect();
        let (cells, lines_word) =
            if self.cells == 1 { ("1 cell".to_string(), "line") } else { (format!("{} cells", self.cells), "lines") };
        format!(
            "column '{}' holds text where the model reads {}: {cells} (read as missing), on {lines_word} {}{}; for example '{}'",
            self.column,
            kind_words(self.expected),
            lines.join(", "),
            if self.cells > self.lines.len() { ", …" } else { "" },
            self.examples.join("', '")
        )
    }
}

impl UnseenLevels {
    /// "column 'island': levels not seen in training: 'Atlantis' (3)"
    pub fn text(&self) -> String {
        let levels: Vec<String> = self.levels.iter().map(|(l, n)| format!("'{l}' ({n})")).collect();
        format!("column '{}': levels not seen in training: {}", self.column, levels.join(", "))
    }
}

/// Levels of a categorical column the model never saw in training.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnseenLevels {
    pub column: String,
    /// Each level with how many rows hold it, most frequent first.
    pub levels: Vec<(String, usize)>,
}

/// Everything the schema check found.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SchemaCheck {
    pub columns: Vec<ColumnMatch>,
    /// Columns of the file the model does not read, as written in its header.
    pub extra: Vec<String>,
    pub kind_changes: Vec<KindChange>,
    pub unseen: Vec<UnseenLevels>,
}

impl SchemaCheck {
    /// The columns the model reads that the file lacks.
    pub fn missing(&self) -> impl Iterator<Item = &ColumnMatch> {
        self.columns.iter().filter(|c| c.found == Found::Missing)
    }

    /// One line per finding, for a terminal (`glassbox predict` prints them).
    pub fn notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        for c in &self.columns {
            match &c.found {
                Found::ByName => {}
                Found::Normalised { as_written } => out.push(format!(
                    "column '{as_written}' is the model's '{}' (matched after name normalisation)",
                    c.trained_as
                )),
                Found::Missing => out.push(format!(
                    "column '{}' is missing: every row gets the value the model fills a gap with",
                    c.trained_as
                )),
            }
        }
        if !self.extra.is_empty() {
            let n = self.extra.len();
            let what = if n == 1 { "column" } else { "columns" };
            out.push(format!("ignored {n} {what} the model does not read: {}", self.extra.join(", ")));
        }
        out.extend(self.kind_changes.iter().map(KindChange::text));
        out.extend(self.unseen.iter().map(UnseenLevels::text));
        out
    }
}

fn kind_words(kind: ColumnKind) -> &'static str {
    match kind {
        ColumnKind::Numeric => "numbers",
        ColumnKind::Boolean => "true or false",
        ColumnKind::Datetime => "dates",
        ColumnKind::Categorical => "categories",
    }
}

/// Checks `table` (read as trained) against the model, and adds every
/// missing column the model reads as an all-missing column, so scoring
/// fills it as the model fills a gap. Refuses a file that has none of the
/// model's columns, naming them.
pub fn check_and_fill(model: &ModelFile, table: &mut Table) -> Result<SchemaCheck> {
    let reads: Vec<&str> = model.features.columns().iter().map(|fc| fc.name()).collect();
    let mut check = SchemaCheck::default();
    for &name in &reads {
        let (trained_as, kind) = model
            .schema
            .columns
            .iter()
            .find(|c| c.name == name)
            .map_or((name.to_string(), ColumnKind::Numeric), |c| (c.original_name.clone(), c.kind));
        let found = match table.columns.iter().find(|c| c.name == name) {
            Some(c) if c.original_name == trained_as => Found::ByName,
            Some(c) => Found::Normalised { as_written: c.original_name.clone() },
            None => Found::Missing,
        };
        check.columns.push(ColumnMatch { column: name.to_string(), trained_as, kind, found });
    }
    if !reads.is_empty() && check.missing().count() == reads.len() {
        let wanted: Vec<String> = check.columns.iter().map(|c| c.trained_as.clone()).collect();
        let has: Vec<String> = table.columns.iter().map(|c| c.original_name.clone()).collect();
        return Err(Error::new(
            ErrorKind::UnknownColumn,
            format!(
                "the data has none of the model's columns ({}); its columns are {}",
                wanted.join(", "),
                has.join(", ")
            ),
        ));
    }
    check.extra = table
        .columns
        .iter()
        .filter(|c| !reads.contains(&c.name.as_str()) && c.name != model.schema.target)
        .map(|c| c.original_name.clone())
        .collect();
    for c in table.columns.iter().filter(|c| reads.contains(&c.name.as_str()) && c.stray_count() > 0) {
        let mut examples: Vec<String> = Vec::new();
        for t in &c.strays {
            if examples.len() < 3 && !examples.contains(&t.token) {
                examples.push(t.token.clone());
            }
        }
        check.kind_changes.push(KindChange {
            column: c.name.clone(),
            expected: c.kind,
            cells: c.stray_count(),
            lines: c.strays.iter().take(SHOWN).map(|t| t.line).collect(),
            examples,
        });
    }
    let n = table.n_rows;
    for m in check.missing() {
        table.columns.push(match m.kind {
            ColumnKind::Categorical => Column::categorical(
                m.column.clone(),
                m.trained_as.clone(),
                Codes { codes: vec![MISSING_CODE; n], dictionary: Vec::new() },
            ),
            kind => Column::numeric(m.column.clone(), m.trained_as.clone(), kind, vec![f64::NAN; n], None, Vec::new()),
        });
    }
    // After the fill, so every column the model reads is there (a filled one holds no level).
    let rows: Vec<usize> = (0..n).collect();
    for (column, counts) in model.features.unseen_levels(table, &rows)? {
        let mut levels: Vec<(String, usize)> = counts.into_iter().collect();
        levels.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        check.unseen.push(UnseenLevels { column, levels });
    }
    Ok(check)
}
