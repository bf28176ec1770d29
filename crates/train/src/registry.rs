//! The one list of models. Each line names a model's spec variant and its
//! name (as the CLI, the app and the leaderboard spell it), the tasks it
//! does, its spec type, and the variant and type of its fitted state. A
//! family that predicts classes and numbers (trees, forests, boosting,
//! k-NN) is one line with one name for both. The macro makes the two
//! enums that serialise into `model.json` (internally tagged by `model`,
//! snake_case, so each variant's JSON is its type's fields after the tag)
//! and their single dispatch. A new model is a file in `models/` and a line
//! here; no other file in the workspace names a model kind (a test checks).
//!
//! A closed enum rather than trait objects: serde needs to know every type
//! to read a model file back, and wasm has no `typetag`/`inventory`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use glassbox_core::task::Task;
use glassbox_core::{Error, ErrorKind, Matrix, Result};

use crate::boosting::BoostParams;
use crate::estimator::{Classifier, Dim, Estimator, FitInput};
use crate::models::baseline::{Constant, FittedStratified, Mean, Median, MostFrequent, Stratified};
use crate::models::decision_tree::{DecisionTree, FittedTree};
use crate::models::extra_trees::ExtraTrees;
use crate::models::gradient_boosting::FittedBoosting;
use crate::models::knn::{FittedKnn, Knn};
use crate::models::logistic::{FittedLogistic, Logistic};
use crate::models::naive_bayes::{FittedNaiveBayes, NaiveBayes};
use crate::models::random_forest::{FittedForest, RandomForest};
use crate::models::ridge::{FittedRidge, Ridge};
use crate::trees::Tree;

macro_rules! registry {
    ($( $variant:ident ( $name:literal, $tasks:expr, $spec:ty ) => $fitted_variant:ident ( $fitted:ty ), )*) => {
        /// What the person chose: the model family and its hyper-parameters.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "model", rename_all = "snake_case")]
        pub enum ModelSpec {
            $( $variant($spec), )*
        }

        /// A fitted model: made by [`ModelSpec::fit`] and read back from a model file.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "model", rename_all = "snake_case")]
        pub enum FittedModel {
            $( $fitted_variant($fitted), )*
        }

        /// Every model name, as the CLI and the leaderboard spell them, in the registry's order.
        pub const MODEL_NAMES: &[&str] = &[$( $name, )*];

        $( impl From<$spec> for ModelSpec {
            fn from(s: $spec) -> ModelSpec {
                ModelSpec::$variant(s)
            }
        } )*

        impl ModelSpec {
            pub fn name(&self) -> &'static str {
                match self { $( ModelSpec::$variant(_) => $name, )* }
            }

            /// The tasks the model does.
            pub fn tasks(&self) -> &'static [Task] {
                match self { $( ModelSpec::$variant(_) => $tasks, )* }
            }

            /// The model called `name` with its default hyper-parameters.
            pub fn by_name(name: &str, seed: u64) -> Result<ModelSpec> {
                match name {
                    $( $name => Ok(ModelSpec::$variant(<$spec as Estimator>::with_seed(seed))), )*
                    other => Err(Error::new(
                        ErrorKind::BadSpec,
                        format!("unknown model '{other}'; the models are: {}", MODEL_NAMES.join(", ")),
                    )),
                }
            }

            /// The hyper-parameters as `name = value` text, for reports of a classifier.
            pub fn params_text(&self) -> String {
                self.params_text_for(Task::Classification)
            }

            /// The hyper-parameters as `name = value` text, for reports of a run of `task`.
            pub fn params_text_for(&self, task: Task) -> String {
                match self { $( ModelSpec::$variant(s) => s.describe(task), )* }
            }

            /// Refuses hyper-parameters out of range.
            pub fn validate(&self) -> Result<()> {
                match self { $( ModelSpec::$variant(s) => s.check(), )* }
            }

            /// The dimensions a search explores.
            pub fn space(&self) -> Vec<Dim> {
                match self { $( ModelSpec::$variant(s) => s.space(), )* }
            }

            /// The model with these searched values.
            pub fn with_params(&self, p: &BTreeMap<String, f64>) -> ModelSpec {
                match self { $( ModelSpec::$variant(s) => ModelSpec::$variant(s.with_params(p)), )* }
            }

            /// How many independent trees the model is made of, if it is a forest.
            pub fn trees(&self) -> Option<usize> {
                match self { $( ModelSpec::$variant(s) => s.trees(), )* }
            }

            /// Grows trees `indices` of a forest as its whole fit would.
            pub fn fit_trees(&self, input: &FitInput<'_>, indices: &[usize]) -> Result<Vec<Tree>> {
                self.validate()?;
                match self { $( ModelSpec::$variant(s) => s.fit_trees(input, indices), )* }
            }

            /// The fitted forest from all its trees, in index order; `None`
            /// when the model is no forest or the trees are not all there.
            pub fn forest_of(&self, trees: Vec<Tree>, n_cols: usize) -> Option<FittedModel> {
                match self { $( ModelSpec::$variant(s) => s.forest_of(trees, n_cols).map(FittedModel::$fitted_variant), )* }
            }

            pub(crate) fn fit_input(&self, input: &FitInput<'_>) -> Result<FittedModel> {
                self.validate()?;
                self.does(input.task())?;
                let fitted = match self { $( ModelSpec::$variant(s) => s.fit(input).map(FittedModel::$fitted_variant), )* }?;
                fitted.sound(self.name(), input.n_classes)?;
                Ok(fitted)
            }
        }

        impl FittedModel {
            fn classifier(&self) -> &dyn Classifier {
                match self { $( FittedModel::$fitted_variant(f) => f, )* }
            }
        }
    };
}

const CLASSES: &[Task] = &[Task::Classification];
const NUMBERS: &[Task] = &[Task::Regression];
const BOTH: &[Task] = &[Task::Classification, Task::Regression];

registry! {
    LogisticRegression("logistic_regression", CLASSES, Logistic) => LogisticRegression(FittedLogistic),
    Knn("knn", BOTH, Knn) => Knn(FittedKnn),
    NaiveBayes("naive_bayes", CLASSES, NaiveBayes) => NaiveBayes(FittedNaiveBayes),
    DecisionTree("decision_tree", BOTH, DecisionTree) => DecisionTree(FittedTree),
    RandomForest("random_forest", BOTH, RandomForest) => RandomForest(FittedForest),
    ExtraTrees("extra_trees", BOTH, ExtraTrees) => ExtraTrees(FittedForest),
    GradientBoosting("gradient_boosting", BOTH, BoostParams) => GradientBoosting(FittedBoosting),
    BaselineMostFrequent("baseline_most_frequent", CLASSES, MostFrequent) => Constant(Constant),
    BaselineStratified("baseline_stratified", CLASSES, Stratified) => Stratified(FittedStratified),
    Ridge("ridge", NUMBERS, Ridge) => Ridge(FittedRidge),
    BaselineMean("baseline_mean", NUMBERS, Mean) => Mean(Constant),
    BaselineMedian("baseline_median", NUMBERS, Median) => Median(Constant),
}

/// The models that do `task`, in the registry's order.
pub fn model_names(task: Task) -> Vec<&'static str> {
    MODEL_NAMES.iter().copied().filter(|n| ModelSpec::by_name(n, 0).is_ok_and(|m| m.tasks().contains(&task))).collect()
}

impl ModelSpec {
    /// The model a run of `task` starts from: logistic regression for
    /// classes, ridge for numbers.
    pub fn default_for(task: Task) -> ModelSpec {
        match task {
            Task::Classification => ModelSpec::LogisticRegression(Logistic::default()),
            Task::Regression => ModelSpec::Ridge(Ridge::with_seed(0)),
        }
    }

    /// Refuses a task the model does not do, naming the models that do it.
    pub fn does(&self, task: Task) -> Result<()> {
        if self.tasks().contains(&task) {
            return Ok(());
        }
        let what = match task {
            Task::Classification => "classes",
            Task::Regression => "numbers",
        };
        Err(Error::new(
            ErrorKind::BadSpec,
            format!(
                "{} does not predict {what}; the models that do are: {}",
                self.name().replace('_', " "),
                model_names(task).join(", ")
            ),
        ))
    }
}

impl FittedModel {
    /// What the person should know before trusting the numbers.
    pub fn warnings(&self) -> Vec<String> {
        self.classifier().warnings()
    }

    /// How the fit went, when there is something to say (boosting iterations).
    pub fn notes(&self) -> Vec<String> {
        self.classifier().notes()
    }

    /// The number of features it takes; `None` when any number will do (baselines).
    pub fn n_features(&self) -> Option<usize> {
        self.classifier().n_features()
    }

    /// Class probabilities, one row per matrix row, columns in class order.
    pub fn predict_proba(&self, x: &Matrix) -> Vec<Vec<f64>> {
        self.classifier().predict_proba(x)
    }

    /// The margins of a linear model, for exact explanations; `None` otherwise.
    pub fn linear(&self) -> Option<crate::estimator::Linear<'_>> {
        self.classifier().linear()
    }

    /// The fitted arrays agree with the classes and each other (see `Classifier::check`).
    pub fn check(&self, n_classes: usize) -> std::result::Result<(), String> {
        self.classifier().check(n_classes)
    }

    /// [`FittedModel::check`] on a model just fitted: what a model file
    /// must pass to be read, a fit must pass to be used, so a leaf of 0/0
    /// (a random forest once made them) is an internal error with its
    /// place named, never a NaN probability shown or a model file written
    /// that cannot be read back.
    pub fn sound(&self, name: &str, n_classes: usize) -> Result<()> {
        self.check(n_classes).map_err(|why| {
            crate::error::Error::new(
                crate::error::ErrorKind::Internal,
                format!("the fitted {} is unsound ({why}): a bug in Glassbox, not in the data", name.replace('_', " ")),
            )
        })
    }

    /// A tree model's output for `class` as trees, for exact explanations; `None` otherwise.
    pub fn tree_ensemble(&self, class: usize) -> Option<glassbox_core::tree::TreeEnsemble> {
        self.classifier().tree_ensemble(class)
    }

    /// Whether the output is the exp of the trees' sum (boosting with the
    /// Poisson loss). Asked of the fitted model, not the run's spec: CQR's
    /// quantile models sit beside a Poisson point model without its link.
    pub fn log_link(&self) -> bool {
        matches!(self, FittedModel::GradientBoosting(f) if f.booster.loss == Some(crate::boosting::Loss::Poisson))
    }
}
