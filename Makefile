# Glassbox: every set-up step is here, idempotent, so a fresh machine needs
# only the two README commands: `make serve` and `make test`.
SHELL := /bin/bash
CARGO_BIN := $(or $(CARGO_HOME),$(HOME)/.cargo)/bin
export PATH := $(CARGO_BIN):$(CURDIR)/e2e/node_modules/.bin:$(PATH)

TRUNK_VERSION := 0.21.14
ONNXRUNTIME_VERSION := 1.32.0
ONNX_VERSION := 1.23.2
PYSPARK_VERSION := 4.3.0
PYARROW_VERSION := 26.0.1
# The Kafka-protocol broker of the sources tests; its in-memory storage needs the dynostore feature.
TANSU_VERSION := 0.6.0
# A Debian python3 refuses system-wide installs (PEP 668); the second try says we mean it.
PY_PACKAGES := onnxruntime==$(ONNXRUNTIME_VERSION) onnx==$(ONNX_VERSION) pyspark==$(PYSPARK_VERSION) pyarrow==$(PYARROW_VERSION) pandas
# The wasm-bindgen CLI must equal the library version in Cargo.lock, or Trunk
# tries to download one (and fails offline).
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/{getline; gsub(/[^0-9.]/,""); print}' Cargo.lock)

.PHONY: serve test dist dist-check static bench-serve setup-build setup-native setup-test test-native test-e2e

## The app at http://127.0.0.1:8080 (rebuilds on change).
serve: setup-build
	trunk serve --release --address 127.0.0.1 --port 8080

## Every test: native unit, golden and CLI tests, then end-to-end in headless Chromium.
test: test-native test-e2e

## The static site in dist/, with relative URLs so it works from any sub-path.
dist: setup-build
	trunk build --release --public-url ./

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

## The serving load test of BENCHMARKS.md (glassbox serve against FastAPI + scikit-learn).
bench-serve:
	scripts/bench_serve.sh logistic_regression
	scripts/bench_serve.sh random_forest

## The sources tests need PostgreSQL, MariaDB and a Kafka broker: the script
## starts throwaway ones on 127.0.0.1 and stops them when the tests end.
test-native: setup-native
	scripts/test_servers.sh cargo test --workspace --locked

test-e2e: setup-test dist
	cd e2e && node --test --test-concurrency=1 *.test.mjs

setup-build:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@trunk --version 2>/dev/null | grep -q "$(TRUNK_VERSION)" || cargo install trunk --version $(TRUNK_VERSION) --locked
	@wasm-bindgen --version 2>/dev/null | grep -q "$(WASM_BINDGEN_VERSION)" || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)
	@[ -x e2e/node_modules/.bin/wasm-opt ] && [ -d e2e/node_modules/playwright-core ] && [ -d e2e/node_modules/@axe-core/playwright ] || (cd e2e && npm ci --no-audit --no-fund)

## The CLI tests read report.pdf back with poppler (pdftotext, pdffonts, pdftoppm),
## run exported ONNX models in onnxruntime, and score with them on PySpark
## (local[2], on Debian's JRE); the sources tests run against PostgreSQL and
## MariaDB from Debian's packages and tansu (a Kafka-compatible broker, built
## by cargo: about 10 minutes on 2 cores, once).
setup-native:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v psql >/dev/null || (apt-get update && apt-get install -y --no-install-recommends postgresql postgresql-client)
	@command -v mariadbd >/dev/null && command -v mariadb-install-db >/dev/null && command -v mariadb >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mariadb-server mariadb-client)
	@tansu --version 2>/dev/null | grep -q "$(TANSU_VERSION)" || cargo install tansu --version $(TANSU_VERSION) --locked --features dynostore
	@command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null || (apt-get update && apt-get install -y --no-install-recommends poppler-utils)
	@command -v java >/dev/null || (apt-get update && apt-get install -y --no-install-recommends default-jre-headless)
	@python3 -c "import onnxruntime, onnx, pyspark, pyarrow, pandas" 2>/dev/null || python3 -m pip install --quiet --root-user-action=ignore $(PY_PACKAGES) \
		|| python3 -m pip install --quiet --root-user-action=ignore --break-system-packages $(PY_PACKAGES)

setup-test: setup-build
	@[ -x /usr/bin/chromium ] || (apt-get update && apt-get install -y --no-install-recommends chromium)
