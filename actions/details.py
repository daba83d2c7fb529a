"""The details a human agent needs (time, amount, type of operation, the
error text), asked one at a time before a ticket is opened. Each question
takes only a fitting answer: a time for the time, an amount for the amount,
"不记得 / 没有" for any of them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

from actions import knowledge
from actions.answer_reader import Lexicon, compact, normalize
from components.amounts import NUMBER_PATTERN, parse_number

NOT_GIVEN = "未提供"
NO_ERROR_TEXT = "无"
MAX_AMOUNT = 10_000_000   # larger "amounts" are typos or nonsense
MAX_TEXT = {"incident_time": 100, "txn_type": 20, "error_text": 300}

VALUE, SKIP, STOP, QUESTION, UNFIT = "value", "skip", "stop", "question", "unfit"


@dataclass
class DetailAnswer:
    kind: str
    value: Any = None
    topic: Optional[str] = None


def _patterns(name: str) -> List[re.Pattern]:
    return [re.compile(p, re.IGNORECASE) for p in (knowledge.reading().get("details") or {}).get(name) or []]


def valid_amount(value: Any) -> Optional[float]:
    """A positive amount within limits, or None (from entities, payloads or text)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = amount_in_text(value)
    if not isinstance(value, (int, float)) or value != value or not 0 < value <= MAX_AMOUNT:
        return None
    return int(value) if float(value).is_integer() else round(float(value), 2)


SHORT_REPLY = 4   # characters: "谢谢", "好的吧"

# Several amounts listed ("一笔200一笔500", "200和500") are the total lost,
# unless the user adds them up: "一笔一千九 一笔八百八 一共两千七百八".
_LISTED = re.compile(r"笔|筆|和|加|还有|以及|、|\+|，|,")
_TOTAL = re.compile(rf"(?:一共|总共|總共|共计|合计|加起来)\s*(?:是|有)?\s*({NUMBER_PATTERN})")


def amount_in_text(text: str) -> Optional[float]:
    """The amount a typed answer gives: numbers followed by a count or a time
    ("一笔", "3次", "两天") are not amounts, nor a lone 一 inside a word;
    several listed ones are added up."""
    patterns = knowledge.entity_patterns().get("amount", {})
    counts, units = tuple(patterns.get("not_after_verb") or ()), tuple(patterns.get("units") or ())
    total = _TOTAL.search(text)
    if total and parse_number(total.group(1)) and not text[total.end():].lstrip().startswith(counts):
        return parse_number(total.group(1))
    found = []
    for match in re.finditer(NUMBER_PATTERN, text):
        after = text[match.end():].lstrip()
        if after.startswith(counts):
            continue
        if len(match.group(0)) == 1 and not match.group(0).isdigit() and not after.startswith(units):
            continue   # the 一 of 一共 / 一直 / 一下; "一块" is still one yuan
        number = parse_number(match.group(0))
        if number is not None:
            found.append(number)
    if len(found) > 1 and _LISTED.search(text):
        return sum(found)
    return found[0] if found else None


def valid_txn_type(value: Any) -> Optional[str]:
    if not isinstance(value, str):
        return None
    text = normalize(value)
    for canonical, phrases in knowledge.entity_patterns()["txn_type"].items():
        if canonical in text or any(p.lower() in text for p in phrases):
            return canonical
    # Answers in English to "which kind of transaction?" (the ticket keeps the Chinese name).
    for canonical, phrases in ((knowledge.reading().get("details") or {}).get("txn_type_en") or {}).items():
        if any(re.search(rf"(?<![a-z]){re.escape(p.lower())}", text) for p in phrases):
            return canonical
    return None


_CJK = re.compile(r"[\u4e00-\u9fff]")
# "晚上开播前要拿这钱", "预计明天到账": still to come.
_TO_COME = re.compile(r"明天|后天|待会|一会儿|等下|准备|打算|预计|要在|前要|要拿|再试|will|tomorrow")


def time_in_passing(text: str, precise: bool = False) -> Optional[str]:
    """The words of `text` that name a point in time in the past ("我前天下午
    三点多给闺女转了两千"), kept as the incident time; None when it names
    none. `precise`, for words not said in answer to a question: only a
    clock time or a date, not of something still to come, counts ("昨天"
    alone does not: the agent still wants to know when; "预计明天十点到账"
    is no incident)."""
    patterns = _patterns("time_in_passing")
    # Chinese clauses may be split by spaces; English words may not.
    splitter = r"[，。,!！?？;；\n]|\s+" if _CJK.search(text or "") else r"[，。,!！?？;；\n]"
    told = [clause.strip() for clause in re.split(splitter, text or "")
            if any(p.search(clause) for p in patterns) and not (precise and _TO_COME.search(clause))]
    if precise and not any(p.search(clause) for p in _patterns("time_precise") for clause in told):
        return None
    return " ".join(told)[:MAX_TEXT["incident_time"]] or None


def amount_beside_time(text: str) -> Optional[float]:
    """An amount typed next to a time ("今天上午十一点零五 1860", "26号下午四点多
    3500"): the numbers of the time taken out, what is left."""
    rest = text or ""
    for pattern in _patterns("time_numbers"):
        rest = pattern.sub(" ", rest)
    amount = valid_amount(rest) if re.search(r"\d|[一二两三四五六七八九十百千万]", rest) else None
    # "between 1 and 2 am": a small bare number is more likely part of the time.
    units = tuple((knowledge.entity_patterns().get("amount") or {}).get("units") or ())
    if amount is not None and amount < 10 and not any(unit in rest for unit in units):
        return None
    return amount


def error_in_message(text: str) -> Optional[str]:
    """The error message a user quoted in passing, if any."""
    for pattern in _patterns("error_in_message"):
        match = pattern.search(text or "")
        if match and match.group(1).strip():
            return match.group(1).strip()[:MAX_TEXT["error_text"]]
    return None


def looks_like_time(text: str) -> bool:
    return any(p.search(normalize(text)) for p in _patterns("time"))


def read_detail(slot: str, text: str, lexicon: Lexicon, amounts: List[Any], txn_types: List[Any]) -> DetailAnswer:
    whole = compact(text)
    details = knowledge.reading().get("details") or {}
    if not whole:
        return DetailAnswer(UNFIT)
    if lexicon.find(details.get("stop") or [], whole) or lexicon.has("human", whole):
        return DetailAnswer(STOP)
    skipped = lexicon.find(details.get("skip") or [], whole)
    if skipped and len(whole) <= len(skipped[0][2]) + 4:
        return DetailAnswer(SKIP)
    topic = lexicon.question_topic(text)
    if topic:
        return DetailAnswer(QUESTION, topic=topic)

    # No fitting value but "不知道/不记得" somewhere ("不知道 我登不进去看不到"):
    # the user cannot say, asking again will not help.
    unknown = DetailAnswer(SKIP if skipped else UNFIT)
    if slot == "incident_time":
        if looks_like_time(text):
            return DetailAnswer(VALUE, text.strip()[:MAX_TEXT[slot]])
        return unknown
    if slot == "amount":
        # Several amounts in one answer: the text says how they add up.
        for value in ([text] + amounts if len(amounts) > 1 else amounts + [text]):
            amount = valid_amount(value)
            if amount is not None:
                return DetailAnswer(VALUE, amount)
        return unknown
    if slot == "txn_type":
        for value in txn_types + [text]:
            kind = valid_txn_type(value)
            if kind:
                return DetailAnswer(VALUE, kind)
        return unknown
    # error_text: what the screen said. A bare time or amount is an answer
    # to another question, not an error message; nor is a bare "谢谢" / "好的".
    if lexicon.find(lexicon.list("thanks") + lexicon.list("acknowledge"), whole) and len(whole) <= SHORT_REPLY:
        return DetailAnswer(SKIP)
    stripped = re.sub(r"[\s，。,.!！]", "", text)
    if _is_only_amount(stripped) or (looks_like_time(text) and len(whole) <= 8):
        return DetailAnswer(UNFIT)
    if skipped:
        return DetailAnswer(SKIP)
    return DetailAnswer(VALUE, text.strip()[:MAX_TEXT[slot]])


def _is_only_amount(text: str) -> bool:
    return bool(re.fullmatch(rf"[¥￥]?{NUMBER_PATTERN}(块钱|块|元|圆)?", text))


def clean_details(values: Dict[str, Any]) -> Dict[str, Any]:
    """Details as they may go into a ticket, whatever filled them (a typed
    payload included): amounts in range, canonical types, capped texts."""
    cleaned: Dict[str, Any] = {}
    for slot, value in values.items():
        if value is None:
            continue
        if value == NOT_GIVEN or (slot == "error_text" and value == NO_ERROR_TEXT):
            cleaned[slot] = value
        elif slot == "amount":
            amount = valid_amount(value)
            if amount is not None:
                cleaned[slot] = amount
        elif slot == "txn_type":
            kind = valid_txn_type(value)
            if kind:
                cleaned[slot] = kind
        elif isinstance(value, str):
            cleaned[slot] = value.strip()[:MAX_TEXT.get(slot, 300)]
    return cleaned
