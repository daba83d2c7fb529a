"""RulePolicy stays out of the turns the pending-question policy decides
and is Rasa's own RulePolicy on every other turn."""

from pathlib import Path

import pytest
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components.wallet_rule_policy import WalletRulePolicy

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def domain():
    return Domain.load(str(ROOT / "domain"))


def policy(tmp_path, domain):
    context = ExecutionContext(GraphSchema({}), node_name="rules")
    made = WalletRulePolicy.create({**WalletRulePolicy.get_default_config(), "core_fallback_threshold": 0.3,
                                    "core_fallback_action_name": "action_rephrase"},
                                   LocalModelStorage(tmp_path), Resource("rules"), context)
    made.train([], domain)   # no rules: Rasa's own lookup tables, empty
    return made


def conversation(domain, awaiting):
    events = [ActionExecuted("action_listen")]
    if awaiting:
        events.append(SlotSet("awaiting", awaiting))
    events.append(UserUttered("密码是对的", {"name": "forgot_password", "confidence": 0.9}))
    return DialogueStateTracker.from_events("u", events, slots=domain.slots)


def test_a_pending_question_skips_the_rules(tmp_path, domain, monkeypatch):
    def rules_ran(*_args, **_kwargs):
        raise AssertionError("RulePolicy ran on a turn the pending-question policy decides")

    monkeypatch.setattr(RulePolicy, "predict_action_probabilities", rules_ran)
    prediction = policy(tmp_path, domain).predict_action_probabilities(conversation(domain, "checklist"), domain)
    assert max(prediction.probabilities) <= 0.3 and prediction.policy_name == "WalletRulePolicy"


def test_other_turns_are_rasas_rules(tmp_path, domain, monkeypatch):
    calls = []
    original = RulePolicy.predict_action_probabilities

    def counted(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(RulePolicy, "predict_action_probabilities", counted)
    policy(tmp_path, domain).predict_action_probabilities(conversation(domain, None), domain)
    assert calls == [1]
