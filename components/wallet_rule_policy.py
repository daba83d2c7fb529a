"""RulePolicy that stays out of the turns PendingQuestionPolicy decides.

Rasa runs every policy on every prediction and keeps the most confident.
While a question is pending or a person has the conversation, the pending
policy is certain and outranks the rules, so whatever RulePolicy works out
is thrown away; working it out (featurising the whole session twice) was
a fifth of the server's time per message. Here it abstains at once on
those turns and is Rasa's RulePolicy on all others.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from components.pending_question_policy import pending_target


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True)
class WalletRulePolicy(RulePolicy):
    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[Text, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        if pending_target(tracker) is not None:
            return self._rule_prediction(self._default_predictions(domain), "")
        return super().predict_action_probabilities(tracker, domain, rule_only_data, **kwargs)
