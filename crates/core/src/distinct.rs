//! Counting distinct 64-bit keys: the bits of a column's floats (its
//! distinct count) and the hashes of a table's rows (its duplicate rows).
//!
//! Written by hand because no crate does this one job as fast: a presized
//! open-addressing table with linear probing, after one pass that splits the
//! keys by their hash into parts small enough for the table to stay in
//! cache. Measured on random keys (wasm in V8, 2026-11-26), against sorting
//! and deduplicating as before: 31 columns of 165,000 keys 31 ms against
//! 94 ms, 2 of 2.6 million 57 ms against 116 ms, 2.6 million keys with 1,000
//! distinct 45 ms against 60 ms. A growing `HashSet` was slower than the
//! sort (it spends its time rehashing), and an LSD radix sort about as slow.
//!
//! ```
//! # use glassbox_core::distinct::count_distinct;
//! assert_eq!(count_distinct(vec![3, 1, 3, 0, 7, 0]), 4);
//! ```

/// The key of a present float: its bits identify it exactly, once -0.0 is
/// folded into 0.0.
pub fn float_key(v: f64) -> u64 {
    (v + 0.0).to_bits()
}

/// Keys per part: a table of twice as many 8-byte slots is 2 MB.
const PART_KEYS: usize = 1 << 17;

/// How many different values `keys` holds.
pub fn count_distinct(keys: Vec<u64>) -> usize {
    let mut table = Vec::new();
    let parts = (keys.len() / PART_KEYS).next_power_of_two();
    if parts <= 1 {
        return count_in_table(&keys, &mut table);
    }
    // Split by the top bits of the hash, so equal keys land in the same part
    // and each part's table fits in cache; the table indexes by the low bits.
    let shift = 64 - parts.trailing_zeros();
    let part = |k: u64| (mix(k) >> shift) as usize;
    let mut starts = vec![0usize; parts + 1];
    for &k in &keys {
        starts[part(k) + 1] += 1;
    }
    for p in 1..=parts {
        starts[p] += starts[p - 1];
    }
    let mut next = starts.clone();
    let mut split = vec![0u64; keys.len()];
    for &k in &keys {
        let p = part(k);
        split[next[p]] = k;
        next[p] += 1;
    }
    drop(keys);
    starts.windows(2).map(|w| count_in_table(&split[w[0]..w[1]], &mut table)).sum()
}

/// Counts `keys` into `table`, reused between parts. Slot value 0 means
/// empty, so the key 0 is counted apart.
fn count_in_table(keys: &[u64], table: &mut Vec<u64>) -> usize {
    // At most half full, so a probe ends after about two slots.
    let slots = (2 * keys.len()).next_power_of_two().max(16);
    table.clear();
    table.resize(slots, 0);
    let mask = slots - 1;
    let (mut count, mut zero) = (0, false);
    for &k in keys {
        if k == 0 {
            zero = true;
            continue;
        }
        let mut i = mix(k) as usize & mask;
        loop {
            let slot = table[i];
            if slot == k {
                break;
            }
            if slot == 0 {
                table[i] = k;
                count += 1;
                break;
            }
            i = (i + 1) & mask;
        }
    }
    count + usize::from(zero)
}

/// The finaliser of splitmix64: float bits of whole numbers or of a narrow
/// range share most of their bits, and would crowd a table indexed by them.
fn mix(k: u64) -> u64 {
    let mut x = k ^ (k >> 30);
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_sort(mut keys: Vec<u64>) -> usize {
        keys.sort_unstable();
        keys.dedup();
        keys.len()
    }

    fn xorshift(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    /// Sizes on both sides of one part, keys from few to all distinct,
    /// with zeros: the same count as sorting.
    #[test]
    fn counts_as_sorting_does() {
        let mut seed = 0x2545_f491_4f6c_dd1d;
        for n in [0, 1, 2, 17, 1000, PART_KEYS - 1, PART_KEYS, 3 * PART_KEYS + 5] {
            for range in [1u64, 7, 1000, u64::MAX] {
                let keys: Vec<u64> = (0..n).map(|_| xorshift(&mut seed) % range.max(1)).collect();
                assert_eq!(count_distinct(keys.clone()), by_sort(keys), "n {n}, range {range}");
            }
        }
    }

    /// Float bits of whole numbers differ only in their high bits.
    #[test]
    fn counts_whole_floats() {
        let keys: Vec<u64> = (0..400_000).map(|i| f64::from(i % 250_000).to_bits()).collect();
        assert_eq!(count_distinct(keys), 250_000);
    }
}
