"""Low-confidence or out-of-scope input: one chance to rephrase, with the
likely problems as buttons; the second miss in a row goes to a person."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import knowledge
from actions.common import MISSED_INTENTS, consecutive_misses, hand_off, latest_intent

SUGGESTIONS = 3


def suggestion_buttons(tracker: Tracker) -> List[Dict[str, str]]:
    titles = {**knowledge.checklist_names(),
              **{k: v["title"] for k, v in knowledge.answers().items() if isinstance(v, dict) and v.get("title")}}
    ranking = tracker.latest_message.get("intent_ranking") or []
    likely = []
    if latest_intent(tracker) != "out_of_scope":
        # For text that is clearly off-topic the ranking below it is noise.
        likely = [r["name"] for r in ranking if r.get("name") in titles and r.get("name") not in MISSED_INTENTS]
    # When the classifier has no idea, offer the problems users have most often.
    for common in knowledge.replies().get("common_problems") or []:
        if len(likely) >= SUGGESTIONS:
            break
        if common not in likely:
            likely.append(common)
    buttons = [{"title": titles[name], "payload": f"/{name}"} for name in likely[:SUGGESTIONS]]
    return buttons + [{"title": knowledge.reply("rephrase_human_button"), "payload": "/request_human"}]


class ActionRephrase(Action):
    def name(self) -> Text:
        return "action_rephrase"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        if consecutive_misses(tracker) >= 2:
            return hand_off(dispatcher, tracker, "handoff_reason_fallback")
        key = "out_of_scope" if latest_intent(tracker) == "out_of_scope" else "rephrase"
        dispatcher.utter_message(text=knowledge.reply(key), buttons=suggestion_buttons(tracker))
        return []
