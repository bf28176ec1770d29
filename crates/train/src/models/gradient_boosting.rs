//! Histogram gradient-boosted trees, as `HistGradientBoostingClassifier`
//! (the booster itself is in [`crate::boosting`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use glassbox_core::{Matrix, Result};

use crate::boosting::{BoostParams, Booster};
use crate::estimator::{Classifier, Dim, Estimator, FitInput};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedBoosting {
    pub booster: Booster,
    pub n_cols: usize,
}

impl Estimator for BoostParams {
    type Fitted = FittedBoosting;

    fn with_seed(seed: u64) -> Self {
        BoostParams::new(seed)
    }

    fn check(&self) -> Result<()> {
        self.validate()
    }

    fn describe(&self, _task: glassbox_core::task::Task) -> String {
        self.text()
    }

    fn space(&self) -> Vec<Dim> {
        vec![
            Dim::new("learning_rate", 0.01, 0.5, true, false),
            Dim::new("max_leaf_nodes", 4.0, 64.0, true, true),
            Dim::new("min_samples_leaf", 2.0, 100.0, true, true),
            Dim::new("l2_regularization", 1e-6, 10.0, true, false),
        ]
    }

    fn with_params(&self, p: &BTreeMap<String, f64>) -> Self {
        BoostParams {
            learning_rate: p["learning_rate"],
            max_leaf_nodes: p["max_leaf_nodes"] as usize,
            min_samples_leaf: p["min_samples_leaf"] as usize,
            l2_regularization: p["l2_regularization"],
            ..*self
        }
    }

    fn fit(&self, input: &FitInput<'_>) -> Result<FittedBoosting> {
        let FitInput { x, y, n_classes, class_weight, values, control } = *input;
        let booster = match (values, self.loss) {
            (Some(values), _) => Booster::fit_numbers(x, values, self, control)?,
            (None, None) => Booster::fit(x, y, n_classes, self, class_weight, control)?,
            (None, Some(loss)) => {
                return Err(glassbox_core::Error::new(
                    glassbox_core::ErrorKind::BadSpec,
                    format!("the {} loss is for numbers; predicting classes uses the log loss", loss.as_str()),
                ))
            }
        };
        Ok(FittedBoosting { booster, n_cols: x.n_cols })
    }
}

impl Classifier for FittedBoosting {
    fn check(&self, n_classes: usize) -> std::result::Result<(), String> {
        self.booster.check(n_classes)
    }

    fn predict_proba(&self, x: &Matrix) -> Vec<Vec<f64>> {
        self.booster.predict_proba(x)
    }

    fn tree_ensemble(&self, class: usize) -> Option<glassbox_core::tree::TreeEnsemble> {
        Some(self.booster.ensemble(class))
    }

    fn n_features(&self) -> Option<usize> {
        Some(self.n_cols)
    }

    fn notes(&self) -> Vec<String> {
        let b = &self.booster;
        if b.loss.is_some() && b.stopped_early {
            return vec![format!(
                "gradient boosting stopped early after {} iterations: the validation loss stopped improving",
                b.n_iter
            )];
        }
        if b.stopped_early {
            vec![format!(
                "gradient boosting stopped early after {} iterations: the validation loss stopped improving",
                b.n_iter
            )]
        } else {
            vec![format!("gradient boosting ran {} iterations", b.n_iter)]
        }
    }
}
