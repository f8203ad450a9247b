#!/usr/bin/env bash
# Serves the demo platform on http://127.0.0.1:8000 with the embedded SQLite database under var/.
# Called by `make run` once the virtualenv and the translations are ready. The first run creates the keyring,
# the database and the demo data; every run prints the staff logins generated on the first one.
set -euo pipefail
cd "$(dirname "$0")/.."
xinyong=.venv/bin/xinyong
var_dir=${XINYONG_VAR_DIR:-var}
logins_file="$var_dir/demo-logins.txt"
mkdir -p "$var_dir"

# Keys live outside the database (security req. 19). Never overwrite an existing keyring: losing its keys
# makes every stored identifier unreadable. A keyring given as JSON in XINYONG_KEYRING needs no file.
key_file=${XINYONG_KEY_FILE:-var/keys/keyring.json}
if [ -z "${XINYONG_KEYRING:-}" ] && [ ! -e "$key_file" ]; then
  echo "==> Creating the keyring ($key_file)"
  XINYONG_KEY_FILE="$key_file" "$xinyong" keys init
fi

echo "==> Migrating the database"
"$xinyong" migrate --noinput -v 0

echo "==> Collecting static files"
"$xinyong" collectstatic --noinput -v 0

if [ ! -e "$logins_file" ]; then
  echo "==> Loading demo data (first run)"
  "$xinyong" demo --subjects "${XINYONG_DEMO_SUBJECTS:-5000}" --logins-file "$logins_file"
else
  echo
  echo "==> Logins (generated on the first run; staff enroll an authenticator app at their first login)"
  cat "$logins_file"
fi
echo

# Large submissions are processed in the background, as in production: a worker beside the web server.
export XINYONG_TASK_BACKEND=${XINYONG_TASK_BACKEND:-database}
if [ "$XINYONG_TASK_BACKEND" = database ]; then
  echo "==> Starting the background worker"
  "$xinyong" db_worker --interval 1 --no-reload -v 0 &
  worker=$!
  trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM
fi

# The daily jobs (list expiry, deadlines of measure, objection and repair cases) and notification delivery:
# the scheduler beside the web server (docs/operations/scheduled-jobs.md).
echo "==> Starting the scheduler (daily jobs after ${XINYONG_DAILY_JOBS_AT:-00:30}, notifications every minute)"
"$xinyong" scheduler -v 0 &
scheduler=$!
trap 'kill "$scheduler" ${worker:-} 2>/dev/null || true' EXIT INT TERM

echo "==> Serving on http://127.0.0.1:8000/ (Ctrl-C to stop)"
"$xinyong" runserver 127.0.0.1:8000 --noreload
