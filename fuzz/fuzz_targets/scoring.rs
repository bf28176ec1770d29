//! Fuzzes the scoring engines of issue 31 against the plain ways they
//! replaced: a forest scored in blocks of rows, eight walking a tree side by
//! side, must give each row's tree-by-tree sums to the bit, and the tiled
//! k-NN search the neighbours that sorting every distance finds (ties by
//! row), for any shape (no features, one row, more rows than a block), any
//! k (past the training rows too) and any query values (NaN, infinities).
#![no_main]

use std::sync::Arc;

use glassbox_core::control::Control;
use glassbox_core::Matrix;
use glassbox_train::estimator::{Classifier, FitInput};
use glassbox_train::models::knn::FittedKnn;
use glassbox_train::trees::{fit_forest, forest_proba, forest_proba_row_by_row};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = data.iter().copied();
    let mut next = || bytes.next().unwrap_or(0);
    let n_cols = usize::from(next() % 12);
    // Up to 1,276 training rows: more than one chunk of tiles (1,024).
    let n_train = 1 + usize::from(next()) * 5;
    let n_queries = usize::from(next()) * 2;
    let n_classes = 1 + usize::from(next() % 4);
    let k = match next() {
        0 => n_train + 7,
        b => usize::from(b),
    };
    // Few distinct values, so distances tie; the query may hold what training never does.
    let palette = [0.0, 1.0, -1.0, 0.5, 2.0, -3.25, 1e-300, 7.0];
    let query = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 1e300, 3.0, 0.5, -1.0];
    let train: Vec<f64> = (0..n_train * n_cols).map(|_| palette[usize::from(next() % 8)]).collect();
    let y: Vec<usize> = (0..n_train).map(|_| usize::from(next()) % n_classes).collect();
    let queries: Vec<f64> =
        (0..n_queries * n_cols).map(|_| { let b = next(); if b & 8 == 0 { palette[usize::from(b % 8)] } else { query[usize::from(b % 8)] } }).collect();
    let x = Matrix::new(n_train, n_cols, train);
    let q = Matrix::new(n_queries, n_cols, queries);
    let bits = |p: Vec<Vec<f64>>| p.iter().map(|r| r.iter().map(|v| v.to_bits()).collect::<Vec<_>>()).collect::<Vec<_>>();

    let knn = FittedKnn { k, n_classes, n_cols, x: Arc::clone(&x.values), y: y.clone(), values: None };
    if knn.check(n_classes).is_ok() {
        assert_eq!(bits(knn.predict_proba(&q)), bits(knn.predict_proba_by_sorting(&q)), "k-NN classes, k = {k}");
    }
    let values: Vec<f64> = y.iter().map(|&c| c as f64 * 1.25 - 0.5).collect();
    let knn = FittedKnn { y: Vec::new(), n_classes: 1, values: Some(values), ..knn };
    if knn.check(1).is_ok() {
        assert_eq!(bits(knn.predict_proba(&q)), bits(knn.predict_proba_by_sorting(&q)), "k-NN numbers, k = {k}");
    }

    if n_cols > 0 {
        // The forest grows on at most 64 of the rows: fitting is not what is fuzzed.
        let fit_rows: Vec<usize> = (0..n_train.min(64)).collect();
        let (x, y) = (x.select_rows(&fit_rows), &y[..fit_rows.len()]);
        let control = Control::default();
        let input = FitInput { x: &x, y, n_classes, class_weight: None, values: None, control: &control };
        let depth = usize::from(next() % 8);
        let trees = fit_forest(&input, &(0..3).collect::<Vec<_>>(), (depth > 0).then_some(depth), u64::from(next())).unwrap();
        assert_eq!(bits(forest_proba(&trees, &q)), bits(forest_proba_row_by_row(&trees, &q)), "forest");
    }
});
