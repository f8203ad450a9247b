#!/usr/bin/env bash
# Benchmarks on a throwaway PostgreSQL 15 cluster: `scripts/bench.sh [NAME ...]`.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
work=$(mktemp -d /tmp/xinyong-bench.XXXXXX)
chmod 755 "$work"
cleanup() { scripts/pg-cluster.sh stop "$work/pg"; rm -rf "$work"; }
trap cleanup EXIT
export XINYONG_KEY_FILE="$work/keys/keyring.json"
export XINYONG_VAR_DIR="$work/var"
# Benchmarks measure production behaviour: no DEBUG query recording.
export XINYONG_DEBUG=off
xinyong keys init >/dev/null
port=$(( 54000 + RANDOM % 900 ))
eval "$(scripts/pg-cluster.sh start "$work/pg" "$port")"
echo "==> Migrating the benchmark database (as the owner role; the benchmarks run as the application role)"
xinyong db migrate --noinput -v 0
# The audit benchmark compares with a scratch table of its own, which the application role may not create in
# production; the throwaway cluster lets it.
/usr/lib/postgresql/15/bin/psql -q "$XINYONG_MIGRATE_DATABASE_URL" -c "GRANT CREATE ON SCHEMA public TO xinyong_app"
unset XINYONG_MIGRATE_DATABASE_URL
python -m bench "$@"
