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
use crate::models::random_forest::{check_forest, forest_estimator, FittedForest};
use crate::trees::{fit_extra_trees, Tree};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExtraTrees {
    pub n_trees: usize,
    pub max_depth: Option<usize>,
    pub seed: u64,
}

forest_estimator!(
    ExtraTrees,
    fit_extra_trees,
    "n_estimators = {}, max_features = {}, random thresholds, max_depth = {}, no bootstrap, seed = {}"
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimator::Classifier;
    use glassbox_core::{Control, Matrix};

    fn data() -> (Matrix, Vec<usize>) {
        // Two noisy, overlapping classes on three features (no two rows alike).
        let rows: Vec<Vec<f64>> = (0..120)
            .map(|i| {
                let f = i as f64;
                vec![libm::sin(f * 0.37) + (i % 2) as f64 * 0.6, libm::cos(f * 0.11), f / 120.0]
            })
            .collect();
        let refs: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
        (Matrix::from_rows(&refs), (0..120).map(|i| i % 2).collect())
    }

    fn fit(spec: &ExtraTrees, threads: usize) -> FittedForest {
        let (x, y) = data();
        let control = Control { threads, ..Control::default() };
        spec.fit(&FitInput { x: &x, y: &y, n_classes: 2, class_weight: None, values: None, control: &control }).unwrap()
    }

    #[test]
    fn every_tree_sees_every_row_so_fully_grown_trees_fit_the_training_rows() {
        let spec = ExtraTrees::with_seed(7);
        let forest = fit(&ExtraTrees { n_trees: 5, ..spec }, 1);
        let (x, y) = data();
        for tree in &forest.trees {
            let single = FittedForest { trees: vec![tree.clone()], n_cols: 3 };
            let proba = single.predict_proba(&x);
            assert!(proba.iter().zip(&y).all(|(p, &c)| p[c] == 1.0), "no bootstrap: each tree grows on all rows");
        }
    }

    #[test]
    fn seeded_by_tree_so_threads_change_nothing_and_seeds_do() {
        let spec = ExtraTrees { n_trees: 8, max_depth: Some(4), seed: 3 };
        let one = fit(&spec, 1);
        assert_eq!(one, fit(&spec, 3), "threads change nothing");
        assert_ne!(one, fit(&ExtraTrees { seed: 4, ..spec }, 1), "another seed, other thresholds");
        let (x, y) = data();
        let control = Control::default();
        let input = FitInput { x: &x, y: &y, n_classes: 2, class_weight: None, values: None, control: &control };
        let mut parts = spec.fit_trees(&input, &[0, 2, 4, 6]).unwrap();
        parts.extend(spec.fit_trees(&input, &[1, 3, 5, 7]).unwrap());
        let mut by_index: Vec<(usize, Tree)> = [0, 2, 4, 6, 1, 3, 5, 7].into_iter().zip(parts).collect();
        by_index.sort_by_key(|p| p.0);
        let whole = spec.forest_of(by_index.into_iter().map(|p| p.1).collect(), 3).unwrap();
        assert_eq!(whole, one, "trees grown in parts make the same forest");
        let p = one.predict_proba(&x);
        assert!(p.iter().all(|r| (r[0] + r[1] - 1.0).abs() < 1e-12), "probabilities sum to one");
    }
}
