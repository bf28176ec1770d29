//! A CSV file read in chunks of whole records, each with the header row in
//! front, so a file of any size passes through bounded memory. A record
//! ends at a line break outside quotes: the quote parity is followed from
//! the start of the file, so a quoted field with line breaks stays whole.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::Failure;

pub struct Chunks {
    file: File,
    path: String,
    header: Vec<u8>,
    carry: Vec<u8>,
    chunk: usize,
    done: bool,
    hash: Sha256,
    /// The file is not ASCII-compatible (UTF-16): read whole, in one chunk.
    whole: bool,
}

impl Chunks {
    pub fn open(path: &Path, chunk: usize) -> Result<Chunks, Failure> {
        let file =
            File::open(path).map_err(|e| Failure::input(format!("{}: cannot read the file: {e}", path.display())))?;
        Ok(Chunks {
            file,
            path: path.display().to_string(),
            header: Vec::new(),
            carry: Vec::new(),
            chunk: chunk.max(1 << 16),
            done: false,
            hash: Sha256::new(),
            whole: false,
        })
    }

    fn fill(&mut self, want: usize) -> Result<bool, Failure> {
        let start = self.carry.len();
        self.carry.resize(start + want, 0);
        let mut got = 0;
        while got < want {
            let n = self
                .file
                .read(&mut self.carry[start + got..])
                .map_err(|e| Failure::input(format!("{}: cannot read the file: {e}", self.path)))?;
            if n == 0 {
                break;
            }
            got += n;
        }
        self.hash.update(&self.carry[start..start + got]);
        self.carry.truncate(start + got);
        Ok(got < want)
    }

    /// The next chunk (header row first), or `None` at the end.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, Failure> {
        if self.done {
            return Ok(None);
        }
        let eof = self.fill(self.chunk)?;
        if eof && self.carry.is_empty() && !self.header.is_empty() {
            self.done = true;
            return Ok(None);
        }
        if self.header.is_empty() && !self.whole {
            if self.carry.starts_with(&[0xFF, 0xFE]) || self.carry.starts_with(&[0xFE, 0xFF]) {
                self.whole = true;
            } else {
                match record_end(&self.carry, usize::MAX) {
                    Some(end) => {
                        self.header = self.carry[..end].to_vec();
                        self.carry.drain(..end);
                    }
                    // No line end yet: the whole input is one line (or one huge header).
                    None if eof => {
                        self.done = true;
                        return Ok(Some(std::mem::take(&mut self.carry)));
                    }
                    None => {
                        self.whole = true;
                    }
                }
            }
        }
        if self.whole {
            while !self.fill(self.chunk)? {}
            self.done = true;
            return Ok(Some(std::mem::take(&mut self.carry)));
        }
        let cut = if eof { Some(self.carry.len()) } else { record_end(&self.carry, 0) };
        let Some(cut) = cut else {
            // One record longer than a chunk: read on until it ends.
            let mut more = self.next_whole_record()?;
            let mut out = self.header.clone();
            out.append(&mut more);
            return Ok(Some(out));
        };
        if eof {
            self.done = true;
        }
        let mut out = Vec::with_capacity(self.header.len() + cut);
        out.extend_from_slice(&self.header);
        out.extend_from_slice(&self.carry[..cut]);
        self.carry.drain(..cut);
        Ok(Some(out))
    }

    fn next_whole_record(&mut self) -> Result<Vec<u8>, Failure> {
        loop {
            let eof = self.fill(self.chunk)?;
            if let Some(cut) = record_end(&self.carry, 0) {
                let out = self.carry[..cut].to_vec();
                self.carry.drain(..cut);
                return Ok(out);
            }
            if eof {
                self.done = true;
                return Ok(std::mem::take(&mut self.carry));
            }
        }
    }

    /// The SHA-256 of every byte read, once the last chunk is out.
    pub fn sha256(self) -> String {
        self.hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The end (just past the line feed) of the first (`limit` = MAX) or last
/// (`limit` = 0) record boundary in `bytes`: a line feed outside quotes.
pub(crate) fn record_end(bytes: &[u8], limit: usize) -> Option<usize> {
    let mut quoted = false;
    let mut found = None;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => {
                found = Some(i + 1);
                if limit == usize::MAX {
                    return found;
                }
            }
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_end_outside_quotes() {
        assert_eq!(record_end(b"a,b\n1,2\n", usize::MAX), Some(4));
        assert_eq!(record_end(b"a,b\n1,2\n", 0), Some(8));
        assert_eq!(record_end(b"a,\"b\nc\"\n1", usize::MAX), Some(8));
        assert_eq!(record_end(b"1,\"x\n", 0), None);
    }

    #[test]
    fn chunks_rejoin_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.csv");
        let mut text = String::from("id,note\n");
        for i in 0..20_000 {
            text.push_str(&format!("{i},\"line {i}\nwith a break\"\n"));
        }
        std::fs::write(&path, &text).unwrap();
        let mut c = Chunks::open(&path, 1 << 16).ok().unwrap();
        let mut body = Vec::new();
        let mut n = 0;
        while let Some(chunk) = c.next_chunk().ok().unwrap() {
            assert!(chunk.starts_with(b"id,note\n"));
            body.extend_from_slice(&chunk[8..]);
            n += 1;
        }
        assert!(n > 3, "{n} chunks");
        assert_eq!(body, text.as_bytes()[8..]);
    }
}
