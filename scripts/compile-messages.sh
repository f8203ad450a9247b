#!/usr/bin/env bash
# Compiles the translation catalogs (msgfmt, as Django's compilemessages does) when a .po is newer than its .mo.
set -euo pipefail
cd "$(dirname "$0")/.."
for po in xinyong/locale/*/LC_MESSAGES/*.po; do
  [ -e "$po" ] || continue
  mo=${po%.po}.mo
  if [ ! -e "$mo" ] || [ "$po" -nt "$mo" ]; then
    echo "==> Compiling $po"
    msgfmt --check-format -o "$mo" "$po"
  fi
done
