//! Path-dependent TreeSHAP: exact Shapley values of a tree's output where a
//! missing feature is integrated out by following both children of its
//! splits, weighted by their training covers (the values of
//! `shap.TreeExplainer` with `feature_perturbation="tree_path_dependent"`).
//!
//! Written here because no mature Rust crate implements it, and not as
//! Lundberg, Erion and Lee's Algorithm 2 (which this file used first): that
//! algorithm "unwinds" a feature's share of the path with a backward
//! recurrence that cancels catastrophically on deep paths. A random forest
//! on the titanic data (one-hot ticket numbers, paths 30–60 splits deep)
//! gave mean |SHAP| of 1.9e11 for a probability (shap has the same bug:
//! shap/shap#4042). This is the quadrature form (Wettenstein, Mitchell and
//! Yu's Quadrature-TreeSHAP, first order, as in shapiq): for a leaf reached
//! through the distinct features `P` (each with `z`, the product of its
//! splits' cover shares on the path, and `o`, 1 when the row itself takes
//! every one of them), the leaf's game is `Π_{j∈P} (j ∈ S ? o_j : z_j)`,
//! and the Beta integral `|S|!(d−1−|S|)!/d! = ∫₀¹ tˢ(1−t)^(d−1−s) dt` turns
//! feature `i`'s Shapley value into
//!
//! ```text
//! φ_i = value · (o_i − z_i) · ∫₀¹ Π_{j∈P, j≠i} (t·o_j + (1−t)·z_j) dt,
//! ```
//!
//! a polynomial of degree `d − 1` that Gauss–Legendre quadrature with
//! `⌈d/2⌉` nodes integrates exactly. Every factor lies in [0, 1] and every
//! term is positive, so nothing cancels at any depth. The tree is walked
//! with a stack of its own, never by recursion, so a path of any length
//! fits (a browser worker's stack overflowed on a deep tree).
//!
//! The result is per feature of the matrix; [`explain`] sums a column's
//! features (one-hot levels, date parts) into its column, as the linear
//! explanation does, which keeps additivity: base + Σ φ = the output.

use std::ops::Range;

use glassbox_core::tree::{FlatTree, TreeEnsemble};

use crate::shap::Explanation;

/// One distinct feature on the path from the root to the current node.
#[derive(Debug, Clone, Copy)]
struct Entry {
    feature: usize,
    /// The product of the cover shares of the feature's splits on the path:
    /// how much of an "absent" feature's weight reaches here.
    zero: f64,
    /// 1 when the row itself takes every one of the feature's splits on the path, else 0.
    one: f64,
}

/// Gauss–Legendre nodes and weights on [0, 1] for `n` points: exact for
/// polynomials of degree up to `2n − 1`. Newton's method on the Legendre
/// polynomial from the usual cosine guesses, with `libm`'s cosine, so the
/// browser and the CLI get the same bits.
fn gauss_legendre(n: usize) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut x = libm::cos(std::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5));
        let mut derivative = 1.0;
        for _ in 0..100 {
            // P_n(x) and P_{n−1}(x) by the three-term recurrence.
            let (mut p, mut previous) = (1.0, 0.0);
            for k in 1..=n {
                let kf = k as f64;
                (p, previous) = (((2.0 * kf - 1.0) * x * p - (kf - 1.0) * previous) / kf, p);
            }
            derivative = n as f64 * (x * p - previous) / (x * x - 1.0);
            let step = p / derivative;
            x -= step;
            if step.abs() <= 1e-16 {
                break;
            }
        }
        let weight = 2.0 / ((1.0 - x * x) * derivative * derivative);
        // From [−1, 1] to [0, 1].
        out.push(((1.0 - x) / 2.0, weight / 2.0));
    }
    out
}

/// Quadrature rules by path length: `rules[d]` integrates the degree `d − 1`
/// polynomial of a leaf reached through `d` distinct features.
struct Rules(Vec<Vec<(f64, f64)>>);

impl Rules {
    fn up_to(d: usize) -> Rules {
        let mut by_nodes: Vec<Vec<(f64, f64)>> = Vec::new();
        Rules(
            (0..=d)
                .map(|d| {
                    let n = d.div_ceil(2).max(1);
                    while by_nodes.len() < n {
                        by_nodes.push(gauss_legendre(by_nodes.len() + 1));
                    }
                    by_nodes[n - 1].clone()
                })
                .collect(),
        )
    }
}

/// What the walk does next: visit a node (after changing the path by the
/// split that leads to it), or put back the path as it was above a node.
enum Task {
    Visit { node: usize, split: Option<(usize, f64, bool)> },
    Undo(Undo),
}

enum Undo {
    Pop,
    Restore(usize, Entry),
}

/// Adds one tree's Shapley values for `row` (per matrix feature) to `phi`.
pub fn tree_phi(tree: &FlatTree, row: &[f64], phi: &mut [f64]) {
    Walker::new(tree.depth()).add(tree, row, phi);
}

/// The walk's buffers, kept from tree to tree and row to row.
struct Walker {
    rules: Rules,
    path: Vec<Entry>,
    tasks: Vec<Task>,
    /// Per distinct feature of a leaf's path: Σ_k w_k Π_{j≠i} f_j(t_k).
    sums: Vec<f64>,
    prefix: Vec<f64>,
}

impl Walker {
    fn new(depth: usize) -> Walker {
        Walker { rules: Rules::up_to(depth), path: Vec::new(), tasks: Vec::new(), sums: Vec::new(), prefix: Vec::new() }
    }

    fn add(&mut self, tree: &FlatTree, row: &[f64], phi: &mut [f64]) {
        self.path.clear();
        self.tasks.clear();
        self.tasks.push(Task::Visit { node: 0, split: None });
        while let Some(task) = self.tasks.pop() {
            let (node, split) = match task {
                Task::Undo(Undo::Pop) => {
                    self.path.pop();
                    continue;
                }
                Task::Undo(Undo::Restore(k, entry)) => {
                    self.path[k] = entry;
                    continue;
                }
                Task::Visit { node, split } => (node, split),
            };
            if let Some((feature, share, hot)) = split {
                let one = if hot { 1.0 } else { 0.0 };
                // A feature split on again below: its entry takes this split's share too.
                let undo = match self.path.iter().position(|e| e.feature == feature) {
                    Some(k) => {
                        let old = self.path[k];
                        self.path[k] = Entry { feature, zero: old.zero * share, one: old.one * one };
                        Undo::Restore(k, old)
                    }
                    None => {
                        self.path.push(Entry { feature, zero: share, one });
                        Undo::Pop
                    }
                };
                self.tasks.push(Task::Undo(undo));
            }
            let n = &tree.nodes[node];
            match n.children {
                None => self.leaf(n.value, phi),
                Some((left, right)) => {
                    let (hot, cold) = if row[n.feature] <= n.threshold { (left, right) } else { (right, left) };
                    let share = |child: usize| tree.nodes[child].cover / n.cover;
                    // The hot child first: pushed last.
                    self.tasks.push(Task::Visit { node: cold, split: Some((n.feature, share(cold), false)) });
                    self.tasks.push(Task::Visit { node: hot, split: Some((n.feature, share(hot), true)) });
                }
            }
        }
    }

    /// Credits a leaf's `value` to the distinct features on the path.
    fn leaf(&mut self, value: f64, phi: &mut [f64]) {
        let d = self.path.len();
        if d == 0 || value == 0.0 {
            return;
        }
        if self.rules.0.len() <= d {
            self.rules = Rules::up_to(d);
        }
        self.sums.clear();
        self.sums.resize(d, 0.0);
        self.prefix.resize(d + 1, 0.0);
        for &(t, w) in &self.rules.0[d] {
            let f = |e: &Entry| t * e.one + (1.0 - t) * e.zero;
            // Π_{j≠i} f_j(t) as a prefix times a suffix: no division, so a
            // factor of zero (an empty branch) is no trouble.
            self.prefix[0] = 1.0;
            for (i, e) in self.path.iter().enumerate() {
                self.prefix[i + 1] = self.prefix[i] * f(e);
            }
            let mut suffix = w;
            for i in (0..d).rev() {
                self.sums[i] += self.prefix[i] * suffix;
                suffix *= f(&self.path[i]);
            }
        }
        for (e, s) in self.path.iter().zip(&self.sums) {
            phi[e.feature] += value * (e.one - e.zero) * s;
        }
    }
}

/// The cover-weighted mean output of a tree: its expected value over the
/// training rows, the base of its explanation.
pub fn expected_value(tree: &FlatTree) -> f64 {
    let root = tree.nodes[0].cover;
    tree.nodes.iter().filter(|n| n.children.is_none()).map(|n| n.cover * n.value).sum::<f64>() / root
}

/// TreeSHAP of an ensemble for each row of `rows` (feature vectors), summed
/// into the columns `blocks`: exact, so every standard error is 0.
pub fn explain(ensemble: &TreeEnsemble, blocks: &[Range<usize>], rows: &[&[f64]]) -> Vec<Explanation> {
    let base = ensemble.offset + ensemble.trees.iter().map(expected_value).sum::<f64>();
    let width = blocks.iter().map(|b| b.end).max().unwrap_or(0);
    // One walker for the deepest tree, used by every tree and row.
    let mut walker = Walker::new(ensemble.trees.iter().map(FlatTree::depth).max().unwrap_or(0));
    rows.iter()
        .map(|row| {
            let mut features = vec![0.0; width];
            for tree in &ensemble.trees {
                walker.add(tree, row, &mut features);
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

    /// A caterpillar, as a forest grows on one-hot ticket numbers: `d`
    /// splits deep, each on a feature of its own, every level peeling a
    /// row or two of cover off to a leaf of its own.
    fn caterpillar(rng: &mut ChaCha8Rng, d: usize) -> FlatTree {
        let leaf = |cover, value| FlatNode { feature: 0, threshold: 0.0, children: None, cover, value };
        let mut nodes = Vec::new();
        let mut cover = f64::from(rng.gen_range(200..400u32));
        for level in 0..d {
            let peeled = f64::from(rng.gen_range(1..3u32));
            // Node 2·level is the split, 2·level + 1 its peeled leaf, 2·level + 2 the rest.
            nodes.push(FlatNode {
                feature: level,
                threshold: 0.5,
                children: Some((2 * level + 2, 2 * level + 1)),
                cover: cover + peeled,
                value: 0.0,
            });
            nodes.push(leaf(peeled, rng.gen_range(0.0..1.0)));
            cover += peeled;
        }
        nodes.push(leaf(f64::from(rng.gen_range(200..400u32)), rng.gen_range(0.0..1.0)));
        // Covers were counted from the top; make each split its children's sum.
        for level in (0..d).rev() {
            let (l, r) = nodes[2 * level].children.unwrap();
            nodes[2 * level].cover = nodes[l].cover + nodes[r].cover;
        }
        FlatTree { nodes }
    }

    #[test]
    fn deep_one_hot_paths_stay_additive_and_bounded_regression_for_shap_in_the_billions() {
        // Algorithm 2's unwinding gave 1e11 here from depth 40 or so.
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        for d in [10, 40, 80, 300] {
            let tree = caterpillar(&mut rng, d);
            for hot in [None, Some(d / 2), Some(d - 1)] {
                let row: Vec<f64> = (0..d).map(|f| if Some(f) == hot { 1.0 } else { 0.0 }).collect();
                let mut phi = vec![0.0; d];
                tree_phi(&tree, &row, &mut phi);
                let total = expected_value(&tree) + phi.iter().sum::<f64>();
                assert!((total - tree.predict(&row)).abs() < 1e-9, "depth {d}: {total} vs {}", tree.predict(&row));
                // Leaf values are probabilities: no share of one can exceed 1.
                assert!(
                    phi.iter().all(|p| p.abs() <= 1.0),
                    "depth {d}: {:?}",
                    phi.iter().fold(0.0f64, |m, p| m.max(p.abs()))
                );
            }
        }
    }

    #[test]
    fn deep_paths_with_repeated_features_equal_brute_force() {
        let mut rng = ChaCha8Rng::seed_from_u64(21);
        for case in 0..20 {
            let d = 5 + case % 5;
            let tree = random_tree(&mut rng, d, 8 + case % 3);
            let row: Vec<f64> = (0..d).map(|_| rng.gen_range(0.0..1.0)).collect();
            check(&tree, &row, d);
        }
    }

    #[test]
    fn gauss_legendre_integrates_polynomials_of_degree_2n_minus_1_exactly() {
        for n in 1..40 {
            let rule = gauss_legendre(n);
            assert!((rule.iter().map(|(_, w)| w).sum::<f64>() - 1.0).abs() < 1e-14, "{n} nodes: weights");
            for degree in 0..2 * n {
                let integral: f64 = rule.iter().map(|&(t, w)| w * t.powi(degree as i32)).sum();
                let exact = 1.0 / (degree as f64 + 1.0);
                assert!((integral - exact).abs() < 1e-14, "{n} nodes, t^{degree}: {integral} vs {exact}");
            }
        }
    }

    #[test]
    fn a_branch_with_no_cover_adds_nothing_and_breaks_nothing() {
        let leaf = |cover, value| FlatNode { feature: 0, threshold: 0.0, children: None, cover, value };
        let tree = FlatTree {
            nodes: vec![
                FlatNode { feature: 0, threshold: 0.5, children: Some((1, 2)), cover: 4.0, value: 0.0 },
                leaf(0.0, 0.9),
                FlatNode { feature: 1, threshold: 0.5, children: Some((3, 4)), cover: 4.0, value: 0.0 },
                leaf(1.0, 1.0),
                leaf(3.0, 0.0),
            ],
        };
        for row in [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] {
            check(&tree, &row, 2);
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
