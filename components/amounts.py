"""Turns the way Chinese users write money into a number: "两百块" → 200,
"1,000.50元" → 1000.5, "三千五" → 3500, "1.5万" → 15000."""

from __future__ import annotations

import re
from typing import Optional

DIGITS = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "兩": 2,
    "三": 3, "叁": 3, "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6,
    "陸": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
LARGE_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}

NUMERAL_CHARS = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(LARGE_UNITS) + "点點"
ARABIC = r"\d+(?:[,，]\d{3})*(?:\.\d+)?"
# An Arabic number may carry a Chinese multiplier: "3万", "1.5千".
NUMBER_PATTERN = rf"(?:{ARABIC}[{''.join(SMALL_UNITS)}{''.join(LARGE_UNITS)}]?|[{NUMERAL_CHARS}]+)"


def parse_number(text: str) -> Optional[float]:
    """Parses an Arabic, Chinese or mixed number; None when it is not one."""
    text = text.strip()
    if not text:
        return None
    arabic = re.fullmatch(rf"({ARABIC})([{''.join(SMALL_UNITS)}{''.join(LARGE_UNITS)}]?)", text)
    if arabic:
        value = float(re.sub("[,，]", "", arabic.group(1)))
        unit = arabic.group(2)
        if unit:
            value *= SMALL_UNITS.get(unit) or LARGE_UNITS[unit]
        return tidy(value)
    if all(ch in NUMERAL_CHARS for ch in text):
        return _parse_chinese(text)
    return None


def _parse_chinese(text: str) -> Optional[float]:
    if "点" in text or "點" in text:
        whole, fraction = re.split("[点點]", text, maxsplit=1)
        whole_value = _parse_chinese(whole) if whole else 0
        if whole_value is None or not fraction or any(ch not in DIGITS for ch in fraction):
            return None
        return tidy(float(f"{int(whole_value)}." + "".join(str(DIGITS[ch]) for ch in fraction)))

    total = 0      # sum of finished 万/亿 sections
    section = 0    # value inside the current 万 section
    digit = None   # digit waiting for its unit
    last_unit = None
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS[ch] if digit is None else digit * 10 + DIGITS[ch]
        elif ch in SMALL_UNITS:
            unit = SMALL_UNITS[ch]
            section += (1 if digit is None else digit) * unit  # "十五": the 一 is implied
            digit, last_unit = None, unit
        else:
            unit = LARGE_UNITS[ch]
            section += digit or 0
            total = (total + section) * unit if unit > 10_000 else total + section * unit
            section, digit, last_unit = 0, None, unit
    if digit is not None:
        # "三千五" means 3500: a trailing digit counts in the unit below the last one.
        if last_unit and last_unit >= 100 and digit < 10 and not text.endswith(("零", "〇")) and "零" not in text[-2:]:
            section += digit * (last_unit // 10)
        else:
            section += digit
    return tidy(float(total + section))


def tidy(value: float) -> float:
    return int(value) if value == int(value) else round(value, 2)
