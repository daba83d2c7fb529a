"""Lengths of time as users type them, in minutes."""

import pytest

from components.durations import minutes, span


@pytest.mark.parametrize("text, expected", [
    ("都四十多分钟了", 45),
    ("早超过半小时了", 30),
    ("三个多小时了还没到", 210),
    ("一个半小时", 90),
    ("才几个钟头", 180),
    ("等了一整天了", 1440),
    ("两个工作日", 2880),
    ("十几天", 15 * 1440),
    ("一个多月", 45 * 1440),
    ("前天就这样了", 2 * 1440),
    ("今天刚扣的啊", 0),
    ("It has been 3 hours", 180),
    ("about two days", 2880),
])
def test_a_length_of_time(text, expected):
    assert minutes(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["下午四点多", "5月3日", "三点钟", "5分", "5000块", "密码错了", "第二天", ""])
def test_times_of_day_dates_ratings_and_amounts_are_no_length_of_time(text):
    assert minutes(text) is None


@pytest.mark.parametrize("text, below", [("还没到三个工作日", True), ("不到半小时", True),
                                         ("less than an hour", True), ("都三天了", False), ("超过两小时了", False)])
def test_not_yet_that_long(text, below):
    assert span(text)[1] is below


@pytest.mark.parametrize("text, expected", [("等了快两个钟头了", 96), ("将近一天", 0.8 * 1440), ("才锁了三四个小时", 240),
                                            ("两三天", 3 * 1440)])
def test_nearly_and_ranges(text, expected):
    assert span(text) == (pytest.approx(expected), False)
