//! Extremely randomized trees, as scikit-learn's `ExtraTreesClassifier`:
//! every tree grows on all training rows (no bootstrap), and each split
//! tries √p features with one uniformly drawn threshold each; probabilities
//! are the trees' mean leaf frequencies. More randomness than a random
//! forest, so less variance, and faster: no sort per split.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use glassbox_core::Result;

use crate::estimator::{Dim, Estimator, FitInput};
use crate::models::decision_tree::depth_text;
use crate::models::random_forest::{check_forest, forest_space, FittedForest};
use crate::trees::{fit_extra_trees, Tree};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtraTrees {
    pub n_trees: usize,
    pub max_depth: Option<usize>,
    pub seed: u64,
}

impl Estimator for ExtraTrees {
    type Fitted = FittedForest;

    fn with_seed(seed: u64) -> Self {
        ExtraTrees { n_trees: 100, max_depth: None, seed }
    }

    fn check(&self) -> Result<()> {
        check_forest(self.n_trees, self.max_depth)
    }

    fn describe(&self) -> String {
        format!(
            "n_estimators = {}, max_features = sqrt, random thresholds, max_depth = {}, no bootstrap, seed = {}",
            self.n_trees,
            depth_text(self.max_depth),
            self.seed
        )
    }

    fn space(&self) -> Vec<Dim> {
        forest_space()
    }

    fn with_params(&self, p: &BTreeMap<String, f64>) -> Self {
        ExtraTrees { n_trees: p["n_trees"] as usize, max_depth: Some(p["max_depth"] as usize), seed: self.seed }
    }

    fn fit(&self, input: &FitInput<'_>) -> Result<FittedForest> {
        let trees = self.fit_trees(input, &(0..self.n_trees).collect::<Vec<_>>())?;
        Ok(FittedForest { trees, n_cols: input.x.n_cols })
    }

    fn trees(&self) -> Option<usize> {
        Some(self.n_trees)
    }

    fn fit_trees(&self, input: &FitInput<'_>, indices: &[usize]) -> Result<Vec<Tree>> {
        let FitInput { x, y, n_classes, class_weight, control } = *input;
        fit_extra_trees(x, y, n_classes, indices, self.max_depth, class_weight, self.seed, control)
    }

    fn from_trees(&self, trees: Vec<Tree>, n_cols: usize) -> Option<FittedForest> {
        (trees.len() == self.n_trees).then_some(FittedForest { trees, n_cols })
    }
}
