# chat-bubble: `make demo` builds the widget and starts the mock server; `make test` runs every
# test; `make bench` measures sizes and speed against the budgets. Each installs what it lacks.

SHELL := /bin/bash
HOST ?= 127.0.0.1
PORT ?= 8787

export PATH := $(CURDIR)/tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export CHROMEDRIVER ?= /usr/bin/chromedriver

SERVER := target/debug/chat-bubble-server

.PHONY: demo test bench setup setup-test widget server clean

demo: setup widget server
	@echo "Starting the mock server; open the URL below (Ctrl-C stops it)."
	$(SERVER) --mode mock --host $(HOST) --port $(PORT) --static-dir dist

test: setup-test
	bash scripts/test.sh

# The server and load_test are built for speed (opt-level 3, no LTO); the widget (trunk, above)
# keeps the workspace's size-tuned release profile. `node bench/run.mjs --ci` runs only the
# size and streaming-scaling checks.
bench: setup-test widget
	CARGO_PROFILE_RELEASE_OPT_LEVEL=3 CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
		cargo build --release -p chat-bubble-server
	node bench/run.mjs

setup:
	@bash scripts/setup.sh

setup-test:
	@bash scripts/setup.sh --test

# The release widget: loader, wasm-bindgen glue, optimized wasm and CSS in dist/.
widget:
	trunk build --release

server:
	cargo build -p chat-bubble-server

clean:
	cargo clean
	rm -rf dist
