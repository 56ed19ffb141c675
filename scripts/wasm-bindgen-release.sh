#!/usr/bin/env bash
# The wasm-bindgen that worker-build runs (via WASM_BINDGEN_BIN, see build-worker.sh): the pinned
# CLI plus --remove-name-section. The function-name section is about a fifth of the compressed
# module and nothing reads it at run time; panics still log their message, and stack traces show
# function indices instead of names.
set -euo pipefail
exec "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.tools/bin/wasm-bindgen" "$@" --remove-name-section
