"""Rule-based recognition on a blank spaCy `zh` pipeline (jieba segmenter):
the `amount` and `txn_type` entities, and sensitive data (card numbers,
verification codes, passwords) that must be masked before storage.

The rules come from knowledge/entity_patterns.yml. Sensitive data is found
by components/sensitive.py, the same code the channels and the tracker store
mask with, so what the NLU flags and what gets masked cannot drift apart.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

from components.amounts import ARABIC, DIGITS, LARGE_UNITS, NUMBER_PATTERN, SMALL_UNITS, tidy, parse_number
from components.sensitive import DEFAULT_PATTERNS, PROJECT_ROOT, Sensitive, SensitiveDataMasker, read_patterns

DEFAULT_USERDICT = PROJECT_ROOT / "knowledge" / "userdict"


@dataclass(frozen=True)
class Found:
    entity: str
    value: Any
    start: int
    end: int
    text: str


class WalletRules:
    def __init__(self, patterns: Dict[str, Any], userdict_dir: Optional[Path] = None) -> None:
        import jieba
        import spacy
        from spacy.matcher import PhraseMatcher

        if userdict_dir and userdict_dir.is_dir():
            for path in sorted(userdict_dir.glob("*.txt")):
                jieba.load_userdict(str(path))
        self.nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})

        # Matching on tokens rather than substrings keeps "交易" in "交易密码"
        # from being read as a payment, once jieba knows the longer word.
        self.txn_matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for value, phrases in patterns["txn_type"].items():
            self.txn_matcher.add(value, [self.nlp.make_doc(p) for p in phrases])
        # "登录和支付的都改了" names the payment password, not a payment.
        not_txn = patterns.get("not_txn_type") or {}
        self.not_txn_after = tuple(str(w) for w in not_txn.get("after") or [])
        self.not_txn_before = tuple(str(w) for w in not_txn.get("before") or [])

        amount = patterns["amount"]
        units = "|".join(sorted(map(re.escape, amount["units"]), key=len, reverse=True))
        signs = "".join(map(re.escape, amount["signs"]))
        verbs = "|".join(sorted(map(re.escape, amount.get("verbs") or []), key=len, reverse=True))
        counted = "|".join(sorted(map(re.escape, amount.get("not_after_verb") or []), key=len, reverse=True))
        magnitudes = "".join(SMALL_UNITS) + "".join(LARGE_UNITS)
        spoken = rf"[{''.join(DIGITS)}{magnitudes}]*[{magnitudes}][{''.join(DIGITS)}{magnitudes}]*"
        after_verb = (rf"|(?:(?:{verbs})\s*(?P<after_verb>{ARABIC}[{magnitudes}]?|{spoken})"
                      rf"(?![\d.]|\s*(?:{counted})))") if verbs else ""
        # "一百三十七块六", "12块5": the digit after 块 is 角 (tenths).
        jiao = rf"(?:(?<=[块塊])(?P<jiao>[{''.join(DIGITS)}\d])(?:毛|角)?(?![\d{magnitudes}]))?"
        self.amount_re = re.compile(
            rf"(?:[{signs}]\s*(?P<signed>{NUMBER_PATTERN}))|(?:(?P<number>{NUMBER_PATTERN})\s*(?:{units}){jiao}){after_verb}",
            re.IGNORECASE,
        )

        self.masker = SensitiveDataMasker(patterns["sensitive"])

    # -- entities -----------------------------------------------------------

    def entities(self, text: str, sensitive: Optional[List[Sensitive]] = None) -> List[Found]:
        """`amount` (a number) and `txn_type` (a canonical value) in `text`.
        Pass `sensitive` when the caller has scanned the text already."""
        found: List[Found] = []
        doc = self.nlp.make_doc(text)
        for match_id, start, end in self.txn_matcher(doc):
            span = doc[start:end]
            if (text[:span.start_char].rstrip().endswith(self.not_txn_after)
                    or text[span.end_char:].lstrip().startswith(self.not_txn_before)):
                continue
            found.append(Found("txn_type", self.nlp.vocab.strings[match_id], span.start_char, span.end_char, span.text))
        masked_spans = [(s.start, s.end) for s in (self.sensitive(text) if sensitive is None else sensitive)]
        for match in self.amount_re.finditer(text):
            if any(a < match.end() and match.start() < b for a, b in masked_spans):
                continue
            number = match.group("signed") or match.group("number") or match.group("after_verb")
            value = parse_number(number)
            if value is not None and match.group("jiao"):
                tenth = match.group("jiao")
                value = tidy(value + (int(tenth) if tenth.isdigit() else DIGITS[tenth]) / 10)
            if value is not None and value > 0:
                found.append(Found("amount", value, match.start(), match.end(), match.group(0)))
        return _drop_overlaps(found)

    def sensitive(self, text: str) -> List[Sensitive]:
        return self.masker.find(text)


_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")
# Chat tokens Chinese users type too: they do not switch the language.
NEUTRAL_WORDS = {"ok", "okay", "k", "thx", "ty", "tks", "3q", "3ks", "bye", "byebye", "lol", "haha", "hmm", "yes",
                 "no", "yep", "nope", "app", "wifi", "id", "vip", "cvv", "sms", "qq", "pin", "q"}


def language_of(text: str) -> Optional[str]:
    """"en" for English (Latin words, no Chinese), "zh" for any Chinese, None
    for digits, emoji, button payloads and chat tokens like "ok thx" (the
    language then stays as it was)."""
    if not text or text.startswith(("/", "／")):   # a payload, clicked or typed
        return None
    if _CJK.search(text):
        return "zh"
    words = [w.lower() for w in _LATIN_WORD.findall(text)]
    if any(w not in NEUTRAL_WORDS for w in words):
        return "en"
    return None


def _drop_overlaps(found: List[Found]) -> List[Found]:
    """Keeps the longest of overlapping matches of the same entity."""
    kept: List[Found] = []
    for item in sorted(found, key=lambda f: (f.start, -(f.end - f.start))):
        if any(k.entity == item.entity and k.start < item.end and item.start < k.end for k in kept):
            continue
        kept.append(item)
    return kept


@functools.lru_cache(maxsize=4)
def load_rules(patterns_path: str = str(DEFAULT_PATTERNS), userdict_dir: str = str(DEFAULT_USERDICT)) -> WalletRules:
    """One shared instance per patterns file: building it loads jieba (~1 s)."""
    return WalletRules(read_patterns(patterns_path), Path(userdict_dir))
