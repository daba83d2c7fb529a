#!/usr/bin/env bash
# Starts the action server, then Rasa with the channels in credentials.yml,
# and prints where to chat once both answer. `--shell` talks to the same
# model and action server in this terminal instead.
set -euo pipefail
cd "$(dirname "$0")/.."
# Rasa reports usage to an outside service unless told not to; nothing leaves this machine.
export PYTHONWARNINGS=ignore PYTHONPATH=$PWD RASA_TELEMETRY_ENABLED=false
RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
mkdir -p var logs
model=$(ls -t models/wallet-*.tar.gz | head -1)

wait_up() {  # url pid name
  for _ in $(seq 180); do
    curl -sf "$1" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { echo "$3 failed to start, see logs/"; exit 1; }
    sleep 1
  done
  echo "$3 did not start within 3 minutes, see logs/"; exit 1
}

.venv/bin/rasa run actions --port "$ACTION_PORT" >logs/actions.log 2>&1 &
pids=$!
trap 'kill $pids 2>/dev/null || true' EXIT INT TERM
wait_up "http://127.0.0.1:$ACTION_PORT/health" "$pids" "The action server"

if [ "${1:-}" = "--shell" ]; then
  .venv/bin/rasa shell --model "$model" --endpoints endpoints.yml
  exit 0
fi

echo "Starting Rasa (model $model) ..."
.venv/bin/rasa run --model "$model" --port "$RASA_PORT" --endpoints endpoints.yml \
  --credentials credentials.yml --cors "*" --enable-api >logs/rasa.log 2>&1 &
rasa_pid=$!
pids="$pids $rasa_pid"
wait_up "http://127.0.0.1:$RASA_PORT/" "$rasa_pid" "Rasa"

cat <<MSG

The assistant is running.
  Chat page:  http://localhost:$RASA_PORT/webhooks/socketio/chat   (open in a browser or the app's webview)
  Embed:      <script src="http://localhost:$RASA_PORT/webhooks/socketio/embed.js"></script>
  WeChat:     http://localhost:$RASA_PORT/webhooks/wechat/   (server URL for the official account$( [ -z "${WECHAT_TOKEN:-}" ] && echo "; set WECHAT_TOKEN first"))
  REST:       curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"me","message":"付款失败"}'
  Logs:       logs/rasa.log, logs/actions.log
  Tickets:    var/support.db (tickets, ratings, feedback)
Stop with Ctrl-C.
MSG
wait $rasa_pid
