"""Rasa NLU component: a user telling the story of a wallet problem is not
off-topic, even when the classifier is unsure.

Two kinds of message leave the classifier unsure while a person reading
them is not:
- an amount the user paid, was charged or sent: "你们什么破系统！！！买机票扣
  了我1280 机票到现在都没出来" reads as a rant (out_of_scope 0.25, complaint
  0.23, charged_but_failed 0.14), and the user who lost 1280 would be told
  the assistant did not understand;
- a long story: "……前几日换了一部新手机，需要重新登录，可登录密码无论如何也
  想不起来了……烦请指点一二" spreads over so many words that no intent reaches
  the fallback threshold (forgot_password 0.19, out_of_scope 0.16).
In either case the likeliest problem with a checklist is taken, if it is
still likely enough and, for a long story, more likely than out_of_scope.
Another company's service named in the message (other_service) keeps it
out of scope.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components.message_rule import MessageRule

CHECKLISTS = Path(__file__).resolve().parent.parent / "knowledge" / "checklists"
_NOT_COUNTED = re.compile(r"[\s\W_]+")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class StoryRule(MessageRule):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # below: the classifier's confidence under which it counts as unsure;
        # at_least: how likely the problem must still be; long: characters
        # from which a message is a story (spaces and punctuation not counted);
        # lift_to: the confidence a taken problem gets at least.
        return {"checklists": str(CHECKLISTS), "below": 0.35, "at_least": 0.1, "long": 30,
                "long_below": 0.25, "long_at_least": 0.15, "lift_to": 0.3}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.problems = {path.stem for path in Path(config["checklists"]).glob("*.yml")}
        self.below, self.at_least = float(config["below"]), float(config["at_least"])
        self.long, self.long_below, self.long_at_least = (int(config["long"]), float(config["long_below"]),
                                                          float(config["long_at_least"]))
        self.lift_to = float(config["lift_to"])   # just above FallbackClassifier's threshold

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            problem = self._problem(message)
            if problem is None:
                continue
            intent = message.get(INTENT) or {}
            ranking = message.get(INTENT_RANKING_KEY) or []
            # The two together when they differ (the message is about one of
            # them); at least enough to pass the fallback threshold.
            together = problem["confidence"] + (intent.get("confidence", 0.0) if intent.get("name") != problem["name"]
                                                else 0.0)
            moved = {"name": problem["name"], "confidence": min(max(together, self.lift_to), 1.0)}
            message.set(INTENT, moved, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [moved] + [r for r in ranking if r.get("name") != moved["name"]],
                        add_to_output=True)
        return messages

    def _problem(self, message: Message) -> Optional[Dict[str, Any]]:
        intent = message.get(INTENT) or {}
        confidence = intent.get("confidence", 0.0)
        entities = {entity.get("entity") for entity in message.get(ENTITIES) or []}
        if "other_service" in entities or (intent.get("name") in self.problems and confidence >= self.below):
            return None
        ranking = message.get(INTENT_RANKING_KEY) or []
        problem = next((r for r in ranking if r.get("name") in self.problems), None)
        if problem is None:
            return None
        unsure = intent.get("name") == "out_of_scope" or confidence < self.below
        if "amount" in entities and unsure and problem.get("confidence", 0.0) >= self.at_least:
            return problem
        off_topic = next((r.get("confidence", 0.0) for r in ranking if r.get("name") == "out_of_scope"), 0.0)
        words = len(_NOT_COUNTED.sub("", message.get(TEXT) or ""))
        if (words >= self.long and confidence < self.long_below
                and problem.get("confidence", 0.0) >= self.long_at_least and problem["confidence"] > off_topic):
            return problem
        return None
