#!/usr/bin/env bash
# Runs every black-box test: the browser and server tests (pytest), then the API fuzzing
# (schemathesis.sh). Both always run (unless E2E_SCHEMATHESIS=0); the exit status is non-zero
# when either fails.
#
# Needs target/debug/tessera (cargo build -p tessera-api), the built portal in crates/web/dist
# (scripts/build-web.sh) and the Python packages of e2e/requirements.txt. Works from any
# directory. Extra arguments go to pytest, e.g. `e2e/run.sh -k sign_in`.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

echo "==> pytest e2e"
python3 -m pytest -q "$root/e2e" "$@"
pytest_status=$?

# E2E_SCHEMATHESIS=0 leaves the fuzzing out, for a caller that runs it on its own
# (scripts/test-all.sh runs it beside the portal build and the browser tests).
schemathesis_status=0
if [ "${E2E_SCHEMATHESIS:-1}" != 0 ]; then
  echo "==> e2e/schemathesis.sh"
  "$root/e2e/schemathesis.sh"
  schemathesis_status=$?
fi

word() { if [ "$1" -eq 0 ]; then echo passed; else echo "FAILED (exit $1)"; fi; }
if [ "${E2E_SCHEMATHESIS:-1}" != 0 ]; then
  echo "==> e2e summary: pytest $(word "$pytest_status"), schemathesis $(word "$schemathesis_status")"
else
  echo "==> e2e summary: pytest $(word "$pytest_status"), schemathesis left to the caller"
fi
[ "$pytest_status" -eq 0 ] && [ "$schemathesis_status" -eq 0 ]
