#!/usr/bin/env python3
"""Trunk's post-build hook (Trunk.toml): finishes the staged site before it
becomes dist/.

1. A Content-Security-Policy meta tag, first in <head>, so that a static host
   needs no header: only the site itself may be fetched, scripts come from
   the site or are the page's own inline scripts, named by their SHA-256
   (Trunk's loader among them), never 'unsafe-inline'.
2. sw.js, the service worker, from web/sw.js with the list of every file of
   the build (those of the on-demand workers apart) and a version that is
   the hash of them all, so that a new deployment is a new worker and the
   browser picks it up.

It runs after Trunk has written every file, with TRUNK_STAGING_DIR set. It
is written by hand because no Trunk option does either (Trunk can add
integrity attributes but writes no policy and no service worker), and in
Python because every machine the project sets up has it.
"""
import base64
import hashlib
import json
import os
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Each directive says why it is what it is:
POLICY = [
    # Nothing not named below: no plugin, no frame, no media from anywhere.
    "default-src 'none'",
    # The wasm, the samples and the worker scripts come from the site; no
    # byte of a person's data may go anywhere else.
    "connect-src 'self'",
    # wasm needs 'wasm-unsafe-eval' to compile; inline scripts by hash.
    "script-src 'self' 'wasm-unsafe-eval' {hashes}",
    "worker-src 'self'",
    "manifest-src 'self'",
    # Leptos and the charts set style attributes; styles cannot send data
    # anywhere that connect-src and img-src do not allow.
    "style-src 'self' 'unsafe-inline'",
    # Downloads and previews are blob: and data: URLs made in the page.
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
]

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", re.S)


def policy(html: str) -> str:
    hashes = []
    for attrs, body in INLINE_SCRIPT.findall(html):
        # A JSON data block is not run, and the policy does not cover it.
        if 'type="application/json"' in attrs:
            continue
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        hashes.append(f"'sha256-{digest}'")
    if not hashes:
        sys.exit("post_build: no inline script found in index.html; Trunk's loader should be one")
    return "; ".join(POLICY).replace("{hashes}", " ".join(sorted(set(hashes))))


def add_policy(index: pathlib.Path) -> None:
    html = index.read_text()
    if "Content-Security-Policy" in html:
        sys.exit("post_build: index.html has a policy already")
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy(html)}">'
    # Right after the charset (which must stay first), before any script or
    # link it governs.
    html, n = re.subn(r"(<meta charset=[^>]*>)", lambda m: m.group(1) + "\n    " + meta, html, count=1)
    if n != 1:
        sys.exit("post_build: index.html has no <meta charset> to put the policy after")
    index.write_text(html)


def modern_loaders(staging: pathlib.Path) -> None:
    """Trunk's worker loader shims call wasm-bindgen's init with a bare path,
    which wasm-bindgen 0.2.130 still takes but warns about on the console of
    every worker start ("using deprecated parameters for the initialization
    function"); the object form it asks for is the same call."""
    for loader in staging.glob("*_loader.js"):
        text = loader.read_text()
        fixed = re.sub(r'wasm_bindgen\(("[^"]+_bg\.wasm")\)', r"wasm_bindgen({ module_or_path: \1 })", text)
        if "wasm_bindgen(" in text and fixed == text:
            sys.exit(f"post_build: {loader.name} calls wasm_bindgen in a way this script does not know")
        loader.write_text(fixed)


# The workers index.html's page starts only when a file needs them (a
# workbook or Parquet file, Parquet out; a PDF report): their files,
# `formats.js`, `formats_bg.wasm`, `formats_loader.js` and the same for
# `pdf`, are not part of a first visit (e2e/size.test.mjs checks it).
ON_DEMAND_WORKERS = ("formats", "pdf")


def add_service_worker(staging: pathlib.Path) -> None:
    files = sorted(
        p.relative_to(staging).as_posix()
        for p in staging.rglob("*")
        if p.is_file() and p.name != "sw.js"
    )
    version = hashlib.sha256()
    for name in files:
        version.update(name.encode() + b"\0" + hashlib.sha256((staging / name).read_bytes()).digest())
    # The page is cached as "./", what a visit asks for (a visit to
    # index.html gets it too: sw.js answers every page visit with it), not a
    # second time by name; the workers started on demand are cached when
    # first used.
    on_use = [name for name in files if name.split("/")[-1].startswith(ON_DEMAND_WORKERS)]
    precache = ["./"] + [name for name in files if name not in on_use and name != "index.html"]
    template = (ROOT / "web/sw.js").read_text()
    sw = (
        template.replace("__VERSION__", version.hexdigest()[:16])
        .replace("__PRECACHE__", json.dumps(precache, indent=2))
        .replace("__ON_USE__", json.dumps(on_use, indent=2))
    )
    (staging / "sw.js").write_text(sw)


def main() -> None:
    staging = pathlib.Path(os.environ.get("TRUNK_STAGING_DIR") or sys.argv[1])
    index = staging / "index.html"
    add_policy(index)
    modern_loaders(staging)
    add_service_worker(staging)
    print(f"post_build: policy and sw.js written in {staging}")


if __name__ == "__main__":
    main()
