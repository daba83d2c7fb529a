"""The REST channel for app backends: POST /webhooks/rest/webhook with
{"sender": "<the app's user id>", "message": "...", "metadata": {...},
 "message_id": "<optional: the same id on a retry gets the same answer>"}.

Every request must name its sender: a missing one used to put strangers into
one shared conversation. Sender ids of channels that prove who is writing
(the widget's signed sessions, WeChat openids) cannot be named here.

Agent replies from the desk reach the app through Rasa's callback pattern:
set WALLET_REST_CALLBACK_URL and each reply is POSTed there as
{"recipient_id": ..., "text": ..., "custom": {"agent": "<name>"}}.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any, Dict, Optional, Text

import aiohttp
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response  # noqa: F401
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.gate import Gate, Handler, current_agent
from channels.security import RESERVED_PREFIXES, ProtectedBlueprint

logger = logging.getLogger(__name__)

MAX_SENDER = 128


def bad_request(message: str) -> HTTPResponse:
    return response.json({"error": message}, status=400)


def read_body(request: Request) -> Any:
    """The parsed JSON body, or an error response to send back."""
    try:
        return json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return bad_request('The body must be JSON: {"sender": "<user id>", "message": "<text>"}')


class AppCallbackOutput(CollectingOutputChannel):
    """Posts each bot (or agent) message to the app's callback URL; a failure
    raises, so whoever sent it (the desk) learns it did not arrive."""

    @classmethod
    def name(cls) -> Text:
        return "callback"

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.agent: Optional[str] = None

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.agent = message.get("agent")
        await super().send_response(recipient_id, message)

    async def _persist_message(self, message: Dict[Text, Any]) -> None:
        await super()._persist_message(message)
        if self.agent:
            message = {**message, "custom": {**(message.get("custom") or {}), "agent": self.agent}}
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.post(self.url, json=message) as reply:
                if reply.status >= 300:
                    raise RuntimeError(f"app callback answered {reply.status}")


class RestChannel(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def get_output_channel(self) -> Optional[OutputChannel]:
        url = os.environ.get("WALLET_REST_CALLBACK_URL")
        return AppCallbackOutput(url) if url else None

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        hook = ProtectedBlueprint("rest_webhook", __name__)

        gate = Gate(on_new_message, current_agent)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            body = read_body(request)
            if isinstance(body, HTTPResponse):
                return body
            if not isinstance(body, dict):
                return bad_request('The body must be a JSON object: {"sender": "<user id>", "message": "<text>"}')
            sender = body.get("sender")
            if isinstance(sender, int) and not isinstance(sender, bool):
                sender = str(sender)
            if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER:
                return bad_request(f'"sender" must name the user: a string of 1 to {MAX_SENDER} characters.')
            if sender.startswith(RESERVED_PREFIXES) or any(ord(c) < 32 for c in sender):
                return bad_request('This "sender" id is reserved or malformed; use your app\'s own user id.')
            message = body.get("message", "")
            if isinstance(message, bool) or not isinstance(message, (str, int, float)) and message is not None:
                return bad_request('"message" must be text.')
            metadata = body.get("metadata")
            if metadata is not None and not isinstance(metadata, dict):
                return bad_request('"metadata" must be a JSON object.')
            message_id = body.get("message_id")
            if message_id is not None:
                if not isinstance(message_id, str) or not 0 < len(message_id) <= 64:
                    return bad_request('"message_id" must be a string of 1 to 64 characters.')
                # Sent again with the same id (a retry), it is answered but not handled twice.
                metadata = {**(metadata or {}), "message_id": message_id}
            collector = CollectingOutputChannel()
            await gate(UserMessage("" if message is None else str(message), collector, sender,
                                   input_channel=self.name(), metadata=metadata))
            return response.json(collector.messages)

        return hook
