"""Rasa NLU component: a message about another company's account, password
or app is out of scope, however sure the classifier is.

"QQ密码忘了", "王者荣耀账号被盗了", "工商银行app一直闪退": the classifier hears
忘了 / 被盗 / 闪退 and is sure of forgot_password, account_stolen,
app_malfunction, and the user would be walked through our own checklist
for someone else's account. The services and the problems this applies to
are the operator's list in knowledge/other_services.yml; a message that
also names our own wallet (brand.yml) or points at us ("你们", the list's
`ours`) is left as it is.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from components import spelling
from components.message_rule import MessageRule

KNOWLEDGE = Path(__file__).resolve().parent.parent / "knowledge"
OUT_OF_SCOPE = "out_of_scope"
OTHER_SERVICE = "other_service"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OtherServiceGuard(MessageRule):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"services": str(KNOWLEDGE / "other_services.yml"), "brand": str(KNOWLEDGE / "brand.yml")}

    def __init__(self, config: Dict[Text, Any]) -> None:
        listed = yaml.safe_load(Path(config["services"]).read_text(encoding="utf-8")) or {}
        brand = yaml.safe_load(Path(config["brand"]).read_text(encoding="utf-8")) or {}
        self.problems = set(listed.get("problems") or [])
        services = "|".join(sorted((re.escape(str(s)) for s in listed.get("services") or [] if str(s).strip()),
                                   key=len, reverse=True))
        about = "|".join(sorted((re.escape(str(a)) for a in listed.get("about") or [] if str(a).strip()),
                                key=len, reverse=True))
        within = int(listed.get("within", 6))
        self.pattern = re.compile(rf"(?P<service>{services}).{{0,{within}}}?(?:{about})", re.IGNORECASE) \
            if services and about else None
        self.ours = [str(brand[k]).lower() for k in ("brand_name", "app_name") if brand.get(k)] + [
            str(word).lower() for word in listed.get("ours") or []]

    def other_service(self, text: str) -> Optional[re.Match]:
        if self.pattern is None or any(name in text.lower() for name in self.ours):
            return None
        return self.pattern.search(text)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            found = self.other_service(spelling.plain(message.get(TEXT) or "")) if intent.get("name") in self.problems else None
            if found is None:
                continue
            confidence = intent.get("confidence", 1.0)
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != OUT_OF_SCOPE]
            moved = {"name": OUT_OF_SCOPE, "confidence": confidence}
            message.set(INTENT, moved, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [moved] + ranking, add_to_output=True)
            entity = {"entity": OTHER_SERVICE, "value": found.group("service"), "start": found.start("service"),
                      "end": found.end("service"), "confidence_entity": 1.0, "extractor": self.__class__.__name__}
            message.set(ENTITIES, message.get(ENTITIES, []) + [entity], add_to_output=True)
        return messages
