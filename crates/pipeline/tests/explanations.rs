//! Every model's explanations add up: base value + Σ φ = the model's output
//! for that row, in the stated space (log-odds for the linear model and
//! boosting, probability otherwise), on a binary and a multiclass target;
//! the linear model's and the trees' explanations are exact.

use glassbox_pipeline::model::{model_names, ModelSpec};
use glassbox_pipeline::shap::Space;
use glassbox_pipeline::task::Task;
use glassbox_pipeline::{train, TrainSpec};

fn check(file: &str, target: &str) {
    let bytes = std::fs::read(format!("{}/../../public/samples/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    for name in model_names(Task::Classification).iter() {
        let spec = TrainSpec { model: ModelSpec::by_name(name, 3).unwrap(), ..TrainSpec::for_target(target) };
        let o = train(&bytes, file, &spec).unwrap();
        let s = o.shap.as_ref().unwrap_or_else(|| panic!("{name}: no explanations"));
        assert_eq!(s.rows.len(), o.test_predictions.len(), "{name}: every test row (fewer than 1000)");
        let margin = ["logistic_regression", "gradient_boosting"].contains(name);
        assert_eq!(s.space == Space::LogOdds, margin, "{name}: space");
        let exact = margin || ["decision_tree", "random_forest", "extra_trees"].contains(name);
        for ((e, &row), &class) in s.explanations.iter().zip(&s.rows).zip(&s.classes) {
            let total = e.base + e.phi.iter().sum::<f64>();
            assert!((total - e.output).abs() < 1e-9, "{name} row {row}: {total} vs {}", e.output);
            assert!(!exact || e.std_error.iter().all(|&s| s == 0.0), "{name}: exact, no sampling error");
            if *name == "baseline_stratified" {
                // Its answer is a seeded draw for a position in the scored
                // matrix, not a function of the row: no column matters.
                assert!(e.phi.iter().all(|&p| p == 0.0), "{name} row {row}: {:?}", e.phi);
                continue;
            }
            let p = &o.test_predictions.iter().find(|t| t.row == row).unwrap().proba;
            let want = match s.space {
                Space::Probability => p[class],
                // Two classes keep one margin: the positive class's log-odds.
                Space::LogOdds if p.len() == 2 => (p[1] / p[0]).ln(),
                // A softmax margin is not recoverable from the probabilities alone
                // (they fix only its differences): additivity above is the check.
                Space::LogOdds => continue,
                Space::Target | Space::LogTarget | Space::Log1pTarget => {
                    unreachable!("a classifier's explanation in a regressor's units")
                }
            };
            assert!(
                (e.output - want).abs() < 1e-6 * want.abs().max(1.0),
                "{name} row {row}: output {} vs model {want}",
                e.output
            );
        }
        assert_eq!(s.mean_abs.len(), s.columns.len());
    }
}

#[test]
fn binary_explanations_add_up_to_each_models_output() {
    check("penguins.csv", "sex");
}

#[test]
fn multiclass_explanations_add_up_and_explain_the_predicted_class() {
    check("iris.csv", "species");
}
