#!/usr/bin/env bash
# Installs what Tessera's build and tests need on a fresh Debian machine with rustup.
#   scripts/install-tools.sh          everything the tests need
#   scripts/install-tools.sh --run    only what building and running needs (no browser, no Python)
# Idempotent: each step is skipped when its tool is already there at the right version.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode="${1:---test}"
WASM_BINDGEN_VERSION=0.2.130
WASM_SPLIT_VERSION=0.2.4

log() { printf '==> %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! command -v wasm-bindgen >/dev/null ||
  [ "$(wasm-bindgen --version | awk '{print $2}')" != "$WASM_BINDGEN_VERSION" ]; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 minutes)"
  # Not --locked: its lock file names a crate version the registry mirror here lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# wasm-split-cli moves the portal's lazily loaded areas into modules of their own
# (scripts/build-web.sh); its version must read what wasm_split_helpers (via leptos) writes.
if ! cargo install --list | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:"; then
  log "installing wasm-split-cli $WASM_SPLIT_VERSION (about 2 minutes)"
  cargo install wasm_split_cli_support --version "$WASM_SPLIT_VERSION" --features build-binary \
    --locked --force
fi

# wasm-opt shrinks the portal's module (scripts/build-web.sh uses it when present). The npm
# package ships a working binary; without npm the portal is simply served unoptimised.
if ! command -v wasm-opt >/dev/null && command -v npm >/dev/null; then
  log "installing wasm-opt (npm binaryen)"
  npm install -g --silent binaryen@132.0.0 || echo "warning: wasm-opt not installed" >&2
fi

# The portal's precompressed copies (scripts/build-web.sh).
if ! command -v brotli >/dev/null; then
  log "installing brotli from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq brotli >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq brotli >/dev/null; }
fi

[ "$mode" = "--run" ] && exit 0

apt_missing=()
command -v chromium >/dev/null || apt_missing+=(chromium)
command -v chromedriver >/dev/null || apt_missing+=(chromium-driver)
command -v pg_ctlcluster >/dev/null || apt_missing+=(postgresql)
# OpenLDAP for the LDAP connector tests, which start their own slapd on a free port.
command -v slapd >/dev/null || [ -x /usr/sbin/slapd ] || apt_missing+=(slapd)
command -v ldapsearch >/dev/null || apt_missing+=(ldap-utils)
if [ ${#apt_missing[@]} -gt 0 ]; then
  log "installing ${apt_missing[*]} from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${apt_missing[@]}" >/dev/null
  # The package's own directory service is not used by the tests; stop it if it started.
  if [[ " ${apt_missing[*]} " == *" slapd "* ]]; then
    service slapd stop >/dev/null 2>&1 || true
  fi
fi

log "installing Python test packages (pinned in e2e/requirements.txt)"
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
  -r "$root/e2e/requirements.txt"

# The tests' OpenID Connect provider (panva's oidc-provider, pinned by its package-lock.json).
if [ ! -d "$root/e2e/oidc-provider/node_modules/oidc-provider" ]; then
  log "installing the tests' OpenID Connect provider (npm ci in e2e/oidc-provider)"
  (cd "$root/e2e/oidc-provider" && npm ci --silent --no-audit --no-fund)
fi
