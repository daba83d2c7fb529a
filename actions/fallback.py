"""Low-confidence or out-of-scope input, while the bot waits for nothing:
first a chance to rephrase with the likely problems as buttons; a second
miss in a row explains what the assistant covers and offers a person
(a ticket only if the user takes that offer)."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import knowledge
from actions.answer_reader import compact
from actions.answers import give_answer
from actions.common import MISSED_INTENTS, begin_turn, consecutive_misses, entity_values, latest_intent, latest_text
from actions.walkthrough import reader, resume_suspended

SUGGESTIONS = 3


def suggestion_buttons(tracker: Tracker, lang: str) -> List[Dict[str, str]]:
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
    return buttons + [{"title": knowledge.reply("rephrase_human_button", lang), "payload": "/request_human"}]


class ActionRephrase(Action):
    def name(self) -> Text:
        return "action_rephrase"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        state, reply = begin_turn(dispatcher, tracker)
        if (state.suspended or {}).get("problem") and reader().lex.has("resume", compact(latest_text(tracker))):
            # "回到刚才那个" once the other problem is over.
            resume_suspended(reply, state)
            return state.events()
        topic = reader().lex.question_topic(latest_text(tracker))
        if topic and give_answer(reply, topic):
            return state.events()   # "一天最多能提多少": the classifier was unsure, the question is plain
        if consecutive_misses(tracker) >= 2:
            reply.say("offtopic_help", buttons=[
                {"title": knowledge.reply("human_button", state.lang), "payload": "/request_human"}])
            return state.events()
        service = entity_values(tracker, "other_service")
        if service:
            reply.say("other_service", service=service[0], buttons=suggestion_buttons(tracker, state.lang))
            return state.events()
        key = "out_of_scope" if latest_intent(tracker) == "out_of_scope" else "rephrase"
        reply.say(key, buttons=suggestion_buttons(tracker, state.lang))
        return state.events()
