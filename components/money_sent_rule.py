"""Rasa NLU component: "someone claiming to be support" becomes a fraud
report once the user says money has already gone.

"刚才有人打电话说是你们客服 说要理赔 我按他说的转了800过去" reads to the
classifier like "is this caller really you?" (verify_official_service), and
the user would get advice on spotting fake support instead of the fraud
walkthrough (stop paying, keep the evidence, report to the police). The
patterns are the operator's, in knowledge/scam_signs.yml.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Text

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components import spelling
from components.message_rule import MessageRule

SIGNS = Path(__file__).resolve().parent.parent / "knowledge" / "scam_signs.yml"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class MoneySentRule(MessageRule):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"signs": str(SIGNS)}

    def __init__(self, config: Dict[Text, Any]) -> None:
        signs = yaml.safe_load(Path(config["signs"]).read_text(encoding="utf-8")) or {}
        self.from_intents = set(signs.get("from_intents") or [])
        self.to_intent = signs.get("to_intent") or "fraud_report"
        patterns = [str(p) for p in signs.get("money_sent") or [] if str(p).strip()]
        self.money_sent = re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get("name") not in self.from_intents or self.money_sent is None:
                continue
            if not self.money_sent.search(spelling.plain(message.get(TEXT) or "")):
                continue
            ranking = message.get(INTENT_RANKING_KEY) or []
            # The confidence of the two together: the message is about one of them.
            confidence = intent.get("confidence", 0.0) + next(
                (r.get("confidence", 0.0) for r in ranking if r.get("name") == self.to_intent), 0.0)
            moved = {"name": self.to_intent, "confidence": min(confidence, 1.0)}
            message.set(INTENT, moved, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [moved] + [r for r in ranking if r.get("name") != self.to_intent],
                        add_to_output=True)
        return messages
