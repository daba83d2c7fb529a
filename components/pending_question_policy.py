"""Dialogue policy: while the bot waits for an answer, the next message is
read as that answer first.

A user at a checklist step who types "密码是对的" must not start the
forgot-password checklist because the classifier heard 密码. So while a
question is pending (the `awaiting` slot) every message goes to
`action_read_answer`, which reads it against that question (and still
notices a new problem, a question, thanks or 转人工). While a person has the
conversation (the `handoff` slot) every message goes to the desk instead:
the equivalent of Rasa's conversation pause, kept in slots so it survives
restarts, that still lets the bot answer "how much longer?".

Outside those states it predicts nothing and RulePolicy decides. Its
priority is above RulePolicy's, so it wins when both are certain.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

READ_ANSWER = "action_read_answer"
RELAY = "action_relay_to_agent"
# Intents the framework or the desk sends, never read as an answer.
PASS_THROUGH = {"restart", "session_start", "back"}


def pending_target(tracker: DialogueStateTracker, awaiting_slot: Text = "awaiting",
                   handoff_slot: Text = "handoff") -> Optional[Text]:
    latest = tracker.latest_action_name
    if latest in (READ_ANSWER, RELAY):
        return ACTION_LISTEN_NAME
    if latest != ACTION_LISTEN_NAME or tracker.latest_message is None:
        return None
    intent = (tracker.latest_message.intent or {}).get("name") or ""
    if not intent or intent in PASS_THROUGH or intent.startswith("EXTERNAL_"):
        return None
    if tracker.get_slot(handoff_slot):
        return RELAY
    if tracker.get_slot(awaiting_slot):
        return READ_ANSWER
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT], is_trainable=True)
class PendingQuestionPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 7, "awaiting_slot": "awaiting", "handoff_slot": "handoff"}

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain, **kwargs: Any) -> Resource:
        return self._resource  # nothing to learn: the states are named in the domain

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "PendingQuestionPolicy":
        return cls(config, model_storage, resource, execution_context)

    def target(self, tracker: DialogueStateTracker) -> Optional[Text]:
        """The action for this point of the conversation, or None (let the rules decide)."""
        return pending_target(tracker, self.config["awaiting_slot"], self.config["handoff_slot"])

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[Text, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        action = self.target(tracker)
        if action is not None:
            probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities)
