"""Where the bot stands after a turn, read from its stored conversation (Rasa's
HTTP API) and the desk database, in the vocabulary of
tests/conversations/*.yml: step / fix / detail / rating / ticket / answer …"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any, Dict, List

from actions import knowledge

CJK = re.compile(r"[\u4e00-\u9fff]")


def this_turn(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The events after the latest user message."""
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == "user":
            return events[index + 1:]
    return events


def reply_keys(events: List[Dict[str, Any]]) -> List[str]:
    keys = []
    for event in this_turn(events):
        if event.get("event") == "bot":
            metadata = event.get("metadata") or {}
            keys.append(metadata.get("reply_key") or metadata.get("utter_action") or "")
    return keys


def bot_texts(events: List[Dict[str, Any]]) -> List[str]:
    return [e.get("text") or "" for e in this_turn(events) if e.get("event") == "bot"]


def stored_tracker(tracker_db: str, sender: str, slots: List[Any]) -> Dict[str, Any]:
    """The conversation as stored in the tracker store's SQLite file, with the
    slots Rasa's own replay of those events gives: what GET /tracker returns,
    without making the server under test rebuild it after every turn."""
    from rasa.shared.core.trackers import DialogueStateTracker

    with sqlite3.connect(tracker_db) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    events = [json.loads(data) for data, in rows]
    tracker = DialogueStateTracker.from_dict(sender, events, slots)
    return {"slots": tracker.current_slot_values(), "events": events}


def step_id(problem: str, index: Any) -> Any:
    steps = (knowledge.checklist(problem) or {}).get("steps") or []
    index = int(index)
    return steps[index].get("id") if 0 <= index < len(steps) else None


def check(expect: Dict[str, Any], tracker: Dict[str, Any], desk_db: str, sender: str) -> List[str]:
    """What in `expect` does not hold; an empty list when the turn is right."""
    slots = tracker.get("slots") or {}
    events = tracker.get("events") or []
    keys = reply_keys(events)
    problems: List[str] = []

    def want(ok: bool, what: str) -> None:
        if not ok:
            problems.append(what)

    awaiting, phase = slots.get("awaiting"), slots.get("checklist_phase")
    current = slots.get("problem")
    here = step_id(current, slots.get("checklist_step")) if current and slots.get("checklist_step") is not None else None
    if "problem" in expect:
        want(current == expect["problem"], f"problem {expect['problem']} (bot: {current})")
    if "step" in expect:
        # While the bot asks "switch to the other problem?", the step it keeps is the one asked.
        asking = "switch" if "confirm_switch" in expect else "checklist"
        # A question answered after a fix leaves the bot at the same step,
        # still waiting to hear whether the fix worked.
        # So does a switch asked about after a fix, until the user says, and a
        # walkthrough taken up again where it was left (after its fix).
        phases = (("checking", "fixing") if {"answer", "confirm_switch", "resumed"} & set(expect)
                  else ("checking",))
        want(awaiting == asking and phase in phases and here == expect["step"],
             f"step {expect['step']} (bot: awaiting={awaiting} phase={phase} step={here})")
    if "fix" in expect:
        step = next((s for s in (knowledge.checklist(current) or {}).get("steps") or [] if s.get("id") == expect["fix"]),
                    {}) if current else {}
        if step.get("on_no") == "handoff":
            # The fix is said (in the user's language), then the hand-off begins in the same turn.
            fixes = [knowledge.fill(str(s.get("fix") or "")) for s in (step, step.get("en") or {}) if s.get("fix")]
            want(any(fix in text for fix in fixes for text in bot_texts(events)),
                 f"fix {expect['fix']} before the hand-off (said: {keys})")
        else:
            want(awaiting == "checklist" and phase == "fixing" and here == expect["fix"],
                 f"fix {expect['fix']} (bot: awaiting={awaiting} phase={phase} step={here})")
    if "detail" in expect:
        want(awaiting == "detail" and slots.get("awaiting_detail") == expect["detail"],
             f"detail {expect['detail']} (bot: awaiting={awaiting} detail={slots.get('awaiting_detail')})")
    if expect.get("solved"):
        want("solved" in keys, f"solved (said: {keys})")
    if expect.get("rating"):
        want(awaiting == "rating", f"rating (bot: awaiting={awaiting})")
    if "rated" in expect:
        with sqlite3.connect(desk_db) as db:
            rows = db.execute("SELECT rating FROM ratings WHERE conversation_id = ? ORDER BY id", (sender,)).fetchall()
        want(bool(rows) and rows[-1][0] == expect["rated"], f"rated {expect['rated']} (stored: {rows})")
    if expect.get("ticket"):
        with sqlite3.connect(desk_db) as db:
            count = db.execute("SELECT COUNT(*) FROM tickets WHERE conversation_id = ?", (sender,)).fetchone()[0]
        want(count >= 1 and slots.get("handoff") in ("waiting", "live"), f"ticket (tickets: {count}, said: {keys})")
    if "answer" in expect:
        want(f"answer.{expect['answer']}" in keys, f"answer {expect['answer']} (said: {keys})")
    if "confirm_switch" in expect:
        want(awaiting == "switch" and slots.get("switch_to") == expect["confirm_switch"],
             f"confirm_switch {expect['confirm_switch']} (bot: awaiting={awaiting} switch_to={slots.get('switch_to')})")
    if expect.get("resumed"):
        want("resumed" in keys, f"resumed (said: {keys})")
    if expect.get("unsure"):
        want("how_to_check" in keys, f"unsure → how to check (said: {keys})")
    if "skipped" in expect:
        log = slots.get("checklist_log") or []
        first = {entry.get("step") for entry in log if entry.get("how") == "first_message"}
        want(set(expect["skipped"]) <= first and "skipped_steps" in keys,
             f"skipped {expect['skipped']} (taken as done: {sorted(first)}, said: {keys})")
    if expect.get("thanks"):
        want(any(k in ("you_are_welcome_short", "utter_you_are_welcome", "welcome_while_waiting") for k in keys),
             f"thanks (said: {keys})")
    if expect.get("goodbye"):
        want(any(k in ("goodbye_mid_flow", "goodbye", "utter_goodbye", "goodbye_while_waiting") for k in keys),
             f"goodbye (said: {keys})")
    if expect.get("greet"):
        want(any(k in ("greet_short", "utter_greet") for k in keys), f"greet (said: {keys})")
    if expect.get("fallback"):
        want(any(k in ("rephrase", "out_of_scope", "step_not_understood") for k in keys), f"fallback (said: {keys})")
    if expect.get("offtopic_help"):
        with sqlite3.connect(desk_db) as db:
            count = db.execute("SELECT COUNT(*) FROM tickets WHERE conversation_id = ?", (sender,)).fetchone()[0]
        want("offtopic_help" in keys and count == 0, f"offtopic_help without a ticket (said: {keys}, tickets {count})")
    if expect.get("offer_human"):
        want(awaiting == "offer_human", f"offer_human (bot: awaiting={awaiting})")
    if expect.get("waiting"):
        want(any(k in ("still_in_queue", "still_in_queue_closed", "agent_is_on_it") for k in keys),
             f"waiting → queue position (said: {keys})")
    if expect.get("lang") == "en":
        texts = " ".join(bot_texts(events))
        share = len(CJK.findall(texts)) / max(len(texts), 1)
        want(bool(texts) and share < 0.15, f"English (bot said: {texts[:120]!r})")
    return problems
