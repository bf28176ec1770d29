//! Wrong answers a newcomer found on public data the other tests had never
//! seen, each on generated data shaped like the data that showed it: a
//! random forest's SHAP values in the billions (titanic: one-hot ticket,
//! cabin and destination levels make paths dozens of splits deep), NaN
//! probabilities and a stack overflow with a date column (a daily weather
//! table: the cosines of Wednesday and Thursday differ in the last bit).

use glassbox_pipeline::ingest::parse_csv;
use glassbox_pipeline::model::{model_names, ModelSpec};
use glassbox_pipeline::run::compare;
use glassbox_pipeline::shap::Space;
use glassbox_pipeline::task::Task;
use glassbox_pipeline::{train, Control, ModelFile, TrainOutcome, TrainSpec};

/// A small linear congruential generator: the data is the same on every machine.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() * n as f64) as usize
    }
}

/// 1,309 passengers as in titanic3: class, sex, age (some missing), fare,
/// a ticket of about 900 distinct values, a cabin missing for most, a
/// destination of about 370, and survival mostly decided by sex and class.
fn titanic_like() -> String {
    let mut r = Lcg(1912);
    let mut csv = String::from("pclass,sex,age,sibsp,parch,ticket,fare,cabin,embarked,home_dest,survived\n");
    for _ in 0..1309 {
        let pclass = 1 + r.below(3);
        let female = r.next() < 0.36;
        let age = if r.next() < 0.2 { String::new() } else { format!("{:.0}", 1.0 + r.next() * 70.0) };
        let ticket = format!("{}{}", ["", "PC ", "CA ", "STON/O "][r.below(4)], 1000 + r.below(900));
        let cabin = if pclass == 1 && r.next() < 0.8 {
            format!("{}{}", ["A", "B", "C", "D", "E"][r.below(5)], r.below(40))
        } else {
            String::new()
        };
        let home = format!("town {}", r.below(370));
        let p = match (female, pclass) {
            (true, 1) => 0.95,
            (true, 2) => 0.85,
            (true, _) => 0.5,
            (false, 1) => 0.35,
            (false, _) => 0.15,
        };
        let survived = u8::from(r.next() < p);
        csv += &format!(
            "{pclass},{},{age},{},{},{ticket},{:.2},{cabin},{},{home},{survived}\n",
            if female { "female" } else { "male" },
            r.below(3),
            r.below(3),
            5.0 + r.next() * 100.0 / pclass as f64,
            ["S", "C", "Q"][r.below(3)]
        );
    }
    csv
}

/// Four years of days from 2012-01-01: precipitation, temperatures, wind,
/// and one of five kinds of weather that follows them loosely.
fn weather_like() -> String {
    let mut r = Lcg(2012);
    let mut csv = String::from("date,precipitation,temp_max,temp_min,wind,weather\n");
    // From 2012-01-01 (day 15,340 since 1970-01-01), four years of days.
    for day in 15_340..15_340 + 1461 {
        let (y, m, d) = glassbox_pipeline::features::civil_from_days(day);
        let season = (std::f64::consts::TAU * (m as f64 - 1.0) / 12.0).cos();
        let rain = if r.next() < 0.45 + 0.2 * season { r.next() * 20.0 } else { 0.0 };
        let t_max = 16.0 - 9.0 * season + r.next() * 6.0;
        let weather = if rain > 0.0 && t_max < 6.0 {
            "snow"
        } else if rain > 2.0 {
            "rain"
        } else if rain > 0.0 {
            ["drizzle", "rain"][r.below(2)]
        } else {
            ["sun", "sun", "fog"][r.below(3)]
        };
        csv += &format!(
            "{y}/{m:02}/{d:02},{rain:.1},{t_max:.1},{:.1},{:.1},{weather}\n",
            t_max - 4.0 - r.next() * 5.0,
            1.0 + r.next() * 6.0
        );
    }
    csv
}

fn run(csv: &str, target: &str, model: &str) -> TrainOutcome {
    let spec = TrainSpec { model: ModelSpec::by_name(model, 42).unwrap(), ..TrainSpec::for_target(target) };
    train(csv.as_bytes(), "data.csv", &spec).unwrap_or_else(|e| panic!("{model}: {e}"))
}

/// Every number a run shows is finite, every probability in [0, 1], and
/// the model file reads back and scores as the run did.
fn check_finite(o: &TrainOutcome, what: &str) {
    let e = &o.evaluation;
    for (name, v) in [("log loss", e.log_loss), ("brier", e.brier), ("ece", e.calibration.ece), ("roc auc", e.roc_auc)]
    {
        assert!(v.is_finite(), "{what}: {name} is {v}");
    }
    for t in &o.test_predictions {
        assert!(t.proba.iter().all(|p| (0.0..=1.0).contains(p)), "{what}: row {} has {:?}", t.row, t.proba);
    }
    let back = ModelFile::from_json(&o.model.to_json()).unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(back.to_json(), o.model.to_json(), "{what}: the model file round-trips");
}

#[test]
fn random_forest_shap_values_add_up_to_the_probability_regression_for_shap_in_the_billions() {
    let csv = titanic_like();
    for model in ["random_forest", "extra_trees"] {
        // Fewer trees than the default 100: each is as deep, and the test stays quick.
        let spec = TrainSpec {
            model: ModelSpec::by_name(model, 42).unwrap().set("n_trees", "25").unwrap(),
            ..TrainSpec::for_target("survived")
        };
        let o = train(csv.as_bytes(), "titanic.csv", &spec).unwrap();
        check_finite(&o, model);
        let s = o.shap.as_ref().unwrap();
        assert!(s.columns.iter().any(|c| c == "ticket"), "{model}: the ticket column is explained: {:?}", s.columns);
        for ((e, &row), &class) in s.explanations.iter().zip(&s.rows).zip(&s.classes) {
            let p = &o.test_predictions.iter().find(|t| t.row == row).unwrap().proba;
            let want = match s.space {
                Space::Probability => p[class],
                Space::LogOdds => (p[1] / p[0]).ln(),
                Space::Target | Space::LogTarget | Space::Log1pTarget => {
                    unreachable!("a classifier's explanation in a regressor's units")
                }
            };
            let total = e.base + e.phi.iter().sum::<f64>();
            assert!((total - want).abs() < 1e-9, "{model} row {row}: base + Σφ = {total}, the model says {want}");
            if s.space == Space::Probability {
                // A probability's parts: no column moves it by more than 1.
                assert!(e.phi.iter().all(|v| v.abs() <= 1.0), "{model} row {row}: {:?}", e.phi);
            }
        }
        assert!(s.mean_abs.iter().all(|v| v.is_finite() && *v < 10.0), "{model}: {:?}", s.mean_abs);
    }
}

#[test]
fn every_model_on_a_daily_table_gives_finite_probabilities_regression_for_nan_with_a_date_column() {
    let csv = weather_like();
    for model in model_names(Task::Classification).iter() {
        let o = run(&csv, "weather", model);
        assert!(o.classes.len() >= 4, "{:?}", o.classes);
        check_finite(&o, model);
        if let Some(s) = &o.shap {
            assert!(s.explanations.iter().all(|e| e.phi.iter().all(|v| v.is_finite())), "{model}: SHAP");
        }
    }
}

#[test]
fn comparing_every_model_on_a_daily_table_finishes_regression_for_a_worker_stack_overflow() {
    let csv = weather_like();
    let table = parse_csv(csv.as_bytes()).unwrap();
    let spec = TrainSpec::for_target("weather");
    let names = model_names(Task::Classification);
    let models: Vec<ModelSpec> = names.iter().map(|m| ModelSpec::by_name(m, 42).unwrap()).collect();
    let board = compare(&table, &spec, &models, 5, &Control::default()).unwrap();
    assert_eq!(board.len(), names.len());
    for entry in &board {
        for (metric, summary) in &entry.cv {
            assert!(summary.mean.is_finite(), "{}: {metric} is {}", entry.model, summary.mean);
        }
    }
}

#[test]
fn a_tree_hundreds_of_splits_deep_grows_and_is_explained_on_a_small_stack_regression_for_a_worker_stack_overflow() {
    use glassbox_pipeline::trees::{Tree, TreeParams};
    // Every row a class of its own: every split ties, the first (one row
    // peeled off) wins, and the tree is a chain 399 splits deep. A browser
    // worker's stack is small; recursion as deep as the data says was not.
    let n = 400;
    let rows: Vec<Vec<f64>> = (0..n).map(|i| vec![i as f64]).collect();
    let x = glassbox_pipeline::matrix::Matrix::from_rows(&rows.iter().map(Vec::as_slice).collect::<Vec<_>>());
    let y: Vec<usize> = (0..n).collect();
    std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || {
            let params =
                TreeParams { max_depth: None, min_samples_leaf: 1, max_features: None, random_thresholds: false };
            let tree = Tree::fit(&x, &y, &(0..n).collect::<Vec<_>>(), n, params, None, 0);
            for i in 0..n {
                assert_eq!(tree.predict_row(&[i as f64])[i], 1.0);
            }
            let flat = tree.flat(n - 1, 1.0);
            assert_eq!(flat.depth(), n - 1);
            let mut phi = vec![0.0];
            glassbox_pipeline::tree_shap::tree_phi(&flat, &[(n - 1) as f64], &mut phi);
            let base = glassbox_pipeline::tree_shap::expected_value(&flat);
            assert!((base + phi[0] - 1.0).abs() < 1e-12, "{base} + {} is the last row's probability, 1", phi[0]);
        })
        .unwrap()
        .join()
        .expect("grown and explained without overflowing a 64 KB stack");
}
