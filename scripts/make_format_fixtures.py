#!/usr/bin/env python3
"""Writes the workbook, JSON Lines and gzip fixtures of the formats tests,
each beside the CSV it must read as, with the tools people make them with
(openpyxl through pandas, odfpy, xlwt, msoffcrypto-tool, pyarrow), and the
hostile ones of the bad-input corpus.

    pip install pandas openpyxl odfpy xlwt msoffcrypto-tool pyarrow
    python3 scripts/make_format_fixtures.py            # all of them
    python3 scripts/make_format_fixtures.py parquet    # only the Parquet ones
    python3 scripts/make_format_fixtures.py inflates   # only the zip bomb

(openpyxl stamps a workbook with the time it was written, so rerunning the
workbooks changes their bytes; the Parquet files come out the same.)

Outputs (committed; rerun only to change them):
  crates/cli/tests/fixtures/formats/   twins of public/samples/penguins.csv and
                                       of dates.csv, and a hand-built workbook
  crates/cli/tests/corpus/formats/     files that must be refused in words
"""

import datetime as dt
import decimal
import gzip
import io
import os
import shutil
import zipfile

import msoffcrypto
import msoffcrypto.format.ooxml
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sys
import xlwt

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "crates/cli/tests/fixtures/formats")
BAD = os.path.join(ROOT, "crates/cli/tests/corpus/formats")
PENGUINS = os.path.join(ROOT, "public/samples/penguins.csv")


def penguins():
    df = pd.read_csv(PENGUINS)
    # A workbook with a cover sheet first, as analysts hand them over.
    path = os.path.join(OUT, "penguins.xlsx")
    with pd.ExcelWriter(path, engine="openpyxl") as w:
        pd.DataFrame({"Palmer penguins": ["Collected 2007-2009 by Dr. Kristen Gorman", "", "Data on the next sheet"]}).to_excel(
            w, sheet_name="Cover", index=False
        )
        df.to_excel(w, sheet_name="Penguins", index=False)
        df.head(5).to_excel(w, sheet_name="Sample", index=False)
    df.to_excel(os.path.join(OUT, "penguins.ods"), engine="odf", index=False)
    book = xlwt.Workbook()
    sheet = book.add_sheet("penguins")
    for c, name in enumerate(df.columns):
        sheet.write(0, c, name)
    for r, row in enumerate(df.itertuples(index=False), start=1):
        for c, v in enumerate(row):
            if not pd.isna(v):
                sheet.write(r, c, v.item() if hasattr(v, "item") else v)
    book.save(os.path.join(OUT, "penguins.xls"))
    df.to_json(os.path.join(OUT, "penguins.jsonl"), orient="records", lines=True)
    with open(PENGUINS, "rb") as f:
        raw = f.read()
    # mtime 0: the same bytes each run.
    with open(os.path.join(OUT, "penguins.csv.gz"), "wb") as f:
        f.write(gzip.compress(raw, mtime=0))
    return path


def dates():
    """Wall times without a zone, in both of Excel's date systems."""
    when = [dt.datetime(2024, 3, 10, 1, 30), dt.datetime(2024, 3, 10, 2, 30), dt.datetime(2024, 10, 27, 2, 30, 15), dt.datetime(1999, 12, 31, 23, 59, 59)]
    day = [dt.date(2024, 1, 1), dt.date(2024, 2, 29), dt.date(1904, 1, 2), dt.date(2100, 12, 31)]
    df = pd.DataFrame({"when": when, "day": pd.to_datetime(day), "value": [1.5, 2.25, -3.0, 1e-7], "label": ["a", "b", "a", "b"]})
    df.to_csv(os.path.join(OUT, "dates.csv"), index=False)
    for name, epoch in [("dates.xlsx", openpyxl.utils.datetime.CALENDAR_WINDOWS_1900), ("dates_1904.xlsx", openpyxl.utils.datetime.CALENDAR_MAC_1904)]:
        wb = openpyxl.Workbook()
        wb.epoch = epoch
        ws = wb.active
        ws.title = "dates"
        ws.append(list(df.columns))
        for w, d, v, l in zip(when, day, df["value"], df["label"]):
            ws.append([w, d, float(v), l])
        for cell in ws["B"][1:]:
            cell.number_format = "yyyy-mm-dd"
        wb.save(os.path.join(OUT, name))


# The parts of a minimal workbook, written by hand where openpyxl cannot:
# formulas with the values Excel cached, error cells, merged header cells.
CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets>
</workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""


def hand_built(path, name, sheet_data, merges=""):
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{sheet_data}</sheetData>{merges}</worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for part, text in [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", RELS),
            ("xl/workbook.xml", WORKBOOK.format(name=name)),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/worksheets/sheet1.xml", sheet),
        ]:
            info = zipfile.ZipInfo(part, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, text)


def inline(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def crafted():
    """A title, blank rows and a blank column before the table; a header
    merged over two columns; formulas with cached values; error cells."""
    rows = [
        f'<row r="1">{inline("B1", "Quarterly figures")}</row>',
        f'<row r="3">{inline("B3", "region")}{inline("C3", "size")}{inline("E3", "total")}</row>',
        f'<row r="4">{inline("B4", "north")}<c r="C4"><v>1</v></c><c r="D4"><v>2</v></c><c r="E4"><f>C4+D4</f><v>3</v></c></row>',
        f'<row r="5">{inline("B5", "south")}<c r="C5"><v>4.5</v></c><c r="D5" t="e"><v>#N/A</v></c><c r="E5" t="e"><f>C5+D5</f><v>#N/A</v></c></row>',
        f'<row r="7">{inline("B7", "east")}<c r="C7"><v>0.1</v></c><c r="D7"><v>0</v></c><c r="E7" t="e"><f>C7/D7</f><v>#DIV/0!</v></c></row>',
    ]
    hand_built(os.path.join(OUT, "crafted.xlsx"), "figures", "".join(rows), '<mergeCells count="1"><mergeCell ref="C3:D3"/></mergeCells>')


def bad(xlsx):
    with open(xlsx, "rb") as f:
        whole = f.read()
    with open(os.path.join(BAD, "truncated.xlsx"), "wb") as f:
        f.write(whole[: len(whole) // 2])
    # Encrypted as Excel encrypts a workbook with a password.
    src = msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(whole))
    with open(os.path.join(BAD, "password.xlsx"), "wb") as f:
        src.encrypt("secret", f)
    # A far column on every row: a small file whose table spans 4,000 rows
    # by 16,384 columns (65 million cells) once written out.
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c><c r="XFD{r}"><v>1</v></c></row>' for r in range(1, 4002))
    hand_built(os.path.join(BAD, "far-columns.xlsx"), "wide", rows)
    hand_built(os.path.join(BAD, "no-table.xlsx"), "cover", f'<row r="1">{inline("A1", "Nothing here yet")}</row>')
    with open(os.path.join(BAD, "not-object.jsonl"), "w") as f:
        f.write('{"a": 1, "b": 2}\n{"a": 3, "b": 4}\n[5, 6]\n')
    with open(os.path.join(BAD, "nested.jsonl"), "w") as f:
        f.write('{"a": 1, "b": {"c": 2}}\n')
    with open(os.path.join(BAD, "truncated.csv.gz"), "wb") as f:
        with open(PENGUINS, "rb") as src_csv:
            f.write(gzip.compress(src_csv.read(), mtime=0)[:-100])
    with open(os.path.join(BAD, "parquet.parquet"), "wb") as f:
        f.write(b"PAR1" + bytes(64) + b"PAR1")
    inflating()


def inflating():
    """A zip bomb's shape: a 2 KB workbook whose sheet says it inflates to
    3 GB (deflate itself stops near 1,032:1, so a small file can only pass
    the memory budget by such a claim, or by many entries sharing data)."""
    path = os.path.join(BAD, "inflates.xlsx")
    hand_built(path, "big", f'<row r="1">{inline("A1", "a")}{inline("B1", "b")}</row><row r="2"><c r="A2"><v>1</v></c><c r="B2"><v>2</v></c></row>')
    with open(path, "rb") as f:
        data = bytearray(f.read())
    name = b"xl/worksheets/sheet1.xml"
    claim = (3_000_000_000).to_bytes(4, "little")
    # The local header (signature PK\3\4) keeps the size at offset 22, the
    # central directory's entry (PK\1\2) at offset 24.
    for sig, offset, name_at in [(b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)]:
        at = 0
        while (at := data.find(sig, at)) >= 0:
            if data[at + name_at : at + name_at + len(name)] == name:
                data[at + offset : at + offset + 4] = claim
            at += 4
    with open(path, "wb") as f:
        f.write(bytes(data))


def parquet():
    """Parquet twins as pyarrow writes them: the penguins in four row groups
    under each compression people use, with the text columns as pandas
    categories (dictionary columns); the dates with wall times and days;
    instants in a zone; and one column of each type the reader meets."""
    df = pd.read_csv(PENGUINS)
    table = pa.Table.from_pandas(df, preserve_index=False)
    for codec in ["snappy", "gzip", "zstd", "lz4", "brotli"]:
        pq.write_table(table, os.path.join(OUT, f"penguins_{codec}.parquet"), compression=codec, row_group_size=100)
    cats = df.copy()
    for c in cats.columns:
        if not pd.api.types.is_numeric_dtype(cats[c]):
            cats[c] = cats[c].astype("category")
    pq.write_table(pa.Table.from_pandas(cats, preserve_index=False), os.path.join(OUT, "penguins.parquet"), row_group_size=100)

    when = [dt.datetime(2024, 3, 10, 1, 30), dt.datetime(2024, 3, 10, 2, 30), dt.datetime(2024, 10, 27, 2, 30, 15), dt.datetime(1999, 12, 31, 23, 59, 59)]
    day = [dt.date(2024, 1, 1), dt.date(2024, 2, 29), dt.date(1904, 1, 2), dt.date(2100, 12, 31)]
    dates = pa.table(
        {
            "when": pa.array(when, pa.timestamp("us")),
            "day": pa.array(day, pa.date32()),
            "value": [1.5, 2.25, -3.0, 1e-7],
            "label": ["a", "b", "a", "b"],
        }
    )
    pq.write_table(dates, os.path.join(OUT, "dates.parquet"))

    # Instants: the same moments written in Paris time and as offsets in a CSV.
    paris = pd.to_datetime(["2024-03-31 01:30:00", "2024-03-31 03:30:00", "2024-10-27 02:30:00", "2024-07-01 12:00:00.250"], format="ISO8601").tz_localize("Europe/Paris", ambiguous=[True, True, False, True])
    at = pd.DataFrame({"at": paris, "value": [1, 2, 3, 4], "label": ["a", "b", "a", "b"]})
    pq.write_table(pa.Table.from_pandas(at, preserve_index=False), os.path.join(OUT, "instants.parquet"))
    at.assign(at=at["at"].map(lambda t: t.isoformat())).to_csv(os.path.join(OUT, "instants.csv"), index=False)

    types = pa.table(
        {
            "i8": pa.array([-1, 2, None], pa.int8()),
            "u64": pa.array([0, 18446744073709551615, 7], pa.uint64()),
            "f32": pa.array([0.1, None, 2.5], pa.float32()),
            "dec": pa.array([decimal.Decimal("1.50"), decimal.Decimal("12.25"), decimal.Decimal("-0.10")], pa.decimal128(10, 2)),
            "flag": [True, False, None],
            "zip": ["02139", "10001", "94105"],
            "code": pa.array(["7", "8", "7"]).dictionary_encode(),
            "answer": pa.array(["yes", "no", "yes"]).dictionary_encode(),
            "note": ["a, b", 'say "hi"', " pad"],
            "tags": pa.array([[1, 2], [], None], pa.list_(pa.int64())),
            "raw": pa.array([b"\x00", b"x", None], pa.binary()),
            "empty": pa.array([None, None, None], pa.null()),
            "secs": pa.array([1_500, 0, None], pa.duration("ms")),
        }
    )
    pq.write_table(types, os.path.join(OUT, "types.parquet"))

    with open(os.path.join(OUT, "penguins_snappy.parquet"), "rb") as f:
        whole = f.read()
    with open(os.path.join(BAD, "truncated.parquet"), "wb") as f:
        f.write(whole[: len(whole) // 2])
    # The footer intact, a data page's bytes overwritten: row group 2 is damaged.
    meta = pq.ParquetFile(os.path.join(OUT, "penguins_snappy.parquet")).metadata
    start = meta.row_group(2).column(0).data_page_offset
    damaged = bytearray(whole)
    damaged[start : start + 24] = b"\xff" * 24
    with open(os.path.join(BAD, "damaged-row-group.parquet"), "wb") as f:
        f.write(bytes(damaged))
    nested = pa.table({"tags": pa.array([[1], [2]], pa.list_(pa.int64()))})
    pq.write_table(nested, os.path.join(BAD, "only-nested.parquet"))


def main():
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(BAD, exist_ok=True)
    only = sys.argv[1:]
    if not only:
        xlsx = penguins()
        dates()
        crafted()
        bad(xlsx)
        parquet()
    for part in only:
        {"parquet": parquet, "inflates": inflating}[part]()
    for d in (OUT, BAD):
        for name in sorted(os.listdir(d)):
            print(f"{os.path.relpath(os.path.join(d, name), ROOT)}: {os.path.getsize(os.path.join(d, name))} bytes")


if __name__ == "__main__":
    main()
