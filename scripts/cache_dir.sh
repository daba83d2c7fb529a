#!/usr/bin/env bash
# Prints where built environments and trained models are kept between
# checkouts (see scripts/bootstrap.sh), or "off".
echo "${WALLET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/wallet-support}"
