#!/usr/bin/env bash
# Starts (or stops) PostgreSQL and Redis for the scaled mode, with their data
# under $WALLET_SCALED_DIR (default var/scaled), on loopback only, as
# unprivileged processes. Prints the environment the servers need.
#   scripts/scaled_services.sh start|stop|env
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=$(realpath -m "${WALLET_SCALED_DIR:-var/scaled}")
PG_PORT=${WALLET_PG_PORT:-5433}
REDIS_PORT=${WALLET_REDIS_PORT:-6380}
PG_BIN=/usr/lib/postgresql/15/bin
mkdir -p "$DIR"

secret() {  # file
  [ -s "$DIR/$1" ] || (umask 077; head -c 24 /dev/urandom | base64 | tr -d '/+=\n' > "$DIR/$1")
  cat "$DIR/$1"
}
PG_PASSWORD=$(secret pg_password)
REDIS_PASSWORD=$(secret redis_password)

as_postgres() {  # PostgreSQL refuses to run as root
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start_pg() {
  if [ ! -s "$DIR/pg/PG_VERSION" ]; then
    mkdir -p "$DIR/pg"
    [ "$(id -u)" = 0 ] && chown postgres "$DIR/pg" "$DIR"
    chmod 700 "$DIR/pg"
    echo "$PG_PASSWORD" > "$DIR/pg.pw"; [ "$(id -u)" = 0 ] && chown postgres "$DIR/pg.pw"
    as_postgres "$PG_BIN/initdb" -D "$DIR/pg" -U postgres --pwfile="$DIR/pg.pw" -A scram-sha-256 -E UTF8 \
      --locale=C.UTF-8 >/dev/null
    rm -f "$DIR/pg.pw"
  fi
  if ! as_postgres "$PG_BIN/pg_ctl" -D "$DIR/pg" status >/dev/null 2>&1; then
    as_postgres "$PG_BIN/pg_ctl" -D "$DIR/pg" -l "$DIR/pg.log" -w -t 60 \
      -o "-p $PG_PORT -k $DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=128MB" start >/dev/null
  fi
  PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='wallet'" | grep -q 1 || \
    PGPASSWORD=$PG_PASSWORD psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -qc "CREATE DATABASE wallet" >/dev/null
}

start_redis() {
  if ! redis-cli -p "$REDIS_PORT" -a "$REDIS_PASSWORD" --no-auth-warning ping >/dev/null 2>&1; then
    mkdir -p "$DIR/redis"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$DIR/redis" --daemonize yes \
      --pidfile "$DIR/redis.pid" --logfile "$DIR/redis.log" --requirepass "$REDIS_PASSWORD" \
      --appendonly yes --save "" >/dev/null
    for _ in $(seq 50); do
      redis-cli -p "$REDIS_PORT" -a "$REDIS_PASSWORD" --no-auth-warning ping >/dev/null 2>&1 && break
      sleep 0.2
    done
  fi
}

print_env() {
  cat <<ENV
export WALLET_PG_HOST=127.0.0.1 WALLET_PG_PORT=$PG_PORT WALLET_PG_DB=wallet WALLET_PG_USER=postgres
export WALLET_PG_PASSWORD=$PG_PASSWORD
export WALLET_DESK_DB_URL=postgresql://postgres:$PG_PASSWORD@127.0.0.1:$PG_PORT/wallet
export WALLET_REDIS_HOST=127.0.0.1 WALLET_REDIS_PORT=$REDIS_PORT WALLET_REDIS_PASSWORD=$REDIS_PASSWORD
export WALLET_REDIS_URL=redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT/0
export WALLET_SOCKETIO_REDIS_URL=redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT/2
ENV
}

case "${1:-}" in
  start) start_pg; start_redis; print_env ;;
  env) print_env ;;
  stop)
    as_postgres "$PG_BIN/pg_ctl" -D "$DIR/pg" -m fast stop >/dev/null 2>&1 || true
    redis-cli -p "$REDIS_PORT" -a "$REDIS_PASSWORD" --no-auth-warning shutdown nosave >/dev/null 2>&1 || true ;;
  *) echo "usage: $0 start|stop|env"; exit 2 ;;
esac
