"""An amount the user paid or lost, or a long story, keeps a message in scope."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.story_rule import StoryRule


@pytest.fixture(scope="module")
def rule():
    return StoryRule(StoryRule.get_default_config())


def classified(rule, ranking, entities, text="…"):
    message = Message(data={"text": text, "intent": dict(ranking[0]), "intent_ranking": [dict(r) for r in ranking],
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


STORY = "本人是一名退休教师，前几日换了一部新手机，需要重新登录，可登录密码无论如何也想不起来了，烦请指点一二"
UNSURE = [{"name": "nlu_fallback", "confidence": 0.25}, {"name": "forgot_password", "confidence": 0.19},
          {"name": "out_of_scope", "confidence": 0.16}]


def test_a_long_story_the_classifier_is_unsure_of_gives_the_likeliest_problem(rule):
    intent = classified(rule, UNSURE[1:], [], STORY)
    assert intent["name"] == "forgot_password" and intent["confidence"] > 0.25   # above the fallback


@pytest.mark.parametrize("ranking, text", [
    (UNSURE[1:], "登录密码想不起来了"),                                   # short: the classifier's doubt stands
    ([{"name": "out_of_scope", "confidence": 0.22}, {"name": "forgot_password", "confidence": 0.19}], STORY),
    ([{"name": "forgot_password", "confidence": 0.12}, {"name": "out_of_scope", "confidence": 0.1}], STORY),
])
def test_a_story_stays_unsure_when_off_topic_leads_or_nothing_is_likely(rule, ranking, text):
    assert classified(rule, ranking, [], text) == ranking[0]
