#!/usr/bin/env bash
# Builds Tessera and runs it on SQLite (./tessera-demo.db) with a demo organisation, printing the
# URL and the demo sign-in names. Pass extra `tessera` flags after it, e.g. --listen 0.0.0.0:8080.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
scripts/install-tools.sh --run
scripts/build-web.sh
cargo build -p tessera-api
exec "${CARGO_TARGET_DIR:-target}/debug/tessera" --database-url "${DATABASE_URL:-sqlite://tessera-demo.db}" "$@" demo
