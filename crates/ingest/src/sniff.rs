//! Detection of the delimiter, the header row and the decimal comma from the
//! first records. Each guess can be overridden through `ReadOptions`.

use super::{from_decimal_comma, parse_number};

/// Delimiters tried, in order of preference on a tie.
const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// How many records detection looks at.
const SAMPLE_RECORDS: usize = 100;

fn records(text: &str, delimiter: u8, quote: u8) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .quote(quote)
        .from_reader(text.as_bytes())
        .records()
        .take(SAMPLE_RECORDS)
        .filter_map(|r| r.ok())
        .map(|r| r.iter().map(|f| f.trim().to_string()).collect())
        .collect()
}

/// The delimiter that splits the most sampled records into the same number
/// (more than one) of fields; comma when none does.
pub fn delimiter(text: &str, quote: u8) -> u8 {
    let mut best = (b',', 0usize, 0usize);
    for &d in &CANDIDATES {
        let rows = records(text, d, quote);
        let mut counts = std::collections::BTreeMap::new();
        for r in &rows {
            *counts.entry(r.len()).or_insert(0usize) += 1;
        }
        // The most common field count above one, and how many records have it.
        if let Some((&width, &agree)) = counts.iter().filter(|(&w, _)| w > 1).max_by_key(|(&w, &n)| (n, w)) {
            if (agree, width) > (best.1, best.2) {
                best = (d, agree, width);
            }
        }
    }
    best.0
}

/// The first records, for the other detectors.
pub fn sample(text: &str, delimiter: u8, quote: u8) -> Vec<Vec<String>> {
    records(text, delimiter, quote)
}

/// A decimal comma is likely when fields like `3,14` outnumber fields like `3.14`.
pub fn decimal_comma(sample: &[Vec<String>]) -> bool {
    let is_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (mut comma, mut point) = (0, 0);
    for field in sample.iter().skip(1).flatten() {
        let f = field.trim_start_matches(['-', '+']);
        if let Some((a, b)) = f.split_once(',') {
            if is_digits(a.replace('.', "").as_str()) && is_digits(b) {
                comma += 1;
            }
        } else if let Some((a, b)) = f.split_once('.') {
            if (a.is_empty() || is_digits(a)) && is_digits(b) {
                point += 1;
            }
        }
    }
    comma > point
}

/// The first row is data, not a header, when every field of it is a number
/// (a header of numbers alone is much rarer than a file without a header).
pub fn has_header(sample: &[Vec<String>], decimal_comma: bool) -> bool {
    let Some(first) = sample.first() else { return true };
    let number = |f: &String| {
        if decimal_comma {
            parse_number(&from_decimal_comma(f)).is_some()
        } else {
            parse_number(f).is_some()
        }
    };
    !(sample.len() > 1 && first.iter().all(number))
}
