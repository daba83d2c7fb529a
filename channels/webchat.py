"""The in-app chat widget: a socket.io channel with masking in front, and
the page and assets it needs, served from the same origin.

  /webhooks/socketio/chat          the chat page (open it in the app's webview)
  /webhooks/socketio/embed.js      one <script> tag adds a chat button to any listed page
  /webhooks/socketio/history       the current session, masked, to redraw after a reload
  /webhooks/socketio/config.json   widget texts from knowledge/ (brand, labels)
  /socket.io/                      the socket.io endpoint itself

Sessions belong to the browser that started them: the server issues the
session id, signed with its secret (channels/security.py), when a page first
connects, and accepts it back only with a valid signature. The conversation
id is taken from the socket's own session, never from what a message claims.
Only the server's own origin and WALLET_ALLOWED_ORIGINS may open the socket
or frame the page.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from actions import knowledge
from channels.gate import Gate, Handler, current_agent
from channels.security import allowed_origins, new_widget_token, page_headers, protect_app, widget_sender

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
ASSETS = {
    "chat": (WEB_DIR / "chat.html", "text/html; charset=utf-8"),
    "chat.js": (WEB_DIR / "chat.js", "application/javascript; charset=utf-8"),
    "chat.css": (WEB_DIR / "chat.css", "text/css; charset=utf-8"),
    "embed.js": (WEB_DIR / "embed.js", "application/javascript; charset=utf-8"),
    # socket.io-client 4.8.1, committed (scripts/update_webchat_vendor.sh refreshes it)
    "socket.io.min.js": (WEB_DIR / "vendor" / "socket.io.min.js", "application/javascript; charset=utf-8"),
}
HISTORY_LIMIT = 200
MAX_SOCKET_MESSAGE = 100_000  # bytes of one socket.io message; a chat line is far smaller


def session_history(events: List[Any]) -> List[Dict[str, Any]]:
    """User, bot and agent messages of the current session; button clicks
    shown by their titles, as the user saw them."""
    history: List[Dict[str, Any]] = []
    titles: Dict[str, str] = {}
    for event in events:
        kind = getattr(event, "type_name", None)
        if kind == "session_started":
            history, titles = [], {}
        elif kind == "bot":
            buttons = (event.data or {}).get("buttons") or []
            titles = {b.get("payload"): b.get("title") for b in buttons}
            line = {"from": "bot", "text": event.text or "", "buttons": buttons}
            agent = (event.metadata or {}).get("agent")
            if agent:
                line["agent"] = agent
            history.append(line)
        elif kind == "user":
            text = event.text or ""
            if text in titles:
                history.append({"from": "user", "text": titles[text]})
            elif not text.startswith("/"):  # "/greet" from opening the page was never shown
                history.append({"from": "user", "text": text})
    return history[-HISTORY_LIMIT:]


def origin_allowed(origin: Optional[str], environ: Dict[str, Any]) -> bool:
    """The server's own origin (also behind a proxy) and the listed ones."""
    if not origin:
        return True  # not a browser: nothing to protect across origins
    host = environ.get("HTTP_X_FORWARDED_HOST") or environ.get("HTTP_HOST", "")
    schemes = {environ.get("wsgi.url_scheme", "http"), environ.get("HTTP_X_FORWARDED_PROTO", "").split(",")[0]}
    own = {f"{scheme}://{host.split(',')[0].strip()}" for scheme in schemes if scheme}
    return origin.rstrip("/") in own or origin.rstrip("/") in allowed_origins()


class WidgetBlueprint(SocketBlueprint):
    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        protect_app(app)
        super().register(app, options)


class WebChatOutput(SocketIOOutput):
    """One socket.io message per bot message, with its buttons, and the
    agent's name when a person wrote it."""

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        out: Dict[str, Any] = {"text": message.get("text") or ""}
        buttons = message.get("buttons") or message.get("quick_replies")
        if buttons:
            out["quick_replies"] = [{"content_type": "text", "title": b.get("title"), "payload": b.get("payload")}
                                    for b in buttons]
        if message.get("agent"):
            out["agent"] = message["agent"]
        if out["text"] or buttons:
            await self._send_message(recipient_id, out)


class WebChatInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebChatInput":
        credentials = credentials or {}
        return cls(credentials.get("user_message_evt", "user_uttered"),
                   credentials.get("bot_message_evt", "bot_uttered"),
                   credentials.get("socketio_path", "/socket.io"))

    def __init__(self, user_message_evt: Text = "user_uttered", bot_message_evt: Text = "bot_uttered",
                 socketio_path: Text = "/socket.io") -> None:
        self.user_message_evt = user_message_evt
        self.bot_message_evt = bot_message_evt
        self.socketio_path = socketio_path
        self.sio: Optional[AsyncServer] = None

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WebChatOutput(self.sio, self.bot_message_evt) if self.sio else None

    @staticmethod
    def client_manager() -> Any:
        """With several Rasa servers, a reply emitted on one reaches a widget
        connected to another through Redis (WALLET_SOCKETIO_REDIS_URL)."""
        url = os.environ.get("WALLET_SOCKETIO_REDIS_URL")
        if not url:
            return None
        from socketio import AsyncRedisManager

        return AsyncRedisManager(url)

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=origin_allowed,
                          client_manager=self.client_manager(), max_http_buffer_size=MAX_SOCKET_MESSAGE)
        hook = WidgetBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        gate = Gate(on_new_message, current_agent)

        @sio.on("connect")
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            return True

        @sio.on("session_request")
        async def session_request(sid: Text, data: Any) -> None:
            token = data.get("session_id") if isinstance(data, dict) else None
            sender = widget_sender(token)
            if sender is None:  # new, guessed, forged or another channel's: a fresh session
                token = new_widget_token()
                sender = widget_sender(token)
            await sio.save_session(sid, {"sender": sender})
            sio.enter_room(sid, sender)
            await sio.emit("session_confirm", token, room=sid)

        @sio.on(self.user_message_evt)
        async def handle_message(sid: Text, data: Any) -> None:
            session = await sio.get_session(sid)
            sender = (session or {}).get("sender")
            if not sender:
                await sio.emit("session_required", {}, room=sid)
                return
            data = data if isinstance(data, dict) else {"message": data}
            metadata = data.get("metadata")
            await gate(UserMessage(data.get("message"), WebChatOutput(sio, self.bot_message_evt), sender,
                                   input_channel=self.name(), metadata=metadata if isinstance(metadata, dict) else None))

        async def asset(request: Request, name: str) -> HTTPResponse:
            path, content_type = ASSETS[name]
            if not path.is_file():
                return response.text(f"{name} is missing: run `make run` to install web assets", status=500)
            headers = {"Cache-Control": "no-cache", **page_headers()}
            return await response.file(path, mime_type=content_type, headers=headers)

        for name in ASSETS:
            hook.add_route(lambda request, name=name: asset(request, name), f"/{name}", methods=["GET"],
                           name=f"asset_{name.replace('.', '_')}")

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/config.json", methods=["GET"])
        async def config(_: Request) -> HTTPResponse:
            texts = knowledge.replies().get("webchat") or {}
            return response.json({key: knowledge.fill(value) for key, value in texts.items()},
                                 headers={"Cache-Control": "no-cache"})

        @hook.route("/history", methods=["GET"])
        async def history(request: Request) -> HTTPResponse:
            sender = widget_sender(request.args.get("session", ""))
            agent = current_agent()
            if sender is None or agent is None or agent.tracker_store is None:
                return response.json({"messages": []}, headers={"Cache-Control": "no-store"})
            tracker = await agent.tracker_store.retrieve(sender)
            return response.json({"messages": session_history(tracker.events) if tracker else []},
                                 headers={"Cache-Control": "no-store"})

        return hook
