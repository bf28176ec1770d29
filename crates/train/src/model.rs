//! Models: a validated spec, and a separate fitted type that predicts
//! probabilities and serialises.
//!
//! The first model is L2-regularised logistic regression (multinomial for more
//! than two classes, as scikit-learn's default `lbfgs` solver), fitted by the
//! L-BFGS in [`crate::optim`]: the objective `loss + 1/(2C) * |w|^2` with the
//! intercept unpenalised has the same minimum as scikit-learn's
//! `C * loss + 1/2 * |w|^2`.

use serde::{Deserialize, Serialize};

use crate::boosting::{BoostParams, Booster};
use crate::control::Control;
use crate::error::{Error, ErrorKind, Result};
use glassbox_core::Matrix;
use crate::optim::{sigmoid, softmax, Lbfgs, LogisticLoss, Objective};
use crate::trees::{fit_forest, Tree, TreeParams};
pub use glassbox_core::argmax;

/// What the person chose: the model family and its hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum ModelSpec {
    LogisticRegression {
        /// Inverse regularisation strength, as scikit-learn's `C`.
        #[serde(rename = "C")]
        c: f64,
        /// Stop when the largest gradient component of the mean loss is at
        /// most this (scikit-learn's `tol`, default 1e-4).
        #[serde(default = "default_tol")]
        tol: f64,
        /// L-BFGS iterations at most (scikit-learn's default is 100; ours
        /// 1000, as its fits here rarely need more than 50).
        #[serde(default = "default_max_iter")]
        max_iter: usize,
    },
    /// Gaussian naive Bayes, as scikit-learn's `GaussianNB`.
    NaiveBayes {
        /// Added to every variance: this share of the largest feature variance.
        var_smoothing: f64,
    },
    /// k nearest neighbours by Euclidean distance on the preprocessed
    /// features, uniform weights, as `KNeighborsClassifier`.
    Knn { k: usize },
    /// CART with Gini impurity, as `DecisionTreeClassifier`.
    DecisionTree { max_depth: Option<usize>, min_samples_leaf: usize },
    /// Bootstrap trees on random feature subsets (√p per split), averaged, as
    /// `RandomForestClassifier`.
    RandomForest { n_trees: usize, max_depth: Option<usize>, seed: u64 },
    /// Histogram gradient-boosted trees, as `HistGradientBoostingClassifier`.
    GradientBoosting(BoostParams),
    /// Always the most frequent training class (probability 1), as
    /// `DummyClassifier(strategy="most_frequent")`: the floor every model must beat.
    BaselineMostFrequent,
    /// Random classes in the training proportions, as
    /// `DummyClassifier(strategy="stratified")`, drawn from a seed.
    BaselineStratified { seed: u64 },
}

/// Every model name, as the CLI and the leaderboard spell them.
pub const MODEL_NAMES: [&str; 8] = [
    "logistic_regression",
    "knn",
    "naive_bayes",
    "decision_tree",
    "random_forest",
    "gradient_boosting",
    "baseline_most_frequent",
    "baseline_stratified",
];

impl Default for ModelSpec {
    fn default() -> Self {
        ModelSpec::LogisticRegression { c: 1.0, tol: default_tol(), max_iter: default_max_iter() }
    }
}

impl ModelSpec {
    pub fn name(&self) -> &'static str {
        match self {
            ModelSpec::LogisticRegression { .. } => "logistic_regression",
            ModelSpec::NaiveBayes { .. } => "naive_bayes",
            ModelSpec::Knn { .. } => "knn",
            ModelSpec::DecisionTree { .. } => "decision_tree",
            ModelSpec::RandomForest { .. } => "random_forest",
            ModelSpec::GradientBoosting(_) => "gradient_boosting",
            ModelSpec::BaselineMostFrequent => "baseline_most_frequent",
            ModelSpec::BaselineStratified { .. } => "baseline_stratified",
        }
    }

    /// The model called `name` with its default hyper-parameters.
    pub fn by_name(name: &str, seed: u64) -> Result<ModelSpec> {
        match name {
            "logistic_regression" => Ok(ModelSpec::default()),
            "naive_bayes" => Ok(ModelSpec::NaiveBayes { var_smoothing: 1e-9 }),
            "knn" => Ok(ModelSpec::Knn { k: 5 }),
            "decision_tree" => Ok(ModelSpec::DecisionTree { max_depth: None, min_samples_leaf: 1 }),
            "random_forest" => Ok(ModelSpec::RandomForest { n_trees: 100, max_depth: None, seed }),
            "gradient_boosting" => Ok(ModelSpec::GradientBoosting(BoostParams::new(seed))),
            "baseline_most_frequent" => Ok(ModelSpec::BaselineMostFrequent),
            "baseline_stratified" => Ok(ModelSpec::BaselineStratified { seed }),
            other => Err(Error::new(
                ErrorKind::BadSpec,
                format!("unknown model '{other}'; the models are: {}", MODEL_NAMES.join(", ")),
            )),
        }
    }

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

    /// The hyper-parameters as `name = value` text, for reports.
    pub fn params_text(&self) -> String {
        match self {
            ModelSpec::LogisticRegression { c, tol, max_iter } => {
                format!("C = {c}, penalty = l2, intercept unpenalised, tol = {tol}, max_iter = {max_iter}")
            }
            ModelSpec::NaiveBayes { var_smoothing } => format!("var_smoothing = {var_smoothing}"),
            ModelSpec::Knn { k } => format!("k = {k}, uniform weights, Euclidean distance"),
            ModelSpec::DecisionTree { max_depth, min_samples_leaf } => {
                format!(
                    "criterion = gini, max_depth = {}, min_samples_leaf = {min_samples_leaf}",
                    depth_text(*max_depth)
                )
            }
            ModelSpec::RandomForest { n_trees, max_depth, seed } => format!(
                "n_estimators = {n_trees}, max_features = sqrt, max_depth = {}, bootstrap, seed = {seed}",
                depth_text(*max_depth)
            ),
            ModelSpec::GradientBoosting(p) => p.text(),
            ModelSpec::BaselineMostFrequent => "none".to_string(),
            ModelSpec::BaselineStratified { seed } => format!("seed = {seed}"),
        }
    }

    pub fn validate(&self) -> Result<()> {
        match *self {
            ModelSpec::GradientBoosting(p) => p.validate(),
            ModelSpec::Knn { k: 0 } => Err(Error::new(ErrorKind::BadSpec, "k must be at least 1, got 0")),
            ModelSpec::RandomForest { n_trees: 0, .. } => {
                Err(Error::new(ErrorKind::BadSpec, "the forest needs at least 1 tree, got 0"))
            }
            ModelSpec::DecisionTree { max_depth: Some(0), .. } | ModelSpec::RandomForest { max_depth: Some(0), .. } => {
                Err(Error::new(ErrorKind::BadSpec, "max_depth must be at least 1, got 0"))
            }
            ModelSpec::LogisticRegression { max_iter: 0, .. } => {
                Err(Error::new(ErrorKind::BadSpec, "max_iter must be at least 1, got 0"))
            }
            ModelSpec::LogisticRegression { tol, .. } if !(tol.is_finite() && tol > 0.0) => {
                Err(Error::new(ErrorKind::BadSpec, format!("tol must be a positive number, got {tol}")))
            }
            ModelSpec::LogisticRegression { c, .. } if !(c.is_finite() && c > 0.0) => {
                Err(Error::new(ErrorKind::BadSpec, format!("C must be a positive number, got {c}")))
            }
            ModelSpec::NaiveBayes { var_smoothing } if !(var_smoothing.is_finite() && var_smoothing >= 0.0) => {
                Err(Error::new(ErrorKind::BadSpec, format!("var_smoothing must be zero or more, got {var_smoothing}")))
            }
            _ => Ok(()),
        }
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
        self.validate()?;
        match *self {
            ModelSpec::LogisticRegression { c, tol, max_iter } => {
                fit_logistic(x, y, n_classes, c, Lbfgs { grad_tol: tol, max_iter, ..Lbfgs::default() }, class_weight)
            }
            ModelSpec::NaiveBayes { var_smoothing } => Ok(fit_naive_bayes(x, y, n_classes, var_smoothing)),
            ModelSpec::Knn { k } => {
                Ok(FittedModel::Knn { k, n_classes, n_cols: x.n_cols, x: x.values.clone(), y: y.to_vec() })
            }
            ModelSpec::DecisionTree { max_depth, min_samples_leaf } => {
                let params = TreeParams { max_depth, min_samples_leaf, max_features: None };
                let rows: Vec<usize> = (0..x.n_rows).collect();
                Ok(FittedModel::DecisionTree {
                    tree: Tree::fit(x, y, &rows, n_classes, params, class_weight, 0),
                    n_cols: x.n_cols,
                })
            }
            ModelSpec::RandomForest { n_trees, max_depth, seed } => Ok(FittedModel::RandomForest {
                trees: fit_forest(
                    x,
                    y,
                    n_classes,
                    &(0..n_trees).collect::<Vec<_>>(),
                    max_depth,
                    class_weight,
                    seed,
                    control,
                )?,
                n_cols: x.n_cols,
            }),
            ModelSpec::GradientBoosting(ref p) => Ok(FittedModel::GradientBoosting {
                booster: Booster::fit(x, y, n_classes, p, class_weight, control)?,
                n_cols: x.n_cols,
            }),
            ModelSpec::BaselineMostFrequent => {
                let priors = class_priors(y, n_classes);
                let mut proba = vec![0.0; n_classes];
                proba[argmax(&priors)] = 1.0;
                Ok(FittedModel::Constant { proba })
            }
            ModelSpec::BaselineStratified { seed } => {
                Ok(FittedModel::Stratified { priors: class_priors(y, n_classes), seed })
            }
        }
    }
}

/// A fitted model. Fields are private: it is made by [`ModelSpec::fit`] and read back from a model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum FittedModel {
    LogisticRegression {
        /// One row per class for multinomial; a single row (the positive class) for binary.
        coefficients: Vec<Vec<f64>>,
        intercepts: Vec<f64>,
        /// L-BFGS iterations, and whether the gradient fell below tolerance.
        iterations: usize,
        converged: bool,
    },
    NaiveBayes {
        /// Per class: the prior, and each feature's mean and variance.
        priors: Vec<f64>,
        means: Vec<Vec<f64>>,
        variances: Vec<Vec<f64>>,
    },
    /// The training rows themselves (k-NN has no other state): the model
    /// file grows with the training set.
    Knn {
        k: usize,
        n_classes: usize,
        n_cols: usize,
        x: Vec<f64>,
        y: Vec<usize>,
    },
    DecisionTree {
        tree: Tree,
        n_cols: usize,
    },
    RandomForest {
        trees: Vec<Tree>,
        n_cols: usize,
    },
    GradientBoosting {
        booster: Booster,
        n_cols: usize,
    },
    /// The same probabilities for every row.
    Constant {
        proba: Vec<f64>,
    },
    /// A one-hot draw per row from the class priors, seeded by the row's position.
    Stratified {
        priors: Vec<f64>,
        seed: u64,
    },
}

fn default_tol() -> f64 {
    1e-4
}

fn default_max_iter() -> usize {
    1000
}

pub(crate) fn depth_text(d: Option<usize>) -> String {
    d.map_or_else(|| "none".to_string(), |d| d.to_string())
}

fn class_priors(y: &[usize], n_classes: usize) -> Vec<f64> {
    let mut counts = vec![0.0; n_classes];
    for &c in y {
        counts[c] += 1.0;
    }
    counts.iter().map(|c| c / y.len().max(1) as f64).collect()
}

/// Gaussian naive Bayes as scikit-learn fits it: per-class means and
/// population variances, plus `var_smoothing` times the largest variance of
/// any feature over all rows.
fn fit_naive_bayes(x: &Matrix, y: &[usize], n_classes: usize, var_smoothing: f64) -> FittedModel {
    let p = x.n_cols;
    let n = x.n_rows.max(1) as f64;
    let overall_max_var = (0..p)
        .map(|j| {
            let mean = (0..x.n_rows).map(|i| x.row(i)[j]).sum::<f64>() / n;
            (0..x.n_rows).map(|i| (x.row(i)[j] - mean).powi(2)).sum::<f64>() / n
        })
        .fold(0.0, f64::max);
    let epsilon = var_smoothing * overall_max_var;
    let mut counts = vec![0.0; n_classes];
    let mut means = vec![vec![0.0; p]; n_classes];
    for (i, &c) in y.iter().enumerate() {
        counts[c] += 1.0;
        for (m, v) in means[c].iter_mut().zip(x.row(i)) {
            *m += v;
        }
    }
    for (m, &count) in means.iter_mut().zip(&counts) {
        m.iter_mut().for_each(|v| *v /= f64::max(count, 1.0));
    }
    let mut variances = vec![vec![0.0; p]; n_classes];
    for (i, &c) in y.iter().enumerate() {
        for ((s, v), m) in variances[c].iter_mut().zip(x.row(i)).zip(&means[c]) {
            *s += (v - m) * (v - m);
        }
    }
    for (s, &count) in variances.iter_mut().zip(&counts) {
        s.iter_mut().for_each(|v| *v = *v / f64::max(count, 1.0) + epsilon);
    }
    let priors = counts.iter().map(|c| c / n).collect();
    FittedModel::NaiveBayes { priors, means, variances }
}

/// A uniform number in [0, 1) from a seed and a row position: SplitMix64, so
/// the stratified baseline gives each row the same draw on every platform.
fn unit_draw(seed: u64, row: usize) -> f64 {
    let mut z = seed ^ (row as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
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

fn fit_logistic(
    x: &Matrix,
    y: &[usize],
    n_classes: usize,
    c: f64,
    lbfgs: Lbfgs,
    class_weight: Option<&[f64]>,
) -> Result<FittedModel> {
    let blocks = if n_classes == 2 { 1 } else { n_classes };
    let loss = LogisticLoss { x: &x.values, n: x.n_rows, p: x.n_cols, y, blocks, lambda: 1.0 / c, class_weight };
    let m = lbfgs.minimize(&loss, vec![0.0; loss.dim()]);
    let stride = x.n_cols + 1;
    let coefficients: Vec<Vec<f64>> = (0..blocks).map(|k| m.x[k * stride..k * stride + x.n_cols].to_vec()).collect();
    let intercepts: Vec<f64> = (0..blocks).map(|k| m.x[k * stride + x.n_cols]).collect();
    if coefficients.iter().flatten().chain(&intercepts).any(|v| !v.is_finite()) {
        return Err(Error::new(
            ErrorKind::Internal,
            "logistic regression failed: the optimiser produced non-finite coefficients",
        ));
    }
    Ok(FittedModel::LogisticRegression { coefficients, intercepts, iterations: m.iterations, converged: m.converged })
}

impl FittedModel {
    /// What the person should know before trusting the numbers: a fit that
    /// stopped before converging says so, instead of passing as a good one.
    pub fn warnings(&self) -> Vec<String> {
        match self {
            FittedModel::LogisticRegression { converged: false, iterations, .. } => vec![format!(
                "logistic regression did not converge in {iterations} iterations: its coefficients could still change; raise max_iter (--param max_iter=N) or regularise more (a smaller C)"
            )],
            _ => Vec::new(),
        }
    }

    /// How the fit went, when there is something to say (boosting iterations).
    pub fn notes(&self) -> Vec<String> {
        match self {
            FittedModel::GradientBoosting { booster, .. } if booster.stopped_early => vec![format!(
                "gradient boosting stopped early after {} iterations: the validation loss stopped improving",
                booster.n_iter
            )],
            FittedModel::GradientBoosting { booster, .. } => {
                vec![format!("gradient boosting ran {} iterations", booster.n_iter)]
            }
            _ => Vec::new(),
        }
    }

    /// The number of features it takes; `None` when any number will do (baselines).
    pub fn n_features(&self) -> Option<usize> {
        match self {
            FittedModel::LogisticRegression { coefficients, .. } => Some(coefficients.first().map_or(0, Vec::len)),
            FittedModel::NaiveBayes { means, .. } => Some(means.first().map_or(0, Vec::len)),
            FittedModel::Knn { n_cols, .. }
            | FittedModel::DecisionTree { n_cols, .. }
            | FittedModel::RandomForest { n_cols, .. }
            | FittedModel::GradientBoosting { n_cols, .. } => Some(*n_cols),
            FittedModel::Constant { .. } | FittedModel::Stratified { .. } => None,
        }
    }

    /// Class probabilities, one row per matrix row, columns in class order.
    pub fn predict_proba(&self, x: &Matrix) -> Vec<Vec<f64>> {
        match self {
            FittedModel::LogisticRegression { coefficients, intercepts, .. } => (0..x.n_rows)
                .map(|i| {
                    let row = x.row(i);
                    let z: Vec<f64> = coefficients
                        .iter()
                        .zip(intercepts)
                        .map(|(w, b)| w.iter().zip(row).map(|(w, x)| w * x).sum::<f64>() + b)
                        .collect();
                    if z.len() == 1 {
                        let p = sigmoid(z[0]);
                        vec![1.0 - p, p]
                    } else {
                        softmax(&z)
                    }
                })
                .collect(),
            FittedModel::NaiveBayes { priors, means, variances } => (0..x.n_rows)
                .map(|i| {
                    let row = x.row(i);
                    let joint: Vec<f64> = priors
                        .iter()
                        .zip(means.iter().zip(variances))
                        .map(|(prior, (mean, var))| {
                            let ll: f64 = row
                                .iter()
                                .zip(mean.iter().zip(var))
                                .map(|(v, (m, s))| {
                                    -0.5 * libm::log(2.0 * std::f64::consts::PI * s) - 0.5 * (v - m) * (v - m) / s
                                })
                                .sum();
                            if *prior > 0.0 {
                                libm::log(*prior) + ll
                            } else {
                                f64::NEG_INFINITY
                            }
                        })
                        .collect();
                    softmax(&joint)
                })
                .collect(),
            FittedModel::Knn { k, n_classes, n_cols, x: train, y } => (0..x.n_rows)
                .map(|i| {
                    let row = x.row(i);
                    let mut d: Vec<(f64, usize)> = (0..y.len())
                        .map(|j| {
                            let t = &train[j * n_cols..(j + 1) * n_cols];
                            (row.iter().zip(t).map(|(a, b)| (a - b) * (a - b)).sum::<f64>(), j)
                        })
                        .collect();
                    // Nearest first; equal distances in training order, so the choice is stable.
                    let k = (*k).min(d.len());
                    d.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                    let mut proba = vec![0.0; *n_classes];
                    for &(_, j) in &d[..k] {
                        proba[y[j]] += 1.0 / k as f64;
                    }
                    proba
                })
                .collect(),
            FittedModel::DecisionTree { tree, .. } => {
                (0..x.n_rows).map(|i| tree.predict_row(x.row(i)).to_vec()).collect()
            }
            FittedModel::RandomForest { trees, .. } => (0..x.n_rows)
                .map(|i| {
                    let mut proba = vec![0.0; trees[0].predict_row(x.row(i)).len()];
                    for t in trees {
                        for (p, v) in proba.iter_mut().zip(t.predict_row(x.row(i))) {
                            *p += v;
                        }
                    }
                    proba.iter().map(|p| p / trees.len() as f64).collect()
                })
                .collect(),
            FittedModel::GradientBoosting { booster, .. } => booster.predict_proba(x),
            FittedModel::Constant { proba } => vec![proba.clone(); x.n_rows],
            FittedModel::Stratified { priors, seed } => (0..x.n_rows)
                .map(|i| {
                    let u = unit_draw(*seed, i);
                    let mut acc = 0.0;
                    let k = priors.iter().position(|p| {
                        acc += p;
                        u < acc
                    });
                    let k = k.unwrap_or(priors.len() - 1);
                    let mut one_hot = vec![0.0; priors.len()];
                    one_hot[k] = 1.0;
                    one_hot
                })
                .collect(),
        }
    }
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
        let m = ModelSpec::LogisticRegression { c: 1.0, tol: 1e-12, max_iter: 1000 }.fit(&x, &[0, 0, 1, 1], 2).unwrap();
        let FittedModel::LogisticRegression { coefficients, intercepts, converged, .. } = &m else {
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
        let e = ModelSpec::LogisticRegression { c: 0.0, tol: 1e-4, max_iter: 100 }.validate().unwrap_err();
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
        let m = ModelSpec::BaselineMostFrequent.fit(&matrix(5), &[1, 0, 1, 1, 0], 2).unwrap();
        assert_eq!(m.predict_proba(&matrix(2)), vec![vec![0.0, 1.0]; 2]);
    }

    #[test]
    fn stratified_draws_follow_the_priors_and_the_seed() {
        let y: Vec<usize> = (0..1000).map(|i| usize::from(i % 4 == 0)).collect();
        let m = ModelSpec::BaselineStratified { seed: 3 }.fit(&matrix(1000), &y, 2).unwrap();
        let p = m.predict_proba(&matrix(4000));
        let ones = p.iter().filter(|r| r[1] == 1.0).count();
        assert!((900..1100).contains(&ones), "about a quarter: {ones}");
        assert_eq!(p, m.predict_proba(&matrix(4000)));
        let other = ModelSpec::BaselineStratified { seed: 4 }.fit(&matrix(1000), &y, 2).unwrap();
        assert_ne!(p, other.predict_proba(&matrix(4000)));
    }

    #[test]
    fn forest_probabilities_are_the_mean_of_its_trees_leaf_frequencies() {
        let x = Matrix { n_rows: 40, n_cols: 2, values: (0..80).map(|i| ((i * 37) % 23) as f64).collect() };
        let y: Vec<usize> = (0..40).map(|i| (i * 7 % 3) % 2).collect();
        let m = ModelSpec::RandomForest { n_trees: 7, max_depth: Some(3), seed: 1 }.fit(&x, &y, 2).unwrap();
        let FittedModel::RandomForest { trees, .. } = &m else { panic!("forest") };
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
            "unknown model 'svm'; the models are: logistic_regression, knn, naive_bayes, decision_tree, random_forest, gradient_boosting, baseline_most_frequent, baseline_stratified"
        );
    }
}
