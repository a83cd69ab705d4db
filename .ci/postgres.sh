#!/usr/bin/env bash
# Installs (if missing) and starts a local PostgreSQL server for the storage tests, creates the
# role and database `kitt_test` (password auth on 127.0.0.1), and prints the URL to use as
# KITT_TEST_PG_URL. Safe to run again. Debian, as root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
# Only the URL goes to stdout (callers capture it); every tool's chatter goes to stderr. The
# server must not inherit the captured stdout (kept as fd 3): a daemon holding the pipe open
# would leave the caller's $(...) waiting for ever. So fd 3 is closed for all the setup.
exec 3>&1 1>&2
{
  if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >/dev/null
  fi
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)

  cluster_field() { pg_lsclusters -h | awk -v v="$version" -v f="$1" '$1 == v && $2 == "main" { print $f }'; }
  [ -n "$(cluster_field 1)" ] || pg_createcluster "$version" main >&2
  [ "$(cluster_field 4)" = "online" ] || pg_ctlcluster "$version" main start
  port=$(cluster_field 3)

  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 1; done
  pg_isready -q -h 127.0.0.1 -p "$port" || { echo "PostgreSQL $version did not start on port $port" >&2; exit 1; }

  as_postgres() { runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -p "$port" "$@"; }
  # CREATEDB: the tests create a fresh database per test file.
  if [ "$(as_postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'kitt'")" != "1" ]; then
    as_postgres -c "CREATE ROLE kitt LOGIN CREATEDB PASSWORD 'kitt'"
  fi
  if [ "$(as_postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'kitt_test'")" != "1" ]; then
    as_postgres -c "CREATE DATABASE kitt_test OWNER kitt"
  fi
} 3>&-

echo "postgres://kitt:kitt@127.0.0.1:${port}/kitt_test" >&3
