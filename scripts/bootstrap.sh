#!/usr/bin/env bash
# Builds .venv with Python 3.10 and installs the pinned requirements.
# Re-runs only when a requirements file changed (stamp holds their hash).
set -euo pipefail
cd "$(dirname "$0")/.."

# The chat widget's browser dependencies come from the npm registry (no CDN).
web_stamp="web/node_modules/.installed-$(sha256sum web/package-lock.json | cut -c1-16)"
if [ ! -f "$web_stamp" ]; then
  command -v npm >/dev/null || { echo "npm is needed for the chat widget assets (apt-get install npm)"; exit 1; }
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
  touch "$web_stamp"
fi
want_dev=${1:-}
files="requirements.txt"
[ "$want_dev" = "dev" ] && files="requirements.txt requirements-dev.txt"
stamp=".venv/.installed-$(cat $files | sha256sum | cut -c1-16)"
[ -f "$stamp" ] && exit 0

if [ ! -x .venv/bin/python ]; then
  py=$(scripts/find_python.sh)
  echo "Creating .venv with $py"
  "$py" -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check --upgrade pip 'setuptools<70' wheel
for f in $files; do .venv/bin/pip install -q --disable-pip-version-check -r "$f"; done
touch "$stamp"
