#!/usr/bin/env bash
# Starts the action server, Rasa (REST + widget + WeChat + its HTTP API,
# behind a token) and the agent console, and prints where to chat once all
# answer. `--shell` talks to the same model and action server in this
# terminal instead.
set -euo pipefail
cd "$(dirname "$0")/.."
# Rasa reports usage to an outside service unless told not to; nothing leaves this machine.
export PYTHONWARNINGS=ignore PYTHONPATH=$PWD RASA_TELEMETRY_ENABLED=false
RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
DESK_PORT=${DESK_PORT:-5006}
mkdir -p var logs
source scripts/secrets.sh
export WALLET_ACTION_URL=${WALLET_ACTION_URL:-http://127.0.0.1:$ACTION_PORT/webhook}
export WALLET_TRACKER_DB=${WALLET_TRACKER_DB:-var/conversations.db}
export WALLET_RASA_URL=${WALLET_RASA_URL:-http://127.0.0.1:$RASA_PORT}
model=$(ls -t models/wallet-*.tar.gz | head -1)
scripts/rotate_logs.sh logs/actions.log logs/rasa.log logs/desk.log

# Old conversations and tickets go first (WALLET_RETENTION_DAYS, default 180).
.venv/bin/python scripts/data_retention.py purge >>logs/desk.log 2>&1 || echo "Purging old data failed, see logs/desk.log"

wait_up() {  # url pid name
  for _ in $(seq 180); do
    curl -sf "$1" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { echo "$3 failed to start, see logs/"; exit 1; }
    sleep 1
  done
  echo "$3 did not start within 3 minutes, see logs/"; exit 1
}

.venv/bin/python -m actions.server --port "$ACTION_PORT" >>logs/actions.log 2>&1 &
pids=$!
trap 'kill $pids 2>/dev/null || true' EXIT INT TERM
wait_up "http://127.0.0.1:$ACTION_PORT/health" "$pids" "The action server"

if [ "${1:-}" = "--shell" ]; then
  .venv/bin/python scripts/serve_rasa.py shell --model "$model" --endpoints endpoints.yml
  exit 0
fi

cors=()
[ -n "${WALLET_ALLOWED_ORIGINS:-}" ] && cors=(--cors ${WALLET_ALLOWED_ORIGINS//,/ })
echo "Starting Rasa (model $model) ..."
.venv/bin/python scripts/serve_rasa.py --model "$model" --port "$RASA_PORT" --endpoints endpoints.yml \
  --credentials credentials.yml --enable-api "${cors[@]}" >>logs/rasa.log 2>&1 &
rasa_pid=$!
pids="$pids $rasa_pid"
wait_up "http://127.0.0.1:$RASA_PORT/" "$rasa_pid" "Rasa"

.venv/bin/python -m desk.server --port "$DESK_PORT" >>logs/desk.log 2>&1 &
pids="$pids $!"
wait_up "http://127.0.0.1:$DESK_PORT/desk/health" "$!" "The agent console"

cat <<MSG

The assistant is running.
  Chat page:  http://localhost:$RASA_PORT/webhooks/socketio/chat   (open in a browser or the app's webview)
  Embed:      <script src="http://localhost:$RASA_PORT/webhooks/socketio/embed.js"></script>   (host pages: WALLET_ALLOWED_ORIGINS)
  WeChat:     http://localhost:$RASA_PORT/webhooks/wechat/   (server URL for the official account$( [ -z "${WECHAT_TOKEN:-}" ] && echo "; set WECHAT_TOKEN first"))
  REST:       curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"me","message":"付款失败"}'
  Agents:     http://localhost:$DESK_PORT/desk/   (accounts: make agent-add NAME=...)
  Logs:       logs/rasa.log, logs/actions.log, logs/desk.log
  Data:       var/conversations.db (conversations), var/support.db (tickets, ratings, feedback)
Stop with Ctrl-C.
MSG
wait $rasa_pid
