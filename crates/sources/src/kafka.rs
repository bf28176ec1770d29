//! A Kafka topic through rskafka (pure Rust): every partition read in
//! order, from the earliest offset, the latest, or the offsets a sync state
//! stored, up to `--max-messages` or the end each partition had when the
//! read began, so a read always ends.
//!
//! Messages are JSON objects (one row each; the first object's keys, in
//! their order, are the columns) or CSV lines (the header given with
//! `--csv-header`, or else the topic's first message). A message that does
//! not parse, has a key the first did not, or a nested value becomes a row
//! issue naming its partition and offset, as a bad CSV row does.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use glassbox_ingest::RowIssue;
use rskafka::client::partition::{OffsetAt, PartitionClient, UnknownTopicHandling};
use rskafka::client::ClientBuilder;

use crate::{Cell, Error, Kind, Request, Result, StartAt, Visit};

/// The next offset to read in each partition.
pub type Offsets = BTreeMap<i32, i64>;

/// How long a `--from latest` read waits for a message before it ends.
const IDLE: Duration = Duration::from_secs(5);

fn kafka_error(e: impl std::fmt::Display) -> Error {
    Error::new(Kind::Connect, format!("kafka: {e}"))
}

/// The rows of the messages read so far.
enum Format {
    Unknown,
    Json(Vec<String>),
    Csv(usize),
}

struct Rows<'a> {
    format: Format,
    visit: &'a mut dyn Visit,
    messages: usize,
}

impl Rows<'_> {
    fn issue(&mut self, partition: i32, offset: i64, what: String) {
        self.visit.issue(RowIssue {
            line: 0,
            record: self.messages,
            message: format!("partition {partition}, offset {offset}: {what}"),
        });
    }

    fn message(&mut self, partition: i32, offset: i64, value: Option<&[u8]>) -> Result<()> {
        let Some(value) = value.filter(|v| !v.is_empty()) else {
            self.issue(partition, offset, "an empty message".to_string());
            return Ok(());
        };
        let text = match std::str::from_utf8(value) {
            Ok(t) => t.trim_end_matches(['\r', '\n']),
            Err(e) => {
                self.issue(partition, offset, format!("not UTF-8 text ({e})"));
                return Ok(());
            }
        };
        if let Format::Unknown = self.format {
            if text.trim_start().starts_with('{') {
                match parse_object(text) {
                    Ok(fields) => {
                        let names: Vec<String> = fields.iter().map(|(k, _)| k.clone()).collect();
                        self.visit.header(names.clone(), Vec::new())?;
                        self.format = Format::Json(names);
                    }
                    Err(e) => {
                        self.issue(partition, offset, format!("not a JSON object: {e}"));
                        return Ok(());
                    }
                }
            } else {
                // The first message is the header line.
                let names = match csv_fields(text) {
                    Ok(f) => f,
                    Err(e) => {
                        self.issue(partition, offset, format!("the header line cannot be read: {e}"));
                        return Ok(());
                    }
                };
                self.format = Format::Csv(names.len());
                return self.visit.header(names, Vec::new());
            }
        }
        let cells = match &self.format {
            Format::Json(names) => {
                parse_object(text).map_err(|e| format!("not a JSON object: {e}")).and_then(|f| json_cells(names, f))
            }
            Format::Csv(n) => match csv_fields(text) {
                Ok(f) if f.len() == *n => Ok(f.into_iter().map(Cell::Text).collect()),
                Ok(f) => Err(format!("{} fields, expected {n}", f.len())),
                Err(e) => Err(format!("not a CSV line: {e}")),
            },
            Format::Unknown => unreachable!("the format is set above"),
        };
        match cells {
            Ok(cells) => self.visit.row(cells),
            Err(e) => {
                self.issue(partition, offset, e);
                Ok(())
            }
        }
    }
}

/// A JSON object's fields in the order they are written: the JSON Lines
/// reader's own parse, so a topic and a file of the same objects agree.
fn parse_object(text: &str) -> std::result::Result<Vec<(String, serde_json::Value)>, String> {
    use glassbox_formats::jsonl::{parse_line, Line};
    match parse_line(text.as_bytes()) {
        Ok(Line::Object(fields)) => Ok(fields),
        Ok(Line::Other(kind)) => Err(format!("it is {kind}")),
        Err(e) => Err(e.to_string()),
    }
}

fn json_cells(names: &[String], fields: Vec<(String, serde_json::Value)>) -> std::result::Result<Vec<Cell>, String> {
    let mut cells = vec![Cell::Null; names.len()];
    for (k, v) in fields {
        let i = names
            .iter()
            .position(|n| *n == k)
            .ok_or_else(|| format!("the field '{k}' is not one of the first message's"))?;
        cells[i] = glassbox_formats::jsonl::value_cell(v)
            .map_err(|_| format!("the field '{k}' is nested; only plain values are read"))?;
    }
    Ok(cells)
}

fn csv_fields(line: &str) -> std::result::Result<Vec<String>, String> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(line.as_bytes());
    let mut rec = csv::StringRecord::new();
    match r.read_record(&mut rec) {
        Ok(true) => Ok(rec.iter().map(|s| s.to_string()).collect()),
        Ok(false) => Ok(Vec::new()),
        Err(e) => Err(e.to_string()),
    }
}

/// Where a sync left a topic: the offsets, and the columns and format
/// its first run found (the header message is not read again).
pub(crate) struct Resume {
    pub offsets: Offsets,
    pub columns: Vec<String>,
    pub json: bool,
}

/// Reads `request`'s topic into `visit`; returns the next offset of every
/// partition and whether the messages are JSON. A sync's `resume` wins
/// over `request.kafka.start`.
pub(crate) fn read(request: &Request, resume: Option<&Resume>, visit: &mut dyn Visit) -> Result<(Offsets, bool)> {
    let stored = resume.map(|r| &r.offsets);
    let topic = request.address.path.clone();
    let broker = format!("{}:{}", request.address.host, request.address.port);
    let opts = &request.kafka;
    let mut rows = Rows { format: Format::Unknown, visit, messages: 0 };
    if let Some(r) = resume {
        rows.format = if r.json { Format::Json(r.columns.clone()) } else { Format::Csv(r.columns.len()) };
        rows.visit.header(r.columns.clone(), Vec::new())?;
    } else if let Some(h) = &opts.csv_header {
        let names =
            csv_fields(h).map_err(|e| Error::new(Kind::Address, format!("--csv-header cannot be read: {e}")))?;
        rows.format = Format::Csv(names.len());
        rows.visit.header(names, Vec::new())?;
    }
    let next = crate::runtime()?.block_on(async {
        let client = tokio::time::timeout(request.connect_timeout, ClientBuilder::new(vec![broker]).build())
            .await
            .map_err(|_| {
                Error::new(
                    Kind::Connect,
                    format!("cannot connect: no answer within {} s", request.connect_timeout.as_secs_f64()),
                )
            })?
            .map_err(|e| Error::new(Kind::Connect, format!("cannot connect: {e}")))?;
        let topics = client.list_topics().await.map_err(kafka_error)?;
        let t = topics
            .into_iter()
            .find(|t| t.name == topic)
            .ok_or_else(|| Error::new(Kind::Query, format!("the topic '{topic}' does not exist")))?;
        // The end of each partition is the high watermark a fetch reports at the start: a broker's
        // answer to "latest offset" is not always that (tansu 0.6 answers 1 after one batch).
        let mut parts: Vec<(i32, PartitionClient, i64, i64)> = Vec::new();
        let mut first: Vec<Vec<rskafka::record::RecordAndOffset>> = Vec::new();
        for p in t.partitions.iter().copied() {
            let pc =
                client.partition_client(topic.clone(), p, UnknownTopicHandling::Error).await.map_err(kafka_error)?;
            let start = match stored.and_then(|s| s.get(&p)) {
                Some(&o) => o,
                None => pc.get_offset(OffsetAt::Earliest).await.map_err(kafka_error)?,
            };
            let (records, end) = pc.fetch_records(start, 1..4_000_000, 0).await.map_err(kafka_error)?;
            if stored.is_none() && opts.start == StartAt::Latest {
                parts.push((p, pc, end, end));
                first.push(Vec::new());
            } else {
                parts.push((p, pc, start, end));
                first.push(records);
            }
        }
        let max = opts.max_messages.unwrap_or(usize::MAX);
        let waiting = opts.start == StartAt::Latest && stored.is_none();
        let mut idle_since = Instant::now();
        'outer: loop {
            let mut any = false;
            for (i, (p, pc, next, end)) in parts.iter_mut().enumerate() {
                if rows.messages >= max {
                    break 'outer;
                }
                if !waiting && *next >= *end {
                    continue;
                }
                let records = match first.get_mut(i).map(std::mem::take).filter(|r| !r.is_empty()) {
                    Some(r) => r,
                    None => {
                        let wait_ms = if waiting { 200 } else { 1_000 };
                        pc.fetch_records(*next, 1..4_000_000, wait_ms).await.map_err(kafka_error)?.0
                    }
                };
                for r in records {
                    if r.offset < *next || (!waiting && r.offset >= *end) {
                        continue;
                    }
                    if rows.messages >= max {
                        break;
                    }
                    rows.message(*p, r.offset, r.record.value.as_deref())?;
                    rows.messages += 1;
                    *next = r.offset + 1;
                    any = true;
                }
            }
            if any {
                idle_since = Instant::now();
            }
            let done = if waiting { idle_since.elapsed() >= IDLE } else { parts.iter().all(|(_, _, n, e)| n >= e) };
            if done {
                break;
            }
        }
        Ok::<Offsets, Error>(parts.iter().map(|(p, _, n, _)| (*p, *n)).collect())
    })?;
    let json = match rows.format {
        Format::Unknown => {
            return Err(Error::new(Kind::Query, format!("the topic '{topic}' has no message that could be read")))
        }
        Format::Json(_) => true,
        Format::Csv(_) => false,
    };
    Ok((next, json))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(names: &[&str], message: &str, expected: std::result::Result<Vec<Cell>, &str>) {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let got =
            parse_object(message).map_err(|e| format!("not a JSON object: {e}")).and_then(|f| json_cells(&names, f));
        match (got, expected) {
            (Ok(c), Ok(e)) => assert_eq!(c, e, "{message}"),
            (Err(g), Err(e)) => assert!(g.contains(e), "{message}: {g}"),
            (g, e) => panic!("{message}: got {g:?}, expected {e:?}"),
        }
    }

    #[test]
    fn json_messages_become_cells_in_the_first_messages_order() {
        let first = parse_object(r#"{"z": 1, "a": 2, "m": 3}"#).unwrap();
        assert_eq!(
            first.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            ["z", "a", "m"],
            "written order, not sorted"
        );
        let cols = ["n", "s", "b"];
        check(
            &cols,
            r#"{"n": -3, "s": "x", "b": true}"#,
            Ok(vec![Cell::Int(-3), Cell::Text("x".into()), Cell::Bool(true)]),
        );
        check(&cols, r#"{"b": false, "n": 1.5}"#, Ok(vec![Cell::Float(1.5), Cell::Null, Cell::Bool(false)]));
        check(
            &cols,
            r#"{"n": 18446744073709551615, "s": null}"#,
            Ok(vec![Cell::UInt(u64::MAX), Cell::Null, Cell::Null]),
        );
        check(&cols, r#"{"n": 1, "extra": 2}"#, Err("the field 'extra' is not one of the first message's"));
        check(&cols, r#"{"n": [1, 2]}"#, Err("the field 'n' is nested"));
        check(&cols, r#"[1, 2]"#, Err("not a JSON object"));
        check(&cols, r#"{"n": 1"#, Err("not a JSON object: EOF"));
    }

    #[test]
    fn csv_lines_are_split_as_csv() {
        assert_eq!(csv_fields(r#"1,"a, b",,"say ""hi""""#).unwrap(), ["1", "a, b", "", "say \"hi\""]);
    }
}
