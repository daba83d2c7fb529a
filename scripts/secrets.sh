#!/usr/bin/env bash
# Sourced by run.sh: the secrets every process needs, from the environment or
# made once into var/ (mode 0600). A newly made API token is printed once.
set -euo pipefail
mkdir -p var

_secret() {  # <file in var/> <variable>
  local file="var/$1" name="$2"
  if [ -n "${!name:-}" ]; then export "$name"; return; fi
  if [ ! -s "$file" ]; then
    (umask 077; head -c 32 /dev/urandom | base64 | tr -d '/+=\n' > "$file")
    [ "$name" = RASA_AUTH_TOKEN ] && echo "Generated the Rasa HTTP API token (kept in $file, shown only now): $(cat "$file")"
  fi
  export "$name"="$(cat "$file")"
}

_secret rasa_token RASA_AUTH_TOKEN          # Rasa's HTTP API (the desk uses it)
_secret action_secret WALLET_ACTION_SECRET  # Rasa → action server
_secret secret WALLET_SECRET                # signs widget session ids
