"""Starting a self-check list and answering its steps."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import knowledge
from actions.checklist_runner import HANDOFF, SOLVED, ChecklistRunner, Turn
from actions.common import DETAIL_SLOTS, entity_values, latest_intent, rating_buttons, reset, send


def runner_for(problem: str) -> ChecklistRunner:
    texts = {key: knowledge.reply(key) for key in ("ask_solved", "solved_button", "not_solved_button", "human_button")}
    return ChecklistRunner(knowledge.checklist(problem), texts, knowledge.fill)


def state_events(problem: str, turn: Turn) -> List[EventType]:
    return [
        SlotSet("problem", problem),
        SlotSet("checklist_step", turn.step),
        SlotSet("checklist_phase", turn.phase),
        SlotSet("checklist_log", turn.log),
    ]


def finish(dispatcher: CollectingDispatcher, problem: str, turn: Turn) -> List[EventType]:
    """What happens once a walkthrough ends, solved or not."""
    send(dispatcher, turn.prompts)
    events = state_events(problem, turn)
    if turn.outcome == SOLVED:
        dispatcher.utter_message(text=knowledge.reply("solved"))
        dispatcher.utter_message(text=knowledge.reply("ask_rating"), buttons=rating_buttons())
    elif turn.outcome == HANDOFF:
        # The form asks only for the details still missing, then hands off.
        events += [ActiveLoop("handoff_details_form"), SlotSet("requested_slot", None)]
    return events


class ActionStartChecklist(Action):
    def name(self) -> Text:
        return "action_start_checklist"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        problem = latest_intent(tracker)
        if knowledge.checklist(problem) is None:
            dispatcher.utter_message(text=knowledge.reply("rephrase"))
            return []
        runner = runner_for(problem)
        if tracker.get_slot("problem") == problem and tracker.get_slot("checklist_phase"):
            # Restating the problem mid-walkthrough should not start it over.
            step = int(tracker.get_slot("checklist_step") or 0)
            turn = runner.repeat(step, tracker.get_slot("checklist_phase"), tracker.get_slot("checklist_log") or [])
            send(dispatcher, turn.prompts)
            return []
        # Details from an earlier problem do not belong to this one; what the
        # user said in this very message does.
        stale = [name for name in DETAIL_SLOTS if not entity_values(tracker, name)]
        return reset(stale) + finish(dispatcher, problem, runner.start())


class ActionChecklistAnswer(Action):
    def name(self) -> Text:
        return "action_checklist_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        said_yes = latest_intent(tracker) == "affirm"
        problem = tracker.get_slot("problem")
        phase = tracker.get_slot("checklist_phase")
        if not problem or not phase or knowledge.checklist(problem) is None:
            dispatcher.utter_message(text=knowledge.reply("no_checklist_affirm" if said_yes else "no_checklist_deny"))
            return []
        turn = runner_for(problem).answer(
            int(tracker.get_slot("checklist_step") or 0), phase, said_yes, tracker.get_slot("checklist_log") or [])
        return finish(dispatcher, problem, turn)
