"""An amount the user paid or lost keeps a message in scope."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.money_in_message import MoneyInMessage


@pytest.fixture(scope="module")
def rule():
    return MoneyInMessage(MoneyInMessage.get_default_config())


def classified(rule, ranking, entities):
    message = Message(data={"text": "…", "intent": dict(ranking[0]), "intent_ranking": [dict(r) for r in ranking],
                            "entities": [{"entity": name, "value": "x"} for name in entities]})
    rule.process([message])
    return message.get("intent")


RANT = [{"name": "out_of_scope", "confidence": 0.25}, {"name": "complaint", "confidence": 0.23},
        {"name": "charged_but_failed", "confidence": 0.14}]


def test_an_amount_in_an_off_topic_reading_gives_the_likeliest_problem(rule):
    intent = classified(rule, RANT, ["amount"])
    assert intent["name"] == "charged_but_failed" and intent["confidence"] > 0.25   # above the fallback


@pytest.mark.parametrize("ranking, entities", [
    (RANT, []),                                               # no amount: off-topic stays off-topic
    (RANT, ["amount", "other_service"]),                      # another company's money
    ([{"name": "complaint", "confidence": 0.8}, {"name": "charged_but_failed", "confidence": 0.1}], ["amount"]),
    ([{"name": "out_of_scope", "confidence": 0.9}, {"name": "payment_failed", "confidence": 0.02}], ["amount"]),
])
def test_otherwise_the_classifier_decides(rule, ranking, entities):
    assert classified(rule, ranking, entities)["name"] == ranking[0]["name"]
