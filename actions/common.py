"""Helpers shared by the actions: what the bot is waiting for (slots), how
it speaks (operator texts tagged with their key and language), and reading
the tracker."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import knowledge
from actions.answer_reader import Nlu
from actions.checklist_runner import Prompt
from actions.service_hours import ServiceHours
from components.wallet_rules import language_of as detect_language

DETAIL_SLOTS = ["incident_time", "amount", "txn_type", "error_text"]
MISSED_INTENTS = {"nlu_fallback", "out_of_scope"}
PROBLEM_INTENTS = ["payment_failed", "charged_but_failed", "funds_not_received", "account_stolen", "forgot_password",
                   "account_locked", "refund_request", "bind_card_failed", "top_up_failed", "withdraw_failed",
                   "balance_abnormal", "app_malfunction", "fraud_report"]

# What the bot is waiting for (the `awaiting` slot).
AWAIT_STEP, AWAIT_DETAIL, AWAIT_RATING = "checklist", "detail", "rating"
AWAIT_SWITCH, AWAIT_OFFER_HUMAN = "switch", "offer_human"


async def blocking(function: Callable, *args: Any, **kwargs: Any) -> Any:
    """Database work off the action server's event loop: a slow or locked
    database must not hold up other users' actions."""
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args, **kwargs))


@dataclass
class State:
    """The slots that say where the conversation stands."""
    problem: Optional[str] = None
    checklist_step: Optional[float] = None
    checklist_phase: Optional[str] = None
    checklist_log: List[Dict[str, Any]] = field(default_factory=list)
    awaiting: Optional[str] = None
    awaiting_detail: Optional[str] = None
    misreads: Optional[float] = None
    switch_to: Optional[str] = None
    suspended: Optional[Dict[str, Any]] = None
    language: Optional[str] = None
    handoff: Optional[str] = None
    ticket_number: Optional[str] = None
    rating_for: Optional[str] = None
    handoff_reason: Optional[str] = None
    incident_time: Optional[str] = None
    amount: Any = None
    txn_type: Optional[str] = None
    error_text: Optional[str] = None

    @classmethod
    def of(cls, tracker: Tracker) -> "State":
        state = cls(**{f.name: tracker.get_slot(f.name) for f in fields(cls)})
        state.checklist_log = list(state.checklist_log or [])
        state._before = {f.name: getattr(state, f.name) for f in fields(cls)}
        return state

    @property
    def step(self) -> int:
        return int(self.checklist_step or 0)

    @property
    def lang(self) -> str:
        return self.language or "zh"

    def walkthrough(self) -> Dict[str, Any]:
        """The walkthrough as it stands, with the details told for it, to be
        put aside for another problem and taken up again."""
        return {"problem": self.problem, "checklist_step": self.checklist_step,
                "checklist_phase": self.checklist_phase, "checklist_log": self.checklist_log,
                "details": {name: getattr(self, name) for name in DETAIL_SLOTS if getattr(self, name) is not None}}

    def clear_walkthrough(self) -> None:
        self.problem, self.checklist_step, self.checklist_phase, self.checklist_log = None, None, None, []

    def events(self) -> List[EventType]:
        """SlotSet for every slot this turn changed."""
        before = getattr(self, "_before", {})
        return [SlotSet(f.name, getattr(self, f.name)) for f in fields(self)
                if f.name not in before or before[f.name] != getattr(self, f.name)]


class Reply:
    """What the bot says this turn. Every message carries the key of the
    operator text it came from (kept with the message in the conversation),
    so tests and the agent can tell which answer was given."""

    def __init__(self, dispatcher: CollectingDispatcher, lang: str = "zh") -> None:
        self.dispatcher = dispatcher
        self.lang = lang
        self.keys: List[str] = []

    def text(self, text: str, key: str, buttons: Optional[List[Dict[str, str]]] = None) -> None:
        if text:
            self.keys.append(key)
            self.dispatcher.utter_message(text=text, buttons=buttons or None, reply_key=key)

    def say(self, key: str, buttons: Optional[List[Dict[str, str]]] = None, **values: Any) -> None:
        self.text(knowledge.reply(key, self.lang, **values), key, buttons)

    def prompts(self, prompts: Iterable[Prompt], prefix: str = "") -> None:
        for prompt in prompts:
            self.text(prompt.text, prefix + (prompt.key or "prompt"), prompt.buttons)


def rating_buttons(lang: str = "zh") -> List[Dict[str, str]]:
    texts = knowledge.replies()
    buttons = ((texts.get(lang) or {}).get("rating_buttons") if lang != "zh" else None) or texts["rating_buttons"]
    return [{"title": b["title"], "payload": f'/rate{{"rating": {b["rating"]}}}'} for b in buttons]


def said_last_turn(tracker: Tracker) -> List[str]:
    """The reply keys of what the bot said in answer to the user's message
    before this one."""
    keys: List[str] = []
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users == 2:
                break
        elif event.get("event") == "bot" and users == 1:
            metadata = event.get("metadata") or {}
            keys.append(metadata.get("reply_key") or metadata.get("utter_action") or "")
    return keys


def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


def nlu_of(tracker: Tracker) -> Nlu:
    intent = tracker.latest_message.get("intent") or {}
    ranking = tracker.latest_message.get("intent_ranking") or []
    name, confidence = intent.get("name"), float(intent.get("confidence") or 0)
    if name == "nlu_fallback" and len(ranking) > 1:
        # The fallback hides what the classifier thought; the reader may
        # still use it as a weak hint.
        best = next((r for r in ranking if r.get("name") != "nlu_fallback"), None)
        if best:
            return Nlu(best["name"], float(best.get("confidence") or 0) * 0.5, ranking)
    return Nlu(name, confidence, ranking)


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "").strip()


def entity_values(tracker: Tracker, entity: str) -> List[Any]:
    return [e.get("value") for e in tracker.latest_message.get("entities") or [] if e.get("entity") == entity]


def language_of(text: str, current: Optional[str]) -> str:
    """English once the user writes English, Chinese when they write Chinese;
    unchanged for digits, emoji, payloads and "ok thx" (the NLU component's
    `language` entity follows the same rule)."""
    return detect_language(text) or current or "zh"


def begin_turn(dispatcher: Any, tracker: Tracker) -> Tuple["State", "Reply"]:
    """The conversation's state, its language following this message, and a
    Reply in that language: how every action that answers a message starts."""
    state = State.of(tracker)
    state.language = language_of(latest_text(tracker), state.language)
    return state, Reply(dispatcher, state.lang)


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
            who = "agent" if (event.get("metadata") or {}).get("from_agent") else "bot"
            lines.append({"from": who, "text": event["text"]})
            buttons = (event.get("data") or {}).get("buttons") or []
            last_buttons = {b.get("payload"): b.get("title") for b in buttons}
        elif kind == "user":
            text = event.get("text") or ""
            if text.startswith("/"):
                if text.startswith("/EXTERNAL_") or text not in last_buttons and text == "/greet":
                    continue
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
