"""Finds and masks sensitive data: bank-card numbers, verification codes,
passwords, card security codes (CVV), card expiry dates, ID numbers and
mobile numbers.

Deliberately free of spaCy and Rasa imports: the input channels, the tracker
store, the action server and the log records all mask with it, and the action
server should not pay for loading an NLP stack. The rules (keywords, joiners,
separators) live in knowledge/entity_patterns.yml under `sensitive`; the
checksums (Luhn, the ID check digit, birth dates) are here.

`mask_text` is the one entry point for text; `mask_data` masks every string
in a JSON-like value (client metadata); `install_log_masking` masks every log
record the process emits.
"""

from __future__ import annotations

import datetime
import functools
import itertools
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATTERNS = PROJECT_ROOT / "knowledge" / "entity_patterns.yml"
MASK = "*"
HIDDEN = MASK * 6

KINDS = ("card_number", "verification_code", "password", "cvv", "expiry", "id_number", "mobile")

# Full-width digits, letters and the ideographic space are read as ASCII.
# One character for one, so positions in the normalised text are positions
# in the original.
_WIDE = re.compile("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\u3000]")
_NARROW = {0xFF10 + i: ord("0") + i for i in range(10)}
_NARROW.update({0xFF21 + i: ord("A") + i for i in range(26)})
_NARROW.update({0xFF41 + i: ord("a") + i for i in range(26)})
_NARROW[0x3000] = ord(" ")

# What masking leaves behind ("******", "***************0128", "138****5678"):
# a value made only of that is not found again, so masking twice changes nothing.
_MASKED_TOKEN = re.compile(r"[0-9]{0,3}\*{4,}[0-9]{0,4}")
# A character that makes a word look like a password rather than a word.
_STRONG = r"[0-9@#$%^&*_+=~<>/\\|\[\]{}-]"
_DIGIT_RUN = re.compile("[0-9]+")
_LUHN_DOUBLED = {str(d): d * 2 - 9 if d > 4 else d * 2 for d in range(10)}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class Sensitive:
    kind: str  # one of KINDS
    start: int
    end: int


@dataclass(frozen=True)
class _Candidate:
    rank: int       # lower wins an overlap: 0 values after a keyword, 1 cards and IDs, 2 mobiles
    start: int
    end: int
    kind: str
    keyword_at: int  # where the keyword starts (ties: "动态密码" beats "密码", "密码" beats "码")


def normalise(text: str) -> str:
    """Full-width digits, letters and spaces as ASCII, same length."""
    return text.translate(_NARROW) if _WIDE.search(text) else text


def _words(words: Iterable[str]) -> str:
    """A regex alternative of the words, longest first; an ASCII word must
    stand alone ("pin" does not match "pinyin", "exp" not "experience")."""
    parts = []
    for word in sorted(set(words), key=len, reverse=True):
        pattern = re.escape(word).replace(r"\ ", r"\s*")
        if word[-1:].isascii() and word[-1:].isalpha():
            pattern += "(?![A-Za-z_])"  # not "password_changed"
        if word[:1].isascii() and word[:1].isalpha():
            pattern = "(?<![A-Za-z])" + pattern
        parts.append(pattern)
    return "|".join(parts)


def _triggers(*word_lists: Iterable[str]) -> Tuple[str, ...]:
    """Lower-case substrings one of which a text must hold for the words to
    match in it (the first word of a phrase: "verification" for
    "verification code")."""
    words = {word.lower().split(" ")[0] for words in word_lists for word in words}
    # "码" is enough to look for when "验证码" is a keyword too
    return tuple(sorted(w for w in words if not any(o != w and o in w for o in words)))


def _char_class(chars: str) -> str:
    return "[" + "".join(re.escape(c) for c in chars) + "]"


class SensitiveDataMasker:
    def __init__(self, rules: Dict[str, Any]) -> None:
        flags = re.IGNORECASE
        sep = _char_class(rules["number_separators"])
        # A run of digits with separators between them; an ID number may end in X.
        self.number_re = re.compile(
            rf"(?<![0-9*])[0-9]+(?:{sep}{{1,{int(rules['max_separator_run'])}}}[0-9]+)*[Xx]?")
        self.context_chars = int(rules["context_chars"])
        self.context_re = re.compile(
            "|".join(f"(?P<{name}>{_words(rules[key]['keywords'])})" for name, key in
                     (("card", "card_number"), ("id", "id_number"), ("order", "not_sensitive_numbers"))),
            flags)
        card = rules["card_number"]
        self.card_lengths = (int(card["min_digits"]), int(card["max_digits"]))
        # digit counts worth a look: a mobile (11, or 13/15 with +86/0086),
        # an ID (14-17 and an X, 15, 18) or a card
        self.useful_lengths = frozenset({11, 13, 14, 15, 16, 17, 18} | set(range(self.card_lengths[0],
                                                                                 self.card_lengths[1] + 1)))
        self.country_prefixes = tuple(sorted(map(str, rules["mobile"]["country_prefixes"]), key=len, reverse=True))

        filler = f"(?:{rules['filler']}){{0,{int(rules['filler_chars'])}}}?"
        self.joiners_re = re.compile(rules["joiners"], flags)
        units = _words(rules["not_followed_by"])
        spoken = _char_class(rules["spoken_digits"])
        code_sep = _char_class(rules["code_separators"])

        def digits(rule: Dict[str, Any]) -> str:
            """3-8 digits (ASCII or Chinese numerals, maybe spaced out), a
            whole number, not an amount or a time."""
            more = f"{{{int(rule['min_digits']) - 1},{int(rule['max_digits']) - 1}}}"
            ascii_ = rf"(?<![0-9*])[0-9](?:{code_sep}{{0,2}}[0-9]){more}(?!{code_sep}{{0,2}}[0-9*])(?![.:：][0-9])"
            chinese = rf"(?<!{spoken}){spoken}(?:{code_sep}{{0,2}}{spoken}){more}(?!{code_sep}{{0,2}}{spoken})"
            return rf"(?:{ascii_}|{chinese})(?!\s*(?:{units}))"

        # (kind, words, regex): the regex has the groups `kw` and `value` and
        # is only run when one of the words is in the text (most messages
        # hold none, and a substring test is much cheaper than the regex).
        self.value_rules: List[Tuple[str, Tuple[str, ...], re.Pattern]] = []
        back = rules["back_joiners"]
        for kind in ("verification_code", "cvv"):
            rule = rules[kind]
            value = digits(rule)
            forward = rf"(?P<kw>{_words(rule['keywords'])}){filler}(?P<value>{value})"
            if rule.get("keywords_needing_joiner"):
                forward += (rf"|(?P<kw2>{_words(rule['keywords_needing_joiner'])})\s{{0,2}}[是为為:：=]\s{{0,2}}"
                            rf"(?P<value2>{value})")
            self.value_rules.append((kind, _triggers(rule["keywords"], rule.get("keywords_needing_joiner", [])),
                                     re.compile(forward, flags)))
            if rule.get("keywords_after_value"):
                self.value_rules.append((kind, _triggers(rule["keywords_after_value"]), re.compile(
                    rf"(?P<value>{value}){back}(?P<kw>{_words(rule['keywords_after_value'])})", flags)))

        expiry = "|".join(f"(?:{v})" for v in rules["expiry"]["values"])
        self.value_rules.append(("expiry", _triggers(rules["expiry"]["keywords"]), re.compile(
            rf"(?P<kw>{_words(rules['expiry']['keywords'])}){filler}(?P<value>(?<![0-9])(?:{expiry})(?![0-9]))",
            flags)))

        password = rules["password"]
        self.password_chars = (int(password["min_chars"]), int(password["max_chars"]))
        quoted = "|".join(
            rf"{re.escape(q[0])}(?P<q{i}>[^{re.escape(q[1])}\n]{{1,{self.password_chars[1]}}}){re.escape(q[1])}"
            for i, q in enumerate(password["quotes"]))
        chunk = r"[!-~]{1,64}"
        # not ":" or "=" nor "is": they join the keyword to the value
        first = r"(?!(?:is|was|are)[ ])[!-9;<>-~]"
        # a word with a digit or a symbol in it (sentence punctuation aside)
        strong = r"(?=[!-~]{0,64}?" + _STRONG + ")"
        # among English words, the value ends at its last word with a digit or a
        # symbol: "password is abc 123 and it fails" -> "abc 123"
        some_words = rf"{first}[!-~]{{0,63}}(?:(?:[ ]{{1,2}}{chunk}){{0,6}}[ ]{{1,2}}{strong}{chunk})?"
        # after a Chinese keyword, up to three ASCII words right before the
        # Chinese text resumes: "密码：abc 123，"
        all_words = rf"{first}[!-~]{{0,63}}(?:[ ]{{1,2}}{chunk}){{0,2}}(?![ ]{{0,2}}[!-~])"
        keywords = [k for k in password["keywords"] if not k.isascii()], [k for k in password["keywords"] if k.isascii()]
        self.password_res = [
            re.compile(rf"(?P<kw>{_words(words)})(?P<fill>{filler})(?:{quoted}|(?P<bare>{bare}))", flags)
            for words, bare in ((keywords[0], f"{all_words}|{some_words}"), (keywords[1], some_words)) if words
        ]
        self.password_words = _triggers(password["keywords"])
        self.quote_groups = [f"q{i}" for i in range(len(password["quotes"]))]

    # -- finding ------------------------------------------------------------

    def find(self, text: str) -> List[Sensitive]:
        if not text:
            return []
        norm = normalise(text)
        lower = norm.lower()
        candidates: List[_Candidate] = []
        candidates += self._values(norm, lower)
        candidates += self._passwords(norm, lower)
        candidates += self._numbers(norm)
        if not candidates:
            return []
        if "*" in norm:
            masked = [m.span() for m in _MASKED_TOKEN.finditer(norm)]
            candidates = [c for c in candidates if not any(a < c.end and c.start < b for a, b in masked)]
        kept: List[_Candidate] = []
        for cand in sorted(candidates, key=lambda c: (c.rank, c.start, c.keyword_at, c.start - c.end)):
            if not any(k.start < cand.end and cand.start < k.end for k in kept):
                kept.append(cand)
        return [Sensitive(c.kind, c.start, c.end) for c in sorted(kept, key=lambda c: c.start)]

    def _values(self, norm: str, lower: str) -> List[_Candidate]:
        found = []
        for kind, words, pattern in self.value_rules:
            if not any(map(lower.__contains__, words)):
                continue
            for match in pattern.finditer(norm):
                group = "value" if match.group("value") is not None else "value2"
                kw = "kw" if match.group("kw") is not None else "kw2"
                found.append(_Candidate(0, *match.span(group), kind, match.start(kw)))
        return found

    def _passwords(self, norm: str, lower: str) -> List[_Candidate]:
        if not any(map(lower.__contains__, self.password_words)):
            return []
        found = []
        low, high = self.password_chars
        for match in (m for pattern in self.password_res for m in pattern.finditer(norm)):
            fill = match.group("fill")
            direct = self.joiners_re.fullmatch(fill) is not None
            group = next((g for g in self.quote_groups if match.group(g) is not None), None)
            if group is not None:
                value = match.group(group)
                # a password has ASCII in it; a quoted Chinese phrase is a remark
                if not re.search(r"[!-~]", value):
                    continue
            else:
                group = "bare"
                value = match.group(group).rstrip()
                if len(value) > high:
                    value = value.split(" ")[0]
                if len(value.replace(" ", "")) < low or not re.search("[0-9A-Za-z]", value):
                    continue
                # Plain words count only right after 是 / ： / = ("密码是 abcd",
                # "pwd=xxxx"), not in "password reset" or "密码错了 help".
                if not re.search(_STRONG, value) and not (direct and re.search("[:：=是为為]", fill)):
                    continue
            start = match.start(group)
            found.append(_Candidate(0, start, start + len(value), "password", match.start("kw")))
        return found

    def _numbers(self, norm: str) -> List[_Candidate]:
        if sum(map(norm.count, "0123456789")) < 11:
            return []
        found = []
        for match in self.number_re.finditer(norm):
            found += self._number(norm, match)
        return found

    def _number(self, norm: str, match: re.Match) -> List[_Candidate]:
        """Cards, ID numbers and mobiles in one run of digits. A run may hold
        several ("卡号6222021234567890128 13812345678"): its groups of digits
        are tried from the left, the longest that makes a number first."""
        raw = match.group(0)
        has_x = raw[-1] in "Xx"
        groups = [(match.start() + m.start(), m.end() - m.start()) for m in _DIGIT_RUN.finditer(raw)]
        digits = "".join(_DIGIT_RUN.findall(raw))
        if len(digits) < 11:
            return []
        context = self._context(norm, match.start())
        counted = [0]  # digits before each group
        for _, length in groups:
            counted.append(counted[-1] + length)
        longest = max(self.useful_lengths)
        # A long run of small groups ("1 2 3 4 …") has many ways to be cut:
        # those that cannot be anything are dropped cheaply first.
        quick = _QuickChecks(digits, self.card_lengths) if len(groups) > 8 else None
        found: List[_Candidate] = []
        i = 0
        while i < len(groups):
            best: Optional[Tuple[int, str, int]] = None
            for j in range(i, len(groups)):
                count = counted[j + 1] - counted[i]
                if count > longest:
                    break
                if count not in self.useful_lengths:
                    continue
                if quick is not None and (i > 0 or context is None) and not quick.maybe(counted[i], counted[j + 1]):
                    continue
                second = groups[i + 1][1] if j > i else 0
                hit = self._classify(digits[counted[i]:counted[j + 1]], groups[i][1], second,
                                     has_x and j == len(groups) - 1, context if i == 0 else None)
                if hit is not None:
                    best = (j, *hit)
            if best is None:
                if i == 0 and context == "order":
                    # skip the whole order number, then look at what follows it
                    i = max(1, sum(1 for n in counted[1:] if n <= longest))
                else:
                    i += 1
                continue
            j, kind, skip = best
            start = _position(groups[i:j + 1], skip)
            end = groups[j][0] + groups[j][1] + (kind == "id_number" and has_x and j == len(groups) - 1)
            found.append(_Candidate(2 if kind == "mobile" else 1, start, end, kind, groups[i][0]))
            i = j + 1
        return found

    def _context(self, norm: str, start: int) -> Optional[str]:
        """The nearest card / ID / order word before a number, in its sentence."""
        window = norm[max(0, start - self.context_chars):start]
        for stop in "。！？!?\n":
            window = window.rpartition(stop)[2]
        last = None
        for last in self.context_re.finditer(window):
            pass
        return last.lastgroup if last is not None else None

    def _classify(self, digits: str, first: int, second: int, has_x: bool,
                  context: Optional[str]) -> Optional[Tuple[str, int]]:
        """What a number is (and how many leading digits are not part of it:
        a country prefix), or None. `first` and `second` are the lengths of
        its first two groups of digits, `has_x` whether an X follows."""
        n = len(digits)
        if context == "order":
            return None
        mobile_at = _mobile_offset(digits, self.country_prefixes)
        if mobile_at is not None:
            return "mobile", mobile_at
        if has_x and (context == "id" and 14 <= n <= 17 or n == 17 and _id18_ok(digits + "X")):
            return "id_number", 0
        if context == "id" and 15 <= n <= 18:
            return "id_number", 0
        low, high = self.card_lengths
        if not low <= n <= high:
            return None
        if context == "card":
            return "card_number", 0
        if n == 18 and _id18_ok(digits) or n == 15 and _birth_date_ok("19" + digits[6:12]):
            return "id_number", 0
        if _looks_like_dates(digits, first, second):
            return None
        if _luhn_ok(digits):
            return "card_number", 0
        return None

    # -- masking --------------------------------------------------------------

    def mask(self, text: str) -> Tuple[str, List[str]]:
        """The text with sensitive values starred out, and the kinds found.

        Card numbers keep their last four digits: support staff need them to
        tell cards apart, and receipts print them anyway. Mobile numbers keep
        the first three and last four (138****5678). Everything else becomes
        ******.
        """
        if not text:
            return text, []
        hits = self.find(text)
        if not hits:
            return text, []
        pieces, cursor = [], 0
        for hit in hits:
            pieces.append(text[cursor:hit.start])
            pieces.append(self.replacement(hit.kind, text[hit.start:hit.end]))
            cursor = hit.end
        pieces.append(text[cursor:])
        return "".join(pieces), sorted({h.kind for h in hits})

    @staticmethod
    def replacement(kind: str, value: str) -> str:
        if kind == "card_number":
            digits = re.sub(r"[^0-9]", "", normalise(value))
            return MASK * (len(digits) - 4) + digits[-4:]
        if kind == "mobile":
            digits = re.sub(r"[^0-9]", "", normalise(value))
            return digits[:3] + MASK * 4 + digits[-4:]
        return HIDDEN


def _position(groups: List[Tuple[int, int]], digit_index: int) -> int:
    """Where the digit_index-th digit of the groups (start, length) is in the text."""
    for start, length in groups:
        if digit_index < length:
            return start + digit_index
        digit_index -= length
    raise IndexError(digit_index)


def _mobile_offset(digits: str, prefixes: Tuple[str, ...]) -> Optional[int]:
    """Where an 11-digit mobile number starts in `digits`, after an optional
    country prefix; None when `digits` is not one."""
    for offset in (0,) + tuple(len(p) for p in prefixes if digits.startswith(p)):
        rest = digits[offset:]
        if len(rest) == 11 and rest[0] == "1" and rest[1] in "3456789":
            return offset
    return None


def _luhn_ok(digits: str) -> bool:
    backwards = digits[::-1]
    total = sum(map(int, backwards[0::2])) + sum(map(_LUHN_DOUBLED.__getitem__, backwards[1::2]))
    return total % 10 == 0


def _id18_ok(number: str) -> bool:
    """GB 11643 check digit (ISO 7064 MOD 11-2) of an 18-character ID number."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == number[17].upper()


def id_check_digit(first17: str) -> str:
    """The check character for the first 17 digits of an ID number."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


def _birth_date_ok(yyyymmdd: str) -> bool:
    try:
        datetime.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return True


class _QuickChecks:
    """Whether digits[a:b] could be a mobile, an ID or a card, in constant
    time: the Luhn sum of any slice comes from running totals."""

    def __init__(self, digits: str, card_lengths: Tuple[int, int]) -> None:
        self.digits = digits
        self.low, self.high = card_lengths
        values = list(map(int, digits))
        even = [v if p % 2 == 0 else 0 for p, v in enumerate(values)]
        odd = [v - e for v, e in zip(values, even)]
        doubled = [_LUHN_DOUBLED[c] for c in digits]
        even_doubled = [d if p % 2 == 0 else 0 for p, d in enumerate(doubled)]
        odd_doubled = [d - e for d, e in zip(doubled, even_doubled)]
        self.plain = (list(itertools.accumulate(even, initial=0)), list(itertools.accumulate(odd, initial=0)))
        self.doubled = (list(itertools.accumulate(even_doubled, initial=0)),
                        list(itertools.accumulate(odd_doubled, initial=0)))

    def luhn_ok(self, a: int, b: int) -> bool:
        q = b % 2  # digits at positions of b's parity are doubled
        total = self.doubled[q][b] - self.doubled[q][a] + self.plain[1 - q][b] - self.plain[1 - q][a]
        return total % 10 == 0

    def maybe(self, a: int, b: int) -> bool:
        n, digits = b - a, self.digits
        return (n in (11, 13, 15) and digits[a] in "108"                      # mobile, 86…, 0086…
                or n == 18 and digits[a + 6:a + 8] in ("18", "19", "20")     # ID: birth year
                or n == 15 and "01" <= digits[a + 8:a + 10] <= "12"          # old ID: birth month
                or self.low <= n <= self.high and self.luhn_ok(a, b))


def _looks_like_dates(digits: str, first: int, second: int) -> bool:
    """"2024-01-01 2024-02-01", "20240101-20240201": dates, not a card.
    `first` and `second` are the lengths of the first two groups."""
    if digits[:2] not in ("19", "20"):
        return False
    if first == 4 and 1 <= second <= 2:
        return 1 <= int(digits[4:4 + second]) <= 12
    return first == 8 and _birth_date_ok(digits[:8])


# -- entry points ---------------------------------------------------------------


def read_patterns(path: str = str(DEFAULT_PATTERNS)) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@functools.lru_cache(maxsize=4)
def load_masker(patterns_path: str = str(DEFAULT_PATTERNS)) -> SensitiveDataMasker:
    return SensitiveDataMasker(read_patterns(patterns_path)["sensitive"])


def mask_text(text: str) -> Tuple[str, List[str]]:
    """The text with every sensitive value masked, and the sorted kinds found."""
    return load_masker().mask(text)


def mask_data(value: Any) -> Any:
    """A copy of a JSON-like value (client metadata, ticket details) with every
    string in it masked; dict keys are kept. An integer that reads as a card,
    ID or mobile number (a client sending {"phone": 13812345678}) becomes its
    masked string; other numbers, booleans and None are kept as they are."""
    if isinstance(value, str):
        return mask_text(value)[0]
    if isinstance(value, dict):
        return {key: mask_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(mask_data(item) for item in value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**10:
        masked, kinds = mask_text(str(value))
        return masked if kinds else value
    return value


_MASKING_FACTORY = "_wallet_masks_sensitive_data"
_WITHHELD = "[log message withheld: it could not be masked]"


def install_log_masking() -> None:
    """Masks every log record this process creates, whichever logger and
    handler: the formatted message (msg % args) is masked into `msg` and
    `args` cleared, and an exception's traceback (which may quote user text)
    is formatted into `exc_text` and masked, with `exc_info` dropped so that
    no formatter renders it again unmasked. Calling it again does nothing."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, _MASKING_FACTORY, False):
        return
    formatter = logging.Formatter()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            try:
                message = record.getMessage()
            except Exception:  # a bad format string: keep what there is, masked
                message = f"{record.msg} {record.args!r}"
            record.msg = mask_text(message)[0]
            record.args = ()
            if record.exc_info:
                if not record.exc_text:
                    record.exc_text = formatter.formatException(record.exc_info)
                record.exc_info = None
            if record.exc_text:
                record.exc_text = mask_text(record.exc_text)[0]
            if record.stack_info:
                record.stack_info = mask_text(record.stack_info)[0]
        except Exception:  # never let logging fail, never let it leak
            record.msg, record.args, record.exc_info, record.exc_text = _WITHHELD, (), None, None
            record.stack_info = None
        return record

    setattr(factory, _MASKING_FACTORY, True)
    logging.setLogRecordFactory(factory)
