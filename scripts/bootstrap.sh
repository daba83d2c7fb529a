#!/usr/bin/env bash
# Builds .venv with Python 3.10 and installs the pinned requirements.
# Re-runs only when a requirements file changed (stamp holds their hash).
set -euo pipefail
cd "$(dirname "$0")/.."
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
