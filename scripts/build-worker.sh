#!/usr/bin/env bash
# Builds the deployable worker into build/ (wrangler.toml's build command). Arguments go to cargo
# through worker-build, e.g. `--features benchmark` (scripts/bench.sh only).
# WORKER_PREBUILT=1 skips it when the caller already built (the test harness starts wrangler often).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
cd "$ROOT"
if [ "${WORKER_PREBUILT:-}" = "1" ] && [ -f build/index.js ]; then
  exit 0
fi
for tool in "$WASM_BINDGEN_BIN" "$TOOLS/bin/worker-build" "$ESBUILD_BIN"; do
  if [ ! -x "$tool" ]; then
    echo "build-worker: $tool is missing; run scripts/setup.sh first" >&2
    exit 1
  fi
done
WASM_BINDGEN_BIN="$ROOT/scripts/wasm-bindgen-release.sh" exec "$TOOLS/bin/worker-build" --release "$@"
