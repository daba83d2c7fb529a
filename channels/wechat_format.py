"""WeChat shows no buttons: bot messages become one text with numbered
options, and a reply "1" is mapped back to the first option's payload.

Both directions use `numbered_options`, so what the user saw and what a
digit means cannot disagree.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional, Tuple

# WeChat cuts text messages at 2048 bytes; stay under it with room for the XML.
MAX_REPLY_BYTES = 2000
DIGIT_REPLY = re.compile(r"^\s*(\d{1,2})\s*[.、。]?\s*$")
RATING_PAYLOAD = re.compile(r'^/rate\{"rating":\s*(\d)\}$')


HUMAN_PAYLOAD = "/request_human"


def numbered_options(messages: Iterable[Dict[str, Any]]) -> List[Tuple[str, str]]:
    """(title, payload) of every button in one bot turn, first occurrence of
    a payload wins, in the order shown."""
    options: List[Tuple[str, str]] = []
    seen = set()
    for message in messages:
        for button in message.get("buttons") or []:
            payload = button.get("payload")
            if payload and payload not in seen:
                seen.add(payload)
                options.append((button.get("title") or payload, payload))
    # "马上转人工" comes last, wherever it was shown: a user answering a step
    # with "1" / "2" means its yes / no, as on every other step.
    options = ([option for option in options if option[1] != HUMAN_PAYLOAD]
               + [option for option in options if option[1] == HUMAN_PAYLOAD])
    ratings = [RATING_PAYLOAD.match(payload) for _, payload in options]
    if options and all(ratings):
        # A user who replies "5" to a rating means five stars: number the
        # rating options by their score, whatever order they are shown in.
        options = [option for _, option in sorted(zip((int(m.group(1)) for m in ratings), options))]
    return options


def render_turn(messages: List[Dict[str, Any]], option_line: str) -> str:
    """One text for a whole bot turn: messages joined, options listed last."""
    texts = [m["text"].strip() for m in messages if (m.get("text") or "").strip()]
    options = numbered_options(messages)
    if options:
        texts.append("\n".join(option_line.format(number=i, title=title) for i, (title, _) in enumerate(options, 1)))
    return "\n\n".join(texts)


def split_for_wechat(text: str, limit: int = MAX_REPLY_BYTES) -> List[str]:
    """Pieces of at most `limit` UTF-8 bytes, broken at line ends where possible."""
    pieces: List[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate.encode("utf-8")) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while len(line.encode("utf-8")) > limit:
            cut = limit // 3  # a CJK character is 3 bytes
            pieces.append(line[:cut])
            line = line[cut:]
        current = line
    if current:
        pieces.append(current)
    return pieces or [""]


def payload_for_digit(text: str, last_turn: List[Dict[str, Any]]) -> Optional[str]:
    """The payload the user picked by replying with a number, if any."""
    match = DIGIT_REPLY.match(text or "")
    if not match:
        return None
    options = numbered_options(last_turn)
    index = int(match.group(1)) - 1
    return options[index][1] if 0 <= index < len(options) else None


def last_bot_turn(events: Iterable[Any]) -> List[Dict[str, Any]]:
    """The bot messages after the latest user message, from tracker events."""
    turn: List[Dict[str, Any]] = []
    for event in events:
        kind = getattr(event, "type_name", None)
        if kind == "user":
            turn = []
        elif kind == "bot":
            turn.append({"text": event.text, "buttons": (event.data or {}).get("buttons")})
    return turn
