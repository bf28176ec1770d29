//! Scoring: a saved model applied to new CSV bytes, one output row per
//! input record (a record that cannot be read says why instead).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use glassbox_core::decide;
use glassbox_core::error::Result;
use glassbox_ingest::{self as ingest, ReadOptions};

use crate::model_file::ModelFile;

/// The prediction for one data record of the input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictedRow {
    /// The predicted class index; `None` when the record could not be read.
    pub predicted: Option<usize>,
    /// Class probabilities; empty when the record could not be read.
    pub proba: Vec<f64>,
    /// What was wrong with the record, if anything (it may still be predicted).
    pub issue: Option<String>,
}

/// Predictions for every data record of a CSV, in input order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub classes: Vec<String>,
    pub rows: Vec<PredictedRow>,
    /// Per categorical column, rows holding a level the model never saw in
    /// training (they were encoded as `other` or all zeros).
    pub unseen: BTreeMap<String, usize>,
}

impl Prediction {
    /// The predictions as CSV: `prediction`, `proba_<class>` for each class, then `issue`.
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["prediction".to_string()];
        header.extend(self.classes.iter().map(|c| format!("proba_{c}")));
        header.push("issue".to_string());
        w.write_record(&header).expect("writing to memory cannot fail");
        for row in &self.rows {
            let mut rec = vec![row.predicted.map(|p| self.classes[p].clone()).unwrap_or_default()];
            if row.proba.is_empty() {
                rec.extend(self.classes.iter().map(|_| String::new()));
            } else {
                rec.extend(row.proba.iter().map(|v| v.to_string()));
            }
            rec.push(row.issue.clone().unwrap_or_default());
            w.write_record(&rec).expect("writing to memory cannot fail");
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
    let table = read_as_trained(model, bytes, read)?;
    let rows: Vec<usize> = (0..table.n_rows).collect();
    let x = model.features.transform(&table, &rows)?;
    let unseen = model.features.unseen(&table, &rows)?;
    let proba = model.predict_proba(&x);
    let mut out: Vec<PredictedRow> =
        (0..table.n_records).map(|_| PredictedRow { predicted: None, proba: Vec::new(), issue: None }).collect();
    for issue in &table.row_issues {
        out[issue.record].issue = Some(issue.message.clone());
    }
    for (row, p) in proba.into_iter().enumerate() {
        let slot = &mut out[table.records[row]];
        slot.predicted = Some(decide(&p, model.threshold.as_ref().map(|t| t.value)));
        slot.proba = p;
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
    Ok(Prediction { classes: model.classes.clone(), rows: out, unseen })
}
