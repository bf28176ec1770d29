//! ONNX export: a saved model's whole fitted pipeline (imputation, scaling,
//! one-hot and ordinal codes, bins) and its model (logistic regression,
//! decision trees, random forests, extremely randomized trees, gradient
//! boosting) as one graph that `onnxruntime` runs, for Spark or any other
//! engine with an ONNX runtime.
//!
//! The graph has one input per raw column the model reads, named by the
//! column's normalised name, of shape [N, 1]: `double` for numbers (NaN for
//! missing), `string` for categories and booleans (the empty string for
//! missing). Numbers are double, not float, because a tree's split sits at
//! the midpoint of two training values, which is often a value the data
//! holds (18.7, between 18.6 and 18.8): rounded to single precision it
//! lands on the other side of the split, and the row reaches another leaf
//! than `glassbox predict` sends it to. The graph computes in double
//! precision, as Glassbox does, and has two
//! outputs: `probabilities` ([N, classes] float, in the order of the
//! model's classes) and `label` ([N] string, with the saved decision
//! threshold when there is one). Operator sets: ai.onnx 17 and ai.onnx.ml 3.
//!
//! Refused, with a message saying so: date columns (their calendar parts
//! need time-zone arithmetic ONNX does not have), calibrated models, and
//! k-NN, naive Bayes and the baselines.

#![forbid(unsafe_code)]

pub mod proto;

use glassbox_pipeline::error::{Error, ErrorKind, Result};
use glassbox_pipeline::features::{Encoding, FittedColumn};
use glassbox_pipeline::ingest::ColumnKind;
use glassbox_pipeline::ModelFile;
use prost::Message;

use proto::{
    attribute_type as at, data_type as dt, AttributeProto, Dimension, DimensionValue, GraphProto, ModelProto,
    NodeProto, OperatorSetIdProto, StringStringEntryProto, TensorProto, TensorShapeProto, TensorType, TypeProto,
    TypeValue, ValueInfoProto,
};

/// A JSON array of strings.
fn json_strings(items: &[String]) -> String {
    serde_json::to_string(items).expect("strings always serialise")
}

/// The operator sets the graph uses.
pub const OPSET: i64 = 17;
pub const ML_OPSET: i64 = 3;
const ML: &str = "ai.onnx.ml";

fn refuse(why: String) -> Error {
    Error::new(ErrorKind::BadSpec, format!("cannot export to ONNX: {why}"))
}

fn attr(name: &str) -> AttributeProto {
    AttributeProto { name: Some(name.to_string()), ..Default::default() }
}
fn attr_i(name: &str, v: i64) -> AttributeProto {
    AttributeProto { r#type: Some(at::INT), i: Some(v), ..attr(name) }
}
fn attr_f(name: &str, v: f32) -> AttributeProto {
    AttributeProto { r#type: Some(at::FLOAT), f: Some(v), ..attr(name) }
}
fn attr_s(name: &str, v: &str) -> AttributeProto {
    AttributeProto { r#type: Some(at::STRING), s: Some(v.as_bytes().to_vec()), ..attr(name) }
}
fn attr_ints(name: &str, v: Vec<i64>) -> AttributeProto {
    AttributeProto { r#type: Some(at::INTS), ints: v, ..attr(name) }
}
fn attr_floats(name: &str, v: Vec<f32>) -> AttributeProto {
    AttributeProto { r#type: Some(at::FLOATS), floats: v, ..attr(name) }
}
fn attr_strings(name: &str, v: &[String]) -> AttributeProto {
    AttributeProto {
        r#type: Some(at::STRINGS),
        strings: v.iter().map(|s| s.as_bytes().to_vec()).collect(),
        ..attr(name)
    }
}
fn attr_doubles(name: &str, v: Vec<f64>) -> AttributeProto {
    let n = v.len() as i64;
    AttributeProto {
        r#type: Some(at::TENSOR),
        t: Some(TensorProto { dims: vec![n], data_type: Some(dt::DOUBLE), double_data: v, ..Default::default() }),
        ..attr(name)
    }
}

/// The graph being built: nodes in order, constants as initializers, and
/// fresh names for every intermediate value.
#[derive(Default)]
struct Graph {
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
    names: usize,
}

impl Graph {
    fn fresh(&mut self, base: &str) -> String {
        self.names += 1;
        format!("{base}_{}", self.names)
    }

    fn op(&mut self, op: &str, domain: &str, inputs: &[&str], attributes: Vec<AttributeProto>) -> String {
        let out = self.fresh(&op.to_ascii_lowercase());
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![out.clone()],
            name: Some(out.clone()),
            op_type: Some(op.to_string()),
            domain: (!domain.is_empty()).then(|| domain.to_string()),
            attribute: attributes,
        });
        out
    }

    fn constant(&mut self, mut t: TensorProto) -> String {
        let name = self.fresh("const");
        t.name = Some(name.clone());
        self.initializers.push(t);
        name
    }
    fn doubles(&mut self, v: &[f64], dims: &[i64]) -> String {
        self.constant(TensorProto {
            dims: dims.to_vec(),
            data_type: Some(dt::DOUBLE),
            double_data: v.to_vec(),
            ..Default::default()
        })
    }
    fn ints(&mut self, v: &[i64], dims: &[i64]) -> String {
        self.constant(TensorProto {
            dims: dims.to_vec(),
            data_type: Some(dt::INT64),
            int64_data: v.to_vec(),
            ..Default::default()
        })
    }
    fn strings(&mut self, v: &[String]) -> String {
        self.constant(TensorProto {
            dims: vec![v.len() as i64],
            data_type: Some(dt::STRING),
            string_data: v.iter().map(|s| s.as_bytes().to_vec()).collect(),
            ..Default::default()
        })
    }
    fn cast(&mut self, x: &str, to: i32) -> String {
        self.op("Cast", "", &[x], vec![attr_i("to", i64::from(to))])
    }
    /// `[N, 1, k]` from OneHot to `[N, k]`.
    fn flatten_hot(&mut self, hot: &str, k: usize) -> String {
        let shape = self.ints(&[-1, k as i64], &[2]);
        self.op("Reshape", "", &[hot, &shape], vec![])
    }
    /// One-hot rows from int64 indices `[N, 1]` (an index outside 0..depth
    /// gives all zeros), as double. onnxruntime's OneHot has no double
    /// values, so it makes floats (0 and 1 are exact) and a Cast follows.
    fn one_hot(&mut self, idx: &str, depth: usize) -> String {
        let d = self.ints(&[depth as i64], &[1]);
        let values = self.constant(TensorProto {
            dims: vec![2],
            data_type: Some(dt::FLOAT),
            float_data: vec![0.0, 1.0],
            ..Default::default()
        });
        let hot = self.op("OneHot", "", &[idx, &d, &values], vec![attr_i("axis", -1)]);
        let hot = self.flatten_hot(&hot, depth);
        self.cast(&hot, dt::DOUBLE)
    }
}

fn value_info(name: &str, elem: i32, dims: &[Option<i64>]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            value: Some(match d {
                Some(v) => DimensionValue::DimValue(*v),
                None => DimensionValue::DimParam("N".into()),
            }),
        })
        .collect();
    ValueInfoProto {
        name: Some(name.to_string()),
        r#type: Some(TypeProto {
            value: Some(TypeValue::TensorType(TensorType {
                elem_type: Some(elem),
                shape: Some(TensorShapeProto { dim }),
            })),
        }),
        doc_string: None,
    }
}

/// The boolean tokens Glassbox reads, in the cases a file is likely to use
/// (the graph's LabelEncoder matches exactly, Glassbox in any case).
fn boolean_tokens() -> (Vec<String>, Vec<f32>) {
    let mut keys = Vec::new();
    let mut values = Vec::new();
    use glassbox_pipeline::ingest::{FALSE_TOKENS, TRUE_TOKENS};
    for (tokens, v) in [(TRUE_TOKENS, 1.0), (FALSE_TOKENS, 0.0)] {
        for t in tokens {
            let capital = t[..1].to_uppercase() + &t[1..];
            for form in [t.to_string(), t.to_uppercase(), capital] {
                if !keys.contains(&form) {
                    keys.push(form);
                    values.push(v);
                }
            }
        }
    }
    (keys, values)
}

/// The feature block of one input column: `[N, width]` double.
fn column_block(g: &mut Graph, fc: &FittedColumn, kind: ColumnKind, input: &str) -> Result<String> {
    // A number read from a float input (or a boolean from its text), NaN when missing.
    let number = |g: &mut Graph| -> String {
        if kind == ColumnKind::Boolean {
            let (keys, values) = boolean_tokens();
            let f = g.op(
                "LabelEncoder",
                ML,
                &[input],
                vec![
                    attr_strings("keys_strings", &keys),
                    attr_floats("values_floats", values),
                    attr_f("default_float", f32::NAN),
                ],
            );
            g.cast(&f, dt::DOUBLE)
        } else {
            input.to_string()
        }
    };
    let filled = |g: &mut Graph, x: &str, fill: f64| -> (String, String) {
        let nan = g.op("IsNaN", "", &[x], vec![]);
        let f = g.doubles(&[fill], &[1]);
        (g.op("Where", "", &[&nan, &f, x], vec![]), nan)
    };
    Ok(match fc {
        FittedColumn::Numeric { fill, indicator, scaler, .. } => {
            let x = number(g);
            let (v, nan) = filled(g, &x, *fill);
            let center = g.doubles(&[scaler.center], &[1]);
            let scale = g.doubles(&[scaler.scale], &[1]);
            let shifted = g.op("Sub", "", &[&v, &center], vec![]);
            let scaled = g.op("Div", "", &[&shifted, &scale], vec![]);
            if *indicator {
                let flag = g.cast(&nan, dt::DOUBLE);
                g.op("Concat", "", &[&scaled, &flag], vec![attr_i("axis", 1)])
            } else {
                scaled
            }
        }
        FittedColumn::Binned { fill, indicator, edges, .. } => {
            let x = number(g);
            let (v, nan) = filled(g, &x, *fill);
            let n_bins = edges.len() - 1;
            // The bin is the count of edges at or below v, less one, clamped into the bins.
            let e = g.doubles(edges, &[edges.len() as i64]);
            let ge = g.op("GreaterOrEqual", "", &[&v, &e], vec![]);
            let ge = g.cast(&ge, dt::DOUBLE);
            let axes = g.ints(&[1], &[1]);
            let count = g.op("ReduceSum", "", &[&ge, &axes], vec![attr_i("keepdims", 1)]);
            let one = g.doubles(&[1.0], &[]);
            let b = g.op("Sub", "", &[&count, &one], vec![]);
            let (lo, hi) = (g.doubles(&[0.0], &[]), g.doubles(&[(n_bins - 1) as f64], &[]));
            let b = g.op("Clip", "", &[&b, &lo, &hi], vec![]);
            let b = g.cast(&b, dt::INT64);
            let hot = g.one_hot(&b, n_bins);
            if *indicator {
                let flag = g.cast(&nan, dt::DOUBLE);
                g.op("Concat", "", &[&hot, &flag], vec![attr_i("axis", 1)])
            } else {
                hot
            }
        }
        FittedColumn::Categorical { most_frequent, categories, encoding, drop_first, other, .. } => {
            let k = categories.len();
            let slot = |v: &str| categories.iter().position(|c| c == v);
            // As the transform places a level: its own slot, `other`, or nowhere.
            let unseen = match encoding {
                Encoding::OneHot if *other => Some(k),
                _ => None,
            };
            let missing = slot(most_frequent).or(unseen);
            let mut keys: Vec<String> = categories.clone();
            keys.push(String::new());
            match encoding {
                Encoding::OneHot => {
                    let depth = k + usize::from(*other);
                    // Nowhere is an index past the end, which OneHot turns into zeros.
                    let nowhere = (depth + 1) as i64;
                    let mut values: Vec<i64> = (0..k as i64).collect();
                    values.push(missing.map_or(nowhere, |m| m as i64));
                    let idx = g.op(
                        "LabelEncoder",
                        ML,
                        &[input],
                        vec![
                            attr_strings("keys_strings", &keys),
                            attr_ints("values_int64s", values),
                            attr_i("default_int64", unseen.map_or(nowhere, |u| u as i64)),
                        ],
                    );
                    let hot = g.one_hot(&idx, depth);
                    if *drop_first {
                        let (s, e, a) = (g.ints(&[1], &[1]), g.ints(&[depth as i64], &[1]), g.ints(&[1], &[1]));
                        g.op("Slice", "", &[&hot, &s, &e, &a], vec![])
                    } else {
                        hot
                    }
                }
                Encoding::Ordinal => {
                    let mut values: Vec<f32> = (0..k).map(|i| i as f32).collect();
                    values.push(missing.map_or(-1.0, |m| m as f32));
                    let f = g.op(
                        "LabelEncoder",
                        ML,
                        &[input],
                        vec![attr_strings("keys_strings", &keys), attr_floats("values_floats", values), attr_f("default_float", -1.0)],
                    );
                    g.cast(&f, dt::DOUBLE)
                }
            }
        }
        FittedColumn::Datetime { name, .. } => {
            return Err(refuse(format!(
                "column '{name}' is a date, and its calendar parts need time-zone arithmetic that ONNX does not have; train without it (--drop {name}) to export"
            )))
        }
    })
}

/// The tree ensembles as one TreeEnsembleRegressor: every tree of target
/// `t` adds its leaf values to output column `t`, from the offsets. Output
/// `[N, targets]`, as double.
fn trees(g: &mut Graph, x: &str, ensembles: &[glassbox_pipeline::tree::TreeEnsemble]) -> String {
    let (mut tree_ids, mut node_ids, mut features, mut modes, mut values, mut trues, mut falses) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut t_tree, mut t_node, mut t_id, mut t_weight) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut tree_id = 0i64;
    for (target, e) in ensembles.iter().enumerate() {
        for tree in &e.trees {
            for (i, n) in tree.nodes.iter().enumerate() {
                tree_ids.push(tree_id);
                node_ids.push(i as i64);
                match n.children {
                    Some((l, r)) => {
                        features.push(n.feature as i64);
                        modes.push("BRANCH_LEQ".to_string());
                        values.push(n.threshold);
                        trues.push(l as i64);
                        falses.push(r as i64);
                    }
                    None => {
                        features.push(0);
                        modes.push("LEAF".to_string());
                        values.push(0.0);
                        trues.push(0);
                        falses.push(0);
                        t_tree.push(tree_id);
                        t_node.push(i as i64);
                        t_id.push(target as i64);
                        t_weight.push(n.value);
                    }
                }
            }
            tree_id += 1;
        }
    }
    let base: Vec<f64> = ensembles.iter().map(|e| e.offset).collect();
    let out = g.op(
        "TreeEnsembleRegressor",
        ML,
        &[x],
        vec![
            attr_ints("nodes_treeids", tree_ids),
            attr_ints("nodes_nodeids", node_ids),
            attr_ints("nodes_featureids", features),
            attr_strings("nodes_modes", &modes),
            attr_doubles("nodes_values_as_tensor", values),
            attr_ints("nodes_truenodeids", trues),
            attr_ints("nodes_falsenodeids", falses),
            attr_ints("target_treeids", t_tree),
            attr_ints("target_nodeids", t_node),
            attr_ints("target_ids", t_id),
            attr_doubles("target_weights_as_tensor", t_weight),
            attr_i("n_targets", ensembles.len() as i64),
            attr_s("aggregate_function", "SUM"),
            attr_doubles("base_values_as_tensor", base),
            attr_s("post_transform", "NONE"),
        ],
    );
    g.cast(&out, dt::DOUBLE)
}

/// Probabilities from margins: the logistic of one column (two classes,
/// as [1 − p, p]) or the softmax of one per class.
fn from_margins(g: &mut Graph, m: &str, n_margins: usize) -> String {
    if n_margins == 1 {
        let p1 = g.op("Sigmoid", "", &[m], vec![]);
        let one = g.doubles(&[1.0], &[]);
        let p0 = g.op("Sub", "", &[&one, &p1], vec![]);
        g.op("Concat", "", &[&p0, &p1], vec![attr_i("axis", 1)])
    } else {
        g.op("Softmax", "", &[m], vec![attr_i("axis", 1)])
    }
}

/// What keeps a model from ONNX, found before trying, so the app's button
/// can say so beforehand and offer the way out.
#[derive(Debug, Clone, PartialEq)]
pub enum Obstacle {
    /// Its probabilities are calibrated, which the export does not write yet.
    Calibrated,
    /// It reads these date columns, whose calendar parts need time-zone
    /// arithmetic that ONNX does not have.
    Dates(Vec<String>),
}

/// Why `model` cannot be exported, if it cannot.
pub fn obstacle(model: &ModelFile) -> Option<Obstacle> {
    if model.calibration.is_some() {
        return Some(Obstacle::Calibrated);
    }
    let dates: Vec<String> = model
        .features
        .columns()
        .iter()
        .filter(|c| matches!(c, FittedColumn::Datetime { .. }))
        .map(|c| c.name().to_string())
        .collect();
    (!dates.is_empty()).then_some(Obstacle::Dates(dates))
}

/// The model file as ONNX bytes, or why it cannot be exported.
pub fn export(model: &ModelFile) -> Result<Vec<u8>> {
    if model.calibration.is_some() {
        return Err(refuse("the model's probabilities are calibrated, which the export does not write yet; train without --calibrate to export".into()));
    }
    let mut g = Graph::default();
    let mut inputs = Vec::new();
    let mut blocks = Vec::new();
    for fc in model.features.columns() {
        let name = fc.name();
        let kind = model.schema.columns.iter().find(|c| c.name == name).map_or(ColumnKind::Numeric, |c| c.kind);
        let text = matches!(kind, ColumnKind::Categorical | ColumnKind::Boolean);
        inputs.push(value_info(name, if text { dt::STRING } else { dt::DOUBLE }, &[None, Some(1)]));
        blocks.push(column_block(&mut g, fc, kind, name)?);
    }
    let refs: Vec<&str> = blocks.iter().map(String::as_str).collect();
    let x = if refs.len() == 1 { blocks[0].clone() } else { g.op("Concat", "", &refs, vec![attr_i("axis", 1)]) };
    if model.task == glassbox_pipeline::task::Task::Regression {
        let outputs = regression_outputs(&mut g, model, &x)?;
        return Ok(finish(model, g, inputs, outputs));
    }
    let n_classes = model.classes.len();
    let proba = if let Some(lin) = model.model.linear() {
        let (rows, f) = (lin.coefficients.len(), model.features.n_features());
        // MatMul takes [F, R]: the coefficients transposed.
        let w: Vec<f64> = (0..f).flat_map(|j| lin.coefficients.iter().map(move |c| c[j])).collect();
        let w = g.doubles(&w, &[f as i64, rows as i64]);
        let b = g.doubles(lin.intercepts, &[rows as i64]);
        let xw = g.op("MatMul", "", &[&x, &w], vec![]);
        let m = g.op("Add", "", &[&xw, &b], vec![]);
        from_margins(&mut g, &m, rows)
    } else if let Some(first) = model.model.tree_ensemble(0) {
        if first.margin {
            // Boosting: two classes keep one margin, the positive class's log-odds.
            let classes: Vec<usize> = if n_classes == 2 { vec![1] } else { (0..n_classes).collect() };
            let ensembles: Vec<_> = classes.iter().filter_map(|&k| model.model.tree_ensemble(k)).collect();
            let m = trees(&mut g, &x, &ensembles);
            from_margins(&mut g, &m, ensembles.len())
        } else {
            let ensembles: Vec<_> = (0..n_classes).filter_map(|k| model.model.tree_ensemble(k)).collect();
            trees(&mut g, &x, &ensembles)
        }
    } else {
        return Err(refuse(format!(
            "a {} model has no ONNX form here; logistic regression, decision trees, random forests, extra trees and gradient boosting export",
            model.spec.name()
        )));
    };
    let probabilities = g.cast(&proba, dt::FLOAT);
    let classes = g.strings(&model.classes);
    let idx = match model.threshold.as_ref().filter(|_| n_classes == 2) {
        Some(t) => {
            let one = g.ints(&[1], &[]);
            let p1 = g.op("Gather", "", &[&proba, &one], vec![attr_i("axis", 1)]);
            let cut = g.doubles(&[t.value], &[]);
            let ge = g.op("GreaterOrEqual", "", &[&p1, &cut], vec![]);
            g.cast(&ge, dt::INT64)
        }
        None => g.op("ArgMax", "", &[&proba], vec![attr_i("axis", 1), attr_i("keepdims", 0)]),
    };
    let label = g.op("Gather", "", &[&classes, &idx], vec![attr_i("axis", 0)]);
    // The outputs under their contract names.
    let outputs = vec![
        ("label", label, dt::STRING, vec![None]),
        ("probabilities", probabilities, dt::FLOAT, vec![None, Some(n_classes as i64)]),
    ];
    Ok(finish(model, g, inputs, outputs))
}

/// A named graph output: its value, element type and shape.
type Output = (&'static str, String, i32, Vec<Option<i64>>);

/// A regressor's outputs, each `[N, 1]` double: `prediction` on the
/// target's scale and the conformal interval's `pi_low` and `pi_high`
/// (NaN when the model has no bounded interval, as `glassbox predict`
/// leaves those cells empty). The model's own output is mapped as
/// `ModelFile::predict_numbers` maps it: the Poisson link (exp of the
/// margin) inside, then the inverse of the target transform.
fn regression_outputs(g: &mut Graph, model: &ModelFile, x: &str) -> Result<Vec<Output>> {
    let fitted = fitted_output(g, model, &model.model, x)?;
    let back = |g: &mut Graph, v: &str| -> String {
        match model.target_transform {
            glassbox_pipeline::target::TargetTransform::None => v.to_string(),
            glassbox_pipeline::target::TargetTransform::Log1p => {
                let e = g.op("Exp", "", &[v], vec![]);
                let one = g.doubles(&[1.0], &[]);
                g.op("Sub", "", &[&e, &one], vec![])
            }
        }
    };
    let prediction = back(g, &fitted);
    let conformal = model.conformal.as_ref().filter(|c| c.rank.is_some());
    let (low, high) = match conformal {
        Some(c) if c.cv_plus.is_some() => {
            let cv = c.cv_plus.as_ref().expect("checked");
            let high_rank = c.rank.expect("checked");
            let low_rank = cv.residuals.len() + 1 - high_rank;
            // The fold models' outputs side by side, [N, K]; then each
            // training row's fold's output, [N, n], ± its residual.
            let mut outs = Vec::new();
            for m in &cv.models {
                outs.push(fitted_output(g, model, m, x)?);
            }
            let refs: Vec<&str> = outs.iter().map(String::as_str).collect();
            let folds =
                if refs.len() == 1 { outs[0].clone() } else { g.op("Concat", "", &refs, vec![attr_i("axis", 1)]) };
            let n = cv.residuals.len() as i64;
            let which: Vec<i64> = cv.fold_of.iter().map(|&k| k as i64).collect();
            let which = g.ints(&which, &[n]);
            let per_row = g.op("Gather", "", &[&folds, &which], vec![attr_i("axis", 1)]);
            let r = g.doubles(&cv.residuals, &[n]);
            let lows = g.op("Sub", "", &[&per_row, &r], vec![]);
            let highs = g.op("Add", "", &[&per_row, &r], vec![]);
            let (lo, hi) = (kth_smallest(g, &lows, low_rank), kth_smallest(g, &highs, high_rank));
            (back(g, &lo), back(g, &hi))
        }
        Some(c) if c.cqr.is_some() => {
            // CQR: the quantile models' outputs, corrected by q, then
            // widened to hold the prediction (Conformal::around's min and max).
            let cqr = c.cqr.as_ref().expect("checked");
            let q = g.doubles(&[c.half_width.expect("a bounded CQR interval has its correction")], &[]);
            let (low, high) = (fitted_output(g, model, &cqr.low, x)?, fitted_output(g, model, &cqr.high, x)?);
            let lo = g.op("Sub", "", &[&low, &q], vec![]);
            let lo = g.op("Min", "", &[&lo, &fitted], vec![]);
            let hi = g.op("Add", "", &[&high, &q], vec![]);
            let hi = g.op("Max", "", &[&hi, &fitted], vec![]);
            (back(g, &lo), back(g, &hi))
        }
        Some(c) => {
            let q = g.doubles(&[c.half_width.expect("a bounded split interval has its half-width")], &[]);
            let lo = g.op("Sub", "", &[&fitted, &q], vec![]);
            let hi = g.op("Add", "", &[&fitted, &q], vec![]);
            (back(g, &lo), back(g, &hi))
        }
        None => {
            // No bounded interval: NaN in every row (the prediction times
            // NaN keeps its shape).
            let nan = g.doubles(&[f64::NAN], &[]);
            let none = g.op("Mul", "", &[&prediction, &nan], vec![]);
            (none.clone(), none)
        }
    };
    let one = vec![None, Some(1)];
    Ok(vec![
        ("prediction", prediction, dt::DOUBLE, one.clone()),
        ("pi_low", low, dt::DOUBLE, one.clone()),
        ("pi_high", high, dt::DOUBLE, one),
    ])
}

/// A fitted regressor's own output, [N, 1] double, on the scale it was
/// fitted on: a linear model's MatMul, or its trees' sum, through the
/// Poisson link (exp of the margin) when its loss has one.
fn fitted_output(
    g: &mut Graph,
    model: &ModelFile,
    fitted: &glassbox_pipeline::model::FittedModel,
    x: &str,
) -> Result<String> {
    if let Some(lin) = fitted.linear() {
        let f = model.features.n_features();
        let w = g.doubles(&lin.coefficients[0], &[f as i64, 1]);
        let b = g.doubles(&lin.intercepts[..1], &[1]);
        let xw = g.op("MatMul", "", &[x, &w], vec![]);
        return Ok(g.op("Add", "", &[&xw, &b], vec![]));
    }
    if let Some(e) = fitted.tree_ensemble(0) {
        let raw = trees(g, x, std::slice::from_ref(&e));
        return Ok(if fitted.log_link() { g.op("Exp", "", &[&raw], vec![]) } else { raw });
    }
    Err(refuse(format!(
        "a {} model has no ONNX form here; ridge, decision trees, random forests, extra trees and gradient boosting export",
        model.spec.name()
    )))
}

/// The k-th smallest (1-based) of each row of `v`, [N, 1]: TopK's k
/// smallest, sorted, and its last column.
fn kth_smallest(g: &mut Graph, v: &str, k: usize) -> String {
    let kk = g.ints(&[k as i64], &[1]);
    let values = g.fresh("topk");
    let indices = g.fresh("topk_indices");
    g.nodes.push(NodeProto {
        input: vec![v.to_string(), kk],
        output: vec![values.clone(), indices],
        name: Some(values.clone()),
        op_type: Some("TopK".into()),
        domain: None,
        attribute: vec![attr_i("axis", 1), attr_i("largest", 0), attr_i("sorted", 1)],
    });
    let last = g.ints(&[k as i64 - 1], &[1]);
    g.op("Gather", "", &[&values, &last], vec![attr_i("axis", 1)])
}

/// The graph with its outputs under their contract names, and the model
/// with the metadata a caller needs.
fn finish(model: &ModelFile, mut g: Graph, inputs: Vec<ValueInfoProto>, outputs: Vec<Output>) -> Vec<u8> {
    let mut graph_outputs = Vec::new();
    for (name, value, elem, dims) in outputs {
        g.nodes.push(NodeProto {
            input: vec![value],
            output: vec![name.to_string()],
            name: Some(name.to_string()),
            op_type: Some("Identity".into()),
            domain: None,
            attribute: vec![],
        });
        graph_outputs.push(value_info(name, elem, &dims));
    }
    let graph = GraphProto {
        node: g.nodes,
        name: Some(format!("glassbox_{}", model.schema.target)),
        initializer: g.initializers,
        doc_string: Some(format!(
            "{} predicting '{}', trained on data with SHA-256 {}",
            model.spec.name(),
            model.schema.target,
            model.provenance.input_sha256
        )),
        input: inputs,
        output: graph_outputs,
    };
    let m = ModelProto {
        ir_version: Some(8),
        opset_import: vec![
            OperatorSetIdProto { domain: Some(String::new()), version: Some(OPSET) },
            OperatorSetIdProto { domain: Some(ML.into()), version: Some(ML_OPSET) },
        ],
        producer_name: Some("glassbox".into()),
        producer_version: Some(glassbox_pipeline::VERSION.into()),
        doc_string: Some(format!("model file format {}", model.format_version)),
        graph: Some(graph),
        // What a caller needs to feed the graph from raw text and read its
        // output, as JSON: the classes in the probabilities' order, the
        // column names as the training file wrote them, and the text read as missing.
        metadata_props: [
            ("glassbox.classes", json_strings(&model.classes)),
            (
                "glassbox.columns",
                json_strings(
                    &model
                        .features
                        .columns()
                        .iter()
                        .map(|fc| {
                            model
                                .schema
                                .columns
                                .iter()
                                .find(|c| c.name == fc.name())
                                .map_or(fc.name(), |c| &c.original_name)
                                .to_string()
                        })
                        .collect::<Vec<_>>(),
                ),
            ),
            ("glassbox.missing", json_strings(&glassbox_pipeline::ingest::DEFAULT_MISSING.map(String::from))),
            ("glassbox.target", model.schema.target.clone()),
            ("glassbox.task", model.task.as_str().to_string()),
            (
                "glassbox.interval_level",
                model.conformal.as_ref().map_or(String::new(), |c| c.level.value().to_string()),
            ),
        ]
        .into_iter()
        .map(|(k, v)| StringStringEntryProto { key: Some(k.into()), value: Some(v) })
        .collect(),
    };
    m.encode_to_vec()
}
