//! The matrix that features produce and models consume, and the one rule
//! that turns probabilities into a class.

use std::sync::Arc;

/// A dense row-major matrix of features.
///
/// The values sit behind an `Arc` so a model that keeps its training rows
/// (k-NN, as scikit-learn keeps a reference to `X`) shares them instead of
/// copying 8 bytes per value at every fit, and a clone is cheap.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    pub n_rows: usize,
    pub n_cols: usize,
    pub values: Arc<Vec<f64>>,
}

impl Matrix {
    /// A matrix of `n_rows` rows of `n_cols` values, row after row.
    pub fn new(n_rows: usize, n_cols: usize, values: Vec<f64>) -> Matrix {
        debug_assert_eq!(values.len(), n_rows * n_cols);
        Matrix { n_rows, n_cols, values: Arc::new(values) }
    }

    /// A matrix from rows of equal length (for tests and small examples).
    pub fn from_rows(rows: &[&[f64]]) -> Matrix {
        Matrix::new(
            rows.len(),
            rows.first().map_or(0, |r| r.len()),
            rows.iter().flat_map(|r| r.iter().copied()).collect(),
        )
    }

    /// The values to change in place: copied first when another matrix or
    /// model shares them, so a clone changed this way never changes its source.
    pub fn values_mut(&mut self) -> &mut Vec<f64> {
        Arc::make_mut(&mut self.values)
    }

    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.n_cols..(i + 1) * self.n_cols]
    }

    /// The rows `rows` (indices into this matrix, in that order) as a matrix of their own.
    pub fn select_rows(&self, rows: &[usize]) -> Matrix {
        Matrix::new(rows.len(), self.n_cols, rows.iter().flat_map(|&r| self.row(r).iter().copied()).collect())
    }
}

/// The predicted class: with a `threshold` (two classes only), the positive
/// (second) class when its probability is at least the threshold; without,
/// the most probable class ([`argmax`]).
pub fn decide(p: &[f64], threshold: Option<f64>) -> usize {
    match threshold {
        Some(t) if p.len() == 2 => usize::from(p[1] >= t),
        _ => argmax(p),
    }
}

/// The index of the largest probability; ties go to the first class, as `np.argmax`.
pub fn argmax(p: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in p.iter().enumerate() {
        if v > p[best] {
            best = i;
        }
    }
    best
}
