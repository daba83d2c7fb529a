"""`rasa run` (or `rasa shell`) with this project's safeguards, used by
make run, make shell and the tests.

- The HTTP API token comes from RASA_AUTH_TOKEN, not the command line, so
  it does not show in the process list.
- jax and h5py, which TensorFlow would import for nothing, are skipped
  (scripts/lean_imports.py).
- The tracker store module is imported first: if it cannot load (a Rasa
  upgrade broke one of its patches), the server stops here with the reason,
  instead of Rasa falling back to an in-memory store that forgets every
  conversation and masks nothing.

Usage: python scripts/serve_rasa.py [rasa run arguments ...]
       python scripts/serve_rasa.py shell [rasa shell arguments ...]
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    from lean_imports import skip_unused_optional_imports

    skip_unused_optional_imports()
    try:
        import stores.masking_tracker_store  # noqa: F401
    except Exception as error:  # any failure here must stop the server
        sys.exit(f"The tracker store cannot be loaded, refusing to start: {error!r}")
    arguments = sys.argv[1:]
    command = arguments.pop(0) if arguments[:1] == ["shell"] else "run"
    token = os.environ.get("RASA_AUTH_TOKEN")
    if "--enable-api" in arguments:
        if not token:
            sys.exit("RASA_AUTH_TOKEN is not set: the HTTP API is never served without a token.")
        arguments += ["--auth-token", token]
    sys.argv = ["rasa", command] + arguments
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
