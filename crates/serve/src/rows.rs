//! Scoring rows given as JSON objects: the REST server's input, and any
//! caller that holds one row at a time.
//!
//! A row is an object keyed by column name, as in the training file's
//! header or normalised (`"Body Mass (g)"` or `body_mass_g`). Every column
//! the model reads must be present; its value is checked against the
//! column's kind before anything is scored, and every problem of every row
//! is reported at once, naming the row and the field.
//!
//! The checked rows are written as CSV and scored by [`crate::predict`],
//! the function `glassbox predict` uses, so an answer here equals that
//! command's on the same rows bit for bit (both read the same text with the
//! same parser). That costs a few microseconds of formatting per row, well
//! below a model's own cost.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{Map, Value};

use glassbox_core::names::normalise_name;
use glassbox_core::table::ColumnKind;
use glassbox_ingest::ReadOptions;

use crate::model_file::ModelFile;
use crate::predict::predict;

/// The default batch limit of one request.
pub const MAX_ROWS: usize = 10_000;

/// One reason a row cannot be scored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    /// The row's index in the batch; `None` for a single object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    /// The field, as the caller spelled it (or the column's name when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub reason: String,
}

/// Why a request body is not scored.
#[derive(Debug, Clone, PartialEq)]
pub enum Rejection {
    /// Not JSON, or JSON that is not an object or an array of objects.
    Malformed(String),
    /// More rows than the limit.
    TooManyRows { rows: usize, limit: usize },
    /// Well-formed, but fields are missing or of the wrong kind.
    Invalid(Vec<FieldError>),
}

impl Rejection {
    /// Every reason, one per field.
    pub fn errors(&self) -> Vec<FieldError> {
        match self {
            Rejection::Malformed(reason) => vec![FieldError { row: None, field: None, reason: reason.clone() }],
            Rejection::TooManyRows { rows, limit } => vec![FieldError {
                row: None,
                field: None,
                reason: format!("the batch has {rows} rows, more than the limit of {limit}"),
            }],
            Rejection::Invalid(errors) => errors.clone(),
        }
    }
}

/// The answer for one row: a class with its probabilities, or a number
/// with its interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ScoredRow {
    Class(ClassRow),
    Number(NumberRow),
}

impl ScoredRow {
    /// The classifier's answer; `None` for a regressor's.
    pub fn as_class(&self) -> Option<&ClassRow> {
        match self {
            ScoredRow::Class(c) => Some(c),
            ScoredRow::Number(_) => None,
        }
    }

    /// The regressor's answer; `None` for a classifier's.
    pub fn as_number(&self) -> Option<&NumberRow> {
        match self {
            ScoredRow::Number(n) => Some(n),
            ScoredRow::Class(_) => None,
        }
    }

    pub fn warnings(&self) -> &[String] {
        match self {
            ScoredRow::Class(c) => &c.warnings,
            ScoredRow::Number(n) => &n.warnings,
        }
    }
}

/// A regressor's answer for one row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NumberRow {
    pub prediction: f64,
    /// `[low, high]` at `interval_level`; `None` (`null`) for a model without
    /// an interval or with an unbounded one (then a warning says so).
    pub prediction_interval: Option<[f64; 2]>,
    pub interval_level: Option<crate::conformal::Level>,
    pub warnings: Vec<String>,
}

/// A classifier's answer for one row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassRow {
    pub prediction: String,
    /// The Venn–Abers merged probability (of the positive class for two
    /// classes, of the predicted class otherwise); `None` for a model file
    /// without intervals.
    pub probability: Option<f64>,
    pub confidence_interval: Option<[f64; 2]>,
    /// The model's own probability of each class, in the model's class order.
    #[serde(serialize_with = "ordered_map")]
    pub probabilities: Vec<(String, f64)>,
    pub warnings: Vec<String>,
}

fn ordered_map<S: Serializer>(pairs: &[(String, f64)], s: S) -> Result<S::Ok, S::Error> {
    let mut map = s.serialize_map(Some(pairs.len()))?;
    for (k, v) in pairs {
        map.serialize_entry(k, v)?;
    }
    map.end()
}

/// A request body: one object, or an array of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub rows: Vec<Map<String, Value>>,
    /// Whether the body was an array (the answer is then an array too).
    pub batch: bool,
}

/// Reads a request body, refusing anything but an object or an array of
/// at most `max_rows` objects.
pub fn parse_body(bytes: &[u8], max_rows: usize) -> Result<Body, Rejection> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| Rejection::Malformed(format!("the body is not valid JSON: {e}")))?;
    match value {
        Value::Object(row) => Ok(Body { rows: vec![row], batch: false }),
        Value::Array(items) => {
            if items.len() > max_rows {
                return Err(Rejection::TooManyRows { rows: items.len(), limit: max_rows });
            }
            let mut rows = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                match item {
                    Value::Object(row) => rows.push(row),
                    other => {
                        return Err(Rejection::Malformed(format!(
                            "item {i} of the array is {}, not an object of column values",
                            json_kind(&other)
                        )))
                    }
                }
            }
            Ok(Body { rows, batch: true })
        }
        other => Err(Rejection::Malformed(format!(
            "the body is {}; send one object of column values or an array of them",
            json_kind(&other)
        ))),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A column the model reads, with what it accepts.
struct Needed<'m> {
    name: &'m str,
    kind: ColumnKind,
}

/// The columns the model's features read, by normalised name, with their kinds.
fn needed(model: &ModelFile) -> Vec<Needed<'_>> {
    model
        .features
        .columns()
        .iter()
        .map(|fc| {
            let kind =
                model.schema.columns.iter().find(|c| c.name == fc.name()).map_or(ColumnKind::Numeric, |c| c.kind);
            Needed { name: fc.name(), kind }
        })
        .collect()
}

/// Which schema column a field names: its normalised name, its name in the
/// training file's header, or a spelling that normalises to one of them.
pub fn column_of<'m>(model: &'m ModelFile, field: &str) -> Option<&'m str> {
    let cols = &model.schema.columns;
    cols.iter()
        .find(|c| c.name == field || c.original_name == field)
        .or_else(|| {
            let norm = normalise_name(field, 0);
            cols.iter().find(|c| c.name == norm)
        })
        .map(|c| c.name.as_str())
}

/// The CSV text of one checked value, or why it does not fit the column.
fn cell(kind: ColumnKind, v: &Value) -> Result<String, String> {
    let wrong = |want: &str| Err(format!("expected {want}, got {}", json_kind(v)));
    match (kind, v) {
        (_, Value::Null) => Ok(String::new()),
        (ColumnKind::Numeric, Value::Number(n)) => Ok(n.to_string()),
        (ColumnKind::Numeric, Value::String(s)) => match s.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(s.trim().to_string()),
            Ok(_) => Err(format!("'{s}' is not a finite number")),
            Err(_) => Err(format!("expected a number, got the text '{s}'")),
        },
        (ColumnKind::Numeric, _) => wrong("a number"),
        (ColumnKind::Boolean, Value::Bool(b)) => Ok(b.to_string()),
        (ColumnKind::Boolean, Value::Number(n)) if n.as_u64().is_some_and(|n| n <= 1) => Ok(n.to_string()),
        (ColumnKind::Boolean, Value::String(s)) => {
            let tokens = glassbox_ingest::TRUE_TOKENS.iter().chain(&glassbox_ingest::FALSE_TOKENS);
            if tokens.clone().any(|t| t.eq_ignore_ascii_case(s.trim())) {
                Ok(s.clone())
            } else {
                Err(format!("expected true or false, got the text '{s}'"))
            }
        }
        (ColumnKind::Boolean, _) => wrong("true or false"),
        (ColumnKind::Datetime, Value::String(s)) => Ok(s.clone()),
        (ColumnKind::Datetime, _) => wrong("a date or date-time as text"),
        (ColumnKind::Categorical, Value::String(s)) => Ok(s.clone()),
        (ColumnKind::Categorical, Value::Number(n)) => Ok(n.to_string()),
        (ColumnKind::Categorical, Value::Bool(b)) => Ok(b.to_string()),
        (ColumnKind::Categorical, _) => wrong("a category as text"),
    }
}

/// Rows checked against the model and written as the CSV scoring reads.
pub struct Checked {
    /// The CSV: a header of the columns the model reads, one record per row.
    pub csv: Vec<u8>,
    /// What each row's fields said that is not an error (ignored fields, nulls).
    pub warnings: Vec<Vec<String>>,
    cells: Vec<Vec<String>>,
}

/// How the checked CSV is read: exactly as it was written.
pub fn checked_read() -> ReadOptions {
    ReadOptions { delimiter: Some(','), header: Some(true), decimal_comma: Some(false), ..ReadOptions::default() }
}

/// Checks rows against the model: every missing field and every value of
/// the wrong kind, in every row, is reported together.
pub fn check(model: &ModelFile, rows: &[Map<String, Value>], batch: bool) -> Result<Checked, Rejection> {
    let needed = needed(model);
    let mut errors = Vec::new();
    let mut warnings: Vec<Vec<String>> = vec![Vec::new(); rows.len()];
    let mut cells: Vec<Vec<String>> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let at = batch.then_some(i);
        let mut err = |field: &str, reason: String| {
            errors.push(FieldError { row: at, field: Some(field.to_string()), reason });
        };
        // Which field gives each needed column.
        let mut given: Vec<Option<(&str, &Value)>> = vec![None; needed.len()];
        for (field, value) in row {
            match column_of(model, field) {
                Some(col) => match needed.iter().position(|n| n.name == col) {
                    Some(k) => match given[k] {
                        Some((other, _)) => err(field, format!("names column '{col}', as '{other}' does")),
                        None => given[k] = Some((field, value)),
                    },
                    None if col == model.schema.target => {
                        warnings[i].push(format!("field '{field}' is the target: ignored"))
                    }
                    None => warnings[i].push(format!("field '{field}' is not used by the model: ignored")),
                },
                None => warnings[i].push(format!("field '{field}' is not a column of the model: ignored")),
            }
        }
        let mut line = Vec::with_capacity(needed.len());
        for (n, g) in needed.iter().zip(&given) {
            match g {
                None => err(n.name, format!("column '{}' is missing; the model needs it", n.name)),
                Some((field, value)) => match cell(n.kind, value) {
                    Ok(text) => {
                        if value.is_null() {
                            warnings[i]
                                .push(format!("field '{field}' is null: filled as the model fills a missing value"));
                        }
                        line.push(text);
                    }
                    Err(reason) => err(field, reason),
                },
            }
        }
        cells.push(line);
    }
    if !errors.is_empty() {
        return Err(Rejection::Invalid(errors));
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(needed.iter().map(|n| n.name)).expect("writing to memory cannot fail");
    for line in &cells {
        w.write_record(line).expect("writing to memory cannot fail");
    }
    Ok(Checked { csv: w.into_inner().expect("writing to memory cannot fail"), warnings, cells })
}

/// Scores checked rows with `model`, in order (see [`check`]).
pub fn score(model: &ModelFile, rows: &[Map<String, Value>], batch: bool) -> Result<Vec<ScoredRow>, Rejection> {
    let needed = needed(model);
    let Checked { csv: bytes, warnings, cells } = check(model, rows, batch)?;
    let read = checked_read();
    let p = predict(model, &bytes, &read).map_err(|e| {
        Rejection::Invalid(vec![FieldError { row: None, field: None, reason: e.message().to_string() }])
    })?;
    let mut out = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    for (i, (r, mut warn)) in p.rows.into_iter().zip(warnings).enumerate() {
        let at = batch.then_some(i);
        if r.predicted.is_none() && r.value.is_none() {
            errors.push(FieldError { row: at, field: None, reason: r.issue.unwrap_or_default() });
            continue;
        }
        // A value the reader could not take (a date it cannot parse) was
        // read as missing: that is a wrong value here, not a guess.
        if let Some(issue) = r.issue {
            errors.push(FieldError { row: at, field: None, reason: issue });
            continue;
        }
        for (column, levels) in row_unseen(model, &cells[i], &needed) {
            warn.push(format!(
                "field '{column}': '{levels}' is a level not seen in training (encoded as the model's encoder does)"
            ));
        }
        if let Some(predicted) = r.predicted {
            out.push(ScoredRow::Class(ClassRow {
                prediction: p.classes[predicted].clone(),
                probability: r.interval.map(|c| c.interval.probability),
                confidence_interval: r.interval.map(|c| [c.interval.low, c.interval.high]),
                probabilities: p.classes.iter().cloned().zip(r.proba).collect(),
                warnings: warn,
            }));
        } else if let Some(prediction) = r.value {
            warn.extend(p.warnings.iter().cloned());
            out.push(ScoredRow::Number(NumberRow {
                prediction,
                prediction_interval: r.value_interval.map(|v| [v.low, v.high]),
                interval_level: p.interval_level,
                warnings: warn,
            }));
        }
    }
    if !errors.is_empty() {
        return Err(Rejection::Invalid(errors));
    }
    Ok(out)
}

/// The categorical values of one row that the model never saw in training.
fn row_unseen<'a>(model: &ModelFile, line: &'a [String], needed: &[Needed]) -> Vec<(String, &'a str)> {
    needed
        .iter()
        .zip(line)
        .filter(|(_, v)| !v.is_empty())
        .filter(|(n, v)| !model.features.knows_level(n.name, v))
        .map(|(n, v)| (n.name.to_string(), v.as_str()))
        .collect()
}

/// A JSON Schema (2020-12) of one row, from the training schema: every
/// column but the target, with the types [`score`] accepts for its kind;
/// the columns the model reads are required. Null is allowed everywhere
/// (it is filled as a missing value, with a warning).
pub fn row_schema(model: &ModelFile) -> Value {
    let needed = needed(model);
    let mut properties = Map::new();
    for c in model.schema.columns.iter().filter(|c| c.name != model.schema.target) {
        let (types, what): (&[&str], &str) = match c.kind {
            ColumnKind::Numeric => (&["number", "string", "null"], "a number (or its text)"),
            ColumnKind::Boolean => (&["boolean", "integer", "string", "null"], "true or false (or 1, 0, yes, no)"),
            ColumnKind::Datetime => (&["string", "null"], "a date or date-time as text, read as in training"),
            ColumnKind::Categorical => (&["string", "number", "boolean", "null"], "a category"),
        };
        let mut p = Map::new();
        p.insert("type".into(), Value::from(types.to_vec()));
        let used = if needed.iter().any(|n| n.name == c.name) { "" } else { "; not used by the model" };
        p.insert(
            "description".into(),
            Value::from(format!("{what}; '{}' in the training file{used}", c.original_name)),
        );
        if let Some(levels) = model.features.levels(&c.name) {
            p.insert("examples".into(), Value::from(levels));
        }
        properties.insert(c.name.clone(), Value::Object(p));
    }
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": format!("one row to predict '{}'", model.schema.target),
        "type": "object",
        "properties": properties,
        "required": needed.iter().map(|n| n.name).collect::<Vec<_>>(),
        "additionalProperties": true,
    })
}

/// One field of a single-row form built from the training schema.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormField {
    /// The model's (normalised) column name: the row's key.
    pub column: String,
    /// The column's name in the training file.
    pub label: String,
    pub input: FormInput,
    /// The value the form starts from: what the model fills a gap with.
    pub initial: String,
}

/// What a form field takes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum FormInput {
    /// A number, with the training rows' range when the file stores it.
    Number { range: Option<[f64; 2]> },
    /// One of the training levels (or true/false).
    Choice { options: Vec<String> },
    /// Free text (a date or date-time).
    Text,
}

/// The fields of a what-if form for `model`: the columns it reads, in its order.
pub fn form_fields(model: &ModelFile) -> Vec<FormField> {
    use glassbox_features::FillValue;
    needed(model)
        .into_iter()
        .map(|n| {
            let schema = model.schema.columns.iter().find(|c| c.name == n.name);
            let fill = model.features.fill_value(n.name);
            let (input, initial) = match n.kind {
                ColumnKind::Categorical => {
                    let options = model.features.levels(n.name).unwrap_or_default();
                    let initial = match fill {
                        Some(FillValue::Level(l)) => l,
                        _ => options.first().cloned().unwrap_or_default(),
                    };
                    (FormInput::Choice { options }, initial)
                }
                ColumnKind::Boolean => {
                    let initial = match fill {
                        Some(FillValue::Number(v)) if v >= 0.5 => "true",
                        _ => "false",
                    };
                    (FormInput::Choice { options: vec!["false".into(), "true".into()] }, initial.to_string())
                }
                ColumnKind::Datetime => {
                    let initial = match fill {
                        Some(FillValue::Number(secs)) => glassbox_ingest::datetime::format_utc(secs),
                        _ => String::new(),
                    };
                    (FormInput::Text, initial)
                }
                ColumnKind::Numeric => {
                    let initial = match fill {
                        Some(FillValue::Number(v)) => v.to_string(),
                        _ => String::new(),
                    };
                    (FormInput::Number { range: schema.and_then(|c| c.range) }, initial)
                }
            };
            FormField {
                column: n.name.to_string(),
                label: schema.map_or_else(|| n.name.to_string(), |c| c.original_name.clone()),
                input,
                initial,
            }
        })
        .collect()
}

/// The row a form's values make, as [`score`] reads it: text as typed
/// (numbers are checked as numbers there), an empty field as null.
pub fn form_row(values: &[(String, String)]) -> Map<String, Value> {
    values
        .iter()
        .map(|(k, v)| (k.clone(), if v.trim().is_empty() { Value::Null } else { Value::from(v.clone()) }))
        .collect()
}
