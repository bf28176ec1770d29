#!/bin/sh
# Two clean builds of the static site, each with its own empty target
# folder, must give byte-identical files (wasm included): prints each file's
# SHA-256 once and any that differ, and fails if one does.
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for n in 1 2; do
    start=$(date +%s)
    CARGO_TARGET_DIR="$work/target$n" make --no-print-directory wasm-bins >"$work/build$n.log" 2>&1 \
        || { tail -20 "$work/build$n.log"; exit 1; }
    CARGO_TARGET_DIR="$work/target$n" trunk build --release --public-url ./ --dist "$work/dist$n" >>"$work/build$n.log" 2>&1 \
        || { tail -20 "$work/build$n.log"; exit 1; }
    echo "build $n: $(( $(date +%s) - start )) s"
    (cd "$work/dist$n" && find . -type f | LC_ALL=C sort | xargs sha256sum) >"$work/sums$n"
done
cat "$work/sums1"
if cmp -s "$work/sums1" "$work/sums2"; then
    echo "dist-check: the two builds are byte-identical ($(wc -l <"$work/sums1") files)"
else
    echo "dist-check: the builds differ:"
    diff "$work/sums1" "$work/sums2" || true
    exit 1
fi
