//! Scoring: a saved model applied to new CSV bytes, one output row per
//! input record (a record that cannot be read says why instead).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use glassbox_core::control::{Control, MaybeSync};
use glassbox_core::error::Result;
use glassbox_core::{decide, Matrix};
use glassbox_ingest::{self as ingest, ReadOptions};

use crate::conformal::{Level, NumberInterval};
use crate::intervals::ClassInterval;
use crate::model_file::ModelFile;
use crate::schema_check::{check_and_fill, SchemaCheck};

/// The prediction for one data record of the input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictedRow {
    /// The predicted class index; `None` when the record could not be read.
    pub predicted: Option<usize>,
    /// Class probabilities; empty when the record could not be read.
    pub proba: Vec<f64>,
    /// The probability interval (see [`crate::intervals`]), when the model
    /// file has interval predictors and the record was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<ClassInterval>,
    /// A regressor's prediction (then `predicted` is `None` and `proba`
    /// empty); `None` for a classifier or a record that could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// A regressor's prediction interval, when the model has a bounded one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_interval: Option<NumberInterval>,
    /// What was wrong with the record, if anything (it may still be predicted).
    pub issue: Option<String>,
}

/// Predictions for every data record of a CSV, in input order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// The classes a classifier chooses from; empty for a regressor.
    pub classes: Vec<String>,
    /// A regressor's interval level, when its model file has an interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_level: Option<Level>,
    /// What holds for every row (an unbounded interval, in words).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    pub rows: Vec<PredictedRow>,
    /// How the file's columns met the model's (see [`crate::schema_check`]),
    /// the levels the model never saw in training among them.
    #[serde(default)]
    pub schema: SchemaCheck,
}

/// What scoring does when the file lacks columns the model reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingColumns {
    /// Score every row with the value the model fills a gap with, and say so.
    #[default]
    Fill,
    /// Refuse the file, naming the columns.
    Refuse,
}

/// A cell made safe to open in a spreadsheet, as OWASP's CSV-injection
/// guidance says: text starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return gets a leading `'`, so no spreadsheet reads it as a formula. A
/// plain number (`-1`, `+2.5`, `-3e-4`) is left as it is, since it cannot
/// be a formula and a quote would turn it into text.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let number = cell.trim().parse::<f64>().is_ok_and(f64::is_finite)
        && cell.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.' | 'e' | 'E'));
    if risky && !number {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

impl Prediction {
    /// The predictions as CSV: `prediction`, `proba_<class>` for each class
    /// (the model's own probabilities), `probability`, `ci_low` and
    /// `ci_high` (the Venn–Abers interval and its merged probability: of the
    /// positive class for two classes, of the predicted class otherwise;
    /// empty for a model file without intervals), then `issue`. Text cells
    /// are [`spreadsheet_safe`].
    pub fn to_csv(&self) -> String {
        self.to_csv_with(&[])
    }

    /// [`Prediction::to_csv`] with input columns carried over in front, each
    /// a header and one value per output row.
    pub fn to_csv_with(&self, carry: &[(String, Vec<String>)]) -> String {
        if self.is_regression() {
            return self.numbers_csv(carry);
        }
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header: Vec<String> = carry.iter().map(|(name, _)| name.clone()).collect();
        header.push("prediction".to_string());
        header.extend(self.classes.iter().map(|c| format!("proba_{c}")));
        header.extend(["probability", "ci_low", "ci_high", "issue"].map(String::from));
        let header: Vec<String> = header.iter().map(|h| spreadsheet_safe(h).into_owned()).collect();
        w.write_record(&header).expect("writing to memory cannot fail");
        for (i, row) in self.rows.iter().enumerate() {
            let mut rec: Vec<String> =
                carry.iter().map(|(_, values)| values.get(i).cloned().unwrap_or_default()).collect();
            rec.push(row.predicted.map(|p| self.classes[p].clone()).unwrap_or_default());
            if row.proba.is_empty() {
                rec.extend(self.classes.iter().map(|_| String::new()));
            } else {
                rec.extend(row.proba.iter().map(|v| v.to_string()));
            }
            match &row.interval {
                Some(ci) => {
                    let i = ci.interval;
                    rec.extend([i.probability, i.low, i.high].map(|v| v.to_string()));
                }
                None => rec.extend([String::new(), String::new(), String::new()]),
            }
            rec.push(row.issue.clone().unwrap_or_default());
            let rec: Vec<Cow<str>> = rec.iter().map(|c| spreadsheet_safe(c)).collect();
            w.write_record(rec.iter().map(|c| c.as_ref())).expect("writing to memory cannot fail");
        }
        String::from_utf8(w.into_inner().expect("writing to memory cannot fail")).expect("the CSV is UTF-8")
    }
}

impl Prediction {
    /// Whether these are a regressor's numbers rather than classes.
    pub fn is_regression(&self) -> bool {
        self.classes.is_empty()
    }

    /// A regressor's CSV: carried columns, `prediction` (every digit an f64
    /// needs to be read back exactly), `pi_low` and `pi_high` (empty when
    /// the model has no interval or it is unbounded), `issue`.
    fn numbers_csv(&self, carry: &[(String, Vec<String>)]) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header: Vec<String> = carry.iter().map(|(name, _)| spreadsheet_safe(name).into_owned()).collect();
        header.extend(["prediction", "pi_low", "pi_high", "issue"].map(String::from));
        w.write_record(&header).expect("writing to memory cannot fail");
        let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        for (i, row) in self.rows.iter().enumerate() {
            let mut rec: Vec<String> =
                carry.iter().map(|(_, values)| values.get(i).cloned().unwrap_or_default()).collect();
            rec.push(number(row.value));
            rec.push(number(row.value_interval.map(|v| v.low)));
            rec.push(number(row.value_interval.map(|v| v.high)));
            rec.push(row.issue.clone().unwrap_or_default());
            let rec: Vec<Cow<str>> = rec.iter().map(|c| spreadsheet_safe(c)).collect();
            w.write_record(rec.iter().map(|c| c.as_ref())).expect("writing to memory cannot fail");
        }
        String::from_utf8(w.into_inner().expect("writing to memory cannot fail")).expect("the CSV is UTF-8")
    }
}

/// Reads new data the way the model's training data was read: its column
/// kinds, date zone and order (unless `read` says otherwise), skipping rows
/// that cannot be read.
pub fn read_as_trained(model: &ModelFile, bytes: &[u8], read: &ReadOptions) -> Result<glassbox_core::table::Table> {
    let mut read = read.clone();
    read.bad_rows = ingest::BadRows::Skip;
    read.kinds = model.schema.columns.iter().map(|c| (c.name.clone(), c.kind)).collect();
    // Dates are read as they were in training, unless the person says otherwise.
    read.timezone = read.timezone.or_else(|| Some(model.schema.timezone.clone()));
    read.date_order = read.date_order.or_else(|| model.schema.columns.iter().find_map(|c| c.date_order));
    ingest::read_csv(bytes, &read)
}

/// Scores every data record of a CSV with a saved model. Column kinds come
/// from the model; `read` gives the byte-level options. A record that cannot
/// be read gets no prediction and says why, so the output has one row per record.
pub fn predict(model: &ModelFile, bytes: &[u8], read: &ReadOptions) -> Result<Prediction> {
    predict_with(model, bytes, read, MissingColumns::Fill)
}

/// [`predict`], choosing what a missing column does.
pub fn predict_with(
    model: &ModelFile,
    bytes: &[u8],
    read: &ReadOptions,
    missing: MissingColumns,
) -> Result<Prediction> {
    predict_on(model, bytes, read, missing, &Control::default())
}

/// Rows are scored in blocks spread over `control`'s threads; every model
/// scores a row from that row alone, so the answer is the same bytes for
/// any thread count (a CLI test compares one thread and three on 7,224 rows;
/// the browser and the server score on one).
pub fn predict_on(
    model: &ModelFile,
    bytes: &[u8],
    read: &ReadOptions,
    missing: MissingColumns,
    control: &Control,
) -> Result<Prediction> {
    let mut table = read_as_trained(model, bytes, read)?;
    let schema = check_and_fill(model, &mut table)?;
    let absent: Vec<&str> = schema.missing().map(|c| c.trained_as.as_str()).collect();
    if missing == MissingColumns::Refuse && !absent.is_empty() {
        return Err(glassbox_core::error::Error::new(
            glassbox_core::error::ErrorKind::UnknownColumn,
            format!("the data lacks columns the model reads: {}", absent.join(", ")),
        ));
    }
    let rows: Vec<usize> = (0..table.n_rows).collect();
    let x = model.features.transform(&table, &rows)?;
    let mut out: Vec<PredictedRow> = (0..table.n_records)
        .map(|_| PredictedRow {
            predicted: None,
            proba: Vec::new(),
            interval: None,
            value: None,
            value_interval: None,
            issue: None,
        })
        .collect();
    for issue in &table.row_issues {
        out[issue.record].issue = Some(issue.message.clone());
    }
    if model.task == glassbox_core::task::Task::Regression {
        for (row, (value, interval)) in in_blocks(&x, control, |x| model.predict_numbers(x))?.into_iter().enumerate() {
            let slot = &mut out[table.records[row]];
            slot.value = Some(value);
            slot.value_interval = interval;
        }
    } else {
        for (row, p) in in_blocks(&x, control, |x| model.predict_proba(x))?.into_iter().enumerate() {
            let slot = &mut out[table.records[row]];
            let predicted = decide(&p, model.threshold.as_ref().map(|t| t.value));
            slot.interval = model.intervals.as_ref().map(|iv| iv.reported(&p, predicted));
            slot.predicted = Some(predicted);
            slot.proba = p;
        }
    }
    // Stray values in numeric columns were imputed: say so on their rows.
    let feature_names: Vec<&str> = model.features.columns().iter().map(|c| c.name()).collect();
    for c in table.columns.iter().filter(|c| c.stray_count() > 0 && feature_names.contains(&c.name.as_str())) {
        for t in &c.strays {
            if let Some(row) = table.lines.iter().position(|&l| l == t.line) {
                let note = format!("column '{}': '{}' is not a number, treated as missing", c.name, t.token);
                let slot = &mut out[table.records[row]].issue;
                *slot = Some(match slot.take() {
                    Some(prev) => format!("{prev}; {note}"),
                    None => note,
                });
            }
        }
    }
    let conformal = model.conformal.as_ref();
    Ok(Prediction {
        classes: model.classes.clone(),
        interval_level: conformal.map(|c| c.level),
        warnings: conformal.and_then(|c| c.unbounded_reason()).into_iter().collect(),
        rows: out,
        schema,
    })
}

/// `score` of each row of `x`, in blocks of rows over `control`'s threads
/// (four blocks a thread, so a slow block is not left to one thread at the
/// end), or in one call when there is one thread or one block's worth.
fn in_blocks<R: Send>(x: &Matrix, control: &Control, score: impl Fn(&Matrix) -> Vec<R> + MaybeSync) -> Result<Vec<R>> {
    let block = x.n_rows.div_ceil(4 * control.threads.max(1)).max(MIN_BLOCK_ROWS);
    if control.threads <= 1 || x.n_rows <= block {
        return Ok(score(x));
    }
    let starts: Vec<usize> = (0..x.n_rows).step_by(block).collect();
    let quiet = control.quiet();
    let blocks = quiet.map("score", &starts, |&start| {
        let rows: Vec<usize> = (start..(start + block).min(x.n_rows)).collect();
        Ok(score(&x.select_rows(&rows)))
    })?;
    Ok(blocks.into_iter().flatten().collect())
}

/// The fewest rows a block of [`in_blocks`] holds: below it, copying the
/// rows and starting a thread cost more than they save.
const MIN_BLOCK_ROWS: usize = 2048;

/// An input column to carry into the predictions, by name as written or
/// normalised: its text in every data record (empty for a record that
/// could not be read), read as categories so IDs keep their exact text.
pub fn id_column(bytes: &[u8], read: &ReadOptions, name: &str, n_records: usize) -> Result<(String, Vec<String>)> {
    let mut read = read.clone();
    read.bad_rows = ingest::BadRows::Skip;
    read.kinds = [(name.to_string(), glassbox_core::table::ColumnKind::Categorical)].into_iter().collect();
    let table = ingest::read_csv(bytes, &read)?;
    let c = &table.columns[table.column_index(name)?];
    let mut values = vec![String::new(); n_records];
    for r in 0..table.n_rows {
        if let Some(slot) = values.get_mut(table.records[r]) {
            *slot = c.text(r).map(|t| t.into_owned()).unwrap_or_default();
        }
    }
    Ok((c.original_name.clone(), values))
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_safe;

    fn check(cell: &str, expected: &str) {
        assert_eq!(spreadsheet_safe(cell), expected, "{cell:?}");
    }

    #[test]
    fn formulas_are_neutralised_and_numbers_are_not() {
        check("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")");
        check("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0");
        check("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0");
        check("@SUM(1+1)", "'@SUM(1+1)");
        check("\tx", "'\tx");
        check("\rx", "'\rx");
        check("-", "'-");
        check("-1", "-1");
        check("+2.5", "+2.5");
        check("-3e-4", "-3e-4");
        check("0.25", "0.25");
        check("Adelie", "Adelie");
        check("", "");
        check("-inf", "'-inf");
    }
}
