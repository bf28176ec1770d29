//! Excel and OpenDocument workbooks (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`,
//! `.ods`), read with calamine into the canonical CSV.
//!
//! What a sheet's table is, decided here because a workbook does not say:
//! - wholly empty rows and columns around and inside the table are left
//!   out (a spreadsheet's blank rows are layout, not records);
//! - the header is the first row with at least half as many filled cells
//!   as the fullest row, so a title or a note above the table is skipped
//!   (and said); every row below it is a record;
//! - a sheet holds a table when that header names two columns or more (a
//!   target and something to predict it from) and a row lies beneath it;
//!   without `sheet`, the first such sheet is read, and the choice is said
//!   (a cover sheet's lines of text, one column, are not a table).
//!
//! Cells: formulas give their cached values (what Excel last showed);
//! dates become date-time text without a zone, so the CSV reader puts them
//! in the person's time zone as it does a CSV's, with the workbook's 1900
//! or 1904 date system applied by calamine; durations become seconds; error
//! cells (`#N/A`, `#DIV/0!`) become missing values, counted per column; an
//! empty header cell inside a merged range takes the range's name and its
//! place (`Size`, `Size 2`, `Size 3`).
//!
//! Memory: calamine's `worksheet_range` allocates the rectangle between the
//! sheet's first and last used cell, so a 10 KB file with cells at `A1` and
//! `XFD1048576` asks for 17 billion cells. For `.xlsx` the cells are
//! streamed instead and the table's rectangle (filled rows × the columns'
//! span) is checked against the budget before a byte of text is written;
//! `.xls` is bounded by its format (65,536 × 256) and calamine caps `.ods`
//! at 100 million cells.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{open_workbook_from_rs, Data, Ods, Reader as _, SheetType, Sheets, Xls, Xlsb, Xlsx};
use glassbox_ingest::canonical::{push_record, push_row, Cell};

use crate::{count, extension, Decoded, Error, ErrorKind, Options, Reader, Result, SheetInfo, Text};

pub struct Excel;

/// The compound-file signature of `.xls` (and of a password-protected `.xlsx`).
const CFB: &[u8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1";

type Book<'a> = Sheets<Cursor<&'a [u8]>>;

impl Reader for Excel {
    fn name(&self) -> &'static str {
        "Excel or OpenDocument workbook"
    }

    fn recognises(&self, head: &[u8], _: &str) -> bool {
        head.starts_with(b"PK\x03\x04") || head.starts_with(CFB)
    }

    fn read(&self, bytes: &[u8], file_name: &str, opts: &Options) -> Result<Decoded> {
        check_inflated_size(bytes, opts)?;
        let (mut book, kind) = open(bytes, &extension(file_name))?;
        let names: Vec<String> =
            book.sheets_metadata().iter().filter(|s| s.typ == SheetType::WorkSheet).map(|s| s.name.clone()).collect();
        if names.is_empty() {
            return Err(Error::new(ErrorKind::Empty, "the workbook has no worksheet"));
        }
        let wanted = match &opts.sheet {
            Some(s) => Some(find_sheet(&names, s)?),
            None => None,
        };
        let mut sheets = Vec::with_capacity(names.len());
        let mut chosen: Option<(usize, Grid)> = None;
        for (i, name) in names.iter().enumerate() {
            let grid = Grid::new(name, cells(&mut book, name, opts)?, opts);
            sheets.push(SheetInfo { name: name.clone(), rows: grid.rows.len(), table: grid.is_table() });
            let pick = match wanted {
                Some(w) => w == i,
                None => chosen.is_none() && grid.is_table(),
            };
            if pick {
                chosen = Some((i, grid));
            }
        }
        let listed = sheets
            .iter()
            .map(|s| {
                if s.table {
                    format!("'{}' ({} rows)", s.name, count(s.rows as u64))
                } else {
                    format!("'{}' (no table)", s.name)
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let Some((i, grid)) = chosen else {
            return Err(Error::new(
                ErrorKind::Empty,
                format!(
                    "no sheet holds a table (a header row naming two columns or more, and a row beneath it): {listed}"
                ),
            ));
        };
        let name = &names[i];
        if let Some(e) = grid.oversize {
            return Err(e);
        }
        if !grid.is_table() {
            return Err(Error::new(
                ErrorKind::Empty,
                format!("sheet '{name}' holds no table (a header row naming two columns or more, and a row beneath it); the sheets: {listed}"),
            ));
        }
        let mut notes = Vec::new();
        if names.len() > 1 {
            let how = if opts.sheet.is_some() { "as chosen" } else { "the first with a table" };
            notes.push(format!("sheet '{name}' read, {how}; the workbook's sheets: {listed}"));
        }
        if let Sheets::Xlsx(x) = &book {
            if x.has_1904_epoch() {
                notes.push("dates are read in the workbook's 1904 date system".to_string());
            }
        }
        let merged = merged_header(&mut book, name, &grid);
        let (bytes, more) = grid.canonical(&merged);
        notes.extend(more);
        Ok(Decoded {
            bytes,
            text: Text::Canonical,
            format: kind.to_string(),
            sheet: Some(name.clone()),
            sheets,
            notes,
            kinds: Vec::new(),
            text_columns: Vec::new(),
        })
    }
}

/// Refuses a zip (`.xlsx`, `.xlsm`, `.xlsb`, `.ods`) whose parts say they
/// inflate past the memory budget, before any is inflated: calamine holds
/// some parts whole (the shared strings), so a zip bomb would otherwise take
/// the memory first and fail after. A part that claims less than it holds
/// (the zip reader inflates past a stated size) is still bounded by deflate
/// itself, about 1,032 times its compressed bytes: passing the budget that
/// way takes a file of a megabyte per gigabyte, not a small one.
fn check_inflated_size(bytes: &[u8], opts: &Options) -> Result<()> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return Ok(());
    }
    // A zip the zip reader cannot list is left to calamine to describe.
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else { return Ok(()) };
    let mut total = 0u64;
    for i in 0..zip.len() {
        if let Ok(part) = zip.by_index_raw(i) {
            total = total.saturating_add(part.size());
        }
    }
    if total > opts.max_bytes {
        return Err(Error::new(
            ErrorKind::Malformed,
            format!(
                "the workbook's parts inflate to {} bytes, past the {} this reader holds in memory (a zip bomb, or a workbook to save as CSV)",
                count(total),
                count(opts.max_bytes)
            ),
        ));
    }
    Ok(())
}

/// Opens the workbook, trying its likely kinds first so that the error
/// told is the one of the kind it is (calamine's own detection tries all
/// four and says only that none worked).
fn open<'a>(bytes: &'a [u8], ext: &str) -> Result<(Book<'a>, &'static str)> {
    let order: &[&str] = if bytes.starts_with(CFB) {
        &["xls", "xlsx"]
    } else if ext == "xlsb" {
        &["xlsb", "xlsx", "ods"]
    } else if ext == "ods" {
        &["ods", "xlsx", "xlsb"]
    } else {
        &["xlsx", "xlsb", "ods"]
    };
    let mut first: Option<calamine::Error> = None;
    for &kind in order {
        let cursor = Cursor::new(bytes);
        let opened: std::result::Result<Book<'a>, calamine::Error> = match kind {
            "xls" => open_workbook_from_rs::<Xls<_>, _>(cursor).map(Sheets::Xls).map_err(Into::into),
            "xlsx" => open_workbook_from_rs::<Xlsx<_>, _>(cursor).map(Sheets::Xlsx).map_err(Into::into),
            "xlsb" => open_workbook_from_rs::<Xlsb<_>, _>(cursor).map(Sheets::Xlsb).map_err(Into::into),
            _ => open_workbook_from_rs::<Ods<_>, _>(cursor).map(Sheets::Ods).map_err(Into::into),
        };
        match opened {
            Ok(book) => {
                let name = match kind {
                    "xlsx" if ext == "xlsm" => "xlsm",
                    k => k,
                };
                return Ok((book, name));
            }
            Err(e) if is_password(&e) => {
                return Err(Error::new(
                    ErrorKind::Malformed,
                    "the workbook is protected by a password; save a copy without one and read that",
                ))
            }
            Err(e) => {
                first.get_or_insert(e);
            }
        }
    }
    let why = first.map(|e| lower_first(&e.to_string())).unwrap_or_default();
    Err(Error::new(
        ErrorKind::Malformed,
        format!("the workbook cannot be read; it may be damaged or cut short ({why})"),
    ))
}

fn is_password(e: &calamine::Error) -> bool {
    matches!(
        e,
        calamine::Error::Xlsx(calamine::XlsxError::Password)
            | calamine::Error::Xls(calamine::XlsError::Password)
            | calamine::Error::Ods(calamine::OdsError::Password)
    )
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The sheet the person named: exactly, or else ignoring case and spaces around.
fn find_sheet(names: &[String], wanted: &str) -> Result<usize> {
    names
        .iter()
        .position(|n| n == wanted)
        .or_else(|| {
            let w = wanted.trim().to_lowercase();
            names.iter().position(|n| n.trim().to_lowercase() == w)
        })
        .ok_or_else(|| {
            let all = names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ");
            Error::new(ErrorKind::BadSpec, format!("the workbook has no sheet '{wanted}'; its sheets are {all}"))
        })
}

/// A sheet's filled cells as (row, column, value), zero-based.
fn cells(book: &mut Book<'_>, name: &str, opts: &Options) -> Result<Vec<(u32, u32, Data)>> {
    let sheet_error = |e: String| {
        Error::new(
            ErrorKind::Malformed,
            format!("sheet '{name}' cannot be read; it may be damaged ({})", lower_first(&e)),
        )
    };
    let mut out = Vec::new();
    if let Sheets::Xlsx(x) = book {
        let mut reader = x.worksheet_cells_reader(name).map_err(|e| sheet_error(e.to_string()))?;
        while let Some(cell) = reader.next_cell().map_err(|e| sheet_error(e.to_string()))? {
            let value = Data::from(cell.get_value().clone());
            if !is_blank(&value) {
                if out.len() as u64 >= opts.max_cells {
                    return Err(too_many(name, format!("more than {} filled cells", count(opts.max_cells)), opts));
                }
                let (r, c) = cell.get_position();
                out.push((r, c, value));
            }
        }
        return Ok(out);
    }
    let range = book.worksheet_range(name).map_err(|e| sheet_error(e.to_string()))?;
    let (r0, c0) = range.start().unwrap_or((0, 0));
    for (r, c, value) in range.used_cells() {
        if !is_blank(value) {
            out.push((r0 + r as u32, c0 + c as u32, value.clone()));
        }
    }
    Ok(out)
}

fn too_many(name: &str, what: String, opts: &Options) -> Error {
    Error::new(
        ErrorKind::Malformed,
        format!(
            "sheet '{name}' holds {what}, past the {} this reader holds in memory; save the table alone, or as CSV",
            count(opts.max_cells)
        ),
    )
}

fn is_blank(v: &Data) -> bool {
    match v {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// A sheet's table: the header row and the rows beneath it, each a sorted
/// list of (column, value), and the columns' span.
struct Grid {
    /// The sheet row of the header (zero-based), and its cells.
    header_row: u32,
    header: Vec<(u32, Data)>,
    rows: Vec<Vec<(u32, Data)>>,
    /// Filled rows above the header, left out.
    above: usize,
    /// The first column of the table and how many it spans.
    lo: u32,
    width: usize,
    /// Why the table is too large to write out, if it is.
    oversize: Option<Error>,
}

impl Grid {
    fn new(name: &str, mut cells: Vec<(u32, u32, Data)>, opts: &Options) -> Grid {
        cells.sort_by_key(|&(r, c, _)| (r, c));
        let mut rows: Vec<(u32, Vec<(u32, Data)>)> = Vec::new();
        for (r, c, v) in cells {
            match rows.last_mut() {
                Some((last, row)) if *last == r => row.push((c, v)),
                _ => rows.push((r, vec![(c, v)])),
            }
        }
        let widest = rows.iter().map(|(_, r)| r.len()).max().unwrap_or(0);
        // Half the fullest row, and two cells whenever a row has two.
        let least = widest.div_ceil(2).max(widest.min(2));
        let header_at = rows.iter().position(|(_, r)| r.len() >= least).unwrap_or(0);
        let mut rows = rows.split_off(header_at.min(rows.len()));
        let (header_row, header) = if rows.is_empty() { (0, Vec::new()) } else { rows.remove(0) };
        let first = header.iter().chain(rows.iter().flat_map(|(_, r)| r)).map(|&(c, _)| c);
        let (lo, hi) = first.fold((u32::MAX, 0), |(lo, hi), c| (lo.min(c), hi.max(c)));
        let (lo, width) = if lo > hi { (0, 0) } else { (lo, u64::from(hi - lo) + 1) };
        let span = (rows.len() as u64 + 1).saturating_mul(width);
        // Said only if this sheet is the one read: another sheet's size is no reason to refuse.
        let oversize = (span > opts.max_cells).then(|| {
            too_many(
                name,
                format!(
                    "a table of {} rows × {} columns ({} cells)",
                    count(rows.len() as u64 + 1),
                    count(width),
                    count(span)
                ),
                opts,
            )
        });
        Grid {
            oversize,
            header_row,
            header,
            rows: rows.into_iter().map(|(_, r)| r).collect(),
            above: header_at,
            lo,
            width: width as usize,
        }
    }

    fn is_table(&self) -> bool {
        !self.rows.is_empty() && self.header.len() >= 2
    }

    /// The canonical CSV of the table, and what was decided on the way.
    fn canonical(&self, merged: &BTreeMap<u32, String>) -> (Vec<u8>, Vec<String>) {
        let mut notes = Vec::new();
        if self.above > 0 {
            notes.push(format!(
                "the header is sheet row {}; the {} filled row{} above it (a title or notes) left out",
                self.header_row + 1,
                self.above,
                if self.above == 1 { " was" } else { "s were" }
            ));
        }
        let (lo, width) = (self.lo, self.width);
        let mut names = vec![String::new(); width];
        for (c, v) in &self.header {
            names[(c - lo) as usize] = header_text(v);
        }
        for (&c, name) in merged {
            if names[(c - lo) as usize].is_empty() {
                names[(c - lo) as usize] = name.clone();
            }
        }
        if !merged.is_empty() {
            let named = merged.values().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ");
            notes.push(format!("merged header cells named by their range: {named}"));
        }
        let mut out = Vec::new();
        push_record(&mut out, &names);
        let mut errors = vec![0usize; width];
        let mut durations = vec![false; width];
        let mut row = vec![Cell::Null; width];
        for cells in &self.rows {
            row.iter_mut().for_each(|c| *c = Cell::Null);
            for (c, v) in cells {
                let i = (c - lo) as usize;
                row[i] = match v {
                    Data::Error(_) => {
                        errors[i] += 1;
                        Cell::Null
                    }
                    Data::DateTime(d) if d.is_duration() => {
                        durations[i] = true;
                        value_cell(v)
                    }
                    v => value_cell(v),
                };
            }
            push_row(&mut out, &row);
        }
        let column = |i: usize| {
            if names[i].is_empty() {
                format!("column {}", column_letters(lo + i as u32))
            } else {
                format!("column '{}'", names[i])
            }
        };
        for (i, &n) in errors.iter().enumerate().filter(|(_, &n)| n > 0) {
            notes.push(format!(
                "{}: {} error cell{} (#N/A, #DIV/0! and the like) read as missing",
                column(i),
                count(n as u64),
                if n == 1 { "" } else { "s" }
            ));
        }
        for i in (0..width).filter(|&i| durations[i]) {
            notes.push(format!("{}: durations read as seconds", column(i)));
        }
        (out, notes)
    }
}

/// The names of empty header cells inside a merged range that starts on
/// the header row: the range's name, then the name and the cell's place.
fn merged_header(book: &mut Book<'_>, sheet: &str, grid: &Grid) -> BTreeMap<u32, String> {
    let mut out = BTreeMap::new();
    let Sheets::Xlsx(x) = book else { return out };
    // A workbook whose merged ranges cannot be read still has its cells.
    let Ok(regions) = x.merge_cells_by_sheet_name(sheet) else { return out };
    for d in regions {
        if d.start.0 > grid.header_row || d.end.0 < grid.header_row {
            continue;
        }
        let Some(anchor) = grid.header.iter().find(|(c, _)| *c == d.start.1).map(|(_, v)| header_text(v)) else {
            continue;
        };
        for c in d.start.1 + 1..=d.end.1 {
            let inside = c >= grid.lo && ((c - grid.lo) as usize) < grid.width;
            if inside && !grid.header.iter().any(|(hc, _)| *hc == c) {
                out.insert(c, format!("{anchor} {}", c - d.start.1 + 1));
            }
        }
    }
    out
}

/// A header cell as a name: text as written, numbers and dates as the CSV would hold them.
fn header_text(v: &Data) -> String {
    value_cell(v).text().trim().to_string()
}

fn value_cell(v: &Data) -> Cell {
    match v {
        Data::Empty | Data::Error(_) => Cell::Null,
        Data::Int(i) => Cell::Int(*i),
        Data::Float(f) => Cell::Float(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::DateTime(d) if d.is_duration() => Cell::Float(d.as_f64() * 86_400.0),
        Data::DateTime(d) => {
            let (y, mo, day, h, mi, s, ms) = d.to_ymd_hms_milli();
            let date = format!("{y:04}-{mo:02}-{day:02}");
            Cell::Text(match (h, mi, s, ms) {
                (0, 0, 0, 0) => date,
                (_, _, _, 0) => format!("{date}T{h:02}:{mi:02}:{s:02}"),
                _ => format!("{date}T{h:02}:{mi:02}:{s:02}.{ms:03}"),
            })
        }
    }
}

/// A zero-based column index as the sheet names it (`0` → `A`, `27` → `AB`).
fn column_letters(mut c: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII letters")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(cells: &[(u32, u32, Data)]) -> Grid {
        Grid::new("s", cells.to_vec(), &Options::default())
    }

    fn text(s: &str) -> Data {
        Data::String(s.to_string())
    }

    #[test]
    fn a_title_above_the_table_is_left_out() {
        let g = grid(&[
            (0, 0, text("Penguins, 2009")),
            (2, 1, text("species")),
            (2, 2, text("mass")),
            (3, 1, text("Adelie")),
            (3, 2, Data::Float(3750.0)),
            (5, 1, text("Gentoo")),
            (5, 2, Data::Error(calamine::CellErrorType::NA)),
        ]);
        assert!(g.is_table());
        let (csv, notes) = g.canonical(&BTreeMap::new());
        assert_eq!(String::from_utf8(csv).unwrap(), "species,mass\nAdelie,3750\nGentoo,\n");
        assert_eq!(
            notes,
            [
                "the header is sheet row 3; the 1 filled row was above it (a title or notes) left out",
                "column 'mass': 1 error cell (#N/A, #DIV/0! and the like) read as missing"
            ]
        );
    }

    #[test]
    fn a_cover_sheet_is_not_a_table() {
        assert!(!grid(&[(0, 0, text("Report")), (2, 0, text("made by")), (2, 1, text("me"))]).is_table());
        assert!(!grid(&[]).is_table());
        assert!(!grid(&[(0, 0, text("x")), (1, 0, Data::Int(1))]).is_table(), "one column");
        assert!(grid(&[(0, 0, text("x")), (0, 1, text("y")), (1, 1, Data::Int(1))]).is_table());
    }

    #[test]
    fn cells_far_apart_are_refused_before_any_text_is_written() {
        // One far cell costs nothing (empty rows are left out)...
        let cells = vec![(0, 0, text("a")), (0, 1, text("b")), (1_048_575, 16_383, Data::Int(1))];
        assert_eq!(Grid::new("Data", cells, &Options::default()).rows.len(), 1);
        // ...but a far cell on each of 4,000 rows spans 65 million cells.
        let mut cells = vec![(0, 0, text("a")), (0, 1, text("b"))];
        for r in 1..=4000 {
            cells.extend([(r, 0, Data::Int(1)), (r, 16_383, Data::Int(1))]);
        }
        let e = Grid::new("Data", cells, &Options::default()).oversize.unwrap();
        assert_eq!(
            e.message(),
            "sheet 'Data' holds a table of 4,001 rows × 16,384 columns (65,552,384 cells), past the 50,000,000 this reader holds in memory; save the table alone, or as CSV"
        );
    }

    #[test]
    fn dates_keep_their_wall_time_and_durations_become_seconds() {
        use calamine::{ExcelDateTime, ExcelDateTimeType::*};
        let check = |d: Data, expected: &str| assert_eq!(value_cell(&d).text(), expected);
        check(Data::DateTime(ExcelDateTime::new(45943.5, DateTime, false)), "2025-10-13T12:00:00");
        check(Data::DateTime(ExcelDateTime::new(45943.0, DateTime, false)), "2025-10-13");
        // The same day in the 1904 system is 1,462 days fewer.
        check(Data::DateTime(ExcelDateTime::new(45943.0 - 1462.0, DateTime, true)), "2025-10-13");
        check(Data::DateTime(ExcelDateTime::new(0.5, TimeDelta, false)), "43200");
        check(Data::Float(0.1), "0.1");
        check(Data::Float(3.0), "3");
    }

    #[test]
    fn columns_are_lettered_as_the_sheet_letters_them() {
        let letters: Vec<String> = [0, 25, 26, 27, 701, 702, 16_383].into_iter().map(column_letters).collect();
        assert_eq!(letters, ["A", "Z", "AA", "AB", "ZZ", "AAA", "XFD"]);
    }
}
