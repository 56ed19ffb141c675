#!/usr/bin/env bash
# Installs everything the build and tests need, pinned, into the project (.tools, node_modules).
# Idempotent: a second run only checks versions.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/toolchain.sh"
cd "$ROOT"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

wbg="$(wasm_bindgen_version)"
if [ "$("$TOOLS/bin/wasm-bindgen" --version 2>/dev/null | awk '{print $2}')" != "$wbg" ]; then
  echo "setup: installing wasm-bindgen-cli $wbg (matches Cargo.lock)"
  # Not --locked: the registry mirror can lag the newest versions of the CLI's own dependencies.
  cargo install --quiet --root "$TOOLS" --version "$wbg" wasm-bindgen-cli
fi

if [ "$("$TOOLS/bin/worker-build" --version 2>/dev/null)" != "$WORKER_BUILD_VERSION" ]; then
  echo "setup: installing worker-build $WORKER_BUILD_VERSION"
  cargo install --quiet --root "$TOOLS" --version "$WORKER_BUILD_VERSION" worker-build
fi

lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
if [ ! -x node_modules/.bin/wrangler ] || [ "$(cat node_modules/.lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  echo "setup: installing npm packages from package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.lock-hash
fi
# The browser test drives Debian's Chromium (playwright-core brings no browser of its own).
if [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing Debian's chromium for the browser test"
  sudo_if_needed=()
  [ "$(id -u)" = 0 ] || sudo_if_needed=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_if_needed[@]}" apt-get install -y -q chromium > /dev/null \
    || { "${sudo_if_needed[@]}" apt-get update -q > /dev/null \
         && "${sudo_if_needed[@]}" apt-get install -y -q chromium > /dev/null; }
fi

echo "setup: toolchain ready (wasm-bindgen $wbg, worker-build $WORKER_BUILD_VERSION, $(node_modules/.bin/wrangler --version 2>/dev/null | tail -1))"
