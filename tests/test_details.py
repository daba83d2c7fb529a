"""Answers to the hand-off detail questions, as users type them."""

import pytest

from actions.details import SKIP, UNFIT, VALUE, read_detail, valid_amount
from actions.handoff import lexicon


@pytest.mark.parametrize("text, amount", [
    ("1200左右", 1200), ("大概三百", 300), ("两千五", 2500), ("¥88.5", 88.5), ("五块钱", 5),
    # several charges listed: the total lost
    ("一笔200一笔500", 700), ("200和500", 700),
    # ...unless the user adds them up
    ("一笔一千九 一笔八百八 一共两千七百八", 2780), ("总共是3500", 3500),
    # counts and the 一 of 一共 are no amounts
    ("一共3笔 每笔100", 100), ("三次 每次50", 50),
])
def test_the_amount_a_typed_answer_gives(text, amount):
    assert valid_amount(text) == amount


@pytest.mark.parametrize("slot, text, kind", [
    ("amount", "一笔200一笔500", VALUE),
    ("amount", "不记得了", SKIP),
    ("amount", "昨天下午", UNFIT),
    ("incident_time", "昨晚11点左右", VALUE),
    ("incident_time", "300块", UNFIT),
    ("txn_type", "都是付款 买的游戏点卡", VALUE),
    ("error_text", "谢谢", SKIP),          # thanks, not what the screen said
    ("error_text", "提示交易失败，请稍后重试", VALUE),
])
def test_a_detail_answer_fits_its_question(slot, text, kind):
    assert read_detail(slot, text, lexicon(), [], []).kind == kind


def test_several_amounts_in_one_answer_are_read_from_the_text():
    found = read_detail("amount", "一笔一千九 一笔八百八 一共两千七百八", lexicon(), [1900, 880, 2780], [])
    assert (found.kind, found.value) == (VALUE, 2780)
