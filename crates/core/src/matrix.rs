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
