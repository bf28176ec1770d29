//! Explanations of a saved model's predictions: per row, a base value and
//! one Shapley value per input column (see `glassbox_evaluate::shap`), for
//! the class each row asks about.

use glassbox_core::error::{Error, ErrorKind, Result};
use glassbox_core::Matrix;
use glassbox_evaluate::shap::{self, Explanation, Space};
use glassbox_evaluate::tree_shap;

use crate::model_file::ModelFile;
use glassbox_train::target::TargetTransform;

/// How a model's rows are explained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Exact linear SHAP of the margin.
    Linear,
    /// Exact path-dependent TreeSHAP.
    TreePathDependent,
    /// Permutation sampling, with a standard error per value.
    PermutationSampling,
}

impl Method {
    /// The method that explains `model`, and the space of its numbers.
    pub fn of(model: &ModelFile) -> (Method, Space) {
        if model.task == glassbox_core::task::Task::Regression {
            // In the space the model adds up in: the target's units, or the
            // log of them for a Poisson booster, or log1p of them for a model
            // fitted on log1p(y). Sampling scores whole predictions, which
            // are on the target's scale.
            let poisson = model.spec.fits_log_of_prediction();
            let fitted = match model.target_transform {
                _ if poisson => Space::LogTarget,
                TargetTransform::Log1p => Space::Log1pTarget,
                TargetTransform::None => Space::Target,
            };
            return if model.model.linear().is_some() {
                (Method::Linear, fitted)
            } else if model.model.tree_ensemble(0).is_some() {
                (Method::TreePathDependent, fitted)
            } else {
                (Method::PermutationSampling, Space::Target)
            };
        }
        if model.calibration.is_some() {
            // The calibrated probability is explained, and it is neither linear nor a tree's.
            (Method::PermutationSampling, Space::Probability)
        } else if model.model.linear().is_some() {
            (Method::Linear, Space::LogOdds)
        } else if let Some(e) = model.model.tree_ensemble(0) {
            (Method::TreePathDependent, if e.margin { Space::LogOdds } else { Space::Probability })
        } else {
            (Method::PermutationSampling, Space::Probability)
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Linear => "linear",
            Method::TreePathDependent => "tree_path_dependent",
            Method::PermutationSampling => "permutation_sampling",
        }
    }

    /// How the values were computed, in words, for reports and the CLI.
    pub fn describe(self, space: Space, permutations: usize) -> String {
        let space = match space {
            Space::Target => "the target's units".to_string(),
            Space::LogTarget => "the log of the prediction".to_string(),
            Space::Log1pTarget => "log1p of the prediction (the scale the model was fitted on)".to_string(),
            other => other.as_str().replace('_', "-"),
        };
        match self {
            Method::Linear => format!("exactly, in {space}, from the training rows' mean (linear SHAP)"),
            Method::TreePathDependent => {
                format!("exactly, in {space}, with the trees' training covers (path-dependent TreeSHAP)")
            }
            Method::PermutationSampling => {
                format!("in {space} by sampling {permutations} column orders per row, from the training rows' mean")
            }
        }
    }
}

/// How many column orders the sampler averages, and its seed; a linear model is exact.
#[derive(Debug, Clone, Copy)]
pub struct Sampling {
    pub permutations: usize,
    pub seed: u64,
}

/// Explains rows `x` of `model` (its feature matrix), row `r` for class
/// `classes[r]`: exactly in log-odds for a linear model, exactly by
/// TreeSHAP for trees (boosting in log-odds, trees and forests in
/// probability), by sampling in probability otherwise.
pub fn explain_matrix(
    model: &ModelFile,
    x: &Matrix,
    classes: &[usize],
    sampling: Sampling,
) -> Result<(Space, Vec<Explanation>)> {
    if model.baseline.len() != x.n_cols {
        return Err(Error::new(
            ErrorKind::BadModel,
            "the model file has no training baseline to explain against; train the model again with this Glassbox",
        ));
    }
    let blocks: Vec<_> = model.features.blocks().into_iter().map(|(_, b)| b).collect();
    let (method, space) = Method::of(model);
    if let Some(lin) = model.model.linear().filter(|_| method == Method::Linear) {
        // Two classes keep one margin, the positive class's log-odds; it explains class 1.
        let out = (0..x.n_rows)
            .map(|r| {
                let k = if lin.coefficients.len() == 1 { 0 } else { classes[r] };
                shap::linear(&lin.coefficients[k], lin.intercepts[k], &model.baseline, &blocks, x.row(r))
            })
            .collect();
        return Ok((space, out));
    }
    if method == Method::TreePathDependent {
        return Ok((space, explain_trees(model, x, classes)?));
    }
    // One pass over all rows, each scored for its own class in its own place.
    let output = |m: &Matrix| -> Vec<f64> { model.predict_proba(m).iter().zip(classes).map(|(p, &k)| p[k]).collect() };
    let out = shap::sampled(&output, &model.baseline, &blocks, x, sampling.permutations, sampling.seed);
    Ok((space, out))
}

/// TreeSHAP of each row for its class: the rows of one class share its
/// ensemble. Boosting is explained in its margin, trees and forests in
/// probability, as the `shap` package does.
fn explain_trees(model: &ModelFile, x: &Matrix, classes: &[usize]) -> Result<Vec<Explanation>> {
    let blocks: Vec<_> = model.features.blocks().into_iter().map(|(_, b)| b).collect();
    let mut out: Vec<Option<Explanation>> = vec![None; x.n_rows];
    for k in 0..model.outputs() {
        let rows: Vec<usize> = (0..x.n_rows).filter(|&r| classes[r] == k).collect();
        if rows.is_empty() {
            continue;
        }
        let ensemble = model.model.tree_ensemble(k).expect("every class of a tree model has trees");
        if !ensemble.has_covers() {
            return Err(Error::new(
                ErrorKind::BadModel,
                format!(
                    "the model file (format {}) stores no tree covers, which explaining a tree model needs; train the model again with this Glassbox",
                    model.format_version
                ),
            ));
        }
        let feature_rows: Vec<&[f64]> = rows.iter().map(|&r| x.row(r)).collect();
        for (r, e) in rows.into_iter().zip(tree_shap::explain(&ensemble, &blocks, &feature_rows)) {
            out[r] = Some(e);
        }
    }
    Ok(out.into_iter().map(|e| e.expect("every row has a class")).collect())
}

/// The explanations of a CSV's rows, as `glassbox explain` writes them.
#[derive(Debug, Clone, PartialEq)]
pub struct Explained {
    pub columns: Vec<String>,
    pub space: Space,
    /// Per input record: its class and explanation, or why it could not be read.
    pub rows: Vec<std::result::Result<(String, Explanation), String>>,
    /// Whether the class is each row's prediction (written in a `class` column).
    pub per_row_class: bool,
}

/// Explains every record of a CSV with a saved model, for `class` (a label),
/// or else the positive class for two classes and each row's predicted
/// class for more; a regressor's prediction in the space its model adds up
/// in ([`Method::of`]: the target's units, or the log or log1p of them).
pub fn explain(
    model: &ModelFile,
    bytes: &[u8],
    read: &glassbox_ingest::ReadOptions,
    class: Option<&str>,
    sampling: Sampling,
) -> Result<Explained> {
    let regression = model.task == glassbox_core::task::Task::Regression;
    let fixed = match class {
        // A regressor has one output, the prediction, explained in its units.
        Some(_) if regression => {
            return Err(Error::new(
                ErrorKind::BadSpec,
                format!("a regressor predicts one number ('{}'): there is no class to choose", model.schema.target),
            ))
        }
        None if regression => Some(0),
        Some(label) => Some(model.classes.iter().position(|c| c == label).ok_or_else(|| {
            Error::new(
                ErrorKind::BadSpec,
                format!("there is no class '{label}'; the classes are: {}", model.classes.join(", ")),
            )
        })?),
        None => (model.classes.len() == 2).then_some(1),
    };
    let table = crate::predict::read_as_trained(model, bytes, read)?;
    let rows: Vec<usize> = (0..table.n_rows).collect();
    let x = model.features.transform(&table, &rows)?;
    let cut = model.threshold.as_ref().map(|t| t.value);
    let classes: Vec<usize> = match fixed {
        Some(k) => vec![k; rows.len()],
        None => model.predict_proba(&x).iter().map(|p| glassbox_core::decide(p, cut)).collect(),
    };
    let (space, explanations) = explain_matrix(model, &x, &classes, sampling)?;
    let mut out: Vec<std::result::Result<(String, Explanation), String>> =
        (0..table.n_records).map(|_| Err(String::new())).collect();
    for issue in &table.row_issues {
        out[issue.record] = Err(issue.message.clone());
    }
    for ((row, e), k) in explanations.into_iter().enumerate().zip(classes) {
        let what = if regression { model.schema.target.clone() } else { model.classes[k].clone() };
        out[table.records[row]] = Ok((what, e));
    }
    let columns = model.features.blocks().into_iter().map(|(name, _)| name).collect();
    Ok(Explained { columns, space, rows: out, per_row_class: class.is_none() && model.classes.len() > 2 })
}

impl Explained {
    /// One row per input record: `base_value`, `shap_<column>` per input
    /// column, `output`, `space`, the `class` when it is each row's own, and
    /// an `issue` for a record that could not be read.
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header = vec!["base_value".to_string()];
        header.extend(self.columns.iter().map(|c| format!("shap_{c}")));
        header.extend(["output".to_string(), "space".to_string()]);
        if self.per_row_class {
            header.push("class".to_string());
        }
        header.push("issue".to_string());
        w.write_record(&header).expect("writing to memory cannot fail");
        for row in &self.rows {
            let rec: Vec<String> = match row {
                Ok((class, e)) => {
                    let mut r = vec![e.base.to_string()];
                    r.extend(e.phi.iter().map(|v| v.to_string()));
                    r.extend([e.output.to_string(), self.space.as_str().to_string()]);
                    if self.per_row_class {
                        r.push(class.clone());
                    }
                    r.push(String::new());
                    r
                }
                Err(issue) => {
                    let mut r = vec![String::new(); header.len() - 1];
                    r.push(issue.clone());
                    r
                }
            };
            w.write_record(&rec).expect("writing to memory cannot fail");
        }
        String::from_utf8(w.into_inner().expect("writing to memory cannot fail")).expect("the CSV is UTF-8")
    }
}
