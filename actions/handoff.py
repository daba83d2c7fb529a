"""Handing the conversation to a person: the details they will need, the
ticket, what the user says while waiting, and the way back to the bot."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import knowledge
from actions.answer_reader import INFO_INTENTS, SHORT_ANSWER, Lexicon, compact
from actions.answers import give_answer
from actions.common import (AWAIT_DETAIL, AWAIT_RATING, DETAIL_SLOTS, Reply, State, blocking, entity_values, hours,
                            begin_turn, latest_intent, latest_text, nlu_of, rating_buttons, transcript)
from actions.details import (NO_ERROR_TEXT, NOT_GIVEN, QUESTION, SKIP, STOP, VALUE, amount_beside_time, clean_details,
                             looks_like_time, read_detail, time_in_passing)
from actions.survey import read_rating
from desk.records import HANDED_OFF, Records
from desk.tickets import LIVE, TicketDesk

HANDOFF_WAITING, HANDOFF_LIVE = "waiting", "live"


def lexicon() -> Lexicon:
    from actions.walkthrough import reader

    return reader().lex


def missing_details(state: State) -> List[str]:
    """The details this problem's checklist wants that nobody has given yet."""
    if not state.problem:
        return []
    wanted = (knowledge.checklist(state.problem) or {}).get("details") or DETAIL_SLOTS
    return [name for name in DETAIL_SLOTS if name in wanted and getattr(state, name) in (None, "")]


def keep_details_said(state: State, text: str, answering: Optional[str] = None) -> None:
    """A time or an amount the user gave without being asked ("转人工 今天中午
    12点多付的 168块", "今天上午十一点零五 1860" to "when?") is kept, so
    nobody asks for it again. Outside the details a vague "昨天" is not enough."""
    if not text or text.startswith("/"):
        return
    if answering != "incident_time" and state.incident_time in (None, ""):
        state.incident_time = time_in_passing(text, precise=answering is None)
    if answering != "amount" and state.amount in (None, "") and looks_like_time(text):
        state.amount = amount_beside_time(text)


def begin_handoff(reply: Reply, state: State, tracker: Tracker, reason_key: str) -> None:
    """Asks the details still missing, one at a time, then opens the ticket."""
    if reason_key == "handoff_reason_request":
        keep_details_said(state, latest_text(tracker))
    state.handoff_reason = reason_key
    state.misreads = None
    implied = (knowledge.checklist(state.problem) or {}).get("txn_type") if state.problem else None
    if implied and state.txn_type in (None, ""):
        state.txn_type = implied   # "付款失败" needs no "是哪种交易？"
    missing = missing_details(state)
    if missing:
        state.awaiting, state.awaiting_detail = AWAIT_DETAIL, missing[0]
        if reason_key != "handoff_reason_checklist":
            reply.say("details_before_handoff")
        ask_detail(reply, state, missing[0])
        return
    open_ticket(reply, state, tracker)


def ask_detail(reply: Reply, state: State, slot: str) -> None:
    buttons = None
    if slot == "txn_type":
        buttons = [{"title": title, "payload": title} for title in knowledge.entity_patterns()["txn_type"]]
    reply.say(f"ask_{slot}", buttons=buttons)


def read_detail_answer(reply: Reply, state: State, tracker: Tracker, text: str) -> None:
    slot = state.awaiting_detail or "incident_time"
    found = read_detail(slot, text, lexicon(), entity_values(tracker, "amount"), entity_values(tracker, "txn_type"))
    # An amount or a type mentioned in any answer is kept, asked for or not.
    if slot != "amount" and state.amount in (None, "") and entity_values(tracker, "amount"):
        state.amount = clean_details({"amount": entity_values(tracker, "amount")[0]}).get("amount")
    if found.kind == VALUE:
        setattr(state, slot, found.value)
        keep_details_said(state, text, answering=slot)
    elif found.kind == SKIP:
        setattr(state, slot, NO_ERROR_TEXT if slot == "error_text" else NOT_GIVEN)
    elif found.kind == STOP:
        for name in missing_details(state):
            setattr(state, name, NOT_GIVEN)
    elif found.kind == QUESTION:
        give_answer(reply, found.topic)
        reply.say("details_resume")
        ask_detail(reply, state, slot)
        return
    else:
        state.misreads = int(state.misreads or 0) + 1
        if state.misreads >= 2 and slot != "amount":
            # Twice not what was asked: keep the words for the agent rather than ask a third time.
            setattr(state, slot, text.strip()[:100] if slot == "error_text" else NOT_GIVEN)
        else:
            reply.say(f"unfit_{slot}")
            ask_detail(reply, state, slot)
            return
    state.misreads = None
    missing = missing_details(state)
    if missing:
        state.awaiting_detail = missing[0]
        ask_detail(reply, state, missing[0])
        return
    open_ticket(reply, state, tracker)


def open_ticket(reply: Reply, state: State, tracker: Tracker) -> None:
    brand = knowledge.brand()
    queue = brand.get("handoff") or {}
    service = hours()
    within = service.is_open()
    reason_key = state.handoff_reason or "handoff_reason_request"
    details = clean_details({name: getattr(state, name) for name in DETAIL_SLOTS})
    desk = TicketDesk()
    opened = desk.open_ticket(
        conversation_id=tracker.sender_id, channel=tracker.get_latest_input_channel(), problem=state.problem,
        reason=knowledge.reply(reason_key), steps=state.checklist_log, details=details,
        transcript=transcript(tracker), within_hours=within, language=state.lang)
    if state.problem:
        Records().walkthrough_ended(tracker.sender_id, state.problem, HANDED_OFF)
    if opened.appended:
        reply.say("handoff_already_queued", ticket_id=opened.number, queue_ahead=opened.position)
    else:
        reply.say("handoff_intro")
        if within:
            wait = desk.expected_wait_minutes(opened.position, float(queue.get("minutes_per_ticket", 5)),
                                              int(queue.get("agents_on_duty", 1)),
                                              int(queue.get("minimum_wait_minutes", 1)))
            reply.say("handoff_ticket", ticket_id=opened.number, queue_ahead=opened.position, wait_minutes=wait)
        else:
            reply.say("handoff_closed", ticket_id=opened.number, next_open=service.describe_next_open())
        checklist = knowledge.checklist(state.problem) if state.problem else None
        if checklist and checklist.get("handoff_note"):
            reply.text(knowledge.fill(checklist["handoff_note"]), "handoff_note")
    state.handoff = HANDOFF_LIVE if opened.status == LIVE else HANDOFF_WAITING
    state.ticket_number = opened.number
    state.awaiting = state.awaiting_detail = state.handoff_reason = None
    state.misreads = state.switch_to = state.suspended = None
    state.clear_walkthrough()
    for name in DETAIL_SLOTS:
        setattr(state, name, None)


def ask_rating(reply: Reply, state: State, ticket: Optional[str]) -> None:
    reply.say("ask_rating", buttons=rating_buttons(state.lang))
    state.awaiting, state.rating_for, state.misreads = AWAIT_RATING, ticket, None


def save_rating_answer(reply: Reply, state: State, tracker: Tracker, text: str) -> bool:
    rating = read_rating(text, entity_values(tracker, "rating"))
    if rating is None:
        return False
    Records().save_rating(tracker.sender_id, state.problem, rating, state.rating_for)
    if state.rating_for:
        TicketDesk().rate(tracker.sender_id, state.rating_for, rating)
    reply.say("rating_saved")
    state.awaiting, state.rating_for, state.misreads, state.problem = None, None, None, None
    return True


class ActionHandoff(Action):
    """转人工 while nothing else is pending (inside a walkthrough the answer
    reader hands off, after the missing details)."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        state, reply = begin_turn(dispatcher, tracker)
        reason = "handoff_reason_request" if latest_intent(tracker) == "request_human" else "handoff_reason_fallback"
        await blocking(begin_handoff, reply, state, tracker, reason)
        return state.events()


class ActionRelayToAgent(Action):
    """While a person has (or will take) the conversation, the bot keeps
    quiet: messages go to the ticket, and "how much longer?" gets the queue
    position. Before a person has taken it, what is said to the bot rather
    than to the person (thanks, bye, the hotline or hours) gets the bot's
    short answer, so the user is not left without one."""

    def name(self) -> Text:
        return "action_relay_to_agent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        state = State.of(tracker)
        reply = Reply(dispatcher, state.lang)
        await blocking(self.relay, reply, state, tracker, latest_text(tracker))
        return state.events()

    def relay(self, reply: Reply, state: State, tracker: Tracker, text: str) -> None:
        desk = TicketDesk()
        shown = transcript(tracker)[-1:] if text.startswith("/") else [{"text": text}]
        number = desk.add_user_message(tracker.sender_id, shown[0]["text"] if shown else text)
        if number is None:
            # The ticket was closed while this conversation still waited on it.
            state.handoff = state.ticket_number = None
            reply.say("handoff_over")
            return
        ticket = desk.open_ticket_of(tracker.sender_id) or {}
        whole = compact(text)
        waiting = ticket.get("status") != LIVE
        asks = (lexicon().find(knowledge.reading().get("still_waiting") or [], whole)
                or lexicon().has("human", whole) or latest_intent(tracker) == "request_human")
        if waiting and (lexicon().question_topic(text) or not asks):
            # "你们人工客服几点下班啊" asks the hours, though it names 人工客服.
            self.answer_while_waiting(reply, tracker, text, number)
        elif asks and not waiting:
            reply.say("agent_is_on_it")
        elif asks and hours().is_open():
            reply.say("still_in_queue", ticket_id=number, queue_ahead=ticket.get("position", 0))
        elif asks:
            reply.say("still_in_queue_closed", ticket_id=number, next_open=hours().describe_next_open())
        for key_text in reply.dispatcher.messages:
            desk.add_bot_message(tracker.sender_id, key_text.get("text") or "")

    @staticmethod
    def answer_while_waiting(reply: Reply, tracker: Tracker, text: str, number: str) -> None:
        lex, whole = lexicon(), compact(text)
        nlu = nlu_of(tracker)
        topic = lex.question_topic(text) or (nlu.intent if nlu.intent in INFO_INTENTS and nlu.says(nlu.intent)
                                             and len(whole) > 3 else None)
        if topic:
            give_answer(reply, topic)
        elif lex.has("goodbye", whole) and len(whole) <= 2 * SHORT_ANSWER:
            reply.say("goodbye_while_waiting", ticket_id=number)
        elif lex.has("thanks", whole) and len(whole) <= 2 * SHORT_ANSWER:
            reply.say("welcome_while_waiting")


class ActionHandoffClosed(Action):
    """The agent closed the ticket: the bot thanks the user and asks the rating."""

    def name(self) -> Text:
        return "action_handoff_closed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        state = State.of(tracker)
        reply = Reply(dispatcher, state.lang)
        number = next(iter(entity_values(tracker, "ticket_number")), None) or state.ticket_number
        state.handoff = state.ticket_number = None
        reply.say("handoff_closed_by_agent")
        ask_rating(reply, state, number)
        return state.events()


class ActionHandback(Action):
    """The agent handed the conversation back without closing a case."""

    def name(self) -> Text:
        return "action_handback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        state = State.of(tracker)
        state.handoff = state.ticket_number = None
        state.awaiting = None
        Reply(dispatcher, state.lang).say("handed_back")
        return state.events()


class ActionSessionStart(Action):
    """A new session: counted for the supervisor, and a hand-off still open
    from an earlier one stays with the person handling it."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        ticket = await blocking(TicketDesk().open_ticket_of, tracker.sender_id)
        if ticket:
            events += [SlotSet("handoff", HANDOFF_LIVE if ticket["status"] == LIVE else HANDOFF_WAITING),
                       SlotSet("ticket_number", ticket["number"])]
        language = tracker.get_slot("language")
        if language and language != "zh":
            events.append(SlotSet("language", language))
        await blocking(Records().session_started, tracker.sender_id, tracker.get_latest_input_channel())
        return events + [ActionExecuted("action_listen")]
