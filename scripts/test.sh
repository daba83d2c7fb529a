#!/usr/bin/env bash
# Everything `make test` checks, in order: data and training, then pytest
# (units, NLU figures, dialogue stories and real-server conversations).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p results logs
export PYTHONPATH=$PWD PYTHONWARNINGS=ignore RASA_TELEMETRY_ENABLED=false
# Every server process imports the project's modules: compile them once.
unset PYTHONDONTWRITEBYTECODE
# The test run loads several Rasa servers at once (tests/stacks.py); on a
# loaded 2-core machine each load then takes longer than alone. A server that
# fails exits, and that is seen at once; this only bounds a slow load.
export WALLET_START_SECONDS=${WALLET_START_SECONDS:-1800}

scripts/install_test_deps.sh   # Chromium, CJK font, PostgreSQL, Redis, nginx

echo "== [$(date +%T)] ruff"
.venv/bin/ruff check --quiet . || { echo "ruff found problems"; exit 1; }
echo "ruff: clean"

echo "== [$(date +%T)] train (skipped when data and config are unchanged)"
# `rasa data validate` runs inside pytest (tests/test_data_validation.py),
# where Rasa is loaded anyway: each separate Rasa process costs minutes of
# imports on a loaded 2-core machine.
scripts/train_if_changed.sh >logs/train.log 2>&1 || { tail -50 logs/train.log; exit 1; }
tail -1 logs/train.log

echo "== [$(date +%T)] pytest: units, NLU figures, dialogue stories, real servers"
# The NLU figures on both held-out files and tests/test_stories.yml run inside
# pytest on one in-process model while the servers load (tests/stacks.py);
# the figures are printed at the end. The slowest tests are listed so a slow
# CI run shows where its time went.
.venv/bin/python -m pytest --durations=15 "$@"
echo "== [$(date +%T)] done"
