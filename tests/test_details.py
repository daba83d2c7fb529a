"""Answers to the hand-off detail questions, as users type them."""

import pytest

from actions.details import SKIP, UNFIT, VALUE, amount_beside_time, read_detail, time_in_passing, valid_amount
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


@pytest.mark.parametrize("text, precise, told", [
    ("我前天下午三点多给我闺女转了两千块钱 她说到现在也没收到", True, "我前天下午三点多给我闺女转了两千块钱"),
    ("转人工 今天中午12点多付的 168块 你们自己查", True, "今天中午12点多付的"),
    # a day alone is not enough outside the question; plans and "一点开" are no time
    ("我妈昨天接了个电话 对方说是你们客服", True, None),
    ("晚上开播前要拿这钱进货", True, None),
    ("app一点开就闪退", True, None),
    # in answer to a question, any time counts
    ("上礼拜五晚上八点来钟", False, "上礼拜五晚上八点来钟"),
])
def test_a_time_said_in_passing(text, precise, told):
    assert time_in_passing(text, precise=precise) == told


@pytest.mark.parametrize("text, amount", [
    ("今天上午十一点零五 1860", 1860), ("26号下午四点多 3500", 3500), ("昨晚11点多 两笔加起来两千三左右", 2300),
    ("今天早上九点多 二百九十九", 299), ("today around 10am, 800 yuan", 800),
    # the numbers of the time itself are no amount
    ("around 9:40 this morning, like 20 mins ago", None), ("Somewhere between 1 and 2 am last night.", None),
    ("十分钟前", None),
])
def test_an_amount_typed_beside_a_time(text, amount):
    assert amount_beside_time(text) == amount


def test_details_given_unasked_are_kept_and_not_asked_again():
    from actions.common import State
    from actions.handoff import keep_details_said, missing_details

    state = State(problem="charged_but_failed")
    keep_details_said(state, "今天上午十一点零五 1860", answering="incident_time")
    assert state.amount == 1860
    state = State(problem="payment_failed")
    keep_details_said(state, "转人工 今天中午12点多付的 你们自己查")
    assert state.incident_time == "今天中午12点多付的"
    assert "incident_time" not in missing_details(state)
