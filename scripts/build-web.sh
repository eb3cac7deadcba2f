#!/usr/bin/env bash
# Builds the portal (crates/web) into crates/web/dist, ready to be served by the API server:
#   dist/index.html, app.css, boot.js, favicon.svg  (copied from crates/web/static)
#   dist/pkg/tessera_web.js, dist/pkg/tessera_web_bg.wasm  (cargo + wasm-bindgen)
# Needs the wasm32-unknown-unknown target and wasm-bindgen-cli at the exact version of the
# `wasm-bindgen` crate (scripts/install-tools.sh installs both). Runs wasm-opt if it is on PATH.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

target_dir="${CARGO_TARGET_DIR:-$root/target}"
web="$root/crates/web"
dist="$web/dist"
wasm="$target_dir/wasm32-unknown-unknown/wasm-release/tessera_web.wasm"

log() { printf '==> %s\n' "$*"; }

command -v wasm-bindgen >/dev/null || {
  echo "wasm-bindgen not found: run scripts/install-tools.sh" >&2
  exit 1
}

# The CLI must match the crate exactly, or the generated glue does not fit the module.
wanted="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)"
found="$(wasm-bindgen --version | awk '{print $2}')"
if [ -n "$wanted" ] && [ "$wanted" != "$found" ]; then
  echo "wasm-bindgen CLI is $found but Cargo.lock has $wanted: run scripts/install-tools.sh" >&2
  exit 1
fi

log "building tessera-web for wasm32 (profile wasm-release)"
cargo build -p tessera-web --lib --target wasm32-unknown-unknown --profile wasm-release

log "generating JavaScript bindings"
rm -rf "$dist"
mkdir -p "$dist/pkg"
# Function names are half of an unstripped module and of no use to browsers. (Stripping in the
# cargo profile instead would also drop the section that tells wasm-bindgen the wasm features.)
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
  --out-dir "$dist/pkg" "$wasm"

if command -v wasm-opt >/dev/null; then
  log "optimising with wasm-opt -Oz"
  # The features rustc enables by default for wasm32-unknown-unknown.
  if wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$dist/pkg/tessera_web_bg.wasm" -o "$dist/pkg/tessera_web_bg.wasm.opt"; then
    mv "$dist/pkg/tessera_web_bg.wasm.opt" "$dist/pkg/tessera_web_bg.wasm"
  else
    rm -f "$dist/pkg/tessera_web_bg.wasm.opt"
    echo "warning: wasm-opt failed; keeping the unoptimised module" >&2
  fi
fi

log "copying static files"
cp "$web"/static/* "$dist/"

for file in index.html app.css boot.js favicon.svg pkg/tessera_web.js pkg/tessera_web_bg.wasm; do
  [ -s "$dist/$file" ] || { echo "missing $dist/$file" >&2; exit 1; }
done
log "done: $(du -h "$dist/pkg/tessera_web_bg.wasm" | cut -f1) of wasm in ${dist#"$root"/}"
