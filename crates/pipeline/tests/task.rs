//! The run's task, decided once from the target (or chosen): what broke was
//! a car's miles per gallon read as 129 classes, refused for "class '9.0'
//! has only 1 row", which said nothing of what was wrong.

use glassbox_pipeline::model::ModelSpec;
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

/// Trains on `target` with the task chosen (or detected, `None`) and the
/// task's default model; `expected` is the task the run had, or a part of its refusal.
fn check(target: &str, task: Option<Task>, expected: Result<Task, &str>) {
    let mut spec = TrainSpec::for_target(target);
    spec.data.task = task;
    let table = glassbox_pipeline::ingest::parse_csv(&cars(200)).unwrap();
    spec.model = ModelSpec::default_for(glassbox_pipeline::run::task_of(&table, &spec).unwrap());
    match (train(&cars(200), "cars.csv", &spec), expected) {
        (Ok(o), Ok(want)) => assert_eq!(o.task(), want, "{target} ({task:?})"),
        (Err(e), Err(want)) => assert!(e.to_string().contains(want), "{target} ({task:?}): {e}"),
        (got, want) => panic!("{target} ({task:?}): got {:?}, expected {want:?}", got.map(|_| "a model")),
    }
}

#[test]
fn a_number_to_predict_is_predicted_as_a_number_not_read_as_classes_of_one_row() {
    check("mpg", None, Ok(Task::Regression));
    check("mpg", Some(Task::Regression), Ok(Task::Regression));
    // Read as classes on request: then the classes' own rule speaks.
    check("mpg", Some(Task::Classification), Err("has only 1 row"));
    // A few whole numbers stay classes, as they always were; asked for, they are numbers.
    check("doors", None, Ok(Task::Classification));
    check("doors", Some(Task::Regression), Ok(Task::Regression));
}

#[test]
fn a_model_of_the_other_task_is_refused_naming_the_ones_that_fit() {
    let mut spec = TrainSpec::for_target("mpg");
    spec.model = ModelSpec::by_name("naive_bayes", 0).unwrap();
    let e = train(&cars(200), "cars.csv", &spec).unwrap_err();
    assert!(e.message().starts_with("naive bayes does not predict numbers; the models that do are: knn,"), "{e}");
}
