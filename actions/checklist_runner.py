"""Walks a self-check list one step at a time.

Knows nothing about payments or accounts: only steps, yes/no answers and the
outcome names in the checklist YAML. Pure functions over a small state dict,
so the whole walkthrough logic is testable without Rasa.

Step fields (knowledge/checklists/*.yml):
  ask        the question; "yes" means the check passed
  yes_label, no_label  button titles for the two answers
  fix        what to do when the check failed
  on_yes     next (default) | solved | fix | handoff
  on_no      fix (default) | solved | next | handoff
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

# Phases of a walkthrough, kept in the `checklist_phase` slot.
CHECKING = "checking"  # a step's question is waiting for yes/no
FIXING = "fixing"      # a fix was given, waiting for "solved?"

# Outcomes the actions act on.
CONTINUE = "continue"
SOLVED = "solved"
HANDOFF = "handoff"


@dataclass
class Prompt:
    text: str
    buttons: List[Dict[str, str]] = field(default_factory=list)


@dataclass
class Turn:
    prompts: List[Prompt]
    outcome: str
    step: Optional[int]
    phase: Optional[str]
    log: List[Dict[str, Any]]


def yes_no_buttons(yes: str, no: str, human: Optional[str] = None) -> List[Dict[str, str]]:
    buttons = [{"title": yes, "payload": "/affirm"}, {"title": no, "payload": "/deny"}]
    if human:
        buttons.append({"title": human, "payload": "/request_human"})
    return buttons


class ChecklistRunner:
    def __init__(self, checklist: Dict[str, Any], texts: Dict[str, str], fill=lambda text: text) -> None:
        """`texts` holds ask_solved, solved_button, not_solved_button and
        human_button from replies.yml; `fill` expands {placeholders}."""
        self.checklist = checklist
        self.steps: List[Dict[str, Any]] = checklist.get("steps") or []
        self.texts = texts
        self.fill = fill
        self.human = texts["human_button"] if checklist.get("urgent") else None

    def start(self) -> Turn:
        prompts = []
        if self.checklist.get("urgent"):
            prompts.append(Prompt(self.fill(self.checklist["urgent"]),
                                  [{"title": self.texts["human_button"], "payload": "/request_human"}]))
        if self.checklist.get("intro"):
            prompts.append(Prompt(self.fill(self.checklist["intro"])))
        return self._ask(0, prompts, [])

    def repeat(self, step: int, phase: Optional[str], log: List[Dict[str, Any]]) -> Turn:
        """The current question again, e.g. when the user restates the problem."""
        if phase == FIXING:
            return Turn([self._solved_prompt()], CONTINUE, step, FIXING, log)
        return self._ask(step, [], log)

    def answer(self, step: int, phase: Optional[str], said_yes: bool, log: List[Dict[str, Any]]) -> Turn:
        if not 0 <= step < len(self.steps):
            return self._exhausted([], log)
        current = self.steps[step]
        log = list(log)
        if phase == FIXING:
            log.append({"step": current.get("id", step), "answer": "fix_worked" if said_yes else "fix_did_not_help"})
            if said_yes:
                return Turn([], SOLVED, None, None, log)
            return self._ask(step + 1, [], log)

        log.append({"step": current.get("id", step), "question": self.fill(current["ask"]),
                    "answer": current.get("yes_label", "是") if said_yes else current.get("no_label", "否")})
        outcome = current.get("on_yes", "next") if said_yes else current.get("on_no", "fix")
        if outcome == "next":
            return self._ask(step + 1, [], log)
        if outcome == "solved":
            return Turn([], SOLVED, None, None, log)
        fix = Prompt(self.fill(current.get("fix", "")))
        if outcome == "handoff":
            return Turn([fix] if fix.text else [], HANDOFF, None, None, log)
        return Turn([fix, self._solved_prompt()], CONTINUE, step, FIXING, log)

    def _ask(self, step: int, prompts: List[Prompt], log: List[Dict[str, Any]]) -> Turn:
        if step >= len(self.steps):
            return self._exhausted(prompts, log)
        current = self.steps[step]
        buttons = yes_no_buttons(current.get("yes_label", "是"), current.get("no_label", "否"), self.human)
        return Turn(prompts + [Prompt(self.fill(current["ask"]), buttons)], CONTINUE, step, CHECKING, log)

    def _exhausted(self, prompts: List[Prompt], log: List[Dict[str, Any]]) -> Turn:
        if self.checklist.get("exhausted"):
            prompts = prompts + [Prompt(self.fill(self.checklist["exhausted"]))]
        return Turn(prompts, HANDOFF, None, None, log)

    def _solved_prompt(self) -> Prompt:
        return Prompt(self.texts["ask_solved"],
                      yes_no_buttons(self.texts["solved_button"], self.texts["not_solved_button"], self.human))
