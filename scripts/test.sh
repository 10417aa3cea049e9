#!/usr/bin/env bash
# Every check, in order: format, lints (native and wasm), native tests, browser component tests,
# release build, end-to-end tests, the streaming scaling check. All stages run; the run fails if
# any failed. The last line sums the tests of every runner.
set -uo pipefail
cd "$(dirname "$0")/.."

logs=$(mktemp -d)
failed_stages=()

stage() {
  local name=$1
  shift
  echo
  echo "=== $name: $*"
  if ! "$@" 2>&1 | tee "$logs/$name.log"; then
    failed_stages+=("$name")
    echo "=== $name FAILED"
  fi
}

# The S3 upload tests run against moto's S3 server on loopback (installed by setup.sh --test);
# without it they fail rather than skip.
s3_pid=
if [ -x tools/s3-venv/bin/moto_server ]; then
  s3_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  tools/s3-venv/bin/moto_server -H 127.0.0.1 -p "$s3_port" >/dev/null 2>&1 &
  s3_pid=$!
  export CHAT_BUBBLE_TEST_S3_URL="http://127.0.0.1:$s3_port"
  for _ in $(seq 100); do
    curl -s -o /dev/null "$CHAT_BUBBLE_TEST_S3_URL" && break
    sleep 0.2
  done
fi
trap '[ -n "$s3_pid" ] && kill "$s3_pid" 2>/dev/null' EXIT
export CHAT_BUBBLE_REQUIRE_S3=1

stage fmt cargo fmt --all -- --check
stage clippy cargo clippy --workspace --all-targets -- -D warnings
stage clippy-wasm cargo clippy -p chat-bubble-widget --target wasm32-unknown-unknown --all-targets -- -D warnings
stage native-tests cargo test --workspace
stage browser-tests cargo test -p chat-bubble-widget --target wasm32-unknown-unknown --test browser
# The widget's release build, the server, and the Leptos apps that use the widget as a component
# (the example and the test cases; debug builds: they are there to be driven, not measured).
stage build bash -c 'trunk build --release && cargo build -p chat-bubble-server && (cd examples/leptos-app && trunk build) && (cd tests/leptos-cases && trunk build)'
stage e2e node --test --test-reporter=spec --test-concurrency=1 tests/e2e/
# The size budgets, and streaming cost growing linearly with the reply (50k/1k cost ratio).
stage bench-scaling node bench/run.mjs --ci

# Sum the runners' own counts: cargo/wasm-bindgen-test "test result:" lines and node's summary.
passed=0
failed=0
while read -r p f; do
  passed=$((passed + p))
  failed=$((failed + f))
done < <(
  cat "$logs"/*.log | sed -n 's/.*test result: [a-zA-Z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p'
  node_pass=$(sed -n 's/^[^a-z]*pass \([0-9]*\)$/\1/p' "$logs/e2e.log" | tail -n1)
  node_fail=$(sed -n 's/^[^a-z]*fail \([0-9]*\)$/\1/p' "$logs/e2e.log" | tail -n1)
  echo "${node_pass:-0} ${node_fail:-0}"
)
rm -rf "$logs"

echo
if [ ${#failed_stages[@]} -gt 0 ]; then
  echo "failed stages: ${failed_stages[*]}"
  echo "total: $passed passed, $failed failed"
  exit 1
fi
echo "total: $passed passed, $failed failed"
