#!/usr/bin/env bash
# Keeps the last five runs of each log: name.log → name.log.1 → … → name.log.5.
set -u
for log in "$@"; do
  [ -s "$log" ] || continue
  for n in 4 3 2 1; do [ -f "$log.$n" ] && mv -f "$log.$n" "$log.$((n + 1))"; done
  mv -f "$log" "$log.1"
done
exit 0
