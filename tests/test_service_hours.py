from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from actions.service_hours import ServiceHours

SHANGHAI = ZoneInfo("Asia/Shanghai")
SETTINGS = {
    "timezone": "Asia/Shanghai",
    "service_hours": {d: ["09:00", "21:00"] for d in ["mon", "tue", "wed", "thu", "fri"]}
    | {"sat": ["10:00", "18:00"], "sun": None},
    "closed_dates": ["2026-10-01"],
}


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.mark.parametrize("moment, is_open", [
    ("2026-11-24 09:00", True),    # Tuesday, opening minute
    ("2026-11-24 20:59", True),
    ("2026-11-24 21:00", False),   # closing time is exclusive
    ("2026-11-28 12:00", True),    # Saturday
    ("2026-11-29 12:00", False),   # Sunday: closed
    ("2026-10-01 12:00", False),   # a closed date
])
def test_open_or_closed(moment, is_open):
    assert ServiceHours(SETTINGS).is_open(at(moment)) is is_open


@pytest.mark.parametrize("moment, described", [
    ("2026-11-24 07:30", "今天 09:00"),
    ("2026-11-24 22:00", "明天 09:00"),
    ("2026-11-28 19:00", "周一（11月30日）09:00"),  # Saturday evening, Sunday closed
])
def test_next_opening_is_described_in_chinese(moment, described):
    assert ServiceHours(SETTINGS).describe_next_open(at(moment)) == described


def test_utc_moments_are_converted_to_shanghai_time():
    # 01:30 UTC is 09:30 in Shanghai
    assert ServiceHours(SETTINGS).is_open(datetime(2026, 11, 24, 1, 30, tzinfo=ZoneInfo("UTC")))


def test_hours_table_groups_days_with_the_same_hours():
    assert ServiceHours(SETTINGS).table() == "周一至周五 09:00-21:00\n周六 10:00-18:00\n周日 休息"
