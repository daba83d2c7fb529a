"""Secrets, signed widget sessions, allowed origins and the protections
every response of the Rasa server carries.

Settings (environment):
  WALLET_SECRET            signs widget session ids (default: generated once
                           into var/secret, mode 0600)
  WALLET_ALLOWED_ORIGINS   other origins (https://shop.example.com, comma or
                           space separated) that may embed the widget, open
                           its socket or call the HTTP API from a browser;
                           the server's own origin always may
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path
from typing import Any, Dict, List, Optional

from sanic import Blueprint, response

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("WALLET_VAR_DIR") or ROOT / "var")
WIDGET_PREFIX = "web-"
WECHAT_PREFIX = "wx-"
# Sender ids that belong to a channel which proves who is writing; nobody
# may name them through another channel.
RESERVED_PREFIXES = (WIDGET_PREFIX, WECHAT_PREFIX)
_TOKEN = re.compile(r"^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})$")


def secret_file(name: str, env: str) -> str:
    """A secret from the environment, or one made once and kept in var/ (0600)."""
    value = os.environ.get(env)
    if value:
        return value
    path = VAR / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def server_secret() -> bytes:
    return secret_file("secret", "WALLET_SECRET").encode("utf-8")


def _signature(session: str, key: bytes) -> str:
    digest = hmac.new(key, b"widget-session:" + session.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode("ascii").rstrip("=")


def new_widget_token(key: Optional[bytes] = None) -> str:
    session = base64.urlsafe_b64encode(secrets.token_bytes(16)).decode("ascii").rstrip("=")
    return f"{session}.{_signature(session, key or server_secret())}"


def widget_sender(token: Optional[str], key: Optional[bytes] = None) -> Optional[str]:
    """The conversation id a signed widget token stands for; None if the
    token was not issued by this server (guessed, forged, another channel's)."""
    if not isinstance(token, str):
        return None
    match = _TOKEN.match(token)
    if not match:
        return None
    session, signature = match.groups()
    if not hmac.compare_digest(signature, _signature(session, key or server_secret())):
        return None
    return WIDGET_PREFIX + session


def allowed_origins() -> List[str]:
    raw = os.environ.get("WALLET_ALLOWED_ORIGINS", "")
    return [origin.rstrip("/") for origin in re.split(r"[\s,]+", raw) if origin.strip()]


def page_headers(frame_ancestors: bool = True) -> Dict[str, str]:
    """Headers for the chat page: it may be framed only by the listed
    origins (the embed script), and loads nothing but its own files."""
    ancestors = " ".join(["'self'"] + allowed_origins()) if frame_ancestors else "'none'"
    return {
        "Content-Security-Policy": (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self'; frame-ancestors {ancestors}; base-uri 'none'; form-action 'self'"),
        **BASE_HEADERS,
    }


BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
API_HEADERS = {"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'", "X-Frame-Options": "DENY",
               **BASE_HEADERS}


# Routes of Rasa's HTTP API that are never served, token or not: replacing,
# unloading or training the model over HTTP would let whoever holds the token
# (or steals it) make the live bot say anything to every user.
REFUSED_ROUTES = [("PUT", re.compile(r"^/model/?$")), ("DELETE", re.compile(r"^/model/?$")),
                  ("POST", re.compile(r"^/model/train/?$")), ("POST", re.compile(r"^/model/test/"))]


async def _refuse_model_changes(request: Any) -> Any:
    for method, path in REFUSED_ROUTES:
        if request.method == method and path.match(request.path):
            return response.json({"error": "Replacing, unloading, training or testing the model over HTTP is "
                                           "disabled here. Train with `make train` and restart the server."},
                                 status=403)
    return None


async def _security_headers(request: Any, resp: Any) -> None:
    if resp is None:
        return
    for name, value in API_HEADERS.items():
        if name not in resp.headers:
            resp.headers[name] = value


def protect_app(app: Any) -> None:
    """App-wide protections of the Rasa server, installed once by whichever
    of this project's channels registers first."""
    if getattr(app.ctx, "wallet_protected", False):
        return
    app.ctx.wallet_protected = True
    app.register_middleware(_refuse_model_changes, "request")
    app.register_middleware(_security_headers, "response")


class ProtectedBlueprint(Blueprint):
    """A channel's Blueprint that installs protect_app when registered."""

    def register(self, app: Any, options: Any) -> None:
        protect_app(app)
        super().register(app, options)
