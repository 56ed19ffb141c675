#!/usr/bin/env bash
# The whole test suite: native unit tests, wasm tests under node, then end-to-end tests of the
# built worker under `wrangler dev` against the Zoom emulator. Installs what is missing first.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
cd "$ROOT"

bash scripts/setup.sh

echo "== formatting and lints"
cargo fmt --all -- --check
cargo clippy --quiet --workspace --all-targets -- -D warnings
cargo clippy --quiet --target wasm32-unknown-unknown --lib -- -D warnings
# The benchmark build (scripts/bench.sh) compiles in what production refuses; it must stay clean.
cargo clippy --quiet --target wasm32-unknown-unknown --lib --features benchmark -- -D warnings

echo "== native unit tests (domain logic, emulator)"
cargo test --workspace --lib --bins
cargo test -p zoom-booking-edge --lib --features benchmark

echo "== wasm tests (wasm-bindgen-test under node)"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER="$TOOLS/bin/wasm-bindgen-test-runner" \
  cargo test --target wasm32-unknown-unknown --lib

echo "== building the worker"
bash scripts/build-worker.sh

echo "== end-to-end tests (wrangler dev + Zoom emulator)"
cargo test --test e2e
