//! The contract every model meets, in the spirit of linfa's `Fit`/`Predict`
//! and `ParamGuard`: a spec the person edits, checked once, fitted on a
//! matrix and class indices into a separate fitted type that gives
//! probabilities. Plain `f64` and [`Matrix`] only: no generic float machinery.
//!
//! A model is one file in `models/` implementing [`Estimator`] for its spec
//! and [`Classifier`] for its fitted state, and one line in
//! `registry.rs` (with the tasks it does); nothing else in the workspace names it.
//!
//! One contract serves both tasks. A classification fit gets class indices
//! and its fitted model gives one probability per class; a regression fit
//! gets the numbers in [`FitInput::values`] and its fitted model gives one
//! output per row, the prediction. A family that does both (trees, forests,
//! boosting, k-NN) is one spec and one fitted type, so it keeps one name.

use std::collections::BTreeMap;

use glassbox_core::{Control, Matrix, Result};

use crate::trees::Tree;

/// One searched hyper-parameter, on a log or linear scale, integer or not.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dim {
    pub name: &'static str,
    pub low: f64,
    pub high: f64,
    pub log: bool,
    pub integer: bool,
}

impl Dim {
    pub const fn new(name: &'static str, low: f64, high: f64, log: bool, integer: bool) -> Dim {
        Dim { name, low, high, log, integer }
    }
}

/// What every fitting call gets besides the spec.
#[derive(Clone, Copy)]
pub struct FitInput<'a> {
    pub x: &'a Matrix,
    /// Class indices below `n_classes`; every class occurs. Empty for a
    /// regression fit.
    pub y: &'a [usize],
    /// The number of classes; 1 for a regression fit (one output).
    pub n_classes: usize,
    /// The number to predict per row, for a regression fit (then `y` is
    /// empty and `n_classes` 1); `None` for classes. Every value is finite.
    pub values: Option<&'a [f64]>,
    /// Per-class row weights (`class_weight="balanced"`); models that take
    /// none ignore them, as in scikit-learn.
    pub class_weight: Option<&'a [f64]>,
    pub control: &'a Control<'a>,
}

/// A model's spec: validated hyper-parameters that fit into a [`Classifier`].
pub trait Estimator: Clone {
    type Fitted: Classifier;
    /// The spec with its default hyper-parameters (and `seed` where it draws).
    fn with_seed(seed: u64) -> Self;
    /// Refuses hyper-parameters out of range, with a message naming them.
    fn check(&self) -> Result<()> {
        Ok(())
    }
    /// The hyper-parameters as `name = value` text, for reports.
    fn describe(&self, task: glassbox_core::task::Task) -> String;
    /// The dimensions a search explores; none for the baselines.
    fn space(&self) -> Vec<Dim> {
        Vec::new()
    }
    /// The spec with these searched values (names as in [`Estimator::space`]).
    fn with_params(&self, _params: &BTreeMap<String, f64>) -> Self {
        self.clone()
    }
    /// Fits on a checked spec (the registry checks before it calls this).
    fn fit(&self, input: &FitInput<'_>) -> Result<Self::Fitted>;
    /// Models made of independent trees (forests): how many, so a pool of
    /// workers can grow them apart. Tree `t` must depend only on the data,
    /// the spec and `t`.
    fn trees(&self) -> Option<usize> {
        None
    }
    /// Grows trees `indices` as the whole fit would.
    fn fit_trees(&self, _input: &FitInput<'_>, _indices: &[usize]) -> Result<Vec<Tree>> {
        Err(glassbox_core::Error::new(glassbox_core::ErrorKind::Internal, "this model is not made of trees"))
    }
    /// The fitted model from all its trees, in index order.
    fn forest_of(&self, _trees: Vec<Tree>, _n_cols: usize) -> Option<Self::Fitted> {
        None
    }
}

/// A fitted model: probabilities (or, fitted on numbers, one prediction per
/// row), and what a person should know about the fit.
pub trait Classifier {
    /// Class probabilities, one row per matrix row, columns in class order;
    /// for a regressor one column, the prediction.
    fn predict_proba(&self, x: &Matrix) -> Vec<Vec<f64>>;
    /// The number of features it takes; `None` when any number will do.
    fn n_features(&self) -> Option<usize>;
    /// What should stop a person trusting the numbers (a fit that did not converge).
    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }
    /// How the fit went, when there is something to say.
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }
    /// A linear model's margins: one coefficient row and intercept per
    /// logit (one row for two classes), so explanations can be exact.
    fn linear(&self) -> Option<Linear<'_>> {
        None
    }
    /// A tree model's output for `class` as an additive ensemble of trees,
    /// so explanations can be exact (TreeSHAP); `None` for other models.
    fn tree_ensemble(&self, _class: usize) -> Option<glassbox_core::tree::TreeEnsemble> {
        None
    }
    /// The fitted arrays agree with `n_classes` and with each other, so
    /// scoring cannot index out of range: a model read from a file may have
    /// been edited by anyone. The message names the array that disagrees.
    fn check(&self, _n_classes: usize) -> std::result::Result<(), String> {
        Ok(())
    }
}

/// A vector of per-class values has one per class and none is NaN or infinite.
pub fn check_class_values(what: &str, values: &[f64], n_classes: usize) -> std::result::Result<(), String> {
    if values.len() != n_classes {
        return Err(format!("{what}: {} values for {n_classes} classes", values.len()));
    }
    if values.iter().any(|v| !v.is_finite()) {
        return Err(format!("{what}: a value that is not finite"));
    }
    Ok(())
}

/// The margins `z_k = w_k · x + b_k` of a linear model: one row for two
/// classes (the positive class's log-odds), one per class otherwise.
#[derive(Debug, Clone, Copy)]
pub struct Linear<'a> {
    pub coefficients: &'a [Vec<f64>],
    pub intercepts: &'a [f64],
}

impl<'a> FitInput<'a> {
    /// The numbers of a regression fit, for a model that predicts numbers
    /// only (the registry sends it no other fit).
    pub fn numbers(&self) -> Result<&'a [f64]> {
        self.values.ok_or_else(|| {
            glassbox_core::Error::new(glassbox_core::ErrorKind::Internal, "a regressor was fitted on classes")
        })
    }

    /// The task of the fit: numbers to predict, or classes.
    pub fn task(&self) -> glassbox_core::task::Task {
        if self.values.is_some() {
            glassbox_core::task::Task::Regression
        } else {
            glassbox_core::task::Task::Classification
        }
    }
}
