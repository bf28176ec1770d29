#!/usr/bin/env python3
"""Writes the bad-input corpus of crates/cli/tests/corpus/: malformed and
hostile CSVs and model files, one file each. The expected outcome of each
lives beside them in cases.tsv, written by hand (this script never writes
it), and `crates/cli/tests/corpus.rs` runs every case through the CLI.

The model files are edits of the golden models (crates/cli/tests/golden/),
so they follow the format as it is; run this again after a golden change.
Inputs too big to commit (a 10 MB field, a million columns, a million
trees) are not written here: the test makes them from the recipes named
with a leading `@` in cases.tsv.
"""
import copy
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "crates/cli/tests/corpus"
GOLDEN = ROOT / "crates/cli/tests/golden"

HOSTILE = [
    "<script>alert(1)</script>",
    "=HYPERLINK(\"http://x.test\",\"y\")",
    "\u202eevil\u202c",
    "a\"b,c\nd",
]


def csv(name, data):
    (OUT / "csv").mkdir(parents=True, exist_ok=True)
    (OUT / "csv" / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def model(name, data):
    (OUT / "model").mkdir(parents=True, exist_ok=True)
    if not isinstance(data, (bytes, str)):
        data = json.dumps(data, indent=1, ensure_ascii=False)
    (OUT / "model" / name).write_bytes(data if isinstance(data, bytes) else data.encode())


DELETE = object()


def variant(base, name, *edits):
    """Writes a copy of the model `base` with each edit `(path, value)` made:
    the path is dotted keys and indices ("model.tree.nodes.0.right"); the
    value replaces the field, or makes its new value from the old when it is
    a function, or removes the field when it is DELETE."""
    m = copy.deepcopy(base)
    for path, value in edits:
        *parents, last = [int(k) if k.isdigit() else k for k in path.split(".")]
        node = m
        for k in parents:
            node = node[k]
        if value is DELETE:
            del node[last]
        else:
            node[last] = value(node[last]) if callable(value) else value
    model(name, m)


def golden(name):
    return json.loads((GOLDEN / name / "model.json").read_text())


GOOD = "a,b,y\n1,2,x\n3,4,z\n5,6,x\n7,8,z\n"


def write_csvs():
    csv("empty.csv", b"")
    csv("only-newlines.csv", b"\n\n\n\n")
    csv("only-spaces.csv", b"   \n  \n")
    csv("header-only.csv", b"a,b,y\n")
    csv("header-of-delimiters.csv", b",,,\n1,2,3,4\n5,6,7,8\n")
    csv("truncated-quote.csv", b'a,b,y\n1,2,x\n3,"4,z\n5,6,x\n')
    csv("truncated-quote-at-end.csv", b'a,b,y\n1,2,x\n3,4,"z')
    csv("quote-inside-field.csv", b'a,b,y\n1,2"3,x\n3,4,z\n5,6,x\n7,8,z\n')
    csv("mixed-line-endings.csv", b"a,b,y\r\n1,2,x\n3,4,z\r5,6,x\r\n7,8,z\n")
    csv("lone-cr-line-endings.csv", b"a,b,y\r1,2,x\r3,4,z\r5,6,x\r7,8,z\r")
    csv("nul-in-data.csv", b"a,b,y\n1,2,x\n3,\x00,z\n")
    csv("nul-in-header.csv", b"a\x00,b,y\n1,2,x\n")
    csv("bom-mid-file.csv", b"a,b,y\n1,2,x\n\xef\xbb\xbf3,4,z\n5,6,x\n7,8,z\n")
    csv("bom-twice.csv", b"\xef\xbb\xbf\xef\xbb\xbfa,b,y\n1,2,x\n3,4,z\n")
    csv("png.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    csv("gzip.csv", b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\x4b\x4c\x4a\x06\x00")
    # Invalid UTF-8 in every position class: header start, middle and end,
    # a field's start, middle and end, inside quotes, a truncated sequence
    # at the end of the file, an overlong form, a surrogate, a lone
    # continuation byte, 0xFF.
    csv("utf8-bad-header-start.csv", b"\xffa,b,y\n1,2,x\n3,4,z\n")
    csv("utf8-bad-header-middle.csv", b"a,b\xc3(b,y\n1,2,x\n3,4,z\n")
    csv("utf8-bad-header-end.csv", b"a,b,y\xe2\x82\n1,2,x\n3,4,z\n")
    csv("utf8-bad-field-start.csv", b"a,b,y\n1,2,x\n3,4,\x80z\n5,6,x\n")
    csv("utf8-bad-field-middle.csv", b"a,b,y\n1,2,x\n3,4,z\xc0\x80z\n5,6,x\n")
    csv("utf8-bad-field-end.csv", b"a,b,y\n1,2,x\n3,4,z\xed\xa0\x80\n5,6,x\n")
    csv("utf8-bad-quoted.csv", b'a,b,y\n1,2,x\n3,4,"z\xfe,z"\n5,6,x\n')
    csv("utf8-truncated-at-eof.csv", b"a,b,y\n1,2,x\n3,4,z\xe2\x82")
    # Each label twice, so that y is a plausible target and inspect prints its classes.
    csv("control-characters.csv", b"a,b,y\n1,2,x\x01\n3,4,z\x1b[31m\n5,6,x\x7f\n7,8,z\n9,1,x\x01\n2,3,z\x1b[31m\n4,5,x\x7f\n6,7,z\n")
    csv("utf16le-bom.csv", "\ufeffa,b,y\n1,2,x\n3,4,z\n5,6,x\n".encode("utf-16-le"))
    csv("utf16be-no-bom.csv", "a,b,y\n1,2,x\n3,4,z\n5,6,x\n".encode("utf-16-be"))
    csv("numbers-extreme.csv",
        "a,b,y\n1e999,-0,x\n-1e999,0,z\nNaN,-0.0,x\ninf,1e-400,z\n"
        + "9" * 400 + ",-" + "9" * 400 + ",x\n1.7976931348623157e308,5e-324,z\n")
    csv("numbers-400-digits.csv", "a,y\n" + "".join(f"{i}{'7' * 400},{'xz'[i % 2]}\n" for i in range(6)))
    csv("dates-year-0-and-9999.csv",
        "when,v,y\n0000-01-01,1,x\n9999-12-31,2,z\n2020-02-29,3,x\n1970-01-01,4,z\n")
    csv("datetimes-year-9999.csv",
        "when,v,y\n9999-12-31T23:59:59Z,1,x\n0001-01-01T00:00:00Z,2,z\n2000-01-01T12:00:00+14:00,3,x\n")
    csv("dates-invalid.csv", "when,v,y\n2021-02-30,1,x\n2021-13-01,2,z\n2021-01-01,3,x\n2021-01-02,4,z\n")
    csv("ragged-rows.csv", b"a,b,y\n1,2,x\n3,4,z,9,9\n5,x\n7,8,z\n")
    csv("duplicate-header.csv", b"a,a,y\n1,2,x\n3,4,z\n5,6,x\n")
    csv("empty-header-names.csv", b",,y\n1,2,x\n3,4,z\n5,6,x\n")
    csv("header-with-newline.csv", b'"a\nb",c,y\n1,2,x\n3,4,z\n')
    csv("header-long-name.csv", ("n" * 100_000 + ",y\n1,x\n2,z\n").encode())
    csv("hostile-header.csv",
        ",".join('"' + h.replace('"', '""') + '"' for h in HOSTILE) + ",y\n"
        + "1,2,3,4,x\n5,6,7,8,z\n9,1,2,3,x\n")
    csv("hostile-cells.csv",
        "a,note,y\n" + "".join(f'{i},"{h.replace(chr(34), chr(34) * 2)}",{"xz"[i % 2]}\n'
                               for i, h in enumerate(HOSTILE * 2)))
    csv("one-column.csv", b"y\nx\nz\nx\n")
    csv("semicolons-decimal-comma.csv", b"a;b;y\n1,5;2,25;x\n3,5;4,75;z\n5,5;6,0;x\n")
    csv("tabs.csv", b"a\tb\ty\n1\t2\tx\n3\t4\tz\n")
    csv("whitespace-padded.csv", b" a , b , y \n 1 , 2 , x \n 3 , 4 , z \n")
    csv("emoji-and-zwj.csv", "a,y\n1,\U0001F468\u200d\U0001F469\u200d\U0001F467\n2,\u00e9\n3,\U0001F468\u200d\U0001F469\u200d\U0001F467\n".encode())
    csv("spaces-before-quotes.csv", b'a, b, y\n1, "2,5", x\n3, "4,5", z\n')
    csv("target-one-class.csv", b"a,y\n1,x\n2,x\n3,x\n")
    csv("target-all-missing.csv", b"a,y\n1,\n2,NA\n3,?\n")
    csv("good.csv", GOOD)


def write_models():
    lr = golden("iris_logistic_regression")
    tree = golden("iris_decision_tree")
    forest = golden("iris_random_forest")
    text = json.dumps(lr, indent=1)

    model("empty.json", b"")
    model("truncated.json", text[: len(text) // 2])
    model("not-json.json", "model: yes\n")
    model("not-utf8.json", b'{"format_version": 6, "classes": ["\xff"]}')
    model("top-level-array.json", [lr])
    model("deep-nesting.json", "[" * 100_000 + "]" * 100_000)
    model("deep-nesting-object.json", '{"a":' * 100_000 + "1" + "}" * 100_000)
    model("nan-token.json", text.replace('"intercepts": [', '"intercepts": [NaN, ', 1))
    model("infinity-1e999.json", text.replace('"intercepts": [', '"intercepts": [1e999, ', 1))
    for name, version in [("version-99", 99), ("version-1", 1), ("version-negative", -1),
                          ("version-string", "6"), ("version-fraction", 5.5)]:
        variant(lr, f"{name}.json", ("format_version", version))
    variant(lr, "version-missing.json", ("format_version", DELETE))

    knn = golden("iris_knn")
    nb = golden("iris_naive_bayes")
    gb = golden("iris_gradient_boosting")
    short = lambda v: v[:-1]  # noqa: E731 (one array one element short)
    for base, name, *edits in [
        (lr, "coefficient-row-short.json", ("model.coefficients.1", short)),
        (lr, "intercepts-longer.json", ("model.intercepts", lambda v: v + [0.5])),
        (lr, "coefficient-null.json", ("model.coefficients.0.0", None)),
        (lr, "fewer-classes-than-margins.json", ("classes", lambda v: v[:2])),
        (lr, "features-fewer-than-coefficients.json", ("features.columns", lambda v: v[:2])),
        (lr, "schema-empty.json", ("schema.columns", [])),
        (tree, "tree-child-outside.json", ("model.tree.nodes.0.right", 99)),
        (tree, "tree-child-is-itself.json", ("model.tree.nodes.2.left", 2)),
        (tree, "tree-child-is-root.json", ("model.tree.nodes.3.right", 0)),
        (tree, "tree-feature-outside.json", ("model.tree.nodes.0.feature", 4096)),
        (tree, "tree-empty.json", ("model.tree.nodes", [])),
        (tree, "tree-leaf-short-proba.json", ("model.tree.nodes.1.proba", [1.0])),
        (tree, "tree-child-negative.json", ("model.tree.nodes.0.left", -1)),
        (forest, "forest-no-trees.json", ("model.trees", [])),
        (knn, "knn-label-outside.json", ("model.y.0", 7)),
        (knn, "knn-x-not-rows-by-columns.json", ("model.x", short)),
        (knn, "knn-k-zero.json", ("model.k", 0)),
        (nb, "naive-bayes-priors-short.json", ("model.priors", lambda v: v[:2])),
        (nb, "naive-bayes-negative-variance.json", ("model.variances.0.0", -1.0)),
        (golden("iris_baseline_stratified"), "baseline-priors-short.json", ("model.priors", lambda v: v[:1])),
        (gb, "boosting-baseline-short.json", ("model.booster.baseline", lambda v: v[:2])),
        (gb, "boosting-round-short.json", ("model.booster.trees.3", lambda v: v[:1])),
        (gb, "boosting-child-outside.json", ("model.booster.trees.5.1.0.left", 1000)),
        (gb, "boosting-child-is-root.json", ("model.booster.trees.5.1.0.right", 0)),
        (lr, "one-class.json", ("classes", lambda v: v[:1]), ("model.coefficients", lambda v: v[:1]),
         ("model.intercepts", lambda v: v[:1])),
    ]:
        variant(base, name, *edits)

    # Hostile strings where a person's data puts strings: class labels and
    # column names. These are valid models; the test checks the outputs.
    variant(lr, "hostile-class-labels.json", ("classes", [HOSTILE[0], HOSTILE[1], HOSTILE[2]]))
    variant(lr, "duplicate-class-labels.json", ("classes", ["same", "same", "other"]))


if __name__ == "__main__":
    write_csvs()
    write_models()
    n = sum(1 for p in OUT.rglob("*") if p.is_file() and p.name != "cases.tsv")
    print(f"{n} corpus files in {OUT.relative_to(ROOT)}")
