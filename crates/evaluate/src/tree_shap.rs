//! Path-dependent TreeSHAP (Lundberg, Erion and Lee 2018, Algorithm 2; the
//! algorithm behind `shap.TreeExplainer` with
//! `feature_perturbation="tree_path_dependent"`): exact Shapley values of a
//! tree's output where a missing feature is integrated out by following
//! both children of its splits, weighted by their training covers.
//!
//! Written here because no mature Rust crate implements it. One walk of
//! the tree per row keeps, for the path from the root, the share of
//! coalitions of each size that reach the current node (the `weight`s),
//! extending it at every split and "unwinding" a feature's entry when the
//! same feature splits again below, so each leaf is credited to the
//! features on its path in O(depth²): O(leaves · depth²) per row and tree.
//!
//! The result is per feature of the matrix; [`explain`] sums a column's
//! features (one-hot levels, date parts) into its column, as the linear
//! explanation does, which keeps additivity: base + Σ φ = the output.

use std::ops::Range;

use glassbox_core::tree::{FlatTree, TreeEnsemble};

use crate::shap::Explanation;

/// One entry of the path from the root to the current node.
#[derive(Debug, Clone, Copy, Default)]
struct Step {
    /// The feature split on (`usize::MAX` for the root's placeholder).
    feature: usize,
    /// The share of the feature's "absent" weight that reaches here (covers).
    zero: f64,
    /// Whether the row itself goes this way (1) or not (0).
    one: f64,
    /// The weight of coalitions of this entry's size.
    weight: f64,
}

fn extend(path: &mut [Step], depth: usize, zero: f64, one: f64, feature: usize) {
    path[depth] = Step { feature, zero, one, weight: if depth == 0 { 1.0 } else { 0.0 } };
    let d = depth as f64;
    for i in (0..depth).rev() {
        let fi = i as f64;
        path[i + 1].weight += one * path[i].weight * (fi + 1.0) / (d + 1.0);
        path[i].weight = zero * path[i].weight * (d - fi) / (d + 1.0);
    }
}

fn unwind(path: &mut [Step], depth: usize, at: usize) {
    let Step { zero, one, .. } = path[at];
    let d = depth as f64;
    let mut next = path[depth].weight;
    for i in (0..depth).rev() {
        let fi = i as f64;
        if one != 0.0 {
            let w = path[i].weight;
            path[i].weight = next * (d + 1.0) / ((fi + 1.0) * one);
            next = w - path[i].weight * zero * (d - fi) / (d + 1.0);
        } else {
            path[i].weight = path[i].weight * (d + 1.0) / (zero * (d - fi));
        }
    }
    for i in at..depth {
        path[i].feature = path[i + 1].feature;
        path[i].zero = path[i + 1].zero;
        path[i].one = path[i + 1].one;
    }
}

/// The total weight of the path with entry `at` taken out, without changing it.
fn unwound_sum(path: &[Step], depth: usize, at: usize) -> f64 {
    let Step { zero, one, .. } = path[at];
    let d = depth as f64;
    let mut next = path[depth].weight;
    let mut total = 0.0;
    for i in (0..depth).rev() {
        let fi = i as f64;
        if one != 0.0 {
            let w = next * (d + 1.0) / ((fi + 1.0) * one);
            total += w;
            next = path[i].weight - w * zero * (d - fi) / (d + 1.0);
        } else if zero != 0.0 {
            total += path[i].weight / zero / ((d - fi) / (d + 1.0));
        }
    }
    total
}

struct Walk<'a> {
    tree: &'a FlatTree,
    row: &'a [f64],
    phi: &'a mut [f64],
    /// Every level's path, one after another: level `l` owns `l + 1` entries
    /// starting at `l (l + 1) / 2`, a copy of its parent's extended by one.
    buffer: &'a mut [Step],
}

impl Walk<'_> {
    #[allow(clippy::too_many_arguments)]
    fn recurse(&mut self, node: usize, level: usize, depth: usize, zero: f64, one: f64, feature: usize) {
        let start = level * (level + 1) / 2;
        if level > 0 {
            let parent = (level - 1) * level / 2;
            self.buffer.copy_within(parent..parent + depth, start);
        }
        let path = &mut self.buffer[start..start + depth + 1];
        extend(path, depth, zero, one, feature);
        let n = &self.tree.nodes[node];
        let Some((left, right)) = n.children else {
            for i in 1..=depth {
                let w = unwound_sum(path, depth, i);
                let s = path[i];
                self.phi[s.feature] += w * (s.one - s.zero) * n.value;
            }
            return;
        };
        let (hot, cold) = if self.row[n.feature] <= n.threshold { (left, right) } else { (right, left) };
        let (mut in_zero, mut in_one, mut depth) = (1.0, 1.0, depth);
        // A feature split on again below: its earlier entry is taken out
        // and its fractions carried into the new one.
        if let Some(k) = (1..=depth).find(|&i| path[i].feature == n.feature) {
            in_zero = path[k].zero;
            in_one = path[k].one;
            unwind(path, depth, k);
            depth -= 1;
        }
        let cover = n.cover;
        let (hot_share, cold_share) = (self.tree.nodes[hot].cover / cover, self.tree.nodes[cold].cover / cover);
        let f = n.feature;
        self.recurse(hot, level + 1, depth + 1, hot_share * in_zero, in_one, f);
        self.recurse(cold, level + 1, depth + 1, cold_share * in_zero, 0.0, f);
    }
}

/// The cover-weighted mean output of a tree: its expected value over the
/// training rows, the base of its explanation.
pub fn expected_value(tree: &FlatTree) -> f64 {
    let root = tree.nodes[0].cover;
    tree.nodes.iter().filter(|n| n.children.is_none()).map(|n| n.cover * n.value).sum::<f64>() / root
}

/// The path buffer a tree of `depth` splits needs.
fn buffer_for(depth: usize) -> Vec<Step> {
    let levels = depth + 2;
    vec![Step::default(); levels * (levels + 1) / 2]
}

/// Adds one tree's Shapley values for `row` (per matrix feature) to `phi`.
pub fn tree_phi(tree: &FlatTree, row: &[f64], phi: &mut [f64]) {
    let mut buffer = buffer_for(tree.depth());
    Walk { tree, row, phi, buffer: &mut buffer }.recurse(0, 0, 0, 1.0, 1.0, usize::MAX);
}

/// TreeSHAP of an ensemble for each row of `rows` (feature vectors), summed
/// into the columns `blocks`: exact, so every standard error is 0.
pub fn explain(ensemble: &TreeEnsemble, blocks: &[Range<usize>], rows: &[&[f64]]) -> Vec<Explanation> {
    let base = ensemble.offset + ensemble.trees.iter().map(expected_value).sum::<f64>();
    let width = blocks.iter().map(|b| b.end).max().unwrap_or(0);
    // One path buffer for the deepest tree, used by every tree and row.
    let mut buffer = buffer_for(ensemble.trees.iter().map(FlatTree::depth).max().unwrap_or(0));
    rows.iter()
        .map(|row| {
            let mut features = vec![0.0; width];
            for tree in &ensemble.trees {
                Walk { tree, row, phi: &mut features, buffer: &mut buffer }.recurse(0, 0, 0, 1.0, 1.0, usize::MAX);
            }
            let phi = blocks.iter().map(|b| features[b.clone()].iter().sum()).collect();
            Explanation {
                base,
                phi,
                std_error: vec![0.0; blocks.len()],
                output: ensemble.predict(row),
                values: crate::shap::column_values(blocks, row),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use glassbox_core::tree::FlatNode;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The path-dependent value of a coalition: follow the row at splits on
    /// features in it, average both children by cover elsewhere.
    fn value(tree: &FlatTree, node: usize, row: &[f64], coalition: usize) -> f64 {
        let n = &tree.nodes[node];
        match n.children {
            None => n.value,
            Some((l, r)) if coalition >> n.feature & 1 == 1 => {
                value(tree, if row[n.feature] <= n.threshold { l } else { r }, row, coalition)
            }
            Some((l, r)) => {
                (tree.nodes[l].cover * value(tree, l, row, coalition)
                    + tree.nodes[r].cover * value(tree, r, row, coalition))
                    / n.cover
            }
        }
    }

    /// Exact Shapley values over every coalition of the features.
    fn brute_force(tree: &FlatTree, row: &[f64], d: usize) -> Vec<f64> {
        let fact = |n: usize| (1..=n).product::<usize>() as f64;
        (0..d)
            .map(|f| {
                (0..1usize << d)
                    .filter(|m| m >> f & 1 == 0)
                    .map(|m| {
                        let s = m.count_ones() as usize;
                        fact(s) * fact(d - s - 1) / fact(d) * (value(tree, 0, row, m | 1 << f) - value(tree, 0, row, m))
                    })
                    .sum()
            })
            .collect()
    }

    /// A random tree over `d` features whose covers add up (a node's cover
    /// is its children's sum), with features repeating along paths.
    fn random_tree(rng: &mut ChaCha8Rng, d: usize, max_depth: usize) -> FlatTree {
        fn grow(rng: &mut ChaCha8Rng, nodes: &mut Vec<FlatNode>, d: usize, depth: usize, max_depth: usize) -> usize {
            let at = nodes.len();
            nodes.push(FlatNode { feature: 0, threshold: 0.0, children: None, cover: 0.0, value: 0.0 });
            if depth == max_depth || (depth > 1 && rng.gen_bool(0.25)) {
                nodes[at].cover = f64::from(rng.gen_range(1..20u32));
                nodes[at].value = rng.gen_range(-1.0..1.0);
                return at;
            }
            let l = grow(rng, nodes, d, depth + 1, max_depth);
            let r = grow(rng, nodes, d, depth + 1, max_depth);
            nodes[at].feature = rng.gen_range(0..d);
            nodes[at].threshold = rng.gen_range(0.0..1.0);
            nodes[at].children = Some((l, r));
            nodes[at].cover = nodes[l].cover + nodes[r].cover;
            at
        }
        let mut nodes = Vec::new();
        grow(rng, &mut nodes, d, 0, max_depth);
        FlatTree { nodes }
    }

    fn check(tree: &FlatTree, row: &[f64], d: usize) {
        let mut phi = vec![0.0; d];
        tree_phi(tree, row, &mut phi);
        let exact = brute_force(tree, row, d);
        for (f, (got, want)) in phi.iter().zip(&exact).enumerate() {
            assert!((got - want).abs() < 1e-9, "feature {f}: TreeSHAP {got} vs brute force {want}");
        }
        let total = expected_value(tree) + phi.iter().sum::<f64>();
        assert!((total - tree.predict(row)).abs() < 1e-9, "additivity: {total} vs {}", tree.predict(row));
    }

    #[test]
    fn tree_shap_equals_brute_force_shapley_values_on_random_trees() {
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        for case in 0..200 {
            let d = 1 + case % 5;
            let tree = random_tree(&mut rng, d, 2 + case % 5);
            let row: Vec<f64> = (0..d).map(|_| rng.gen_range(0.0..1.0)).collect();
            check(&tree, &row, d);
        }
    }

    #[test]
    fn a_stump_credits_its_one_feature_with_the_gap_to_the_mean() {
        let leaf = |cover, value| FlatNode { feature: 0, threshold: 0.0, children: None, cover, value };
        let tree = FlatTree {
            nodes: vec![
                FlatNode { feature: 1, threshold: 0.5, children: Some((1, 2)), cover: 4.0, value: 0.0 },
                leaf(3.0, 1.0),
                leaf(1.0, 5.0),
            ],
        };
        // Expected value (3·1 + 1·5) / 4 = 2; the row goes right (5): φ₁ = 3.
        let mut phi = vec![0.0; 2];
        tree_phi(&tree, &[0.0, 0.9], &mut phi);
        assert_eq!(phi, [0.0, 3.0]);
        assert_eq!(expected_value(&tree), 2.0);
    }

    #[test]
    fn an_ensemble_sums_its_trees_and_a_columns_features() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let trees: Vec<FlatTree> = (0..4).map(|_| random_tree(&mut rng, 4, 4)).collect();
        let ensemble = TreeEnsemble { trees: trees.clone(), offset: -0.5, margin: true };
        let row = [0.2, 0.7, 0.4, 0.9];
        let e = &explain(&ensemble, &[0..1, 1..3, 3..4], &[&row])[0];
        let mut phi = vec![0.0; 4];
        for t in &trees {
            tree_phi(t, &row, &mut phi);
        }
        assert!((e.phi[1] - (phi[1] + phi[2])).abs() < 1e-12, "a column's features add up");
        assert!((e.base + e.phi.iter().sum::<f64>() - e.output).abs() < 1e-9, "additivity");
        assert!((e.output - ensemble.predict(&row)).abs() < 1e-15);
    }
}
