"""A fake-support story in which money has already gone is a fraud report;
a question whether a caller is real stays one."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.money_sent_rule import MoneySentRule


@pytest.fixture(scope="module")
def rule():
    return MoneySentRule(MoneySentRule.get_default_config())


def classified(rule, text, intent="verify_official_service", confidence=0.6):
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": confidence},
                            "intent_ranking": [{"name": intent, "confidence": confidence},
                                               {"name": "fraud_report", "confidence": 0.12}]})
    rule.process([message])
    return message.get("intent"), [r["name"] for r in message.get("intent_ranking")]


@pytest.mark.parametrize("text", [
    "刚才有人打电话说是你们客服 说我买的东西有质量问题要理赔 我按他说的转了800过去",
    "说是客服要给我退款 让我开了借呗转给他5000",
    "自称官方的人让我转到安全账户 钱已经转过去了",
])
def test_money_already_sent_is_a_fraud_report(rule, text):
    intent, ranking = classified(rule, text)
    assert intent["name"] == "fraud_report" and round(intent["confidence"], 2) == 0.72
    assert ranking.count("fraud_report") == 1


@pytest.mark.parametrize("text, intent", [
    ("有人说是你们客服 要我验证码 是真的吗", "verify_official_service"),
    ("客服让我转账 我还没转 这是真的客服吗", "verify_official_service"),
    ("客服让我把钱转到安全账户是真的吗", "verify_official_service"),
    ("我转了800给朋友 他没收到", "funds_not_received"),     # not a support-impersonation question
    ("我打了你们热线 接电话的是真客服吗", "verify_official_service"),
    ("他给了我一个链接 说是官方的", "verify_official_service"),
])
def test_other_messages_keep_their_intent(rule, text, intent):
    assert classified(rule, text, intent)[0]["name"] == intent
