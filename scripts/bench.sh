#!/usr/bin/env bash
# The benchmark (not part of the test suite): installs what is missing, measures the production
# build's deployable size, then runs testbed's `benchmark` binary against a build with the
# `benchmark` feature (the only build that reads the naive baseline's TOKEN_STRATEGY=per_call and
# the emulator's ZOOM_PLAN=unmetered). However it ends, build/ holds the production build again.
# Arguments pass through, e.g. --zoom-latency-ms 80 --requests 400 --levels 1,8,32,64
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
cd "$ROOT"
bash scripts/setup.sh
cargo build --quiet --release -p testbed --bin benchmark
bash scripts/build-worker.sh
target/release/benchmark --size-only
# From here build/ holds a benchmark build: never leave it for `wrangler dev` or a deploy.
trap 'bash scripts/build-worker.sh > /dev/null' EXIT
bash scripts/build-worker.sh --features benchmark
target/release/benchmark "$@"
