//! The run's task, decided once from the target (or chosen): what broke was
//! a car's miles per gallon read as 129 classes, refused for "class '9.0'
//! has only 1 row", which said nothing of what was wrong.

use glassbox_pipeline::task::Task;
use glassbox_pipeline::{train, TrainSpec};

/// A table of `rows` cars: weight, and miles per gallon with a fraction.
fn cars(rows: usize) -> Vec<u8> {
    let mut csv = String::from("weight,mpg,doors\n");
    for i in 0..rows {
        let weight = 1500 + (i * 37) % 2500;
        let mpg = 45.0 - weight as f64 / 100.0 + (i % 7) as f64 * 0.3;
        let doors = 2 + 2 * (i % 2);
        csv.push_str(&format!("{weight},{mpg:.1},{doors}\n"));
    }
    csv.into_bytes()
}

fn check(target: &str, task: Option<Task>, expected: Result<(), &str>) {
    let mut spec = TrainSpec::for_target(target);
    spec.data.task = task;
    match (train(&cars(200), "cars.csv", &spec), expected) {
        (Ok(_), Ok(())) => {}
        (Err(e), Err(want)) => assert!(e.to_string().contains(want), "{target} ({task:?}): {e}"),
        (got, want) => panic!("{target} ({task:?}): got {:?}, expected {want:?}", got.map(|_| "a model")),
    }
}

#[test]
fn a_number_to_predict_is_named_as_such_not_as_a_class_of_one_row() {
    check(
        "mpg",
        None,
        Err("'mpg' is a number to predict (numeric, 149 distinct values, fractions such as 29.9: regression)"),
    );
    check("mpg", Some(Task::Regression), Err("'mpg' is a number to predict (the task chosen)"));
    // Read as classes on request: then the classes' own rule speaks.
    check("mpg", Some(Task::Classification), Err("has only 1 row"));
    // A few whole numbers stay classes, as they always were.
    check("doors", None, Ok(()));
}
