# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
RASA_PORT ?= 5005
ACTION_PORT ?= 5055


.PHONY: run run-scaled stop-scaled shell train test eval bench bench-repeat bench-scaled env env-dev validate clean purge forget export agent-add

env:
	@scripts/bootstrap.sh

env-dev:
	@scripts/bootstrap.sh dev

train: env
	@scripts/train_if_changed.sh

## Start the action server and Rasa (REST + widget + WeChat), print where to chat.
run: train
	@scripts/run.sh

## Several Rasa servers on PostgreSQL + Redis behind nginx (SERVERS=2, PORT=8080); returns when all answer.
run-scaled: train
	@scripts/run_scaled.sh

## Stop what run-scaled started.
stop-scaled:
	@scripts/stop_scaled.sh

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

## One server on SQLite against the scaled mode (SERVERS=2) under the same load (docs/scaling.md).
bench-scaled: env-dev train
	PYTHONPATH=. PYTHONWARNINGS=ignore RASA_TELEMETRY_ENABLED=false $(BIN)/python bench/scaled_bench.py

## The headline load figures three times on one server, to show their spread.
bench-repeat: env-dev train
	PYTHONPATH=. PYTHONWARNINGS=ignore RASA_TELEMETRY_ENABLED=false $(BIN)/python bench/repeat_runs.py

## Delete conversations and tickets older than WALLET_RETENTION_DAYS (default 180); also done at start.
purge: env
	@PYTHONPATH=. PYTHONWARNINGS=ignore $(BIN)/python scripts/data_retention.py purge

## Export, then delete, everything kept about one conversation id: make forget SENDER=web-abc...
forget: env
	@PYTHONPATH=. PYTHONWARNINGS=ignore $(BIN)/python scripts/data_retention.py forget "$(SENDER)"

## Print everything kept about one conversation id as JSON: make export SENDER=...
export: env
	@PYTHONPATH=. PYTHONWARNINGS=ignore $(BIN)/python scripts/data_retention.py export "$(SENDER)"

## Create or reset an agent console account: make agent-add NAME=li [ROLE=supervisor] [DISPLAY=小李]
agent-add: env
	@PYTHONPATH=. PYTHONWARNINGS=ignore $(BIN)/python scripts/agent_add.py "$(NAME)" --role "$(or $(ROLE),agent)" \
	  $(if $(DISPLAY),--display-name "$(DISPLAY)")

clean:
	rm -rf models results .rasa
