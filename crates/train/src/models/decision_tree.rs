//! CART with Gini impurity, as `DecisionTreeClassifier` (the tree itself is
//! in [`crate::trees`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use glassbox_core::{Error, ErrorKind, Matrix, Result};

use crate::estimator::{Classifier, Dim, Estimator, FitInput};
use crate::trees::{Tree, TreeParams};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionTree {
    pub max_depth: Option<usize>,
    pub min_samples_leaf: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedTree {
    pub tree: Tree,
    pub n_cols: usize,
}

/// `none` or the depth, as reports spell a depth limit.
pub fn depth_text(d: Option<usize>) -> String {
    d.map_or_else(|| "none".to_string(), |d| d.to_string())
}

/// A depth limit of 0 leaves nothing to grow.
/// The split criterion a tree of `task` uses, in scikit-learn's words.
pub fn criterion(task: glassbox_core::task::Task) -> &'static str {
    match task {
        glassbox_core::task::Task::Classification => "gini",
        glassbox_core::task::Task::Regression => "squared_error",
    }
}

pub fn check_depth(max_depth: Option<usize>) -> Result<()> {
    if max_depth == Some(0) {
        return Err(Error::new(ErrorKind::BadSpec, "max_depth must be at least 1, got 0"));
    }
    Ok(())
}

impl Estimator for DecisionTree {
    type Fitted = FittedTree;

    fn with_seed(_seed: u64) -> Self {
        DecisionTree { max_depth: None, min_samples_leaf: 1 }
    }

    fn check(&self) -> Result<()> {
        check_depth(self.max_depth)
    }

    fn describe(&self, task: glassbox_core::task::Task) -> String {
        format!(
            "criterion = {}, max_depth = {}, min_samples_leaf = {}",
            criterion(task),
            depth_text(self.max_depth),
            self.min_samples_leaf
        )
    }

    fn space(&self) -> Vec<Dim> {
        vec![Dim::new("max_depth", 1.0, 20.0, false, true), Dim::new("min_samples_leaf", 1.0, 20.0, true, true)]
    }

    fn with_params(&self, p: &BTreeMap<String, f64>) -> Self {
        DecisionTree { max_depth: Some(p["max_depth"] as usize), min_samples_leaf: p["min_samples_leaf"] as usize }
    }

    fn fit(&self, input: &FitInput<'_>) -> Result<FittedTree> {
        let x = input.x;
        let params = TreeParams {
            max_depth: self.max_depth,
            min_samples_leaf: self.min_samples_leaf,
            max_features: None,
            random_thresholds: false,
        };
        let rows: Vec<usize> = (0..x.n_rows).collect();
        Ok(FittedTree { tree: Tree::fit_for(input, &rows, params, 0), n_cols: x.n_cols })
    }
}

impl Classifier for FittedTree {
    fn check(&self, n_classes: usize) -> std::result::Result<(), String> {
        self.tree.check(n_classes)
    }

    fn predict_proba(&self, x: &Matrix) -> Vec<Vec<f64>> {
        (0..x.n_rows).map(|i| self.tree.predict_row(x.row(i)).to_vec()).collect()
    }

    fn tree_ensemble(&self, class: usize) -> Option<glassbox_core::tree::TreeEnsemble> {
        Some(crate::trees::forest_ensemble(std::slice::from_ref(&self.tree), class))
    }

    fn n_features(&self) -> Option<usize> {
        Some(self.n_cols)
    }
}
