import pytest
from rasa.shared.nlu.training_data.message import Message

from components.wallet_entity_extractor import WalletEntityExtractor


@pytest.fixture(scope="module")
def extractor():
    return WalletEntityExtractor(WalletEntityExtractor.get_default_config())


def entities(extractor, text):
    message = Message(data={"text": text})
    extractor.process([message])
    # The language entity is on every message; tested on its own below.
    return {(e["entity"], e["value"]) for e in message.get("entities", []) if e["entity"] != "language"}


def test_the_language_the_user_writes_in_is_an_entity(extractor):
    for text, language in (("付款失败了", "zh"), ("my payment failed", "en"), ("支付 failed 了", "zh")):
        message = Message(data={"text": text})
        extractor.process([message])
        assert ("language", language) in {(e["entity"], e["value"]) for e in message.get("entities", [])}


@pytest.mark.parametrize("text, expected", [
    ("昨天转账两百块没到账", {("txn_type", "转账"), ("amount", 200)}),
    ("付款1,000.50元失败了", {("txn_type", "支付"), ("amount", 1000.5)}),
    ("充值￥50没到", {("txn_type", "充值"), ("amount", 50)}),
    ("提現三千五塊", {("txn_type", "提现"), ("amount", 3500)}),
    ("退款1.5万元还没到", {("txn_type", "退款"), ("amount", 15000)}),
    ("余额不对", set()),
    # digits right after a money verb are an amount; a time or a count is not
    ("就提了500 没超", {("amount", 500)}),
    ("我按他说的转了800过去", {("amount", 800)}),
    ("对不上 差了200", {("amount", 200)}),
    ("充了3次都不行", set()),
    ("提了2天了还没到", set()),
    ("我转账了两千 后来才知道", {("txn_type", "转账"), ("amount", 2000)}),
    ("转了两三次都不行", set()),
    ("提了十天了", set()),
    ("老板说工资转过去了 3500", {("amount", 3500)}),
    ("账单里有一笔2000的转账", {("txn_type", "转账"), ("amount", 2000)}),
    # what the money was for, right before a bare sum in Chinese numerals
    ("饭店结账八百八 扫码一直付不了", {("amount", 880)}),
    ("店里的营业款 一万八 到现在卡上还没有", {("amount", 18000)}),
    ("被骗了两万三", {("amount", 23000)}),
    # the digit after 块 is tenths
    ("一百三十七块六", {("amount", 137.6)}),
    ("12块5毛", {("amount", 12.5)}),
    # the payment password is no payment
    ("改好了 登录和支付的都改了", set()),
    ("支付密码忘了", set()),
])
def test_amount_and_transaction_type(extractor, text, expected):
    assert entities(extractor, text) == expected


def test_sensitive_data_is_flagged_without_its_value(extractor):
    found = entities(extractor, "验证码是123456，交易密码是Abc12345")
    assert found == {("sensitive_data", "verification_code"), ("sensitive_data", "password")}


def test_digits_of_a_card_number_are_not_read_as_an_amount(extractor):
    found = entities(extractor, "卡号6222021234567890128元")
    assert not [value for entity, value in found if entity == "amount"], found
