//! The ROC curve: shared by evaluation (the report's curves and AUC) and by
//! ingest's profiling (a column that alone separates the classes is flagged
//! by its AUC), so it lives below both.

use serde::{Deserialize, Serialize};

/// One ROC curve, as `sklearn.metrics.roc_curve` with `drop_intermediate=True`.
/// The first threshold is +infinity, written as `null` in JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RocCurve {
    pub fpr: Vec<f64>,
    pub tpr: Vec<f64>,
    pub thresholds: Vec<Option<f64>>,
    pub auc: f64,
}

/// Cumulative true and false positives at each distinct score, highest
/// score first: scikit-learn's `_binary_clf_curve`, which both the ROC and
/// the precision-recall curve are made from.
#[derive(Debug, Clone, PartialEq)]
pub struct BinaryCounts {
    pub tps: Vec<f64>,
    pub fps: Vec<f64>,
    /// The distinct scores, decreasing.
    pub thresholds: Vec<f64>,
}

/// [`BinaryCounts`] of binary truth `positive` against `score`.
pub fn binary_counts(positive: &[bool], score: &[f64]) -> BinaryCounts {
    let n = score.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    // Cumulative true and false positives at the last index of each distinct score.
    let mut tps = Vec::new();
    let mut fps = Vec::new();
    let mut thresholds = Vec::new();
    let mut tp = 0.0;
    for (i, &r) in order.iter().enumerate() {
        if positive[r] {
            tp += 1.0;
        }
        let last_of_value = i + 1 == n || score[order[i + 1]] != score[r];
        if last_of_value {
            tps.push(tp);
            fps.push((i + 1) as f64 - tp);
            thresholds.push(score[r]);
        }
    }
    BinaryCounts { tps, fps, thresholds }
}

/// ROC curve of binary truth `positive` against `score`, with the same points
/// and thresholds as `sklearn.metrics.roc_curve(drop_intermediate=True)`.
pub fn roc_curve(positive: &[bool], score: &[f64]) -> RocCurve {
    let BinaryCounts { tps, fps, thresholds: thr } = binary_counts(positive, score);
    // drop_intermediate: keep the ends and every point where the curve bends.
    let keep: Vec<usize> = (0..tps.len())
        .filter(|&i| {
            i == 0
                || i + 1 == tps.len()
                || (fps[i + 1] - fps[i]) - (fps[i] - fps[i - 1]) != 0.0
                || (tps[i + 1] - tps[i]) - (tps[i] - tps[i - 1]) != 0.0
        })
        .collect();
    let mut t_keep = vec![0.0];
    let mut f_keep = vec![0.0];
    let mut thresholds = vec![None];
    for &i in &keep {
        t_keep.push(tps[i]);
        f_keep.push(fps[i]);
        thresholds.push(Some(thr[i]));
    }
    let (p, f) = (*t_keep.last().unwrap_or(&0.0), *f_keep.last().unwrap_or(&0.0));
    // With no positives (or no negatives) scikit-learn warns and returns NaN rates;
    // 0 keeps the curve drawable, and `auc` below reports NaN for it.
    let fpr: Vec<f64> = f_keep.iter().map(|v| ratio(*v, f)).collect();
    let tpr: Vec<f64> = t_keep.iter().map(|v| ratio(*v, p)).collect();
    let auc = if p == 0.0 || f == 0.0 { f64::NAN } else { trapezoid(&fpr, &tpr) };
    RocCurve { fpr, tpr, thresholds, auc }
}

fn trapezoid(x: &[f64], y: &[f64]) -> f64 {
    x.windows(2).zip(y.windows(2)).map(|(x, y)| (x[1] - x[0]) * (y[1] + y[0]) / 2.0).sum()
}

/// `a / b`, or 0 when `b` is 0 (scikit-learn's `zero_division` default).
pub fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}
