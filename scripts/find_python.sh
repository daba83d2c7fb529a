#!/usr/bin/env bash
# Prints the path of a Python 3.10 interpreter: PATH first, then pyenv.
# Rasa 3.6 refuses Python 3.11+, so nothing else will do.
set -u
is_310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; }

for candidate in "${PYTHON310:-}" python3.10 python3 python; do
  [ -n "$candidate" ] || continue
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if is_310 "$path"; then echo "$path"; exit 0; fi
done

if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for dir in "$root"/versions/3.10*; do
    if [ -x "$dir/bin/python" ] && is_310 "$dir/bin/python"; then echo "$dir/bin/python"; exit 0; fi
  done
fi

cat >&2 <<'MSG'
No Python 3.10 found (Rasa 3.6 needs exactly 3.10).
Install one, then run make again. For example:
  pyenv install 3.10.13            # with pyenv
  apt-get install python3.10-venv  # on a Debian/Ubuntu that ships it
Or point PYTHON310=/path/to/python3.10 at an existing interpreter.
MSG
exit 1
