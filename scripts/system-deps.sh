#!/usr/bin/env bash
# Installs the Debian packages the platform needs, when they are missing (apt-get needs root).
# Profile "run": gettext for translations. Profile "test": also PostgreSQL 15, Chromium, CJK fonts.
set -euo pipefail
profile=${1:-run}
need=()
command -v msgfmt >/dev/null || need+=(gettext)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
# PDF credit reports: WeasyPrint needs Pango, embedded CJK fonts, and HarfBuzz's subsetter (without it a
# page takes seconds).
# (Captured first, not piped into `grep -q`: with pipefail, grep's early exit would fail the pipe.)
libraries=$(ldconfig -p)
fonts=$(fc-list : family 2>/dev/null || true)
grep -q 'libpango-1.0.so' <<<"$libraries" || need+=(libpango-1.0-0 libpangoft2-1.0-0)
grep -q 'libharfbuzz-subset.so' <<<"$libraries" || need+=(libharfbuzz-subset0)
grep -qi 'Noto Sans CJK' <<<"$fonts" || need+=(fonts-noto-cjk fontconfig)
if [ "$profile" = test ]; then
  [ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
  command -v chromium >/dev/null || need+=(chromium)
fi
[ ${#need[@]} -eq 0 ] && exit 0
echo "==> Debian packages: ${need[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${need[*]}. Install them (sudo apt-get install ${need[*]}) and re-run." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
