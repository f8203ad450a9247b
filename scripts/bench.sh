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
export DATABASE_URL=$(scripts/pg-cluster.sh start "$work/pg" "$port")
echo "==> Migrating the benchmark database"
xinyong migrate --noinput -v 0
python -m bench "$@"
