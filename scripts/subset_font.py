#!/usr/bin/env python3
"""Writes the PDF report's fonts: DejaVu Sans and DejaVu Sans Bold, cut down
to the scripts a report's text is likely to hold (Latin with its extensions,
Greek, Cyrillic, punctuation, arrows, mathematical operators and shapes),
without hinting, so the PDF module stays small. A character outside these
ranges shows as the font's missing-glyph box.

Needs the Debian package fonts-dejavu-core and `pip install fonttools`;
run it only to change the ranges (the results are committed).
"""
import pathlib
import subprocess

RANGES = ",".join([
    "U+0020-007E", "U+00A0-024F", "U+0370-03FF", "U+0400-04FF",
    "U+2000-206F", "U+2070-209F", "U+20A0-20CF", "U+2100-214F",
    "U+2190-21FF", "U+2200-22FF", "U+2500-257F", "U+25A0-25FF",
])
OUT = pathlib.Path(__file__).resolve().parent.parent / "assets" / "fonts"

for name in ["DejaVuSans", "DejaVuSans-Bold"]:
    subprocess.run([
        "pyftsubset", f"/usr/share/fonts/truetype/dejavu/{name}.ttf",
        f"--unicodes={RANGES}", "--no-hinting", "--layout-features=kern,liga",
        "--name-IDs=*", f"--output-file={OUT / (name + '.ttf')}",
    ], check=True)
    print(name, (OUT / (name + ".ttf")).stat().st_size, "bytes")
