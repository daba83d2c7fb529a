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
import json
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Dict, List, Optional, Set, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions import knowledge
from channels.gate import Gate, Handler, current_agent
from channels.security import WECHAT_PREFIX, ProtectedBlueprint
from channels.wechat_api import CustomerServiceAPI
from channels.wechat_outbox import Outbox
from channels.wechat_format import DIGIT_REPLY, last_bot_turn, payload_for_digit, render_turn, split_for_wechat

logger = logging.getLogger(__name__)

MAX_CLOCK_SKEW = 300          # seconds a signed request may be old (replay protection)
LEDGER_SECONDS = 600          # how long a MsgId is remembered
TEXT_ONLY_TYPES = {"image", "voice", "video", "shortvideo", "location", "link", "file"}


@dataclass
class Delivery:
    """One WeChat message, however many times WeChat delivers it."""

    task: asyncio.Task
    created: float = field(default_factory=lambda: time.monotonic())
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


def sender_for(open_id: str) -> str:
    """The conversation id of a WeChat user (namespaced: an openid is no secret)."""
    return WECHAT_PREFIX + open_id


def open_id_of(sender_id: str) -> str:
    return sender_id[len(WECHAT_PREFIX):] if sender_id.startswith(WECHAT_PREFIX) else sender_id


class WeChatOutput(OutputChannel):
    """Messages the user did not just ask for (an agent's reply, the bot
    taking over again) go out through the customer-service API. A refusal
    raises, so the sender (the desk) can tell the agent."""

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    def __init__(self, api: CustomerServiceAPI) -> None:
        self.api = api

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        text = render_turn([message], knowledge.reply("wechat_option"))
        for piece in split_for_wechat(text):
            if piece:
                await self.api.send_text(open_id_of(recipient_id), piece)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


class SharedLedger:
    """The MsgId ledger across servers (Redis, WALLET_REDIS_URL): WeChat may
    retry a message on another server. The first server to claim a key
    handles the message and keeps its reply for the others."""

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis

        self.redis = redis.Redis.from_url(url, socket_timeout=5)

    async def claim(self, key: str) -> bool:
        return bool(await self.redis.set(f"wallet:wechat:msg:{key}", "1", nx=True, ex=LEDGER_SECONDS))

    async def keep(self, key: str, bot_messages: List[Dict[str, Any]]) -> None:
        await self.redis.set(f"wallet:wechat:reply:{key}", json.dumps(bot_messages, ensure_ascii=False),
                             ex=LEDGER_SECONDS)

    async def reply(self, key: str, seconds: float) -> Optional[List[Dict[str, Any]]]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = await self.redis.get(f"wallet:wechat:reply:{key}")
            if found is not None:
                return json.loads(found)
            await asyncio.sleep(0.1)
        return None


# WeChat drops a passive reply after 5 s. A server busy with other users can
# answer its own timer a second late (5.5 s seen on a loaded 2-core machine at
# 4.5 s), so "success" goes out at 3.5 s and the answer follows through the
# customer-service API.
DEFAULT_REPLY_TIMEOUT = 3.5


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
            reply_timeout=float(credentials.get("reply_timeout") or os.environ.get("WECHAT_REPLY_TIMEOUT")
                                or DEFAULT_REPLY_TIMEOUT),
        )

    def __init__(self, token: Optional[str], app_id: str, app_secret: str, aes_key: Optional[str],
                 api_base: str, reply_timeout: float = DEFAULT_REPLY_TIMEOUT) -> None:
        self.token = token
        self.app_id = app_id
        self.crypto = None
        if token and aes_key:
            from wechatpy.crypto import WeChatCrypto

            self.crypto = WeChatCrypto(token, aes_key, app_id)
        self.api = CustomerServiceAPI(api_base, app_id, app_secret)
        self.outbox = Outbox(self.api)
        self.reply_timeout = reply_timeout
        self.ledger = DeliveryLedger()
        self._sending: Set["asyncio.Future[None]"] = set()
        redis_url = os.environ.get("WALLET_REDIS_URL")
        self.shared = SharedLedger(redis_url) if redis_url else None
        if not token:
            logger.warning("wechat: WECHAT_TOKEN is not set; the WeChat endpoint answers 503 until it is")
        elif not self.api.configured:
            logger.warning("wechat: WECHAT_APP_ID / WECHAT_APP_SECRET are not set: replies later than %.1f s and "
                           "agents' replies cannot be sent to WeChat users", reply_timeout)

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WeChatOutput(self.api)

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
        hook = ProtectedBlueprint("wechat_webhook", __name__)
        handle = Gate(on_new_message, current_agent)

        @hook.listener("after_server_start")
        async def start_outbox(app: Any, _loop: Any) -> None:
            if self.token and self.api.configured:
                app.add_task(self.outbox.run())

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
        # A MsgId is unique per user, not across users: key on both. Events
        # carry no MsgId; WeChat documents sender + CreateTime for them.
        if getattr(message, "id", None):
            return f"{message.source}:{message.id}"
        return f"{message.source}:event:{message.create_time}"

    async def _answer(self, message: Any, handle: Handler, request: Request) -> str:
        from wechatpy.replies import create_reply

        key = self._key(message)
        delivery = self.ledger.get(key)
        if delivery is None:
            # Registered before any await, so a retry arriving meanwhile finds it.
            delivery = self.ledger.start(key, self._process_once(key, message, handle, request))
        if delivery.late:
            return "success"
        try:
            bot_messages = await asyncio.wait_for(asyncio.shield(delivery.task), timeout=self.reply_timeout)
        except asyncio.TimeoutError:
            if not delivery.late:
                delivery.late = True
                self._in_background(self._deliver_late(delivery, message.source))
            return "success"
        if bot_messages is None:
            return "success"  # another server has it and will answer through the API
        pieces = split_for_wechat(render_turn(bot_messages, knowledge.reply("wechat_option")))
        if len(pieces) > 1 and not delivery.late:
            delivery.late = True  # a retry must not send the tail twice
            self._in_background(self._send_pieces(message.source, pieces[1:]))
        if not pieces[0]:
            return "success"
        return create_reply(pieces[0], message).render()

    async def _process_once(self, key: str, message: Any, handle: Handler,
                            request: Request) -> Optional[List[Dict[str, Any]]]:
        """The message's reply; None when another server handles it and has
        no reply in time (it then sends it late itself)."""
        if self.shared is None:
            return await self._process(message, handle, request)
        if not await self.shared.claim(key):
            return await self.shared.reply(key, self.reply_timeout)
        bot_messages = await self._process(message, handle, request)
        await self.shared.keep(key, bot_messages)
        return bot_messages

    async def _process(self, message: Any, handle: Handler, request: Request) -> List[Dict[str, Any]]:
        text = await self._user_text(message, request)
        if text is None:
            notice = self._notice(message)
            return [{"text": notice}] if notice else []
        return await self._run(handle, message.source, text)

    async def _user_text(self, message: Any, request: Request) -> Optional[str]:
        """What to hand to the assistant; None for messages it cannot read."""
        if message.type == "text":
            return await self._digit_to_payload(sender_for(message.source), message.content or "", request)
        if message.type == "event":
            if message.event in ("subscribe", "subscribe_scan"):
                return "/greet"
            if message.event == "click" and getattr(message, "key", None):
                return f"/{message.key}"  # menu keys are intent names, set by the operator
        return None

    def _notice(self, message: Any) -> Optional[str]:
        if message.type in TEXT_ONLY_TYPES:
            return knowledge.reply("wechat_text_only")
        return None  # other events (unsubscribe, view …) need no answer

    async def _digit_to_payload(self, sender: str, text: str, request: Request) -> str:
        if not DIGIT_REPLY.match(text):
            return text
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or agent.tracker_store is None:
            return text
        tracker = await agent.tracker_store.retrieve(sender)
        payload = payload_for_digit(text, last_bot_turn(tracker.events)) if tracker else None
        return payload or text

    async def _run(self, handle: Gate, open_id: str, text: str) -> List[Dict[str, Any]]:
        collector = CollectingOutputChannel()
        try:
            # A menu click's payload comes from the operator's menu, not from typing.
            await handle(UserMessage(text, collector, sender_for(open_id), input_channel=self.name()),
                         trusted_payload=text.startswith("/") and not text.startswith("/greet{"))
        except Exception:
            logger.exception("wechat: handling a message failed")
            return [{"text": knowledge.reply("wechat_error")}]
        return collector.messages

    def _in_background(self, work: Awaitable[None]) -> None:
        # The event loop keeps only weak references to tasks: a send nobody
        # holds on to can be collected halfway and the reply silently lost.
        task = asyncio.ensure_future(work)
        self._sending.add(task)
        task.add_done_callback(self._sent)

    def _sent(self, task: "asyncio.Future[None]") -> None:
        self._sending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("wechat: a late reply failed", exc_info=task.exception())

    async def _deliver_late(self, delivery: Delivery, open_id: str) -> None:
        bot_messages = await delivery.task
        if bot_messages is None:
            return
        await self._send_pieces(open_id, split_for_wechat(render_turn(bot_messages, knowledge.reply("wechat_option"))))

    async def _send_pieces(self, open_id: str, pieces: List[str]) -> None:
        await self.outbox.send(open_id, pieces)
