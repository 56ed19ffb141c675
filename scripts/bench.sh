#!/usr/bin/env bash
# The benchmark (not part of the test suite): installs what is missing, builds the worker, then
# runs testbed's `benchmark` binary. Arguments pass through, e.g.
#   --zoom-latency-ms 50 --requests 400 --levels 1,8,32,64
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
cd "$ROOT"
bash scripts/setup.sh
bash scripts/build-worker.sh
cargo build --quiet --release -p testbed --bin benchmark
exec target/release/benchmark "$@"
