#!/usr/bin/env bash
# Everything CI runs, in order: tools, formatting, lints, the WASM builds, unit and API tests on
# SQLite and PostgreSQL (with the OpenAPI drift test), the portal build, then the browser tests
# and schemathesis against the real binary.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
step() { printf '\n=== %s ===\n' "$*"; }

# Every runner's output also goes to this log, to print one total at the end.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

step "tools"
scripts/install-tools.sh
scripts/start-postgres.sh
export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

step "format"
cargo fmt --all -- --check

step "lint (native)"
cargo clippy -p tessera-domain -p tessera-api -p tessera-web --all-targets --locked -- -D warnings

step "lint (wasm32)"
cargo clippy -p tessera-web -p tessera-domain --target wasm32-unknown-unknown --locked -- -D warnings

step "tessera-domain builds for wasm32 without server dependencies"
cargo build -p tessera-domain --target wasm32-unknown-unknown --locked
forbidden="$(cargo tree -p tessera-domain --target wasm32-unknown-unknown -e normal --prefix none \
  | grep -E '^(sqlx|actix|utoipa|tokio|mio|hyper|reqwest)[-_ ]' | sort -u || true)"
if [ -n "$forbidden" ]; then
  echo "tessera-domain pulls server crates into wasm32: $forbidden" >&2
  exit 1
fi

step "unit and API tests (SQLite and PostgreSQL)"
cargo test -p tessera-domain -p tessera-api -p tessera-web --locked 2>&1 | tee -a "$log"

step "portal build"
scripts/build-web.sh

step "browser tests and schemathesis against the real binary"
cargo build -p tessera-api --locked
e2e/run.sh 2>&1 | tee -a "$log"

# One closing line for the whole run: Rust tests, browser tests and schemathesis cases.
awk '
  /^test result: / { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1) } }
  /^[0-9]+ passed/ && / in [0-9.]+s/ { p += $1; for (i = 1; i <= NF; i++) if ($i ~ /^failed,?$/) f += $(i-1) }
  /[0-9]+ generated, [0-9]+ passed/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed,?$/) p += $(i-1); if ($i ~ /^failed,?$/) f += $(i-1) } }
  END { printf "tessera: %d passed, %d failed\n", p, f }
' "$log"
