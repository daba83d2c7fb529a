"""How long something has been, as users type it: "四十多分钟了" → 45
minutes, "三个多小时" → 180, "一天多" → 1440, "才几个钟头" → 180,
"今天刚扣的" → 0, "两个工作日" → 2880. Read by the answer reader for steps
that ask whether a time has passed ("超过 30 分钟了吗？")."""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from components.amounts import DIGITS, parse_number

MINUTE, HOUR, DAY = 1.0, 60.0, 1440.0
# Longest first. No bare 月 / 分: "5月", "5分" are a date and a rating; 日
# only after a Chinese numeral ("两日", not the date "3日").
UNITS = [
    ("工作日", DAY), ("钟头", HOUR), ("小时", HOUR), ("分钟", MINUTE), ("星期", 7 * DAY), ("礼拜", 7 * DAY),
    ("月", 30 * DAY), ("钟", HOUR), ("天", DAY), ("日", DAY), ("周", 7 * DAY), ("秒", MINUTE / 60),
]
_UNIT = "|".join(re.escape(unit) for unit, _ in UNITS)
_AMOUNT = r"\d+(?:\.\d+)?|[零一二两三四五六七八九十百半几]+"
# "四十多分钟" "一个半小时" "十几天" "半天" "几个钟头" "2小时"
# "月" and "钟" only after 个 ("两个月", "三个钟"): "5月" is a date, "三点钟" a time.
_SPAN = re.compile(rf"(?<!第)(?P<n>{_AMOUNT})\s*(?P<ge>个)?(?P<more>多|来|几)?(?P<ge2>个)?(?P<half>半)?\s*(?P<unit>{_UNIT})"
                   rf"(?P<half2>半)?")
_ENGLISH = re.compile(r"(?P<n>\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|nine|ten|few|several)\s+"
                      r"(?P<unit>minute|min|hour|hr|day|week|month)s?\b", re.IGNORECASE)
_ENGLISH_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                    "eight": 8, "nine": 9, "ten": 10, "few": 3, "several": 3}
_ENGLISH_UNITS = {"minute": MINUTE, "min": MINUTE, "hour": HOUR, "hr": HOUR, "day": DAY, "week": 7 * DAY,
                  "month": 30 * DAY}
# Said without a number.
WORDS = [
    (re.compile(r"一整天|一天一夜|整整一天|一宿|一晚上|一整晚|一夜"), DAY),
    (re.compile(r"好几天|好多天|很多天|好些天"), 3 * DAY),
    (re.compile(r"好几个小时|好几个钟头|大半天|老半天"), 4 * HOUR),
    (re.compile(r"大前天"), 3 * DAY),
    (re.compile(r"前天"), 2 * DAY),
    (re.compile(r"昨天|昨晚|昨儿|昨个|昨日|yesterday|last night"), DAY),
    (re.compile(r"上周|上个星期|上礼拜|last week"), 7 * DAY),
    (re.compile(r"上个月|last month"), 30 * DAY),
    (re.compile(r"刚刚|刚才|刚|才.{0,2}(?:扣|转|提|锁|付|申请|退)|今天|今早|just now|a moment ago|today"), 0.0),
]


def _amount(text: str, more: Optional[str]) -> Optional[float]:
    if text == "半":
        return 0.5
    if len(text) == 2 and all(ch in DIGITS for ch in text):   # "三四个小时": about four
        return float(max(DIGITS[ch] for ch in text))
    if text == "几":
        return 3.0
    if text.endswith("几"):        # "十几" → 15
        base = parse_number(text[:-1])
        return None if base is None else base + 5
    value = parse_number(text)
    if value is not None and more in ("多", "来", "几"):
        value += 0.5 if value < 10 else 5
    return value


# "还没到三个工作日", "不到半小时": less than the time said, by any amount.
# "哪来的三天": not that long either.
_BELOW = re.compile(r"(?:不到|没到|未到|还没到|没有到|没超过|没有超过|不超过|未超过|不满|没满|未满|不足|没有|还没|没"
                    r"|哪来的|哪有|哪里有"
                    r"|less than|under)\s*$")
# "快两个钟头了", "将近一天": nearly that long.
_NEARLY = re.compile(r"(?:快|快要|将近|差不多|接近|almost|nearly)\s*$")
NEARLY = 0.8


def span(text: str) -> Optional[Tuple[float, bool]]:
    """(minutes, below): the length of time said, and whether the user said
    it has not yet been that long; None when no length of time is said.
    With several, the longest the user says it has been counts ("扣了20分钟了，
    等了一天")."""
    text = text or ""
    found: List[Tuple[float, bool]] = []
    for match in _SPAN.finditer(text):
        value = _amount(match.group("n"), match.group("more"))
        if value is None:
            continue
        unit = match.group("unit")
        if unit in ("月", "钟") and not (match.group("ge") or match.group("ge2")):
            continue
        if unit == "日" and match.group("n")[0].isdigit():
            continue
        half = 0.5 if match.group("half") or match.group("half2") else 0
        found.append(_qualified((value + half) * dict(UNITS)[unit], text[:match.start()]))
    for match in _ENGLISH.finditer(text):
        number = match.group("n").lower()
        value = float(number) if number[0].isdigit() else _ENGLISH_NUMBERS[number]
        found.append(_qualified(value * _ENGLISH_UNITS[match.group("unit").lower()], text[:match.start()]))
    if found:
        # What the user says it has been counts over what they say it has
        # not: "才一个多小时，哪来的三天" is an hour and a half.
        said_to_be = [item for item in found if not item[1]]
        return max(said_to_be or found)
    # Said in words: the first one said is the event ("今天早上才锁的，昨天晚上还能登").
    said = [(match.start(), value) for pattern, value in WORDS for match in [pattern.search(text)] if match]
    if said:
        start, value = min(said)
        return _qualified(value, text[:start])
    return None


def _qualified(value: float, before: str) -> Tuple[float, bool]:
    if _NEARLY.search(before):
        return value * NEARLY, False
    return value, bool(_BELOW.search(before))


def minutes(text: str) -> Optional[float]:
    """The length of time said in the text, in minutes; None when none is said."""
    said = span(text)
    return None if said is None else said[0]
