"""The tokenizer hands the featurizers simplified, corrected text and English
stems, with token positions still in the user's own text."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.jieba_tokenizer import WalletJiebaTokenizer, english_stem


@pytest.mark.parametrize("forms, stem", [
    (["scam", "scammed", "scams"], "scam"), (["pay", "paying", "pays"], "pay"),
    (["charge", "charged", "charges"], "charg"), (["account", "accounts"], "account"), (["top", "topping"], "top"),
])
def test_forms_of_an_english_word_share_a_stem(forms, stem):
    assert {english_stem(form) for form in forms} == {stem}


def test_chinese_and_numbers_are_left_alone():
    assert [english_stem(word) for word in ("支付", "500", "4G", "wifi连着")] == ["支付", "500", "4G", "wifi连着"]


def test_tokens_read_as_meant_but_point_into_the_users_text():
    tokenizer = WalletJiebaTokenizer(WalletJiebaTokenizer.get_default_config(), None, None)
    text = "帳戶被鎖了 paying 冲值"
    tokens = tokenizer.tokenize(Message(data={"text": text}), "text")
    assert "账户" in [t.text for t in tokens] and "pay" in [t.text for t in tokens] and "充值" in [t.text for t in tokens]
    for token in tokens:
        assert len(text[token.start:token.end]) == token.end - token.start
    paying = next(t for t in tokens if t.text == "pay")
    assert text[paying.start:paying.end] == "paying"
