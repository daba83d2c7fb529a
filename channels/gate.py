"""What every user message passes before Rasa sees it, whichever channel
it came from.

Rasa stores and logs the user's text exactly as the channel hands it over,
so this is the last place where a card number or a code can be removed
before it reaches the tracker store or the logs. Here the message is also
trimmed to a sane length, its client-supplied metadata masked, a typed
button payload (/intent{...}) accepted only if the bot offered exactly that
button in its last turn, and the user warned about what was hidden.
"""

from __future__ import annotations

import logging
import os
import time
from collections import defaultdict
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import UserMessage

from actions import knowledge
from channels.wechat_format import last_bot_turn
from components.sensitive import install_log_masking, mask_data, mask_text

logger = logging.getLogger(__name__)

# Longer messages are cut: nobody types this much, and classifying a
# megabyte of text would stall the server for everyone else.
MAX_MESSAGE_CHARS = 4000
SENSITIVE_KEY = "sensitive_data"
TRUNCATED_KEY = "truncated"
# Payloads any client may send: they carry no values and only do what the
# user could ask for in words (the widget's greeting and its 转人工 button).
ALWAYS_ALLOWED_PAYLOADS = {"/greet", "/request_human"}

Handler = Callable[[UserMessage], Awaitable[None]]


class FloodGuard:
    """Per-conversation flood control. Messages of one conversation are
    handled one after another (Rasa's conversation lock), so a burst from one
    sender would queue until Rasa's lock gives up and drops them, and slow
    everyone meanwhile. Here a sender may have `in_flight` messages waiting
    and `per_minute` in a minute; more are answered at once, politely, and
    not processed. Counted per server process."""

    def __init__(self, in_flight: int = 3, per_minute: int = 40) -> None:
        self.limit_in_flight = in_flight
        self.per_minute = per_minute
        self.in_flight: Dict[str, int] = defaultdict(int)
        self.windows: Dict[str, Tuple[float, int]] = {}

    def admit(self, sender: str) -> bool:
        now = time.monotonic()
        start, count = self.windows.get(sender, (now, 0))
        if now - start > 60:
            start, count = now, 0
        if count >= self.per_minute or self.in_flight[sender] >= self.limit_in_flight:
            return False
        self.windows[sender] = (start, count + 1)
        self.in_flight[sender] += 1
        if len(self.windows) > 50_000:  # forget quiet senders
            self.windows = {k: v for k, v in self.windows.items() if now - v[0] <= 60}
        return True

    def done(self, sender: str) -> None:
        self.in_flight[sender] -= 1
        if self.in_flight[sender] <= 0:
            del self.in_flight[sender]


FLOOD_GUARD = FloodGuard(int(os.environ.get("WALLET_SENDER_IN_FLIGHT", 3)),
                         int(os.environ.get("WALLET_SENDER_PER_MINUTE", 40)))


TYPED_PAYLOAD_MARK = "／"


def clean_text(text: Any) -> Tuple[str, List[str], bool]:
    """The text as it may be stored (trimmed, masked), the kinds masked,
    and whether it had to be cut."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = text.replace("\x00", "").strip()
    truncated = len(text) > MAX_MESSAGE_CHARS
    masked, kinds = mask_text(text[:MAX_MESSAGE_CHARS])
    return masked, kinds, truncated


def with_flags(metadata: Any, kinds: List[str], truncated: bool) -> Optional[Dict[Text, Any]]:
    metadata = mask_data(metadata) if isinstance(metadata, dict) else None
    if kinds:
        metadata = {**(metadata or {}), SENSITIVE_KEY: kinds}
    if truncated:
        metadata = {**(metadata or {}), TRUNCATED_KEY: True}
    return metadata


def current_agent() -> Any:
    """The running Rasa agent (one Sanic app per Rasa process), or None."""
    from sanic import Sanic

    try:
        return getattr(Sanic.get_app().ctx, "agent", None)
    except Exception:
        return None


def offered_payloads(events: List[Any]) -> set:
    return {b.get("payload") for m in last_bot_turn(events) for b in m.get("buttons") or [] if b.get("payload")}


class Gate:
    """Wraps Rasa's message handler for one channel. `agent` returns the
    running Rasa agent (for the last bot turn), or None."""

    def __init__(self, on_new_message: Handler, agent: Callable[[], Any]) -> None:
        self.on_new_message = on_new_message
        self.agent = agent
        install_log_masking()

    async def payload_offered(self, sender_id: Text, text: Text) -> bool:
        if text in ALWAYS_ALLOWED_PAYLOADS:
            return True
        agent = self.agent()
        if agent is None or agent.tracker_store is None:
            return False
        tracker = await agent.tracker_store.retrieve(sender_id)
        return tracker is not None and text in offered_payloads(tracker.events)

    async def replayed(self, message: UserMessage) -> bool:
        """A client that retries a message it already sent (same `message_id`,
        e.g. after a server died mid-request) gets the answer it missed,
        without the message being handled twice."""
        message_id = (message.metadata or {}).get("message_id")
        agent = self.agent()
        if not message_id or agent is None or agent.tracker_store is None:
            return False
        tracker = await agent.tracker_store.retrieve(message.sender_id)
        events = list(tracker.events) if tracker else []
        for index, event in enumerate(events):
            if getattr(event, "type_name", None) == "user" and (event.metadata or {}).get("message_id") == message_id:
                for later in events[index + 1:]:
                    kind = getattr(later, "type_name", None)
                    if kind == "user":
                        break
                    if kind == "bot":
                        await message.output_channel.send_response(message.sender_id, later.message())
                return True
        return False

    async def __call__(self, message: UserMessage, trusted_payload: bool = False) -> None:
        message.text, kinds, truncated = clean_text(message.text)
        message.metadata = with_flags(message.metadata, kinds, truncated)
        output = message.output_channel
        if not message.text:
            await output.send_text_message(message.sender_id, knowledge.reply("empty_message"))
            return
        if await self.replayed(message):
            return
        if message.text.startswith("/") and not trusted_payload \
                and not await self.payload_offered(message.sender_id, message.text):
            # Typed, not clicked: read it as words like any other message. The
            # full-width slash keeps Rasa from parsing it as an intent and tells
            # the language check it is not English someone wrote.
            logger.info("gate: payload not offered to %s, read as text", message.sender_id)
            message.text = TYPED_PAYLOAD_MARK + (message.text.lstrip("/").strip() or "?")
        if not FLOOD_GUARD.admit(message.sender_id):
            logger.warning("gate: %s is sending too fast; message answered, not processed", message.sender_id)
            await output.send_text_message(message.sender_id, knowledge.reply("rate_limited"))
            return
        try:
            if kinds:
                await output.send_text_message(message.sender_id, knowledge.reply("sensitive_warning"))
            if truncated:
                await output.send_text_message(message.sender_id,
                                               knowledge.reply("message_truncated", limit=MAX_MESSAGE_CHARS))
            await self.on_new_message(message)
        except Exception:
            # The message could not be handled or stored (database down past
            # its retries, a broken model): say so, never answer with silence.
            logger.exception("gate: handling a message from %s failed", message.sender_id)
            await output.send_text_message(message.sender_id, knowledge.reply("system_busy"))
        finally:
            FLOOD_GUARD.done(message.sender_id)
