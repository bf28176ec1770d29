//! Monitoring: does the data a model now sees still look like the data it
//! learnt from, and is it still right?
//!
//! [`profile::Profile`] is what training stores about its rows in
//! `model.json` (bins, percentiles, level counts, the model's own
//! probabilities and test scores). [`current::Current`] tallies new rows
//! chunk by chunk in bounded memory. [`drift::drift`] compares the two
//! column by column with the test named (Evidently's default rule, or the
//! person's choice) and ranks the columns, with a suggestion drawn from the
//! numbers for the three most severe ([`suggest`]). [`decay::decay`] scores
//! a classifier's labelled prediction log period by period, and
//! [`errors::decay_numbers`] a regressor's (errors, bias, interval
//! coverage, with what to do). Pure: bytes and I/O stay with the caller.

#![forbid(unsafe_code)]

pub mod alert;
pub mod current;
pub mod decay;
pub mod drift;
pub mod errors;
pub mod kstwo;
pub mod profile;
pub mod stats;
pub mod suggest;

pub use current::Current;
pub use decay::{decay, Decay, LoggedRow, Period};
pub use drift::{drift, Choice, ColumnDrift, DriftReport, DriftSettings, Method, RawReference};
pub use errors::{decay_numbers, ErrorDecay, LoggedNumber};
pub use profile::Profile;

/// A number for people: four significant digits, no exponent for everyday sizes.
pub fn short_number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let a = v.abs();
    if a != 0.0 && !(1e-3..1e7).contains(&a) {
        return format!("{v:.3e}");
    }
    let digits = if a >= 1000.0 {
        0
    } else if a >= 100.0 {
        1
    } else if a >= 10.0 {
        2
    } else {
        3
    };
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_numbers() {
        for (v, want) in [
            (18.0, "18"),
            (0.05556, "0.056"),
            (1234.6, "1235"),
            (5.5, "5.5"),
            (-2.25, "-2.25"),
            (0.0, "0"),
            (1.5e9, "1.500e9"),
        ] {
            assert_eq!(super::short_number(v), want, "{v}");
        }
    }
}
