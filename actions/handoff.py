"""Handing the conversation to a person, and collecting what they will need."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import knowledge
from actions.common import DETAIL_SLOTS, hand_off, latest_intent
from components.amounts import NUMBER_PATTERN, parse_number

NOT_GIVEN = "未提供"
# Answers that mean "I don't know / there is none" for any detail.
SKIP_ANSWERS = {"没有", "没", "无", "没提示", "没有提示", "跳过", "不用", "算了", "没有了", "无提示"}
SKIP_STARTS = ("不记得", "不知道", "忘了", "忘记了", "记不清", "不清楚", "不确定")


def _skipped(value: str) -> bool:
    norm = re.sub(r"[\s，。,.!！~～啊呀吧哦呢]", "", value)
    return norm in SKIP_ANSWERS or norm.startswith(SKIP_STARTS)


class ActionHandoff(Action):
    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        reason = "handoff_reason_request" if latest_intent(tracker) == "request_human" else "handoff_reason_checklist"
        return hand_off(dispatcher, tracker, reason)


class ValidateHandoffDetailsForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_handoff_details_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        checklist = knowledge.checklist(tracker.get_slot("problem") or "") or {}
        wanted = checklist.get("details") or DETAIL_SLOTS
        return [slot for slot in domain_slots if slot in wanted]

    def validate_incident_time(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        text = str(value).strip()[:200]
        return {"incident_time": NOT_GIVEN if not text or _skipped(text) else text}

    def validate_amount(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                        domain: DomainDict) -> Dict[Text, Any]:
        if isinstance(value, (int, float)):
            return {"amount": value}
        text = str(value).strip()
        number = re.search(NUMBER_PATTERN, text)
        parsed = parse_number(number.group(0)) if number else None
        if parsed:
            return {"amount": parsed}
        return {"amount": NOT_GIVEN}

    def validate_txn_type(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> Dict[Text, Any]:
        text = str(value).strip()
        for canonical, phrases in _txn_types().items():
            if canonical in text or any(p in text for p in phrases):
                return {"txn_type": canonical}
        return {"txn_type": NOT_GIVEN if _skipped(text) else text[:50]}

    def validate_error_text(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> Dict[Text, Any]:
        text = str(value).strip()[:500]
        return {"error_text": "无" if not text or _skipped(text) else text}


def _txn_types() -> Dict[str, List[str]]:
    return knowledge.entity_patterns()["txn_type"]
