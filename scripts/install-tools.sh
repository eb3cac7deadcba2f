#!/usr/bin/env bash
# Installs everything Tessera's build and tests need on a fresh Debian machine with rustup.
# Idempotent: each step is skipped when its tool is already present at the right version.
set -euo pipefail

WASM_BINDGEN_VERSION=0.2.130

log() { printf '==> %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! command -v wasm-bindgen >/dev/null || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # Not --locked: its lock file names a crate version the registry mirror lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

if [ "${TESSERA_SKIP_BROWSER:-0}" != 1 ]; then
  need_apt=()
  command -v chromium >/dev/null || need_apt+=(chromium)
  command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
  if [ ${#need_apt[@]} -gt 0 ]; then
    log "installing ${need_apt[*]} from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need_apt[@]}" >/dev/null
  fi
fi

py_missing=0
python3 -c 'import playwright' 2>/dev/null || py_missing=1
command -v st >/dev/null || py_missing=1
if [ $py_missing = 1 ]; then
  log "installing Python test packages"
  python3 -m pip install --quiet --disable-pip-version-check -r "$(dirname "$0")/../e2e/requirements.txt"
fi
