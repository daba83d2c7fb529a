#!/usr/bin/env bash
# Installs the named Debian packages (none: nothing to do) without letting
# them start system services.
set -euo pipefail
[ $# -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Please install: $* (apt-get install $*)"; exit 1
fi
echo "[$(date +%T)] installing $* from Debian ..."
apt-get update -qq
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
echo "[$(date +%T)] installed $*"
