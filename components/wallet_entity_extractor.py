"""Rasa NLU component: `amount` and `txn_type` entities, plus a
`sensitive_data` flag, from the spaCy rules in components/wallet_rules.py."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.wallet_rules import DEFAULT_PATTERNS, DEFAULT_USERDICT, language_of, load_rules


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class WalletEntityExtractor(GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"patterns": str(DEFAULT_PATTERNS), "userdict": str(DEFAULT_USERDICT)}

    @staticmethod
    def supported_languages() -> List[Text]:
        return ["zh"]

    @staticmethod
    def required_packages() -> List[Text]:
        return ["spacy", "jieba", "yaml"]

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.rules = load_rules(config["patterns"], config["userdict"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "WalletEntityExtractor":
        return cls({**cls.get_default_config(), **config})

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            sensitive = self.rules.sensitive(text)
            found = [
                {"entity": f.entity, "value": f.value, "start": f.start, "end": f.end, "confidence_entity": 1.0}
                for f in self.rules.entities(text, sensitive)
            ]
            found += [
                {"entity": "sensitive_data", "value": s.kind, "start": s.start, "end": s.end, "confidence_entity": 1.0}
                for s in sensitive
            ]
            # The language the user writes in; the `language` slot follows it.
            language = language_of(text)
            if language:
                found.append({"entity": "language", "value": language, "start": 0, "end": len(text),
                              "confidence_entity": 1.0})
            if found:
                found = self.add_extractor_name(found)
                message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages
