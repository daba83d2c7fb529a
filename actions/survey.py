"""The one-question satisfaction rating after a solved problem."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import knowledge
from actions.common import entity_values, rating_buttons
from actions.handoff_desk import desk

# Words people rate with when they do not type a number.
WORD_RATINGS = [("很不满意", 1), ("非常不满意", 1), ("不满意", 2), ("一般", 3), ("还行", 3),
                ("非常满意", 5), ("很满意", 5), ("满分", 5), ("五星", 5), ("满意", 4)]
CHINESE_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}


def read_rating(text: str, entities: List[Any]) -> Optional[int]:
    for value in entities:
        try:
            number = int(float(value))
        except (TypeError, ValueError):
            continue
        if 1 <= number <= 5:
            return number
    digit = re.search(r"(?<!\d)([1-5])(?!\d)", text or "")
    if digit:
        return int(digit.group(1))
    chinese = re.search(r"([一二两三四五])\s*[分星]", text or "")
    if chinese:
        return CHINESE_DIGITS[chinese.group(1)]
    for word, rating in WORD_RATINGS:
        if word in (text or ""):
            return rating
    return None


class ActionSaveRating(Action):
    def name(self) -> Text:
        return "action_save_rating"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        rating = read_rating(tracker.latest_message.get("text"), entity_values(tracker, "rating"))
        if rating is None:
            dispatcher.utter_message(text=knowledge.reply("rating_unclear"), buttons=rating_buttons())
            return []
        desk().save_rating(tracker.sender_id, tracker.get_slot("problem"), rating)
        dispatcher.utter_message(text=knowledge.reply("rating_saved"))
        return [SlotSet("problem", None)]
