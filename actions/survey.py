"""The one-question satisfaction rating, after a problem was solved by the
self-check or an agent closed the ticket."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import Reply, State, blocking

# Words people rate with when they do not type a number (longest first).
WORD_RATINGS = [("非常不满意", 1), ("很不满意", 1), ("特别不满意", 1), ("不太满意", 2), ("不满意", 2), ("一般般", 3),
                ("一般", 3), ("还行", 3), ("还可以", 3), ("凑合", 3), ("非常满意", 5), ("很满意", 5), ("特别满意", 5),
                ("满分", 5), ("五星", 5), ("满意", 4), ("very satisfied", 5), ("satisfied", 4), ("ok", 3),
                ("bad", 1), ("great", 5), ("excellent", 5), ("good", 4)]
CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
# A bare 1-5, maybe with 分/星/stars: "23.5元" or "3块" is not a rating.
# A digit followed by a time or a count is no score ("等了3天").
_NOT_A_SCORE = r"(?!\s*(?:天|小时|个|分钟|次|块|元|号|点|月|年|日|周|笔|days?|hours?|times?))"
DIGIT_RATING = re.compile(rf"^\D{{0,6}}?(?<![\d.])([1-5])(?![\d.]){_NOT_A_SCORE}\s*(分|星|颗星|stars?|/5)?\D{{0,6}}$",
                          re.IGNORECASE)
# "4吧 差点heart attack": the score first, then a remark with no other number.
LEADING_RATING = re.compile(rf"^\D{{0,3}}?(?<![\d.])([1-5])(?![\d.]){_NOT_A_SCORE}\s*(?:分|星|颗星|吧|啦|呗)?\D*$")
# "4, would've been 5 if …": a score, then a remark that may name another number.
SCORE_THEN_REMARK = re.compile(r"^\s*([1-5])\s*(?:分|星|颗星|stars?)?\s*[,，.。!！;；]")
MONEY = re.compile(r"[元块¥￥]|rmb|yuan", re.IGNORECASE)


def read_rating(text: str, entities: List[Any]) -> Optional[int]:
    """A rating of 1-5 from a button, a number or words; None otherwise."""
    for value in entities:
        if isinstance(value, bool):
            continue
        if isinstance(value, (int, float)) and float(value).is_integer() and 1 <= value <= 5:
            return int(value)
        if isinstance(value, str) and value.strip() in {"1", "2", "3", "4", "5"}:
            return int(value)
    text = (text or "").strip()
    if not text or text.startswith("/") or MONEY.search(text):
        return None
    digit = DIGIT_RATING.match(text) or LEADING_RATING.match(text) or SCORE_THEN_REMARK.match(text)
    if digit:
        return int(digit.group(1))
    chinese = re.search(r"([一二两三四五])\s*(?:颗|个)?\s*[分星]", text)
    if chinese:
        return CHINESE_DIGITS[chinese.group(1)]
    lowered = text.lower()
    for word, rating in WORD_RATINGS:
        if word in lowered:
            return rating
    return None


class ActionSaveRating(Action):
    """A rating button clicked when the bot no longer waits for one."""

    def name(self) -> Text:
        return "action_save_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        from actions.handoff import save_rating_answer

        state = State.of(tracker)
        reply = Reply(dispatcher, state.lang)
        text = tracker.latest_message.get("text") or ""
        saved = await blocking(save_rating_answer, reply, state, tracker, text)
        if saved:
            return state.events()
        from actions.walkthrough import reader   # walkthrough imports this module

        # Digits that are no score: "886" (bye-bye) is read as a rating by the NLU.
        lex = reader().lex
        if lex.has("goodbye", text):
            reply.say("goodbye")
        elif lex.has("thanks", text):
            reply.say("you_are_welcome_short")
        else:
            reply.say("no_checklist_affirm")
        return state.events()
