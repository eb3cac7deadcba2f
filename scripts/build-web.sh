#!/usr/bin/env bash
# Builds the portal (crates/web) into crates/web/dist, ready to be served by the API server:
#   dist/index.html, app-<hash>.css, boot-<hash>.js, favicon.svg  (from crates/web/static)
#   dist/pkg/tessera_web-<hash>.js, dist/pkg/tessera_web_bg-<hash>.wasm  (cargo + wasm-bindgen)
# each with a Brotli (.br) and a gzip (.gz) copy beside it.
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

# WEB_BUILD_QUICK=1 is for trying changes locally: no LTO, parallel codegen, no wasm-opt and no
# size budget, so a rebuild takes a fraction of the time. The module is larger and slower; never
# measure or ship it.
quick="${WEB_BUILD_QUICK:-0}"
if [ "$quick" = 1 ]; then
  export CARGO_PROFILE_WASM_RELEASE_LTO=false CARGO_PROFILE_WASM_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_WASM_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_WASM_RELEASE_INCREMENTAL=true
fi

label=""
[ "$quick" = 1 ] && label=", quick: not for measuring"
log "building tessera-web for wasm32 (profile wasm-release$label)"
cargo build -p tessera-web --lib --target wasm32-unknown-unknown --profile wasm-release

log "generating JavaScript bindings"
rm -rf "$dist"
mkdir -p "$dist/pkg"
# Function names are half of an unstripped module and of no use to browsers. (Stripping in the
# cargo profile instead would also drop the section that tells wasm-bindgen the wasm features.)
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
  --out-dir "$dist/pkg" "$wasm"

if [ "$quick" != 1 ] && command -v wasm-opt >/dev/null; then
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

# Content-named assets: `app.css` becomes `app-<16 hex digits of its SHA-256>.css`, and every file
# that names it is rewritten first, so a changed module also renames what loads it. The server
# lets browsers keep such files for a year (crates/api/src/spa.rs); index.html is revalidated.
hashed() {
  local file="$1" stem extension hash
  stem="${file%.*}"
  extension="${file##*.}"
  hash="$(sha256sum "$dist/$file" | cut -c1-16)"
  mv "$dist/$file" "$dist/$stem-$hash.$extension"
  printf '%s' "$stem-$hash.$extension"
}
wasm_name="$(hashed pkg/tessera_web_bg.wasm)"
sed -i "s|tessera_web_bg\.wasm|${wasm_name#pkg/}|g" "$dist/pkg/tessera_web.js"
grep -q "${wasm_name#pkg/}" "$dist/pkg/tessera_web.js" || {
  echo "the bindings do not name the module: the wasm-bindgen output changed" >&2
  exit 1
}
js_name="$(hashed pkg/tessera_web.js)"
sed -i "s|/pkg/tessera_web\.js|/$js_name|g" "$dist/boot.js" "$dist/index.html"
boot_name="$(hashed boot.js)"
css_name="$(hashed app.css)"
sed -i -e "s|/boot\.js|/$boot_name|g" -e "s|/app\.css|/$css_name|g" "$dist/index.html"
for name in "$js_name" "$boot_name" "$css_name"; do
  grep -q "$name" "$dist/index.html" || {
    echo "index.html does not name $name: update scripts/build-web.sh" >&2
    exit 1
  }
done

# Precompressed copies, sent as they are to browsers that take them (nothing is compressed per
# request). Brotli from Debian's `brotli`, gzip from coreutils' neighbour.
log "precompressing (brotli, gzip)"
command -v brotli >/dev/null || {
  echo "brotli not found: run scripts/install-tools.sh" >&2
  exit 1
}
for file in index.html favicon.svg "$css_name" "$boot_name" "$js_name" "$wasm_name"; do
  brotli --best --force --keep "$dist/$file"
  gzip --best --force --keep --no-name "$dist/$file"
done

first_load=0
for file in "$boot_name" "$js_name" "$wasm_name"; do
  first_load=$((first_load + $(stat -c %s "$dist/$file.br")))
done
log "done: $(du -h "$dist/$wasm_name" | cut -f1) of wasm in ${dist#"$root"/}; first load $((first_load / 1024)) kB of JavaScript and wasm with brotli"

# The first download's ceiling, so that CI fails when the portal grows past it. It guards against
# growth only: issue 15's target is 350 kB, which needs the administration area split out.
budget_kb="$(tr -dc 0-9 <"$web/first-load-budget-kb")"
if [ "$quick" != 1 ] && [ $((first_load / 1024)) -gt "$budget_kb" ]; then
  echo "the first load is $((first_load / 1024)) kB, over the budget of $budget_kb kB in crates/web/first-load-budget-kb" >&2
  exit 1
fi
