#!/usr/bin/env bash
# Builds the Python 3.10 environment and installs the pinned requirements.
# Re-runs only when a requirements file changed (stamp holds their hash).
#
# Rasa and TensorFlow are about 3 GB installed; on a slow 2-core machine
# that is most of an hour. So the environment is built once per Python
# version and runtime requirements in a cache outside the checkout
# (WALLET_CACHE, default ~/.cache/wallet-support) and .venv links to it:
# a second clone of the same commit starts at once. WALLET_CACHE=off
# builds .venv inside the checkout instead; an existing .venv directory
# is always used as it is.
set -euo pipefail
cd "$(dirname "$0")/.."

want_dev=${1:-}
files="requirements.txt"
[ "$want_dev" = "dev" ] && files="requirements.txt requirements-dev.txt"
hash_of() { cat "$@" | sha256sum | cut -c1-16; }

if [ -d .venv ] && [ ! -L .venv ]; then
  venv=.venv
else
  py=$(scripts/find_python.sh)
  cache=$(scripts/cache_dir.sh)
  if [ "$cache" = off ]; then
    venv=.venv
  else
    version=$("$py" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
    venv="$cache/venv-py$version-$(hash_of requirements.txt)"
    mkdir -p "$cache"
    ln -sfn "$venv" .venv
  fi
fi

stamp="$venv/.installed-$(hash_of $files)"
[ -f "$stamp" ] && exit 0

# Two checkouts building the same cached environment wait for each other.
exec 9>"$venv.lock"
flock 9
[ -f "$stamp" ] && exit 0

if [ ! -x "$venv/bin/python" ]; then
  py=${py:-$(scripts/find_python.sh)}
  echo "[$(date +%T)] creating $venv with $py"
  rm -rf "$venv"
  "$py" -m venv "$venv"
fi
echo "[$(date +%T)] installing Python packages ($files) into $venv; Rasa and TensorFlow are about 3 GB"
"$venv/bin/pip" install -q --disable-pip-version-check --upgrade pip 'setuptools<70' wheel
# One resolve for all files, so the dev tools cannot move a runtime pin.
"$venv/bin/pip" install -q --disable-pip-version-check --prefer-binary $(printf -- '-r %s ' $files)
echo "[$(date +%T)] Python packages installed"
touch "$stamp"
