# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
RASA_PORT ?= 5005
ACTION_PORT ?= 5055

.PHONY: run shell train test eval bench bench-repeat env env-dev validate clean

env:
	@scripts/bootstrap.sh

env-dev:
	@scripts/bootstrap.sh dev

train: env
	@scripts/train_if_changed.sh

## Start the action server and Rasa (REST + widget + WeChat), print where to chat.
run: train
	@scripts/run.sh

## Same servers, then talk to the bot in this terminal.
shell: train
	@scripts/run.sh --shell

validate: env
	$(BIN)/rasa data validate --domain domain --fail-on-warnings

test: env-dev
	@scripts/test.sh

## NLU quality: this pipeline vs Rasa's stock Chinese pipeline vs keywords (docs/benchmarks.md).
eval: env-dev
	PYTHONPATH=. PYTHONWARNINGS=ignore RASA_TELEMETRY_ENABLED=false $(BIN)/python bench/eval_nlu.py

## Load, memory, long conversations and training time (docs/benchmarks.md).
bench: env-dev train
	PYTHONPATH=. PYTHONWARNINGS=ignore RASA_TELEMETRY_ENABLED=false $(BIN)/python bench/run_bench.py

## The headline load figures three times on one server, to show their spread.
bench-repeat: env-dev train
	PYTHONPATH=. PYTHONWARNINGS=ignore RASA_TELEMETRY_ENABLED=false $(BIN)/python bench/repeat_runs.py

clean:
	rm -rf models results .rasa
