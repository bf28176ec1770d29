//! Incremental sync: the rows newer than the last run appended to a CSV
//! exactly once, with the high-water mark kept in UTC in a state file.
//!
//! The rule, and why each part of it is there:
//! - The query asks for rows at or after the mark (`>=`, never `>`), so a
//!   row written after the last run with the mark's very instant is not lost.
//!   The state keeps how many rows of each content (the SHA-256 of the
//!   row's canonical text) it wrote at that instant, and those are skipped.
//! - A naive column (`timestamp`, `DATETIME`) is compared in the zone the
//!   person names: the mark, in UTC, becomes that zone's civil time for the
//!   query (three hours earlier, more than any daylight-saving shift) and
//!   every row is converted to UTC and compared exactly. Reading an
//!   Asia/Shanghai database as UTC would put the mark eight hours in the
//!   future and lose those hours' rows on every run; this cannot.
//! - The output file's length after each run is in the state: a run that
//!   appended and then died before writing the state is rolled back on the
//!   next run, not written twice.
//! - Rows with the same instant are written in their canonical text's
//!   order, so two syncs of the same rows give the same bytes.
//! - A Kafka topic keeps each partition's next offset instead.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use glassbox_ingest::canonical::{instant_text, push_record, push_row};
use glassbox_ingest::RowIssue;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::database::Since;
use crate::{Cell, Error, Kind, Request, Result, Scheme, Skipped, Visit};

const STATE_VERSION: u32 = 1;

/// The state file, as JSON. Every field is defined here; nothing in it is a secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// The format's version (1).
    pub glassbox_sync: u32,
    /// The source as [`Request::describe`] names it (no credentials).
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_column: Option<String>,
    /// The zone naive times were read in.
    pub source_timezone: String,
    pub columns: Vec<String>,
    /// The latest instant written, in UTC (`…Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high_water_mark: Option<String>,
    /// How many rows of each content (SHA-256 of the canonical row) were written at the mark.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub at_high_water_mark: BTreeMap<String, usize>,
    /// Kafka: `json` or `csv`, and the next offset of each partition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kafka: Option<KafkaState>,
    pub rows_written: u64,
    /// The output file's length after the last run, in bytes.
    pub out_bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KafkaState {
    pub format: String,
    pub offsets: BTreeMap<String, i64>,
}

/// What one sync did.
#[derive(Debug, Clone, PartialEq)]
pub struct Synced {
    pub new_rows: usize,
    /// Rows read again and not written (already synced, or inside the naive margin).
    pub seen_rows: usize,
    /// Rows whose since column was empty: never written, counted.
    pub rows_without_time: usize,
    pub high_water_mark: Option<String>,
    pub skipped: Vec<Skipped>,
    pub issues: Vec<RowIssue>,
    pub state: State,
}

fn sha_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn io(path: &Path, what: &str, e: std::io::Error) -> Error {
    Error::new(Kind::Io, format!("{}: cannot {what}: {e}", path.display()))
}

/// Reads a state file; `None` if there is none yet.
pub fn load_state(path: &Path) -> Result<Option<State>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(path, "read the state file", e)),
    };
    let state: State = serde_json::from_slice(&bytes).map_err(|e| {
        Error::new(
            Kind::State,
            format!("{}: not a glassbox sync state file ({e}); remove it to sync from the start", path.display()),
        )
    })?;
    if state.glassbox_sync != STATE_VERSION {
        return Err(Error::new(
            Kind::State,
            format!("{}: sync state version {} is not {STATE_VERSION}", path.display(), state.glassbox_sync),
        ));
    }
    if let Some(m) = &state.high_water_mark {
        m.parse::<Timestamp>().map_err(|e| {
            Error::new(Kind::State, format!("{}: the high-water mark '{m}' is not an instant ({e})", path.display()))
        })?;
    }
    Ok(Some(state))
}

/// Writes the state next to itself and renames it into place, so a crash
/// leaves the old state or the new one, never half of one.
fn save_state(path: &Path, state: &State) -> Result<()> {
    let tmp = path.with_extension("json.tmp");
    let mut text = serde_json::to_string_pretty(state).map_err(|e| Error::new(Kind::Io, e.to_string()))?;
    text.push('\n');
    std::fs::write(&tmp, text).map_err(|e| io(&tmp, "write the state file", e))?;
    std::fs::rename(&tmp, path).map_err(|e| io(path, "write the state file", e))
}

struct SyncVisit<'a> {
    since: Option<(usize, Option<Timestamp>)>,
    since_name: Option<String>,
    zone: &'a crate::Zone,
    seen_at_mark: BTreeMap<String, usize>,
    columns: Vec<String>,
    expect_columns: Option<Vec<String>>,
    skipped: Vec<Skipped>,
    issues: Vec<RowIssue>,
    /// Rows at the current instant, held to be written in canonical order.
    group: Vec<Vec<u8>>,
    group_at: Option<Timestamp>,
    max: Option<Timestamp>,
    at_max: BTreeMap<String, usize>,
    out: &'a mut std::fs::File,
    out_path: &'a Path,
    header_needed: bool,
    new_rows: usize,
    seen_rows: usize,
    rows_without_time: usize,
    written: u64,
}

impl SyncVisit<'_> {
    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes).map_err(|e| io(self.out_path, "append to the file", e))?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    fn flush_group(&mut self) -> Result<()> {
        let mut group = std::mem::take(&mut self.group);
        group.sort();
        let mut buf = Vec::new();
        for row in group {
            buf.extend_from_slice(&row);
        }
        self.write(&buf)
    }

    fn instant(&self, cell: &Cell) -> Result<Option<Timestamp>> {
        match cell {
            Cell::At(t) => Ok(Some(*t)),
            Cell::Date { year, month, day } => {
                let d =
                    jiff::civil::Date::new(*year, *month, *day).map_err(|e| Error::new(Kind::Type, e.to_string()))?;
                self.zone
                    .tz
                    .to_ambiguous_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
                    .compatible()
                    .map(Some)
                    .map_err(|e| Error::new(Kind::Type, e.to_string()))
            }
            Cell::Null => Ok(None),
            other => Err(Error::new(Kind::Type, format!("--since-column holds {other:?}, not a time"))),
        }
    }
}

impl Visit for SyncVisit<'_> {
    fn header(&mut self, names: Vec<String>, skipped: Vec<Skipped>) -> Result<()> {
        if let Some(expect) = &self.expect_columns {
            if *expect != names {
                return Err(Error::new(
                    Kind::State,
                    format!(
                        "the source's columns ({}) are not the ones synced before ({}); sync into a new file",
                        names.join(", "),
                        expect.join(", ")
                    ),
                ));
            }
        }
        if let Some(name) = &self.since_name {
            let i = names.iter().position(|n| n == name).ok_or_else(|| {
                Error::new(Kind::Query, format!("--since-column '{name}' is not a column of the source"))
            })?;
            self.since = Some((i, self.since.and_then(|s| s.1)));
        }
        if self.header_needed {
            let mut h = Vec::new();
            push_record(&mut h, &names);
            self.write(&h)?;
        }
        self.columns = names;
        self.skipped = skipped;
        Ok(())
    }

    fn row(&mut self, cells: Vec<Cell>) -> Result<()> {
        let mut bytes = Vec::new();
        push_row(&mut bytes, &cells);
        let Some((i, mark)) = self.since else {
            self.new_rows += 1;
            return self.write(&bytes);
        };
        let Some(at) = self.instant(&cells[i])? else {
            self.rows_without_time += 1;
            return Ok(());
        };
        if let Some(mark) = mark {
            if at < mark {
                self.seen_rows += 1;
                return Ok(());
            }
            if at == mark {
                let key = sha_hex(&bytes);
                if let Some(n) = self.seen_at_mark.get_mut(&key).filter(|n| **n > 0) {
                    *n -= 1;
                    self.seen_rows += 1;
                    // Still at the mark: it stays counted there.
                    *self.at_max.entry(key).or_default() += 1;
                    return Ok(());
                }
            }
        }
        if self.group_at != Some(at) {
            self.flush_group()?;
            self.group_at = Some(at);
        }
        match self.max {
            Some(m) if at < m => {}
            Some(m) if at == m => *self.at_max.entry(sha_hex(&bytes)).or_default() += 1,
            _ => {
                self.max = Some(at);
                self.at_max.retain(|_, _| false);
                *self.at_max.entry(sha_hex(&bytes)).or_default() += 1;
            }
        }
        self.new_rows += 1;
        self.group.push(bytes);
        Ok(())
    }

    fn issue(&mut self, issue: RowIssue) {
        self.issues.push(issue);
    }
}

/// Syncs `request` into the CSV at `out`, with the state at `state_path`.
pub fn sync(request: &Request, since_column: Option<&str>, state_path: &Path, out_path: &Path) -> Result<Synced> {
    let kafka = request.address.scheme == Scheme::Kafka;
    if !kafka && since_column.is_none() {
        return Err(Error::new(Kind::Address, "a database sync needs --since-column COLUMN"));
    }
    if kafka && since_column.is_some() {
        return Err(Error::new(Kind::Address, "--since-column applies to databases; a topic is synced by its offsets"));
    }
    if let Some(c) = since_column {
        crate::address::check_identifier(c, "--since-column")?;
    }
    let source = request.describe();
    let previous = load_state(state_path)?;
    if let Some(p) = &previous {
        let same = p.source == source
            && p.since_column.as_deref() == since_column
            && (kafka || p.source_timezone == request.zone.name);
        if !same {
            return Err(Error::new(
                Kind::State,
                format!(
                    "{}: this state is of {} (since {}, zone {}), not of {source} (since {}, zone {}); use another --state",
                    state_path.display(),
                    p.source,
                    p.since_column.as_deref().unwrap_or("-"),
                    p.source_timezone,
                    since_column.unwrap_or("-"),
                    request.zone.name
                ),
            ));
        }
    }
    let mark = match previous.as_ref().and_then(|p| p.high_water_mark.as_deref()) {
        Some(m) => Some(m.parse::<Timestamp>().map_err(|e| Error::new(Kind::State, e.to_string()))?),
        None => None,
    };
    // The output as the last run left it: a longer file is a run that died before its state.
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .read(true)
        .open(out_path)
        .map_err(|e| io(out_path, "open the file", e))?;
    let len = out.metadata().map_err(|e| io(out_path, "read the file", e))?.len();
    let recorded = previous.as_ref().map_or(0, |p| p.out_bytes);
    if len < recorded {
        return Err(Error::new(
            Kind::State,
            format!(
                "{}: the file is shorter ({len} bytes) than the last sync left it ({recorded}); it was changed since",
                out_path.display()
            ),
        ));
    }
    if previous.is_none() && len > 0 {
        return Err(Error::new(
            Kind::State,
            format!(
                "{}: the file has data but {} does not exist; sync into a new file or give its state",
                out_path.display(),
                state_path.display()
            ),
        ));
    }
    if len > recorded {
        out.set_len(recorded).map_err(|e| io(out_path, "roll back an unfinished sync", e))?;
    }
    let mut visit = SyncVisit {
        since: since_column.map(|_| (0, mark)),
        since_name: since_column.map(str::to_string),
        zone: &request.zone,
        seen_at_mark: previous.as_ref().map(|p| p.at_high_water_mark.clone()).unwrap_or_default(),
        columns: Vec::new(),
        expect_columns: previous.as_ref().map(|p| p.columns.clone()),
        skipped: Vec::new(),
        issues: Vec::new(),
        group: Vec::new(),
        group_at: None,
        max: mark,
        at_max: BTreeMap::new(),
        out: &mut out,
        out_path,
        header_needed: recorded == 0,
        new_rows: 0,
        seen_rows: 0,
        rows_without_time: 0,
        written: 0,
    };
    let kafka_state = previous.as_ref().and_then(|p| p.kafka.clone());
    let read = if kafka {
        let resume = match (&kafka_state, &previous) {
            (Some(k), Some(p)) => Some(crate::kafka::Resume {
                offsets: k.offsets.iter().filter_map(|(p, o)| Some((p.parse().ok()?, *o))).collect(),
                columns: p.columns.clone(),
                json: k.format == "json",
            }),
            _ => None,
        };
        crate::kafka::read(request, resume.as_ref(), &mut visit).map(Some)
    } else {
        let since = Since { column: since_column.unwrap_or_default().to_string(), from: mark };
        crate::database::read(request, Some(&since), &mut visit).map(|()| None)
    };
    let read = match read.and_then(|r| visit.flush_group().map(|()| r)) {
        Ok(r) => r,
        Err(e) => {
            // Nothing of a failed run stays in the file.
            let _ = out.set_len(recorded);
            return Err(e);
        }
    };
    let (new_rows, seen_rows, rows_without_time, written) =
        (visit.new_rows, visit.seen_rows, visit.rows_without_time, visit.written);
    let (columns, skipped, issues, max, at_max) = (visit.columns, visit.skipped, visit.issues, visit.max, visit.at_max);
    out.sync_data().map_err(|e| io(out_path, "write the file", e))?;
    let kafka_state = read.map(|(offsets, json)| KafkaState {
        format: if json { "json".to_string() } else { "csv".to_string() },
        offsets: offsets.iter().map(|(p, o)| (p.to_string(), *o)).collect(),
    });
    let state = State {
        glassbox_sync: STATE_VERSION,
        source,
        since_column: since_column.map(str::to_string),
        source_timezone: request.zone.name.clone(),
        columns: if columns.is_empty() {
            previous.as_ref().map(|p| p.columns.clone()).unwrap_or_default()
        } else {
            columns
        },
        high_water_mark: max.map(instant_text),
        at_high_water_mark: if max == mark && new_rows == 0 {
            previous.as_ref().map(|p| p.at_high_water_mark.clone()).unwrap_or_default()
        } else {
            at_max
        },
        kafka: kafka_state,
        rows_written: previous.as_ref().map_or(0, |p| p.rows_written) + new_rows as u64,
        out_bytes: recorded + written,
    };
    save_state(state_path, &state)?;
    Ok(Synced {
        new_rows,
        seen_rows,
        rows_without_time,
        high_water_mark: state.high_water_mark.clone(),
        skipped,
        issues,
        state,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: std::result::Result<(), &str>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, text).unwrap();
        match (load_state(&path), expected) {
            (Ok(Some(_)), Ok(())) => {}
            (Err(e), Err(part)) => {
                assert!(e.message.contains(part), "{text}: {}", e.message);
                assert_eq!(e.kind, Kind::State);
            }
            (got, want) => panic!("{text}: got {got:?}, expected {want:?}"),
        }
    }

    #[test]
    fn state_files_are_checked_before_any_row_is_read() {
        let good = r#"{"glassbox_sync": 1, "source": "postgres://h:5432/d table t", "since_column": "at",
            "source_timezone": "UTC", "columns": ["at"], "high_water_mark": "2024-01-01T00:00:00Z",
            "rows_written": 3, "out_bytes": 40}"#;
        check(good, Ok(()));
        check("{ not json", Err("not a glassbox sync state file"));
        check("", Err("not a glassbox sync state file"));
        check(&good.replace("\"glassbox_sync\": 1", "\"glassbox_sync\": 9"), Err("sync state version 9 is not 1"));
        check(
            &good.replace("2024-01-01T00:00:00Z", "yesterday"),
            Err("the high-water mark 'yesterday' is not an instant"),
        );
        check(
            &good.replace("\"rows_written\"", "\"password\": \"x\", \"rows_written\""),
            Err("unknown field `password`"),
        );
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load_state(&dir.path().join("none.json")).unwrap(), None, "no file yet: a first sync");
    }
}
