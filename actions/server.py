"""Starts the action server: Rasa SDK's app, on 127.0.0.1 by default, that
answers only calls carrying the shared secret the Rasa server sends
(WALLET_ACTION_SECRET, in endpoints.yml as the X-Action-Secret header).

  python -m actions.server [--host 127.0.0.1] [--port 5055]
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
from typing import Any, Optional

from rasa_sdk.endpoint import create_app
from sanic import response

from channels.security import secret_file
from components.sensitive import install_log_masking

SECRET_HEADER = "x-action-secret"
OPEN_PATHS = {"/health"}
RASA_ACTION_TIMEOUT = 300   # rasa.utils.endpoints.DEFAULT_REQUEST_TIMEOUT


def build_app(secret: Optional[str] = None) -> Any:
    install_log_masking()
    secret = secret or secret_file("action_secret", "WALLET_ACTION_SECRET")
    # No CORS: only the Rasa server calls this, never a browser.
    app = create_app("actions", cors_origins=None)
    # Sanic gives a request 60 s to arrive and be answered, then closes the
    # connection. Rasa waits up to 300 s for an action; when a burst queued
    # calls behind each other, Sanic cut the late ones off mid-body ("Can not
    # write request body") and those turns were answered as if the action
    # server were down. Rasa's limit is the one that should apply.
    app.config.REQUEST_TIMEOUT = app.config.RESPONSE_TIMEOUT = RASA_ACTION_TIMEOUT

    @app.on_request
    async def require_secret(request: Any) -> Any:
        if request.path in OPEN_PATHS:
            return None
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return response.json({"error": "forbidden"}, status=403)
        return None

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("WALLET_ACTIONS_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("ACTION_PORT", 5055)))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    workers = int(os.environ.get("ACTION_SERVER_SANIC_WORKERS", 1))
    build_app().run(host=args.host, port=args.port, workers=workers, access_log=False)


if __name__ == "__main__":
    main()
