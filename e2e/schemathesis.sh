#!/usr/bin/env bash
# Fuzzes the HTTP API against its own OpenAPI document with Schemathesis.
#
# Starts its own server (demo mode, fresh SQLite database in a temporary directory, port chosen
# by the kernel), creates an administrator's API token with the CLI, runs `st run` with a fixed
# seed and a bounded number of examples, and always stops the server. Exits non-zero when
# Schemathesis reports any failure, or when the server does not stop cleanly.
#
# Every operation is tested, `DELETE /api/v1/session` included: a bearer token has no session,
# so signing out cannot end this run's authentication.
#
# Needs: target/debug/tessera (cargo build -p tessera-api) and `st` (pip install -r
# e2e/requirements.txt). Reports go to e2e/.artifacts/schemathesis/.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
case "$target_dir" in /*) ;; *) target_dir="$root/$target_dir" ;; esac
binary="${TESSERA_BIN:-$target_dir/debug/tessera}"
reports="$root/e2e/.artifacts/schemathesis"

summary() { printf '==> schemathesis: %s\n' "$*"; }

if [ ! -x "$binary" ]; then
  summary "FAILED: $binary does not exist; build it with \`cargo build -p tessera-api\`" >&2
  exit 2
fi
command -v st >/dev/null || {
  summary "FAILED: \`st\` not found; pip install -r e2e/requirements.txt" >&2
  exit 2
}

work="$(mktemp -d "${TMPDIR:-/tmp}/tessera-schemathesis.XXXXXX")"
database_url="sqlite://$work/tessera.db"
log="$work/server.log"
server_pid=""

stop_server() {
  # Returns 0 when the server exits with status 0 within 20 s of SIGTERM.
  [ -n "$server_pid" ] || return 0
  local pid="$server_pid" status
  server_pid=""
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 200); do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid"
      status=$?
      if [ "$status" -ne 0 ]; then
        echo "the server exited with status $status after SIGTERM" >&2
        return 1
      fi
      return 0
    fi
    sleep 0.1
  done
  echo "the server did not exit within 20 s of SIGTERM; killing it" >&2
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 1
}

cleanup() {
  stop_server || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

show_log() {
  echo "--- last lines of the server log ($log) ---" >&2
  tail -n 60 "$log" >&2 || true
}

# -- start the server -----------------------------------------------------------------------------
cd "$root"
# Argon2's smallest cost, as in the browser tests (tessera_server.py); the variables win.
export TESSERA_PASSWORD_HASHING__MEMORY_KIB="${TESSERA_PASSWORD_HASHING__MEMORY_KIB:-8}"
export TESSERA_PASSWORD_HASHING__ITERATIONS="${TESSERA_PASSWORD_HASHING__ITERATIONS:-1}"
NO_COLOR=1 "$binary" --listen 127.0.0.1:0 --database-url "$database_url" demo >"$log" 2>&1 &
server_pid=$!

base_url=""
deadline=$((SECONDS + 60))
while [ "$SECONDS" -lt "$deadline" ]; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    summary "FAILED: the server exited before it was ready" >&2
    show_log
    exit 1
  fi
  if [ -z "$base_url" ]; then
    base_url="$(sed -n 's#^.*Tessera is running at \(http://[^/ ]*\)/.*$#\1#p' "$log" | head -n 1)"
  fi
  if [ -n "$base_url" ] && curl -fsS -o /dev/null --max-time 2 "$base_url/readyz" 2>/dev/null; then
    break
  fi
  sleep 0.2
done
if [ -z "$base_url" ] || ! curl -fsS -o /dev/null --max-time 2 "$base_url/readyz"; then
  summary "FAILED: the server was not ready within 60 s" >&2
  show_log
  exit 1
fi
echo "server ready at $base_url (database $database_url)"

# -- an administrator's API token -----------------------------------------------------------------
token="$(NO_COLOR=1 "$binary" --database-url "$database_url" token create --user admin \
  --name schemathesis --days 1 2>"$work/token.err")"
if [ $? -ne 0 ] || [[ "$token" != tsr_* ]]; then
  summary "FAILED: \`tessera token create\` did not print a token" >&2
  cat "$work/token.err" >&2
  exit 1
fi

# -- fuzz -----------------------------------------------------------------------------------------
# Deterministic and bounded: fixed seed, one worker, no example database carried between runs,
# at most 50 examples per operation and phase, a timeout per request; e2e/schemathesis.toml
# turns off the cache that made runs with the same seed differ.
# It runs in the temporary directory, so that nothing it might write lands in the repository.
mkdir -p "$reports"
(cd "$work" && st --config-file "$root/e2e/schemathesis.toml" run "$base_url/api/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection,ignored_auth \
  --seed 1 \
  --max-examples 50 \
  --workers 1 \
  --generation-database none \
  --request-timeout 10 \
  --no-color \
  --report junit,ndjson \
  --report-dir "$reports" \
  "$@")
st_status=$?

if ! stop_server; then
  show_log
  summary "FAILED: the server did not stop cleanly (schemathesis exit status $st_status)"
  exit 1
fi
if [ "$st_status" -ne 0 ]; then
  summary "FAILED (exit status $st_status); reports in ${reports#"$root"/}"
  exit "$st_status"
fi
summary "passed"
