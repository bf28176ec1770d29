//! Models: a validated spec, and a separate fitted type that predicts
//! probabilities and serialises. The kinds are listed once, in
//! [`crate::registry`]; each lives in its own file in [`crate::models`]
//! behind the [`crate::estimator`] contract. This module holds what is the
//! same for every kind: defaults, hyper-parameters by name, fitting entry
//! points and class weights.

use glassbox_core::{Control, Error, ErrorKind, Matrix, Result};

use crate::estimator::FitInput;
pub use crate::models::decision_tree::depth_text;
pub use crate::registry::{FittedModel, ModelSpec, MODEL_NAMES};
pub use glassbox_core::argmax;

impl Default for ModelSpec {
    fn default() -> Self {
        crate::models::logistic::Logistic::default().into()
    }
}

impl ModelSpec {
    /// The model's hyper-parameters by name, as JSON values (for `set` and help).
    pub fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut m = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        m.remove("model");
        m
    }

    /// Sets hyper-parameter `name` from text (`--param name=value`): a
    /// number, `none` for an optional one, or a word for a choice. Unknown
    /// names list the known ones; the result is validated.
    pub fn set(&self, name: &str, value: &str) -> Result<ModelSpec> {
        let params = self.params();
        let Some(current) = params.get(name) else {
            let known: Vec<&str> = params.keys().map(String::as_str).collect();
            return Err(Error::new(
                ErrorKind::BadSpec,
                format!(
                    "{} has no parameter '{name}'; its parameters are: {}",
                    self.name(),
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                ),
            ));
        };
        let parsed = if value == "none" {
            serde_json::Value::Null
        } else if let Ok(v) = serde_json::from_str::<serde_json::Value>(value) {
            v
        } else {
            serde_json::Value::String(value.to_string())
        };
        let mut whole = serde_json::to_value(self).map_err(|e| Error::new(ErrorKind::Internal, e.to_string()))?;
        whole[name] = parsed;
        let spec: ModelSpec = serde_json::from_value(whole).map_err(|_| {
            Error::new(
                ErrorKind::BadSpec,
                format!("parameter '{name}' of {} cannot be '{value}' (it is now {current})", self.name()),
            )
        })?;
        spec.validate()?;
        Ok(spec)
    }

    /// Fits the model on `x` with classes `y` (indices below `n_classes`).
    /// Every class must occur in `y`.
    pub fn fit(&self, x: &Matrix, y: &[usize], n_classes: usize) -> Result<FittedModel> {
        self.fit_weighted(x, y, n_classes, None)
    }

    /// Fits with per-class row weights (see [`balanced_weights`]); models
    /// that take none (k-NN, naive Bayes, baselines) ignore them, as in scikit-learn.
    pub fn fit_weighted(
        &self,
        x: &Matrix,
        y: &[usize],
        n_classes: usize,
        class_weight: Option<&[f64]>,
    ) -> Result<FittedModel> {
        self.fit_with(x, y, n_classes, class_weight, &Control::default())
    }

    /// Fits as [`ModelSpec::fit_weighted`] under a caller's control: a
    /// forest's trees and a boosted model's per-class trees use its threads,
    /// and both report progress (trees, iterations) and can be cancelled.
    pub fn fit_with(
        &self,
        x: &Matrix,
        y: &[usize],
        n_classes: usize,
        class_weight: Option<&[f64]>,
        control: &Control<'_>,
    ) -> Result<FittedModel> {
        self.fit_input(&FitInput { x, y, n_classes, class_weight, control })
    }
}

/// scikit-learn's `class_weight="balanced"`: `n / (classes × rows of the class)`,
/// so every class weighs the same in total.
pub fn balanced_weights(y: &[usize], n_classes: usize) -> Vec<f64> {
    let mut counts = vec![0usize; n_classes];
    for &c in y {
        counts[c] += 1;
    }
    counts.iter().map(|&c| if c == 0 { 0.0 } else { y.len() as f64 / (n_classes * c) as f64 }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(rows: &[&[f64]]) -> Matrix {
        Matrix::from_rows(rows)
    }

    #[test]
    fn binary_matches_scikit_learn_coefficients() {
        // sklearn LogisticRegression(C=1).fit([[0],[1],[2],[3]], [0,0,1,1]):
        // With tol=1e-12 (its default stops early): coef_ = [[0.9582859498791921]], intercept_ = [-1.4374289249407233].
        let x = matrix(&[&[0.0], &[1.0], &[2.0], &[3.0]]);
        let m = ModelSpec::from(crate::models::logistic::Logistic { c: 1.0, tol: 1e-12, max_iter: 1000 })
            .fit(&x, &[0, 0, 1, 1], 2)
            .unwrap();
        let FittedModel::LogisticRegression(crate::models::logistic::FittedLogistic {
            coefficients,
            intercepts,
            converged,
            ..
        }) = &m
        else {
            panic!("logistic")
        };
        assert!(converged);
        assert!((coefficients[0][0] - 0.958_285_949_879_192_1).abs() < 1e-10, "{coefficients:?}");
        assert!((intercepts[0] + 1.437_428_924_940_723_3).abs() < 1e-10, "{intercepts:?}");
        let p = m.predict_proba(&x);
        assert!(p.iter().all(|r| (r[0] + r[1] - 1.0).abs() < 1e-12));
        assert!(p[0][1] < p[3][1]);
    }

    #[test]
    fn multiclass_probabilities_sum_to_one() {
        let x = matrix(&[&[0.0, 1.0], &[1.0, 0.0], &[5.0, 5.0], &[6.0, 5.0], &[-5.0, 3.0], &[-6.0, 4.0]]);
        let m = ModelSpec::default().fit(&x, &[0, 0, 1, 1, 2, 2], 3).unwrap();
        let p = m.predict_proba(&x);
        for (row, want) in p.iter().zip([0, 0, 1, 1, 2, 2]) {
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            assert_eq!(argmax(row), want);
        }
    }

    #[test]
    fn invalid_c_is_rejected() {
        let e = ModelSpec::from(crate::models::logistic::Logistic { c: 0.0, tol: 1e-4, max_iter: 100 })
            .validate()
            .unwrap_err();
        assert_eq!(e.message(), "C must be a positive number, got 0");
    }
}

#[cfg(test)]
mod baseline_tests {
    use super::*;

    fn matrix(n: usize) -> Matrix {
        Matrix { n_rows: n, n_cols: 1, values: (0..n).map(|i| i as f64).collect() }
    }

    #[test]
    fn most_frequent_is_one_hot_on_the_majority() {
        let m = ModelSpec::from(crate::models::baseline::MostFrequent {}).fit(&matrix(5), &[1, 0, 1, 1, 0], 2).unwrap();
        assert_eq!(m.predict_proba(&matrix(2)), vec![vec![0.0, 1.0]; 2]);
    }

    #[test]
    fn stratified_draws_follow_the_priors_and_the_seed() {
        let y: Vec<usize> = (0..1000).map(|i| usize::from(i % 4 == 0)).collect();
        let m = ModelSpec::from(crate::models::baseline::Stratified { seed: 3 }).fit(&matrix(1000), &y, 2).unwrap();
        let p = m.predict_proba(&matrix(4000));
        let ones = p.iter().filter(|r| r[1] == 1.0).count();
        assert!((900..1100).contains(&ones), "about a quarter: {ones}");
        assert_eq!(p, m.predict_proba(&matrix(4000)));
        let other = ModelSpec::from(crate::models::baseline::Stratified { seed: 4 }).fit(&matrix(1000), &y, 2).unwrap();
        assert_ne!(p, other.predict_proba(&matrix(4000)));
    }

    #[test]
    fn forest_probabilities_are_the_mean_of_its_trees_leaf_frequencies() {
        let x = Matrix { n_rows: 40, n_cols: 2, values: (0..80).map(|i| ((i * 37) % 23) as f64).collect() };
        let y: Vec<usize> = (0..40).map(|i| (i * 7 % 3) % 2).collect();
        let m = ModelSpec::from(crate::models::random_forest::RandomForest { n_trees: 7, max_depth: Some(3), seed: 1 })
            .fit(&x, &y, 2)
            .unwrap();
        let FittedModel::RandomForest(crate::models::random_forest::FittedForest { trees, .. }) = &m else {
            panic!("forest")
        };
        let p = m.predict_proba(&x);
        for (i, row) in p.iter().enumerate() {
            let mean: f64 = trees.iter().map(|t| t.predict_row(x.row(i))[1]).sum::<f64>() / 7.0;
            assert!((row[1] - mean).abs() < 1e-15);
            assert!((row[0] + row[1] - 1.0).abs() < 1e-12);
        }
        assert!(p.iter().any(|r| r[1] > 0.0 && r[1] < 1.0), "averaged, not one-hot");
    }

    #[test]
    fn unknown_model_names_are_listed() {
        let e = ModelSpec::by_name("svm", 1).unwrap_err();
        assert_eq!(
            e.message(),
            "unknown model 'svm'; the models are: logistic_regression, knn, naive_bayes, decision_tree, random_forest, extra_trees, gradient_boosting, baseline_most_frequent, baseline_stratified"
        );
    }
}
