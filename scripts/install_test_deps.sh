#!/usr/bin/env bash
# System packages the tests drive: Debian's Chromium (the browser tests use it
# headless; no browser download), a CJK font so screenshots show Chinese, and
# the scaled mode's PostgreSQL, Redis and nginx.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "WenQuanYi\|wqy" || missing+=(fonts-wqy-microhei)
# shellcheck disable=SC2207
missing+=($("$(dirname "$0")/install_scaled_deps.sh" --missing))
exec "$(dirname "$0")/apt_install.sh" "${missing[@]}"
