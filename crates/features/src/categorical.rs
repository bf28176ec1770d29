//! The categorical step: the most frequent level fills gaps, then one-hot or ordinal codes.

use std::collections::BTreeMap;

use glassbox_core::table::Column;
use std::borrow::Cow;

use crate::spec::{Encoding, FeatureSpec};
use crate::FittedColumn;

pub(crate) fn fit_categorical(col: &Column, rows: &[usize], spec: &FeatureSpec) -> FittedColumn {
    let mut counts: BTreeMap<Cow<'_, str>, usize> = BTreeMap::new();
    match col.codes() {
        // Count codes, then name them: one dictionary lookup per category, not per row.
        Some(codes) => {
            let mut per_code = vec![0usize; codes.dictionary.len()];
            for &r in rows {
                if let Some(c) = per_code.get_mut(codes.codes[r] as usize) {
                    *c += 1;
                }
            }
            for (code, n) in per_code.into_iter().enumerate().filter(|(_, n)| *n > 0) {
                counts.insert(Cow::Borrowed(codes.dictionary[code].as_str()), n);
            }
        }
        None => {
            for &r in rows {
                if let Some(v) = col.text(r) {
                    *counts.entry(v).or_default() += 1;
                }
            }
        }
    }
    // BTreeMap iterates in sorted order and `max_by_key` keeps the last maximum,
    // so iterate in reverse to keep the smallest value among ties.
    let most_frequent =
        counts.iter().rev().max_by_key(|(_, &n)| n).map_or_else(|| "missing".to_string(), |(v, _)| v.to_string());
    // Missing values become the most frequent level, so it counts them too.
    let n_missing = rows.len() - counts.values().sum::<usize>();
    *counts.entry(Cow::Owned(most_frequent.clone())).or_default() += n_missing;
    let mut kept: Vec<(String, usize)> = counts.iter().map(|(k, &n)| (k.to_string(), n)).collect();
    let mut other = false;
    if spec.encoding == Encoding::OneHot {
        let before = kept.len();
        kept.retain(|(_, n)| *n >= spec.min_frequency);
        if let Some(max) = spec.max_levels {
            if kept.len() > max {
                // The most frequent levels; among equals, the smaller name.
                let mut by_count = kept.clone();
                by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                let keep: Vec<String> = by_count.into_iter().take(max).map(|(k, _)| k).collect();
                kept.retain(|(k, _)| keep.contains(k));
            }
        }
        other = kept.len() < before;
    }
    FittedColumn::Categorical {
        name: col.name.clone(),
        most_frequent,
        categories: kept.into_iter().map(|(k, _)| k).collect(),
        encoding: spec.encoding,
        drop_first: spec.drop_first && spec.encoding == Encoding::OneHot,
        other,
    }
}
