#!/usr/bin/env bash
# System packages the tests drive: Debian's Chromium (the browser tests use it
# headless; no browser download) and a CJK font so screenshots show Chinese.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "WenQuanYi\|wqy" || missing+=(fonts-wqy-microhei)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Please install: ${missing[*]} (apt-get install ${missing[*]})"; exit 1
fi
echo "Installing ${missing[*]} from Debian ..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
