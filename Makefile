# Glassbox: the two README commands, `make serve` and `make test`, and the
# rest; every set-up step is in scripts/setup.sh, idempotent, so a fresh
# machine needs nothing else.
SHELL := /bin/bash
CARGO_BIN := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin
export PATH := $(CARGO_BIN):$(CURDIR)/e2e/node_modules/.bin:$(PATH)

.PHONY: serve test dist wasm-bins dist-check static bench bench-serve bench-scoring setup-build setup-test test-native test-e2e

## The app at http://127.0.0.1:8080 (rebuilds on change).
serve: setup-build
	trunk serve --release --address 127.0.0.1 --port 8080

## Every test: native unit, golden and CLI tests, then end-to-end in headless Chromium.
test: test-native test-e2e

## The static site in dist/, with relative URLs so it works from any sub-path.
dist: setup-build wasm-bins
	trunk build --release --public-url ./

## The four wasm binaries of index.html in one cargo run before Trunk's: each
## ends in a single-threaded link-time optimisation, and Trunk's four cargo
## runs wait for each other's lock, so they ran one after another on one
## core; in one run cargo links two at a time, and Trunk finds them fresh.
wasm-bins: setup-build
	cargo build --release --locked --target wasm32-unknown-unknown --bin glassbox-app --bin worker --bin formats --bin pdf

## Two clean builds of dist/, each in its own target folder, must be byte-identical.
dist-check: setup-build
	scripts/dist_check.sh

## One statically linked glassbox (musl) that runs `serve` on any x86-64 Linux.
STATIC := target/x86_64-unknown-linux-musl/release/glassbox
static:
	@rustup target list --installed | grep -qx x86_64-unknown-linux-musl || rustup target add x86_64-unknown-linux-musl
	@# ring (under the webhook client's rustls) compiles C for the target: musl-gcc does it.
	@command -v musl-gcc >/dev/null || (apt-get update && apt-get install -y --no-install-recommends musl-tools)
	CC_x86_64_unknown_linux_musl=musl-gcc cargo build --release --locked --target x86_64-unknown-linux-musl --bin glassbox
	@file $(STATIC) | grep -Eq "statically linked|static-pie linked" && echo "$(STATIC): statically linked, $$(du -h $(STATIC) | cut -f1)"

## Every speed goal against its peer in one run, one table of ratios (scripts/bench_all.py; BENCHMARKS.md).
bench:
	python3 scripts/bench_all.py

## Scoring a file with a forest, boosting and k-NN against scikit-learn's process (BENCHMARKS.md).
bench-scoring:
	cargo build --release --locked --bin glassbox
	python3 scripts/bench_scoring.py target/release/glassbox 3

## The serving load test of BENCHMARKS.md (glassbox serve against FastAPI + scikit-learn).
bench-serve:
	scripts/bench_serve.sh logistic_regression
	scripts/bench_serve.sh random_forest
	scripts/bench_serve.sh ridge

## The sources tests need PostgreSQL, MariaDB and a Kafka broker: the script
## starts throwaway ones on 127.0.0.1 and stops them when the tests end.
test-native: setup-test
	scripts/test_servers.sh cargo test --workspace --locked

test-e2e: setup-test dist
	cd e2e && node --test --test-concurrency=1 *.test.mjs

## What the commands need, installed only when missing (see scripts/setup.sh).
setup-build:
	scripts/setup.sh build

## The native tests talk to PostgreSQL, MariaDB and a Kafka broker (tansu),
## read report.pdf back with poppler, run exported ONNX models in onnxruntime
## and on PySpark (Debian's JRE); the end-to-end tests drive Chromium.
setup-test:
	scripts/setup.sh test
