//! Validation and search through the composer's learner: the tests that need
//! both a feature pipeline and a model, so they live where the two meet
//! (moved from `validate.rs` and `search.rs` when those became crates of
//! their own).

use glassbox_pipeline::control::Control;
use glassbox_pipeline::features::{FeatureSpec, FittedColumn};
use glassbox_pipeline::ingest::{parse_csv, Table};
use glassbox_pipeline::model::ModelSpec;
use glassbox_pipeline::run::Learner;
use glassbox_pipeline::search::{Sampler, Searcher, TrialScore};
use glassbox_pipeline::validate::{cross_validate, time_validate, Problem, Target, WindowMode};

fn learner<'a>(feature_columns: &'a [usize], model: &'a ModelSpec, features: &'a FeatureSpec) -> Learner<'a> {
    Learner { feature_columns, model, features, balanced: false, transform: Default::default() }
}

/// Regression guard against leakage: each fold's scaler must be fitted on
/// that fold's training rows only. One huge value makes any leak visible.
#[test]
fn preprocessing_never_sees_validation_rows() {
    let mut csv = String::from("x,y\n");
    for i in 0..40 {
        let x = if i == 7 { 1e9 } else { i as f64 };
        csv.push_str(&format!("{x},{}\n", if i % 2 == 0 { "a" } else { "b" }));
    }
    let t = parse_csv(csv.as_bytes()).unwrap();
    let rows: Vec<usize> = (0..40).collect();
    let y: Vec<usize> = (0..40).map(|i| i % 2).collect();
    let (spec, features) = (ModelSpec::default(), FeatureSpec::default());
    let l = learner(&[0], &spec, &features);
    let p = Problem { table: &t, rows: &rows, target: Target::Classes { y: &y, n_classes: 2 }, learner: &l };
    let (cv, folds, _) = cross_validate(&p, 4, 1, &Control::default()).unwrap();
    assert_eq!(cv.metrics["accuracy"].folds.len(), 4);
    for f in &folds {
        let FittedColumn::Numeric { scaler, .. } = &f.fitted.0.columns()[0] else { panic!("numeric") };
        let mean = &scaler.center;
        let expected = f.train.iter().map(|&r| t.columns[0].number(r).unwrap()).sum::<f64>() / f.train.len() as f64;
        assert_eq!(*mean, expected, "the scaler of a fold saw rows outside its training part");
        assert!(f.validation.iter().all(|r| !f.train.contains(r)));
    }
}

fn drifting() -> Table {
    // Days 1..=60; x predicts y, and the file is not in time order.
    let mut csv = String::from("day,x,y\n");
    for i in (0..60).rev() {
        csv.push_str(&format!(
            "2024-0{}-{:02},{}.5,{}\n",
            1 + i / 28,
            1 + i % 28,
            i % 10,
            if i % 10 > 4 { "hi" } else { "lo" }
        ));
    }
    parse_csv(csv.as_bytes()).unwrap()
}

#[test]
fn windows_train_on_the_past_and_score_the_next_block() {
    let t = drifting();
    let rows: Vec<usize> = (0..60).collect();
    let y: Vec<usize> = rows.iter().map(|&r| usize::from(t.columns[2].text(r).unwrap() == "lo")).collect();
    let (spec, features) = (ModelSpec::default(), FeatureSpec::default());
    let l = learner(&[1], &spec, &features);
    let p = Problem { table: &t, rows: &rows, target: Target::Classes { y: &y, n_classes: 2 }, learner: &l };
    let r = time_validate(&p, 0, 3, WindowMode::Expanding, &Control::default()).unwrap();
    assert_eq!(r.windows.len(), 3);
    assert_eq!(r.windows.iter().map(|w| (w.n_train, w.n_test)).collect::<Vec<_>>(), [(15, 15), (30, 15), (45, 15)]);
    for w in &r.windows {
        assert!(w.train_to < w.test_from, "training ends before the window starts: {w:?}");
    }
    let rolling = time_validate(&p, 0, 3, WindowMode::Rolling, &Control::default()).unwrap();
    assert_eq!(rolling.windows.iter().map(|w| w.n_train).collect::<Vec<_>>(), [15, 15, 15]);
    assert!(time_validate(&p, 2, 3, WindowMode::Rolling, &Control::default()).is_err());
}

#[test]
fn both_samplers_are_seeded_and_tpe_concentrates_near_good_values() {
    let bytes =
        std::fs::read(format!("{}/../../public/samples/breast_cancer.csv", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let t = parse_csv(&bytes).unwrap();
    let rows: Vec<usize> = (0..t.n_rows).collect();
    let y: Vec<usize> = rows.iter().map(|&r| usize::from(t.columns[30].text(r).unwrap() == "malignant")).collect();
    let columns: Vec<usize> = (0..30).collect();
    let features = FeatureSpec::default();
    // A trial's score: mean ROC AUC of 3-fold cross-validation, as the composer scores it.
    let score = |m: &ModelSpec, c: &Control<'_>| {
        let l = learner(&columns, m, &features);
        let p = Problem { table: &t, rows: &rows, target: Target::Classes { y: &y, n_classes: 2 }, learner: &l };
        let auc = &cross_validate(&p, 3, 1, c)?.0.metrics["roc_auc"];
        Ok(TrialScore { score: auc.mean, folds: auc.folds.clone() })
    };
    let base = ModelSpec::by_name("knn", 0).unwrap();
    // As the plan drives a search: batch after batch, each scored on the control's threads.
    let run = |sampler, control: &Control<'_>| {
        let mut searcher = Searcher::new(&base, sampler, 12, 1);
        let inner = Control { threads: 1, ..control.quiet() };
        loop {
            let batch = searcher.next_batch();
            if batch.is_empty() {
                break searcher.finish();
            }
            searcher.record(&control.map("search trial", &batch, |m| score(m, &inner)).unwrap());
        }
    };
    let random = run(Sampler::Random, &Control::default());
    let tpe = run(Sampler::Tpe, &Control::default());
    assert_eq!(random, run(Sampler::Random, &Control::default()), "same seed, same trials");
    let threaded = Control { threads: 3, ..Control::default() };
    assert_eq!(tpe, run(Sampler::Tpe, &threaded), "threads change nothing");
    assert_eq!(random.trials.len(), 12);
    let curve = tpe.best_so_far();
    assert!(curve.windows(2).all(|w| w[1] >= w[0]), "best-so-far never falls");
    assert!(tpe.best().unwrap().score > 0.95);
    assert!(tpe.trials.iter().all(|t| (1.0..=50.0).contains(&t.params["k"]) && t.params["k"].fract() == 0.0));
}
