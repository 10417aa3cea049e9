#!/usr/bin/env bash
# Installs what building (and, with --test, testing) needs; quick when everything is there.
# Used by `make demo`, `make test` and `make bench`. Versions are pinned where the toolchain
# demands it (see the toolchain facts in the design notes).
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=false
[ "${1:-}" = "--test" ] && want_test=true
say() { printf '[setup] %s\n' "$*"; }

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (a few minutes, once)"
  cargo install --locked trunk --version "$TRUNK_VERSION"
fi

# wasm-bindgen-cli must equal the wasm-bindgen in Cargo.lock; its own lock pins a crate the
# registry lacks, so no --locked here.
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
  cargo install --force wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# wasm-opt from npm's binaryen (Debian's binaryen 108 produces wasm that fails to load), and
# terser, which minifies the JS the page downloads.
if [ ! -x tools/node_modules/.bin/wasm-opt ] || [ ! -x tools/node_modules/.bin/terser ]; then
  say "installing binaryen (wasm-opt) and terser from npm"
  npm ci --prefix tools --no-audit --no-fund
fi

if $want_test; then
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    if [ "$(id -u)" = 0 ]; then
      say "installing Debian chromium and chromium-driver"
      apt-get update
      DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
    else
      say "chromium and chromium-driver are missing: run 'sudo apt-get install chromium chromium-driver'"
      exit 1
    fi
  fi
  # The server's Maax V2 tests run two instances against a real Redis on loopback.
  if ! command -v redis-server >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
      say "installing Debian redis-server"
      apt-get update
      DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server
    else
      say "redis-server is missing: run 'sudo apt-get install redis-server'"
      exit 1
    fi
  fi
  # An S3-compatible server for the upload tests: moto's server mode, from PyPI, in a venv of
  # its own (the tests talk to it over HTTP on loopback; nothing else uses Python).
  if [ ! -x tools/s3-venv/bin/moto_server ]; then
    say "installing moto (an S3-compatible test server) into tools/s3-venv"
    python3 -m venv tools/s3-venv
    tools/s3-venv/bin/pip install --quiet 'moto[server]==5.*'
  fi
  if [ ! -d tests/e2e/node_modules/playwright-core ] || [ ! -d tests/e2e/node_modules/axe-core ]; then
    say "installing the e2e test packages from npm"
    npm ci --prefix tests/e2e --no-audit --no-fund
  fi
fi
