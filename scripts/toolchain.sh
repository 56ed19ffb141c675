# Shared by the scripts: where the pinned tools live. Sourced, not run.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="$ROOT/.tools"
export PATH="$TOOLS/bin:$HOME/.cargo/bin:$PATH"
# worker-build would download these from GitHub; point it at the pinned local copies instead.
export WASM_BINDGEN_BIN="$TOOLS/bin/wasm-bindgen"
# esbuild installs one binary package per platform, named after node's process.platform and
# process.arch (@esbuild/linux-x64, @esbuild/darwin-arm64, ...).
esbuild_platform() {
  if command -v node > /dev/null 2>&1; then
    node -p 'process.platform + "-" + process.arch'
  else
    # No node yet (setup installs the npm packages later): the same names from uname.
    local os arch
    os="$(uname -s | tr '[:upper:]' '[:lower:]')"
    case "$(uname -m)" in
      x86_64 | amd64) arch=x64 ;;
      aarch64 | arm64) arch=arm64 ;;
      *) arch="$(uname -m)" ;;
    esac
    echo "$os-$arch"
  fi
}
ESBUILD_BIN="$ROOT/node_modules/@esbuild/$(esbuild_platform)/bin/esbuild"
# Otherwise esbuild's own launcher, which finds (or is replaced by) the platform's binary.
[ -x "$ESBUILD_BIN" ] || ESBUILD_BIN="$ROOT/node_modules/esbuild/bin/esbuild"
export ESBUILD_BIN
export WRANGLER_SEND_METRICS=false
WORKER_BUILD_VERSION="0.8.7"
# The wasm-bindgen CLI must match the wasm-bindgen crate in Cargo.lock exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}
