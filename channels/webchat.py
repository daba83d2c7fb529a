"""The in-app chat widget: Rasa's socket.io channel with masking in front,
plus the page and assets it needs, served from the same origin.

  /webhooks/socketio/chat          the chat page (open it in the app's webview)
  /webhooks/socketio/embed.js      one <script> tag adds a chat button to any page
  /webhooks/socketio/history       the current session, masked, to redraw after a reload
  /webhooks/socketio/config.json   widget texts from knowledge/ (brand, labels)
  /socket.io/                      the socket.io endpoint itself
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Text

from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions import knowledge
from channels.masked import Handler, guarded

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
ASSETS = {
    "chat": (WEB_DIR / "chat.html", "text/html; charset=utf-8"),
    "chat.js": (WEB_DIR / "chat.js", "application/javascript; charset=utf-8"),
    "chat.css": (WEB_DIR / "chat.css", "text/css; charset=utf-8"),
    "embed.js": (WEB_DIR / "embed.js", "application/javascript; charset=utf-8"),
    "socket.io.min.js": (WEB_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js",
                         "application/javascript; charset=utf-8"),
}
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
HISTORY_LIMIT = 200



def session_history(events: List[Any]) -> List[Dict[str, Any]]:
    """User and bot messages of the current session; button clicks shown by
    their titles, as the user saw them."""
    history: List[Dict[str, Any]] = []
    titles: Dict[str, str] = {}
    for event in events:
        kind = getattr(event, "type_name", None)
        if kind == "session_started":
            history, titles = [], {}
        elif kind == "bot":
            buttons = (event.data or {}).get("buttons") or []
            titles = {b.get("payload"): b.get("title") for b in buttons}
            history.append({"from": "bot", "text": event.text or "", "buttons": buttons})
        elif kind == "user":
            text = event.text or ""
            if text in titles:
                history.append({"from": "user", "text": titles[text]})
            elif not text.startswith("/"):  # "/greet" from opening the page was never shown
                history.append({"from": "user", "text": text})
    return history[-HISTORY_LIMIT:]


class WebChatInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        hook = super().blueprint(guarded(on_new_message))

        async def asset(request: Request, name: str) -> HTTPResponse:
            path, content_type = ASSETS[name]
            if not path.is_file():
                return response.text(f"{name} is missing: run `make run` to install web assets", status=500)
            return await response.file(path, mime_type=content_type, headers={"Cache-Control": "no-cache"})

        for name in ASSETS:
            hook.add_route(lambda request, name=name: asset(request, name), f"/{name}", methods=["GET"],
                           name=f"asset_{name.replace('.', '_')}")

        @hook.route("/config.json", methods=["GET"])
        async def config(_: Request) -> HTTPResponse:
            texts = knowledge.replies().get("webchat") or {}
            return response.json({key: knowledge.fill(value) for key, value in texts.items()},
                                 headers={"Cache-Control": "no-cache"})

        @hook.route("/history", methods=["GET"])
        async def history(request: Request) -> HTTPResponse:
            session_id = request.args.get("session_id", "")
            if not SESSION_ID.match(session_id):
                return response.json({"error": "invalid session_id"}, status=400)
            agent = getattr(request.app.ctx, "agent", None)
            tracker = await agent.tracker_store.retrieve(session_id) if agent and agent.tracker_store else None
            return response.json({"messages": session_history(tracker.events) if tracker else []})

        return hook
