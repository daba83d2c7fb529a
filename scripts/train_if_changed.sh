#!/usr/bin/env bash
# Trains only when what the model is built from changed. Rasa's own
# fingerprinting also skips unchanged parts, but it needs ~15 s to load the
# graph first; hashing the inputs here answers "nothing changed" in under 1 s.
set -euo pipefail
export RASA_TELEMETRY_ENABLED=false  # no usage reports leave the machine
cd "$(dirname "$0")/.."
inputs=$(find config.yml domain data components knowledge/entity_patterns.yml knowledge/typos.yml knowledge/userdict \
  -type f \( -name '*.yml' -o -name '*.py' -o -name '*.txt' \) | sort)
fingerprint=$(cat $inputs | sha256sum | cut -c1-16)
model="models/wallet-$fingerprint.tar.gz"
# Another checkout of the same data may have trained it already (see
# scripts/bootstrap.sh for the cache).
cache=$(scripts/cache_dir.sh)
cached="$cache/models/wallet-$fingerprint.tar.gz"
mkdir -p models
if [ ! -f "$model" ] && [ "$cache" != off ] && [ -f "$cached" ]; then
  cp "$cached" "$model.part" && mv "$model.part" "$model"
fi
if [ -f "$model" ]; then
  echo "Model is up to date: $model"
  exit 0
fi
.venv/bin/rasa train --domain domain --fixed-model-name "wallet-$fingerprint" --out models "$@"
if [ "$cache" != off ]; then
  mkdir -p "$cache/models"
  cp "$model" "$cached.part" && mv "$cached.part" "$cached"
fi
# Older models are dead weight once a newer one exists.
find models -name 'wallet-*.tar.gz' ! -name "wallet-$fingerprint.tar.gz" -delete
echo "Trained $model"
