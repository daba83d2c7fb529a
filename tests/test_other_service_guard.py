"""Another company's account, password or app is out of scope; our own
problems that merely mention another service are not."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.other_service_guard import OtherServiceGuard


@pytest.fixture(scope="module")
def guard():
    return OtherServiceGuard(OtherServiceGuard.get_default_config())


def classified(guard, text, intent, confidence=0.85):
    message = Message(data={"text": text, "intent": {"name": intent, "confidence": confidence},
                            "intent_ranking": [{"name": intent, "confidence": confidence},
                                               {"name": "out_of_scope", "confidence": 0.05}]})
    guard.process([message])
    return message.get("intent")["name"], [r["name"] for r in message.get("intent_ranking")]


@pytest.mark.parametrize("text, intent", [
    ("QQ密码忘了怎么找回", "forgot_password"),
    ("我的游戏账号被人盗了", "account_stolen"),
    ("抖音号被封了 登不上", "account_locked"),
    ("招商银行APP一打开就闪退", "app_malfunction"),
    ("家里wifi密码忘了", "forgot_password"),
    ("美团客服电话多少", "contact_channels"),
    ("信用卡年费怎么免", "feature_inquiry"),
    ("京东白条逾期了会不会影响征信", "security_question"),
])
def test_another_services_account_is_out_of_scope(guard, text, intent):
    name, ranking = classified(guard, text, intent)
    assert name == "out_of_scope" and ranking[0] == "out_of_scope" and ranking.count("out_of_scope") == 1


@pytest.mark.parametrize("text, intent", [
    ("在淘宝付款失败了", "payment_failed"),                       # a payment: may be ours
    ("账户被盗了 钱被转到一个微信号上", "account_stolen"),         # the service is where the money went
    ("安心钱包的密码和QQ密码一样 现在忘了", "forgot_password"),     # names our own wallet
    ("支付密码忘了", "forgot_password"),
    ("app一打开就闪退", "app_malfunction"),
    ("你们公众号叫啥名字，我想在微信上找客服", "contact_channels"),   # our own channel on WeChat
    ("微博上有你们官方账号吗", "contact_channels"),
    ("在美团付款扣了两次钱", "charged_but_failed"),                 # a payment problem: may be ours
])
def test_our_own_problems_stay_ours(guard, text, intent):
    assert classified(guard, text, intent)[0] == intent
