#!/usr/bin/env bash
# The request benchmark: seeds SQLite and PostgreSQL with 50,000 people, 20,000 access packages
# and 300,000 assignments, then measures search, lists, submit and approve against a bare
# baseline and each database's raw commit rate; every write measurement runs while 8 other
# people read, to show whether writes make reads wait. Builds in release; the tables are printed and
# written to target/bench/requests.md. Sizes: TESSERA_BENCH_* (see crates/api/benches/requests.rs),
# e.g. a quick smoke run:
#   TESSERA_BENCH_USERS=2000 TESSERA_BENCH_PACKAGES=1000 TESSERA_BENCH_ASSIGNMENTS=10000 \
#   TESSERA_BENCH_READ_OPS=200 TESSERA_BENCH_WRITE_OPS=50 scripts/bench.sh
# `scripts/bench.sh reviews` runs the access review benchmark instead: starting an instance of
# 10,000 items on both databases (target/bench/reviews.md). `scripts/bench.sh signin` measures
# the server's memory (RSS) under bursts of 100 concurrent sign-ins (target/bench/signin.md).
# `scripts/bench.sh scim` times an initial SCIM sync of 10,000 users, 500 groups and 50,000
# memberships against the same directory imported from CSV, on both databases
# (target/bench/scim.md). `scripts/bench.sh search` measures searching packages, people and
# groups as people type, at 20,000 packages and 50,000 people, against `GET /me` in the same
# run, on both databases (target/bench/search.md). `scripts/bench.sh footprint` starts the
# release binary on an empty and
# on a full database (the request benchmark's seeding, same TESSERA_BENCH_* sizes) of both
# databases and prints its cold start and RSS, idle and after a burst of requests
# (target/bench/footprint.md). `scripts/bench.sh ldap` starts its own slapd and times the
# provisioning worker pushing 10,000 membership changes to it, against the same changes applied
# with `ldapmodify` in the same run, on both databases (target/bench/ldap.md; smaller:
# TESSERA_BENCH_LDAP_CHANGES=1000). `scripts/bench.sh lighthouse` builds the portal and the release
# server and runs Lighthouse (npm, pinned in bench/lighthouse) with Debian's Chromium on the
# sign-in page and the Overview, desktop and mobile (target/bench/lighthouse.md).
set -euo pipefail

bench="${1:-requests}"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [ "$bench" = signin ]; then
  # SQLite only: the figure is the server's own memory.
  exec cargo bench -p tessera-api --bench signin
fi

if [ "$bench" = lighthouse ]; then
  # SQLite only: the figures are the browser's.
  scripts/install-tools.sh
  scripts/build-web.sh
  cargo build --release -p tessera-api --locked
  if [ ! -x bench/lighthouse/node_modules/.bin/lighthouse ]; then
    (cd bench/lighthouse && npm ci --silent --no-audit --no-fund)
  fi
  TESSERA_BIN="${CARGO_TARGET_DIR:-target}/release/tessera" exec python3 bench/lighthouse/bench.py
fi

case ",${TESSERA_BENCH_BACKENDS:-sqlite,postgres}," in
  *,postgres,* | *,postgresql,*)
    # Only the local server is ours to start; a TEST_POSTGRES_URL elsewhere must be up already.
    if [ -z "${TEST_POSTGRES_URL:-}" ]; then
      scripts/start-postgres.sh
    fi
    ;;
esac
export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

cargo bench -p tessera-api --bench "$bench"
