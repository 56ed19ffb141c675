#!/usr/bin/env bash
# The benchmark (not part of the test suite): installs what is missing, measures the production
# build's deployable size, then runs testbed's `benchmark` binary against a build with the
# `benchmark` feature (the only build that reads the naive baseline's TOKEN_STRATEGY=per_call and
# the emulator's ZOOM_PLAN=unmetered), and leaves the production build in build/ again.
# Arguments pass through, e.g. --zoom-latency-ms 80 --requests 400 --levels 1,8,32,64
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
cd "$ROOT"
bash scripts/setup.sh
cargo build --quiet --release -p testbed --bin benchmark
bash scripts/build-worker.sh
target/release/benchmark --size-only
bash scripts/build-worker.sh --features benchmark
status=0
target/release/benchmark "$@" || status=$?
bash scripts/build-worker.sh
exit "$status"
