"""Helpers shared by the actions: sending prompts, reading the tracker,
and the hand-off itself (used by both the hand-off and the fallback action)."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import knowledge
from actions.checklist_runner import Prompt
from actions.handoff_desk import desk
from actions.service_hours import ServiceHours

DETAIL_SLOTS = ["incident_time", "amount", "txn_type", "error_text"]
WALKTHROUGH_SLOTS = ["problem", "checklist_step", "checklist_phase", "checklist_log"]
MISSED_INTENTS = {"nlu_fallback", "out_of_scope"}


def send(dispatcher: CollectingDispatcher, prompts: Iterable[Prompt]) -> None:
    for prompt in prompts:
        if prompt.text:
            dispatcher.utter_message(text=prompt.text, buttons=prompt.buttons or None)


def rating_buttons() -> List[Dict[str, str]]:
    return [{"title": b["title"], "payload": f'/rate{{"rating": {b["rating"]}}}'}
            for b in knowledge.replies()["rating_buttons"]]


def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def entity_values(tracker: Tracker, entity: str) -> List[Any]:
    return [e.get("value") for e in tracker.latest_message.get("entities") or [] if e.get("entity") == entity]


def reset(slots: Iterable[str]) -> List[EventType]:
    return [SlotSet(name, None) for name in slots]


def hours() -> ServiceHours:
    return ServiceHours(knowledge.brand())


def transcript(tracker: Tracker) -> List[Dict[str, str]]:
    """The current session as the agent should read it: button clicks shown
    by their titles, not as "/affirm"."""
    lines: List[Dict[str, str]] = []
    last_buttons: Dict[str, str] = {}
    for event in tracker.events:
        kind = event.get("event")
        if kind == "session_started":
            lines, last_buttons = [], {}
        elif kind == "bot" and event.get("text"):
            lines.append({"from": "bot", "text": event["text"]})
            buttons = (event.get("data") or {}).get("buttons") or []
            last_buttons = {b.get("payload"): b.get("title") for b in buttons}
        elif kind == "user":
            text = event.get("text") or ""
            if text.startswith("/"):
                text = f"[点击] {last_buttons.get(text, text)}"
            lines.append({"from": "user", "text": text})
    return lines


def consecutive_misses(tracker: Tracker) -> int:
    """How many user messages in a row, up to the latest, the bot did not understand."""
    misses = 0
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            break
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent not in MISSED_INTENTS:
            break
        misses += 1
    return misses


def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, reason_key: str) -> List[EventType]:
    """Opens a ticket with everything collected so far and tells the user."""
    brand = knowledge.brand()
    queue = brand.get("handoff") or {}
    problem = tracker.get_slot("problem")
    details = {name: tracker.get_slot(name) for name in DETAIL_SLOTS if tracker.get_slot(name) is not None}
    service = hours()
    within = service.is_open()
    ticket = desk().open_ticket(
        conversation_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel(),
        problem=problem,
        reason=knowledge.reply(reason_key),
        steps=tracker.get_slot("checklist_log") or [],
        details=details,
        transcript=transcript(tracker),
        within_hours=within,
        agents=int(queue.get("agents_on_duty", 1)),
        minutes_per_ticket=float(queue.get("minutes_per_ticket", 5)),
        minimum_wait=int(queue.get("minimum_wait_minutes", 1)),
    )
    dispatcher.utter_message(text=knowledge.reply("handoff_intro"))
    if within:
        dispatcher.utter_message(text=knowledge.reply(
            "handoff_ticket", ticket_id=ticket.number, queue_ahead=ticket.queue_ahead, wait_minutes=ticket.wait_minutes))
    else:
        dispatcher.utter_message(text=knowledge.reply(
            "handoff_closed", ticket_id=ticket.number, next_open=service.describe_next_open()))
    checklist = knowledge.checklist(problem) if problem else None
    if checklist and checklist.get("handoff_note"):
        dispatcher.utter_message(text=knowledge.fill(checklist["handoff_note"]))
    return [SlotSet("ticket_number", ticket.number)] + reset(WALKTHROUGH_SLOTS + DETAIL_SLOTS)
