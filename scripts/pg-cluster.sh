#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the test suite and benchmarks, with the platform's two roles
# (docs/operations/database.md): `xinyong_owner` owns the database and its tables and runs migrations;
# `xinyong_app` is the application, with only the privileges `xinyong db grant` gives it.
#   eval "$(scripts/pg-cluster.sh start DIR PORT)"   -> exports DATABASE_URL (application role) and
#                                                       XINYONG_MIGRATE_DATABASE_URL (owner role)
#   scripts/pg-cluster.sh stop DIR
# PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` system user.
set -euo pipefail
action=$1; dir=$2; port=${3:-54329}
bin=/usr/lib/postgresql/15/bin
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$action" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
    # Durability is pointless for a throwaway test cluster; speed is not.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
      "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60" \
      start >/dev/null
    # Neither role is a superuser. The owner may create databases because the test runner creates its own
    # test database (as the owner) next to this one; the application role may not.
    as_owner "$bin/psql" -q -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
      -c "CREATE ROLE xinyong_owner LOGIN CREATEDB PASSWORD 'xinyong_owner'" \
      -c "CREATE ROLE xinyong_app LOGIN PASSWORD 'xinyong_app'" \
      -c "CREATE DATABASE xinyong OWNER xinyong_owner" >/dev/null
    echo "export DATABASE_URL=postgres://xinyong_app:xinyong_app@127.0.0.1:$port/xinyong"
    echo "export XINYONG_MIGRATE_DATABASE_URL=postgres://xinyong_owner:xinyong_owner@127.0.0.1:$port/xinyong"
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac
