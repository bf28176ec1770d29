//! One file per model: its spec, its fitted state, and the contract
//! ([`crate::estimator`]) between them. `crate::registry` lists them.

pub mod baseline;
pub mod decision_tree;
pub mod extra_trees;
pub mod gradient_boosting;
pub mod knn;
pub mod logistic;
pub mod naive_bayes;
pub mod random_forest;
pub mod ridge;
