//! Monitoring, composed: the reference profile a training run stores, a
//! drift session that reads the current data chunk by chunk the way the
//! model was trained (and scores it, for prediction drift), and the
//! labelled prediction log that performance decay reads.

use glassbox_core::decide;
use glassbox_core::error::{Error, ErrorKind, Result};
use glassbox_core::table::{ColumnKind, Table};
use glassbox_ingest::ReadOptions;
use glassbox_monitor::decay::{f1_score, LoggedRow};
use glassbox_monitor::profile::ReferenceMetrics;
use glassbox_monitor::{Current, DriftReport, DriftSettings, Profile, RawReference};
use glassbox_serve::predict::read_as_trained;
use glassbox_serve::schema_check::check_and_fill;
use glassbox_serve::ModelFile;

/// The profile training stores: the feature columns and the target over
/// the training rows, the model's probabilities and scores on the test rows.
#[allow(clippy::too_many_arguments)]
pub(crate) fn reference_profile(
    table: &Table,
    train_rows: &[usize],
    feature_columns: &[usize],
    target: usize,
    classes: &[String],
    y_test: &[usize],
    proba: &[Vec<f64>],
    cut: Option<f64>,
    evaluation: &glassbox_evaluate::metrics::Evaluation,
) -> Profile {
    let predicted: Vec<usize> = proba.iter().map(|p| decide(p, cut)).collect();
    let mut profile =
        Profile::of_table(table, train_rows, feature_columns, Some(target)).with_prediction(classes, proba);
    profile.metrics = Some(ReferenceMetrics {
        rows: y_test.len(),
        f1: f1_score(y_test, &predicted, classes.len()),
        accuracy: evaluation.accuracy,
        roc_auc: evaluation.roc_auc,
    });
    profile
}

/// The current data read chunk by chunk against a model's reference.
pub struct DriftSession<'m> {
    model: &'m ModelFile,
    profile: Profile,
    raw: Option<RawReference>,
    current: Current,
    read: ReadOptions,
    skipped: usize,
    first: bool,
}

impl<'m> DriftSession<'m> {
    /// The reference is the model's stored profile, or `reference` (the
    /// training data itself, read as the model was trained) when given:
    /// then the statistics use its raw values.
    pub fn new(model: &'m ModelFile, reference: Option<&[u8]>, read: &ReadOptions) -> Result<DriftSession<'m>> {
        let (profile, raw) = match reference {
            Some(bytes) => {
                let table = read_as_trained(model, bytes, read)?;
                let (profile, raw) = profile_of_reference(model, table)?;
                (profile, Some(raw))
            }
            None => {
                let profile = model.profile.clone().ok_or_else(|| {
                    let why = match model.task {
                        crate::task::Task::Regression => {
                            "this regressor's model file holds no reference profile (it was made before regressors kept one)".to_string()
                        }
                        crate::task::Task::Classification => format!(
                            "this model file (format {}) holds no reference profile (files from format 6 on do)",
                            model.format_version
                        ),
                    };
                    Error::new(ErrorKind::BadModel, format!("{why}: give the training data with --reference FILE"))
                })?;
                (profile, None)
            }
        };
        let current = Current::new(&profile);
        Ok(DriftSession { model, profile, raw, current, read: read.clone(), skipped: 0, first: true })
    }

    /// Reads the current data with other options than the reference (a
    /// database source's canonical CSV against a reference file).
    pub fn with_current_options(mut self, read: &ReadOptions) -> DriftSession<'m> {
        self.read = read.clone();
        self
    }

    /// Reads one chunk of the current data (CSV text with its header row)
    /// into the tallies, and the model's probabilities for its rows.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<()> {
        let table = read_as_trained(self.model, bytes, &self.read)?;
        if self.first {
            // Later chunks are read as the first was, whatever they look like alone.
            self.read.delimiter = Some(table.format.delimiter);
            self.read.header = Some(true);
            self.read.decimal_comma = Some(table.format.decimal_comma);
            self.read.encoding = Some(table.format.encoding.clone());
            self.first = false;
        }
        self.skipped += table.row_issues.len();
        self.current.feed(&self.profile, &table);
        let proba = score(self.model, table)?;
        self.current.feed_prediction(&self.profile, &self.model.classes, &proba);
        Ok(())
    }

    pub fn rows(&self) -> usize {
        self.current.rows
    }

    pub fn finish(self, settings: &DriftSettings) -> Result<DriftReport> {
        let mut report = glassbox_monitor::drift(&self.profile, self.raw.as_ref(), &self.current, settings)?;
        if self.skipped > 0 {
            report
                .notes
                .push(format!("{} records of the current data could not be read and were skipped", self.skipped));
        }
        Ok(report)
    }
}

/// Drift of a whole current file held in memory (the app's, and small files').
pub fn drift_bytes(
    model: &ModelFile,
    current: &[u8],
    reference: Option<&[u8]>,
    read: &ReadOptions,
    settings: &DriftSettings,
) -> Result<DriftReport> {
    let mut session = DriftSession::new(model, reference, read)?;
    session.feed(current)?;
    session.finish(settings)
}

/// What prediction drift watches for every row of a table read as
/// trained: a classifier's probabilities, or a regressor's prediction (one
/// value a row, on the target's scale).
fn score(model: &ModelFile, mut table: Table) -> Result<Vec<Vec<f64>>> {
    if table.n_rows == 0 {
        return Ok(Vec::new());
    }
    check_and_fill(model, &mut table)?;
    let rows: Vec<usize> = (0..table.n_rows).collect();
    let x = model.features.transform(&table, &rows)?;
    Ok(match model.task {
        crate::task::Task::Regression => model.predict_numbers(&x).into_iter().map(|(v, _)| vec![v]).collect(),
        crate::task::Task::Classification => model.predict_proba(&x),
    })
}

/// A reference file profiled as training profiles its rows (all of them
/// here), with its raw values and the model's probabilities on it.
fn profile_of_reference(model: &ModelFile, table: Table) -> Result<(Profile, RawReference)> {
    let rows: Vec<usize> = (0..table.n_rows).collect();
    // The columns the model reads, as the stored profile has them.
    let mut columns = Vec::new();
    for name in model.features.columns().iter().map(|c| c.name()) {
        match table.find(name) {
            Some(i) => columns.push(i),
            None => {
                return Err(Error::new(
                    ErrorKind::UnknownColumn,
                    format!("the reference data lacks the model's column '{name}'"),
                ))
            }
        }
    }
    let target = table.find(&model.schema.target);
    let mut profile = Profile::of_table(&table, &rows, &columns, target);
    if model.task == crate::task::Task::Regression {
        // A number to predict is profiled as numbers, as training does.
        profile.target = target.map(|t| glassbox_monitor::profile::ColumnProfile::of_column(&table.columns[t], &rows));
    }
    let mut raw = RawReference::of_table(&table, &rows, &profile);
    // Scored last: scoring fills the table's gaps, and takes it.
    let proba = score(model, table)?;
    let mut profile = profile.with_prediction(&model.classes, &proba);
    profile.metrics = model.profile.as_ref().and_then(|p| p.metrics);
    profile.errors = model.profile.as_ref().and_then(|p| p.errors);
    profile.residuals = model.profile.as_ref().and_then(|p| p.residuals.clone());
    for ((k, name), _) in
        glassbox_monitor::profile::prediction_columns(&model.classes).into_iter().zip(&profile.prediction)
    {
        raw = raw.with_values(&name, proba.iter().map(|p| p[k]).collect());
    }
    Ok((profile, raw))
}

/// A labelled prediction log, read.
#[derive(Debug, Clone, Default)]
pub struct LabelledLog {
    pub rows: Vec<LoggedRow>,
    /// Rows without a label yet (they still count for prediction drift).
    pub unlabelled: usize,
    /// The probabilities of every usable row, labelled or not: prediction drift reads them.
    pub probabilities: Vec<Vec<f64>>,
    /// Rows that could not be used, each with where and why (the first 20).
    pub problems: Vec<String>,
    pub n_problems: usize,
}

impl LabelledLog {
    /// One usable row of either log format: its probabilities count for
    /// prediction drift; with a known label it is scored too. The predicted
    /// class is the logged one, or decided from the probabilities.
    fn add(
        &mut self,
        model: &ModelFile,
        line: u64,
        time: f64,
        label: Option<String>,
        predicted: Option<String>,
        proba: Vec<f64>,
    ) {
        self.probabilities.push(proba.clone());
        let Some(label) = label else {
            self.unlabelled += 1;
            return;
        };
        let Some(label) = class_index(model, &label) else {
            self.problem(format!(
                "line {line}: label '{label}' is not one of the model's classes ({})",
                model.classes.join(", ")
            ));
            return;
        };
        let predicted = predicted
            .and_then(|p| class_index(model, &p))
            .unwrap_or_else(|| decide(&proba, model.threshold.as_ref().map(|t| t.value)));
        self.rows.push(LoggedRow { time, label, predicted, proba });
    }

    fn problem(&mut self, text: String) {
        self.n_problems += 1;
        if self.problems.len() < 20 {
            self.problems.push(text);
        }
    }
}

/// Reads a prediction log: the JSON lines `glassbox serve --log` writes
/// (with the label joined in, at the top level or in `input`), or a CSV
/// as `glassbox predict` writes it (`prediction`, `proba_<class>`) with a
/// time column and a label column. An empty `time_column` reads a log
/// without times: every row at time 0, for one period (`Period::All`).
pub fn read_log(
    model: &ModelFile,
    bytes: &[u8],
    time_column: &str,
    label_column: &str,
    read: &ReadOptions,
) -> Result<LabelledLog> {
    if is_json_lines(bytes)? {
        read_json_lines(model, bytes, time_column, label_column)
    } else {
        read_csv_log(model, bytes, time_column, label_column, read)
    }
}

/// A prediction log's column (or field) names, in order, for the page's
/// selects: a CSV's header, or the keys of the first JSON line (with those
/// of its `input`).
pub fn log_columns(bytes: &[u8]) -> Vec<String> {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    if start.is_some_and(|i| bytes[i] == b'{') {
        let first = std::str::from_utf8(bytes).ok().and_then(|t| t.lines().find(|l| !l.trim().is_empty()));
        let Some(v) = first.and_then(|l| serde_json::from_str::<serde_json::Value>(l).ok()) else { return Vec::new() };
        let keys = |v: Option<&serde_json::Value>| {
            v.and_then(serde_json::Value::as_object).map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default()
        };
        let mut names = keys(Some(&v));
        names.extend(keys(v.get("input")));
        return names;
    }
    // The header alone: read the first lines, not the whole log.
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let cut = head.iter().rposition(|&b| b == b'\n').map_or(head.len(), |i| i + 1);
    glassbox_ingest::read_csv(&head[..cut], &ReadOptions::default())
        .map(|t| t.columns.iter().map(|c| c.original_name.clone()).collect())
        .unwrap_or_default()
}

fn class_index(model: &ModelFile, text: &str) -> Option<usize> {
    model.classes.iter().position(|c| c == text).or_else(|| {
        // A numeric label may be written differently (1 against 1.0).
        let v = glassbox_core::table::parse_number(text)?;
        model.classes.iter().position(|c| glassbox_core::table::parse_number(c) == Some(v))
    })
}

/// Seconds since 1970 UTC from an RFC 3339 time, a date, or a number of seconds.
fn parse_time(text: &str) -> Option<f64> {
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Some(t.as_second() as f64 + f64::from(t.subsec_nanosecond()) * 1e-9);
    }
    if let Ok(d) = text.parse::<jiff::civil::Date>() {
        let t = jiff::tz::Offset::UTC.to_timestamp(d.to_datetime(jiff::civil::Time::midnight())).ok()?;
        return Some(t.as_second() as f64);
    }
    if let Ok(dt) = text.parse::<jiff::civil::DateTime>() {
        return Some(jiff::tz::Offset::UTC.to_timestamp(dt).ok()?.as_second() as f64);
    }
    text.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

fn read_json_lines(model: &ModelFile, bytes: &[u8], time_column: &str, label_column: &str) -> Result<LabelledLog> {
    use serde_json::Value;
    let mut log = LabelledLog::default();
    walk_json_lines(&mut log, bytes, time_column, label_column, |log, line, time, v, label| {
        let probs = v.get("probabilities");
        let proba: Option<Vec<f64>> = model
            .classes
            .iter()
            .map(|c| probs.and_then(|p| p.get(c)).or_else(|| v.get(format!("proba_{c}"))).and_then(Value::as_f64))
            .collect();
        let Some(proba) = proba else {
            log.problem(format!(
                "line {line}: no probability for every class (expected 'probabilities' or proba_<class> fields)"
            ));
            return;
        };
        let predicted = v.get("prediction").and_then(json_text);
        log.add(model, line, time, label, predicted, proba);
    })?;
    Ok(log)
}

/// Whether a log is JSON lines (its first character is `{`) rather than
/// CSV; an empty log is refused.
fn is_json_lines(bytes: &[u8]) -> Result<bool> {
    match bytes.iter().position(|b| !b.is_ascii_whitespace()) {
        None => Err(Error::new(ErrorKind::Empty, "the prediction log is empty")),
        Some(i) => Ok(bytes[i] == b'{'),
    }
}

/// Where a log's rows that could not be used are told.
trait Problems {
    fn problem(&mut self, text: String);
}

impl Problems for LabelledLog {
    fn problem(&mut self, text: String) {
        LabelledLog::problem(self, text)
    }
}

impl Problems for NumberLog {
    fn problem(&mut self, text: String) {
        NumberLog::problem(self, text)
    }
}

/// A field of a served row's log line: at the top level (the answer, or a
/// joined label) or in its `input`.
fn json_field<'v>(v: &'v serde_json::Value, name: &str) -> Option<&'v serde_json::Value> {
    v.get(name).or_else(|| v.get("input").and_then(|i| i.get(name)))
}

/// Walks a JSON-lines log: every line that is an object with a readable
/// time goes to `row` with its line number, time, object and label text
/// (`None` when absent or null); the rest are told to the log. Refuses a
/// log where no line has the time field or the label field.
fn walk_json_lines<L: Problems>(
    log: &mut L,
    bytes: &[u8],
    time_column: &str,
    label_column: &str,
    mut row: impl FnMut(&mut L, u64, f64, &serde_json::Value, Option<String>),
) -> Result<()> {
    use serde_json::Value;
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Error::new(ErrorKind::Binary, format!("the prediction log is not UTF-8 text (byte {})", e.valid_up_to()))
    })?;
    let (mut saw_time, mut saw_label) = (false, false);
    for (n, line) in text.lines().enumerate() {
        let line_no = (n + 1) as u64;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                log.problem(format!("line {line_no}: not a JSON object ({e})"));
                continue;
            }
        };
        // No time column: every row in one period.
        let time = if time_column.is_empty() { Some(Value::from(0)) } else { json_field(&v, time_column).cloned() };
        saw_time |= time.is_some();
        let Some(time) = time.as_ref().and_then(json_text).and_then(|t| parse_time(&t)) else {
            if let Some(t) = json_field(&v, time_column) {
                log.problem(format!("line {line_no}: field '{time_column}' is not a time ({t})"));
            }
            continue;
        };
        let label = json_field(&v, label_column);
        saw_label |= label.is_some();
        let label = label.filter(|l| !l.is_null()).and_then(json_text);
        row(log, line_no, time, &v, label);
    }
    if !saw_time {
        return Err(Error::new(
            ErrorKind::UnknownColumn,
            format!("no line of the prediction log has the time field '{time_column}'"),
        ));
    }
    if !saw_label {
        return Err(Error::new(
            ErrorKind::UnknownColumn,
            format!("no line of the prediction log has the label field '{label_column}': join the true labels to the log first"),
        ));
    }
    Ok(())
}

/// A CSV log read: its table, its time column (none: one period) and its
/// label column, found by name.
struct LogTable {
    table: Table,
    time: Option<usize>,
    label: usize,
}

impl LogTable {
    /// Reads the log with bad rows skipped (and told), the label and the
    /// `text` columns kept as text, the time read as dates.
    fn read(
        bytes: &[u8],
        time_column: &str,
        label_column: &str,
        text: &[&str],
        read: &ReadOptions,
    ) -> Result<LogTable> {
        let mut read = read.clone();
        read.bad_rows = glassbox_ingest::BadRows::Skip;
        for name in std::iter::once(label_column).chain(text.iter().copied()) {
            read.kinds.insert(name.to_string(), ColumnKind::Categorical);
        }
        if !time_column.is_empty() {
            read.kinds.insert(time_column.to_string(), ColumnKind::Datetime);
        }
        let table = glassbox_ingest::read_csv(bytes, &read)
            .map_err(|e| Error::new(e.kind(), format!("the prediction log: {}", e.message())))?;
        let time = (!time_column.is_empty()).then(|| Self::find(&table, time_column)).transpose()?;
        let label = Self::find(&table, label_column)?;
        Ok(LogTable { table, time, label })
    }

    fn find(table: &Table, name: &str) -> Result<usize> {
        table.find(name).ok_or_else(|| {
            Error::new(
                ErrorKind::UnknownColumn,
                format!("the prediction log has no column '{name}' (it has {})", table.column_names().join(", ")),
            )
        })
    }

    /// Every row with a time goes to `row` (its index, line, time and label
    /// text); skipped records, words in the time column and empty times
    /// are told to the log.
    fn walk<L: Problems>(
        &self,
        log: &mut L,
        time_column: &str,
        mut row: impl FnMut(&mut L, usize, u64, f64, Option<String>),
    ) {
        let table = &self.table;
        for issue in &table.row_issues {
            log.problem(format!("line {}: {}", issue.line, issue.message));
        }
        let time_col = self.time.map(|t| &table.columns[t]);
        for s in time_col.iter().flat_map(|c| &c.strays) {
            log.problem(format!("line {}: column '{time_column}': '{}' is not a time", s.line, s.token));
        }
        for r in 0..table.n_rows {
            let line = table.lines[r];
            let Some(time) = time_col.map_or(Some(0.0), |c| c.number(r)) else {
                if !time_col.is_some_and(|c| c.strays.iter().any(|s| s.line == line)) {
                    log.problem(format!("line {line}: column '{time_column}' is empty"));
                }
                continue;
            };
            let label = table.columns[self.label].text(r).map(|t| t.into_owned());
            row(log, r, line, time, label);
        }
    }
}

fn read_csv_log(
    model: &ModelFile,
    bytes: &[u8],
    time_column: &str,
    label_column: &str,
    read: &ReadOptions,
) -> Result<LabelledLog> {
    // Labels and the logged class keep their text.
    let log_table = LogTable::read(bytes, time_column, label_column, &["prediction"], read)?;
    let table = &log_table.table;
    let proba_columns: Vec<usize> = model
        .classes
        .iter()
        .map(|c| {
            let name = format!("proba_{c}");
            table.find(&name).ok_or_else(|| {
                Error::new(
                    ErrorKind::UnknownColumn,
                    format!("the prediction log has no column '{name}': it needs what glassbox predict writes (prediction, proba_<class>)"),
                )
            })
        })
        .collect::<Result<_>>()?;
    let prediction = table.find("prediction");
    let mut log = LabelledLog::default();
    log_table.walk(&mut log, time_column, |log, r, line, time, label| {
        let proba: Option<Vec<f64>> = proba_columns.iter().map(|&c| table.columns[c].number(r)).collect();
        let Some(proba) = proba else {
            log.problem(format!("line {line}: a proba_<class> value is missing"));
            return;
        };
        let predicted = prediction.and_then(|c| table.columns[c].text(r)).map(|t| t.into_owned());
        log.add(model, line, time, label, predicted, proba);
    });
    Ok(log)
}

/// A regressor's labelled prediction log, read.
#[derive(Debug, Clone, Default)]
pub struct NumberLog {
    pub rows: Vec<glassbox_monitor::LoggedNumber>,
    /// Rows without a true value yet.
    pub unlabelled: usize,
    /// The prediction of every usable row, labelled or not (one value a
    /// row, as prediction drift reads it).
    pub predictions: Vec<Vec<f64>>,
    /// The numeric input columns whose values the log carries, read for
    /// where errors concentrate.
    pub inputs: glassbox_monitor::errors::Inputs,
    pub problems: Vec<String>,
    pub n_problems: usize,
}

impl NumberLog {
    fn problem(&mut self, text: String) {
        self.n_problems += 1;
        if self.problems.len() < 20 {
            self.problems.push(text);
        }
    }

    /// The numeric columns the model reads, with their reference deciles.
    fn with_inputs(model: &ModelFile) -> NumberLog {
        let mut inputs = glassbox_monitor::errors::Inputs::default();
        for c in model.profile.iter().flat_map(|p| &p.columns) {
            if let glassbox_monitor::profile::Summary::Numeric(n) = &c.summary {
                inputs.names.push(c.name.clone());
                inputs.edges.push(n.edges.clone());
            }
        }
        NumberLog { inputs, ..NumberLog::default() }
    }

    /// One usable row: its prediction counts for drift; with a true value
    /// it is scored too. A label that is not a number is a problem, named.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        line: u64,
        label_column: &str,
        time: f64,
        label: Option<String>,
        predicted: f64,
        interval: Option<(f64, f64)>,
        inputs: Vec<Option<f64>>,
    ) {
        self.predictions.push(vec![predicted]);
        let Some(label) = label.filter(|l| !l.trim().is_empty()) else {
            self.unlabelled += 1;
            return;
        };
        let Some(actual) = glassbox_core::table::parse_number(&label).filter(|v| v.is_finite()) else {
            self.problem(format!("line {line}: the true value in '{label_column}' is '{label}', not a number"));
            return;
        };
        self.rows.push(glassbox_monitor::LoggedNumber { time, actual, predicted, interval, inputs });
    }

    /// Refuses a log that cannot be scored: no true value at all, or
    /// true values that are all text.
    fn check(self, label_column: &str) -> Result<NumberLog> {
        if !self.rows.is_empty() {
            return Ok(self);
        }
        let why = if self.n_problems > 0 && self.unlabelled < self.predictions.len() {
            format!(
                "no true value in '{label_column}' is a number ({}): a regressor's log needs the actual numbers it predicted",
                self.problems.first().cloned().unwrap_or_default()
            )
        } else {
            format!(
                "the log has no labelled rows ({} without a value in '{label_column}'): join the true values to it first; `glassbox drift` checks the inputs and predictions without them",
                self.unlabelled
            )
        };
        Err(Error::new(ErrorKind::BadSpec, why))
    }
}

/// Reads a regressor's prediction log: the JSON lines `glassbox serve
/// --log` writes (`prediction`, `prediction_interval`, with the true value
/// joined in at the top level or in `input`), or a CSV as `glassbox
/// predict` writes it (`prediction`, `pi_low`, `pi_high`) with a time
/// column and the true value. Input columns the log carries (the serve
/// log's `input`, or columns joined to the CSV) are read for where errors
/// concentrate.
pub fn read_number_log(
    model: &ModelFile,
    bytes: &[u8],
    time_column: &str,
    label_column: &str,
    read: &ReadOptions,
) -> Result<NumberLog> {
    let log = if is_json_lines(bytes)? {
        read_number_json(model, bytes, time_column, label_column)?
    } else {
        read_number_csv(model, bytes, time_column, label_column, read)?
    };
    log.check(label_column)
}

fn read_number_json(model: &ModelFile, bytes: &[u8], time_column: &str, label_column: &str) -> Result<NumberLog> {
    use serde_json::Value;
    let number = |x: &Value| match x {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => glassbox_core::table::parse_number(s),
        _ => None,
    };
    let mut log = NumberLog::with_inputs(model);
    walk_json_lines(&mut log, bytes, time_column, label_column, |log, line, time, v, label| {
        let Some(predicted) = v.get("prediction").and_then(number).filter(|p| p.is_finite()) else {
            log.problem(format!("line {line}: no number in 'prediction'"));
            return;
        };
        let interval = v.get("prediction_interval").and_then(|i| match i.as_array().map(Vec::as_slice) {
            Some([lo, hi]) => Some((lo.as_f64()?, hi.as_f64()?)),
            _ => None,
        });
        let inputs = log.inputs.names.iter().map(|name| json_field(v, name).and_then(number)).collect();
        log.add(line, label_column, time, label, predicted, interval, inputs);
    })?;
    Ok(log)
}

fn read_number_csv(
    model: &ModelFile,
    bytes: &[u8],
    time_column: &str,
    label_column: &str,
    read: &ReadOptions,
) -> Result<NumberLog> {
    // The true values keep their text, so a word among them is named.
    let log_table = LogTable::read(bytes, time_column, label_column, &[], read)?;
    let table = &log_table.table;
    let p = LogTable::find(table, "prediction").map_err(|e| {
        Error::new(
            e.kind(),
            format!("{}: it needs what glassbox predict writes (prediction, pi_low, pi_high)", e.message()),
        )
    })?;
    let (lo, hi) = (table.find("pi_low"), table.find("pi_high"));
    let mut log = NumberLog::with_inputs(model);
    let inputs: Vec<Option<usize>> = log.inputs.names.iter().map(|n| table.find(n)).collect();
    log_table.walk(&mut log, time_column, |log, r, line, time, label| {
        let Some(predicted) = table.columns[p].number(r).filter(|v| v.is_finite()) else {
            log.problem(format!("line {line}: no number in 'prediction'"));
            return;
        };
        let interval = match (lo, hi) {
            (Some(lo), Some(hi)) => table.columns[lo].number(r).zip(table.columns[hi].number(r)),
            _ => None,
        };
        let values = inputs.iter().map(|c| c.and_then(|c| table.columns[c].number(r))).collect();
        log.add(line, label_column, time, label, predicted, interval, values);
    });
    Ok(log)
}

fn json_text(x: &serde_json::Value) -> Option<String> {
    match x {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
