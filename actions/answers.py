"""Questions answered straight from knowledge/answers.yml."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import knowledge
from actions.common import hours, latest_intent


class ActionAnswer(Action):
    def name(self) -> Text:
        return "action_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        entry = knowledge.answers().get(latest_intent(tracker))
        if not entry:
            dispatcher.utter_message(text=knowledge.reply("rephrase"))
            return []
        service = hours()
        if service.is_open():
            open_status = "现在是服务时间，人工客服在线。"
        else:
            open_status = f"现在人工客服已下班，{service.describe_next_open()}上班。"
        text = knowledge.fill(entry["text"], service_hours_table=service.table(), open_status=open_status)
        dispatcher.utter_message(text=text, buttons=entry.get("buttons") or None)
        return []
