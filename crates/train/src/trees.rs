//! Decision trees (CART with Gini impurity) and random forests, with real
//! class probabilities: a leaf's class frequencies, averaged over the trees
//! for a forest, as scikit-learn defines `predict_proba`. Fitted on numbers
//! the same trees split by squared error (scikit-learn's proxy, the sum of
//! each side's `sum² / n`, largest wins) and a leaf holds its rows' mean.
//!
//! Written here because smartcore's tree gives one-hot probabilities and its
//! forest none at all. Splits follow scikit-learn: every feature is tried
//! (or a seeded random subset in a forest), the threshold is the midpoint
//! between two neighbouring distinct values, and the split with the largest
//! impurity decrease wins (the first feature on a tie, in the order tried).

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::estimator::FitInput;
use glassbox_core::tree::{FlatNode, FlatTree, TreeEnsemble};
use glassbox_core::Matrix;

/// A node as a model file writes it: a split (feature, threshold, left,
/// right) or a leaf (class frequencies, or one mean for a number), each
/// with its cover: the training rows that reached it, weighted as the fit
/// weighted them (bootstrap multiplicity, class weights), as scikit-learn's
/// `weighted_n_node_samples`. Explanations need the covers; model files
/// before format 4 have none (read as 0). A [`Tree`] keeps its nodes in
/// parallel arrays instead; this is the form they are read from and
/// written to JSON in, and what [`Tree::node`] gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Node {
    Split {
        feature: usize,
        threshold: f64,
        left: usize,
        right: usize,
        #[serde(default)]
        cover: f64,
    },
    Leaf {
        proba: Vec<f64>,
        #[serde(default)]
        cover: f64,
    },
}

/// A borrowed [`Node`], written as exactly the same JSON.
#[derive(Serialize)]
#[serde(untagged)]
enum NodeRef<'a> {
    Split { feature: u32, threshold: f64, left: u32, right: u32, cover: f64 },
    Leaf { proba: &'a [f64], cover: f64 },
}

/// `feature` of a leaf.
const LEAF: u32 = u32::MAX;

/// A fitted tree: nodes in arrays, the root first, each split followed by
/// its left subtree. Arrays, not a `Vec<Node>`: a node takes 28 bytes (and
/// a leaf 8 per value) where the enum with a vector per leaf took 64
/// natively and 56 in wasm, and a fully grown forest of 100 regression
/// trees on 80,000 rows holds 10 million nodes, which a browser tab has to
/// keep, send between workers and explain.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tree {
    /// What a row's walk reads of each node, together (see [`Step`]).
    steps: Vec<Step>,
    cover: Vec<f64>,
    /// Every leaf's values, one after another.
    values: Vec<f64>,
}

/// A node as a row's walk reads it, in 20 bytes, packed (an unaligned load
/// costs nothing on x86-64 or in wasm): in four parallel arrays a step of
/// the walk touched four cache lines, and scoring a fully grown forest was
/// bound by those misses.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[repr(C, packed)]
struct Step {
    /// The split's threshold (`x <= threshold` goes left); 0 on a leaf.
    threshold: f64,
    /// The split's feature, or [`LEAF`].
    feature: u32,
    /// A split's children; for a leaf, where its values start in `values` and how many there are.
    left: u32,
    right: u32,
}

const _: () = assert!(std::mem::size_of::<Step>() == 20, "a step of the walk is 20 bytes");

thread_local! {
    /// Whether trees serialise as [`Tree::to_bytes`] in base64 (see [`packing`]).
    static PACKING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with every tree it serialises written as its bytes
/// ([`Tree::to_bytes`]) in one base64 string instead of a list of nodes:
/// how a model's trees cross from the browser's page to its workers (28
/// bytes a node, a third more in base64, where the model file's JSON
/// takes some 150), decoded without parsing a number. A flag, not the
/// serializer's `is_human_readable`: a forest sits inside an internally
/// tagged enum, and serde's buffering of those reports every format as
/// human readable. Reading takes either form, whatever the flag.
pub fn packing<R>(f: impl FnOnce() -> R) -> R {
    let before = PACKING.with(|p| p.replace(true));
    let result = f();
    PACKING.with(|p| p.set(before));
    result
}

impl Tree {
    /// How many nodes the tree has.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// How many leaves the tree has.
    pub fn leaves(&self) -> usize {
        self.steps.iter().filter(|s| { s.feature } == LEAF).count()
    }

    /// Node `i` as a model file writes it.
    pub fn node(&self, i: usize) -> Node {
        match self.node_ref(i) {
            NodeRef::Split { feature, threshold, left, right, cover } => {
                Node::Split { feature: feature as usize, threshold, left: left as usize, right: right as usize, cover }
            }
            NodeRef::Leaf { proba, cover } => Node::Leaf { proba: proba.to_vec(), cover },
        }
    }

    fn node_ref(&self, i: usize) -> NodeRef<'_> {
        let (step, cover) = (self.steps[i], self.cover[i]);
        let (l, r) = (step.left, step.right);
        match step.feature {
            LEAF => NodeRef::Leaf { proba: &self.values[l as usize..l as usize + r as usize], cover },
            feature => NodeRef::Split { feature, threshold: step.threshold, left: l, right: r, cover },
        }
    }

    /// Adds a split whose children come later ([`Tree::set_child`]); its index.
    fn push_split(&mut self, feature: usize, threshold: f64, cover: f64) -> usize {
        self.push(u32::try_from(feature).expect("fewer than 4 billion features"), threshold, 0, 0, cover)
    }

    fn push_leaf(&mut self, values: &[f64], cover: f64) -> usize {
        let start = u32::try_from(self.values.len()).expect("fewer than 4 billion leaf values in a tree");
        self.values.extend_from_slice(values);
        self.push(LEAF, 0.0, start, values.len() as u32, cover)
    }

    fn push(&mut self, feature: u32, threshold: f64, left: u32, right: u32, cover: f64) -> usize {
        assert!(self.steps.len() < LEAF as usize, "fewer than 4 billion nodes in a tree");
        self.steps.push(Step { threshold, feature, left, right });
        self.cover.push(cover);
        self.steps.len() - 1
    }

    fn set_child(&mut self, parent: usize, right: bool, child: usize) {
        if right {
            self.steps[parent].right = child as u32;
        } else {
            self.steps[parent].left = child as u32;
        }
    }

    /// A tree from a model file's nodes; an error names a node whose
    /// index or feature is past what a tree holds.
    pub fn from_nodes(nodes: Vec<Node>) -> std::result::Result<Tree, String> {
        let mut tree = Tree::default();
        let small = |what: &str, i: usize, v: usize| {
            u32::try_from(v).ok().filter(|&v| v != LEAF).ok_or_else(|| format!("node {i}: its {what} {v} is too large"))
        };
        for (i, node) in nodes.into_iter().enumerate() {
            match node {
                Node::Split { feature, threshold, left, right, cover } => {
                    let (f, l, r) = (small("feature", i, feature)?, small("left", i, left)?, small("right", i, right)?);
                    tree.push(f, threshold, l, r, cover);
                }
                Node::Leaf { proba, cover } => {
                    tree.push_leaf(&proba, cover);
                }
            }
        }
        Ok(tree)
    }

    /// The tree in bytes, little-endian: the node count and the value
    /// count (u32), then the arrays features, lefts, rights (u32),
    /// thresholds, covers and values (f64). Bit for bit: a number crosses
    /// unchanged.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.byte_len());
        self.write_bytes(&mut out);
        out
    }

    /// Appends [`Tree::to_bytes`] to `out`, with no buffer of its own.
    fn write_bytes(&self, out: &mut Vec<u8>) {
        for count in [self.len(), self.values.len()] {
            out.extend_from_slice(&(count as u32).to_le_bytes());
        }
        for field in [|s: Step| s.feature, |s: Step| s.left, |s: Step| s.right] {
            self.steps.iter().for_each(|&s| out.extend_from_slice(&field(s).to_le_bytes()));
        }
        self.steps.iter().for_each(|&s| out.extend_from_slice(&{ s.threshold }.to_le_bytes()));
        for a in [&self.cover, &self.values] {
            a.iter().for_each(|v| out.extend_from_slice(&v.to_le_bytes()));
        }
    }

    /// How many bytes [`Tree::to_bytes`] writes.
    pub fn byte_len(&self) -> usize {
        8 + 28 * self.len() + 8 * self.values.len()
    }

    /// Trees in bytes: each tree's length (u64, little-endian) and its
    /// [`Tree::to_bytes`], written into one buffer of the exact size.
    pub fn forest_to_bytes(trees: &[Tree]) -> Vec<u8> {
        let mut out = Vec::with_capacity(trees.iter().map(|t| 8 + t.byte_len()).sum());
        for tree in trees {
            out.extend_from_slice(&(tree.byte_len() as u64).to_le_bytes());
            tree.write_bytes(&mut out);
        }
        out
    }

    /// The trees [`Tree::forest_to_bytes`] wrote.
    pub fn forest_from_bytes(mut bytes: &[u8]) -> std::result::Result<Vec<Tree>, String> {
        let mut trees = Vec::new();
        while !bytes.is_empty() {
            let (len, rest) = bytes.split_at_checked(8).ok_or("the bytes of a forest are cut short")?;
            let len = usize::try_from(u64::from_le_bytes(len.try_into().unwrap())).map_err(|e| e.to_string())?;
            let (tree, rest) = rest.split_at_checked(len).ok_or("the bytes of a forest are cut short")?;
            trees.push(Tree::from_bytes(tree).map_err(|e| format!("tree {}: {e}", trees.len()))?);
            bytes = rest;
        }
        Ok(trees)
    }

    /// The tree [`Tree::to_bytes`] wrote; an error when the bytes are not one.
    pub fn from_bytes(bytes: &[u8]) -> std::result::Result<Tree, String> {
        let bad = || "the bytes of a tree are cut short or too long".to_string();
        let mut rest = bytes;
        let mut take = |len: usize| -> std::result::Result<&[u8], String> {
            let (head, tail) = rest.split_at_checked(len).ok_or_else(bad)?;
            rest = tail;
            Ok(head)
        };
        let u32s =
            |b: &[u8]| -> Vec<u32> { b.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())).collect() };
        let f64s =
            |b: &[u8]| -> Vec<f64> { b.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect() };
        let counts = u32s(take(8)?);
        let (n, n_values) = (counts[0] as usize, counts[1] as usize);
        let (feature, left, right) = (u32s(take(4 * n)?), u32s(take(4 * n)?), u32s(take(4 * n)?));
        let threshold = f64s(take(8 * n)?);
        let steps = (0..n)
            .map(|i| Step { threshold: threshold[i], feature: feature[i], left: left[i], right: right[i] })
            .collect();
        let tree = Tree { steps, cover: f64s(take(8 * n)?), values: f64s(take(8 * n_values)?) };
        if !rest.is_empty() {
            return Err(bad());
        }
        for (i, s) in tree.steps.iter().enumerate() {
            if { s.feature } == LEAF && s.left as usize + s.right as usize > n_values {
                return Err(format!("leaf {i}: its values lie past the tree's {n_values}"));
            }
        }
        Ok(tree)
    }
}

impl Serialize for Tree {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        if PACKING.with(std::cell::Cell::get) {
            use base64::Engine as _;
            return serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(self.to_bytes()));
        }
        /// The nodes, one [`NodeRef`] each, as a `Vec<Node>` would write them.
        struct Nodes<'a>(&'a Tree);
        impl Serialize for Nodes<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
                serializer.collect_seq((0..self.0.len()).map(|i| self.0.node_ref(i)))
            }
        }
        let mut s = serializer.serialize_struct("Tree", 1)?;
        s.serialize_field("nodes", &Nodes(self))?;
        s.end()
    }
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Tree, D::Error> {
        use serde::de::Error as _;
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Tree;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a tree: an object with its nodes, or its bytes in base64")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Tree, A::Error> {
                let mut nodes = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "nodes" {
                        nodes = Some(map.next_value::<Vec<Node>>()?);
                    } else {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                Tree::from_nodes(nodes.ok_or_else(|| A::Error::missing_field("nodes"))?).map_err(A::Error::custom)
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> std::result::Result<Tree, E> {
                use base64::Engine as _;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|e| E::custom(format!("the bytes of a tree are not base64: {e}")))?;
                Tree::from_bytes(&bytes).map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// How a tree grows.
#[derive(Debug, Clone, Copy)]
pub struct TreeParams {
    pub max_depth: Option<usize>,
    pub min_samples_leaf: usize,
    /// Features tried at each split; `None` = all.
    pub max_features: Option<usize>,
    /// Extremely randomized trees: one uniform random threshold per tried
    /// feature instead of the best midpoint.
    pub random_thresholds: bool,
}

fn gini(counts: &[f64], total: f64) -> f64 {
    if total == 0.0 {
        return 0.0;
    }
    1.0 - counts.iter().map(|c| (c / total) * (c / total)).sum::<f64>()
}

struct Builder<'a> {
    x: &'a Matrix,
    y: &'a [usize],
    /// The numbers of a regression tree (then `y` is empty).
    values: Option<&'a [f64]>,
    n_classes: usize,
    params: TreeParams,
    /// Per class: how much one row of it counts (all 1 unless balanced).
    weight: Vec<f64>,
    rng: Option<ChaCha8Rng>,
    tree: Tree,
}

impl Builder<'_> {
    /// How much row `r` counts: its class's weight, 1 for a number.
    fn weight_of(&self, r: usize) -> f64 {
        if self.values.is_some() {
            1.0
        } else {
            self.weight[self.y[r]]
        }
    }

    fn leaf(&mut self, rows: &[usize]) {
        if let Some(values) = self.values {
            let mean = rows.iter().map(|&r| values[r]).sum::<f64>() / rows.len() as f64;
            self.tree.push_leaf(&[mean], rows.len() as f64);
            return;
        }
        let mut counts = vec![0.0; self.n_classes];
        for &r in rows {
            counts[self.y[r]] += self.weight[self.y[r]];
        }
        let n: f64 = counts.iter().sum();
        let proba: Vec<f64> = counts.iter().map(|c| c / n).collect();
        self.tree.push_leaf(&proba, n);
    }

    /// The weighted class counts of `rows`, their total and Gini impurity;
    /// `None` for a pure node, which no split can improve.
    fn impure_node(&self, rows: &[usize]) -> Option<(Vec<f64>, f64, f64)> {
        let mut parent = vec![0.0; self.n_classes];
        for &r in rows {
            parent[self.y[r]] += self.weight[self.y[r]];
        }
        let n: f64 = parent.iter().sum();
        let impurity = gini(&parent, n);
        (impurity != 0.0).then_some((parent, n, impurity))
    }

    /// The best split of `rows`: (feature, threshold, impurity decrease).
    fn best_split(&mut self, rows: &[usize]) -> Option<(usize, f64, f64)> {
        if self.params.random_thresholds {
            return self.random_split(rows);
        }
        let p = self.x.n_cols;
        let mut features: Vec<usize> = (0..p).collect();
        if let (Some(k), Some(rng)) = (self.params.max_features, self.rng.as_mut()) {
            features.shuffle(rng);
            features.truncate(k.clamp(1, p));
        }
        if let Some(values) = self.values {
            return self.best_split_numbers(rows, values, &features);
        }
        let (parent, n, parent_impurity) = self.impure_node(rows)?;
        let min_leaf = self.params.min_samples_leaf.max(1);
        let mut best: Option<(usize, f64, f64)> = None;
        let mut order: Vec<(f64, usize)> = Vec::with_capacity(rows.len());
        for &f in &features {
            order.clear();
            order.extend(rows.iter().map(|&r| (self.x.row(r)[f], self.y[r])));
            order.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut left = vec![0.0; self.n_classes];
            let mut nl = 0.0;
            for i in 0..order.len() - 1 {
                let w = self.weight[order[i].1];
                left[order[i].1] += w;
                nl += w;
                let nr = n - nl;
                if order[i].0 == order[i + 1].0 || i + 1 < min_leaf || order.len() - (i + 1) < min_leaf {
                    continue;
                }
                let right: Vec<f64> = parent.iter().zip(&left).map(|(p, l)| p - l).collect();
                let child = (nl * gini(&left, nl) + nr * gini(&right, nr)) / n;
                let gain = parent_impurity - child;
                if best.is_none_or(|b| gain > b.2 + 1e-12) {
                    best = Some((f, midpoint(order[i].0, order[i + 1].0), gain));
                }
            }
        }
        best.filter(|b| b.2 > 0.0)
    }

    /// The sum of `rows`' numbers, or `None` when they are all equal (a
    /// pure node, which no split can improve).
    fn impure_numbers(rows: &[usize], values: &[f64]) -> Option<f64> {
        let first = values[*rows.first()?];
        rows.iter().any(|&r| values[r] != first).then(|| rows.iter().map(|&r| values[r]).sum())
    }

    /// The best squared-error split of `rows` over `features`: the largest
    /// `sum_l² / n_l + sum_r² / n_r` (scikit-learn's proxy for the decrease
    /// in squared error), the first on a tie.
    fn best_split_numbers(&self, rows: &[usize], values: &[f64], features: &[usize]) -> Option<(usize, f64, f64)> {
        let sum = Self::impure_numbers(rows, values)?;
        let n = rows.len();
        let min_leaf = self.params.min_samples_leaf.max(1);
        let mut best: Option<(usize, f64, f64)> = None;
        let mut order: Vec<(f64, f64)> = Vec::with_capacity(n);
        for &f in features {
            order.clear();
            order.extend(rows.iter().map(|&r| (self.x.row(r)[f], values[r])));
            order.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut left = 0.0;
            for i in 0..n - 1 {
                left += order[i].1;
                let nl = i + 1;
                if order[i].0 == order[i + 1].0 || nl < min_leaf || n - nl < min_leaf {
                    continue;
                }
                let right = sum - left;
                let proxy = left * left / nl as f64 + right * right / (n - nl) as f64;
                if best.is_none_or(|b| proxy > b.2) {
                    best = Some((f, midpoint(order[i].0, order[i + 1].0), proxy));
                }
            }
        }
        best
    }

    /// scikit-learn's `RandomSplitter`: features in a random order, each
    /// constant one skipped without counting, until `max_features`
    /// non-constant ones have each had one threshold drawn uniformly between
    /// their smallest and largest value in the node; the split with the
    /// largest impurity decrease wins, even when that decrease is zero
    /// (only a pure node is a leaf, as there).
    fn random_split(&mut self, rows: &[usize]) -> Option<(usize, f64, f64)> {
        let p = self.x.n_cols;
        let values = self.values;
        // For numbers: the sum, and the proxy of a split takes the place of the gain.
        let (parent, n, parent_impurity) = match values {
            Some(v) => (Vec::new(), Self::impure_numbers(rows, v)?, 0.0),
            None => self.impure_node(rows)?,
        };
        let rng = self.rng.as_mut().expect("random thresholds come with a seeded generator");
        let mut features: Vec<usize> = (0..p).collect();
        features.shuffle(rng);
        let wanted = self.params.max_features.unwrap_or(p).clamp(1, p);
        let min_leaf = self.params.min_samples_leaf.max(1);
        let mut best: Option<(usize, f64, f64)> = None;
        let mut tried = 0;
        for &f in &features {
            if tried == wanted {
                break;
            }
            let (lo, hi) =
                rows.iter().map(|&r| self.x.row(r)[f]).fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (if v < lo { v } else { lo }, if v > hi { v } else { hi })
                });
            if lo >= hi {
                continue;
            }
            tried += 1;
            let mut threshold = lo + rng.gen::<f64>() * (hi - lo);
            if threshold >= hi {
                threshold = lo;
            }
            if let Some(v) = values {
                let (mut sum_left, mut n_left_rows) = (0.0, 0);
                for &r in rows {
                    if self.x.row(r)[f] <= threshold {
                        sum_left += v[r];
                        n_left_rows += 1;
                    }
                }
                if n_left_rows < min_leaf || rows.len() - n_left_rows < min_leaf {
                    continue;
                }
                let right = n - sum_left;
                let proxy =
                    sum_left * sum_left / n_left_rows as f64 + right * right / (rows.len() - n_left_rows) as f64;
                if best.is_none_or(|b| proxy > b.2) {
                    best = Some((f, threshold, proxy));
                }
                continue;
            }
            let mut left = vec![0.0; self.n_classes];
            let mut n_left_rows = 0;
            for &r in rows {
                if self.x.row(r)[f] <= threshold {
                    left[self.y[r]] += self.weight[self.y[r]];
                    n_left_rows += 1;
                }
            }
            if n_left_rows < min_leaf || rows.len() - n_left_rows < min_leaf {
                continue;
            }
            let nl: f64 = left.iter().sum();
            let nr = n - nl;
            let right: Vec<f64> = parent.iter().zip(&left).map(|(p, l)| p - l).collect();
            let gain = parent_impurity - (nl * gini(&left, nl) + nr * gini(&right, nr)) / n;
            if best.is_none_or(|b| gain > b.2 + 1e-12) {
                best = Some((f, threshold, gain));
            }
        }
        best
    }

    /// Grows the tree on `rows`, nodes in depth-first order (a split, its
    /// left subtree, then its right one). A stack of its own, not recursion:
    /// the data decides how deep a tree goes, and a browser worker's stack
    /// overflowed on a deep one.
    fn grow(&mut self, rows: Vec<usize>) {
        /// A node to grow: its rows, its depth, and the split whose child it
        /// is with whether it is the right one.
        struct Pending {
            rows: Vec<usize>,
            depth: usize,
            parent: Option<(usize, bool)>,
        }
        let mut stack = vec![Pending { rows, depth: 0, parent: None }];
        while let Some(Pending { rows, depth, parent }) = stack.pop() {
            let slot = self.tree.len();
            if let Some((p, right)) = parent {
                self.tree.set_child(p, right, slot);
            }
            match self.split(&rows, depth) {
                None => {
                    self.leaf(&rows);
                }
                Some((feature, threshold, l, r)) => {
                    let cover = rows.iter().map(|&i| self.weight_of(i)).sum();
                    self.tree.push_split(feature, threshold, cover);
                    stack.push(Pending { rows: r, depth: depth + 1, parent: Some((slot, true)) });
                    stack.push(Pending { rows: l, depth: depth + 1, parent: Some((slot, false)) });
                }
            }
        }
    }

    /// How `rows` split, if they do: the feature, the threshold and the two
    /// sides, neither of them empty (an empty side would be a leaf with no
    /// rows, whose class frequencies are 0/0).
    fn split(&mut self, rows: &[usize], depth: usize) -> Option<(usize, f64, Vec<usize>, Vec<usize>)> {
        let deep_enough = self.params.max_depth.is_some_and(|d| depth >= d);
        if deep_enough || rows.len() < 2 * self.params.min_samples_leaf.max(1) {
            return None;
        }
        let (feature, threshold, _) = self.best_split(rows)?;
        let (l, r): (Vec<usize>, Vec<usize>) = rows.iter().partition(|&&i| self.x.row(i)[feature] <= threshold);
        (!l.is_empty() && !r.is_empty()).then_some((feature, threshold, l, r))
    }
}

/// The threshold between two neighbouring distinct values `a < b`, as
/// scikit-learn takes it: their midpoint, or `a` when the midpoint rounds
/// up to `b` (two adjacent floats, such as cos(6π/7) and cos(8π/7), the
/// cosines of Wednesday and Thursday, which are equal but for rounding) or
/// overflows; `<= threshold` then still sends `a` left and `b` right.
fn midpoint(a: f64, b: f64) -> f64 {
    let m = a / 2.0 + b / 2.0;
    if m == b || m.is_infinite() {
        a
    } else {
        m
    }
}

impl Tree {
    /// Grows a tree on `rows` of `x`; `seed` drives the feature subsets when `max_features` is set.
    /// `class_weight` scales each class's rows in the impurity and the leaf
    /// frequencies, as scikit-learn's `class_weight`.
    pub fn fit(
        x: &Matrix,
        y: &[usize],
        rows: &[usize],
        n_classes: usize,
        params: TreeParams,
        class_weight: Option<&[f64]>,
        seed: u64,
    ) -> Tree {
        let rng = (params.max_features.is_some() || params.random_thresholds).then(|| ChaCha8Rng::seed_from_u64(seed));
        let weight = class_weight.map_or_else(|| vec![1.0; n_classes], <[f64]>::to_vec);
        let mut b = Builder { x, y, values: None, n_classes, params, weight, rng, tree: Tree::default() };
        b.grow(rows.to_vec());
        b.tree
    }

    /// Grows a regression tree on `rows` of `x` predicting `values`: squared
    /// error, a leaf's mean; `seed` as in [`Tree::fit`].
    pub fn fit_numbers(x: &Matrix, values: &[f64], rows: &[usize], params: TreeParams, seed: u64) -> Tree {
        let rng = (params.max_features.is_some() || params.random_thresholds).then(|| ChaCha8Rng::seed_from_u64(seed));
        let mut b = Builder {
            x,
            y: &[],
            values: Some(values),
            n_classes: 1,
            params,
            weight: Vec::new(),
            rng,
            tree: Tree::default(),
        };
        b.grow(rows.to_vec());
        b.tree
    }

    /// Grows a tree for `input`'s task: [`Tree::fit`] on classes, [`Tree::fit_numbers`] on numbers.
    pub fn fit_for(input: &FitInput<'_>, rows: &[usize], params: TreeParams, seed: u64) -> Tree {
        match input.values {
            Some(values) => Tree::fit_numbers(input.x, values, rows, params, seed),
            None => Tree::fit(input.x, input.y, rows, input.n_classes, params, input.class_weight, seed),
        }
    }

    /// The values of the leaf that `row` reaches.
    pub fn predict_row(&self, row: &[f64]) -> &[f64] {
        let mut i = 0;
        loop {
            let s = self.steps[i];
            let (feature, l, r) = (s.feature, s.left as usize, s.right as usize);
            if feature == LEAF {
                return &self.values[l..l + r];
            }
            i = if row[feature as usize] <= s.threshold { l } else { r };
        }
    }
}

impl Tree {
    /// The tree for explanations: each leaf's frequency of `class`, times `scale`.
    /// Every leaf has one finite probability per class (the tree's shape,
    /// children and features, is checked on its `FlatTree` by the model file).
    pub fn check(&self, n_classes: usize) -> std::result::Result<(), String> {
        if self.is_empty() {
            return Err("a tree has no nodes".into());
        }
        for i in 0..self.len() {
            if let NodeRef::Leaf { proba, .. } = self.node_ref(i) {
                crate::estimator::check_class_values(&format!("leaf {i}"), proba, n_classes)?;
            }
        }
        Ok(())
    }

    /// A forest's trees, each checked, and at least one of them.
    pub fn check_forest(trees: &[Tree], n_classes: usize) -> std::result::Result<(), String> {
        if trees.is_empty() {
            return Err("the forest has no trees".into());
        }
        for (t, tree) in trees.iter().enumerate() {
            tree.check(n_classes).map_err(|e| format!("tree {t}: {e}"))?;
        }
        Ok(())
    }

    pub fn flat(&self, class: usize, scale: f64) -> FlatTree {
        let nodes = (0..self.len())
            .map(|i| match self.node_ref(i) {
                NodeRef::Split { feature, threshold, left, right, cover } => FlatNode {
                    feature: feature as usize,
                    threshold,
                    children: Some((left as usize, right as usize)),
                    cover,
                    value: 0.0,
                },
                NodeRef::Leaf { proba, cover } => {
                    FlatNode { feature: 0, threshold: 0.0, children: None, cover, value: proba[class] * scale }
                }
            })
            .collect();
        FlatTree { nodes }
    }
}

/// A forest for explanations: the class's probability as the sum of every
/// tree's leaf frequency over the number of trees.
pub fn forest_ensemble(trees: &[Tree], class: usize) -> TreeEnsemble {
    let scale = 1.0 / trees.len() as f64;
    TreeEnsemble { trees: trees.iter().map(|t| t.flat(class, scale)).collect(), offset: 0.0, margin: false }
}

/// How a forest's trees grow: leaves of one row, and √p features tried per
/// split for classes, every feature for numbers (scikit-learn's defaults,
/// `max_features="sqrt"` for its classifiers and 1.0 for its regressors).
fn forest_tree_params(input: &FitInput<'_>, max_depth: Option<usize>, random_thresholds: bool) -> TreeParams {
    let max_features = match input.values {
        None => Some(((input.x.n_cols as f64).sqrt().floor() as usize).max(1)),
        Some(_) => None,
    };
    TreeParams { max_depth, min_samples_leaf: 1, max_features, random_thresholds }
}

/// Tree `t`'s seed: its randomness depends only on the forest's seed and its
/// index, so trees can be grown in any order (or in parallel) with the same result.
fn tree_seed(seed: u64, t: usize) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(t as u64)
}

/// Trees `indices` of a forest: bootstrap samples and random feature
/// subsets, one seeded stream per tree. Tree `t` depends only on the data,
/// the seed and `t`, so a forest can be grown in parts (on threads, or on
/// browser workers) and put together in index order.
pub fn fit_forest(input: &FitInput<'_>, indices: &[usize], max_depth: Option<usize>, seed: u64) -> Result<Vec<Tree>> {
    fit_forest_with(input, indices, forest_tree_params(input, max_depth, false), seed)
}

/// [`fit_forest`] with trees grown by `params`.
pub fn fit_forest_with(input: &FitInput<'_>, indices: &[usize], params: TreeParams, seed: u64) -> Result<Vec<Tree>> {
    let (x, control) = (input.x, input.control);
    control.map("tree", indices, |&t| {
        let tree_seed = tree_seed(seed, t);
        let mut rng = ChaCha8Rng::seed_from_u64(tree_seed);
        // Drawn as u32, not usize: usize is 32 bits in wasm and 64 natively,
        // and the generator would give the two builds different samples.
        let n = u32::try_from(x.n_rows).expect("fewer than 4 billion rows");
        let sample: Vec<usize> = (0..x.n_rows).map(|_| rng.gen_range(0..n) as usize).collect();
        Ok(Tree::fit_for(input, &sample, params, tree_seed ^ 0x5DEE_CE66))
    })
}

/// Trees `indices` of an extremely randomized forest, as scikit-learn's
/// `ExtraTreesClassifier`: every tree sees all rows (no bootstrap), tries
/// √p features per split with one random threshold each. Seeded per tree
/// as [`fit_forest`], so it can be grown in parts too.
pub fn fit_extra_trees(
    input: &FitInput<'_>,
    indices: &[usize],
    max_depth: Option<usize>,
    seed: u64,
) -> Result<Vec<Tree>> {
    let params = forest_tree_params(input, max_depth, true);
    let rows: Vec<usize> = (0..input.x.n_rows).collect();
    input.control.map("tree", indices, |&t| Ok(Tree::fit_for(input, &rows, params, tree_seed(seed, t))))
}

/// The mean of the trees' leaf frequencies: a forest's probabilities (or,
/// for a regression forest, its trees' mean value, one per leaf).
///
/// Scored tree by tree over blocks of rows, not row by row over every tree:
/// a fully grown forest is tens of megabytes of nodes, and a row walking
/// all of it before the next row found each tree cold in the cache (930 ns
/// a tree a row on the scoring benchmark, 100 trees of 25,000 nodes). A
/// block's rows walk one tree while it is warm, [`LANES`] of them side by
/// side so their loads overlap. Each row still adds its trees' values in
/// the trees' order, so the sums are the row-by-row sums to the bit.
pub fn forest_proba(trees: &[Tree], x: &Matrix) -> Vec<Vec<f64>> {
    let Some(first) = trees.first().filter(|_| x.n_rows > 0) else {
        return vec![Vec::new(); x.n_rows];
    };
    let width = first.predict_row(x.row(0)).len();
    if width == 0 {
        return vec![Vec::new(); x.n_rows];
    }
    let mut sums = vec![0.0; x.n_rows * width];
    for start in (0..x.n_rows).step_by(BLOCK_ROWS) {
        let end = (start + BLOCK_ROWS).min(x.n_rows);
        for t in trees {
            t.add_leaf_values(x, start, end, width, &mut sums[start * width..end * width]);
        }
    }
    let n = trees.len() as f64;
    sums.chunks(width).map(|row| row.iter().map(|p| p / n).collect()).collect()
}

/// [`forest_proba`] the plain way, each row down every tree in turn: the
/// reference its blocked walk must equal to the bit (the unit tests and the
/// `scoring` fuzz target).
#[cfg(any(test, fuzzing))]
pub fn forest_proba_row_by_row(trees: &[Tree], x: &Matrix) -> Vec<Vec<f64>> {
    (0..x.n_rows)
        .map(|i| {
            let mut sums: Vec<f64> = Vec::new();
            for t in trees {
                let leaf = t.predict_row(x.row(i));
                sums.resize(leaf.len(), 0.0);
                sums.iter_mut().zip(leaf).for_each(|(s, v)| *s += v);
            }
            sums.iter().map(|s| s / trees.len() as f64).collect()
        })
        .collect()
}

/// Rows a tree walks before the next tree does (see [`forest_proba`]):
/// 256 rows of 30 features are 60 KB, beside the tree's hot nodes.
const BLOCK_ROWS: usize = 256;

/// Rows that step through a tree side by side.
const LANES: usize = 8;

impl Tree {
    /// Adds, for each row `start..end` of `x`, the first `width` values of
    /// the leaf it reaches to its `width` sums in `sums` (row `start` first).
    fn add_leaf_values(&self, x: &Matrix, start: usize, end: usize, width: usize, sums: &mut [f64]) {
        for lane_start in (start..end).step_by(LANES) {
            let lanes = (end - lane_start).min(LANES);
            let mut at = [0usize; LANES];
            loop {
                let mut moving = false;
                for (j, i) in at.iter_mut().enumerate().take(lanes) {
                    let s = self.steps[*i];
                    if s.feature != LEAF {
                        let value = x.values[(lane_start + j) * x.n_cols + s.feature as usize];
                        *i = if value <= s.threshold { s.left } else { s.right } as usize;
                        moving = true;
                    }
                }
                if !moving {
                    break;
                }
            }
            for (j, &i) in at.iter().enumerate().take(lanes) {
                let (from, count) = (self.steps[i].left as usize, self.steps[i].right as usize);
                let row = (lane_start + j - start) * width;
                for (sum, v) in sums[row..row + width].iter_mut().zip(&self.values[from..from + count]) {
                    *sum += v;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::Control;

    fn m(rows: &[&[f64]]) -> Matrix {
        Matrix::from_rows(rows)
    }

    fn grow_forest(
        x: &Matrix,
        y: &[usize],
        indices: &[usize],
        weights: Option<&[f64]>,
        seed: u64,
    ) -> Result<Vec<Tree>> {
        let control = Control::default();
        let input = FitInput { x, y, n_classes: 2, class_weight: weights, values: None, control: &control };
        fit_forest(&input, indices, None, seed)
    }

    #[test]
    fn a_stump_splits_at_the_midpoint_and_leaves_hold_frequencies() {
        let x = m(&[&[1.0], &[2.0], &[3.0], &[10.0], &[11.0], &[12.0]]);
        let y = [0, 0, 1, 1, 1, 1];
        let params =
            TreeParams { max_depth: Some(1), min_samples_leaf: 1, max_features: None, random_thresholds: false };
        let t = Tree::fit(&x, &y, &(0..6).collect::<Vec<_>>(), 2, params, None, 0);
        assert_eq!(t.node(0), Node::Split { feature: 0, threshold: 2.5, left: 1, right: 2, cover: 6.0 });
        assert_eq!(t.predict_row(&[0.0]), &[1.0, 0.0]);
        assert_eq!(t.predict_row(&[5.0]), &[0.0, 1.0]);
        let shallow = TreeParams { max_depth: Some(0), ..params };
        let root = Tree::fit(&x, &y, &(0..6).collect::<Vec<_>>(), 2, shallow, None, 0);
        let balanced = Tree::fit(&x, &y, &(0..6).collect::<Vec<_>>(), 2, shallow, Some(&[1.5, 0.75]), 0);
        assert_eq!(balanced.predict_row(&[0.0]), &[0.5, 0.5], "two rows × 1.5 against four × 0.75");
        assert_eq!(root.predict_row(&[0.0]), &[2.0 / 6.0, 4.0 / 6.0], "a leaf's class frequencies");
    }

    #[test]
    fn covers_count_the_bootstrap_rows_and_add_up_from_the_leaves() {
        let x = m(&[&[1.0, 5.0], &[2.0, 4.0], &[3.0, 3.0], &[4.0, 2.0], &[5.0, 1.0], &[6.0, 0.0]]);
        let y = [0, 0, 1, 0, 1, 1];
        for tree in grow_forest(&x, &y, &[0, 1, 2], Some(&[1.0, 2.0]), 7).unwrap() {
            for i in 0..tree.len() {
                if let Node::Split { left, right, cover, .. } = tree.node(i) {
                    let c = |i: usize| match tree.node(i) {
                        Node::Split { cover, .. } | Node::Leaf { cover, .. } => cover,
                    };
                    assert_eq!(cover, c(left) + c(right));
                }
            }
            let flat = tree.flat(1, 1.0);
            // Six bootstrap draws, class 1 weighing 2: between 6 and 12.
            assert!((6.0..=12.0).contains(&flat.nodes[0].cover), "{}", flat.nodes[0].cover);
            for r in 0..6 {
                assert_eq!(flat.predict(x.row(r)), tree.predict_row(x.row(r))[1]);
            }
        }
    }

    #[test]
    fn adjacent_floats_split_without_an_empty_leaf_regression_for_nan_probabilities_with_a_date_column() {
        // cos(6π/7) and cos(8π/7), Wednesday's and Thursday's cosines: equal
        // but for the last bit, so their midpoint rounded to the larger and
        // the right child of the split had no rows (a leaf of 0/0).
        // Half of such pairs round up (to the even last bit): take one of those.
        let mut a = libm::cos(6.0 * std::f64::consts::PI / 7.0);
        while a / 2.0 + a.next_up() / 2.0 != a.next_up() {
            a = a.next_up();
        }
        let b = a.next_up();
        let x = m(&[&[a], &[a], &[b], &[b], &[b]]);
        let y = [0, 0, 1, 1, 1];
        let params = TreeParams { max_depth: None, min_samples_leaf: 1, max_features: None, random_thresholds: false };
        let t = Tree::fit(&x, &y, &[0, 1, 2, 3, 4], 2, params, None, 0);
        assert_eq!(t.node(0), Node::Split { feature: 0, threshold: a, left: 1, right: 2, cover: 5.0 });
        assert_eq!(t.predict_row(&[a]), &[1.0, 0.0]);
        assert_eq!(t.predict_row(&[b]), &[0.0, 1.0]);
        t.check(2).unwrap();
        for tree in grow_forest(&x, &y, &(0..20).collect::<Vec<_>>(), None, 1).unwrap() {
            tree.check(2).unwrap();
        }
    }

    #[test]
    fn a_forest_scored_in_blocks_of_rows_gives_the_row_by_row_sums_to_the_bit() {
        // 3 classes, more rows than a block and not a whole number of lanes,
        // a NaN (which goes right), and rows off every tree's training range.
        let n = 2 * BLOCK_ROWS + LANES + 3;
        let rows: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                let a = ((i * 37) % 101) as f64 / 7.0;
                let b = if i % 97 == 5 { f64::NAN } else { ((i * 13) % 29) as f64 - 14.0 };
                vec![a, b, (i % 5) as f64 * 1e3]
            })
            .collect();
        let x = Matrix::from_rows(&rows.iter().map(Vec::as_slice).collect::<Vec<_>>());
        let y: Vec<usize> = (0..n).map(|i| (i * 7 + i / 11) % 3).collect();
        let control = Control::default();
        let input = FitInput { x: &x, y: &y, n_classes: 3, class_weight: None, values: None, control: &control };
        let trees = fit_forest(&input, &(0..9).collect::<Vec<_>>(), Some(6), 3).unwrap();
        let bits =
            |p: Vec<Vec<f64>>| p.iter().map(|r| r.iter().map(|v| v.to_bits()).collect::<Vec<_>>()).collect::<Vec<_>>();
        assert_eq!(bits(forest_proba(&trees, &x)), bits(forest_proba_row_by_row(&trees, &x)));
        assert_eq!(forest_proba(&trees, &Matrix::new(0, 3, Vec::new())), Vec::<Vec<f64>>::new());
    }

    #[test]
    fn forests_are_seeded() {
        let x = m(&[&[1.0, 5.0], &[2.0, 4.0], &[3.0, 3.0], &[4.0, 2.0], &[5.0, 1.0], &[6.0, 0.0]]);
        let y = [0, 0, 0, 1, 1, 1];
        assert_eq!(
            grow_forest(&x, &y, &(0..10).collect::<Vec<_>>(), None, 7).unwrap(),
            grow_forest(&x, &y, &(0..10).collect::<Vec<_>>(), None, 7).unwrap()
        );
        assert_ne!(
            grow_forest(&x, &y, &(0..10).collect::<Vec<_>>(), None, 7).unwrap(),
            grow_forest(&x, &y, &(0..10).collect::<Vec<_>>(), None, 8).unwrap()
        );
    }

    #[test]
    fn a_tree_writes_the_json_of_its_nodes_and_reads_it_or_its_packed_bytes_back() {
        let x = m(&[&[1.0, 5.0], &[2.0, 4.0], &[3.0, 3.0], &[4.0, 2.0], &[5.0, 1.0], &[6.0, 0.0]]);
        let y = [0, 0, 1, 0, 1, 1];
        for tree in grow_forest(&x, &y, &[0, 1, 2], Some(&[1.0, 0.3]), 7).unwrap() {
            // The JSON a `Vec<Node>` writes, as model files always held it.
            #[derive(Serialize)]
            struct Written {
                nodes: Vec<Node>,
            }
            let nodes: Vec<Node> = (0..tree.len()).map(|i| tree.node(i)).collect();
            let json = serde_json::to_string(&tree).unwrap();
            assert_eq!(json, serde_json::to_string(&Written { nodes }).unwrap());
            assert_eq!(serde_json::from_str::<Tree>(&json).unwrap(), tree);
            let packed = packing(|| serde_json::to_string(&tree)).unwrap();
            assert!(packed.starts_with('"'), "one string: {packed}");
            assert_eq!(serde_json::from_str::<Tree>(&packed).unwrap(), tree);
            assert_eq!(serde_json::to_string(&tree).unwrap(), json, "packing ends with its closure");
        }
    }

    #[test]
    fn bytes_that_are_not_a_tree_are_refused() {
        let x = m(&[&[1.0], &[2.0], &[3.0]]);
        let tree = Tree::fit_numbers(&x, &[1.0, 2.0, 4.0], &[0, 1, 2], forest_tree_params_for_test(), 0);
        let bytes = tree.to_bytes();
        assert_eq!(Tree::from_bytes(&bytes).unwrap(), tree);
        for cut in [0, 7, 8, bytes.len() - 1] {
            assert_eq!(Tree::from_bytes(&bytes[..cut]).unwrap_err(), "the bytes of a tree are cut short or too long");
        }
        let forest = Tree::forest_to_bytes(&[tree.clone(), tree.clone()]);
        assert_eq!(Tree::forest_from_bytes(&forest).unwrap(), [tree.clone(), tree.clone()]);
        assert_eq!(
            Tree::forest_from_bytes(&forest[..forest.len() - 1]).unwrap_err(),
            "the bytes of a forest are cut short"
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Tree::from_bytes(&longer).is_err());
        // One value fewer than the leaves point at.
        let mut short_values = bytes.clone();
        short_values[4..8].copy_from_slice(&((tree.leaves() - 1) as u32).to_le_bytes());
        short_values.truncate(bytes.len() - 8);
        assert!(Tree::from_bytes(&short_values).unwrap_err().contains("past the tree's"));
        let not_base64 = serde_json::from_str::<Tree>("\"#$%\"").unwrap_err().to_string();
        assert!(not_base64.contains("not base64"), "{not_base64}");
        let too_large =
            serde_json::from_str::<Tree>(r#"{"nodes":[{"feature":4294967295,"threshold":1,"left":1,"right":2}]}"#);
        assert!(too_large.unwrap_err().to_string().contains("node 0: its feature 4294967295 is too large"));
    }

    fn forest_tree_params_for_test() -> TreeParams {
        TreeParams { max_depth: None, min_samples_leaf: 1, max_features: None, random_thresholds: false }
    }
}
