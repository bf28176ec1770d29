//! The matrix that features produce and models consume, and the one rule
//! that turns probabilities into a class.

/// A dense row-major matrix of features.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    pub n_rows: usize,
    pub n_cols: usize,
    pub values: Vec<f64>,
}

impl Matrix {
    /// A matrix from rows of equal length (for tests and small examples).
    pub fn from_rows(rows: &[&[f64]]) -> Matrix {
        Matrix {
            n_rows: rows.len(),
            n_cols: rows.first().map_or(0, |r| r.len()),
            values: rows.iter().flat_map(|r| r.iter().copied()).collect(),
        }
    }

    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.n_cols..(i + 1) * self.n_cols]
    }

    /// The rows `rows` (indices into this matrix, in that order) as a matrix of their own.
    pub fn select_rows(&self, rows: &[usize]) -> Matrix {
        Matrix {
            n_rows: rows.len(),
            n_cols: self.n_cols,
            values: rows.iter().flat_map(|&r| self.row(r).iter().copied()).collect(),
        }
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
