#!/usr/bin/env bash
# Stops what run_scaled.sh started (and PostgreSQL/Redis unless --keep-services).
set -uo pipefail
cd "$(dirname "$0")/.."
export WALLET_SCALED_DIR=$(realpath -m "${WALLET_SCALED_DIR:-var/scaled}")
PIDS="$WALLET_SCALED_DIR/pids"
if [ -f "$PIDS" ]; then
  while read -r name pid; do
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null && echo "stopped $name ($pid)"
  done < "$PIDS"
  sleep 1
  while read -r name pid; do [ -n "${pid:-}" ] && kill -9 "$pid" 2>/dev/null; done < "$PIDS"
  rm -f "$PIDS"
fi
[ "${1:-}" = "--keep-services" ] || scripts/scaled_services.sh stop
exit 0
