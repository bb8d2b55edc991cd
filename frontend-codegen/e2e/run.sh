#!/usr/bin/env bash
# End-to-end test of the dashboard app and GraphiQL against a real `pulso serve`:
# builds the server and the frontend, starts the server on a fresh SQLite database with a
# small synthetic source (its first start loads it: the scheduler finds every table due), mints an admin token, and runs
# e2e/dashboard.mjs in headless Chromium. Run from anywhere; CI calls it from the repo root:
#
#   bash frontend-codegen/e2e/run.sh
#
# Needs: cargo, node ≥ 20.19 with npm, curl, and Debian's chromium (/usr/bin/chromium, or set
# PULSO_E2E_CHROMIUM; installed with apt-get when missing and running as root). Env: PULSO_E2E_PORT (default 18080); PULSO_E2E_KEEP=1 keeps the temp
# dir (database and server log). Screenshots and the server log go to target/e2e/.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
frontend="$repo/frontend-codegen"
port=${PULSO_E2E_PORT:-18080}
out="$repo/target/e2e"
bin="$repo/target/debug/pulso"
mkdir -p "$out"
rm -f "$out"/dashboard.png "$out"/graphiql.png "$out"/failure.png "$out"/server.log

step() { printf '\n== %s\n' "$*"; }

step "chromium"
chromium_bin=${PULSO_E2E_CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $chromium_bin ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "no Chromium at $chromium_bin: apt-get install chromium, or set PULSO_E2E_CHROMIUM" >&2
    exit 1
  fi
fi
"$chromium_bin" --version 2>/dev/null | grep -v '^\s*$' || true

step "server binary"
(cd "$repo" && cargo build --bin pulso)

step "frontend build"
if [[ ! -d "$frontend/node_modules" ]]; then
  (cd "$frontend" && npm ci --no-audit --no-fund)
fi
(cd "$frontend" && npm run build)

# The server runs in a temp dir, so it reads no pulso.toml or .env of the repo.
work=$(mktemp -d "${TMPDIR:-/tmp}/pulso-e2e.XXXXXX")
server_pid=""
cleanup() {
  local status=$?
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ -f "$work/server.log" ]]; then
    cp "$work/server.log" "$out/server.log"
    if [[ $status -ne 0 ]]; then
      echo "-- last lines of the server log ($out/server.log):"
      tail -n 40 "$work/server.log"
    fi
  fi
  if [[ ${PULSO_E2E_KEEP:-0} == 1 ]]; then
    echo "kept $work"
  else
    rm -rf "$work"
  fi
  exit "$status"
}
trap cleanup EXIT INT TERM

export DATABASE_URL="sqlite://$work/e2e.db?mode=rwc"
export PULSO_SERVER__APP_DIR="$frontend/dist"
# A small synthetic source, so the first load and a refresh take seconds.
export PULSO_SOURCE__KIND=synthetic
export PULSO_SOURCE__SYNTHETIC__ACCOUNTS_PER_MONTH=${PULSO_E2E_ACCOUNTS_PER_MONTH:-400}
export PULSO_SOURCE__SYNTHETIC__MONTHS=${PULSO_E2E_MONTHS:-3}
export PULSO_LOG__FORMAT=pretty
cd "$work"

step "admin token"
# The token command migrates the database and creates the signing secret the server then uses.
token=$("$bin" --database-url "$DATABASE_URL" token --role admin --ttl 1h | tail -n 1)
[[ $token == *.*.* ]] || { echo "pulso token printed no JWT: $token" >&2; exit 1; }

step "pulso serve on 127.0.0.1:$port"
"$bin" --database-url "$DATABASE_URL" serve --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server_pid=$!
for i in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then
    echo "up after ~$((i / 2)) s"
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "pulso serve exited before /health answered" >&2
    exit 1
  fi
  if [[ $i -eq 120 ]]; then
    echo "pulso serve did not answer /health within 60 s" >&2
    exit 1
  fi
  sleep 0.5
done

step "browser test"
PULSO_E2E_URL="http://127.0.0.1:$port" PULSO_E2E_TOKEN="$token" PULSO_E2E_OUT="$out" \
  PULSO_E2E_CHROMIUM="$chromium_bin" \
  node "$frontend/e2e/dashboard.mjs"
