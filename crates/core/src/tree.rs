//! A fitted tree reduced to what an explanation needs: splits, the training
//! cover of every node, and one number per leaf. Models build it (the
//! train crate) and explanations read it (the evaluate crate's TreeSHAP),
//! so neither has to know the other's types.

/// One node of a [`FlatTree`]: a split when `left` is `Some`, else a leaf.
#[derive(Debug, Clone, PartialEq)]
pub struct FlatNode {
    /// The split's feature (unused on a leaf).
    pub feature: usize,
    /// Rows with `x[feature] <= threshold` go left.
    pub threshold: f64,
    /// The children (left, right) of a split; `None` on a leaf.
    pub children: Option<(usize, usize)>,
    /// The training rows that reached the node, weighted as the fit weighted them.
    pub cover: f64,
    /// The leaf's output (unused on a split).
    pub value: f64,
}

/// A tree in an arena, the root first.
#[derive(Debug, Clone, PartialEq)]
pub struct FlatTree {
    pub nodes: Vec<FlatNode>,
}

impl FlatTree {
    /// The leaf value that `row` reaches.
    pub fn predict(&self, row: &[f64]) -> f64 {
        let mut i = 0;
        loop {
            let n = &self.nodes[i];
            match n.children {
                None => return n.value,
                Some((l, r)) => i = if row[n.feature] <= n.threshold { l } else { r },
            }
        }
    }

    /// The deepest path from the root, in splits. Walked with a stack of
    /// its own: a tree's depth is the data's choice, and recursion that
    /// deep overflowed a browser worker's stack.
    pub fn depth(&self) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(0, 0)];
        while let Some((i, depth)) = stack.pop() {
            match self.nodes[i].children {
                None => deepest = deepest.max(depth),
                Some((l, r)) => stack.extend([(l, depth + 1), (r, depth + 1)]),
            }
        }
        deepest
    }
}

/// An additive ensemble of trees for one class: its output is
/// `offset + Σ tree(x)`, in probability (forests: each leaf holds the
/// class's frequency divided by the number of trees) or in the class's
/// margin (boosting's raw score, the log-odds for two classes).
#[derive(Debug, Clone, PartialEq)]
pub struct TreeEnsemble {
    pub trees: Vec<FlatTree>,
    pub offset: f64,
    /// Whether the output is a margin (log-odds) rather than a probability.
    pub margin: bool,
}

impl TreeEnsemble {
    pub fn predict(&self, row: &[f64]) -> f64 {
        self.offset + self.trees.iter().map(|t| t.predict(row)).sum::<f64>()
    }

    /// Whether every tree knows its nodes' training covers (older model
    /// files did not store them).
    pub fn has_covers(&self) -> bool {
        self.trees.iter().all(|t| t.nodes[0].cover > 0.0)
    }
}
