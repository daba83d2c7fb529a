#!/usr/bin/env bash
# The scaled mode: PostgreSQL + Redis (local, data under var/scaled), one
# action server, N Rasa servers (SERVERS, default 2) sharing them, the agent
# console, and nginx in front on one port (PORT, default 8080) for REST,
# WeChat, the widget (socket.io, sticky) and the console. Returns once all
# answer; `make stop-scaled` (scripts/stop_scaled.sh) stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONWARNINGS=ignore PYTHONPATH=$PWD RASA_TELEMETRY_ENABLED=false
SERVERS=${SERVERS:-2}
PORT=${PORT:-8080}
FIRST_RASA_PORT=${FIRST_RASA_PORT:-5101}
ACTION_PORT=${ACTION_PORT:-5055}
DESK_PORT=${DESK_PORT:-5006}
export WALLET_SCALED_DIR=$(realpath -m "${WALLET_SCALED_DIR:-var/scaled}")
LOGS=$(realpath -m "${WALLET_LOG_DIR:-logs}")
mkdir -p "$WALLET_SCALED_DIR" "$LOGS"
PIDS="$WALLET_SCALED_DIR/pids"

scripts/install_scaled_deps.sh
source scripts/secrets.sh
eval "$(scripts/scaled_services.sh start)"
export WALLET_ACTION_URL=http://127.0.0.1:$ACTION_PORT/webhook
export WALLET_RASA_URL=http://127.0.0.1:$PORT
model=${MODEL:-$(ls -t models/wallet-*.tar.gz | head -1)}
endpoints=deploy/endpoints-scaled.yml
scripts/stop_scaled.sh --keep-services >/dev/null 2>&1 || true
: > "$PIDS"

wait_up() {  # url pid name log
  for _ in $(seq "${WALLET_START_SECONDS:-900}"); do
    curl -sf "$1" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { echo "$3 failed to start, see $4"; tail -20 "$4"; exit 1; }
    sleep 1
  done
  echo "$3 did not start within ${WALLET_START_SECONDS:-900} s, see $4"; exit 1
}

.venv/bin/python scripts/data_retention.py purge --endpoints "$endpoints" >>"$LOGS/desk.log" 2>&1 || true

scripts/rotate_logs.sh "$LOGS/actions.log"
ACTION_SERVER_SANIC_WORKERS=${ACTION_WORKERS:-1} .venv/bin/python -m actions.server --port "$ACTION_PORT" \
  >>"$LOGS/actions.log" 2>&1 &
echo "actions $!" >> "$PIDS"
wait_up "http://127.0.0.1:$ACTION_PORT/health" "$!" "The action server" "$LOGS/actions.log"

upstreams=""
for i in $(seq 1 "$SERVERS"); do
  port=$((FIRST_RASA_PORT + i - 1))
  log="$LOGS/rasa-$i.log"
  scripts/rotate_logs.sh "$log"
  .venv/bin/python scripts/serve_rasa.py --model "$model" --port "$port" --interface 127.0.0.1 \
    --endpoints "$endpoints" --credentials credentials.yml --enable-api >>"$log" 2>&1 &
  echo "rasa-$i $!" >> "$PIDS"
  upstreams="$upstreams server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"
done
for i in $(seq 1 "$SERVERS"); do
  port=$((FIRST_RASA_PORT + i - 1))
  pid=$(awk -v n="rasa-$i" '$1 == n {print $2}' "$PIDS")
  wait_up "http://127.0.0.1:$port/" "$pid" "Rasa server $i" "$LOGS/rasa-$i.log"
done

scripts/rotate_logs.sh "$LOGS/desk.log"
.venv/bin/python -m desk.server --port "$DESK_PORT" >>"$LOGS/desk.log" 2>&1 &
echo "desk $!" >> "$PIDS"
wait_up "http://127.0.0.1:$DESK_PORT/desk/health" "$!" "The agent console" "$LOGS/desk.log"

mkdir -p "$WALLET_SCALED_DIR/nginx"
sed -e "s#@VAR@#$WALLET_SCALED_DIR#g" -e "s#@LOGS@#$LOGS#g" -e "s#@LISTEN@#${LISTEN:-$PORT}#g" \
    -e "s#@DESK_PORT@#$DESK_PORT#g" -e "s#@SERVERS@#$upstreams#g" \
    deploy/nginx.conf.template > "$WALLET_SCALED_DIR/nginx/nginx.conf"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
"$NGINX" -c "$WALLET_SCALED_DIR/nginx/nginx.conf" -p "$WALLET_SCALED_DIR/nginx" -e "$LOGS/nginx-error.log"
for _ in $(seq 50); do [ -s "$WALLET_SCALED_DIR/nginx/nginx.pid" ] && break; sleep 0.2; done
echo "nginx $(cat "$WALLET_SCALED_DIR/nginx/nginx.pid")" >> "$PIDS"
wait_up "http://127.0.0.1:$PORT/webhooks/rest/" "$(cat "$WALLET_SCALED_DIR/nginx/nginx.pid")" "nginx" "$LOGS/nginx-error.log"

cat <<MSG

The assistant is running in the scaled mode: $SERVERS Rasa servers on PostgreSQL + Redis behind nginx.
  Chat page:  http://localhost:$PORT/webhooks/socketio/chat
  Embed:      <script src="http://localhost:$PORT/webhooks/socketio/embed.js"></script>
  WeChat:     http://localhost:$PORT/webhooks/wechat/
  REST:       curl -s localhost:$PORT/webhooks/rest/webhook -d '{"sender":"me","message":"付款失败"}'
  Agents:     http://localhost:$PORT/desk/
  Logs:       $LOGS/rasa-*.log, actions.log, desk.log, nginx-error.log
  Data:       $WALLET_SCALED_DIR (PostgreSQL, Redis)
Stop with: make stop-scaled
MSG
