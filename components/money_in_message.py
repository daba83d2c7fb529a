"""Rasa NLU component: a message that names an amount the user paid, was
charged or sent is about money in the wallet, not off-topic.

"你们什么破系统！！！买机票扣了我1280 机票到现在都没出来" reads to the
classifier as a rant (out_of_scope 0.25, complaint 0.23, charged_but_failed
0.14), and the user who lost 1280 would be told the assistant did not
understand. When the classifier is unsure or calls it off-topic, and the
entity extractor found an amount after a money verb ("扣了我1280",
"转过去了 3500"), the likeliest problem with a checklist is taken instead.
Another company's service named in the message (other_service) keeps it
out of scope.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

CHECKLISTS = Path(__file__).resolve().parent.parent / "knowledge" / "checklists"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class MoneyInMessage(GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # below: the classifier's confidence under which it counts as unsure;
        # at_least: how likely the problem must still be.
        return {"checklists": str(CHECKLISTS), "below": 0.35, "at_least": 0.1}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.problems = {path.stem for path in Path(config["checklists"]).glob("*.yml")}
        self.below, self.at_least = float(config["below"]), float(config["at_least"])

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "MoneyInMessage":
        return cls({**cls.get_default_config(), **config})

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            entities = {entity.get("entity") for entity in message.get(ENTITIES) or []}
            if "amount" not in entities or "other_service" in entities:
                continue
            if intent.get("name") in self.problems:
                continue
            if intent.get("name") != "out_of_scope" and intent.get("confidence", 0.0) >= self.below:
                continue
            ranking = message.get(INTENT_RANKING_KEY) or []
            problem = next((r for r in ranking if r.get("name") in self.problems), None)
            if problem is None or problem.get("confidence", 0.0) < self.at_least:
                continue
            # The two together: the message is about one of them.
            moved = {"name": problem["name"],
                     "confidence": min(problem["confidence"] + intent.get("confidence", 0.0), 1.0)}
            message.set(INTENT, moved, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [moved] + [r for r in ranking if r.get("name") != moved["name"]],
                        add_to_output=True)
        return messages
