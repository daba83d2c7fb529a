"""Questions answered straight from knowledge/answers.yml."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import knowledge
from actions.common import Reply, begin_turn, hours, latest_intent


def give_answer(reply: Reply, topic: str) -> bool:
    """Says the operator's answer on `topic`; False when there is none."""
    entry = knowledge.answer(topic, reply.lang)
    if not entry or not entry.get("text"):
        return False
    service = hours()
    if service.is_open():
        open_status = knowledge.reply("open_now", reply.lang)
    else:
        open_status = knowledge.reply("closed_now", reply.lang, next_open=service.describe_next_open())
    text = knowledge.fill(entry["text"], service_hours_table=service.table(), open_status=open_status)
    if reply.lang != "zh" and not knowledge.answers().get(topic, {}).get(reply.lang):
        text = knowledge.reply("english_note", "en") + "\n" + text
    reply.text(text, f"answer.{topic}", entry.get("buttons"))
    return True


class ActionAnswer(Action):
    def name(self) -> Text:
        return "action_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        state, reply = begin_turn(dispatcher, tracker)
        if not give_answer(reply, latest_intent(tracker)):
            reply.say("rephrase")
        return state.events()
