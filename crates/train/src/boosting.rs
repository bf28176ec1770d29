//! Gradient-boosted trees on binned features, the family of LightGBM and
//! scikit-learn's `HistGradientBoostingClassifier`, whose defaults and rules
//! this follows:
//!
//! - Each feature is cut into at most `max_bins` bins at quantiles of the
//!   training values (midpoints between neighbouring distinct values when
//!   there are few), so a split is a bin index and finding one is a scan over
//!   a histogram of gradient sums rather than a sort.
//! - Trees grow best-first (the leaf whose split gains most is split next)
//!   up to `max_leaf_nodes` leaves, with `min_samples_leaf` rows per leaf and
//!   an L2 penalty on leaf values; a child's histogram is the parent's minus
//!   its sibling's, so only the smaller child is counted.
//! - The loss is the log loss: one tree per iteration for two classes (on the
//!   log-odds), one tree per class per iteration for more (on softmax scores).
//!   Fitted on numbers (`HistGradientBoostingRegressor`), one tree per
//!   iteration on the squared error (the default), the absolute error (each
//!   leaf then set to the median of its rows' residuals, scikit-learn's
//!   `_update_leaves_values`) or the Poisson deviance (a log link, for counts).
//! - Early stopping holds out a stratified `validation_fraction` of the
//!   training rows and stops when the validation loss has not improved by
//!   more than `tol` over `n_iter_no_change` iterations; `auto` turns it on
//!   above 10,000 rows, as scikit-learn does.
//!
//! Written here, not taken from a crate: `perpetual` and `forust-ml` were
//! evaluated (see ARCHITECTURE.md). Every transcendental function is `libm`'s
//! and every sum runs in a fixed order, so the browser and the CLI grow the
//! same trees from the same seed.

use serde::{Deserialize, Serialize};

use crate::control::Control;
use crate::error::{Error, ErrorKind, Result};
use crate::optim::{sigmoid, softmax, softplus};
use glassbox_core::tree::{FlatNode, FlatTree, TreeEnsemble};
use glassbox_core::Matrix;

/// When to stop early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EarlyStopping {
    /// On when there are more than 10,000 training rows.
    Auto,
    On,
    Off,
}

/// The loss a regressor minimises (a classifier's is always the log loss).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    SquaredError,
    AbsoluteError,
    /// For counts and other non-negative numbers: the raw score is the log of the prediction.
    Poisson,
    /// The pinball loss at [`BoostParams::quantile`]: the prediction is that
    /// quantile of the target given the features, as scikit-learn's
    /// `loss="quantile"` (conformalized quantile regression fits two).
    Quantile,
}

impl Loss {
    pub fn as_str(self) -> &'static str {
        match self {
            Loss::SquaredError => "squared_error",
            Loss::AbsoluteError => "absolute_error",
            Loss::Poisson => "poisson",
            Loss::Quantile => "quantile",
        }
    }

    /// The mean loss of raw scores against numbers: half the squared error,
    /// the absolute error, the half Poisson deviance up to a constant, or
    /// the pinball loss at quantile `q`.
    fn mean(self, raw: &[f64], y: &[f64], q: f64) -> f64 {
        let total: f64 = raw
            .iter()
            .zip(y)
            .map(|(&r, &y)| match self {
                Loss::SquaredError => 0.5 * (r - y) * (r - y),
                Loss::AbsoluteError => (r - y).abs(),
                Loss::Poisson => libm::exp(r) - y * r,
                Loss::Quantile if y >= r => q * (y - r),
                Loss::Quantile => (1.0 - q) * (r - y),
            })
            .sum();
        total / y.len().max(1) as f64
    }

    /// The gradient and hessian of the loss at raw score `r` for number `y`
    /// (the pinball loss's at quantile `q`, with scikit-learn's constant
    /// hessian: its leaves' values are set afterwards, as the absolute
    /// error's are).
    fn gradients(self, r: f64, y: f64, q: f64) -> (f64, f64) {
        match self {
            Loss::SquaredError => (r - y, 1.0),
            Loss::AbsoluteError => (
                if r > y {
                    1.0
                } else if r < y {
                    -1.0
                } else {
                    0.0
                },
                1.0,
            ),
            Loss::Poisson => {
                let e = libm::exp(r);
                (e - y, e)
            }
            // Rounded through f32 as scikit-learn stores gradients: its
            // trees' first splits then match Glassbox's on the same rows.
            Loss::Quantile => (if y >= r { -q } else { 1.0 - q } as f32 as f64, 1.0),
        }
    }

    /// The quantile a loss's leaves and baseline take of the residuals: the
    /// median for the absolute error, `q` for the pinball loss; `None` when
    /// the gradient step's own value stands.
    fn leaf_quantile(self, q: f64) -> Option<f64> {
        match self {
            Loss::AbsoluteError => Some(0.5),
            Loss::Quantile => Some(q),
            Loss::SquaredError | Loss::Poisson => None,
        }
    }
}

/// The `q`-quantile of `values` as scikit-learn's losses take it without
/// sample weights: `numpy.median` at 0.5 (the mean of the two middle values
/// of an even count) and `numpy.percentile(values, 100·q)` otherwise
/// (linear between the two values around position `(n − 1)·q`, with
/// NumPy's two-sided lerp, so the same rows give the same bits).
fn quantile_of(values: &mut [f64], q: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if q == 0.5 {
        return if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 };
    }
    let at = (n - 1) as f64 * ((100.0 * q) / 100.0);
    let below = (at.floor() as usize).min(n - 1);
    let above = (below + 1).min(n - 1);
    let (a, b, t) = (values[below], values[above], at - below as f64);
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// The hyper-parameters, with scikit-learn's names and defaults.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BoostParams {
    pub learning_rate: f64,
    pub max_iter: usize,
    pub max_leaf_nodes: usize,
    pub max_depth: Option<usize>,
    pub min_samples_leaf: usize,
    pub l2_regularization: f64,
    pub max_bins: usize,
    pub early_stopping: EarlyStopping,
    pub validation_fraction: f64,
    pub n_iter_no_change: usize,
    pub tol: f64,
    pub seed: u64,
    /// A regressor's loss; `None` is the task's default (the log loss for
    /// classes, the squared error for numbers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss: Option<Loss>,
    /// The quantile the `quantile` loss predicts, between 0 and 1; only with that loss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantile: Option<f64>,
}

impl BoostParams {
    pub fn new(seed: u64) -> BoostParams {
        BoostParams {
            learning_rate: 0.1,
            max_iter: 100,
            max_leaf_nodes: 31,
            max_depth: None,
            min_samples_leaf: 20,
            l2_regularization: 0.0,
            max_bins: 255,
            early_stopping: EarlyStopping::Auto,
            validation_fraction: 0.1,
            n_iter_no_change: 10,
            tol: 1e-7,
            seed,
            loss: None,
            quantile: None,
        }
    }

    /// These parameters with the pinball loss at quantile `q`: one of the two
    /// models conformalized quantile regression fits.
    pub fn at_quantile(&self, q: f64) -> BoostParams {
        BoostParams { loss: Some(Loss::Quantile), quantile: Some(q), ..*self }
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::new(ErrorKind::BadSpec, m));
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return bad(format!("learning_rate must be a positive number, got {}", self.learning_rate));
        }
        if self.max_iter == 0 {
            return bad("max_iter must be at least 1, got 0".into());
        }
        if self.max_leaf_nodes < 2 {
            return bad(format!("max_leaf_nodes must be at least 2, got {}", self.max_leaf_nodes));
        }
        if self.max_depth == Some(0) {
            return bad("max_depth must be at least 1, got 0".into());
        }
        if self.min_samples_leaf == 0 {
            return bad("min_samples_leaf must be at least 1, got 0".into());
        }
        if !(self.l2_regularization.is_finite() && self.l2_regularization >= 0.0) {
            return bad(format!("l2_regularization must be zero or more, got {}", self.l2_regularization));
        }
        if !(2..=255).contains(&self.max_bins) {
            return bad(format!("max_bins must be between 2 and 255, got {}", self.max_bins));
        }
        if !(self.validation_fraction > 0.0 && self.validation_fraction < 1.0) {
            return bad(format!("validation_fraction must be between 0 and 1, got {}", self.validation_fraction));
        }
        if self.n_iter_no_change == 0 {
            return bad("n_iter_no_change must be at least 1, got 0".into());
        }
        match (self.loss, self.quantile) {
            (Some(Loss::Quantile), None) => {
                return bad(
                    "the quantile loss needs the quantile to predict: set quantile to a number between 0 and 1".into()
                )
            }
            (Some(Loss::Quantile), Some(q)) if !(q > 0.0 && q < 1.0) => {
                return bad(format!("quantile must be between 0 and 1, got {q}"))
            }
            (loss, Some(_)) if loss != Some(Loss::Quantile) => {
                return bad("quantile is for the quantile loss: set loss to quantile as well".into())
            }
            _ => {}
        }
        Ok(())
    }

    pub fn text(&self) -> String {
        let es = match self.early_stopping {
            EarlyStopping::Auto => "auto",
            EarlyStopping::On => "on",
            EarlyStopping::Off => "off",
        };
        let quantile = self.quantile.map(|q| format!("quantile = {q}, ")).unwrap_or_default();
        let loss = self.loss.map(|l| format!("loss = {}, {quantile}", l.as_str())).unwrap_or_default();
        format!(
            "{loss}learning_rate = {}, max_iter = {}, max_leaf_nodes = {}, max_depth = {}, min_samples_leaf = {}, l2_regularization = {}, max_bins = {}, early_stopping = {es}, validation_fraction = {}, n_iter_no_change = {}, seed = {}",
            self.learning_rate,
            self.max_iter,
            self.max_leaf_nodes,
            crate::models::decision_tree::depth_text(self.max_depth),
            self.min_samples_leaf,
            self.l2_regularization,
            self.max_bins,
            self.validation_fraction,
            self.n_iter_no_change,
            self.seed
        )
    }
}

/// A node of a boosted tree: a split on a raw feature value, or a leaf's
/// contribution to the raw score (already scaled by the learning rate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum BoostNode {
    Split {
        feature: usize,
        threshold: f64,
        left: usize,
        right: usize,
        /// The training rows that reached the node (0 in files before format 4).
        #[serde(default)]
        cover: f64,
    },
    Leaf {
        value: f64,
        #[serde(default)]
        cover: f64,
    },
}

/// The fitted ensemble.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Booster {
    /// The starting raw score: log-odds of the prior for two classes, log priors for more.
    baseline: Vec<f64>,
    /// Per iteration, one tree per raw score (1 for binary, K for K classes).
    trees: Vec<Vec<Vec<BoostNode>>>,
    /// Iterations run, and whether early stopping ended them.
    pub n_iter: usize,
    pub stopped_early: bool,
    /// The validation loss after each iteration, when early stopping was on.
    pub validation_loss: Vec<f64>,
    /// A regressor's loss (its baseline and trees give one raw score, the
    /// prediction, or its log for Poisson); `None` for a classifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loss: Option<Loss>,
}

/// Bin edges of one feature: values `<= edges[b]` (and above the previous edge) fall in bin `b`.
fn bin_edges(values: &mut [f64], max_bins: usize) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    let mut distinct: Vec<f64> = Vec::new();
    for &v in values.iter() {
        if distinct.last() != Some(&v) {
            distinct.push(v);
        }
    }
    if distinct.len() <= max_bins {
        return distinct.windows(2).map(|w| w[0] + (w[1] - w[0]) / 2.0).collect();
    }
    // numpy.percentile(method="midpoint") at max_bins - 1 evenly spaced inner percentiles.
    let n = values.len();
    let mut edges: Vec<f64> = (1..max_bins)
        .map(|i| {
            let pos = i as f64 / max_bins as f64 * (n - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            values[lo] + (values[hi] - values[lo]) / 2.0
        })
        .collect();
    edges.dedup();
    edges
}

fn bin_of(edges: &[f64], v: f64) -> u8 {
    // The number of edges strictly below v: numpy.searchsorted(edges, v, side="left").
    edges.partition_point(|&e| e < v) as u8
}

/// Rows binned, one byte per value, column by column: a histogram is built
/// one feature at a time, so the 256 bins being added to stay in the
/// fastest cache (row by row, every row would touch all features' bins).
struct Binned {
    n_cols: usize,
    n_rows: usize,
    bins: Vec<u8>,
}

impl Binned {
    fn new(x: &Matrix, rows: &[usize], edges: &[Vec<f64>]) -> Binned {
        let mut bins = Vec::with_capacity(rows.len() * x.n_cols);
        for (f, e) in edges.iter().enumerate() {
            bins.extend(rows.iter().map(|&r| bin_of(e, x.row(r)[f])));
        }
        Binned { n_cols: x.n_cols, n_rows: rows.len(), bins }
    }

    fn column(&self, f: usize) -> &[u8] {
        &self.bins[f * self.n_rows..(f + 1) * self.n_rows]
    }
}

#[derive(Clone, Copy, Default)]
struct Bin {
    g: f64,
    h: f64,
    n: u32,
}

/// Histograms for every feature of one node, 256 bins each.
type Histogram = Vec<Bin>;

#[derive(Clone, Copy)]
struct SplitChoice {
    gain: f64,
    feature: usize,
    bin: u8,
    /// The left child's gradient and hessian sums, from the histogram.
    g_left: f64,
    h_left: f64,
}

struct GrowingLeaf {
    start: usize,
    end: usize,
    g: f64,
    h: f64,
    depth: usize,
    node: usize,
    hist: Option<Histogram>,
    split: Option<SplitChoice>,
}

/// A grown tree's leaves: each one's node, rows and value.
type LeafRows = Vec<(usize, Vec<usize>, f64)>;

struct TreeGrower<'a> {
    binned: &'a Binned,
    edges: &'a [Vec<f64>],
    g: &'a [f64],
    h: &'a [f64],
    p: &'a BoostParams,
}

impl TreeGrower<'_> {
    fn histogram(&self, rows: &[usize]) -> Histogram {
        let n_cols = self.binned.n_cols;
        let mut hist = vec![Bin::default(); n_cols * 256];
        // The node's gradients gathered once, in row order, for every feature's pass.
        let gh: Vec<(f64, f64)> = rows.iter().map(|&r| (self.g[r], self.h[r])).collect();
        for (f, bins) in hist.chunks_exact_mut(256).enumerate() {
            let column = self.binned.column(f);
            for (&r, &(g, h)) in rows.iter().zip(&gh) {
                let cell = &mut bins[column[r] as usize];
                cell.g += g;
                cell.h += h;
                cell.n += 1;
            }
        }
        hist
    }

    fn score(&self, g: f64, h: f64) -> f64 {
        g * g / (h + self.p.l2_regularization)
    }

    /// The best split of a leaf from its histogram: the first feature, then
    /// the first bin, among equal gains.
    fn best_split(&self, hist: &Histogram, g: f64, h: f64, n: usize) -> Option<SplitChoice> {
        let min_leaf = self.p.min_samples_leaf as u32;
        let parent = self.score(g, h);
        let mut best: Option<SplitChoice> = None;
        for f in 0..self.binned.n_cols {
            let n_bins = self.edges[f].len() + 1;
            let (mut gl, mut hl, mut nl) = (0.0, 0.0, 0u32);
            for b in 0..n_bins - 1 {
                let cell = hist[f * 256 + b];
                // An empty bin moves nothing from right to left: the split
                // after it equals the one before it, which was already tried.
                if cell.n == 0 {
                    continue;
                }
                gl += cell.g;
                hl += cell.h;
                nl += cell.n;
                let nr = n as u32 - nl;
                if nl < min_leaf {
                    continue;
                }
                if nr < min_leaf {
                    break;
                }
                let (gr, hr) = (g - gl, h - hl);
                // scikit-learn's min_hessian_to_split: no leaf on almost no curvature.
                if hl < 1e-3 || hr < 1e-3 {
                    continue;
                }
                let children = self.score(gl, hl) + self.score(gr, hr);
                let gain = children - parent;
                // A gain within rounding of zero is no gain: a node whose rows
                // all have the same gradient (every row above a quantile
                // model's prediction) would otherwise split on the last bits
                // of its sums.
                if gain > best.map_or(0.0, |s| s.gain) && gain > 1e-12 * children {
                    best = Some(SplitChoice { gain, feature: f, bin: b as u8, g_left: gl, h_left: hl });
                }
            }
        }
        best
    }

    fn leaf_value(&self, g: f64, h: f64) -> f64 {
        -self.p.learning_rate * g / (h + self.p.l2_regularization + 1e-15)
    }

    fn can_split(&self, leaf: &GrowingLeaf) -> bool {
        leaf.end - leaf.start >= 2 * self.p.min_samples_leaf && self.p.max_depth.is_none_or(|d| leaf.depth < d)
    }

    /// Grows one tree on `order` (the rows it sees, permuted in place so each
    /// leaf's rows are contiguous); returns the tree and each leaf's rows with its value.
    fn grow(&self, order: &mut [usize]) -> (Vec<BoostNode>, LeafRows) {
        let (g, h) = order.iter().fold((0.0, 0.0), |(g, h), &r| (g + self.g[r], h + self.h[r]));
        let mut nodes = vec![BoostNode::Leaf { value: 0.0, cover: 0.0 }];
        let mut root = GrowingLeaf { start: 0, end: order.len(), g, h, depth: 0, node: 0, hist: None, split: None };
        if self.can_split(&root) {
            let hist = self.histogram(order);
            root.split = self.best_split(&hist, g, h, order.len());
            root.hist = Some(hist);
        }
        let mut leaves = vec![root];
        let mut scratch: Vec<usize> = Vec::with_capacity(order.len());
        while leaves.len() < self.p.max_leaf_nodes {
            // The leaf with the largest gain; the earliest among equals.
            let Some(i) = (0..leaves.len()).filter(|&i| leaves[i].split.is_some()).reduce(|a, b| {
                if leaves[b].split.unwrap().gain > leaves[a].split.unwrap().gain {
                    b
                } else {
                    a
                }
            }) else {
                break;
            };
            let mut parent = leaves.swap_remove(i);
            let split = parent.split.take().unwrap();
            let (f, bin) = (split.feature, split.bin);
            // A stable partition: left rows first, each side in its old order.
            let rows = &mut order[parent.start..parent.end];
            let column = self.binned.column(f);
            scratch.clear();
            let mut n_left = 0;
            for j in 0..rows.len() {
                let r = rows[j];
                if column[r] <= bin {
                    rows[n_left] = r;
                    n_left += 1;
                } else {
                    scratch.push(r);
                }
            }
            rows[n_left..].copy_from_slice(&scratch);
            let mid = parent.start + n_left;
            let (gl, hl) = (split.g_left, split.h_left);
            let (gr, hr) = (parent.g - gl, parent.h - hl);
            let left_node = nodes.len();
            nodes[parent.node] = BoostNode::Split {
                feature: f,
                threshold: self.edges[f][bin as usize],
                left: left_node,
                right: left_node + 1,
                cover: (parent.end - parent.start) as f64,
            };
            nodes.push(BoostNode::Leaf { value: 0.0, cover: 0.0 });
            nodes.push(BoostNode::Leaf { value: 0.0, cover: 0.0 });
            let depth = parent.depth + 1;
            let mut left = GrowingLeaf {
                start: parent.start,
                end: mid,
                g: gl,
                h: hl,
                depth,
                node: left_node,
                hist: None,
                split: None,
            };
            let mut right = GrowingLeaf {
                start: mid,
                end: parent.end,
                g: gr,
                h: hr,
                depth,
                node: left_node + 1,
                hist: None,
                split: None,
            };
            let (want_l, want_r) = (self.can_split(&left), self.can_split(&right));
            if want_l || want_r {
                // Count the smaller child; the larger is the parent minus it.
                let parent_hist = parent.hist.take().expect("a split leaf has its histogram");
                let left_smaller = mid - parent.start <= parent.end - mid;
                let (small, large) = if left_smaller { (&mut left, &mut right) } else { (&mut right, &mut left) };
                let small_hist = self.histogram(&order[small.start..small.end]);
                let mut large_hist = parent_hist;
                for (l, s) in large_hist.iter_mut().zip(&small_hist) {
                    l.g -= s.g;
                    l.h -= s.h;
                    l.n -= s.n;
                }
                small.hist = Some(small_hist);
                large.hist = Some(large_hist);
                for child in [&mut left, &mut right] {
                    if self.can_split(child) {
                        let hist = child.hist.as_ref().unwrap();
                        child.split = self.best_split(hist, child.g, child.h, child.end - child.start);
                    }
                    if child.split.is_none() {
                        child.hist = None;
                    }
                }
            }
            leaves.push(left);
            leaves.push(right);
        }
        let mut leaf_rows = Vec::with_capacity(leaves.len());
        for leaf in &leaves {
            let value = self.leaf_value(leaf.g, leaf.h);
            nodes[leaf.node] = BoostNode::Leaf { value, cover: (leaf.end - leaf.start) as f64 };
            leaf_rows.push((leaf.node, order[leaf.start..leaf.end].to_vec(), value));
        }
        (nodes, leaf_rows)
    }
}

/// scikit-learn's rule: stop when none of the last `n_iter_no_change`
/// validation scores beats the one before them by more than `tol`.
fn stalled(scores: &[f64], p: &BoostParams) -> bool {
    let m = p.n_iter_no_change;
    scores.len() > m && {
        let reference = scores[scores.len() - m - 1] + p.tol;
        scores[scores.len() - m..].iter().all(|&s| s <= reference)
    }
}

fn predict_tree(nodes: &[BoostNode], row: &[f64]) -> f64 {
    let mut i = 0;
    loop {
        match nodes[i] {
            BoostNode::Leaf { value, .. } => return value,
            BoostNode::Split { feature, threshold, left, right, .. } => {
                i = if row[feature] <= threshold { left } else { right };
            }
        }
    }
}

/// The mean log loss of raw scores (`stride` per row) against `y`, weighted.
fn mean_loss(raw: &[f64], y: &[usize], w: &[f64], stride: usize) -> f64 {
    let mut total = 0.0;
    let mut weight = 0.0;
    for (i, (&c, &wi)) in y.iter().zip(w).enumerate() {
        let loss = if stride == 1 {
            let z = raw[i];
            softplus(z) - if c == 1 { z } else { 0.0 }
        } else {
            let z = &raw[i * stride..(i + 1) * stride];
            let max = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let lse = max + libm::log(z.iter().map(|v| libm::exp(v - max)).sum::<f64>());
            lse - z[c]
        };
        total += wi * loss;
        weight += wi;
    }
    total / weight
}

impl Booster {
    /// Fits on `x` with classes `y`; `class_weight` scales each class's
    /// gradients and hessians, as `sample_weight` does in scikit-learn.
    pub fn fit(
        x: &Matrix,
        y: &[usize],
        n_classes: usize,
        p: &BoostParams,
        class_weight: Option<&[f64]>,
        control: &Control<'_>,
    ) -> Result<Booster> {
        p.validate()?;
        let early = match p.early_stopping {
            EarlyStopping::Auto => x.n_rows > 10_000,
            EarlyStopping::On => true,
            EarlyStopping::Off => false,
        };
        let (train, val) = if early {
            let s =
                glassbox_core::split::stratified_split(y, n_classes, p.validation_fraction, p.seed).map_err(|e| {
                    Error::new(ErrorKind::BadTarget, format!("early stopping needs a validation set: {}", e.message()))
                })?;
            (s.train, s.test)
        } else {
            ((0..x.n_rows).collect(), Vec::new())
        };
        let weight_of = |c: usize| class_weight.map_or(1.0, |w| w[c]);
        // Bins come from the rows the trees are grown on.
        let edges: Vec<Vec<f64>> = (0..x.n_cols)
            .map(|f| {
                let mut v: Vec<f64> = train.iter().map(|&r| x.row(r)[f]).collect();
                bin_edges(&mut v, p.max_bins)
            })
            .collect();
        let binned = Binned::new(x, &train, &edges);
        let y_train: Vec<usize> = train.iter().map(|&r| y[r]).collect();
        let w_train: Vec<f64> = y_train.iter().map(|&c| weight_of(c)).collect();
        let y_val: Vec<usize> = val.iter().map(|&r| y[r]).collect();
        let w_val: Vec<f64> = y_val.iter().map(|&c| weight_of(c)).collect();

        let stride = if n_classes == 2 { 1 } else { n_classes };
        let mut prior = vec![0.0; n_classes];
        for (&c, &w) in y_train.iter().zip(&w_train) {
            prior[c] += w;
        }
        let total: f64 = prior.iter().sum();
        let eps = f64::EPSILON;
        let prior: Vec<f64> = prior.iter().map(|v| (v / total).clamp(eps, 1.0 - eps)).collect();
        let baseline: Vec<f64> = if stride == 1 {
            vec![libm::log(prior[1] / prior[0])]
        } else {
            prior.iter().map(|&v| libm::log(v)).collect()
        };

        let n = train.len();
        let mut raw: Vec<f64> = (0..n).flat_map(|_| baseline.iter().copied()).collect();
        let mut raw_val: Vec<f64> = (0..val.len()).flat_map(|_| baseline.iter().copied()).collect();
        let mut g = vec![0.0; n * stride];
        let mut h = vec![0.0; n * stride];
        let mut trees = Vec::new();
        let mut scores = Vec::new();
        if early {
            scores.push(-mean_loss(&raw_val, &y_val, &w_val, stride));
        }
        let mut stopped_early = false;
        for iter in 0..p.max_iter {
            // Gradients and hessians of the log loss at the current scores,
            // laid out class-major so each class's tree reads a slice.
            for i in 0..n {
                let w = w_train[i];
                if stride == 1 {
                    let q = sigmoid(raw[i]);
                    g[i] = w * (q - if y_train[i] == 1 { 1.0 } else { 0.0 });
                    h[i] = w * q * (1.0 - q);
                } else {
                    let q = softmax(&raw[i * stride..(i + 1) * stride]);
                    for (k, &qk) in q.iter().enumerate() {
                        g[k * n + i] = w * (qk - if y_train[i] == k { 1.0 } else { 0.0 });
                        h[k * n + i] = w * qk * (1.0 - qk);
                    }
                }
            }
            // The classes' trees are independent within an iteration: grown on
            // the control's threads, each returns its leaves' rows and values,
            // and the scores are updated afterwards in class order.
            let classes: Vec<usize> = (0..stride).collect();
            let grown = control.quiet().map("class tree", &classes, |&k| {
                let grower = TreeGrower {
                    binned: &binned,
                    edges: &edges,
                    g: &g[k * n..(k + 1) * n],
                    h: &h[k * n..(k + 1) * n],
                    p,
                };
                let mut order: Vec<usize> = (0..n).collect();
                Ok(grower.grow(&mut order))
            })?;
            let mut iteration = Vec::with_capacity(stride);
            for (k, (tree, leaves)) in grown.into_iter().enumerate() {
                for (_, rows, value) in leaves {
                    for r in rows {
                        raw[r * stride + k] += value;
                    }
                }
                for (j, &r) in val.iter().enumerate() {
                    raw_val[j * stride + k] += predict_tree(&tree, x.row(r));
                }
                iteration.push(tree);
            }
            trees.push(iteration);
            if early {
                scores.push(-mean_loss(&raw_val, &y_val, &w_val, stride));
                stopped_early = stalled(&scores, p);
            }
            control.report("boosting iteration", iter + 1, p.max_iter)?;
            if stopped_early {
                break;
            }
        }
        let validation_loss = scores.iter().skip(1).map(|s| -s).collect();
        Ok(Booster { baseline, n_iter: trees.len(), trees, stopped_early, validation_loss, loss: None })
    }

    /// Fits on `x` to predict the numbers `y` with `p.loss` (squared error
    /// by default), one tree per iteration, as `HistGradientBoostingRegressor`.
    pub fn fit_numbers(x: &Matrix, y: &[f64], p: &BoostParams, control: &Control<'_>) -> Result<Booster> {
        p.validate()?;
        let loss = p.loss.unwrap_or(Loss::SquaredError);
        let q = p.quantile.unwrap_or(0.5);
        if loss == Loss::Poisson {
            if let Some(v) = y.iter().find(|v| **v < 0.0) {
                return Err(Error::new(
                    ErrorKind::BadTarget,
                    format!("the poisson loss is for counts and other numbers of zero or more; the target holds {v}"),
                ));
            }
            if y.iter().all(|v| *v == 0.0) {
                return Err(Error::new(ErrorKind::BadTarget, "the poisson loss needs a target that is not all zero"));
            }
        }
        let early = match p.early_stopping {
            EarlyStopping::Auto => x.n_rows > 10_000,
            EarlyStopping::On => true,
            EarlyStopping::Off => false,
        };
        let (train, val) = if early {
            let s = glassbox_core::split::shuffled_split(x.n_rows, p.validation_fraction, p.seed).map_err(|e| {
                Error::new(ErrorKind::BadTarget, format!("early stopping needs a validation set: {}", e.message()))
            })?;
            (s.train, s.test)
        } else {
            ((0..x.n_rows).collect(), Vec::new())
        };
        let edges: Vec<Vec<f64>> = (0..x.n_cols)
            .map(|f| {
                let mut v: Vec<f64> = train.iter().map(|&r| x.row(r)[f]).collect();
                bin_edges(&mut v, p.max_bins)
            })
            .collect();
        let binned = Binned::new(x, &train, &edges);
        let y_train: Vec<f64> = train.iter().map(|&r| y[r]).collect();
        let y_val: Vec<f64> = val.iter().map(|&r| y[r]).collect();
        let baseline = match loss {
            Loss::SquaredError => crate::models::baseline::mean(&y_train),
            Loss::AbsoluteError | Loss::Quantile => {
                quantile_of(&mut y_train.clone(), loss.leaf_quantile(q).unwrap_or(0.5))
            }
            Loss::Poisson => libm::log(crate::models::baseline::mean(&y_train)),
        };
        let n = train.len();
        let mut raw = vec![baseline; n];
        let mut raw_val = vec![baseline; val.len()];
        let (mut g, mut h) = (vec![0.0; n], vec![0.0; n]);
        let mut trees = Vec::new();
        let mut scores = Vec::new();
        if early {
            scores.push(-loss.mean(&raw_val, &y_val, q));
        }
        let mut stopped_early = false;
        for iter in 0..p.max_iter {
            for i in 0..n {
                (g[i], h[i]) = loss.gradients(raw[i], y_train[i], q);
            }
            let grower = TreeGrower { binned: &binned, edges: &edges, g: &g, h: &h, p };
            let mut order: Vec<usize> = (0..n).collect();
            let (mut tree, leaves) = grower.grow(&mut order);
            for (node, rows, mut value) in leaves {
                if let Some(at) = loss.leaf_quantile(q) {
                    // The leaf's value is that quantile of its rows' residuals, shrunk.
                    let mut residuals: Vec<f64> = rows.iter().map(|&r| y_train[r] - raw[r]).collect();
                    value = p.learning_rate * quantile_of(&mut residuals, at);
                    if let BoostNode::Leaf { value: v, .. } = &mut tree[node] {
                        *v = value;
                    }
                }
                for r in rows {
                    raw[r] += value;
                }
            }
            for (j, &r) in val.iter().enumerate() {
                raw_val[j] += predict_tree(&tree, x.row(r));
            }
            trees.push(vec![tree]);
            if early {
                scores.push(-loss.mean(&raw_val, &y_val, q));
                stopped_early = stalled(&scores, p);
            }
            control.report("boosting iteration", iter + 1, p.max_iter)?;
            if stopped_early {
                break;
            }
        }
        let validation_loss = scores.iter().skip(1).map(|s| -s).collect();
        Ok(Booster {
            baseline: vec![baseline],
            n_iter: trees.len(),
            trees,
            stopped_early,
            validation_loss,
            loss: Some(loss),
        })
    }

    /// The trees of `class`'s raw score for explanations, in its margin: for
    /// two classes the positive class's log-odds (class 0's is its negation),
    /// for more the class's softmax input.
    pub fn ensemble(&self, class: usize) -> TreeEnsemble {
        let binary = self.baseline.len() == 1 && self.loss.is_none();
        let (k, sign) = if binary { (0, if class == 1 { 1.0 } else { -1.0 }) } else { (class, 1.0) };
        let flat = |nodes: &[BoostNode]| FlatTree {
            nodes: nodes
                .iter()
                .map(|n| match *n {
                    BoostNode::Split { feature, threshold, left, right, cover } => {
                        FlatNode { feature, threshold, children: Some((left, right)), cover, value: 0.0 }
                    }
                    BoostNode::Leaf { value, cover } => {
                        FlatNode { feature: 0, threshold: 0.0, children: None, cover, value: sign * value }
                    }
                })
                .collect(),
        };
        TreeEnsemble {
            trees: self.trees.iter().map(|iteration| flat(&iteration[k])).collect(),
            offset: sign * self.baseline[k],
            margin: true,
        }
    }

    /// One raw score for two classes, one per class otherwise, and every
    /// iteration one tree (of at least one node) per raw score.
    pub fn check(&self, n_classes: usize) -> std::result::Result<(), String> {
        if self.loss.is_some() != (n_classes == 1) {
            return Err(
                "a booster fitted on numbers gives one output, and one fitted on classes a probability per class"
                    .into(),
            );
        }
        let scores = if n_classes <= 2 { 1 } else { n_classes };
        crate::estimator::check_class_values("the booster's baseline", &self.baseline, scores)
            .map_err(|e| e.replace("classes", "raw scores"))?;
        for (i, iteration) in self.trees.iter().enumerate() {
            if iteration.len() != scores || iteration.iter().any(|t| t.is_empty()) {
                return Err(format!("boosting iteration {i} does not hold one tree per raw score ({scores})"));
            }
        }
        Ok(())
    }

    /// Class probabilities for every row of `x`.
    pub fn predict_proba(&self, x: &Matrix) -> Vec<Vec<f64>> {
        (0..x.n_rows)
            .map(|i| {
                let row = x.row(i);
                let mut raw = self.baseline.clone();
                for iteration in &self.trees {
                    for (r, tree) in raw.iter_mut().zip(iteration) {
                        *r += predict_tree(tree, row);
                    }
                }
                if let Some(loss) = self.loss {
                    return vec![if loss == Loss::Poisson { libm::exp(raw[0]) } else { raw[0] }];
                }
                if raw.len() == 1 {
                    let q = sigmoid(raw[0]);
                    vec![1.0 - q, q]
                } else {
                    softmax(&raw)
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_edges(values: &[f64], max_bins: usize, expected: &[f64]) {
        let mut v = values.to_vec();
        assert_eq!(bin_edges(&mut v, max_bins), expected);
    }

    #[test]
    fn few_distinct_values_are_cut_at_midpoints() {
        check_edges(&[3.0, 1.0, 2.0, 2.0, 1.0], 255, &[1.5, 2.5]);
        check_edges(&[5.0; 4], 255, &[]);
    }

    #[test]
    fn many_values_are_cut_at_midpoint_percentiles() {
        // numpy.percentile(range(10), [25, 50, 75], method="midpoint") = [2.5, 4.5, 6.5]
        let v: Vec<f64> = (0..10).map(f64::from).collect();
        check_edges(&v, 4, &[2.5, 4.5, 6.5]);
        assert_eq!(bin_of(&[2.5, 4.5, 6.5], 2.5), 0, "a value on an edge goes left");
        assert_eq!(bin_of(&[2.5, 4.5, 6.5], 7.0), 3);
    }

    fn blobs(n: usize, classes: usize) -> (Matrix, Vec<usize>) {
        let mut values = Vec::new();
        let mut y = Vec::new();
        for i in 0..n {
            let c = i % classes;
            let jitter = ((i * 7919) % 101) as f64 / 101.0;
            values.extend([c as f64 * 2.0 + jitter, jitter * 3.0 - c as f64]);
            y.push(c);
        }
        (Matrix::new(n, 2, values), y)
    }

    #[test]
    fn separable_classes_are_learned_binary_and_multiclass() {
        for classes in [2, 3] {
            let (x, y) = blobs(300, classes);
            let b = Booster::fit(&x, &y, classes, &BoostParams::new(0), None, &Control::default()).unwrap();
            let p = b.predict_proba(&x);
            // The explained ensembles give back the margins: the log-odds of
            // each class for two, the softmax differences for more.
            let margins: Vec<Vec<f64>> = (0..classes)
                .map(|k| {
                    let e = b.ensemble(k);
                    assert!(e.has_covers() && e.trees.iter().all(|t| t.nodes[0].cover == 300.0));
                    (0..x.n_rows).map(|r| e.predict(x.row(r))).collect()
                })
                .collect();
            for (r, row) in p.iter().enumerate() {
                for k in 1..classes {
                    let want = libm::log(row[k] / row[0]);
                    let got = if classes == 2 { margins[1][r] } else { margins[k][r] - margins[0][r] };
                    assert!((got - want).abs() < 1e-9 * want.abs().max(1.0), "row {r} class {k}: {got} vs {want}");
                }
            }
            for (row, &c) in p.iter().zip(&y) {
                assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
                assert_eq!(glassbox_core::argmax(row), c);
            }
            assert_eq!(b.n_iter, 100, "no early stopping on 300 rows");
        }
    }

    #[test]
    fn early_stopping_stops_when_validation_loss_stalls() {
        // Every fifth label flipped: the validation loss bottoms out, then rises as trees fit the noise.
        let (x, mut y) = blobs(2000, 2);
        y.iter_mut().step_by(5).for_each(|c| *c = 1 - *c);
        let p = BoostParams { early_stopping: EarlyStopping::On, ..BoostParams::new(1) };
        let b = Booster::fit(&x, &y, 2, &p, None, &Control::default()).unwrap();
        assert!(b.stopped_early && b.n_iter < 100, "{} iterations", b.n_iter);
        assert_eq!(b.validation_loss.len(), b.n_iter);
    }

    #[test]
    fn same_seed_same_trees() {
        let (x, y) = blobs(500, 3);
        let p = BoostParams { early_stopping: EarlyStopping::On, ..BoostParams::new(5) };
        assert_eq!(
            Booster::fit(&x, &y, 3, &p, None, &Control::default()).unwrap(),
            Booster::fit(&x, &y, 3, &p, None, &Control::default()).unwrap()
        );
    }

    /// Values from NumPy: `median`, then `percentile` at 5 and 95.
    #[test]
    fn quantiles_are_numpy_s() {
        let check = |values: &[f64], q: f64, want: f64| assert_eq!(quantile_of(&mut values.to_vec(), q), want);
        check(&[4.0, 1.0, 3.0, 2.0], 0.5, 2.5);
        check(&[5.0, 4.0, 1.0, 3.0, 2.0], 0.5, 3.0);
        let twenty: Vec<f64> = (1..=20).map(f64::from).collect();
        check(&twenty, 0.05, 1.9500000000000002);
        check(&twenty, 0.95, 19.05);
        check(&[0.1, 0.7, 0.2], 0.95, 0.6499999999999999);
        check(&[7.0], 0.05, 7.0);
    }

    /// Regression test: with every row's gradient −0.05 (all above a 5%
    /// quantile model), the sums' last bits made gains of 1e-17, and the
    /// tree split on them.
    #[test]
    fn a_node_whose_rows_share_one_gradient_stays_a_leaf() {
        let n = 83;
        let x = Matrix::new(n, 2, (0..2 * n).map(|i| ((i * 37) % 101) as f64).collect());
        let rows: Vec<usize> = (0..n).collect();
        let edges: Vec<Vec<f64>> =
            (0..2).map(|f| bin_edges(&mut rows.iter().map(|&r| x.row(r)[f]).collect::<Vec<_>>(), 255)).collect();
        let binned = Binned::new(&x, &rows, &edges);
        let (g, h) = (vec![-0.05f32 as f64; n], vec![1.0; n]);
        let p = BoostParams { min_samples_leaf: 5, ..BoostParams::new(0) };
        let (tree, leaves) = TreeGrower { binned: &binned, edges: &edges, g: &g, h: &h, p: &p }.grow(&mut rows.clone());
        assert_eq!((tree.len(), leaves.len()), (1, 1), "{tree:?}");
    }

    /// Noise that grows with x: the 0.1 and 0.9 quantile models leave about
    /// a tenth of the rows below and above them, and their gap grows with x.
    #[test]
    fn quantile_models_bound_their_share_of_rows() {
        let n = 2000;
        let xs: Vec<f64> = (0..n).map(|i| (i % 100) as f64 / 10.0).collect();
        let noise = |i: usize| (((i * 7919) % 1009) as f64 / 1009.0 - 0.5) * 2.0;
        let y: Vec<f64> = xs.iter().enumerate().map(|(i, &x)| 2.0 * x + noise(i) * (0.5 + x)).collect();
        let x = Matrix::new(n, 1, xs.clone());
        let fit = |q: f64| {
            let p = BoostParams::new(3).at_quantile(q);
            Booster::fit_numbers(&x, &y, &p, &Control::default()).unwrap().predict_proba(&x)
        };
        let (low, high) = (fit(0.1), fit(0.9));
        let below = y.iter().zip(&low).filter(|(y, p)| **y < p[0]).count() as f64 / n as f64;
        let above = y.iter().zip(&high).filter(|(y, p)| **y > p[0]).count() as f64 / n as f64;
        assert!((below - 0.1).abs() < 0.03 && (above - 0.1).abs() < 0.03, "below {below}, above {above}");
        let gap = |i: usize| high[i][0] - low[i][0];
        let (narrow, wide) = ((0..n).filter(|i| xs[*i] < 2.0), (0..n).filter(|i| xs[*i] >= 8.0));
        let mean = |it: &mut dyn Iterator<Item = usize>| {
            let v: Vec<f64> = it.map(gap).collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        let (narrow, wide) = (mean(&mut narrow.into_iter()), mean(&mut wide.into_iter()));
        assert!(wide > 3.0 * narrow, "gap {narrow} at small x against {wide} at large x");
    }

    #[test]
    fn bad_parameters_are_named() {
        let p = BoostParams { loss: Some(Loss::Quantile), ..BoostParams::new(0) };
        assert!(p.validate().unwrap_err().message().starts_with("the quantile loss needs the quantile"));
        assert_eq!(
            BoostParams::new(0).at_quantile(1.5).validate().unwrap_err().message(),
            "quantile must be between 0 and 1, got 1.5"
        );
        let p = BoostParams { quantile: Some(0.5), ..BoostParams::new(0) };
        assert_eq!(
            p.validate().unwrap_err().message(),
            "quantile is for the quantile loss: set loss to quantile as well"
        );
        let p = BoostParams { max_bins: 300, ..BoostParams::new(0) };
        assert_eq!(p.validate().unwrap_err().message(), "max_bins must be between 2 and 255, got 300");
        let p = BoostParams { learning_rate: -1.0, ..BoostParams::new(0) };
        assert_eq!(p.validate().unwrap_err().message(), "learning_rate must be a positive number, got -1");
    }

    #[test]
    fn a_cancelled_fit_returns_cancelled() {
        let (x, y) = blobs(100, 2);
        let stop_at_3 = |p: &crate::control::Progress| p.done < 3;
        let control = Control { progress: Some(&stop_at_3), ..Control::default() };
        let e = Booster::fit(&x, &y, 2, &BoostParams::new(0), None, &control).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Cancelled);
    }
}
