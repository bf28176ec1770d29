//! Bootstrap trees on random feature subsets (√p per split), averaged, as
//! `RandomForestClassifier`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use glassbox_core::{Error, ErrorKind, Matrix, Result};

use crate::estimator::{Classifier, Dim, Estimator, FitInput};
use crate::models::decision_tree::{check_depth, depth_text};
use crate::trees::{fit_forest, forest_proba, Tree};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandomForest {
    pub n_trees: usize,
    pub max_depth: Option<usize>,
    pub seed: u64,
}

/// A forest's trees; its probabilities are their mean leaf frequencies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedForest {
    pub trees: Vec<Tree>,
    pub n_cols: usize,
}

/// A forest needs a tree, and a depth limit leaves room to grow.
pub fn check_forest(n_trees: usize, max_depth: Option<usize>) -> Result<()> {
    if n_trees == 0 {
        return Err(Error::new(ErrorKind::BadSpec, "the forest needs at least 1 tree, got 0"));
    }
    check_depth(max_depth)
}

/// The `Estimator` of a forest spec with fields `n_trees`, `max_depth` and
/// `seed`, whose trees `$grow` grows (`fit_forest`'s signature): random
/// forests and extra trees differ only in how a tree grows and in words.
macro_rules! forest_estimator {
    ($spec:ident, $grow:path, $words:literal) => {
        impl Estimator for $spec {
            type Fitted = FittedForest;

            fn with_seed(seed: u64) -> Self {
                $spec { n_trees: 100, max_depth: None, seed }
            }

            fn check(&self) -> Result<()> {
                check_forest(self.n_trees, self.max_depth)
            }

            fn describe(&self, task: glassbox_core::task::Task) -> String {
                // scikit-learn's regressors try every feature at a split.
                let features = match task {
                    glassbox_core::task::Task::Classification => "sqrt",
                    glassbox_core::task::Task::Regression => "1.0",
                };
                format!($words, self.n_trees, features, depth_text(self.max_depth), self.seed)
            }

            fn space(&self) -> Vec<Dim> {
                vec![Dim::new("n_trees", 10.0, 150.0, true, true), Dim::new("max_depth", 2.0, 20.0, false, true)]
            }

            fn with_params(&self, p: &BTreeMap<String, f64>) -> Self {
                $spec { n_trees: p["n_trees"] as usize, max_depth: Some(p["max_depth"] as usize), seed: self.seed }
            }

            fn fit(&self, input: &FitInput<'_>) -> Result<FittedForest> {
                let trees = self.fit_trees(input, &(0..self.n_trees).collect::<Vec<_>>())?;
                Ok(FittedForest { trees, n_cols: input.x.n_cols })
            }

            fn trees(&self) -> Option<usize> {
                Some(self.n_trees)
            }

            fn fit_trees(&self, input: &FitInput<'_>, indices: &[usize]) -> Result<Vec<Tree>> {
                $grow(input, indices, self.max_depth, self.seed)
            }

            fn forest_of(&self, trees: Vec<Tree>, n_cols: usize) -> Option<FittedForest> {
                (trees.len() == self.n_trees).then_some(FittedForest { trees, n_cols })
            }
        }
    };
}
pub(crate) use forest_estimator;

forest_estimator!(
    RandomForest,
    fit_forest,
    "n_estimators = {}, max_features = {}, max_depth = {}, bootstrap, seed = {}"
);

impl Classifier for FittedForest {
    fn check(&self, n_classes: usize) -> std::result::Result<(), String> {
        crate::trees::Tree::check_forest(&self.trees, n_classes)
    }

    fn predict_proba(&self, x: &Matrix) -> Vec<Vec<f64>> {
        forest_proba(&self.trees, x)
    }

    fn tree_ensemble(&self, class: usize) -> Option<glassbox_core::tree::TreeEnsemble> {
        Some(crate::trees::forest_ensemble(&self.trees, class))
    }

    fn n_features(&self) -> Option<usize> {
        Some(self.n_cols)
    }
}
