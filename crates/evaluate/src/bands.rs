//! The spread of the ROC and precision-recall curves over cross-validation
//! folds: each fold's curve read at fixed points (vertical averaging, as
//! Orange and scikit-learn's cross-validated ROC example draw it), then the
//! mean and standard deviation at every point.
//!
//! - ROC: the true-positive rate at false-positive rates 0, 0.01, …, 1,
//!   linearly interpolated between the curve's points (`numpy.interp`), 0
//!   at a false-positive rate of 0 as in scikit-learn's example.
//! - Precision-recall: the interpolated precision (the best precision at
//!   that recall or more) at recalls 0, 0.01, …, 1, so a fold's step curve
//!   is read the way its average precision counts it.

use serde::{Deserialize, Serialize};

use crate::metrics::{PrCurve, RocCurve};

/// Points each curve is read at: 0, 0.01, …, 1.
pub const GRID: usize = 101;

fn grid(i: usize) -> f64 {
    i as f64 / (GRID - 1) as f64
}

/// A ROC curve's true-positive rates at the grid's false-positive rates.
pub fn roc_on_grid(c: &RocCurve) -> Vec<f64> {
    let mut out: Vec<f64> = (0..GRID)
        .map(|i| {
            let x = grid(i);
            // numpy.interp: the last point at or left of x, the first right of it.
            let right = c.fpr.partition_point(|&f| f <= x);
            if right == 0 {
                return c.tpr[0];
            }
            if right == c.fpr.len() {
                return c.tpr[right - 1];
            }
            let (x0, x1, y0, y1) = (c.fpr[right - 1], c.fpr[right], c.tpr[right - 1], c.tpr[right]);
            y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        })
        .collect();
    out[0] = 0.0;
    out
}

/// A precision-recall curve's interpolated precision at the grid's recalls.
pub fn pr_on_grid(c: &PrCurve) -> Vec<f64> {
    (0..GRID)
        .map(|i| {
            let r = grid(i);
            c.recall.iter().zip(&c.precision).filter(|(&rec, _)| rec >= r - 1e-12).map(|(_, &p)| p).fold(0.0, f64::max)
        })
        .collect()
}

/// One fold's curves on the grid, per curve class (the positive class for
/// two classes, every class one-vs-rest otherwise).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldCurves {
    pub roc: Vec<Vec<f64>>,
    pub pr: Vec<Vec<f64>>,
}

impl FoldCurves {
    pub fn of(roc: &[RocCurve], pr: &[PrCurve]) -> FoldCurves {
        FoldCurves { roc: roc.iter().map(roc_on_grid).collect(), pr: pr.iter().map(pr_on_grid).collect() }
    }
}

/// The mean curve and its standard deviation (population, as `numpy.std`) at each grid point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    pub mean: Vec<f64>,
    pub std: Vec<f64>,
}

/// Per curve class, the ROC and precision-recall bands over the folds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurveBands {
    pub roc: Vec<Band>,
    pub pr: Vec<Band>,
}

fn band(series: &[&Vec<f64>]) -> Band {
    let n = series.len().max(1) as f64;
    let mean: Vec<f64> = (0..GRID).map(|i| series.iter().map(|s| s[i]).sum::<f64>() / n).collect();
    let std = (0..GRID).map(|i| (series.iter().map(|s| (s[i] - mean[i]).powi(2)).sum::<f64>() / n).sqrt()).collect();
    Band { mean, std }
}

/// The bands of folds' curves; `None` without folds or when folds disagree on the classes.
pub fn bands(folds: &[&FoldCurves]) -> Option<CurveBands> {
    let first = folds.first()?;
    let k = first.roc.len();
    if folds.iter().any(|f| f.roc.len() != k || f.pr.len() != k) {
        return None;
    }
    let of = |pick: fn(&FoldCurves) -> &Vec<Vec<f64>>| -> Vec<Band> {
        (0..k).map(|c| band(&folds.iter().map(|f| &pick(f)[c]).collect::<Vec<_>>())).collect()
    };
    Some(CurveBands { roc: of(|f| &f.roc), pr: of(|f| &f.pr) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{pr_curve, roc_curve};

    #[test]
    fn a_perfect_curve_reads_one_everywhere_but_the_roc_origin() {
        let (y, s) = ([false, false, true, true], [0.1, 0.2, 0.8, 0.9]);
        let roc = roc_on_grid(&roc_curve(&y, &s));
        assert_eq!(roc[0], 0.0);
        assert!(roc[1..].iter().all(|&t| t == 1.0), "{roc:?}");
        assert!(pr_on_grid(&pr_curve(&y, &s)).iter().all(|&p| p == 1.0));
    }

    #[test]
    fn roc_reads_interpolate_between_points_as_numpy_interp() {
        // fpr 0, 0, 0.5, 0.5, 1 against tpr 0, 0.5, 0.5, 1, 1.
        let (y, s) = ([true, false, true, false], [0.9, 0.8, 0.7, 0.1]);
        let c = roc_curve(&y, &s);
        let g = roc_on_grid(&c);
        assert_eq!((g[25], g[50], g[75]), (0.5, 1.0, 1.0), "{:?} {:?}", c.fpr, c.tpr);
    }

    #[test]
    fn bands_are_the_mean_and_population_std_over_folds() {
        let a = FoldCurves { roc: vec![vec![0.0; GRID]], pr: vec![vec![1.0; GRID]] };
        let b = FoldCurves { roc: vec![vec![1.0; GRID]], pr: vec![vec![1.0; GRID]] };
        let out = bands(&[&a, &b]).unwrap();
        assert_eq!((out.roc[0].mean[3], out.roc[0].std[3]), (0.5, 0.5));
        assert_eq!((out.pr[0].mean[3], out.pr[0].std[3]), (1.0, 0.0));
        assert_eq!(bands(&[]), None);
    }
}
