#!/usr/bin/env bash
# Everything CI runs, in order: tools, formatting, lints, the WASM builds, unit and API tests on
# SQLite and PostgreSQL (with the OpenAPI drift test), the portal build, then the browser tests
# and schemathesis against the real binary.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
step() { printf '\n=== %s ===\n' "$*"; }

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
cargo test -p tessera-domain -p tessera-api -p tessera-web --locked

step "portal build"
scripts/build-web.sh

step "browser tests and schemathesis against the real binary"
cargo build -p tessera-api --locked
e2e/run.sh
