#!/usr/bin/env bash
# Everything CI runs, in order: tools, formatting, lints, the WASM builds, unit and API tests on
# SQLite and PostgreSQL (with the OpenAPI drift test), the portal build, then the browser tests
# and schemathesis against the real binary.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# Each step's name and wall-clock seconds, printed as a table when the run ends (failed or not).
step_names=()
step_seconds=()
step_started=$SECONDS
step() {
  end_step
  step_names+=("$*")
  step_started=$SECONDS
  printf '\n=== %s ===\n' "$*"
}
end_step() {
  if [ "${#step_seconds[@]}" -lt "${#step_names[@]}" ]; then
    step_seconds+=($((SECONDS - step_started)))
  fi
}
minutes() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }
print_times() {
  end_step
  printf '\n=== time per step (m:ss) ===\n'
  local i
  for i in "${!step_names[@]}"; do
    printf '%7s  %s\n' "$(minutes "${step_seconds[$i]}")" "${step_names[$i]}"
  done
  printf '%7s  total\n' "$(minutes "$SECONDS")"
}

# Every runner's output also goes to this log, to print one total at the end.
log="$(mktemp)"
trap 'status=$?; stop_background; print_times; rm -f "$log" "${portal_log:-}" "${fuzz_log:-}"; exit $status' EXIT
# Stops what still runs in the background (each in a session of its own) when the run ends early.
stop_background() {
  local pid
  for pid in "${portal_pid:-}" "${fuzz_pid:-}"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -- "-$pid" 2>/dev/null || true
    fi
  done
}

step "tools"
scripts/install-tools.sh
scripts/start-postgres.sh
export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

# The portal's release build (one long single-threaded LTO link) runs in the background while
# the lints and the tests build and run, in a target directory of its own so that neither cargo
# waits for the other's lock (the two share no artifacts anyway: another profile and target).
# TEST_ALL_PARALLEL=0 runs it in its place instead.
target_dir="${CARGO_TARGET_DIR:-$root/target}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
portal_log="$(mktemp)"
portal_pid=""
build_portal() {
  CARGO_TARGET_DIR="$target_dir/portal" scripts/build-web.sh
}
if [ "${TEST_ALL_PARALLEL:-1}" != 0 ]; then
  step "portal build started in the background"
  # In a session of its own, so that a failing run stops the whole build (see stop_background).
  setsid bash -c 'started=$SECONDS
    CARGO_TARGET_DIR="$1/portal" scripts/build-web.sh || exit
    echo "==> portal build took $((SECONDS - started)) s"' build-web "$target_dir" \
    >"$portal_log" 2>&1 </dev/null &
  portal_pid=$!
fi

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

# The test build also builds the server binary (target/debug/tessera) that the browser tests
# and schemathesis run: a separate `cargo build -p tessera-api` would compile about a hundred
# crates again, because without the tests' dev-dependencies their features differ.
step "unit and API tests (SQLite and PostgreSQL)"
# The API tests mostly wait (HTTP, the database, the tests' own sleeps): four threads finish
# sooner than one per core on two cores. RUST_TEST_THREADS in the environment wins.
export RUST_TEST_THREADS="${RUST_TEST_THREADS:-4}"
cargo test -p tessera-domain -p tessera-api -p tessera-web --locked 2>&1 | tee -a "$log"

# Schemathesis needs only the server binary, which the test build just made: it fuzzes its own
# server while the portal build finishes and the browser tests run. TEST_ALL_PARALLEL=0 runs
# it after the browser tests instead.
fuzz_log="$(mktemp)"
fuzz_pid=""
if [ "${TEST_ALL_PARALLEL:-1}" != 0 ]; then
  step "schemathesis started in the background"
  setsid e2e/schemathesis.sh >"$fuzz_log" 2>&1 </dev/null &
  fuzz_pid=$!
fi

if [ -n "$portal_pid" ]; then
  step "portal build (waiting for the background build)"
  portal_status=0
  wait "$portal_pid" || portal_status=$?
  portal_pid=""
  cat "$portal_log"
  if [ "$portal_status" -ne 0 ]; then
    echo "the portal build failed (exit $portal_status)" >&2
    exit "$portal_status"
  fi
else
  step "portal build"
  build_portal
fi

step "browser tests against the real binary"
[ -x "$target_dir/debug/tessera" ] || {
  echo "the test build left no $target_dir/debug/tessera" >&2
  exit 1
}
if [ -n "$fuzz_pid" ]; then
  browser_status=0
  E2E_SCHEMATHESIS=0 e2e/run.sh 2>&1 | tee -a "$log" || browser_status=$?

  step "schemathesis (waiting for the background run)"
  fuzz_status=0
  wait "$fuzz_pid" || fuzz_status=$?
  fuzz_pid=""
  tee -a "$log" <"$fuzz_log"
  if [ "$browser_status" -ne 0 ] || [ "$fuzz_status" -ne 0 ]; then
    echo "browser tests: exit $browser_status; schemathesis: exit $fuzz_status" >&2
    exit 1
  fi
else
  e2e/run.sh 2>&1 | tee -a "$log"
fi

# One closing line for the whole run: Rust tests, browser tests and schemathesis cases.
awk '
  /^test result: / { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1) } }
  /^[0-9]+ passed/ && / in [0-9.]+s/ { p += $1; for (i = 1; i <= NF; i++) if ($i ~ /^failed,?$/) f += $(i-1) }
  /[0-9]+ generated, [0-9]+ passed/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed,?$/) p += $(i-1); if ($i ~ /^failed,?$/) f += $(i-1) } }
  END { printf "tessera: %d passed, %d failed\n", p, f }
' "$log"
