#!/usr/bin/env bash
# Installs what the README's commands need, and only what is missing, so a
# second run does nothing:
#
#   scripts/setup.sh build    # make serve, make dist: wasm target, Trunk, wasm-bindgen, wasm-opt
#   scripts/setup.sh test     # make test: the above, the servers and readers the native
#                             # tests talk to, the Python packages, and Chromium
#
# Why it is shaped so: on a fresh 2-core machine the set-up took a third of
# `make test`, nearly all of it compiling three tools. They are built with
# cargo's dev profile (no optimisation beyond the defaults, no debug info):
# Trunk and wasm-bindgen only orchestrate a build and a test broker carries a
# few thousand messages, and the dev builds take 3.5, 1.2 and 5 minutes
# instead of 8, 3 and 10. Debian's packages, the npm packages and the Python
# packages download while the tools compile, in the background.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:?usage: scripts/setup.sh build|test}

TRUNK_VERSION=0.21.14
# The Kafka-protocol broker of the sources tests; its in-memory storage needs the dynostore feature.
TANSU_VERSION=0.6.0
# The wasm-bindgen CLI must equal the library version in Cargo.lock, or
# Trunk tries to download one (and fails offline).
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/[^0-9.]/,""); print}' Cargo.lock)
PY_PACKAGES=(onnxruntime==1.32.0 onnx==1.23.2 pyspark==4.3.0 pyarrow==26.0.1 pandas jsonschema==4.26.0)

CARGO_BIN=${CARGO_HOME:-$HOME/.cargo}/bin
export PATH="$CARGO_BIN:$PWD/e2e/node_modules/.bin:$PATH"

# Background jobs, waited for at the end: a failure in any fails the set-up.
jobs_started=()
background() { # name, command...
  local name=$1
  shift
  local log
  log=$(mktemp /tmp/glassbox-setup-"$name".XXXXXX)
  ("$@" >"$log" 2>&1 || { echo "set-up: $name failed:" >&2; cat "$log" >&2; exit 1; }; rm -f "$log") &
  jobs_started+=("$!:$name")
}

# Debian packages, each named by what shows that it is there already.
apt_wanted=()
want_deb() { # test command, package...
  local check=$1
  shift
  bash -c "$check" >/dev/null 2>&1 || apt_wanted+=("$@")
}
if [ "$what" = test ]; then
  want_deb 'ls /usr/lib/postgresql/*/bin/initdb && command -v psql' postgresql postgresql-client
  want_deb 'command -v mariadbd && command -v mariadb-install-db && command -v mariadb' mariadb-server mariadb-client
  # The CLI tests read report.pdf back with poppler (pdftotext, pdffonts, pdftoppm).
  want_deb 'command -v pdftotext && command -v pdftoppm' poppler-utils
  # PySpark's JVM, for the Spark test.
  want_deb 'command -v java' default-jre-headless
  want_deb '[ -x /usr/bin/chromium ]' chromium
fi
if [ ${#apt_wanted[@]} -gt 0 ]; then
  background apt bash -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${apt_wanted[*]}"
fi

# wasm-opt (npm package binaryen), playwright-core and axe, pinned in e2e/package-lock.json.
if ! { [ -x e2e/node_modules/.bin/wasm-opt ] && [ -d e2e/node_modules/playwright-core ] && [ -d e2e/node_modules/@axe-core/playwright ]; }; then
  background npm bash -c "cd e2e && npm ci --no-audit --no-fund"
fi

# The ONNX tests run exported models in onnxruntime and score with them on
# PySpark, and the recipe tests check recipes against their JSON Schema; a Debian python3 refuses system-wide installs (PEP 668), so the
# second try says we mean it.
if [ "$what" = test ] && ! python3 -c "import onnxruntime, onnx, pyspark, pyarrow, pandas, jsonschema" 2>/dev/null; then
  pip=(python3 -m pip install --quiet --root-user-action=ignore "${PY_PACKAGES[@]}")
  background pip bash -c "${pip[*]} || ${pip[*]} --break-system-packages"
fi

# The tools cargo builds, one after another in the foreground (they use both cores).
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
tool() { # name, version check, install arguments...
  local name=$1 check=$2
  shift 2
  bash -c "$check" >/dev/null 2>&1 && return 0
  echo "set-up: building $name (dev profile)…"
  CARGO_PROFILE_DEV_DEBUG=0 cargo install --debug --quiet "$@"
}
tool trunk "trunk --version | grep -q $TRUNK_VERSION" trunk --version "$TRUNK_VERSION" --locked
# `--locked` fails for wasm-bindgen-cli (a locked dependency is gone from the registry).
tool wasm-bindgen "wasm-bindgen --version | grep -q $WASM_BINDGEN_VERSION" wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
if [ "$what" = test ]; then
  tool tansu "tansu --version | grep -q $TANSU_VERSION" tansu --version "$TANSU_VERSION" --locked --features dynostore
fi

failed=0
for job in "${jobs_started[@]}"; do
  wait "${job%%:*}" || failed=1
done
exit $failed
