#!/usr/bin/env bash
# Starts the action server, then Rasa with the channels in credentials.yml.
# `--shell` talks to the same model and action server in this terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
mkdir -p var logs
model=$(ls -t models/wallet-*.tar.gz | head -1)

.venv/bin/rasa run actions --port "$ACTION_PORT" >logs/actions.log 2>&1 &
actions_pid=$!
trap 'kill $actions_pid 2>/dev/null || true' EXIT
for _ in $(seq 60); do
  curl -sf "http://127.0.0.1:$ACTION_PORT/health" >/dev/null && break
  sleep 1
done

if [ "${1:-}" = "--shell" ]; then
  .venv/bin/rasa shell --model "$model" --endpoints endpoints.yml
  exit 0
fi

cat <<MSG
Starting Rasa on port $RASA_PORT (model $model) ...
  REST:    curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"me","message":"付款失败"}'
  Logs:    logs/actions.log
Stop with Ctrl-C.
MSG
.venv/bin/rasa run --model "$model" --port "$RASA_PORT" --endpoints endpoints.yml \
  --credentials credentials.yml --cors "*" --enable-api
