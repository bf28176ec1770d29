//! k nearest neighbours by Euclidean distance on the preprocessed features,
//! uniform weights, as `KNeighborsClassifier`.
//! Scoring searches the training rows in tiles ([`Tiles`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use glassbox_core::{Error, ErrorKind, Matrix, Result};

use crate::estimator::{Classifier, Dim, Estimator, FitInput};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Knn {
    pub k: usize,
}

/// The training rows themselves (k-NN has no other state): the model
/// file grows with the training set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedKnn {
    pub k: usize,
    pub n_classes: usize,
    pub n_cols: usize,
    /// Shared with the matrix it was fitted on: no copy at fit time.
    pub x: Arc<Vec<f64>>,
    pub y: Vec<usize>,
    /// A regressor's training numbers (then `y` is empty): the prediction is
    /// the mean of the neighbours' numbers, as `KNeighborsRegressor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<f64>>,
}

impl Estimator for Knn {
    type Fitted = FittedKnn;

    fn with_seed(_seed: u64) -> Self {
        Knn { k: 5 }
    }

    fn check(&self) -> Result<()> {
        if self.k == 0 {
            return Err(Error::new(ErrorKind::BadSpec, "k must be at least 1, got 0"));
        }
        Ok(())
    }

    fn describe(&self, _task: glassbox_core::task::Task) -> String {
        format!("k = {}, uniform weights, Euclidean distance", self.k)
    }

    fn space(&self) -> Vec<Dim> {
        vec![Dim::new("k", 1.0, 50.0, true, true)]
    }

    fn with_params(&self, p: &BTreeMap<String, f64>) -> Self {
        Knn { k: p["k"] as usize }
    }

    fn fit(&self, input: &FitInput<'_>) -> Result<FittedKnn> {
        let FitInput { x, y, n_classes, values, .. } = *input;
        let values = values.map(<[f64]>::to_vec);
        Ok(FittedKnn { k: self.k, n_classes, n_cols: x.n_cols, x: Arc::clone(&x.values), y: y.to_vec(), values })
    }
}

impl Classifier for FittedKnn {
    fn check(&self, n_classes: usize) -> std::result::Result<(), String> {
        let FittedKnn { k, n_classes: n, n_cols, x, y, values } = self;
        if let Some(v) = values {
            if !y.is_empty() || *n != 1 || n_classes != 1 {
                return Err("a k-NN regressor holds numbers, not classes".into());
            }
            if *k == 0 || v.is_empty() || v.iter().any(|v| !v.is_finite()) {
                return Err("a k-NN regressor needs k of at least 1 and finite training numbers".into());
            }
            if Some(x.len()) != v.len().checked_mul(*n_cols) {
                return Err(format!("k-NN has {} values for {} rows of {n_cols} features", x.len(), v.len()));
            }
            return Ok(());
        }
        if *n != n_classes {
            return Err(format!("k-NN says {n} classes but the file has {n_classes}"));
        }
        if *k == 0 || y.is_empty() {
            return Err("k-NN needs k of at least 1 and at least one training row".into());
        }
        if Some(x.len()) != y.len().checked_mul(*n_cols) {
            return Err(format!("k-NN has {} values for {} rows of {n_cols} features", x.len(), y.len()));
        }
        if let Some(r) = y.iter().position(|&c| c >= n_classes) {
            return Err(format!("k-NN training row {r} has class index {}, past the {n_classes} classes", y[r]));
        }
        Ok(())
    }

    fn predict_proba(&self, x: &Matrix) -> Vec<Vec<f64>> {
        let FittedKnn { k, n_classes, n_cols, x: train, y, values } = self;
        let rows = values.as_ref().map_or(y.len(), Vec::len);
        let k = (*k).min(rows);
        let tiles = Tiles::new(train, *n_cols, rows);
        let mut lists: Vec<Vec<(f64, usize)>> = Vec::new();
        (0..x.n_rows)
            .map(|i| {
                // A block of rows at a time: each chunk of training rows is
                // searched for all of them while it is in the cache.
                if i % QUERY_BLOCK == 0 {
                    let block: Vec<&[f64]> = (i..(i + QUERY_BLOCK).min(x.n_rows)).map(|r| x.row(r)).collect();
                    tiles.nearest(&block, k, &mut lists);
                }
                let nearest = &lists[i % QUERY_BLOCK];
                if let Some(v) = values {
                    // Summed nearest first, as numpy sums scikit-learn's sorted neighbours.
                    return vec![nearest.iter().map(|&(_, j)| v[j]).sum::<f64>() / k as f64];
                }
                let mut proba = vec![0.0; *n_classes];
                for &(_, j) in nearest {
                    proba[y[j]] += 1.0 / k as f64;
                }
                proba
            })
            .collect()
    }

    fn n_features(&self) -> Option<usize> {
        Some(self.n_cols)
    }
}

impl FittedKnn {
    /// The scoring every k-NN model did before [`Tiles`]: every distance,
    /// then the k smallest by (distance, row), the reference the tiled
    /// search must equal to the bit (the unit tests and the `scoring` fuzz
    /// target).
    #[cfg(any(test, fuzzing))]
    pub fn predict_proba_by_sorting(&self, x: &Matrix) -> Vec<Vec<f64>> {
        let m = self;
        let rows = m.values.as_ref().map_or(m.y.len(), Vec::len);
        (0..x.n_rows)
            .map(|i| {
                let row = x.row(i);
                let mut d: Vec<(f64, usize)> = (0..rows)
                    .map(|j| {
                        let t = &m.x[j * m.n_cols..(j + 1) * m.n_cols];
                        (row.iter().zip(t).map(|(a, b)| (a - b) * (a - b)).sum::<f64>(), j)
                    })
                    .collect();
                d.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                let k = m.k.min(rows);
                if let Some(v) = &m.values {
                    return vec![d[..k].iter().map(|&(_, j)| v[j]).sum::<f64>() / k as f64];
                }
                let mut proba = vec![0.0; m.n_classes];
                for &(_, j) in &d[..k] {
                    proba[m.y[j]] += 1.0 / k as f64;
                }
                proba
            })
            .collect()
    }
}

/// Training rows side by side in a tile (see [`Tiles`]).
const TILE: usize = 8;

/// The training rows in tiles of [`TILE`], each stored feature by feature
/// (the tile's first feature of its eight rows, then the second, ...), so
/// that one row's distances to eight training rows are eight independent
/// sums the compiler keeps in vector registers. Row by row, each distance
/// was one chain of dependent additions, and k-NN scored 20,000 rows
/// against 80,000 at 4.9 times scikit-learn's time.
///
/// Each distance is still the sum of squared differences added in feature
/// order, as it always was, so the neighbours (and every probability) are
/// the same to the bit.
struct Tiles {
    n_cols: usize,
    rows: usize,
    values: Vec<f64>,
}

impl Tiles {
    fn new(train: &[f64], n_cols: usize, rows: usize) -> Tiles {
        let n_tiles = rows.div_ceil(TILE);
        // Rows past the end (in the last tile) are infinitely far: never chosen.
        let mut values = vec![f64::INFINITY; n_tiles * TILE * n_cols];
        for r in 0..rows {
            let (tile, lane) = (r / TILE, r % TILE);
            for f in 0..n_cols {
                values[(tile * n_cols + f) * TILE + lane] = train[r * n_cols + f];
            }
        }
        Tiles { n_cols, rows, values }
    }

    /// For each of `rows`, the `k` training rows nearest to it, nearest
    /// first, equal distances in training order (as a stable sort of every
    /// distance gives them), into `lists` as (squared distance, row).
    ///
    /// The training rows are searched a chunk at a time for every row of
    /// the block: all 80,000 training rows are 19 MB, and searched whole
    /// for one row after another they came from memory each time (the
    /// search waited on its loads more than it computed).
    fn nearest(&self, rows: &[&[f64]], k: usize, lists: &mut Vec<Vec<(f64, usize)>>) {
        lists.resize_with(rows.len(), Vec::new);
        lists.iter_mut().for_each(Vec::clear);
        if k == 0 {
            return;
        }
        if self.n_cols == 0 {
            // No features: every row is at distance 0, the first k are nearest.
            lists.iter_mut().for_each(|l| l.extend((0..k).map(|j| (0.0, j))));
            return;
        }
        pulp::Arch::new().dispatch(Search { tiles: self, rows, k, lists });
    }

    /// Tiles `first..last` searched for `row`, into its `k` nearest so far,
    /// [`GROUP`] tiles at a time. Always inlined, so that it is compiled for
    /// the instruction set [`Tiles::nearest`] dispatched to.
    #[inline(always)]
    fn scan(&self, row: &[f64], first: usize, last: usize, k: usize, nearest: &mut Vec<(f64, usize)>) {
        let mut t = first;
        while t + GROUP <= last {
            self.scan_group::<GROUP>(row, t, k, nearest);
            t += GROUP;
        }
        for t in t..last {
            self.scan_group::<1>(row, t, k, nearest);
        }
    }

    /// Tiles `t..t + G` searched for `row`: their sums side by side, so the
    /// additions of G tiles overlap (one tile's sums wait, feature after
    /// feature, on the previous addition: with AVX2 that latency bounded
    /// the search, not the arithmetic).
    ///
    /// The group stops early once all its partial sums exceed the k-th
    /// nearest distance so far: squares are never negative, so a sum only
    /// grows, and those rows cannot come in. Each row's sum is still its
    /// squared differences added in feature order, and the rows are offered
    /// to the list in training order, so the neighbours are the same.
    #[inline(always)]
    fn scan_group<const G: usize>(&self, row: &[f64], t: usize, k: usize, nearest: &mut Vec<(f64, usize)>) {
        let n_cols = self.n_cols;
        let tile_len = n_cols * TILE;
        let tiles: [&[f64]; G] = std::array::from_fn(|g| &self.values[(t + g) * tile_len..(t + g + 1) * tile_len]);
        let bound = if nearest.len() == k { nearest[k - 1].0 } else { f64::INFINITY };
        let mut sums = [[0.0f64; TILE]; G];
        let mut f = 0;
        while f < n_cols {
            let stop = (f + PRUNE_EVERY).min(n_cols);
            for (i, q) in row.iter().enumerate().take(stop).skip(f) {
                for (tile, sums) in tiles.iter().zip(sums.iter_mut()) {
                    let lanes: &[f64; TILE] =
                        tile[i * TILE..(i + 1) * TILE].try_into().expect("a tile's feature is TILE lanes");
                    for (s, v) in sums.iter_mut().zip(lanes) {
                        let d = q - v;
                        *s += d * d;
                    }
                }
            }
            f = stop;
            if sums.iter().flatten().all(|&s| s > bound) {
                return;
            }
        }
        for (g, sums) in sums.iter().enumerate() {
            for (lane, &d) in sums.iter().enumerate() {
                let j = (t + g) * TILE + lane;
                if j >= self.rows {
                    break;
                }
                // In training order: an equal distance never displaces an
                // earlier row. `total_cmp`, as the sort it replaces: a NaN
                // sorts after every number.
                if nearest.len() == k && d.total_cmp(&nearest[k - 1].0).is_ge() {
                    continue;
                }
                let at = nearest.partition_point(|&(e, _)| e.total_cmp(&d).is_le());
                nearest.insert(at, (d, j));
                nearest.truncate(k);
            }
        }
    }
}

/// [`Tiles::nearest`]'s search, compiled by `pulp` for each instruction set
/// it knows (AVX2 and AVX-512 on x86-64, SIMD128 in wasm) and run with the
/// best the CPU has: four or eight lanes of f64 a vector instead of the
/// x86-64 baseline's two. The same subtractions, products and sums in the
/// same order, never fused (Rust does not contract `a * b + c`), so every
/// build finds the same neighbours to the bit. `pulp` rather than our own
/// `#[target_feature]` function: calling one takes `unsafe`, which no crate
/// here may write.
struct Search<'a> {
    tiles: &'a Tiles,
    rows: &'a [&'a [f64]],
    k: usize,
    lists: &'a mut Vec<Vec<(f64, usize)>>,
}

impl pulp::WithSimd for Search<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: pulp::Simd>(self, _simd: S) {
        let Search { tiles, rows, k, lists } = self;
        let tile_len = tiles.n_cols * TILE;
        let n_tiles = tiles.values.len() / tile_len;
        for first in (0..n_tiles).step_by(CHUNK_TILES) {
            let last = (first + CHUNK_TILES).min(n_tiles);
            for (row, nearest) in rows.iter().zip(lists.iter_mut()) {
                tiles.scan(row, first, last, k, nearest);
            }
        }
    }
}

/// Tiles whose sums are added side by side (see [`Tiles::scan_group`]):
/// four tiles of eight are eight AVX2 registers of sums.
const GROUP: usize = 4;

/// Features summed between checks of a tile's partial sums against the bound.
const PRUNE_EVERY: usize = 8;

/// Rows searched together (see [`Tiles::nearest`]).
const QUERY_BLOCK: usize = 64;

/// Tiles searched for every row of a block before the next: 128 tiles of
/// 30 features are 240 KB, within a core's second-level cache.
const CHUNK_TILES: usize = 128;

#[cfg(test)]
mod tests {
    use super::*;

    fn check(m: &FittedKnn, x: &Matrix) {
        let bits = |p: Vec<Vec<f64>>| {
            p.into_iter().map(|r| r.iter().map(|v| v.to_bits()).collect::<Vec<_>>()).collect::<Vec<_>>()
        };
        assert_eq!(bits(m.predict_proba(x)), bits(m.predict_proba_by_sorting(x)), "k = {}", m.k);
    }

    #[test]
    fn the_search_the_cpu_runs_finds_what_the_baseline_build_finds() {
        // `nearest` dispatches (AVX2 on this machine); `Scalar` is the x86-64
        // baseline build of the same search. Both to the bit.
        let (n, n_cols) = (CHUNK_TILES * TILE + 3 * TILE + 3, 13);
        let train: Vec<f64> = (0..n * n_cols).map(|i| ((i * 31) % 17) as f64 * 0.37 - 2.0).collect();
        let tiles = Tiles::new(&train, n_cols, n);
        let rows: Vec<Vec<f64>> =
            (0..9).map(|r| (0..n_cols).map(|f| ((r * 7 + f * 5) % 11) as f64 * 0.41 - 1.5).collect()).collect();
        let rows: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
        let (mut dispatched, mut baseline) = (Vec::new(), Vec::new());
        tiles.nearest(&rows, 6, &mut dispatched);
        baseline.resize_with(rows.len(), Vec::new);
        pulp::WithSimd::with_simd(Search { tiles: &tiles, rows: &rows, k: 6, lists: &mut baseline }, pulp::Scalar);
        let bits = |l: &Vec<Vec<(f64, usize)>>| {
            l.iter().map(|r| r.iter().map(|&(d, j)| (d.to_bits(), j)).collect::<Vec<_>>()).collect::<Vec<_>>()
        };
        assert!(dispatched.iter().all(|l| l.len() == 6));
        assert_eq!(bits(&dispatched), bits(&baseline));
    }

    #[test]
    fn the_tiled_search_finds_the_neighbours_every_distance_sorted_finds() {
        // Whole numbers in few values: many exact ties, and duplicate rows;
        // 9 features (a partial check, then the rest); two chunks of tiles
        // and a last tile of 5 rows; three blocks of rows, one with a NaN.
        let (n, n_cols, n_queries) = (2 * CHUNK_TILES * TILE + 5, 9, 2 * QUERY_BLOCK + 3);
        let cell = |r: usize, f: usize| ((r * 7 + f * 3 + r / 5) % 4) as f64 - 1.5;
        let train: Vec<f64> = (0..n * n_cols).map(|i| cell(i / n_cols, i % n_cols)).collect();
        let mut queries: Vec<f64> = (0..n_queries * n_cols).map(|i| cell(i / n_cols + 3, i % n_cols) * 0.9).collect();
        queries[70 * n_cols + 7] = f64::NAN;
        let queries = Matrix::new(n_queries, n_cols, queries);
        let y: Vec<usize> = (0..n).map(|r| (r * 5 + r / 3) % 3).collect();
        for k in [1, 2, 5, 8, 9, 17, n, n + 20] {
            let m = FittedKnn { k, n_classes: 3, n_cols, x: Arc::new(train.clone()), y: y.clone(), values: None };
            check(&m, &queries);
            let values = Some((0..n).map(|r| (r as f64).sqrt() * 1.7 - 3.0).collect());
            check(&FittedKnn { y: Vec::new(), n_classes: 1, values, ..m }, &queries);
        }
        // The training rows themselves: each is its own nearest, at distance 0.
        let m = FittedKnn { k: 3, n_classes: 3, n_cols, x: Arc::new(train.clone()), y: y.clone(), values: None };
        check(&m, &Matrix::new(n, n_cols, train));
        // No features at all: the first k rows.
        let m = FittedKnn { k: 4, n_classes: 3, n_cols: 0, x: Arc::new(Vec::new()), y, values: None };
        check(&m, &Matrix::new(n_queries, 0, Vec::new()));
    }
}
