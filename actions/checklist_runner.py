"""Walks a self-check list one step at a time.

Knows nothing about payments or accounts: only steps, answers and the
outcome names in the checklist YAML. Pure functions over a small state
(step index, phase, log), so the whole walkthrough is testable without Rasa.

Step fields (knowledge/checklists/*.yml):
  id, name   the step's id (written into tickets) and its short name
             ("网络"), used when a first message already answered it
  ask        the question; "yes" means the check passed, unless
  yes_means  is "problem" ("问题还在吗？": yes means still broken)
  yes_label, no_label   button titles for the two answers
  yes_words, no_words   other ways users type those answers
  about      the step's topic words ("网络", "wifi"), read with a generic
             "fine"/"broken" word next to them
  time_passed   {at_least: "30 分钟"[, shorter: nothing][, since: [扣, 付]]}:
             for "has it been that long yet?" steps, a typed length of time
             ("四十多分钟了") at least that long is yes, a shorter one no (or
             nothing); in an earlier message it counts only next to a
             `since` word ("扣了四十分钟", not "才收到三天")
  worked_before  true for steps about something that lasts (a card, a limit,
             the shop): "上礼拜我还在这儿交过" is read as yes (reading.yml
             `worked_before` has the patterns)
  amount_within_limit  true for "is the amount within the limit?" steps: a
             limit and an amount both typed are compared ("单笔上限才500 我
             要充800" is no)
  how_to_check   said when the user does not know the answer
  fix        what to do when the check failed
  on_yes     next (default) | solved | fix | handoff
  on_no      fix (default) | solved | next | handoff
  en:        English versions of ask, labels, fix, how_to_check, name
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

# Phases of a walkthrough, kept in the `checklist_phase` slot.
CHECKING = "checking"  # a step's question is waiting for yes/no
FIXING = "fixing"      # a fix was given, waiting for "solved?"

# Outcomes the actions act on.
CONTINUE = "continue"
SOLVED = "solved"
HANDOFF = "handoff"

# How an answer was read, as written into the ticket.
READ_YES, READ_NO, READ_UNSURE, FIRST_MESSAGE = "yes", "no", "unsure", "first_message"
# A later check passed in passing, in the answer to an earlier step
# ("网络没问题，余额也够" at the network step): not asked again.
TOLD_BEFORE_ASKED = "told_before_asked"


@dataclass
class Prompt:
    text: str
    buttons: List[Dict[str, str]] = field(default_factory=list)
    key: Optional[str] = None   # which operator text this is (kept with the message)


@dataclass
class Turn:
    prompts: List[Prompt]
    outcome: str
    step: Optional[int]
    phase: Optional[str]
    log: List[Dict[str, Any]]


def local(entry: Dict[str, Any], name: str, lang: str, default: Any = None) -> Any:
    """A field in the user's language, falling back to Chinese."""
    if lang != "zh":
        translated = (entry.get(lang) or {}).get(name)
        if translated:
            return translated
    value = entry.get(name)
    return default if value is None else value


def yes_no_buttons(yes: str, no: str, human: Optional[str] = None) -> List[Dict[str, str]]:
    buttons = [{"title": yes, "payload": "/affirm"}, {"title": no, "payload": "/deny"}]
    if human:
        buttons.append({"title": human, "payload": "/request_human"})
    return buttons


class ChecklistRunner:
    def __init__(self, checklist: Dict[str, Any], texts: Dict[str, str],
                 fill: Callable[..., str] = lambda text, **values: text.format(**values) if values else text,
                 lang: str = "zh") -> None:
        """`texts` holds ask_solved, solved_button, not_solved_button,
        human_button, skipped_steps, unsure_again and step_again from
        replies.yml (in the user's language); `fill` expands {placeholders}."""
        self.checklist = checklist
        self.steps: List[Dict[str, Any]] = checklist.get("steps") or []
        self.texts = texts
        self.fill = fill
        self.lang = lang
        self.urgent = bool(checklist.get("urgent"))
        self.human = texts["human_button"] if self.urgent else None

    def text(self, entry: Dict[str, Any], name: str, default: str = "") -> str:
        return self.fill(local(entry, name, self.lang, default) or "")

    def step_id(self, index: int) -> Any:
        return self.steps[index].get("id", index)

    # -- starting ---------------------------------------------------------------

    def start(self, answered: Optional[Dict[Any, str]] = None, said: str = "") -> Turn:
        """The first question; steps the first message already answered are
        taken as done (or, if one failed, its fix comes first)."""
        prompts = []
        if self.urgent:
            prompts.append(Prompt(self.text(self.checklist, "urgent"),
                                  [{"title": self.texts["human_button"], "payload": "/request_human"}], "urgent"))
        intro = self.text(self.checklist, "intro")
        answered = answered or {}
        log: List[Dict[str, Any]] = []
        # Every check the first message already passed is taken as done, even
        # a later one ("网络没问题，余额也够" skips both network and balance).
        known = [i for i, step in enumerate(self.steps)
                 if answered.get(self.step_id(i)) == READ_YES and step.get("on_yes", "next") == "next"]
        log += [self._entry(i, READ_YES, said, FIRST_MESSAGE) for i in known]
        index = self._next_open(0, log)
        if known and index < len(self.steps):
            separator = ", " if self.lang == "en" else "、"
            done = separator.join(self.text(self.steps[i], "name", str(self.step_id(i))) for i in known)
            intro_done = self.fill(self.texts["skipped_steps"], done=done,
                                   next=self.text(self.steps[index], "name", str(self.step_id(index))))
            prompts.append(Prompt(intro_done, key="skipped_steps"))
        elif intro:
            prompts.append(Prompt(intro, key="intro"))
        if index < len(self.steps) and answered.get(self.step_id(index)) == READ_NO:
            log.append(self._entry(index, READ_NO, said, FIRST_MESSAGE))
            return self._outcome(index, False, prompts, log)
        return self._ask(index, prompts, log)

    # -- answering ----------------------------------------------------------------

    def repeat(self, step: int, phase: Optional[str], log: List[Dict[str, Any]],
               lead: Optional[Prompt] = None) -> Turn:
        """The pending question again, after an answer to something else."""
        prompts = [lead] if lead else []
        if phase == FIXING:
            return Turn(prompts + [self._solved_prompt()], CONTINUE, step, FIXING, log)
        return self._ask(step, prompts, log)

    def answer(self, step: int, phase: Optional[str], said_yes: bool, log: List[Dict[str, Any]],
               said: str = "", sure: bool = True, also: Optional[Dict[Any, str]] = None) -> Turn:
        """`also`: later steps the same message answered; passed ones are not asked."""
        if not 0 <= step < len(self.steps):
            return self._exhausted([], log)
        log = list(log)
        if phase == FIXING:
            log.append({"step": self.step_id(step), "answer": "fix_worked" if said_yes else "fix_did_not_help",
                        "said": said, "sure": sure})
            if said_yes and not self.urgent:
                return Turn([], SOLVED, None, None, log)
            return self._ask(step + 1, [], log)
        log.append(self._entry(step, READ_YES if said_yes else READ_NO, said, "typed" if said else "button", sure))
        logged = {entry.get("step") for entry in log}
        passed = [i for i in range(step + 1, len(self.steps))
                  if (also or {}).get(self.step_id(i)) == READ_YES and self.step_id(i) not in logged
                  and self.steps[i].get("on_yes", "next") == "next"]
        log += [self._entry(i, READ_YES, said, TOLD_BEFORE_ASKED) for i in passed]
        turn = self._outcome(step, said_yes, [], log)
        # Said when the skip happens (a passed step further on is skipped quietly when reached).
        skipped_now = [i for i in passed if turn.phase == CHECKING and turn.step is not None and i < turn.step]
        if skipped_now:
            separator = ", " if self.lang == "en" else "、"
            done = separator.join(self.text(self.steps[i], "name", str(self.step_id(i))) for i in skipped_now)
            note = Prompt(self.fill(self.texts["told_before_asked"], done=done), key="told_before_asked")
            turn.prompts.insert(len(turn.prompts) - 1, note)
        return turn

    def unsure(self, step: int, phase: Optional[str], log: List[Dict[str, Any]], said: str,
               times: int) -> Turn:
        """The user cannot tell. First: how to find out, same question. Again:
        noted as unknown, and the walkthrough moves on."""
        if phase == FIXING:
            return self.repeat(step, phase, log)
        current = self.steps[step]
        if times <= 1:
            how = self.text(current, "how_to_check") or self.fill(self.texts["unsure_again"])
            return self._ask(step, [Prompt(how, key="how_to_check")], log)
        log = list(log) + [self._entry(step, READ_UNSURE, said, "typed")]
        return self._ask(step + 1, [], log)

    def _entry(self, index: int, reading: str, said: str, how: str, sure: bool = True) -> Dict[str, Any]:
        step = self.steps[index]
        labels = {READ_YES: local(step, "yes_label", "zh", "是"), READ_NO: local(step, "no_label", "zh", "否"),
                  READ_UNSURE: "用户不确定"}
        entry = {"step": self.step_id(index), "question": self.fill(local(step, "ask", "zh", "")),
                 "answer": labels[reading], "read_as": reading, "how": how}
        if said:
            entry["said"] = said
        if not sure:
            entry["sure"] = False
        return entry

    def _outcome(self, index: int, said_yes: bool, prompts: List[Prompt], log: List[Dict[str, Any]]) -> Turn:
        current = self.steps[index]
        outcome = current.get("on_yes", "next") if said_yes else current.get("on_no", "fix")
        if outcome == "next":
            return self._ask(index + 1, prompts, log)
        if outcome == "solved":
            return Turn(prompts, SOLVED, None, None, log)
        fix = Prompt(self.text(current, "fix"), key="fix")
        if outcome == "handoff":
            return Turn(prompts + ([fix] if fix.text else []), HANDOFF, None, None, log)
        return Turn(prompts + [fix, self._solved_prompt()], CONTINUE, index, FIXING, log)

    def _next_open(self, step: int, log: List[Dict[str, Any]]) -> int:
        """The first step from `step` on that the first message did not already pass."""
        passed = {entry["step"] for entry in log
                  if entry.get("how") in (FIRST_MESSAGE, TOLD_BEFORE_ASKED) and entry.get("read_as") == READ_YES}
        while step < len(self.steps) and self.step_id(step) in passed:
            step += 1
        return step

    def _ask(self, step: int, prompts: List[Prompt], log: List[Dict[str, Any]]) -> Turn:
        step = self._next_open(step, log)
        if step >= len(self.steps):
            return self._exhausted(prompts, log)
        current = self.steps[step]
        buttons = yes_no_buttons(self.text(current, "yes_label", "是"), self.text(current, "no_label", "否"),
                                 self.human)
        return Turn(prompts + [Prompt(self.text(current, "ask"), buttons, "step")], CONTINUE, step, CHECKING, log)

    def _exhausted(self, prompts: List[Prompt], log: List[Dict[str, Any]]) -> Turn:
        text = self.text(self.checklist, "exhausted")
        if text:
            prompts = prompts + [Prompt(text, key="exhausted")]
        return Turn(prompts, HANDOFF, None, None, log)

    def _solved_prompt(self) -> Prompt:
        if self.urgent:
            # One step of an account theft or a fraud done is not the problem
            # solved: "做好了吗？", then the next step.
            return Prompt(self.texts["ask_done"],
                          yes_no_buttons(self.texts["done_button"], self.texts["not_done_button"], self.human),
                          "ask_done")
        return Prompt(self.texts["ask_solved"],
                      yes_no_buttons(self.texts["solved_button"], self.texts["not_solved_button"], self.human),
                      "ask_solved")
