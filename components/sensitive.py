"""Finds and masks card numbers, verification codes and passwords.

Deliberately free of spaCy and Rasa imports: the input channels, the tracker
store and the action server all mask with it, and the action server should
not pay for loading an NLP stack. The rules live in
knowledge/entity_patterns.yml under `sensitive`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Tuple

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATTERNS = PROJECT_ROOT / "knowledge" / "entity_patterns.yml"
MASK = "*"


@dataclass(frozen=True)
class Sensitive:
    kind: str  # card_number | verification_code | password
    start: int
    end: int


class SensitiveDataMasker:
    def __init__(self, rules: Dict[str, Any]) -> None:
        joiners = rules["joiners"]
        self.card_re = re.compile(rules["card_number"]["pattern"])
        self.card_word_re = re.compile("|".join(map(re.escape, rules["card_number"]["keywords"])), re.IGNORECASE)
        self.keyword_res: List[Tuple[str, re.Pattern]] = []
        for kind in ("verification_code", "password"):
            rule = rules[kind]
            words = "|".join(sorted(map(re.escape, rule["keywords"]), key=len, reverse=True))
            self.keyword_res.append(
                (kind, re.compile(rf"(?:{words}){joiners}(?P<value>{rule['value']})(?![A-Za-z0-9])", re.IGNORECASE))
            )

    def find(self, text: str) -> List[Sensitive]:
        hits: List[Sensitive] = []
        for match in self.card_re.finditer(text):
            digits = re.sub(r"\D", "", match.group(0))
            # Bank cards carry a Luhn check digit; order numbers usually do not.
            # A card word just before the number counts too: a mistyped card
            # number is still a card number.
            named = self.card_word_re.search(text[max(0, match.start() - 8):match.start()])
            if len(digits) >= 16 and (named or _luhn_ok(digits)):
                hits.append(Sensitive("card_number", match.start(), match.end()))
        for kind, pattern in self.keyword_res:
            for match in pattern.finditer(text):
                start, end = match.span("value")
                if not any(h.start < end and start < h.end for h in hits):
                    hits.append(Sensitive(kind, start, end))
        return sorted(hits, key=lambda h: h.start)

    def mask(self, text: str) -> Tuple[str, List[str]]:
        """The text with sensitive values starred out, and the kinds found.

        Card numbers keep their last four digits: support staff need them to
        tell cards apart, and receipts print them anyway.
        """
        if not text:
            return text, []
        hits = self.find(text)
        if not hits:
            return text, []
        pieces, cursor = [], 0
        for hit in hits:
            pieces.append(text[cursor:hit.start])
            value = text[hit.start:hit.end]
            if hit.kind == "card_number":
                digits = re.sub(r"\D", "", value)
                pieces.append(MASK * (len(digits) - 4) + digits[-4:])
            else:
                pieces.append(MASK * 6)
            cursor = hit.end
        pieces.append(text[cursor:])
        return "".join(pieces), sorted({h.kind for h in hits})


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def read_patterns(path: str = str(DEFAULT_PATTERNS)) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@functools.lru_cache(maxsize=4)
def load_masker(patterns_path: str = str(DEFAULT_PATTERNS)) -> SensitiveDataMasker:
    return SensitiveDataMasker(read_patterns(patterns_path)["sensitive"])


def mask_text(text: str) -> Tuple[str, List[str]]:
    return load_masker().mask(text)
