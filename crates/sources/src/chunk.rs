//! A source's rows as the canonical CSV, handed on in chunks of whole
//! records, with the SHA-256 of all of it.

use glassbox_ingest::canonical::{push_record, push_row};
use glassbox_ingest::RowIssue;
use sha2::{Digest, Sha256};

use crate::{Cell, Request, Result, Skipped, Visit};

/// What a finished read tells: the rows, what was left out, and the hash
/// of the canonical bytes (the header included), as a file's would be.
#[derive(Debug, Clone)]
pub struct Read {
    pub rows: usize,
    pub skipped: Vec<Skipped>,
    /// Messages (Kafka) that could not be read, with their partition and offset.
    pub issues: Vec<RowIssue>,
    pub sha256: String,
}

pub(crate) struct Chunker<'a> {
    pub(crate) rows: usize,
    chunk_rows: usize,
    buf: Vec<u8>,
    pending: usize,
    hash: Sha256,
    skipped: Vec<Skipped>,
    issues: Vec<RowIssue>,
    sink: &'a mut dyn FnMut(&[u8], usize) -> Result<()>,
}

impl<'a> Chunker<'a> {
    pub(crate) fn new(chunk_rows: usize, sink: &'a mut dyn FnMut(&[u8], usize) -> Result<()>) -> Chunker<'a> {
        Chunker {
            rows: 0,
            chunk_rows: chunk_rows.max(1),
            buf: Vec::new(),
            pending: 0,
            hash: Sha256::new(),
            skipped: Vec::new(),
            issues: Vec::new(),
            sink,
        }
    }

    fn flush(&mut self) -> Result<()> {
        if !self.buf.is_empty() {
            self.hash.update(&self.buf);
            (self.sink)(&self.buf, self.rows)?;
            self.buf.clear();
            self.pending = 0;
        }
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<Read> {
        self.flush()?;
        let sha256 = self.hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
        Ok(Read { rows: self.rows, skipped: self.skipped, issues: self.issues, sha256 })
    }
}

impl Visit for Chunker<'_> {
    fn header(&mut self, names: Vec<String>, skipped: Vec<Skipped>) -> Result<()> {
        push_record(&mut self.buf, &names);
        self.skipped = skipped;
        Ok(())
    }

    fn row(&mut self, cells: Vec<Cell>) -> Result<()> {
        push_row(&mut self.buf, &cells);
        self.rows += 1;
        self.pending += 1;
        if self.pending >= self.chunk_rows {
            self.flush()?;
        }
        Ok(())
    }

    fn issue(&mut self, issue: RowIssue) {
        self.issues.push(issue);
    }
}

/// Reads a source to the end, handing `sink` the canonical CSV in chunks
/// of `request.chunk_rows` records (the first starts with the header) and
/// the rows read so far.
pub fn read(request: &Request, sink: &mut dyn FnMut(&[u8], usize) -> Result<()>) -> Result<Read> {
    let mut chunker = Chunker::new(request.chunk_rows, sink);
    match request.address.scheme {
        crate::Scheme::Kafka => {
            crate::kafka::read(request, None, &mut chunker)?;
        }
        _ => crate::database::read(request, None, &mut chunker)?,
    }
    chunker.finish()
}
