"""Masking at the channel boundary.

Rasa stores and logs the user's text exactly as the channel hands it over,
so this is the last place where a card number or a code can be removed
before it reaches the tracker store or the logs. The user is warned at once.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, List, Optional, Text, Tuple

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.request import Request

from actions import knowledge
from components.sensitive import mask_text

# Longer messages are cut: nobody types this much, and classifying a
# megabyte of text would stall the server for everyone else.
MAX_MESSAGE_CHARS = 4000
SENSITIVE_KEY = "sensitive_data"
TRUNCATED_KEY = "truncated"

Handler = Callable[[UserMessage], Awaitable[None]]


def clean_text(text: Optional[str]) -> Tuple[str, List[str]]:
    """The text as it may be stored (trimmed, masked) and the kinds masked."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    return mask_text(text.strip()[:MAX_MESSAGE_CHARS])


def too_long(text: Any) -> bool:
    return isinstance(text, str) and len(text.strip()) > MAX_MESSAGE_CHARS


def with_flags(metadata: Optional[Dict[Text, Any]], kinds: List[str], truncated: bool) -> Optional[Dict[Text, Any]]:
    if kinds:
        metadata = {**(metadata or {}), SENSITIVE_KEY: kinds}
    if truncated:
        metadata = {**(metadata or {}), TRUNCATED_KEY: True}
    return metadata


def guarded(on_new_message: Handler) -> Handler:
    """Masks the message (a no-op when the channel already did), answers
    empty messages itself, warns about masked data, then hands it to Rasa."""

    async def handler(message: UserMessage) -> None:
        truncated = too_long(message.text)
        message.text, kinds = clean_text(message.text)
        message.metadata = with_flags(message.metadata, kinds, truncated)
        flags = message.metadata or {}
        if not message.text:
            await message.output_channel.send_text_message(message.sender_id, knowledge.reply("empty_message"))
            return
        if flags.get(SENSITIVE_KEY):
            await message.output_channel.send_text_message(message.sender_id, knowledge.reply("sensitive_warning"))
        if flags.get(TRUNCATED_KEY):
            await message.output_channel.send_text_message(
                message.sender_id, knowledge.reply("message_truncated", limit=MAX_MESSAGE_CHARS))
        await on_new_message(message)

    return handler


class MaskedRestInput(RestInput):
    """Rasa's REST channel at its usual URL, with masking in front.

    Masking happens where the text is read from the request, so that even
    Rasa's own error log of a failed request sees only the masked text.
    """

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def _cleaned(self, request: Request) -> Tuple[str, List[str], bool]:
        """Masks the request's text once; both extractors below ask for it."""
        if not hasattr(request.ctx, "wallet_cleaned"):
            raw = super()._extract_message(request)
            text, kinds = clean_text(raw)
            request.ctx.wallet_cleaned = (text, kinds, too_long(raw))
        return request.ctx.wallet_cleaned

    def _extract_message(self, req: Request) -> Optional[Text]:
        return self._cleaned(req)[0]

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        _, kinds, truncated = self._cleaned(request)
        return with_flags(super().get_metadata(request), kinds, truncated)

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        return super().blueprint(guarded(on_new_message))
