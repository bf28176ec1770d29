//! Models: a validated spec, and a separate fitted type that predicts
//! probabilities and serialises. The kinds are listed once, in
//! [`crate::registry`]; each lives in its own file in [`crate::models`]
//! behind the [`crate::estimator`] contract. This module holds what is the
//! same for every kind: defaults, hyper-parameters by name, fitting entry
//! points and class weights.

use glassbox_core::{Control, Error, ErrorKind, Matrix, Result};

use crate::estimator::FitInput;
pub use crate::models::baseline::{mean, median};
pub use crate::models::decision_tree::depth_text;
pub use crate::registry::{model_names, FittedModel, ModelSpec, MODEL_NAMES};
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
        self.set_all(&[(name, value)])
    }

    /// Sets several hyper-parameters, then validates the whole: parameters
    /// that only make sense together (boosting's `loss=quantile` and its
    /// `quantile`) can be given in either order.
    pub fn set_all(&self, pairs: &[(&str, &str)]) -> Result<ModelSpec> {
        let mut spec = self.clone();
        for (name, value) in pairs {
            spec = spec.assign(name, value)?;
        }
        spec.validate()?;
        Ok(spec)
    }

    /// One parameter set from text, not yet validated.
    fn assign(&self, name: &str, value: &str) -> Result<ModelSpec> {
        let params = self.params();
        let unknown = || {
            let known: Vec<&str> = params.keys().map(String::as_str).collect();
            Error::new(
                ErrorKind::BadSpec,
                format!(
                    "{} has no parameter '{name}'; its parameters are: {}",
                    self.name(),
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                ),
            )
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
        let spec: ModelSpec = serde_json::from_value(whole).map_err(|_| match params.get(name) {
            Some(current) => Error::new(
                ErrorKind::BadSpec,
                format!("parameter '{name}' of {} cannot be '{value}' (it is now {current})", self.name()),
            ),
            None => unknown(),
        })?;
        // An optional parameter left at its default is not written (boosting's
        // `loss`), so a name is known when setting it makes it appear.
        if !spec.params().contains_key(name) && !params.contains_key(name) {
            return Err(unknown());
        }
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
        self.fit_input(&FitInput { x, y, n_classes, class_weight, values: None, control })
    }

    /// Fits the model on `x` to predict the numbers `values` (regression);
    /// the fitted model gives one output per row, the prediction.
    pub fn fit_numbers(&self, x: &Matrix, values: &[f64]) -> Result<FittedModel> {
        self.fit_numbers_with(x, values, &Control::default())
    }

    /// [`ModelSpec::fit_numbers`] under a caller's control.
    pub fn fit_numbers_with(&self, x: &Matrix, values: &[f64], control: &Control<'_>) -> Result<FittedModel> {
        self.fit_input(&FitInput { x, y: &[], n_classes: 1, class_weight: None, values: Some(values), control })
    }
}

impl ModelSpec {
    /// Gradient boosting with the pinball loss at quantile `q`: this
    /// model's boosting parameters when it is gradient boosting (its loss
    /// aside), scikit-learn's defaults with `seed` otherwise. One of the two
    /// models conformalized quantile regression fits beside this one.
    pub fn quantile_model(&self, seed: u64, q: f64) -> ModelSpec {
        use crate::boosting::BoostParams;
        let base = match self {
            ModelSpec::GradientBoosting(p) => BoostParams { loss: None, quantile: None, ..*p },
            _ => BoostParams::new(seed),
        };
        ModelSpec::GradientBoosting(base.at_quantile(q))
    }

    /// Whether the model fits the log of its prediction (gradient boosting
    /// with the Poisson loss): its trees add up in that space, and a log1p
    /// target on top would be a log of a log.
    pub fn fits_log_of_prediction(&self) -> bool {
        self.params().get("loss").and_then(serde_json::Value::as_str) == Some("poisson")
    }

    /// The most nodes a forest fitted on `n_rows` rows can hold: per tree,
    /// twice its leaves, of which there are at most one per row and at most
    /// `2^max_depth`. `None` for a model that is not a forest. A forest of
    /// fully grown regression trees comes close: on numbers, leaves split
    /// until about one distinct row each (the concrete sample's 824 training
    /// rows gave 100 trees 98,524 nodes against a bound of 164,700).
    pub fn forest_nodes_bound(&self, n_rows: usize) -> Option<f64> {
        let trees = self.trees()? as f64;
        let depth = self.params().get("max_depth").and_then(serde_json::Value::as_u64);
        let leaves = match depth {
            Some(d) if d < 63 => (n_rows.max(1) as f64).min((1u64 << d) as f64),
            _ => n_rows.max(1) as f64,
        };
        Some(trees * (2.0 * leaves - 1.0))
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
        Matrix::new(n, 1, (0..n).map(|i| i as f64).collect())
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
        let x = Matrix::new(40, 2, (0..80).map(|i| ((i * 37) % 23) as f64).collect());
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
            "unknown model 'svm'; the models are: logistic_regression, knn, naive_bayes, decision_tree, random_forest, extra_trees, gradient_boosting, baseline_most_frequent, baseline_stratified, ridge, baseline_mean, baseline_median"
        );
    }
}

#[cfg(test)]
mod regression_tests {
    use super::*;
    use glassbox_core::task::Task;

    #[test]
    fn a_forest_s_nodes_stay_within_their_bound() {
        // Distinct targets, so fully grown trees split down to single rows.
        let rows: Vec<Vec<f64>> = (0..400u32).map(|i| vec![f64::from(i * 37 % 401), f64::from(i % 7)]).collect();
        let refs: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
        let y: Vec<f64> = rows.iter().map(|r| r[0] * 0.5 + r[1]).collect();
        let x = Matrix::from_rows(&refs);
        for depth in ["none", "4"] {
            let spec = ModelSpec::by_name("random_forest", 1).unwrap().set("max_depth", depth).unwrap();
            let FittedModel::RandomForest(f) = spec.fit_numbers(&x, &y).unwrap() else { panic!("forest") };
            let nodes = f.trees.iter().map(|t| t.len()).sum::<usize>() as f64;
            let bound = spec.forest_nodes_bound(400).unwrap();
            assert!(nodes <= bound && nodes > bound / 4.0, "max_depth {depth}: {nodes} nodes, bound {bound}");
        }
        assert_eq!(ModelSpec::by_name("ridge", 0).unwrap().forest_nodes_bound(400), None);
    }

    /// y = 3·x0 − 2·x1 + a wiggle, on a grid: every regressor should find it.
    fn data(n: usize) -> (Matrix, Vec<f64>) {
        let rows: Vec<Vec<f64>> =
            (0..n).map(|i| vec![(i % 17) as f64, ((i * 7) % 13) as f64, ((i * 3) % 5) as f64]).collect();
        let y = rows.iter().map(|r| 3.0 * r[0] - 2.0 * r[1] + 0.1 * r[2]).collect();
        let refs: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
        (Matrix::from_rows(&refs), y)
    }

    fn r2(y: &[f64], p: &[Vec<f64>]) -> f64 {
        let mean = y.iter().sum::<f64>() / y.len() as f64;
        let ss_res: f64 = y.iter().zip(p).map(|(y, p)| (y - p[0]) * (y - p[0])).sum();
        let ss_tot: f64 = y.iter().map(|y| (y - mean) * (y - mean)).sum();
        1.0 - ss_res / ss_tot
    }

    #[test]
    fn every_model_that_predicts_numbers_learns_a_plain_function() {
        let (x, y) = data(400);
        for name in crate::registry::model_names(Task::Regression) {
            let m = ModelSpec::by_name(name, 3).unwrap().fit_numbers(&x, &y).unwrap();
            let p = m.predict_proba(&x);
            assert!(p.iter().all(|r| r.len() == 1 && r[0].is_finite()), "{name}: one number per row");
            let score = r2(&y, &p);
            if name.starts_with("baseline") {
                assert!(score <= 0.0 && score > -0.1, "{name}: {score}");
            } else {
                assert!(score > 0.9, "{name}: R² {score}");
            }
        }
    }

    #[test]
    fn a_regression_tree_splits_by_squared_error_and_leaves_hold_means() {
        let x = Matrix::from_rows(&[&[1.0], &[2.0], &[3.0], &[10.0], &[11.0], &[12.0]]);
        let y = [1.0, 2.0, 3.0, 20.0, 21.0, 25.0];
        let spec =
            ModelSpec::from(crate::models::decision_tree::DecisionTree { max_depth: Some(1), min_samples_leaf: 1 });
        let m = spec.fit_numbers(&x, &y).unwrap();
        assert_eq!(
            m.predict_proba(&Matrix::from_rows(&[&[0.0], &[6.5], &[7.0]])),
            vec![vec![2.0], vec![2.0], vec![22.0]]
        );
        assert_eq!(
            spec.params_text_for(Task::Regression),
            "criterion = squared_error, max_depth = 1, min_samples_leaf = 1"
        );
    }

    #[test]
    fn baselines_answer_the_mean_and_numpy_s_median() {
        let x = Matrix::new(4, 1, vec![0.0; 4]);
        let y = [1.0, 2.0, 10.0, 3.0];
        let mean = ModelSpec::by_name("baseline_mean", 0).unwrap().fit_numbers(&x, &y).unwrap();
        let median = ModelSpec::by_name("baseline_median", 0).unwrap().fit_numbers(&x, &y).unwrap();
        assert_eq!(mean.predict_proba(&x)[0], [4.0]);
        assert_eq!(median.predict_proba(&x)[0], [2.5]);
        assert_eq!(crate::models::baseline::mean(&[1e300, 1e300, -1e300]), 1e300 / 3.0, "no overflow to inf");
    }

    #[test]
    fn k_nn_predicts_the_mean_of_its_neighbours() {
        let x = Matrix::from_rows(&[&[0.0], &[1.0], &[2.0], &[10.0], &[11.0]]);
        let m =
            ModelSpec::from(crate::models::knn::Knn { k: 2 }).fit_numbers(&x, &[1.0, 3.0, 8.0, 100.0, 50.0]).unwrap();
        assert_eq!(m.predict_proba(&Matrix::from_rows(&[&[0.2], &[10.4]])), vec![vec![2.0], vec![75.0]]);
    }

    #[test]
    fn a_model_of_classes_refuses_numbers_and_a_model_of_numbers_refuses_classes() {
        let (x, y) = data(40);
        let e = ModelSpec::by_name("naive_bayes", 0).unwrap().fit_numbers(&x, &y).unwrap_err();
        assert_eq!(
            e.message(),
            "naive bayes does not predict numbers; the models that do are: knn, decision_tree, random_forest, extra_trees, gradient_boosting, ridge, baseline_mean, baseline_median"
        );
        let classes: Vec<usize> = (0..40).map(|i| i % 2).collect();
        let e = ModelSpec::by_name("ridge", 0).unwrap().fit(&x, &classes, 2).unwrap_err();
        assert!(
            e.message().starts_with("ridge does not predict classes; the models that do are: logistic_regression"),
            "{e}"
        );
    }

    #[test]
    fn boosting_losses_fit_and_poisson_refuses_negative_numbers() {
        let (x, y) = data(300);
        let counts: Vec<f64> = y.iter().map(|v| (v.abs() / 4.0).floor()).collect();
        for (loss, target) in [("absolute_error", &y), ("poisson", &counts)] {
            let spec = ModelSpec::by_name("gradient_boosting", 1).unwrap().set("loss", loss).unwrap();
            let m = spec.fit_numbers(&x, target).unwrap();
            let score = r2(target, &m.predict_proba(&x));
            assert!(score > 0.9, "{loss}: R² {score}");
            assert!(spec.params_text_for(Task::Regression).starts_with(&format!("loss = {loss}, ")));
        }
        let poisson = ModelSpec::by_name("gradient_boosting", 1).unwrap().set("loss", "poisson").unwrap();
        let e = poisson.fit_numbers(&x, &y).unwrap_err();
        assert!(e.message().starts_with("the poisson loss is for counts"), "{e}");
        let e = poisson.fit(&x, &(0..300).map(|i| i % 2).collect::<Vec<_>>(), 2).unwrap_err();
        assert_eq!(e.message(), "the poisson loss is for numbers; predicting classes uses the log loss");
    }

    /// The quantile loss and its quantile go together, given in either order.
    #[test]
    fn a_quantile_and_its_loss_are_set_together() {
        let boosting = ModelSpec::by_name("gradient_boosting", 1).unwrap();
        for pairs in [[("loss", "quantile"), ("quantile", "0.9")], [("quantile", "0.9"), ("loss", "quantile")]] {
            let spec = boosting.set_all(&pairs).unwrap();
            assert!(spec.params_text_for(Task::Regression).starts_with("loss = quantile, quantile = 0.9, "));
        }
        let e = boosting.set("loss", "quantile").unwrap_err();
        assert!(e.message().starts_with("the quantile loss needs the quantile"), "{e}");
        let e = boosting.set_all(&[("loss", "quantile"), ("quantile", "2")]).unwrap_err();
        assert_eq!(e.message(), "quantile must be between 0 and 1, got 2");
    }
}
