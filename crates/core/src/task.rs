//! The task of a run: predict a class or a number. It is decided once, from
//! the target column (or the person's override), and the run carries it;
//! the modules read it from the run rather than each guessing again.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::table::{Column, ColumnKind};

/// What the model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// One of a set of classes, with a probability for each.
    #[default]
    Classification,
    /// A number.
    Regression,
}

/// A numeric target of at most this many distinct whole numbers stays a
/// set of classes (star ratings, counts of doors); more, or any fraction,
/// makes it a number to predict.
pub const MOST_CLASSES_OF_NUMBERS: usize = 20;

impl Task {
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Classification => "classification",
            Task::Regression => "regression",
        }
    }

    /// For serde's `skip_serializing_if`: classification, the default, is not written.
    pub fn is_classification(&self) -> bool {
        *self == Task::Classification
    }

    /// Reads `classification` or `regression` (the CLI's `--task`, the app's select).
    pub fn parse(text: &str) -> Result<Task> {
        match text {
            "classification" => Ok(Task::Classification),
            "regression" => Ok(Task::Regression),
            other => Err(Error::new(
                ErrorKind::BadSpec,
                format!("unknown task '{other}'; the tasks are: classification, regression"),
            )),
        }
    }
}

/// The task a target column implies, and why, in the words the schema panel
/// and `glassbox inspect` show ("numeric, 129 distinct values: regression").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskGuess {
    pub task: Task,
    pub reason: String,
}

/// The task of predicting `column`: regression for a numeric column with a
/// fraction or more than [`MOST_CLASSES_OF_NUMBERS`] distinct values,
/// classification otherwise (every other kind, and a few whole numbers).
pub fn detect(column: &Column) -> TaskGuess {
    let distinct = column.distinct_count();
    let numbers = match (column.kind, column.numbers()) {
        (ColumnKind::Numeric, Some(numbers)) => numbers,
        (kind, _) => {
            return TaskGuess {
                task: Task::Classification,
                reason: format!("{}, {distinct} distinct values: classification", kind.as_str()),
            }
        }
    };
    let fraction = numbers.iter().find(|v| v.is_finite() && v.fract() != 0.0);
    let (task, why) = match fraction {
        Some(v) => (Task::Regression, format!("{distinct} distinct values, fractions such as {v}")),
        None if distinct > MOST_CLASSES_OF_NUMBERS => (Task::Regression, format!("{distinct} distinct values")),
        None => (
            Task::Classification,
            format!("{distinct} distinct whole numbers (at most {MOST_CLASSES_OF_NUMBERS} are read as classes)"),
        ),
    };
    TaskGuess { task, reason: format!("numeric, {why}: {}", task.as_str()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Codes;

    fn check(column: Column, want: Task, reason: &str) {
        let guess = detect(&column);
        assert_eq!((guess.task, guess.reason.as_str()), (want, reason));
    }

    fn numbers(values: &[f64]) -> Column {
        Column::numeric("y".into(), "y".into(), ColumnKind::Numeric, values.to_vec(), None, Vec::new())
    }

    #[test]
    fn detection_by_kind_fraction_and_count() {
        let many: Vec<f64> = (0..21).map(f64::from).collect();
        check(numbers(&many), Task::Regression, "numeric, 21 distinct values: regression");
        check(
            numbers(&many[..20]),
            Task::Classification,
            "numeric, 20 distinct whole numbers (at most 20 are read as classes): classification",
        );
        check(
            numbers(&[1.0, 2.5, 1.0, f64::NAN]),
            Task::Regression,
            "numeric, 2 distinct values, fractions such as 2.5: regression",
        );
        let codes = Codes { codes: vec![0, 1, 0], dictionary: vec!["a".into(), "b".into()] };
        check(
            Column::categorical("y".into(), "y".into(), codes),
            Task::Classification,
            "categorical, 2 distinct values: classification",
        );
    }

    #[test]
    fn tasks_parse_by_name() {
        assert_eq!(Task::parse("regression").unwrap(), Task::Regression);
        assert!(Task::parse("numbers").unwrap_err().to_string().contains("the tasks are: classification, regression"));
    }
}
