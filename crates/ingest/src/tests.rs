//! Ingest tests: messy files made here, each checked against a summary of
//! what was read (format, columns, row issues), plus the name rules.

use super::*;

/// One line for the format, one per column, one per row issue.
fn summary(t: &Table) -> String {
    let f = &t.format;
    let mut s = format!(
        "{} bom={} delim={:?} header={} decimal_comma={} rows={}/{}\n",
        f.encoding, f.bom, f.delimiter, f.header, f.decimal_comma, t.n_rows, t.n_records
    );
    for c in &t.columns {
        let cells: Vec<String> = c.texts().into_iter().map(|v| v.unwrap_or_else(|| "·".into())).collect();
        s.push_str(&format!("{} ({}) {}: {}", c.name, c.original_name, c.kind.as_str(), cells.join("|")));
        if c.stray_count() > 0 {
            let examples: Vec<String> = c.strays.iter().map(|t| format!("{}@{}", t.token, t.line)).collect();
            s.push_str(&format!(" stray={} [{}]", c.stray_count(), examples.join(", ")));
        }
        s.push('\n');
    }
    for i in &t.row_issues {
        s.push_str(&format!("issue record {}: {}\n", i.record, i.message));
    }
    s
}

fn check_with(bytes: &[u8], opts: &ReadOptions, expected: &str) {
    let t = read_csv(bytes, opts).unwrap_or_else(|e| panic!("read failed: {e}"));
    let got = summary(&t);
    assert_eq!(got.trim(), expected.trim(), "\n--- got ---\n{got}");
}

fn check(bytes: &[u8], expected: &str) {
    check_with(bytes, &ReadOptions::default(), expected);
}

fn utf16le(s: &str, bom: bool) -> Vec<u8> {
    let mut out = if bom { vec![0xff, 0xfe] } else { Vec::new() };
    out.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

fn utf16be(s: &str) -> Vec<u8> {
    let mut out = vec![0xfe, 0xff];
    out.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
    out
}

#[test]
fn plain_comma_file() {
    check(
        b"a,B c,y\n1,x,p\n2.5,,q\n",
        "UTF-8 bom=false delim=',' header=true decimal_comma=false rows=2/2\n\
         a (a) numeric: 1|2.5\n\
         b_c (B c) categorical: x|·\n\
         y (y) categorical: p|q",
    );
}

#[test]
fn semicolon_latin1_decimal_comma_with_bom_free_crlf() {
    let text = "name;price;weight\r\ncaf\u{e9};3,14;1.234,5\r\ncr\u{e8}me;-2,5;7\r\n";
    let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    check(
        &bytes.repeat(1)[..],
        "windows-1252 bom=false delim=';' header=true decimal_comma=true rows=2/2\n\
         name (name) categorical: café|crème\n\
         price (price) numeric: 3.14|-2.5\n\
         weight (weight) numeric: 1234.5|7",
    );
}

#[test]
fn utf16_with_and_without_bom_and_tabs() {
    let text = "x\ty\n1\ta\n2\tb\n";
    let expected = "bom=true delim='\\t' header=true decimal_comma=false rows=2/2\n\
                    x (x) numeric: 1|2\n\
                    y (y) categorical: a|b";
    check(&utf16le(text, true), &format!("UTF-16LE {expected}"));
    check(&utf16be(text), &format!("UTF-16BE {expected}"));
    check(&utf16le(text, false), &format!("UTF-16LE {}", expected.replace("bom=true", "bom=false")));
}

#[test]
fn gbk_and_shift_jis() {
    let (gbk, _, _) = encoding_rs::GBK.encode("城市,人口\n北京,2189\n上海,2487\n广州,1868\n深圳,1756\n");
    check(
        &gbk,
        "GBK bom=false delim=',' header=true decimal_comma=false rows=4/4\n\
         城市 (城市) categorical: 北京|上海|广州|深圳\n\
         人口 (人口) numeric: 2189|2487|1868|1756",
    );
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("名前|値\nあ|1\nい|2\n");
    let opts = ReadOptions { encoding: Some("shift_jis".into()), ..ReadOptions::default() };
    check_with(
        &sjis,
        &opts,
        "Shift_JIS bom=false delim='|' header=true decimal_comma=false rows=2/2\n\
         名前 (名前) categorical: あ|い\n\
         値 (値) numeric: 1|2",
    );
}

#[test]
fn quotes_blank_lines_lone_cr_trailing_delimiter_and_spaces() {
    check(
        b"id, note, v,\r\r1, \"a, b\", 3,\r\r2, \"multi\nline \"\"quoted\"\"\", 4,\r",
        "UTF-8 bom=false delim=',' header=true decimal_comma=false rows=2/2\n\
         id (id) numeric: 1|2\n\
         note (note) categorical: a, b|multi\nline \"quoted\"\n\
         v (v) numeric: 3|4",
    );
}

#[test]
fn trailing_delimiter_on_rows_only() {
    check(
        b"a,b\n1,2,\n3,4,\n",
        "UTF-8 bom=false delim=',' header=true decimal_comma=false rows=2/2\n\
         a (a) numeric: 1|3\n\
         b (b) numeric: 2|4",
    );
}

#[test]
fn ragged_rows_and_junk_last_line_are_skipped_and_listed() {
    check(
        b"a,b,c\n1,2,3\n4,5\n6,7,8,9,10\n11,12,13\n(c) 2024 Export Corp\n",
        "UTF-8 bom=false delim=',' header=true decimal_comma=false rows=2/5\n\
         a (a) numeric: 1|11\n\
         b (b) numeric: 2|12\n\
         c (c) numeric: 3|13\n\
         issue record 1: line 3 has 2 fields, but the header has 3\n\
         issue record 2: line 4 has 5 fields, but the header has 3\n\
         issue record 4: line 6 has 1 fields, but the header has 3",
    );
    let opts = ReadOptions { bad_rows: BadRows::Error, ..ReadOptions::default() };
    let e = read_csv(b"a,b,c\n1,2,3\n4,5\n", &opts).unwrap_err();
    assert_eq!(e.message(), "line 3 has 2 fields, but the header has 3");
}

#[test]
fn missing_tokens_default_and_edited() {
    check(
        b"v,w\nNA,a\nN/A,b\nNaN,c\nnan,d\nnull,e\nNULL,f\nNone,g\n?,h\n-,i\n  ,j\n5,NA\n",
        "UTF-8 bom=false delim=',' header=true decimal_comma=false rows=11/11\n\
         v (v) numeric: ·|·|·|·|·|·|·|·|·|·|5\n\
         w (w) categorical: a|b|c|d|e|f|g|h|i|j|·",
    );
    // "NA" is Namibia here: the person takes it off the list.
    let opts = ReadOptions { missing_tokens: vec!["".into(), "?".into()], ..ReadOptions::default() };
    check_with(
        b"country,n\nNA,1\nDE,?\n",
        &opts,
        "UTF-8 bom=false delim=',' header=true decimal_comma=false rows=2/2\n\
         country (country) categorical: NA|DE\n\
         n (n) numeric: 1|·",
    );
}

#[test]
fn stray_tokens_in_a_numeric_column_become_missing_and_are_reported() {
    let mut csv = String::from("x,y\n");
    for i in 0..30 {
        csv.push_str(&format!(
            "{},{}\n",
            if i == 4 {
                " .".to_string()
            } else if i == 9 {
                "n.a.".into()
            } else {
                i.to_string()
            },
            i % 2
        ));
    }
    let t = read_csv(csv.as_bytes(), &ReadOptions::default()).unwrap();
    let x = &t.columns[0];
    assert_eq!((x.kind, x.stray_count(), x.missing_count()), (ColumnKind::Numeric, 2, 2));
    assert_eq!(
        x.strays,
        vec![StrayToken { line: 6, token: ".".into() }, StrayToken { line: 11, token: "n.a.".into() }]
    );
    // Mostly words: categorical, nothing stray.
    let t = read_csv(b"x\na\nb\n1\n", &ReadOptions::default()).unwrap();
    assert_eq!((t.columns[0].kind, t.columns[0].stray_count()), (ColumnKind::Categorical, 0));
}

#[test]
fn kinds_can_be_forced() {
    let mut kinds = BTreeMap::new();
    kinds.insert("zip".to_string(), ColumnKind::Categorical);
    kinds.insert("Score".to_string(), ColumnKind::Numeric);
    let opts = ReadOptions { kinds, ..ReadOptions::default() };
    check_with(
        b"zip,Score\n01234,1\n98765,high\n",
        &opts,
        "UTF-8 bom=false delim=',' header=true decimal_comma=false rows=2/2\n\
         zip (zip) categorical: 01234|98765\n\
         score (Score) numeric: 1|· stray=1 [high@3]",
    );
}

#[test]
fn no_header_detected_and_forced() {
    check(
        b"1,2,3\n4,5,6\n",
        "UTF-8 bom=false delim=',' header=false decimal_comma=false rows=2/2\n\
         column_1 (column_1) numeric: 1|4\n\
         column_2 (column_2) numeric: 2|5\n\
         column_3 (column_3) numeric: 3|6",
    );
    let opts = ReadOptions { header: Some(false), ..ReadOptions::default() };
    check_with(
        b"a,b\nc,d\n",
        &opts,
        "UTF-8 bom=false delim=',' header=false decimal_comma=false rows=2/2\n\
         column_1 (column_1) categorical: a|c\n\
         column_2 (column_2) categorical: b|d",
    );
}

#[test]
fn a_100_kb_field_is_read_whole() {
    let big = "x".repeat(100 * 1024);
    let csv = format!("a,b\n1,\"{big}\"\n2,short\n");
    let t = read_csv(csv.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(t.columns[1].text(0).map(|s| s.len()), Some(100 * 1024));
    assert_eq!(t.n_rows, 2);
}

#[test]
fn invalid_utf8_rows_in_a_forced_utf8_file_are_skipped() {
    let opts = ReadOptions { encoding: Some("utf-8".into()), ..ReadOptions::default() };
    check_with(
        b"a,b\n1,ok\n2,caf\xe9\n3,fine\n",
        &opts,
        "UTF-8 bom=false delim=',' header=true decimal_comma=false rows=2/3\n\
         a (a) numeric: 1|3\n\
         b (b) categorical: ok|fine\n\
         issue record 1: line 3 has bytes that are not valid UTF-8: try another encoding (for example windows-1252)",
    );
}

fn check_names(raw: &[&str], expected: &[&str]) {
    let raw: Vec<String> = raw.iter().map(|s| s.to_string()).collect();
    let (names, _) = normalise_header(&raw);
    assert_eq!(names, expected);
}

#[test]
fn names_are_normalised() {
    check_names(&["sepal length (cm)"], &["sepal_length_cm"]);
    check_names(&["  Héllo--Wörld  ", "__x__", ""], &["héllo_wörld", "x", "column_3"]);
    check_names(&["A", "a", "a_2", "a"], &["a", "a_2", "a_2_2", "a_3"]);
    check_names(&["体重 (kg)", "!!!"], &["体重_kg", "column_2"]);
}

#[test]
fn duplicates_are_reported() {
    let t = parse_csv(b"x,X,y\n1,2,a\n").unwrap();
    assert_eq!(t.column_names(), ["x", "x_2", "y"]);
    assert_eq!(t.renamed, vec![Rename { original_name: "X".into(), name: "x_2".into(), position: 2 }]);
}

#[test]
fn infinity_is_not_a_number() {
    let t = parse_csv(b"a\ninf\nx\n").unwrap();
    assert_eq!(t.columns[0].kind, ColumnKind::Categorical);
}

fn check_error(bytes: &[u8], kind: ErrorKind, message: &str) {
    let e = parse_csv(bytes).unwrap_err();
    assert_eq!(e.kind(), kind, "{e}");
    assert_eq!(e.message(), message);
}

#[test]
fn bad_files_are_named() {
    check_error(b"", ErrorKind::Empty, "the file is empty");
    check_error(b" \n\n", ErrorKind::Empty, "the file is empty");
    check_error(b"a,b\n", ErrorKind::HeaderOnly, "the file has a header row but no data rows");
    check_error(
        b"a,b\n1\n2\n",
        ErrorKind::Malformed,
        "no row could be read: all 2 data rows have problems, the first: line 2 has 1 fields, but the header has 2",
    );
    check_error(b"a,b\n1,\x002\n", ErrorKind::Binary, "this is not a text file: found a NUL byte on line 2 (byte 6)");
    // A picture or an archive dropped by mistake is named for what it is.
    check_error(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        ErrorKind::Binary,
        "this is a PNG image, not a CSV file: Glassbox reads tables as delimited text",
    );
    check_error(
        b"\x1f\x8b\x08\x00\x00\x00",
        ErrorKind::Binary,
        "this is a gzip-compressed file (decompress it first), not a CSV file: Glassbox reads tables as delimited text",
    );
}

/// Feeds the bytes in slices of `size` and returns the table.
fn read_in_slices(bytes: &[u8], size: usize) -> Result<Table> {
    let opts = ReadOptions::default();
    let mut s = IngestSession::new(&bytes[..bytes.len().min(SNIFF_BYTES)], &opts)?;
    for chunk in bytes.chunks(size) {
        s.feed(chunk)?;
    }
    s.finish()
}

#[test]
fn slices_of_any_size_read_the_same_table() {
    let latin1: Vec<u8> = "n;prix\r\ncafé;3,5\r\nthé;4,25\r\n".chars().map(|c| c as u32 as u8).collect();
    let cases: Vec<Vec<u8>> = vec![
        b"id, note, v,\r\r1, \"a, b\", 3,\r\r2, \"multi\nline \"\"quoted\"\"\", 4,\r".to_vec(),
        "名前,値\nあいう,1\nえお,2\n".as_bytes().to_vec(),
        utf16le("x\ty\n1\ta\n2\tb\n", true),
        latin1,
        b"a,b,c\n1,2,3\n4,5\n6,7,8\n\n\n9,10,11".to_vec(),
    ];
    for bytes in &cases {
        let whole = read_csv(bytes, &ReadOptions::default()).unwrap();
        for size in [1, 2, 3, 7, 64] {
            assert_eq!(read_in_slices(bytes, size).unwrap(), whole, "slices of {size} bytes");
        }
    }
}

#[test]
fn kinds_hold_beyond_the_sample() {
    // A stray after the sampled rows stays a stray; a flood of text turns the column categorical.
    let n = SAMPLE_ROWS + 500;
    let mut csv = String::from("a,b\n");
    for i in 0..n {
        let a = if i == SAMPLE_ROWS + 10 { "oops".to_string() } else { i.to_string() };
        let b = if i > SAMPLE_ROWS { format!("w{i}") } else { format!("{}.5", i % 10) };
        csv.push_str(&format!("{a},{b}\n"));
    }
    let t = read_csv(csv.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!((t.columns[0].kind, t.columns[0].stray_count()), (ColumnKind::Numeric, 1));
    assert_eq!(t.columns[0].strays[0], StrayToken { line: SAMPLE_ROWS as u64 + 12, token: "oops".into() });
    assert_eq!(t.columns[1].kind, ColumnKind::Categorical);
    assert_eq!(t.columns[1].text(3).as_deref(), Some("3.5"), "numbers keep their written text");
    assert_eq!(t.columns[1].text(n - 1).as_deref(), Some(format!("w{}", n - 1).as_str()));
}

#[test]
fn sha256_is_of_the_input_bytes() {
    let t = read_csv(b"a,b\n1,2\n", &ReadOptions::default()).unwrap();
    assert_eq!(t.input_sha256, {
        use sha2::Digest;
        sha2::Sha256::digest(b"a,b\n1,2\n").iter().map(|b| format!("{b:02x}")).collect::<String>()
    });
}

/// Found by the fuzzer: tables with missing numbers (NaN) never compared equal.
#[test]
fn tables_with_missing_numbers_compare_equal() {
    let bytes = b"a,b\n1,\n,2\n";
    assert_eq!(read_csv(bytes, &ReadOptions::default()).unwrap(), read_in_slices(bytes, 3).unwrap());
}

#[test]
fn booleans_and_datetimes_are_inferred() {
    check(
        b"paid,when,local,code\nyes,2024-03-05T14:30:00Z,13/02/2024 08:00,1\nNo,2024-03-06,01/03/2024 09:30,0\nYES,2024-03-07T01:00:00+02:00,05/03/2024 10:00,1\n",
        "UTF-8 bom=false delim=',' header=true decimal_comma=false rows=3/3\n\
         paid (paid) boolean: yes|No|YES\n\
         when (when) datetime: 2024-03-05T14:30:00Z|2024-03-06|2024-03-07T01:00:00+02:00\n\
         local (local) datetime: 13/02/2024 08:00|01/03/2024 09:30|05/03/2024 10:00\n\
         code (code) boolean: 1|0|1",
    );
    let t = read_csv(b"when,local\n2024-03-07T01:00:00+02:00,13/02/2024 08:00\n", &ReadOptions::default()).unwrap();
    assert_eq!(t.columns[0].number(0), Some(1_709_766_000.0), "2024-03-06T23:00:00Z");
    assert_eq!(t.columns[1].number(0), Some(1_707_811_200.0), "2024-02-13T08:00:00Z: day-first from 13");
    assert_eq!(t.columns[1].date, Some(DateInfo { order: DateOrder::Dmy, order_ambiguous: false }));
}

#[test]
fn ambiguous_dates_use_the_rule_or_the_person_and_zones_apply() {
    let csv = b"d\n01/02/2024 08:00\n03/04/2024 09:00\n";
    let t = read_csv(csv, &ReadOptions::default()).unwrap();
    assert_eq!(t.columns[0].date, Some(DateInfo { order: DateOrder::Dmy, order_ambiguous: true }));
    assert_eq!(t.columns[0].number(0), Some(1_706_774_400.0), "1 February 08:00 UTC");
    let mdy = ReadOptions {
        date_order: Some(DateOrder::Mdy),
        timezone: Some("Asia/Shanghai".into()),
        ..ReadOptions::default()
    };
    let t = read_csv(csv, &mdy).unwrap();
    assert_eq!(t.format.timezone, "Asia/Shanghai");
    assert_eq!(t.columns[0].number(0), Some(1_704_153_600.0), "2 January 08:00 in Shanghai is 00:00 UTC");
    let bad = ReadOptions { timezone: Some("Mars/Olympus".into()), ..ReadOptions::default() };
    assert!(read_csv(csv, &bad).unwrap_err().message().starts_with("unknown time zone 'Mars/Olympus'"));
}

#[test]
fn epoch_numbers_when_the_person_says_datetime() {
    let mut kinds = BTreeMap::new();
    kinds.insert("t".to_string(), ColumnKind::Datetime);
    let opts = ReadOptions { kinds, ..ReadOptions::default() };
    let t = read_csv(b"t\n1709766000\n1709766000000\n", &opts).unwrap();
    assert_eq!((t.columns[0].number(0), t.columns[0].number(1)), (Some(1_709_766_000.0), Some(1_709_766_000.0)));
}

#[test]
fn the_table_contract_catches_breaches() {
    let mut t = read_csv(b"a,b\n1,x\n2,y\n", &ReadOptions::default()).unwrap();
    assert_eq!(t.validate(), Ok(()));
    t.columns[1].name = "a".into();
    assert_eq!(
        t.validate().unwrap_err().message(),
        "the table breaks its contract: column 'a' has the same name as an earlier column"
    );
    t.columns[1].name = "Not Normal".into();
    assert_eq!(
        t.validate().unwrap_err().message(),
        "the table breaks its contract: column 'Not Normal' has a name that is not normalised"
    );
    t.columns[1].name = "b".into();
    t.n_rows = 3;
    assert!(t.validate().unwrap_err().message().ends_with("has 2 values for 3 rows"));
}

/// `parse_number` uses fast-float2 for speed; it must read every text the
/// way the standard library does, to the bit, or files would read
/// differently than before.
#[test]
fn number_parser_agrees_with_the_standard_library() {
    let texts = [
        "0",
        "-0",
        "+1",
        "1.",
        ".5",
        "-.5",
        "+.5",
        "1e5",
        "1E+05",
        "1e-5",
        "2.5e",
        "e5",
        "1e",
        ".",
        "-",
        "+",
        "",
        "1,5",
        "1_000",
        " 1",
        "1 ",
        "0x10",
        "inf",
        "-inf",
        "Infinity",
        "nan",
        "NaN",
        "1e400",
        "1e-400",
        "4.9406564584124654e-324",
        "2.2250738585072011e-308",
        "1.7976931348623157e308",
        "0.1",
        "0.30000000000000004",
        "123456789012345678901234567890",
        "9007199254740993",
        "-1.2345678901234567e-7",
        "1.5.2",
        "١",
        "1d",
        "1f",
    ];
    for t in texts {
        let std = t.parse::<f64>().ok().filter(|v| v.is_finite()).map(f64::to_bits);
        assert_eq!(parse_number(t).map(f64::to_bits), std, "{t:?}");
    }
    // And a spread of generated values, written as Python and Rust write floats.
    let mut x = 0.123_456_789_f64;
    for i in 0..20_000 {
        x = (x * 1.618_033_988_749_895 + 0.1 * i as f64).fract() * 10f64.powi((i % 40) - 20);
        for t in [format!("{x}"), format!("{x:.17e}"), format!("{x:.3}"), format!("-{x:e}")] {
            assert_eq!(parse_number(&t).map(f64::to_bits), t.parse::<f64>().ok().map(f64::to_bits), "{t}");
        }
    }
}

/// The browser hashes the file natively and hands the digest over; the table
/// must be the one the session would have made hashing it itself.
#[test]
fn a_digest_given_by_the_caller_makes_the_same_table() {
    let csv = b"a,b\n1,x\n2,y\n";
    let own = read_csv(csv, &ReadOptions::default()).unwrap();
    let read_with = |digest: Option<String>| {
        let mut s = IngestSession::new(csv, &ReadOptions::default()).unwrap();
        s.hash_elsewhere();
        s.feed(csv).unwrap();
        s.finish_with_sha256(digest)
    };
    let given = read_with(Some(own.input_sha256.to_ascii_uppercase())).unwrap();
    assert_eq!(given.input_sha256, own.input_sha256);
    assert_eq!(given.columns, own.columns);
    assert!(read_with(None).unwrap_err().to_string().contains("was not"));
    assert!(read_with(Some("xyz".into())).unwrap_err().to_string().contains("not a SHA-256"));
}

/// Fields are trimmed as `str::trim` trims, Unicode spaces included, also
/// where a shortcut skips the full trim.
#[test]
fn cells_are_trimmed_of_ascii_and_unicode_spaces() {
    let csv = "a,b\n x ,\u{a0}1\u{a0}\n\u{b}y\t,2\nz,\u{2003}3\n";
    let t = read_csv(csv.as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(t.columns[0].texts(), vec![Some("x".into()), Some("y".into()), Some("z".into())]);
    assert_eq!(t.columns[1].number(0), Some(1.0));
    assert_eq!(t.columns[1].number(2), Some(3.0));
}

/// Found by the fuzzer: a record ending in a lone `\r` (read by csv_core,
/// here because of a quote) left "the last byte was `\r`" set while quote-free
/// lines were read past it, so a blank `\n` line much later was taken for
/// the second half of `\r\n` and every later line number was one short.
#[test]
fn a_lone_cr_before_quote_free_lines_does_not_swallow_a_later_blank_line() {
    let csv = b"a\"x,b\r1,2\n3,4\n\n5\n6,7\n";
    check(
        csv,
        "UTF-8 bom=false delim=',' header=true decimal_comma=false rows=3/4\n\
         a_x (a\"x) numeric: 1|3|6\n\
         b (b) numeric: 2|4|7\n\
         issue record 2: line 5 has 1 fields, but the header has 2",
    );
    for size in 1..csv.len() {
        let mut s = IngestSession::new(csv, &ReadOptions::default()).unwrap();
        csv.chunks(size).for_each(|c| s.feed(c).unwrap());
        assert_eq!(s.finish().unwrap().row_issues[0].line, 5, "slices of {size}");
    }
}

/// Reads `bytes` with kinds decided after `typed_at` bytes, either in one
/// session or, with `split`, in two parts: the second from `split` on,
/// absorbed by the first if it can be, else the first reads on. Returns the
/// table or the error's message, and whether the part was absorbed.
fn read_typed_at(
    bytes: &[u8],
    opts: &ReadOptions,
    typed_at: usize,
    split: Option<usize>,
) -> (std::result::Result<Table, String>, bool) {
    let sha = Some("ab".repeat(32));
    let mut absorbed = false;
    let mut run = || -> Result<Table> {
        let mut s = IngestSession::new(&bytes[..bytes.len().min(SNIFF_BYTES)], opts)?;
        s.hash_elsewhere();
        s.feed(&bytes[..typed_at])?;
        s.type_now();
        let Some(split) = split else {
            s.feed(&bytes[typed_at..])?;
            return s.finish_with_sha256(sha.clone());
        };
        let spec = s.part_spec().expect("a UTF-8 file typed before the split can be read in parts");
        s.feed(&bytes[typed_at..split])?;
        let part = IngestSession::for_part(&spec)
            .and_then(|mut p| p.feed(&bytes[split..]).map(|()| p))
            .and_then(IngestSession::into_part);
        absorbed = match part {
            Ok(part) => s.absorb(part)?,
            // The part failed (a bad row with `--bad-rows error`, say): read on here, and fail here.
            Err(_) => false,
        };
        if !absorbed {
            s.feed(&bytes[split..])?;
        }
        s.finish_with_sha256(sha.clone())
    };
    let table = run().map_err(|e| e.to_string());
    (table, absorbed)
}

#[test]
fn a_file_read_in_two_parts_is_the_file_read_whole() {
    let default = ReadOptions::default();
    let strict = ReadOptions { bad_rows: BadRows::Error, ..ReadOptions::default() };
    let utf8 = ReadOptions { encoding: Some("utf-8".into()), ..ReadOptions::default() };
    let mut views = String::from("v,w\n");
    for i in 0..40 {
        // Numbers that turn to text late, so the text view decides how they read.
        let v = if i > 20 { format!("t{}", i % 3) } else { format!("{}.50", i % 4) };
        views.push_str(&format!("{v},{i}\n"));
    }
    let cases: Vec<(&str, Vec<u8>, &ReadOptions)> = vec![
        ("quotes, blank lines, CR", b"id,note,v\r\n1,\"a, b\",3\r\n\r\n2,\"multi\nline \"\"q\"\"\",4\r\n\r3,x,5\n4,\"\n\",6\r\n".to_vec(), &default),
        ("ragged and junk", b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n11,12,13\n\n14,15,16,\n(c) 2024 Export Corp".to_vec(), &default),
        ("ragged, strict", b"a,b,c\n1,2,3\n4,5,6\n7,8\n9,10,11\n".to_vec(), &strict),
        ("strays and missing", b"n,c,d,b\n1,x,2024-01-02,yes\n2,y,2024-02-03,no\n?,x,,yes\n3,z,2024-03-04 10:00,NA\noops,y,2024-05-06,no\n4,,2024-06-07,yes\n".to_vec(), &default),
        ("views", views.into_bytes(), &default),
        ("invalid UTF-8", b"a,b\n1,x\n2,caf\xe9\n3,\xef\xbf\xbd\n4,y\n".to_vec(), &utf8),
        ("BOM and one mid-file", "\u{feff}a,b\n1,x\n\u{feff}2,y\n\"\u{feff}3\",z\n\u{feff}4,\"z\"\n\u{feff}".as_bytes().to_vec(), &default),
    ];
    for (name, bytes, opts) in &cases {
        let line_ends: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i] == b'\n').map(|i| i + 1).collect();
        let (mut absorbed, mut refused) = (0, 0);
        for &typed_at in line_ends.iter().take(3) {
            let (whole, _) = read_typed_at(bytes, opts, typed_at, None);
            for &split in line_ends.iter().filter(|&&e| e >= typed_at) {
                let (parts, took) = read_typed_at(bytes, opts, typed_at, Some(split));
                assert_eq!(parts, whole, "{name}: typed at byte {typed_at}, split at byte {split}");
                if took {
                    absorbed += 1
                } else {
                    refused += 1
                }
            }
        }
        // With `--bad-rows error`, the bad row fails whichever part holds it.
        assert!(absorbed > 0 || *name == "ragged, strict", "{name}: no split was absorbed");
        if *name == "quotes, blank lines, CR" {
            assert!(refused > 0, "a split inside a quoted field is refused");
        }
    }
}

#[test]
fn files_that_cannot_be_split_say_so() {
    let latin1 = b"a;b\n1;caf\xe9\n2;x\n";
    let mut s = IngestSession::new(latin1, &ReadOptions::default()).unwrap();
    s.feed(&latin1[..8]).unwrap();
    s.type_now();
    assert_eq!(s.format().encoding, "windows-1252");
    assert!(s.part_spec().is_none(), "a single-byte encoding other than UTF-8");
    let spaced = b"a, b\n1, \"x, y\"\n";
    let mut s = IngestSession::new(spaced, &ReadOptions::default()).unwrap();
    s.feed(spaced).unwrap();
    s.type_now();
    assert!(s.part_spec().is_none(), "the space-before-quote filter carries state");
    let plain = b"a,b\n1,x\n2,y\n";
    let mut s = IngestSession::new(plain, &ReadOptions::default()).unwrap();
    assert!(s.part_spec().is_none(), "kinds not decided yet");
    s.feed(&plain[..8]).unwrap();
    s.type_now();
    let mut p = IngestSession::for_part(&s.part_spec().unwrap()).unwrap();
    p.feed(&plain[8..]).unwrap();
    let e = s.absorb(p.into_part().unwrap()).unwrap_err();
    assert_eq!(e.message(), "a file read in parts must be hashed by the caller");
}

#[test]
fn parts_with_many_categories_keep_their_codes() {
    // Codes travel in one, two or four bytes by the dictionary's size: 3, 600 and 70,000 texts here.
    let mut csv = String::from("small,view,text\n");
    for i in 0..70_000 {
        csv.push_str(&format!("{},{},id{i}\n", ["a", "b", "c"][i % 3], i % 600));
    }
    let bytes = csv.as_bytes();
    let opts = ReadOptions::default();
    // Kinds from the first 1,000 rows: `view` is numeric, with its text view of 600 numbers.
    let typed_at = bytes.iter().enumerate().filter(|(_, &b)| b == b'\n').nth(1000).unwrap().0 + 1;
    let (whole, _) = read_typed_at(bytes, &opts, typed_at, None);
    let kinds: Vec<ColumnKind> = whole.as_ref().unwrap().columns.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [ColumnKind::Categorical, ColumnKind::Numeric, ColumnKind::Categorical]);
    for split in [bytes.len() / 3, bytes.len() / 2, bytes.len() * 9 / 10] {
        let split = split + bytes[split..].iter().position(|&b| b == b'\n').unwrap() + 1;
        let (parts, took) = read_typed_at(bytes, &opts, typed_at, Some(split));
        assert!(took, "split at byte {split}");
        assert_eq!(parts, whole, "split at byte {split}");
    }
}

#[test]
fn a_literal_replacement_character_before_the_first_bad_byte_reads_the_same_in_any_slices() {
    // Found by the fuzzer: the row with its own U+FFFD was skipped when the
    // bad byte further on came in the same slice, and kept when it came later.
    let mut bytes = b"\xef\xbb\xbfa,b\n1,x\n2,s\xef\xbf\xbdtosa\n3,y\n".to_vec();
    bytes.extend_from_slice(b"4,bad\xff\n5,z\n");
    let whole = read_csv(&bytes, &ReadOptions::default()).unwrap();
    for size in 1..bytes.len() {
        assert_eq!(read_in_slices(&bytes, size).unwrap(), whole, "slices of {size} bytes");
    }
    assert_eq!(whole.format.encoding, "UTF-8");
    assert_eq!(whole.columns[1].text(1).as_deref(), Some("s\u{FFFD}tosa"), "a row before the bad byte is kept");
    let lines: Vec<u64> = whole.row_issues.iter().map(|i| i.line).collect();
    assert_eq!(lines, [5], "the row with the bad byte is skipped");
}

#[test]
fn a_byte_order_mark_mid_file_is_data_whether_or_not_the_csv_parser_has_run() {
    // Found by the fuzzer: csv_core drops a BOM at the start of its first
    // input, and mid-file it first runs on the first line with a quote.
    let t = read_csv("a,b\n1,x\n\u{feff}2,\"y\"\n".as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(t.columns[0].text(1).as_deref(), Some("\u{feff}2"));
    let t = read_csv("a,b\n1,\"x\"\n\u{feff}2,\"y\"\n".as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(t.columns[0].text(1).as_deref(), Some("\u{feff}2"));
    // The file's own BOM is still no part of the first name.
    let t = read_csv("\u{feff}\"a\",b\n1,x\n".as_bytes(), &ReadOptions::default()).unwrap();
    assert_eq!(t.columns[0].original_name, "a");
}

/// A held-out file's `date` column once showed `1325376000` in the preview
/// and `1.33e9 … 1.45e9` as its range: dates must show as dates.
#[test]
fn datetime_columns_show_as_iso_dates_in_the_preview_and_the_range() {
    let check = |csv: &str, zone: &str, preview: &[&str], range: (&str, &str)| {
        let opts = ReadOptions { timezone: Some(zone.into()), ..ReadOptions::default() };
        let i = crate::profile::inspect(csv.as_bytes(), &opts, None).unwrap();
        let shown: Vec<&str> = i.preview.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(shown, preview, "{csv}");
        assert_eq!(i.columns[0].range_text, Some((range.0.to_string(), range.1.to_string())), "{csv}");
    };
    check("date,y\n2012-01-01,a\n2015-12-31,b\n", "UTC", &["2012-01-01", "2015-12-31"], ("2012-01-01", "2015-12-31"));
    check(
        "when,y\n2012-01-01 10:30,a\n2012-07-01 00:00,b\n",
        "Europe/Berlin",
        &["2012-01-01T10:30:00+01:00", "2012-07-01T00:00:00+02:00"],
        ("2012-01-01T10:30:00+01:00", "2012-07-01T00:00:00+02:00"),
    );
    check(
        "when,y\n2012-01-01T10:30:00Z,a\n2012-01-02T00:00:00Z,b\n",
        "UTC",
        &["2012-01-01T10:30:00Z", "2012-01-02T00:00:00Z"],
        ("2012-01-01T10:30:00Z", "2012-01-02T00:00:00Z"),
    );
}
