//! gzip: `.csv.gz`, `.tsv.gz`, `.jsonl.gz` or any `.gz` of text. The bytes
//! are inflated (every member, as `gunzip` does) up to the memory budget,
//! then told apart again: JSON Lines inside is read as JSON Lines, anything
//! else is delimited text for the CSV reader to sniff.

use std::io::Read;

use crate::{count, format_of, Decoded, Error, ErrorKind, Options, Reader, Result, Text, HEAD_BYTES};

pub struct Gzip;

impl Reader for Gzip {
    fn name(&self) -> &'static str {
        "gzip"
    }

    fn recognises(&self, head: &[u8], _: &str) -> bool {
        head.starts_with(&[0x1f, 0x8b])
    }

    fn read(&self, bytes: &[u8], file_name: &str, opts: &Options) -> Result<Decoded> {
        let mut inflated = Vec::new();
        // One byte past the budget tells a file that reaches it from one that passes it.
        flate2::read::MultiGzDecoder::new(bytes)
            .take(opts.max_bytes.saturating_add(1))
            .read_to_end(&mut inflated)
            .map_err(|e| Error::new(ErrorKind::Malformed, format!("the gzip stream is damaged or cut short: {e}")))?;
        if inflated.len() as u64 > opts.max_bytes {
            return Err(Error::new(
                ErrorKind::Malformed,
                format!(
                    "it inflates to more than {} bytes, the most this reader holds in memory; decompress it and read the text",
                    count(opts.max_bytes)
                ),
            ));
        }
        // The name without `.gz` breaks the inner format's ties.
        let inner_name = file_name.strip_suffix(".gz").or_else(|| file_name.strip_suffix(".GZ")).unwrap_or(file_name);
        match format_of(&inflated[..inflated.len().min(HEAD_BYTES)], inner_name) {
            Some(inner) if inner.name() == self.name() => {
                Err(Error::new(ErrorKind::Malformed, "a gzip file inside a gzip file is not read; decompress it once"))
            }
            Some(inner) => {
                let mut decoded = inner.read(&inflated, inner_name, opts)?;
                decoded.format = format!("gzip of {}", decoded.format);
                Ok(decoded)
            }
            None => Ok(Decoded {
                bytes: inflated,
                text: Text::Delimited,
                format: "gzip of delimited text".to_string(),
                sheet: None,
                sheets: Vec::new(),
                notes: Vec::new(),
                kinds: Vec::new(),
                text_columns: Vec::new(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn delimited_text_comes_out_as_it_went_in() {
        let d = crate::decode(&gz(b"a;b\n1;2\n"), "x.csv.gz", &Options::default()).unwrap().unwrap();
        assert_eq!(
            (d.bytes.as_slice(), d.text, d.format.as_str()),
            (&b"a;b\n1;2\n"[..], Text::Delimited, "gzip of delimited text")
        );
    }

    #[test]
    fn two_members_are_read_as_gunzip_reads_them() {
        let mut both = gz(b"a,b\n1,2\n");
        both.extend(gz(b"3,4\n"));
        let d = crate::decode(&both, "x.gz", &Options::default()).unwrap().unwrap();
        assert_eq!(d.bytes, b"a,b\n1,2\n3,4\n");
    }

    #[test]
    fn json_lines_inside_are_read_as_json_lines() {
        let d = crate::decode(&gz(b"{\"a\": 1}\n"), "x.jsonl.gz", &Options::default()).unwrap().unwrap();
        assert_eq!(
            (d.bytes.as_slice(), d.text, d.format.as_str()),
            (&b"a\n1\n"[..], Text::Canonical, "gzip of JSON Lines")
        );
    }

    #[test]
    fn a_bomb_stops_at_the_budget() {
        let bomb = gz(&vec![b'0'; 1 << 20]);
        let opts = Options { max_bytes: 1000, ..Options::default() };
        let e = crate::decode(&bomb, "x.gz", &opts).unwrap_err();
        assert_eq!(e.message(), "it inflates to more than 1,000 bytes, the most this reader holds in memory; decompress it and read the text");
    }

    #[test]
    fn a_cut_stream_is_named() {
        let whole = gz(b"a,b\n1,2\n");
        let e = crate::decode(&whole[..whole.len() - 6], "x.gz", &Options::default()).unwrap_err();
        assert!(e.message().starts_with("the gzip stream is damaged or cut short"), "{e}");
        assert_eq!(e.kind(), ErrorKind::Malformed);
    }
}
