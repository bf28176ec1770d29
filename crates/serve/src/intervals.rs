//! A probability interval for every prediction: inductive Venn–Abers
//! predictors ([`glassbox_evaluate::venn_abers`]) calibrated on the test
//! rows, which the saved model never saw in its fit.
//!
//! Why the test rows: the interval's guarantee needs calibration rows the
//! model was not fitted on and that are exchangeable with the rows it will
//! score. The test rows are both, and using them costs no second fit and
//! takes no rows from the model (holding out part of the training rows would
//! train every saved model on less data). The test metrics are of the
//! model's own probabilities and do not change; the threshold is chosen on
//! the same rows already.
//!
//! Two classes: one predictor, of the positive (second) class; the other
//! class's interval is its complement. More classes: one predictor per class,
//! one-vs-rest on that class's probability.

use serde::{Deserialize, Serialize};

use glassbox_evaluate::venn_abers::{Interval, VennAbers};

/// The interval predictors of a saved model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intervals {
    /// Which rows calibrated them, in words.
    pub calibrated_on: String,
    /// Two classes: one, of the positive class; otherwise one per class.
    pub predictors: Vec<VennAbers>,
}

/// An interval of one class's probability.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassInterval {
    /// The class (an index into the model's classes) the interval is of.
    pub class: usize,
    #[serde(flatten)]
    pub interval: Interval,
}

impl Intervals {
    /// Fits on held-out probabilities and true classes. `None` without rows.
    pub fn fit(proba: &[Vec<f64>], y: &[usize], n_classes: usize, calibrated_on: &str) -> Option<Intervals> {
        let classes: Vec<usize> = if n_classes == 2 { vec![1] } else { (0..n_classes).collect() };
        let predictors = classes
            .iter()
            .map(|&c| {
                let scores: Vec<f64> = proba.iter().map(|p| p[c]).collect();
                let labels: Vec<bool> = y.iter().map(|&t| t == c).collect();
                VennAbers::fit(&scores, &labels)
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Intervals { calibrated_on: calibrated_on.to_string(), predictors })
    }

    /// The interval of class `class` for a row with probabilities `p`.
    pub fn of_class(&self, p: &[f64], class: usize) -> ClassInterval {
        let interval = if self.predictors.len() == 1 {
            let positive = self.predictors[0].interval(p[1]);
            if class == 1 {
                positive
            } else {
                positive.complement()
            }
        } else {
            self.predictors[class].interval(p[class])
        };
        ClassInterval { class, interval }
    }

    /// The interval a prediction reports: of the positive class for two
    /// classes (whatever is predicted, so a column of them is one quantity),
    /// of the predicted class otherwise.
    pub fn reported(&self, p: &[f64], predicted: usize) -> ClassInterval {
        self.of_class(p, if p.len() == 2 { 1 } else { predicted })
    }

    /// How many calibration rows the predictors hold.
    pub fn n(&self) -> u64 {
        self.predictors.first().map_or(0, VennAbers::n)
    }

    /// Whether the predictors fit a model with `n_classes` classes.
    pub fn fits(&self, n_classes: usize) -> bool {
        let want = if n_classes == 2 { 1 } else { n_classes };
        self.predictors.len() == want
    }
}

impl ClassInterval {
    /// The interval of `class` instead: itself, or for two classes the
    /// other class's complement (1 − p, with the ends swapped). A person
    /// reading a row wants the probability of the class predicted for it;
    /// showing the positive class's beside a negative prediction read as
    /// a contradiction ("<=50K" with "probability 0.54 (>50K)").
    pub fn of(&self, class: usize, n_classes: usize) -> Option<Interval> {
        let i = self.interval;
        if class == self.class {
            Some(i)
        } else if n_classes == 2 {
            Some(i.complement())
        } else {
            None
        }
    }
}

/// What the interval means, in the words the CLI help, the README and the
/// app use.
pub const MEANING: &str = "the probability interval comes from a Venn-Abers predictor calibrated on the \
test rows: isotonic calibration of the model's probability with the new row counted once as negative \
and once as positive gives its two ends, and under exchangeability one of them is a calibrated \
probability; the probability column merges them as p1 / (1 - p0 + p1), which always lies inside";

/// The same, shorter, for a person reading predictions.
pub const NOTE: &str = "The probability is calibrated and lies in its interval, a Venn-Abers interval fitted on the \
model's test rows: under exchangeability one of its ends is a calibrated probability, so a wide interval means \
those rows say little about rows scored like this one. For two classes both are of the second class.";
