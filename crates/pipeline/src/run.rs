//! The whole first loop as three calls: `inspect`, `train`, `predict`.
//!
//! These compose the modules (ingest → features → split → model → metrics) and
//! return plain data that the worker sends to the UI and the CLI writes out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorKind, Result};
use crate::features;
use crate::ingest::{self, ColumnKind, Rename, Table};
use crate::labels::order_labels;
use crate::metrics::{evaluate, Evaluation};
use crate::model::{argmax, ModelSpec};
use crate::model_file::{ModelFile, Provenance, Schema, SchemaColumn, FORMAT_VERSION};
use crate::split::stratified_split;

/// Column names that are preselected as the target when present.
const LIKELY_TARGETS: [&str; 6] = ["diagnosis", "species", "target", "label", "class", "y"];

/// How many rows the preview shows.
pub const PREVIEW_ROWS: usize = 10;

/// A summary of one column for the preview.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSummary {
    pub name: String,
    pub original_name: String,
    pub kind: ColumnKind,
    pub missing: usize,
    pub distinct: usize,
}

/// What the app shows before training: the columns and the first rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inspection {
    pub n_rows: usize,
    pub columns: Vec<ColumnSummary>,
    /// The first rows as text, missing cells as empty strings.
    pub preview: Vec<Vec<String>>,
    pub renamed: Vec<Rename>,
    pub suggested_target: String,
}

/// Reads the CSV and summarises it.
pub fn inspect(bytes: &[u8]) -> Result<Inspection> {
    let table = ingest::parse_csv(bytes)?;
    let columns = table
        .columns
        .iter()
        .map(|c| {
            let mut values: Vec<&str> = c.cells.iter().flatten().map(String::as_str).collect();
            values.sort_unstable();
            values.dedup();
            ColumnSummary {
                name: c.name.clone(),
                original_name: c.original_name.clone(),
                kind: c.kind,
                missing: c.missing_count(),
                distinct: values.len(),
            }
        })
        .collect();
    let preview = (0..table.n_rows.min(PREVIEW_ROWS))
        .map(|r| {
            table
                .columns
                .iter()
                .map(|c| c.cells[r].clone().unwrap_or_default())
                .collect()
        })
        .collect();
    let names = table.column_names();
    let suggested_target = LIKELY_TARGETS
        .iter()
        .find(|t| names.iter().any(|n| n == *t))
        .map(|t| t.to_string())
        .unwrap_or_else(|| names.last().cloned().unwrap_or_default());
    Ok(Inspection {
        n_rows: table.n_rows,
        columns,
        preview,
        renamed: table.renamed,
        suggested_target,
    })
}

/// What the person chose for a training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSpec {
    /// The target column, as in the header or as normalised.
    pub target: String,
    pub seed: u64,
    pub test_size: f64,
    pub model: ModelSpec,
}

impl Default for TrainSpec {
    fn default() -> Self {
        TrainSpec {
            target: String::new(),
            seed: 42,
            test_size: 0.2,
            model: ModelSpec::default(),
        }
    }
}

/// Exactly how a run was made: the report's manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The input's base name only, never a path.
    pub file_name: String,
    pub input_sha256: String,
    pub n_rows: usize,
    pub n_columns: usize,
    pub target: String,
    pub rows_missing_target: usize,
    pub n_train: usize,
    pub n_test: usize,
    pub seed: u64,
    pub test_size: f64,
    pub model: String,
    pub params: String,
    pub feature_names: Vec<String>,
    pub glassbox_version: String,
}

/// One test row with its truth, prediction and probabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestPrediction {
    /// 0-based index of the data record in the file.
    pub row: usize,
    /// 1-based line of the record in the file.
    pub line: u64,
    pub actual: usize,
    pub predicted: usize,
    pub proba: Vec<f64>,
}

/// Everything a training run produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOutcome {
    pub manifest: Manifest,
    pub classes: Vec<String>,
    pub evaluation: Evaluation,
    pub test_predictions: Vec<TestPrediction>,
    pub model: ModelFile,
}

/// The `metrics.json` document: held-out test metrics with class labels as keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricsJson {
    pub classes: Vec<String>,
    pub test_rows: Vec<usize>,
    pub accuracy: f64,
    pub roc_auc: f64,
    pub log_loss: f64,
    pub confusion_matrix: Vec<Vec<usize>>,
    pub per_class: BTreeMap<String, crate::metrics::ClassScores>,
    pub macro_avg: crate::metrics::ClassScores,
    pub weighted_avg: crate::metrics::ClassScores,
    pub rows_missing_target: usize,
    pub roc_curves: Vec<crate::metrics::RocCurve>,
}

impl TrainOutcome {
    pub fn test_rows(&self) -> Vec<usize> {
        self.test_predictions.iter().map(|p| p.row).collect()
    }

    pub fn metrics_json(&self) -> String {
        let e = &self.evaluation;
        let doc = MetricsJson {
            classes: self.classes.clone(),
            test_rows: self.test_rows(),
            accuracy: e.accuracy,
            roc_auc: e.roc_auc,
            log_loss: e.log_loss,
            confusion_matrix: e.confusion_matrix.clone(),
            per_class: self
                .classes
                .iter()
                .cloned()
                .zip(e.per_class.iter().copied())
                .collect(),
            macro_avg: e.macro_avg,
            weighted_avg: e.weighted_avg,
            rows_missing_target: self.manifest.rows_missing_target,
            roc_curves: e.roc_curves.clone(),
        };
        let mut s = serde_json::to_string_pretty(&doc).expect("metrics always serialise");
        s.push('\n');
        s
    }
}

/// SHA-256 of the bytes as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The base name of a path, whichever separator it uses, so no local path
/// ever reaches a report.
pub fn base_name(path: &str) -> String {
    path.rsplit(['/', '\\']).next().unwrap_or(path).to_string()
}

/// Trains and evaluates on a CSV: the first closed loop.
pub fn train(bytes: &[u8], file_name: &str, spec: &TrainSpec) -> Result<TrainOutcome> {
    spec.model.validate()?;
    let table = ingest::parse_csv(bytes)?;
    let target_idx = table.find(&spec.target).ok_or_else(|| {
        Error::new(
            ErrorKind::UnknownColumn,
            format!(
                "there is no column '{}'; the columns are: {}",
                spec.target,
                table.column_names().join(", ")
            ),
        )
    })?;
    let target = &table.columns[target_idx];
    let labelled: Vec<usize> = (0..table.n_rows)
        .filter(|&r| target.cells[r].is_some())
        .collect();
    if labelled.is_empty() {
        return Err(Error::new(
            ErrorKind::BadTarget,
            format!(
                "the target column '{}' has no values: every row is missing",
                target.name
            ),
        ));
    }
    let classes = order_labels(
        labelled
            .iter()
            .map(|&r| target.cells[r].as_deref().unwrap_or_default()),
    );
    if classes.len() < 2 {
        return Err(Error::new(
            ErrorKind::BadTarget,
            format!(
                "the target column '{}' has only one class ('{}'); a classifier needs at least two",
                target.name, classes[0]
            ),
        ));
    }
    let class_index: BTreeMap<&str, usize> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let y: Vec<usize> = labelled
        .iter()
        .map(|&r| class_index[target.cells[r].as_deref().unwrap_or_default()])
        .collect();
    check_class_sizes(&classes, &y, &target.name)?;
    let feature_columns: Vec<usize> = (0..table.columns.len())
        .filter(|&c| c != target_idx)
        .collect();
    if feature_columns.is_empty() {
        return Err(Error::new(
            ErrorKind::BadSpec,
            "the file has no columns besides the target to learn from",
        ));
    }
    let split = stratified_split(&y, classes.len(), spec.test_size, spec.seed)?;
    // Split indices point into `labelled`; map them back to record indices.
    let train_rows: Vec<usize> = split.train.iter().map(|&i| labelled[i]).collect();
    let test_rows: Vec<usize> = split.test.iter().map(|&i| labelled[i]).collect();
    let y_train: Vec<usize> = split.train.iter().map(|&i| y[i]).collect();
    let y_test: Vec<usize> = split.test.iter().map(|&i| y[i]).collect();

    let fitted = features::fit(&table, &feature_columns, &train_rows)?;
    let x_train = fitted.transform(&table, &train_rows)?;
    let x_test = fitted.transform(&table, &test_rows)?;
    let model = spec.model.fit(&x_train, &y_train, classes.len())?;
    let proba = model.predict_proba(&x_test);
    let evaluation = evaluate(&y_test, &proba, classes.len());

    let test_predictions = test_rows
        .iter()
        .zip(&y_test)
        .zip(&proba)
        .map(|((&row, &actual), p)| TestPrediction {
            row,
            line: table.lines[row],
            actual,
            predicted: argmax(p),
            proba: p.clone(),
        })
        .collect();
    let input_sha256 = sha256_hex(bytes);
    let manifest = Manifest {
        file_name: base_name(file_name),
        input_sha256: input_sha256.clone(),
        n_rows: table.n_rows,
        n_columns: table.columns.len(),
        target: target.name.clone(),
        rows_missing_target: table.n_rows - labelled.len(),
        n_train: train_rows.len(),
        n_test: test_rows.len(),
        seed: spec.seed,
        test_size: spec.test_size,
        model: spec.model.name().to_string(),
        params: spec.model.params_text(),
        feature_names: fitted.feature_names(),
        glassbox_version: crate::VERSION.to_string(),
    };
    let model_file = ModelFile {
        format_version: FORMAT_VERSION,
        glassbox_version: crate::VERSION.to_string(),
        schema: schema_of(&table, target_idx),
        classes: classes.clone(),
        features: fitted,
        spec: spec.model.clone(),
        model,
        provenance: Provenance {
            input_sha256,
            seed: spec.seed,
            test_size: spec.test_size,
        },
    };
    Ok(TrainOutcome {
        manifest,
        classes,
        evaluation,
        test_predictions,
        model: model_file,
    })
}

fn check_class_sizes(classes: &[String], y: &[usize], target: &str) -> Result<()> {
    let mut counts = vec![0usize; classes.len()];
    for &c in y {
        counts[c] += 1;
    }
    if let Some((k, &n)) = counts.iter().enumerate().find(|(_, &n)| n < 2) {
        return Err(Error::new(
            ErrorKind::BadTarget,
            format!(
                "class '{}' of the target column '{target}' has only {n} row; every class needs at least 2 to be split into training and test rows",
                classes[k]
            ),
        ));
    }
    Ok(())
}

fn schema_of(table: &Table, target_idx: usize) -> Schema {
    Schema {
        columns: table
            .columns
            .iter()
            .map(|c| SchemaColumn {
                name: c.name.clone(),
                original_name: c.original_name.clone(),
                kind: c.kind,
            })
            .collect(),
        target: table.columns[target_idx].name.clone(),
    }
}

/// Predictions for every row of a CSV, in input order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    pub classes: Vec<String>,
    pub predicted: Vec<usize>,
    pub proba: Vec<Vec<f64>>,
}

impl Prediction {
    /// The predictions as CSV: `prediction` then `proba_<class>` for each class.
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["prediction".to_string()];
        header.extend(self.classes.iter().map(|c| format!("proba_{c}")));
        w.write_record(&header)
            .expect("writing to memory cannot fail");
        for (p, probs) in self.predicted.iter().zip(&self.proba) {
            let mut rec = vec![self.classes[*p].clone()];
            rec.extend(probs.iter().map(|v| v.to_string()));
            w.write_record(&rec).expect("writing to memory cannot fail");
        }
        String::from_utf8(w.into_inner().expect("writing to memory cannot fail"))
            .expect("the CSV is UTF-8")
    }
}

/// Scores every row of a CSV with a saved model.
pub fn predict(model: &ModelFile, bytes: &[u8]) -> Result<Prediction> {
    let table = ingest::parse_csv(bytes)?;
    let rows: Vec<usize> = (0..table.n_rows).collect();
    let x = model.features.transform(&table, &rows)?;
    let proba = model.model.predict_proba(&x);
    let predicted = proba.iter().map(|p| argmax(p)).collect();
    Ok(Prediction {
        classes: model.classes.clone(),
        predicted,
        proba,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(target: &str) -> TrainSpec {
        TrainSpec {
            target: target.into(),
            ..TrainSpec::default()
        }
    }

    /// 20 labelled rows plus 3 without a target, interleaved.
    fn with_missing_targets() -> String {
        let mut s = String::from("x,colour,y\n");
        for i in 0..23 {
            let y = if i % 8 == 3 {
                "NA".to_string()
            } else {
                (if i % 2 == 0 { "10" } else { "9" }).to_string()
            };
            s.push_str(&format!(
                "{i},{},{y}\n",
                if i % 3 == 0 { "red" } else { "blue" }
            ));
        }
        s
    }

    #[test]
    fn rows_without_target_are_left_out_and_counted() {
        let o = train(with_missing_targets().as_bytes(), "dir/f.csv", &spec("y")).unwrap();
        assert_eq!(o.manifest.rows_missing_target, 3);
        assert_eq!(o.manifest.n_train + o.manifest.n_test, 20);
        assert_eq!(o.manifest.n_test, 4, "ceil(0.2 × 20)");
        assert_eq!(o.manifest.file_name, "f.csv");
        // test_rows are record indices in the file, so none is a row without a target.
        for r in o.test_rows() {
            assert_ne!(r % 8, 3, "row {r} has no target");
        }
        assert!(o.test_rows().windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn numeric_labels_in_numeric_order_positive_second() {
        let o = train(with_missing_targets().as_bytes(), "f.csv", &spec("y")).unwrap();
        assert_eq!(o.classes, ["9", "10"]);
        assert_eq!(
            o.evaluation.roc_curves.len(),
            1,
            "binary: one curve, for the positive class"
        );
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_split() {
        let csv = with_missing_targets();
        let a = train(csv.as_bytes(), "f.csv", &spec("y")).unwrap();
        let b = train(csv.as_bytes(), "f.csv", &spec("y")).unwrap();
        assert_eq!(a.model.to_json(), b.model.to_json());
        assert_eq!(a.metrics_json(), b.metrics_json());
        let c = train(
            csv.as_bytes(),
            "f.csv",
            &TrainSpec {
                seed: 7,
                ..spec("y")
            },
        )
        .unwrap();
        assert_ne!(a.test_rows(), c.test_rows());
    }

    #[test]
    fn model_file_round_trips_and_predicts_like_training() {
        let csv = with_missing_targets();
        let o = train(csv.as_bytes(), "f.csv", &spec("y")).unwrap();
        let model = ModelFile::from_json(&o.model.to_json()).unwrap();
        assert_eq!(model, o.model);
        let p = predict(&model, csv.as_bytes()).unwrap();
        assert_eq!(
            p.predicted.len(),
            23,
            "one prediction per input row, target or not"
        );
        for t in &o.test_predictions {
            assert_eq!(p.proba[t.row], t.proba);
        }
    }

    #[test]
    fn unseen_category_at_predict_is_not_an_error() {
        let o = train(with_missing_targets().as_bytes(), "f.csv", &spec("y")).unwrap();
        let p = predict(&o.model, b"x,colour\n4,green\n5,\n").unwrap();
        assert_eq!(p.proba.len(), 2);
    }

    #[test]
    fn class_with_one_row_is_a_clear_error() {
        let e = train(b"x,y\n1,a\n2,a\n3,a\n4,b\n5,a\n", "f.csv", &spec("y")).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadTarget);
        assert!(
            e.message()
                .starts_with("class 'b' of the target column 'y' has only 1 row"),
            "{e}"
        );
    }

    #[test]
    fn target_only_file_is_a_clear_error() {
        let e = train(b"y\na\nb\na\nb\n", "f.csv", &spec("y")).unwrap_err();
        assert_eq!(
            e.message(),
            "the file has no columns besides the target to learn from"
        );
    }

    #[test]
    fn inspect_suggests_likely_targets_else_last_column() {
        assert_eq!(
            inspect(b"species,x\na,1\n").unwrap().suggested_target,
            "species"
        );
        assert_eq!(inspect(b"a,b,c\n1,2,3\n").unwrap().suggested_target, "c");
        let i = inspect(b"a,b\n1,x\n,x\n3,y\n").unwrap();
        assert_eq!((i.columns[0].missing, i.columns[1].distinct), (1, 2));
    }
}
