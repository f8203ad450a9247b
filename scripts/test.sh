#!/usr/bin/env bash
# The whole suite on a throwaway PostgreSQL 15 cluster, then a smoke run on SQLite.
# With arguments (scripts/test.sh tests/records -x), only those pytest arguments run, on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
export XINYONG_ENV=test
export PATH="$PWD/.venv/bin:$PATH"
work=$(mktemp -d /tmp/xinyong-test.XXXXXX)
chmod 755 "$work"
cleanup() { scripts/pg-cluster.sh stop "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT
export XINYONG_KEY_FILE="$work/keys/keyring.json"
export XINYONG_VAR_DIR="$work/var"

echo "==> ruff"
ruff check .

echo "==> Starting PostgreSQL 15 (throwaway cluster)"
port=$(( 54000 + RANDOM % 900 ))
# DATABASE_URL is the application role; XINYONG_MIGRATE_DATABASE_URL the owner role. tests/conftest.py creates
# and migrates the test database as the owner, grants the application its privileges (`xinyong db grant`) and
# runs the suite as the application role (docs/operations/database.md).
eval "$(scripts/pg-cluster.sh start "$work/pg" "$port")"
export XINYONG_PG_SOCKET_DIR="$work/pg"

echo "==> Test suite on PostgreSQL (as the application role)"
pytest -p no:cacheprovider "$@"

[ $# -eq 0 ] || exit 0

echo "==> Smoke run on SQLite"
DATABASE_URL="sqlite:///$work/smoke.sqlite3" XINYONG_MIGRATE_DATABASE_URL="" pytest -p no:cacheprovider -m smoke -q
