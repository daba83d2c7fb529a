#!/usr/bin/env bash
# Refreshes the chat widget's one browser dependency, web/vendor/socket.io.min.js,
# from the npm registry (the version pinned in web/package-lock.json).
# The file is committed so that `make run` and CI need no npm download:
# npm through this network took 6 minutes for 11 small packages.
set -euo pipefail
cd "$(dirname "$0")/../web"
command -v npm >/dev/null || { echo "npm is needed (apt-get install npm)"; exit 1; }
npm ci --no-audit --no-fund --loglevel=error
cp node_modules/socket.io-client/dist/socket.io.min.js vendor/socket.io.min.js
cp node_modules/socket.io-client/LICENSE vendor/socket.io-client.LICENSE
head -3 vendor/socket.io.min.js | sed -n 2p
