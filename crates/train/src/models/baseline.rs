//! The floors every model must beat, as scikit-learn's `DummyClassifier`:
//! always the most frequent training class, or random classes in the
//! training proportions; and for a number, as `DummyRegressor`: always the
//! training mean, or the training median.

use serde::{Deserialize, Serialize};

use glassbox_core::{argmax, Matrix, Result};

use crate::estimator::{Classifier, Estimator, FitInput};

/// `DummyClassifier(strategy="most_frequent")`: probability 1 for the most
/// frequent training class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MostFrequent {}

/// `DummyClassifier(strategy="stratified")`, drawn from a seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stratified {
    pub seed: u64,
}

/// `DummyRegressor(strategy="mean")`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mean {}

/// `DummyRegressor(strategy="median")`: the middle value, or the mean of
/// the two middle values (numpy's median).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Median {}

/// The same probabilities for every row (for a regressor, the same one number).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Constant {
    pub proba: Vec<f64>,
}

/// A one-hot draw per row from the class priors, seeded by the row's position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedStratified {
    pub priors: Vec<f64>,
    pub seed: u64,
}

fn class_priors(y: &[usize], n_classes: usize) -> Vec<f64> {
    let mut counts = vec![0.0; n_classes];
    for &c in y {
        counts[c] += 1.0;
    }
    counts.iter().map(|c| c / y.len().max(1) as f64).collect()
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

impl Estimator for MostFrequent {
    type Fitted = Constant;

    fn with_seed(_seed: u64) -> Self {
        MostFrequent {}
    }

    fn describe(&self, _task: glassbox_core::task::Task) -> String {
        "none".to_string()
    }

    fn fit(&self, input: &FitInput<'_>) -> Result<Constant> {
        let priors = class_priors(input.y, input.n_classes);
        let mut proba = vec![0.0; input.n_classes];
        proba[argmax(&priors)] = 1.0;
        Ok(Constant { proba })
    }
}

impl Classifier for Constant {
    fn check(&self, n_classes: usize) -> std::result::Result<(), String> {
        crate::estimator::check_class_values("the constant probabilities", &self.proba, n_classes)
    }

    fn predict_proba(&self, x: &Matrix) -> Vec<Vec<f64>> {
        vec![self.proba.clone(); x.n_rows]
    }

    fn n_features(&self) -> Option<usize> {
        None
    }
}

/// The mean of `values`, summed in a power-of-two scale so a target of
/// huge magnitude (1e300) gives its mean, not infinity.
pub fn mean(values: &[f64]) -> f64 {
    let scale = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if scale == 0.0 || values.is_empty() {
        return 0.0;
    }
    // 2^-e with 2^e at or above the largest magnitude: exact, and the sum
    // of n scaled values stays below n.
    let e = libm::ilogb(scale) + 1;
    let down = libm::ldexp(1.0, -e);
    libm::ldexp(values.iter().map(|v| v * down).sum::<f64>() / values.len() as f64, e)
}

/// numpy's median: the middle value, or the mean of the two middle values.
pub fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        v[n / 2 - 1] / 2.0 + v[n / 2] / 2.0
    }
}

impl Estimator for Mean {
    type Fitted = Constant;

    fn with_seed(_seed: u64) -> Self {
        Mean {}
    }

    fn describe(&self, _task: glassbox_core::task::Task) -> String {
        "the training mean".to_string()
    }

    fn fit(&self, input: &FitInput<'_>) -> Result<Constant> {
        Ok(Constant { proba: vec![mean(input.numbers()?)] })
    }
}

impl Estimator for Median {
    type Fitted = Constant;

    fn with_seed(_seed: u64) -> Self {
        Median {}
    }

    fn describe(&self, _task: glassbox_core::task::Task) -> String {
        "the training median".to_string()
    }

    fn fit(&self, input: &FitInput<'_>) -> Result<Constant> {
        Ok(Constant { proba: vec![median(input.numbers()?)] })
    }
}

impl Estimator for Stratified {
    type Fitted = FittedStratified;

    fn with_seed(seed: u64) -> Self {
        Stratified { seed }
    }

    fn describe(&self, _task: glassbox_core::task::Task) -> String {
        format!("seed = {}", self.seed)
    }

    fn fit(&self, input: &FitInput<'_>) -> Result<FittedStratified> {
        Ok(FittedStratified { priors: class_priors(input.y, input.n_classes), seed: self.seed })
    }
}

impl Classifier for FittedStratified {
    fn check(&self, n_classes: usize) -> std::result::Result<(), String> {
        crate::estimator::check_class_values("the priors", &self.priors, n_classes)
    }

    fn predict_proba(&self, x: &Matrix) -> Vec<Vec<f64>> {
        let priors = &self.priors;
        (0..x.n_rows)
            .map(|i| {
                let u = unit_draw(self.seed, i);
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
            .collect()
    }

    fn n_features(&self) -> Option<usize> {
        None
    }
}
