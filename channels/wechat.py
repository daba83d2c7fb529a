"""WeChat official account (公众号) server protocol as a Rasa input channel.

  GET  /webhooks/wechat/   URL verification: signature over token, timestamp, nonce; echoes echostr
  POST /webhooks/wechat/   XML message in, passive XML reply out (plain or safe/AES mode)

WeChat waits 5 seconds and retries a delivery up to three times. Each MsgId
is processed once (DeliveryLedger); retries get the same answer. A reply not
ready within `reply_timeout` is answered with "success" and sent later
through the customer-service message API.

Settings come from credentials.yml or the environment (never commit them):
WECHAT_TOKEN, WECHAT_APP_ID, WECHAT_APP_SECRET, WECHAT_AES_KEY (safe mode),
WECHAT_API_BASE (default https://api.weixin.qq.com).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions import knowledge
from channels.masked import Handler, guarded
from channels.wechat_api import CustomerServiceAPI
from channels.wechat_format import last_bot_turn, payload_for_digit, render_turn, split_for_wechat

logger = logging.getLogger(__name__)

MAX_CLOCK_SKEW = 300          # seconds a signed request may be old (replay protection)
LEDGER_SECONDS = 600          # how long a MsgId is remembered
TEXT_ONLY_TYPES = {"image", "voice", "video", "shortvideo", "location", "link", "file"}


@dataclass
class Delivery:
    """One WeChat message, however many times WeChat delivers it."""

    task: asyncio.Task
    created: float = field(default_factory=time.monotonic)
    late: bool = False  # the reply goes out through the customer-service API


class DeliveryLedger:
    def __init__(self) -> None:
        self._entries: Dict[str, Delivery] = {}

    def get(self, key: str) -> Optional[Delivery]:
        return self._entries.get(key)

    def start(self, key: str, work: Awaitable[List[Dict[str, Any]]]) -> Delivery:
        # Entries are kept in the order they were made, so expired ones are
        # at the front: scanning them all made every message pay for the
        # last ten minutes of traffic (60,000 entries at 100 messages/s).
        now = time.monotonic()
        while self._entries:
            oldest = next(iter(self._entries))
            if now - self._entries[oldest].created <= LEDGER_SECONDS:
                break
            del self._entries[oldest]
        delivery = Delivery(asyncio.ensure_future(work))
        self._entries[key] = delivery
        return delivery


class WeChatInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WeChatInput":
        credentials = credentials or {}

        def setting(key: str, env: str, default: Optional[str] = None) -> Optional[str]:
            return credentials.get(key) or os.environ.get(env) or default

        return cls(
            token=setting("token", "WECHAT_TOKEN"),
            app_id=setting("app_id", "WECHAT_APP_ID", ""),
            app_secret=setting("app_secret", "WECHAT_APP_SECRET", ""),
            aes_key=setting("encoding_aes_key", "WECHAT_AES_KEY"),
            api_base=setting("api_base", "WECHAT_API_BASE", "https://api.weixin.qq.com"),
            reply_timeout=float(credentials.get("reply_timeout") or os.environ.get("WECHAT_REPLY_TIMEOUT") or 4.5),
        )

    def __init__(self, token: Optional[str], app_id: str, app_secret: str, aes_key: Optional[str],
                 api_base: str, reply_timeout: float = 4.5) -> None:
        self.token = token
        self.app_id = app_id
        self.crypto = None
        if token and aes_key:
            from wechatpy.crypto import WeChatCrypto

            self.crypto = WeChatCrypto(token, aes_key, app_id)
        self.api = CustomerServiceAPI(api_base, app_id, app_secret)
        self.reply_timeout = reply_timeout
        self.ledger = DeliveryLedger()
        if not token:
            logger.warning("wechat: WECHAT_TOKEN is not set; the WeChat endpoint answers 503 until it is")

    # -- signatures -------------------------------------------------------

    def _signed(self, request: Request) -> bool:
        from wechatpy.exceptions import InvalidSignatureException
        from wechatpy.utils import check_signature

        args = request.args
        timestamp = args.get("timestamp", "")
        try:
            if abs(time.time() - int(timestamp)) > MAX_CLOCK_SKEW:
                return False
            check_signature(self.token, args.get("signature", ""), timestamp, args.get("nonce", ""))
        except (InvalidSignatureException, ValueError, TypeError):
            return False
        return True

    def _refusal(self, request: Request) -> Optional[HTTPResponse]:
        """503 while unconfigured, 403 for a forged or stale signature; None if fine."""
        if not self.token:
            return response.text("wechat channel not configured", status=503)
        if not self._signed(request):
            return response.text("invalid signature", status=403)
        return None

    # -- routes -----------------------------------------------------------

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        hook = Blueprint("wechat_webhook", __name__)
        handle = guarded(on_new_message)

        @hook.route("/", methods=["GET"], strict_slashes=False)
        async def verify(request: Request) -> HTTPResponse:
            return self._refusal(request) or response.text(request.args.get("echostr", ""))

        @hook.route("/", methods=["POST"], strict_slashes=False)
        async def receive(request: Request) -> HTTPResponse:
            refused = self._refusal(request)
            if refused:
                return refused
            message = self._parse(request)
            if message is None:
                return response.text("malformed message", status=400)
            if message == "forged":
                return response.text("invalid signature", status=403)
            body = await self._answer(message, handle, request)
            return response.text(self._encrypt(body, request) if body != "success" else body,
                                 content_type="application/xml" if body != "success" else "text/plain")

        return hook

    # -- parsing and replying ---------------------------------------------

    def _parse(self, request: Request) -> Any:
        from wechatpy import parse_message
        from wechatpy.exceptions import InvalidSignatureException

        raw = request.body
        try:
            if self.crypto is not None and request.args.get("encrypt_type") == "aes":
                try:
                    raw = self.crypto.decrypt_message(raw, request.args.get("msg_signature", ""),
                                                      request.args.get("timestamp", ""), request.args.get("nonce", ""))
                except InvalidSignatureException:
                    return "forged"
            message = parse_message(raw)
        except Exception:  # xml errors come in many types; all mean "not a message"
            logger.info("wechat: could not parse a POST body of %d bytes", len(raw or b""))
            return None
        if message is None or not getattr(message, "source", None):
            return None
        return message

    def _encrypt(self, xml: str, request: Request) -> str:
        if self.crypto is not None and request.args.get("encrypt_type") == "aes":
            return self.crypto.encrypt_message(xml, request.args.get("nonce", ""), request.args.get("timestamp"))
        return xml

    @staticmethod
    def _key(message: Any) -> str:
        # Events carry no MsgId; WeChat documents sender + CreateTime for them.
        return str(message.id) if getattr(message, "id", None) else f"{message.source}:{message.create_time}"

    async def _answer(self, message: Any, handle: Handler, request: Request) -> str:
        from wechatpy.replies import create_reply

        key = self._key(message)
        delivery = self.ledger.get(key)
        if delivery is None:
            # Registered before any await, so a retry arriving meanwhile finds it.
            delivery = self.ledger.start(key, self._process(message, handle, request))
        if delivery.late:
            return "success"
        try:
            bot_messages = await asyncio.wait_for(asyncio.shield(delivery.task), timeout=self.reply_timeout)
        except asyncio.TimeoutError:
            if not delivery.late:
                delivery.late = True
                asyncio.ensure_future(self._deliver_late(delivery, message.source))
            return "success"
        pieces = split_for_wechat(render_turn(bot_messages, knowledge.reply("wechat_option")))
        if len(pieces) > 1 and not delivery.late:
            delivery.late = True  # a retry must not send the tail twice
            asyncio.ensure_future(self._send_pieces(message.source, pieces[1:]))
        if not pieces[0]:
            return "success"
        return create_reply(pieces[0], message).render()

    async def _process(self, message: Any, handle: Handler, request: Request) -> List[Dict[str, Any]]:
        text = await self._user_text(message, request)
        if text is None:
            notice = self._notice(message)
            return [{"text": notice}] if notice else []
        return await self._run(handle, message.source, text)

    async def _user_text(self, message: Any, request: Request) -> Optional[str]:
        """What to hand to the assistant; None for messages it cannot read."""
        if message.type == "text":
            return await self._digit_to_payload(message.source, message.content or "", request)
        if message.type == "event":
            if message.event in ("subscribe", "subscribe_scan"):
                return "/greet"
            if message.event == "click" and getattr(message, "key", None):
                return f"/{message.key}"  # menu keys are intent names
        return None

    def _notice(self, message: Any) -> Optional[str]:
        if message.type in TEXT_ONLY_TYPES:
            return knowledge.reply("wechat_text_only")
        return None  # other events (unsubscribe, view …) need no answer

    async def _digit_to_payload(self, open_id: str, text: str, request: Request) -> str:
        if not text.strip().isdigit():
            return text
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or agent.tracker_store is None:
            return text
        tracker = await agent.tracker_store.retrieve(open_id)
        payload = payload_for_digit(text, last_bot_turn(tracker.events)) if tracker else None
        return payload or text

    async def _run(self, handle: Handler, open_id: str, text: str) -> List[Dict[str, Any]]:
        collector = CollectingOutputChannel()
        try:
            await handle(UserMessage(text, collector, open_id, input_channel=self.name()))
        except Exception:
            logger.exception("wechat: handling a message failed")
            return [{"text": knowledge.reply("wechat_error")}]
        return collector.messages

    async def _deliver_late(self, delivery: Delivery, open_id: str) -> None:
        bot_messages = await delivery.task
        await self._send_pieces(open_id, split_for_wechat(render_turn(bot_messages, knowledge.reply("wechat_option"))))

    async def _send_pieces(self, open_id: str, pieces: List[str]) -> None:
        for piece in pieces:
            if piece and not await self.api.send_text(open_id, piece):
                break
