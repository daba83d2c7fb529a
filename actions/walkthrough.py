"""Walkthroughs: starting a self-check list, and reading each answer while
the bot waits for one (a step, "解决了吗？", switching problems, the offer of
a person). Typed answers are read in context by actions/answer_reader.py."""

from __future__ import annotations

import dataclasses
import functools
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import answer_reader as read
from actions import knowledge
from actions.answer_reader import AnswerReader, Lexicon, Reading, question_for_step, solved_question
from actions.answers import give_answer
from actions.checklist_runner import CHECKING, FIXING, HANDOFF, SOLVED, ChecklistRunner, Turn
from actions.common import (AWAIT_DETAIL, AWAIT_OFFER_HUMAN, AWAIT_RATING, AWAIT_STEP, AWAIT_SWITCH, DETAIL_SLOTS,
                            PROBLEM_INTENTS, Reply, State, blocking, entity_values, begin_turn, latest_intent,
                            latest_text, nlu_of, rating_buttons, said_last_turn)
from actions.details import error_in_message, time_in_passing
from actions.handoff import ask_rating, begin_handoff, read_detail_answer, save_rating_answer
from desk.records import SOLVED as RECORD_SOLVED, Records

RUNNER_TEXTS = ("ask_solved", "solved_button", "not_solved_button", "human_button", "skipped_steps", "unsure_again",
                "told_before_asked", "ask_done", "done_button", "not_done_button")


@functools.lru_cache(maxsize=4)
def _reader(_version: int) -> AnswerReader:
    return AnswerReader(Lexicon(knowledge.reading()))


# Problems a scam victim describes as money that went somewhere.
MONEY_GONE = ("funds_not_received", "charged_but_failed", "payment_failed", "balance_abnormal", "account_stolen")


def reader() -> AnswerReader:
    # Rebuilt when the operator edits reading.yml (knowledge reloads it by mtime).
    return _reader(id(knowledge.reading()))


def runner_for(problem: str, lang: str) -> ChecklistRunner:
    texts = {key: knowledge.reply(key, lang) for key in RUNNER_TEXTS}
    return ChecklistRunner(knowledge.checklist(problem), texts, knowledge.fill, lang)


def pending_question(runner: ChecklistRunner, state: State) -> read.Question:
    step = runner.steps[min(state.step, len(runner.steps) - 1)]
    asked = question_for_step(step, runner.urgent, step.get(state.lang) if state.lang != "zh" else None)
    asked = dataclasses.replace(asked, others_about=other_topics(state.problem, step.get("id"), state.lang),
                                amount_wanted=state.amount if isinstance(state.amount, (int, float)) else None)
    if state.checklist_phase != FIXING:
        return asked
    labels = ("done_button", "not_done_button") if runner.urgent else ("solved_button", "not_solved_button")
    solved = solved_question(runner.texts[labels[0]], runner.texts[labels[1]], runner.urgent)
    # After the fix, the step's own words still say whether it is fixed now
    # ("不理他了" after "请马上停下"); for "问题还在吗？" steps the other way round.
    fixed, broken = ((asked.no_words, asked.yes_words) if asked.yes_means == "problem"
                     else (asked.yes_words, asked.no_words))
    return dataclasses.replace(solved, yes_words=list(fixed), no_words=list(broken))


def other_topics(problem: Optional[str], step_id: Any, lang: str) -> List[str]:
    """Topic words of every other step of every checklist: "网没毛病" at the
    new-password step speaks of the network, not of the password."""
    # Keyed on the loaded checklists, so an operator's edit is seen at once.
    loaded = tuple(id(knowledge.checklist(name)) for name in knowledge.checklist_names())
    return _other_topics(problem, step_id, lang, loaded)


@functools.lru_cache(maxsize=256)
def _other_topics(problem: Optional[str], step_id: Any, lang: str, _loaded: Tuple[int, ...]) -> List[str]:
    words = []
    for name in knowledge.checklist_names():
        for other in (knowledge.checklist(name) or {}).get("steps") or []:
            if name == problem and other.get("id") == step_id:
                continue
            words += list(other.get("about") or []) + list((other.get(lang) or {}).get("about") or [])
    step = next((s for s in (knowledge.checklist(problem or "") or {}).get("steps") or [] if s.get("id") == step_id), {})
    # Words of the step's own question are its topic too: the balance step
    # asks about the money on the card, so "卡里" is no other topic there.
    asked = str(step.get("ask") or "") + str((step.get(lang) or {}).get("ask") or "")
    mine = set(step.get("about") or [])
    return sorted(word for word in set(words) - mine if str(word) not in asked)


def apply(reply: Reply, state: State, tracker: Tracker, problem: str, turn: Turn) -> None:
    """Says what the runner decided and moves the conversation on."""
    reply.prompts(turn.prompts)
    state.problem, state.checklist_log = problem, turn.log
    state.checklist_step, state.checklist_phase = turn.step, turn.phase
    state.misreads = None
    if turn.outcome == SOLVED:
        Records().walkthrough_ended(tracker.sender_id, problem, RECORD_SOLVED)
        reply.say("solved")
        state.checklist_step, state.checklist_phase = None, None
        ask_rating(reply, state, ticket=None)
    elif turn.outcome == HANDOFF:
        begin_handoff(reply, state, tracker, "handoff_reason_checklist")
    else:
        state.awaiting = AWAIT_STEP


def later_checks(runner: ChecklistRunner, state: State, said: str) -> Dict[Any, str]:
    """Steps after the current one that this answer also speaks to."""
    if not said:
        return {}
    steps = [(step.get("id", i), question_for_step(step, runner.urgent, step.get(state.lang)))
             for i, step in enumerate(runner.steps) if i > state.step]
    return reader().checks_in(said, steps)


def repeat_step(reply: Reply, state: State, runner: ChecklistRunner, lead: Optional[str]) -> None:
    if lead:
        reply.say(lead)
    reply.prompts(runner.repeat(state.step, state.checklist_phase, state.checklist_log).prompts)
    state.awaiting = AWAIT_STEP


def resume_suspended(reply: Reply, state: State) -> None:
    """The walkthrough put aside for another problem goes on where it was."""
    suspended = state.suspended or {}
    state.suspended = state.walkthrough() if state.awaiting == AWAIT_STEP else None
    state.problem = suspended["problem"]
    state.checklist_step = suspended.get("checklist_step")
    state.checklist_phase = suspended.get("checklist_phase") or CHECKING
    state.checklist_log = list(suspended.get("checklist_log") or [])
    for name in DETAIL_SLOTS:   # "一笔150块的付不出去", told before the other problem came up
        setattr(state, name, (suspended.get("details") or {}).get(name))
    reply.say("resumed", problem=knowledge.checklist_names().get(state.problem, state.problem))
    repeat_step(reply, state, runner_for(state.problem, state.lang), None)


def start_walkthrough(reply: Reply, state: State, tracker: Tracker, problem: str, text: str) -> None:
    if (state.suspended or {}).get("problem") == problem and state.problem != problem and not text.startswith("/"):
        # "回到刚才闪退那个问题" once the other problem is over: not from the start.
        resume_suspended(reply, state)
        return
    runner = runner_for(problem, state.lang)
    Records().walkthrough_started(tracker.sender_id, problem)
    # Details of an earlier problem do not belong to this one; what the user
    # said in this very message does.
    for name in DETAIL_SLOTS:
        if not entity_values(tracker, name):
            setattr(state, name, None)
    if not text.startswith("/"):
        state.error_text = error_in_message(text)
        state.incident_time = time_in_passing(text, precise=True)
    steps = [(step.get("id", i), question_for_step(step, runner.urgent, step.get(state.lang)))
             for i, step in enumerate(runner.steps)]
    answered = reader().checks_in(text, steps) if not text.startswith("/") else {}
    state.suspended = state.suspended if state.problem in (None, problem) else state.walkthrough()
    apply(reply, state, tracker, problem, runner.start(answered, said=text))


class ActionStartChecklist(Action):
    """A problem named while the bot is not waiting for an answer."""

    def name(self) -> Text:
        return "action_start_checklist"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        state, reply = begin_turn(dispatcher, tracker)
        text = latest_text(tracker)
        problem = latest_intent(tracker)
        if knowledge.checklist(problem) is None:
            reply.say("rephrase")
            return state.events()
        if problem in MONEY_GONE and "answer.verify_official_service" in said_last_turn(tracker):
            # Told how fake support works, the user says the money is gone: scammed.
            problem = "fraud_report"
        lex = reader().lex
        topic = lex.question_topic(text) if not text.startswith("/") else None
        if topic in read.FACT_TOPICS and read.asks(text) and not lex.has("trouble", read.compact(text)):
            # "提现收手续费吗" names withdrawing but asks about fees: answered, no walkthrough.
            give_answer(reply, topic)
            return state.events()
        await blocking(start_walkthrough, reply, state, tracker, problem, text)
        return state.events()


class ActionReadAnswer(Action):
    """Every message while the bot waits for an answer comes here first."""

    def name(self) -> Text:
        return "action_read_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[EventType]:
        state, reply = begin_turn(dispatcher, tracker)
        text = latest_text(tracker)
        await blocking(self.turn, reply, state, tracker, text)
        return state.events()

    def turn(self, reply: Reply, state: State, tracker: Tracker, text: str) -> None:
        handlers = {AWAIT_STEP: self.step, AWAIT_DETAIL: read_detail_answer, AWAIT_RATING: self.rating,
                    AWAIT_SWITCH: self.switch, AWAIT_OFFER_HUMAN: self.offer_human}
        handler = handlers.get(state.awaiting)
        if handler is None or (state.awaiting in (AWAIT_STEP, AWAIT_SWITCH, AWAIT_OFFER_HUMAN)
                               and knowledge.checklist(state.problem or "") is None):
            state.awaiting = None
            reply.say("rephrase")
            return
        handler(reply, state, tracker, text)

    # -- a checklist step, or "解决了吗？" -----------------------------------------

    def step(self, reply: Reply, state: State, tracker: Tracker, text: str,
             reading: Optional[Reading] = None) -> None:
        runner = runner_for(state.problem, state.lang)
        if reading is None:
            reading = reader().read(text, pending_question(runner, state), nlu_of(tracker), state.problem,
                                    PROBLEM_INTENTS)
        said = text if not text.startswith("/") else ""
        kind = reading.kind
        if kind in (read.YES, read.NO):
            phase = state.checklist_phase
            if phase == FIXING and kind == read.YES and reading.evidence == read.STEP_WORDS:
                # The advice was to check something ("先问问商户"), and the user
                # reports the check passed ("商家说确实没生成"): the step is answered,
                # the walkthrough goes on; the problem itself is not solved yet.
                phase = CHECKING
            also = later_checks(runner, state, said) if phase != FIXING else {}
            turn = runner.answer(state.step, phase, kind == read.YES, state.checklist_log,
                                 said=said, sure=reading.sure, also=also)
            if reading.thanked and turn.outcome != SOLVED:
                reply.say("you_are_welcome_short")
            apply(reply, state, tracker, state.problem, turn)
        elif kind == read.SOLVED:
            state.checklist_log = state.checklist_log + [{"step": runner.step_id(state.step), "answer": "solved",
                                                          "read_as": "solved", "said": said}]
            if reading.thanked:
                reply.say("you_are_welcome_short")
            apply(reply, state, tracker, state.problem, Turn([], SOLVED, None, None, state.checklist_log))
        elif kind == read.UNSURE and reading.evidence == read.CONFUSED and state.misreads:
            self.misread(reply, state, runner)   # explained once, still not clear: offer a person
        elif kind == read.UNSURE:
            times = int(state.misreads or 0) + 1
            turn = runner.unsure(state.step, state.checklist_phase, state.checklist_log, said, times)
            apply(reply, state, tracker, state.problem, turn)
            if turn.step == state.checklist_step and turn.phase == CHECKING:
                state.misreads = times
        elif kind == read.STILL_BROKEN or (kind == read.SAME_PROBLEM and state.checklist_phase == FIXING):
            if state.checklist_phase == FIXING:
                self.step(reply, state, tracker, text, Reading(read.NO, evidence=reading.evidence))
            else:
                repeat_step(reply, state, runner, "still_broken_ack")
        elif kind == read.SAME_PROBLEM:
            repeat_step(reply, state, runner, "same_problem_ack")
        elif kind == read.HUMAN:
            begin_handoff(reply, state, tracker, "handoff_reason_request")
        elif kind == read.QUESTION:
            give_answer(reply, reading.topic)
            repeat_step(reply, state, runner, "resume_step")
        elif kind == read.SWITCH:
            state.switch_to, state.awaiting = reading.topic, AWAIT_SWITCH
            title = knowledge.checklist_names().get(reading.topic, reading.topic)
            current = knowledge.checklist_names().get(state.problem, state.problem)
            reply.say("confirm_switch", buttons=self.switch_buttons(state.lang, title), new=title, current=current)
        elif kind == read.RESUME:
            self.resume(reply, state, tracker)
        elif kind in (read.THANKS, read.ACKNOWLEDGE, read.GREET):
            reply.say({read.THANKS: "you_are_welcome_short", read.GREET: "greet_short"}.get(kind, "acknowledged"))
            repeat_step(reply, state, runner, None)
        elif kind == read.GOODBYE:
            reply.say("goodbye_mid_flow")
        elif not self.jump_ahead(reply, state, tracker, runner, said):
            self.misread(reply, state, runner)

    @staticmethod
    def jump_ahead(reply: Reply, state: State, tracker: Tracker, runner: ChecklistRunner, said: str) -> bool:
        """"银行来短信了 扣了200 钱包里没见着" at "within the limit?": no answer
        to this step, but a later check plainly failed. As an agent would,
        go to that check's fix; the steps passed over stay unanswered in the
        ticket."""
        if not said:
            return False
        told = later_checks(runner, state, said)
        if state.checklist_phase == FIXING:
            # "给店家打了电话，人家说查不到" after the fix: not fixed, and the
            # user is already on the next check; the walkthrough goes on.
            if not told:
                return False
            apply(reply, state, tracker, state.problem, runner.answer(state.step, FIXING, False, state.checklist_log,
                                                                      said=said))
            return True
        failed = [i for i, step in enumerate(runner.steps)
                  if i > state.step and told.get(step.get("id", i)) == read.NO]
        if not failed:
            return False
        log = state.checklist_log + [{"step": runner.step_id(i), "answer": "not_answered", "read_as": "passed_over",
                                      "said": said} for i in range(state.step, failed[0])]
        apply(reply, state, tracker, state.problem, runner.answer(failed[0], CHECKING, False, log, said=said))
        return True

    def misread(self, reply: Reply, state: State, runner: ChecklistRunner) -> None:
        state.misreads = int(state.misreads or 0) + 1
        if state.misreads >= 2:
            state.awaiting = AWAIT_OFFER_HUMAN
            reply.say("offer_human", buttons=[
                {"title": knowledge.reply("human_button", state.lang), "payload": "/request_human"},
                {"title": knowledge.reply("keep_checking_button", state.lang), "payload": "/deny"}])
            return
        reply.say("step_not_understood")
        repeat_step(reply, state, runner, None)

    # -- switching problems -----------------------------------------------------------

    @staticmethod
    def switch_buttons(lang: str, title: str) -> List[Dict[str, str]]:
        return [{"title": knowledge.reply("switch_yes_button", lang, new=title), "payload": "/affirm"},
                {"title": knowledge.reply("switch_no_button", lang), "payload": "/deny"}]

    def switch(self, reply: Reply, state: State, tracker: Tracker, text: str) -> None:
        reading = reader().read(text, read.Question(), nlu_of(tracker), state.problem, PROBLEM_INTENTS)
        target = state.switch_to
        state.switch_to = None
        runner = runner_for(state.problem, state.lang)
        if (reading.kind in (read.YES, read.ACKNOWLEDGE) or (reading.kind == read.SWITCH and reading.topic == target)
                # "先解锁吧": not a plain yes, but it names the other problem;
                # "先弄这个吧 这个急": the one just raised.
                or (reading.kind == read.UNREADABLE and (self.names(tracker, target)
                                                         or reader().lex.has("switch_yes", read.compact(text))))):
            reply.say("switching", current=knowledge.checklist_names().get(state.problem, state.problem))
            suspended = state.walkthrough()
            start_walkthrough(reply, state, tracker, target, "")
            state.suspended = suspended
        elif reading.kind == read.RESUME:   # "那个晚点再说，先回到刚才余额的事"
            reply.say("resumed", problem=knowledge.checklist_names().get(state.problem, state.problem))
            repeat_step(reply, state, runner, None)
        elif reading.kind in (read.NO, read.SAME_PROBLEM):
            repeat_step(reply, state, runner, "resume_step")
        elif reading.kind == read.HUMAN:
            begin_handoff(reply, state, tracker, "handoff_reason_request")
        else:
            state.awaiting = AWAIT_STEP
            self.step(reply, state, tracker, text)

    @staticmethod
    def names(tracker: Tracker, problem: Optional[str]) -> bool:
        """The classifier has the problem among its three likeliest."""
        ranking = nlu_of(tracker).ranking or []
        return any(r.get("name") == problem and float(r.get("confidence") or 0) >= 0.15 for r in ranking[:3])

    def resume(self, reply: Reply, state: State, tracker: Tracker) -> None:
        if not (state.suspended or {}).get("problem"):
            repeat_step(reply, state, runner_for(state.problem, state.lang), "resume_step")
            return
        resume_suspended(reply, state)

    # -- "要不要转人工？" after two unreadable answers --------------------------------

    def offer_human(self, reply: Reply, state: State, tracker: Tracker, text: str) -> None:
        runner = runner_for(state.problem, state.lang)
        reading = reader().read(text, pending_question(runner, state), nlu_of(tracker), state.problem,
                                PROBLEM_INTENTS)
        state.awaiting = AWAIT_STEP
        plain = reading.evidence not in (read.STEP_WORDS, "topic words") and reading.kind in (read.YES, read.NO)
        if reading.kind == read.HUMAN or (plain and reading.kind == read.YES):
            begin_handoff(reply, state, tracker, "handoff_reason_request")
        elif plain and reading.kind == read.NO:
            state.misreads = None
            repeat_step(reply, state, runner, "resume_step")
        elif reading.kind == read.UNREADABLE:
            state.misreads = None
            begin_handoff(reply, state, tracker, "handoff_reason_fallback")
        else:
            state.misreads = None
            self.step(reply, state, tracker, text, reading)

    # -- the rating -------------------------------------------------------------------

    def rating(self, reply: Reply, state: State, tracker: Tracker, text: str) -> None:
        if save_rating_answer(reply, state, tracker, text):
            return
        # "886" or "谢谢" instead of a score: the user is done, not rating.
        lex = reader().lex
        if lex.has("goodbye", text) or lex.has("thanks", text):
            state.awaiting, state.rating_for, state.misreads = None, None, None
            reply.say("goodbye" if lex.has("goodbye", text) else "you_are_welcome_short")
            return
        nlu = nlu_of(tracker)
        # Something else entirely (a new problem, a question): the rating can wait.
        if nlu.confidence >= 0.6 and nlu.intent in PROBLEM_INTENTS:
            state.awaiting, state.rating_for = None, None
            start_walkthrough(reply, state, tracker, nlu.intent, text)
            return
        topic = reader().lex.question_topic(text) or (
            nlu.intent if nlu.intent in read.INFO_INTENTS and nlu.confidence >= 0.6 else None)
        if topic:
            state.awaiting, state.rating_for = None, None
            give_answer(reply, topic)
            return
        state.misreads = int(state.misreads or 0) + 1
        if state.misreads >= 2:
            state.awaiting, state.rating_for, state.misreads = None, None, None
            reply.say("rating_skipped")
            return
        reply.say("rating_unclear", buttons=rating_buttons(state.lang))
