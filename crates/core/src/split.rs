//! Stratified train/test split, as scikit-learn's `train_test_split(stratify=y)`.
//!
//! The test set has `ceil(test_size * n)` rows. They are allocated to classes
//! in proportion with scikit-learn's `_approximate_mode` rule (floor, then the
//! remaining rows to the classes with the largest remainders), and the rows of
//! each class are drawn with a seeded ChaCha generator, so a seed gives the same
//! split on every platform.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};

/// Which rows train and which rows test, both in ascending order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

/// Splits rows `0..y.len()` with classes `y` (indices into `n_classes`).
pub fn stratified_split(y: &[usize], n_classes: usize, test_size: f64, seed: u64) -> Result<Split> {
    if !(test_size > 0.0 && test_size < 1.0) {
        return Err(Error::new(
            ErrorKind::BadSpec,
            format!("test size must be between 0 and 1 (exclusive), got {test_size}"),
        ));
    }
    let n = y.len();
    let n_test = (test_size * n as f64).ceil() as usize;
    let n_train = n - n_test;
    if n_test < n_classes || n_train < n_classes {
        return Err(Error::new(
            ErrorKind::BadTarget,
            format!(
                "too few rows to split: {n} rows give {n_train} training and {n_test} test rows, but there are {n_classes} classes"
            ),
        ));
    }
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); n_classes];
    for (row, &c) in y.iter().enumerate() {
        by_class[c].push(row);
    }
    let counts: Vec<usize> = by_class.iter().map(Vec::len).collect();
    let test_counts = approximate_mode(&counts, n_test);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut train = Vec::with_capacity(n_train);
    let mut test = Vec::with_capacity(n_test);
    for (rows, &k) in by_class.iter_mut().zip(&test_counts) {
        rows.shuffle(&mut rng);
        test.extend_from_slice(&rows[..k]);
        train.extend_from_slice(&rows[k..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    Ok(Split { train, test })
}

/// Splits rows `0..n` at random, `ceil(test_size * n)` of them to test, as
/// scikit-learn's `train_test_split` without `stratify` (a regression
/// target): a stratified split of one class is exactly that.
pub fn shuffled_split(n: usize, test_size: f64, seed: u64) -> Result<Split> {
    stratified_split(&vec![0; n], 1, test_size, seed)
}

/// Draws `n_draws` from classes with `counts` in proportion: the floor of each
/// class's share, then one more for the classes with the largest remainders
/// (ties to the lower class index). No class gets more rows than it has.
pub fn approximate_mode(counts: &[usize], n_draws: usize) -> Vec<usize> {
    let total: usize = counts.iter().sum();
    let shares: Vec<f64> = counts.iter().map(|&c| n_draws as f64 * c as f64 / total as f64).collect();
    let mut out: Vec<usize> = shares.iter().map(|s| s.floor() as usize).collect();
    let mut need = n_draws - out.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by(|&a, &b| (shares[b] - shares[b].floor()).total_cmp(&(shares[a] - shares[a].floor())).then(a.cmp(&b)));
    while need > 0 {
        let before = need;
        for &i in &order {
            if need == 0 {
                break;
            }
            if out[i] < counts[i] {
                out[i] += 1;
                need -= 1;
            }
        }
        if need == before {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_size_is_ceiling_and_classes_are_proportional() {
        // 357 / 212 like the breast-cancer data: ceil(0.2 * 569) = 114 test rows.
        let y: Vec<usize> = (0..569).map(|i| usize::from(i >= 357)).collect();
        let s = stratified_split(&y, 2, 0.2, 42).unwrap();
        assert_eq!(s.test.len(), 114);
        assert_eq!(s.train.len(), 455);
        assert_eq!(s.test.iter().filter(|&&r| y[r] == 1).count(), 42);
        assert!(s.test.windows(2).all(|w| w[0] < w[1]));
        let mut all: Vec<usize> = s.train.iter().chain(&s.test).copied().collect();
        all.sort();
        assert_eq!(all, (0..569).collect::<Vec<_>>());
    }

    #[test]
    fn same_seed_same_split_other_seed_other_split() {
        let y: Vec<usize> = (0..100).map(|i| i % 3).collect();
        let a = stratified_split(&y, 3, 0.25, 7).unwrap();
        assert_eq!(a, stratified_split(&y, 3, 0.25, 7).unwrap());
        assert_ne!(a, stratified_split(&y, 3, 0.25, 8).unwrap());
    }

    #[test]
    fn approximate_mode_matches_scikit_learn() {
        // Values from sklearn.utils._approximate_mode.
        assert_eq!(approximate_mode(&[152, 124, 68], 69), vec![30, 25, 14]);
        assert_eq!(approximate_mode(&[50, 50, 50], 30), vec![10, 10, 10]);
        assert_eq!(approximate_mode(&[3, 2], 3), vec![2, 1]);
    }

    #[test]
    fn too_few_rows_is_an_error() {
        let e = stratified_split(&[0, 1, 0], 2, 0.2, 1).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadTarget);
        assert!(stratified_split(&[0, 1], 2, 1.5, 1).is_err());
    }
}
