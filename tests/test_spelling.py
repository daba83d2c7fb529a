"""Traditional characters and typing slips are read as the words meant,
and the text keeps its length (token positions point into the user's text)."""

import os

import pytest

from components import spelling


@pytest.mark.parametrize("typed, meant", [
    ("帳戶被鎖了 登不上去", "账户被锁了 登不上去"),
    ("提現失敗怎麼辦", "提现失败怎么办"),
    ("体现三个多小时了还没到", "提现三个多小时了还没到"),
    ("冲值一直失败", "充值一直失败"),
    ("邦卡失败", "绑卡失败"),
    ("支付密马忘了", "支付密码忘了"),
    ("zf失败了", "支付失败了"),
    ("mm忘了咋办", "密码忘了咋办"),
    ("YZM收不到", "验证码收不到"),
])
def test_what_users_type_is_read_as_meant(typed, meant):
    assert spelling.plain(typed) == meant
    assert len(spelling.plain(typed)) == len(typed)


@pytest.mark.parametrize("text", ["zf failed", "bye", "thx", "ok", "my mm is", "付款失败", ""])
def test_english_and_correct_chinese_are_left_alone(text):
    assert spelling.plain(text) == text


def test_an_abbreviation_inside_a_word_is_not_replaced():
    assert spelling.plain("zfb付款") == "zfb付款"


@pytest.fixture
def operator_file(tmp_path, monkeypatch):
    """An operator's typos.yml in place of the shipped one, read at every call."""
    typos = tmp_path / "typos.yml"
    monkeypatch.setattr(spelling, "CHECK_SECONDS", 0.0)
    monkeypatch.setattr(spelling, "TYPOS_FILE", typos)
    return typos


def test_a_slip_that_would_change_the_length_is_left_out_not_fatal(operator_file):
    typos = operator_file
    typos.write_text("typos:\n  支fu: 支付\n  付宽: 付款\n", encoding="utf-8")
    assert spelling.plain("支fu失败 付宽") == "支fu失败 付款"
    assert spelling.invalid_pairs(typos) == ["支fu: 支付"]


def test_the_shipped_file_keeps_every_length():
    assert spelling.invalid_pairs() == []


def test_an_operator_edit_is_read_without_a_restart(operator_file):
    typos = operator_file
    typos.write_text("typos:\n  付宽: 付款\n", encoding="utf-8")
    assert spelling.plain("付宽失败") == "付款失败"
    typos.write_text("typos:\n  付宽: 付宽\n", encoding="utf-8")
    os.utime(typos, (1, 1))   # a different mtime, as any later save has
    assert spelling.plain("付宽失败") == "付宽失败"
