//! Bytes to text: the encoding from a BOM, from the person, or guessed.
//!
//! `encoding_rs` decodes and `chardetng` guesses (the detector Firefox uses);
//! neither is hand-written here. UTF-8 is taken whenever the bytes are valid
//! UTF-8, since a legacy-encoded file almost never is by accident.

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};

use crate::error::{Error, ErrorKind, Result};

/// Decoded text and how it was decoded.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    /// The WHATWG name of the encoding, as `encoding_rs` spells it.
    pub encoding: &'static str,
    pub bom: bool,
    /// The encoding was guessed from the bytes (no BOM, not UTF-8, no override).
    pub guessed: bool,
    /// Some bytes could not be decoded; they became U+FFFD.
    pub had_errors: bool,
}

fn line_of(bytes: &[u8], pos: usize) -> usize {
    1 + bytes[..pos].iter().filter(|&&b| b == b'\n').count()
}

/// UTF-16 without a BOM shows as a NUL in every other byte of ASCII text.
fn sniff_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(4096) & !1];
    if sample.len() < 4 {
        return None;
    }
    let pairs = sample.len() / 2;
    let even_nuls = sample.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd_nuls = sample.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    if odd_nuls * 10 >= pairs * 9 && even_nuls == 0 {
        Some(UTF_16LE)
    } else if even_nuls * 10 >= pairs * 9 && odd_nuls == 0 {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// Decodes `bytes` with the encoding named by `label` (a WHATWG label), or
/// the one found from the BOM, or UTF-8 when valid, or chardetng's guess.
pub fn decode(bytes: &[u8], label: Option<&str>) -> Result<Decoded> {
    let (bom_encoding, bom_len) = match Encoding::for_bom(bytes) {
        Some((e, n)) => (Some(e), n),
        None => (None, 0),
    };
    let forced = match label {
        Some(l) => Some(Encoding::for_label(l.trim().as_bytes()).ok_or_else(|| {
            Error::new(
                ErrorKind::BadSpec,
                format!(
                    "unknown encoding '{l}': use a WHATWG label such as utf-8, utf-16le, windows-1252, gbk, shift_jis"
                ),
            )
        })?),
        None => None,
    };
    let mut guessed = false;
    let encoding = match (forced, bom_encoding) {
        (Some(e), _) => e,
        (None, Some(e)) => e,
        (None, None) => {
            if let Some(e) = sniff_utf16(bytes) {
                e
            } else if let Some(pos) = bytes.iter().position(|&b| b == 0) {
                return Err(Error::new(
                    ErrorKind::Binary,
                    format!("this is not a text file: found a NUL byte on line {} (byte {pos})", line_of(bytes, pos)),
                ));
            } else if std::str::from_utf8(bytes).is_ok() {
                UTF_8
            } else {
                let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
                detector.feed(bytes, true);
                guessed = true;
                detector.guess(None, chardetng::Utf8Detection::Allow)
            }
        }
    };
    let body = if bom_encoding == Some(encoding) { &bytes[bom_len..] } else { bytes };
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    if let Some(pos) = text.find('\0') {
        let line = 1 + text[..pos].matches('\n').count();
        return Err(Error::new(
            ErrorKind::Binary,
            format!("this is not a text file: found a NUL character on line {line}"),
        ));
    }
    Ok(Decoded {
        text: text.into_owned(),
        encoding: encoding.name(),
        bom: bom_len > 0 && bom_encoding == Some(encoding),
        guessed,
        had_errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(bytes: &[u8], label: Option<&str>, encoding: &str, text: &str) {
        let d = decode(bytes, label).unwrap();
        assert_eq!((d.encoding, d.text.as_str()), (encoding, text));
    }

    #[test]
    fn boms_and_utf16() {
        check(b"\xef\xbb\xbfa,b\n", None, "UTF-8", "a,b\n");
        check(b"\xff\xfea\x00,\x00b\x00\n\x00", None, "UTF-16LE", "a,b\n");
        check(b"\xfe\xff\x00a\x00,\x00b\x00\n", None, "UTF-16BE", "a,b\n");
        check(b"a\x00,\x00b\x00\n\x00", None, "UTF-16LE", "a,b\n");
    }

    #[test]
    fn legacy_encodings_are_guessed() {
        // "café,crème brûlée" in windows-1252, several times so the detector is sure.
        let latin1 = b"name,dish\ncaf\xe9,cr\xe8me br\xfbl\xe9e\nna\xefve,d\xe9j\xe0 vu\n".repeat(5);
        let d = decode(&latin1, None).unwrap();
        assert_eq!(d.encoding, "windows-1252");
        assert!(d.guessed && d.text.contains("crème brûlée"));
        // "北京,上海" in GBK.
        let gbk = b"city,region\n\xb1\xb1\xbe\xa9,\xc9\xcf\xba\xa3\n\xb9\xe3\xd6\xdd,\xc9\xee\xdb\xda\n".repeat(5);
        let d = decode(&gbk, None).unwrap();
        assert_eq!(d.encoding, "GBK");
        assert!(d.text.contains("北京,上海"));
        check(b"\x82\xa0,x\n", Some("shift_jis"), "Shift_JIS", "あ,x\n");
    }

    #[test]
    fn bad_labels_and_binary_are_errors() {
        assert_eq!(decode(b"a", Some("klingon")).unwrap_err().kind(), ErrorKind::BadSpec);
        let e = decode(b"a,b\n1,\x002\n", None).unwrap_err();
        assert_eq!(e.message(), "this is not a text file: found a NUL byte on line 2 (byte 6)");
    }
}
