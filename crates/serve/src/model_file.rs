//! The model file: everything needed to score new data, in a versioned JSON
//! format. No wall-clock time goes in, so the same input, settings and seed
//! write the same bytes. Its fields are defined one by one in
//! `crates/serve/MODEL_FORMAT.md`, and a test holds the writer to that
//! definition, so an internal rename cannot change the file unnoticed.

use glassbox_train::target::TargetTransform;
use serde::{Deserialize, Serialize};

use glassbox_core::error::{Error, ErrorKind, Result};
use glassbox_core::table::{ColumnKind, DateOrder};
use glassbox_core::task::Task;
use glassbox_features::FittedFeatures;
use glassbox_train::model::{FittedModel, ModelSpec};

/// The format version this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 6;

/// The oldest version this build reads: version 2 files are version 3
/// without a decision threshold, version 3 files are version 4 without
/// tree covers (they predict, but their trees cannot be explained),
/// version 4 files are version 5 without probability intervals, and
/// version 5 files are version 6 without a reference profile (drift then
/// asks for the training data).
pub const OLDEST_FORMAT_VERSION: u32 = 2;

/// One column of the training schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemaColumn {
    pub name: String,
    pub original_name: String,
    pub kind: ColumnKind,
    /// For a datetime column: how `A/B/YYYY` dates were read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_order: Option<DateOrder>,
    /// For a numeric column: the smallest and largest value of the training rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[f64; 2]>,
}

/// The training data's columns and which one is the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    pub columns: Vec<SchemaColumn>,
    pub target: String,
    /// The zone naive date-times were read in; new data is read the same way.
    #[serde(default = "utc")]
    pub timezone: String,
}

fn utc() -> String {
    "UTC".to_string()
}

/// How the model was made, so a report or a rerun can say it exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    pub input_sha256: String,
    pub seed: u64,
    pub test_size: f64,
}

/// A decision threshold as the model file and `metrics.json` keep it: a row
/// is predicted positive when its probability of the positive class is at
/// least `value`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    pub value: f64,
    /// How it was chosen, in words ("set", "best F1 on the test rows", …).
    pub chosen_by: String,
}

/// A saved model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    pub format_version: u32,
    pub glassbox_version: String,
    pub schema: Schema,
    /// What the model predicts; written only for a regressor (a file
    /// without it is a classifier, as every file before regression was).
    #[serde(default, skip_serializing_if = "Task::is_classification")]
    pub task: Task,
    /// The scale a regressor was fitted on (`log1p`: its outputs are mapped
    /// back with `expm1`); written only when it is not the target's own.
    #[serde(default, skip_serializing_if = "TargetTransform::is_none")]
    pub target_transform: TargetTransform,
    /// The classes, in the order of the probabilities; empty for a regressor.
    pub classes: Vec<String>,
    pub features: FittedFeatures,
    pub spec: ModelSpec,
    pub model: FittedModel,
    pub provenance: Provenance,
    /// The decision threshold on the positive class, when one was set or
    /// chosen; without one the most probable class is predicted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Threshold>,
    /// The training rows' mean of each feature: the row explanations are
    /// measured from (a file without it cannot explain).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub baseline: Vec<f64>,
    /// Calibrated probabilities, when asked for: they replace the model's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<crate::calibrated::Calibrated>,
    /// Venn–Abers predictors that give every prediction a probability
    /// interval (absent in files older than version 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intervals: Option<crate::intervals::Intervals>,
    /// What drift compares new data with: the training rows' bins,
    /// percentiles and level counts, the model's probabilities and scores
    /// on its test rows (absent in files older than version 6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<glassbox_monitor::Profile>,
    /// A regressor's conformal prediction interval (absent for classifiers,
    /// and for a regressor trained without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conformal: Option<crate::conformal::Conformal>,
    /// The recipe the model was made with (`glassbox_pipeline::recipe`):
    /// what `glassbox retrain` trains again on new rows. Kept as JSON here
    /// because the recipe's types belong to the composer, which this crate
    /// may not name; the composer reads it strictly. Absent in files made
    /// before recipes, which then cannot be retrained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipe: Option<serde_json::Value>,
}

impl ModelFile {
    /// How many numbers the model gives per row: a probability per class,
    /// or one prediction for a regressor.
    pub fn outputs(&self) -> usize {
        match self.task {
            Task::Classification => self.classes.len(),
            Task::Regression => 1,
        }
    }

    /// Class probabilities for feature rows `x`: calibrated when the file
    /// has a calibration, the model's own otherwise. Everything that scores
    /// with a saved model (predict, the test metrics, importance, the
    /// sampled explanations) goes through here.
    pub fn predict_proba(&self, x: &glassbox_core::Matrix) -> Vec<Vec<f64>> {
        match &self.calibration {
            Some(c) => c.predict_proba(x, self.classes.len()),
            None => {
                let mut out = self.model.predict_proba(x);
                self.target_transform.inverse_outputs(&mut out);
                out
            }
        }
    }

    /// A regressor's predictions for feature rows `x` on the target's scale,
    /// each with its conformal interval when the file has one and it is
    /// bounded. The prediction is [`ModelFile::predict_proba`]'s, bit for bit.
    pub fn predict_numbers(&self, x: &glassbox_core::Matrix) -> Vec<(f64, Option<crate::conformal::NumberInterval>)> {
        let transform = self.target_transform;
        let fitted: Vec<f64> = self.model.predict_proba(x).into_iter().map(|out| out[0]).collect();
        let intervals = match &self.conformal {
            Some(c) => c.intervals(x, &fitted, |v| transform.inverse(v)),
            None => vec![None; fitted.len()],
        };
        fitted.iter().map(|&f| transform.inverse(f)).zip(intervals).collect()
    }

    /// The fitted model's own arrays agree with each other, so scoring can
    /// neither index out of range nor loop: a linear model has one
    /// intercept and a full row of coefficients per margin, and every tree
    /// node's children and feature are in range, each node reached once
    /// from the root.
    fn check_structure(&self) -> std::result::Result<(), String> {
        if let Some(p) = &self.profile {
            p.check()?;
        }
        let n_features = self.features.n_features();
        if self.task == Task::Regression {
            if !self.classes.is_empty() || self.calibration.is_some() || self.threshold.is_some() {
                return Err("a regressor has no classes, calibration or threshold".into());
            }
            if let Some(c) = &self.conformal {
                c.check()?;
            }
        } else if self.conformal.is_some() {
            return Err("a classifier has no conformal interval of a number".into());
        } else if !self.target_transform.is_none() {
            return Err("a classifier's target has no transform".into());
        } else if self.classes.len() < 2 {
            return Err(format!("it has {} class(es); a classifier needs at least 2", self.classes.len()));
        }
        let mut labels = std::collections::BTreeSet::new();
        if let Some(dup) = self.classes.iter().find(|c| !labels.insert(c.as_str())) {
            return Err(format!("the class '{dup}' is listed twice"));
        }
        // The schema is what a new file is checked against; a feature column
        // it does not name would be filled blindly in every row.
        if let Some(c) =
            self.features.columns().iter().find(|c| !self.schema.columns.iter().any(|s| s.name == c.name()))
        {
            return Err(format!("the features read column '{}', which the schema does not list", c.name()));
        }
        check_fitted(&self.model, self.outputs(), n_features)?;
        // CV+'s fold models and CQR's quantile models are read row by row
        // like the model: the same checks, named.
        for (i, m) in self.conformal.iter().flat_map(|c| c.models()).enumerate() {
            check_fitted(m, 1, n_features).map_err(|why| format!("the interval's model {}: {why}", i + 1))?;
        }
        Ok(())
    }

    /// Writes [`ModelFile::to_json`]'s bytes to `out` as they are made:
    /// a fully grown forest's file passes a gigabyte (10 million nodes,
    /// 1.5 GB), which a browser tab cannot hold as one string beside the
    /// forest, and a process need not.
    pub fn write_json(&self, mut out: impl std::io::Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut out, self)?;
        out.write_all(b"\n")
    }

    /// The length in bytes of [`ModelFile::to_json`], counted as it is written.
    pub fn json_len(&self) -> u64 {
        written_len(|w| self.write_json(w)).expect("a model file always serialises")
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        self.write_json(&mut out).expect("a model file always serialises");
        String::from_utf8(out).expect("JSON is UTF-8")
    }

    /// Reads a model file's bytes: [`ModelFile::from_json`] once they are
    /// known to be text.
    pub fn from_bytes(bytes: &[u8]) -> Result<ModelFile> {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| Error::new(ErrorKind::BadModel, "not a Glassbox model file: not UTF-8 text"))?;
        ModelFile::from_json(text)
    }

    /// Reads a model file, with a clear error for anything that is not one.
    pub fn from_json(text: &str) -> Result<ModelFile> {
        let bad = |why: String| Error::new(ErrorKind::BadModel, format!("not a Glassbox model file: {why}"));
        // The version is read first, by a probe that skips every other field
        // without building it, so that an old or future file gets the version
        // message rather than a field error, and so that a large file is not
        // held twice (as a `serde_json::Value` tree and then as a model).
        #[derive(serde::Deserialize)]
        struct Probe {
            format_version: Option<serde_json::Value>,
        }
        // Serde reads a struct from an array too; a model file is an object.
        if !text.trim_start().starts_with('{') && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() {
            return Err(bad("it is not a JSON object".into()));
        }
        let probe: Probe = serde_json::from_str(text).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => bad("it is not a JSON object".into()),
            _ => bad(format!("invalid JSON ({e})")),
        })?;
        let version = probe
            .format_version
            .ok_or_else(|| bad("it has no format_version".into()))?
            .as_u64()
            .ok_or_else(|| bad("format_version is not a whole number".into()))?;
        if version > u64::from(FORMAT_VERSION) {
            return Err(Error::new(
                ErrorKind::BadModel,
                format!(
                    "the model file has format_version {version}, newer than this Glassbox {} reads ({FORMAT_VERSION}); use a newer Glassbox",
                    crate::VERSION
                ),
            ));
        }
        if version < u64::from(OLDEST_FORMAT_VERSION) {
            // Version 1 kept one fixed preprocessing; version 2 stores the feature pipeline's steps.
            return Err(Error::new(
                ErrorKind::BadModel,
                format!(
                    "the model file has format_version {version}, older than this Glassbox {} reads ({OLDEST_FORMAT_VERSION} to {FORMAT_VERSION}); train the model again",
                    crate::VERSION
                ),
            ));
        }
        let model: ModelFile = serde_json::from_str(text).map_err(|e| {
            // Serde's words for an untagged enum name the type, not the
            // shape a person can check the file against.
            let why = e.to_string().replace(
                "data did not match any variant of untagged enum Node",
                "a tree node is neither a split (feature, threshold, left, right: whole numbers of 0 or more; cover) nor a leaf (proba, cover)",
            );
            bad(why)
        })?;
        if let Some(n) = model.model.n_features().filter(|&n| n != model.features.n_features()) {
            return Err(bad(format!(
                "the preprocessing makes {} features but the model takes {n}",
                model.features.n_features()
            )));
        }
        model.check_structure().map_err(bad)?;
        if let Some(iv) = model.intervals.as_ref().filter(|iv| !iv.fits(model.classes.len())) {
            return Err(bad(format!(
                "it has {} classes but {} interval predictors",
                model.classes.len(),
                iv.predictors.len()
            )));
        }
        Ok(model)
    }
}

/// How many bytes `write` writes, counted and not kept.
pub fn written_len(write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) -> std::io::Result<u64> {
    struct Count(u64);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len() as u64;
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    write(&mut count)?;
    Ok(count.0)
}

/// A fitted model's arrays agree with `outputs` and its trees are sound:
/// every node's children and feature in range (of `n_features`), each node
/// reached once from the root.
fn check_fitted(
    model: &glassbox_train::model::FittedModel,
    outputs: usize,
    n_features: usize,
) -> std::result::Result<(), String> {
    if let Some(lin) = model.linear() {
        if lin.intercepts.len() != lin.coefficients.len() {
            return Err(format!(
                "the model has {} coefficient rows but {} intercepts",
                lin.coefficients.len(),
                lin.intercepts.len()
            ));
        }
        if let Some(r) = lin.coefficients.iter().position(|c| c.len() != n_features) {
            return Err(format!(
                "coefficient row {r} has {} values for {n_features} features",
                lin.coefficients[r].len()
            ));
        }
    }
    model.check(outputs)?;
    for k in 0..outputs {
        let Some(e) = model.tree_ensemble(k) else { break };
        for (t, tree) in e.trees.iter().enumerate() {
            let n = tree.nodes.len();
            if n == 0 {
                return Err(format!("tree {t} (class {k}) has no nodes"));
            }
            let mut seen = vec![false; n];
            let mut stack = vec![0usize];
            while let Some(i) = stack.pop() {
                let bad = |why: &str| Err(format!("tree {t} (class {k}) node {i}: {why}"));
                if std::mem::replace(&mut seen[i], true) {
                    return bad("reached twice (the tree has a cycle)");
                }
                if let Some((l, r)) = tree.nodes[i].children {
                    if tree.nodes[i].feature >= n_features {
                        return bad("a split on a feature the preprocessing does not make");
                    }
                    if let Some(c) = [l, r].into_iter().find(|&c| c >= n) {
                        return bad(&format!("child {c} is past the tree's end ({n} nodes)"));
                    }
                    stack.extend([l, r]);
                }
            }
        }
    }
    Ok(())
}
