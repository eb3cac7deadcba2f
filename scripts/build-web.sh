#!/usr/bin/env bash
# Builds the portal (crates/web) into crates/web/dist, ready to be served by the API server:
#   dist/index.html, app-<hash>.css, boot-<hash>.js, favicon.svg  (from crates/web/static)
#   dist/pkg/tessera_web-<hash>.js, dist/pkg/tessera_web_bg-<hash>.wasm  (the first download)
#   dist/pkg/__wasm_split-<hash>.js, dist/pkg/split_<area>-<hash>.wasm, chunk_<n>-<hash>.wasm
#     (the lazily loaded areas of src/lazy_pages.rs, and code that only they share)
# each with a Brotli (.br) and a gzip (.gz) copy beside it.
# Needs the wasm32-unknown-unknown target, wasm-bindgen-cli at the exact version of the
# `wasm-bindgen` crate and wasm-split-cli (scripts/install-tools.sh installs them). Runs wasm-opt
# if it is on PATH.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

target_dir="${CARGO_TARGET_DIR:-$root/target}"
web="$root/crates/web"
dist="$web/dist"
wasm="$target_dir/wasm32-unknown-unknown/wasm-release/tessera_web.wasm"
split="$target_dir/wasm32-unknown-unknown/wasm-release/split"

log() { printf '==> %s\n' "$*"; }

for tool in wasm-bindgen wasm-split-cli; do
  command -v "$tool" >/dev/null || {
    echo "$tool not found: run scripts/install-tools.sh" >&2
    exit 1
  }
done

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
# The linker keeps the relocations, which wasm-split needs to move code between modules. Passed to
# the portal's own crate only, so the dependencies' builds are shared with `cargo build`.
cargo rustc -p tessera-web --lib --crate-type cdylib --target wasm32-unknown-unknown \
  --profile wasm-release -- -C link-args=--emit-relocs

log "splitting the lazily loaded areas out of the module"
# One module per split point in src/lazy_pages.rs, plus a chunk for each set of split points
# that share code; `__wasm_split.js` loads them and imports the main module's bindings.
rm -rf "$split"
mkdir -p "$split"
wasm-split-cli --target web --out-name tessera_web "$wasm" "$split"

log "generating JavaScript bindings"
rm -rf "$dist"
mkdir -p "$dist/pkg"
# Function names are half of an unstripped module and of no use to browsers. (Stripping in the
# cargo profile instead would also drop the section that tells wasm-bindgen the wasm features.)
# The split modules link to the main module's exports by their linker names: keep them.
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
  --keep-lld-exports --out-dir "$dist/pkg" "$split/tessera_web.wasm"
cp "$split"/__wasm_split.js "$dist/pkg/"
split_modules=()
for module in "$split"/*.wasm; do
  name="$(basename "$module")"
  [ "$name" = tessera_web.wasm ] && continue
  cp "$module" "$dist/pkg/"
  split_modules+=("pkg/$name")
done
[ ${#split_modules[@]} -gt 0 ] || {
  echo "wasm-split made no split modules: are the split points in src/lazy_pages.rs gone?" >&2
  exit 1
}

# The features rustc enables by default for wasm32-unknown-unknown.
optimise() {
  if wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$1" -o "$1.opt"; then
    mv "$1.opt" "$1"
  else
    rm -f "$1.opt"
    echo "warning: wasm-opt failed on $1; keeping it unoptimised" >&2
  fi
}
if [ "$quick" != 1 ] && command -v wasm-opt >/dev/null; then
  log "optimising with wasm-opt -Oz"
  optimise "$dist/pkg/tessera_web_bg.wasm"
  # Small chunks gain next to nothing and each run costs a start-up.
  for module in "${split_modules[@]}"; do
    if [ "$(stat -c %s "$dist/$module")" -gt 32768 ]; then
      optimise "$dist/$module"
    fi
  done
fi

log "copying static files"
cp "$web"/static/* "$dist/"

for file in index.html app.css boot.js favicon.svg pkg/tessera_web.js pkg/tessera_web_bg.wasm \
  pkg/__wasm_split.js; do
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
# Names that must appear in a file before it is rewritten, or the tools' output changed.
replace_in() {
  local file="$1" from="$2" to="$3"
  grep -qF -- "$from" "$dist/$file" || {
    echo "$file does not name $from: the wasm-bindgen or wasm-split output changed" >&2
    exit 1
  }
  sed -i "s|${from//./\\.}|$to|g" "$dist/$file"
}
hashed_modules=()
for module in "${split_modules[@]}"; do
  name="$(hashed "$module")"
  replace_in pkg/__wasm_split.js "\"./${module#pkg/}\"" "\"./${name#pkg/}\""
  hashed_modules+=("$name")
done
wasm_name="$(hashed pkg/tessera_web_bg.wasm)"
replace_in pkg/tessera_web.js tessera_web_bg.wasm "${wasm_name#pkg/}"
# The bindings and the split modules' loader import each other, so one hash of both names both.
# (The module's import is keyed by the name it was linked with: only the `from` changes.)
hash="$(cat "$dist/pkg/tessera_web.js" "$dist/pkg/__wasm_split.js" | sha256sum | cut -c1-16)"
js_name="pkg/tessera_web-$hash.js"
split_js_name="pkg/__wasm_split-$hash.js"
replace_in pkg/tessera_web.js 'from "./__wasm_split.js"' "from \"./${split_js_name#pkg/}\""
replace_in pkg/__wasm_split.js 'from "./tessera_web.js"' "from \"./${js_name#pkg/}\""
mv "$dist/pkg/tessera_web.js" "$dist/$js_name"
mv "$dist/pkg/__wasm_split.js" "$dist/$split_js_name"
sed -i "s|/pkg/tessera_web\.js|/$js_name|g" "$dist/boot.js" "$dist/index.html"
# The bindings import the loader: index.html asks for both at once.
sed -i "s|/pkg/__wasm_split\.js|/$split_js_name|g" "$dist/index.html"
boot_name="$(hashed boot.js)"
css_name="$(hashed app.css)"
sed -i -e "s|/boot\.js|/$boot_name|g" -e "s|/app\.css|/$css_name|g" "$dist/index.html"
for name in "$js_name" "$split_js_name" "$boot_name" "$css_name"; do
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
for file in index.html favicon.svg "$css_name" "$boot_name" "$js_name" "$wasm_name" \
  "$split_js_name" "${hashed_modules[@]}"; do
  brotli --best --force --keep "$dist/$file"
  gzip --best --force --keep --no-name "$dist/$file"
done

# What opening My Access downloads: the bindings, the split modules' loader (the bindings import
# it), boot.js and the main module. No split module: those load when an area's page opens
# (e2e/test_portal_shell.py checks which requests the Overview and /admin make).
first_load=0
for file in "$boot_name" "$js_name" "$split_js_name" "$wasm_name"; do
  first_load=$((first_load + $(stat -c %s "$dist/$file.br")))
done
lazy=0
for file in "${hashed_modules[@]}"; do
  lazy=$((lazy + $(stat -c %s "$dist/$file.br")))
done
log "done: $(du -h "$dist/$wasm_name" | cut -f1) of wasm in ${dist#"$root"/}; first load $((first_load / 1024)) kB of JavaScript and wasm with brotli; ${#hashed_modules[@]} split modules, $((lazy / 1024)) kB with brotli"

# The first download's ceiling, so that CI fails when the portal grows past it (issue 15's target
# is at most 350 kB). A page that makes it grow belongs in an area of src/lazy_pages.rs.
budget_kb="$(tr -dc 0-9 <"$web/first-load-budget-kb")"
if [ "$quick" != 1 ] && [ $((first_load / 1024)) -gt "$budget_kb" ]; then
  echo "the first load is $((first_load / 1024)) kB, over the budget of $budget_kb kB in crates/web/first-load-budget-kb" >&2
  exit 1
fi
