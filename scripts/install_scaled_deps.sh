#!/usr/bin/env bash
# PostgreSQL, Redis and nginx from Debian's packages, for the scaled mode and
# its tests. Only the programs: nothing is started as a system service.
# `--missing` only prints what is not installed (install_test_deps.sh adds
# it to its own list, so that `make test` runs apt-get once).
set -euo pipefail
missing=()
[ -x /usr/lib/postgresql/15/bin/postgres ] || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ "${1:-}" = "--missing" ]; then echo "${missing[*]}"; exit 0; fi
exec "$(dirname "$0")/apt_install.sh" "${missing[@]}"
