//! The single-row what-if form (`rows::form_fields`, `rows::form_row`): built
//! from the training schema, it starts from the values the model fills
//! gaps with and scores through the same checked path as the REST server.

use glassbox_pipeline::rows::{form_fields, form_row, score, FormInput};
use glassbox_pipeline::{train, TrainSpec};

#[test]
fn the_form_has_one_field_per_column_read_and_its_rows_score() {
    let csv = std::fs::read(format!("{}/../../public/samples/penguins.csv", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let o = train(&csv, "penguins.csv", &TrainSpec::for_target("species")).unwrap();
    let fields = form_fields(&o.model);
    let names: Vec<&str> = fields.iter().map(|f| f.column.as_str()).collect();
    assert_eq!(names, ["island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex", "year"]);
    let island = &fields[0];
    assert_eq!(island.input, FormInput::Choice { options: vec!["Biscoe".into(), "Dream".into(), "Torgersen".into()] });
    assert!(["Biscoe", "Dream", "Torgersen"].contains(&island.initial.as_str()));
    let FormInput::Number { range: Some([lo, hi]) } = fields[1].input else { panic!("{:?}", fields[1]) };
    // The whole file's bill lengths run from 32.1 to 59.6; the training rows' lie inside.
    assert!((32.1..=lo).contains(&lo) && hi <= 59.6 && lo < hi, "{lo} {hi}");

    let mut values: Vec<(String, String)> = fields.iter().map(|f| (f.column.clone(), f.initial.clone())).collect();
    let start = score(&o.model, &[form_row(&values)], false).unwrap().remove(0);
    let start = start.as_class().unwrap();
    assert!(start.warnings.is_empty(), "{:?}", start.warnings);
    let ci = start.confidence_interval.unwrap();
    assert!(ci[0] <= start.probability.unwrap() && start.probability.unwrap() <= ci[1]);
    // A Gentoo-sized bird on Biscoe is predicted Gentoo.
    for (k, v) in
        [("island", "Biscoe"), ("bill_depth_mm", "14.5"), ("flipper_length_mm", "225"), ("body_mass_g", "5500")]
    {
        values.iter_mut().find(|(c, _)| c == k).unwrap().1 = v.to_string();
    }
    assert_eq!(score(&o.model, &[form_row(&values)], false).unwrap()[0].as_class().unwrap().prediction, "Gentoo");
    // A field left empty is a null: scored, with a warning.
    values[1].1 = String::new();
    let gap = score(&o.model, &[form_row(&values)], false).unwrap().remove(0);
    assert!(gap.warnings()[0].contains("field 'bill_length_mm' is null"), "{:?}", gap.warnings());
    // Text in a number field is refused, naming it.
    values[1].1 = "long".into();
    let e = score(&o.model, &[form_row(&values)], false).unwrap_err();
    assert!(format!("{:?}", e.errors()).contains("expected a number, got the text 'long'"));
}
