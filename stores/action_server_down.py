"""When the action server cannot be reached, Rasa logs the error and the
user gets no answer at all. Here the user is told the system is busy; a
request for a person is still written as a ticket (straight into the desk
database); what someone writes while waiting for an agent still reaches the
ticket; and nothing of the conversation's state changes, so once the action
server is back the walkthrough continues at the same step.

Imported by the tracker store module, which every Rasa server loads."""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any, Dict, List

from rasa.core.actions.action import ActionExecutionRejection, ActionSessionStart, RemoteAction
from rasa.shared.core.events import BotUttered, Event, SlotSet

logger = logging.getLogger(__name__)

_original_run = RemoteAction.run
HANDOFF_ACTIONS = {"action_handoff"}
RELAY_ACTION = "action_relay_to_agent"


def _asks_for_a_person(tracker: Any) -> bool:
    from actions import knowledge
    from actions.answer_reader import compact

    message = tracker.latest_message
    if message is None:
        return False
    if (message.intent or {}).get("name") == "request_human":
        return True
    words = knowledge.reading().get("human") or []
    text = compact(message.text or "")
    return any(compact(word) in text for word in words)


def _transcript(tracker: Any) -> List[Dict[str, str]]:
    from actions.common import transcript

    class _View:  # the shape actions.common.transcript reads
        events = [event.as_dict() for event in tracker.events]

    return transcript(_View)


def _open_ticket(tracker: Any) -> str:
    from actions import knowledge
    from actions.common import DETAIL_SLOTS, hours
    from actions.details import clean_details
    from desk.tickets import TicketDesk

    opened = TicketDesk().open_ticket(
        conversation_id=tracker.sender_id, channel=tracker.get_latest_input_channel(),
        problem=tracker.get_slot("problem"), reason=knowledge.reply("handoff_reason_request"),
        steps=tracker.get_slot("checklist_log") or [],
        details=clean_details({name: tracker.get_slot(name) for name in DETAIL_SLOTS}),
        transcript=_transcript(tracker), within_hours=hours().is_open(), language=tracker.get_slot("language") or "zh")
    return opened.number


def _relay(tracker: Any) -> None:
    from desk.tickets import TicketDesk

    TicketDesk().add_user_message(tracker.sender_id, tracker.latest_message.text or "")


async def _blocking(function: Any, *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args))


async def run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Event]:
    try:
        return await _original_run(self, output_channel, nlg, tracker, domain)
    except ActionExecutionRejection:
        raise
    except Exception as error:
        logger.error("action server unavailable for '%s' (%s): answering without it", self.name(), error)
        return await _without_action_server(self.name(), output_channel, nlg, tracker, domain)


async def _without_action_server(name: str, output_channel: Any, nlg: Any, tracker: Any,
                                 domain: Any) -> List[Event]:
    from actions import knowledge

    if name == "action_session_start":
        return await ActionSessionStart().run(output_channel, nlg, tracker, domain)
    lang = tracker.get_slot("language") or "zh"
    try:
        if name == RELAY_ACTION:
            await _blocking(_relay, tracker)
            return []
        if name in HANDOFF_ACTIONS or _asks_for_a_person(tracker):
            number = await _blocking(_open_ticket, tracker)
            return [BotUttered(knowledge.reply("system_busy_ticket", lang, ticket_id=number),
                               metadata={"reply_key": "system_busy_ticket"}),
                    SlotSet("handoff", "waiting"), SlotSet("ticket_number", number)]
    except Exception:
        logger.exception("writing to the desk without the action server failed too")
    return [BotUttered(knowledge.reply("system_busy", lang), metadata={"reply_key": "system_busy"})]


def install() -> None:
    RemoteAction.run = run


install()
