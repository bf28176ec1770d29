//! Column flags: the reasons a column is left out of the features by default,
//! or deserves a look. Each flag has a one-line reason in plain words.
//!
//! Excluded by default: constant columns, identifier-like columns, free text,
//! columns more than 95% missing, and likely leakage through missingness.
//! Only flagged (kept): stray non-numbers in a numeric column, and a single
//! feature that alone separates a class almost perfectly, because strong real
//! predictors look like that too.

use serde::{Deserialize, Serialize};

use crate::{Column, ColumnKind};
use glassbox_core::roc::roc_curve;

/// Identifier-like: at least this share of the values are distinct.
const ID_DISTINCT_SHARE: f64 = 0.95;
/// Too few values to call anything an identifier.
const ID_MIN_VALUES: usize = 20;
/// Mostly missing: more than this share of the rows.
const MISSING_SHARE: f64 = 0.95;
/// Free text: values average at least this many words...
const TEXT_MIN_WORDS: f64 = 4.0;
/// ...and at least this share of them are distinct.
const TEXT_DISTINCT_SHARE: f64 = 0.5;
/// Missingness alone separates the classes at least this well: leakage.
const LEAKAGE_AUC: f64 = 0.9;
/// One feature alone separates a class better than this: worth a warning.
const STRONG_AUC: f64 = 0.99;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    Constant,
    Identifier,
    MostlyMissing,
    FreeText,
    Leakage,
    StrayTokens,
    StrongPredictor,
    /// Dates whose day/month order the data could not decide.
    DateOrder,
}

impl FlagKind {
    /// Whether a column with this flag is left out of the features by default.
    pub fn excludes(self) -> bool {
        !matches!(self, FlagKind::StrayTokens | FlagKind::StrongPredictor | FlagKind::DateOrder)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    pub kind: FlagKind,
    pub reason: String,
}

fn flag(kind: FlagKind, reason: String) -> Flag {
    Flag { kind, reason }
}

/// True when any flag excludes the column from features by default.
pub fn excluded(flags: &[Flag]) -> bool {
    flags.iter().any(|f| f.kind.excludes())
}

/// Flags that need no target: constant, identifier, mostly missing, free text, stray tokens.
pub fn column_flags(col: &Column) -> Vec<Flag> {
    let n = col.len();
    let present = n - col.missing_count();
    let mut out = Vec::new();
    if n > 0 && (n - present) as f64 > MISSING_SHARE * n as f64 {
        out.push(flag(
            FlagKind::MostlyMissing,
            format!("{:.1}% missing ({} of {} rows)", 100.0 * (n - present) as f64 / n as f64, n - present, n),
        ));
    }
    let distinct = col.distinct_count();
    if distinct <= 1 {
        let reason = match (0..n).find_map(|i| col.text(i)) {
            Some(v) => format!("the same value ('{v}') in every row that has one"),
            None => "no values at all".to_string(),
        };
        out.push(flag(FlagKind::Constant, reason));
        return out;
    }
    let mostly_distinct = |share: f64| distinct as f64 >= share * present as f64;
    // Words per value, averaged over rows: counted once per distinct text, then weighted by its rows.
    let words = match col.codes() {
        Some(codes) => {
            let per_code: Vec<usize> = codes.dictionary.iter().map(|d| d.split_whitespace().count()).collect();
            codes.codes.iter().filter_map(|&c| per_code.get(c as usize)).sum::<usize>() as f64 / present.max(1) as f64
        }
        None => 1.0,
    };
    if col.kind == ColumnKind::Categorical && words >= TEXT_MIN_WORDS && mostly_distinct(TEXT_DISTINCT_SHARE) {
        out.push(flag(
            FlagKind::FreeText,
            format!("free text: values average {words:.1} words and {distinct} of {present} differ"),
        ));
    } else {
        // Floating-point measurements are never identifiers, nor are dates
        // (a timestamp per row is normal) or booleans: only text or whole numbers.
        let whole = col.kind == ColumnKind::Categorical
            || (col.kind == ColumnKind::Numeric && (0..n).filter_map(|i| col.number(i)).all(|v| v.fract() == 0.0));
        if whole && present >= ID_MIN_VALUES && mostly_distinct(ID_DISTINCT_SHARE) {
            out.push(flag(
                FlagKind::Identifier,
                format!("identifier-like: {distinct} distinct values in {present} rows, so it names rows rather than describing them"),
            ));
        }
    }
    if let Some(d) = col.date.as_ref().filter(|d| d.order_ambiguous) {
        let (read, other, option) = match d.order {
            crate::DateOrder::Mdy => ("month-first (MM/DD/YYYY)", "day-first", "dmy"),
            _ => ("day-first (DD/MM/YYYY)", "month-first", "mdy"),
        };
        out.push(flag(
            FlagKind::DateOrder,
            format!("no date here has a day above 12, so the order is a guess: read as {read}; choose {other} if that is wrong (--date-order {option})"),
        ));
    }
    if col.stray_count() > 0 {
        let first = col.strays.first();
        let example =
            first.map(|t| format!(", for example '{}' on line {}", shorten(&t.token), t.line)).unwrap_or_default();
        // Say what kind of value was wanted, and why a number-looking token
        // is not one: `1e999` and 400-digit integers are numbers, but beyond
        // what a 64-bit float holds, and years past 9999 are beyond a date.
        let wanted = if col.kind == ColumnKind::Datetime {
            "not a date or date-time that can be read (years 0000 to 9999-12-30)"
        } else if first.is_some_and(|t| t.token.trim().parse::<f64>().is_ok_and(|v| !v.is_finite())) {
            "not a finite number (beyond ±1.8e308, or NaN or infinity)"
        } else {
            "not a number"
        };
        out.push(flag(
            FlagKind::StrayTokens,
            format!(
                "{} value{} {wanted} and treated as missing{example}",
                col.stray_count(),
                if col.stray_count() == 1 { " is" } else { "s are" }
            ),
        ));
    }
    out
}

/// A token as a message shows it: at most 40 characters, so a 10 MB field
/// gives a readable line, and invisible characters (a BOM, controls) named.
fn shorten(token: &str) -> String {
    let head: String = token.chars().take(40).collect();
    let mut out = glassbox_core::text::escape_invisible(&head, false).into_owned();
    if token.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}

/// How many rows repeat an earlier row exactly (every column equal, missing
/// equal to missing). Rows are compared by a 64-bit hash of their values; a
/// collision would need about four billion rows to be likely.
pub fn duplicate_rows(table: &crate::Table) -> usize {
    // Column by column into one hash per row, then counted: hashing row by
    // row into a set took 0.15 s of a 2.6-million-row summary, in cache misses.
    let mut hashes = vec![0u64; table.n_rows];
    for c in &table.columns {
        if let Some(codes) = c.codes() {
            for (h, &code) in hashes.iter_mut().zip(&codes.codes) {
                *h = mix(*h, u64::from(code));
            }
        } else if let Some(values) = c.numbers() {
            for (h, &v) in hashes.iter_mut().zip(values) {
                *h = mix(*h, if v.is_nan() { u64::MAX } else { crate::distinct::float_key(v) });
            }
        }
    }
    table.n_rows - crate::distinct::count_distinct(hashes)
}

/// One step of a 64-bit hash over a row's cells (the multiply-rotate of
/// FxHash with a final avalanche from splitmix64, so similar rows spread out).
fn mix(h: u64, v: u64) -> u64 {
    let mut x = (h.rotate_left(5) ^ v).wrapping_mul(0x517c_c1b7_2722_0a95);
    x ^= x >> 31;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^ (x >> 29)
}

/// AUC of `score` for `positive`, folded so 0.2 and 0.8 both read as 0.8:
/// a column that separates the classes in either direction counts.
fn folded_auc(positive: &[bool], score: &[f64]) -> Option<f64> {
    let pos = positive.iter().filter(|&&p| p).count();
    if pos == 0 || pos == positive.len() {
        return None;
    }
    let auc = roc_curve(positive, score).auc;
    Some(auc.max(1.0 - auc))
}

/// Flags that need the target, computed on the training rows only: leakage
/// through missingness, and a single feature that separates a class almost perfectly.
pub fn target_flags(col: &Column, rows: &[usize], y: &[usize], classes: &[String]) -> Vec<Flag> {
    let mut out = Vec::new();
    let present: Vec<bool> = rows.iter().map(|&r| !col.is_missing(r)).collect();
    let n_present = present.iter().filter(|&&p| p).count();
    if n_present > 0 && n_present < rows.len() {
        let mut classes_with_values: Vec<usize> = y.iter().zip(&present).filter(|(_, &p)| p).map(|(&c, _)| c).collect();
        classes_with_values.sort_unstable();
        classes_with_values.dedup();
        let indicator: Vec<f64> = present.iter().map(|&p| f64::from(u8::from(p))).collect();
        let per_class: Vec<f64> = class_targets(classes.len())
            .filter_map(|k| folded_auc(&y.iter().map(|&c| c == k).collect::<Vec<_>>(), &indicator))
            .collect();
        let auc = per_class.iter().sum::<f64>() / per_class.len().max(1) as f64;
        if classes_with_values.len() == 1 {
            out.push(flag(
                FlagKind::Leakage,
                format!("likely leakage: it has values only in rows of class '{}'", classes[classes_with_values[0]]),
            ));
        } else if auc >= LEAKAGE_AUC {
            out.push(flag(
                FlagKind::Leakage,
                format!(
                    "likely leakage: whether it is missing alone predicts the target (AUC {auc:.3} on training rows)"
                ),
            ));
        }
    }
    if col.kind.is_numeric() {
        let known: Vec<(usize, f64)> =
            rows.iter().zip(y).filter_map(|(&r, &c)| col.number(r).map(|v| (c, v))).collect();
        let score: Vec<f64> = known.iter().map(|p| p.1).collect();
        let best = class_targets(classes.len())
            .filter_map(|k| folded_auc(&known.iter().map(|p| p.0 == k).collect::<Vec<_>>(), &score).map(|a| (a, k)))
            .fold(None, |best: Option<(f64, usize)>, x| if best.is_none_or(|b| x.0 > b.0) { Some(x) } else { best });
        if let Some((auc, k)) = best.filter(|b| b.0 > STRONG_AUC) {
            out.push(flag(
                FlagKind::StrongPredictor,
                format!(
                    "alone it separates class '{}' almost perfectly (training AUC {auc:.3}): make sure it is known before the outcome",
                    classes[k]
                ),
            ));
        }
    }
    out
}

/// The classes scored one-vs-rest: only the positive class when binary.
fn class_targets(n_classes: usize) -> impl Iterator<Item = usize> {
    if n_classes == 2 {
        1..2
    } else {
        0..n_classes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_csv;

    fn kinds(flags: &[Flag]) -> Vec<FlagKind> {
        flags.iter().map(|f| f.kind).collect()
    }

    #[test]
    fn column_flags_by_rule() {
        let mut csv = String::from("id,code,const,sparse,note,measure,small\n");
        for i in 0..40 {
            csv.push_str(&format!(
                "{i},C{i},same,{},the quick brown fox number {i},{}.5,{}\n",
                if i == 0 { "x" } else { "" },
                i,
                i % 3
            ));
        }
        let t = parse_csv(csv.as_bytes()).unwrap();
        let f: Vec<Vec<FlagKind>> = t.columns.iter().map(column_flags).map(|f| kinds(&f)).collect();
        assert_eq!(f[0], [FlagKind::Identifier], "integer id");
        assert_eq!(f[1], [FlagKind::Identifier], "text code");
        assert_eq!(f[2], [FlagKind::Constant]);
        assert_eq!(f[3], [FlagKind::MostlyMissing, FlagKind::Constant]);
        assert_eq!(f[4], [FlagKind::FreeText]);
        assert!(f[5].is_empty(), "floating-point measurements are never identifiers");
        assert!(f[6].is_empty());
        let reason = &column_flags(&t.columns[0])[0].reason;
        assert_eq!(
            reason,
            "identifier-like: 40 distinct values in 40 rows, so it names rows rather than describing them"
        );
    }

    #[test]
    fn duplicate_rows_are_counted_once_per_repeat() {
        let t = parse_csv(b"a,b\n1,x\n2,y\n1,x\n1,\n1,\n1,x\n").unwrap();
        assert_eq!(duplicate_rows(&t), 3);
        // A missing number equals a missing number, and -0 equals 0.
        let t = parse_csv(b"a,b\n1,x\n,y\n,y\n-0,z\n0,z\n2,x\n").unwrap();
        assert_eq!(duplicate_rows(&t), 2);
    }

    #[test]
    fn a_timestamp_per_row_is_not_an_identifier() {
        let mut csv = String::from("when\n");
        for i in 0..30 {
            csv.push_str(&format!("2024-01-{:02}T10:00:00Z\n", i + 1));
        }
        let t = parse_csv(csv.as_bytes()).unwrap();
        assert_eq!(t.columns[0].kind, ColumnKind::Datetime);
        assert!(column_flags(&t.columns[0]).is_empty());
    }

    #[test]
    fn leakage_through_missingness() {
        // A lifeboat number only survivors have.
        let mut csv = String::from("boat,age,survived\n");
        for i in 0..30 {
            let survived = i % 2 == 0;
            csv.push_str(&format!(
                "{},{},{}\n",
                if survived { (i % 7 + 1).to_string() } else { String::new() },
                20 + i % 5,
                if survived { "yes" } else { "no" }
            ));
        }
        let t = parse_csv(csv.as_bytes()).unwrap();
        let rows: Vec<usize> = (0..30).collect();
        let y: Vec<usize> = (0..30).map(|i| usize::from(i % 2 == 0)).collect();
        let classes = vec!["no".to_string(), "yes".to_string()];
        let boat = target_flags(&t.columns[0], &rows, &y, &classes);
        assert_eq!(kinds(&boat), [FlagKind::Leakage]);
        assert_eq!(boat[0].reason, "likely leakage: it has values only in rows of class 'yes'");
        assert!(target_flags(&t.columns[1], &rows, &y, &classes).is_empty());
    }

    #[test]
    fn bundled_samples_lose_no_column() {
        for (file, target) in [("breast_cancer.csv", "diagnosis"), ("penguins.csv", "species")] {
            let bytes = std::fs::read(format!("{}/../../public/samples/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
            let t = parse_csv(&bytes).unwrap();
            let ti = t.find(target).unwrap();
            let texts = t.columns[ti].texts();
            let classes = glassbox_core::labels::order_labels(texts.iter().flatten().map(String::as_str));
            let rows: Vec<usize> = (0..t.n_rows).filter(|&r| texts[r].is_some()).collect();
            let y: Vec<usize> =
                rows.iter().map(|&r| classes.iter().position(|c| Some(c) == texts[r].as_ref()).unwrap()).collect();
            for (i, c) in t.columns.iter().enumerate().filter(|(i, _)| *i != ti) {
                let mut flags = column_flags(c);
                flags.extend(target_flags(c, &rows, &y, &classes));
                assert!(!excluded(&flags), "{file}: column {i} '{}' excluded: {flags:?}", c.name);
            }
        }
    }
}
