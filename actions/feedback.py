"""Suggestions: collected (asked for if the first message was only "我想提建议")
and recorded for the product team."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import knowledge
from desk.records import Records


def substance(text: str) -> str:
    """What is left of a message once the "I want to give feedback" words are gone."""
    words = knowledge.replies().get("feedback_trigger_words") or []
    for word in sorted(words, key=len, reverse=True):
        text = text.replace(word, "")
    return re.sub(r"[\s，。,.!！?？~～:：]", "", text)


class ValidateFeedbackForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_feedback_form"

    async def extract_feedback_text(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        # A first message that already carries the suggestion ("建议加个夜间模式")
        # is recorded as it is, without asking for it again.
        text = tracker.latest_message.get("text") or ""
        if tracker.get_slot("requested_slot") is None and len(substance(text)) >= 4:
            return {"feedback_text": text}
        return {}

    def validate_feedback_text(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        if not isinstance(value, str) or not value.strip():
            return {"feedback_text": None}
        return {"feedback_text": value.strip()[:2000]}


class ActionRecordFeedback(Action):
    def name(self) -> Text:
        return "action_record_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        text: Optional[str] = tracker.get_slot("feedback_text")
        if not text:
            return []
        number = Records().save_feedback(tracker.sender_id, tracker.get_latest_input_channel(), text)
        dispatcher.utter_message(text=knowledge.fill(knowledge.answers()["feedback_saved"]["text"], feedback_id=number))
        return [SlotSet("feedback_text", None)]
