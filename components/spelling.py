"""Traditional characters and common typing slips, read as the words meant.

Used by the tokenizer (so the classifier sees "提现" when the user typed
"体现" or "提現") and by the answer reader in the action server. Every
replacement keeps the text's length, so token positions still point into
the user's own text. The slips are operator YAML (knowledge/typos.yml); the
character table is OpenCC's (opencc-python-reimplemented).
"""

from __future__ import annotations

import functools
import logging
import os
import re
import time
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import opencc
import yaml

TYPOS_FILE = Path(os.environ.get("WALLET_KNOWLEDGE_DIR", Path(__file__).resolve().parent.parent / "knowledge")) / "typos.yml"
_CJK = re.compile(r"[\u4e00-\u9fff]")
logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=None)
def _traditional_to_simplified() -> Dict[int, str]:
    table = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    mapping: Dict[int, str] = {}
    for line in table.read_text(encoding="utf-8").splitlines():
        traditional, _, simplified = line.partition("\t")
        first = simplified.split()[0] if simplified.split() else ""
        if len(traditional) == 1 and len(first) == 1:
            mapping[ord(traditional)] = first
    return mapping


def _same_length(pairs: Dict[str, str], what: str) -> Dict[str, str]:
    """The pairs that keep their length; any other is left out and logged
    (a slip in the operator's file must not stop the bot from reading)."""
    kept = {}
    for wrong, right in pairs.items():
        if len(str(wrong)) != len(str(right)):
            logger.error("%s: %s '%s: %s' must keep its length; left out", TYPOS_FILE, what, wrong, right)
        elif str(wrong) != str(right):
            kept[str(wrong).lower()] = str(right)
    return kept


def invalid_pairs(path: Path = TYPOS_FILE) -> List[str]:
    """The pairs of the file that change the text's length."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [f"{wrong}: {right}" for section in ("typos", "abbreviations")
            for wrong, right in (data.get(section) or {}).items() if len(str(wrong)) != len(str(right))]


@functools.lru_cache(maxsize=4)
def _rules(path: Path, mtime: float) -> Callable[[str], str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    typos = _same_length(data.get("typos") or {}, "typo")
    short = _same_length(data.get("abbreviations") or {}, "abbreviation")
    table = _traditional_to_simplified()
    typo_re = re.compile("|".join(map(re.escape, sorted(typos, key=len, reverse=True)))) if typos else None
    short_re = (re.compile(r"(?<![a-z0-9])(" + "|".join(map(re.escape, sorted(short, key=len, reverse=True)))
                           + r")(?![a-z0-9])", re.IGNORECASE) if short else None)

    def plain(text: str) -> str:
        # Before and after simplifying: "係" must be read as 是 before it
        # becomes 系, and "體現" only becomes the slip 体现 after.
        if typo_re is not None:
            text = typo_re.sub(lambda m: typos[m.group(0)], text)
        text = text.translate(table)
        if typo_re is not None:
            text = typo_re.sub(lambda m: typos[m.group(0)], text)
        if short_re is not None and _CJK.search(text):
            text = short_re.sub(lambda m: short[m.group(0).lower()], text)
        return text

    return plain


# The file is looked at (one stat) at most this often: an operator's edit
# shows within a second, and the answer reader, which calls this dozens of
# times per message, does not stat it each time.
CHECK_SECONDS = 1.0
_checked: Dict[Path, Tuple[float, float]] = {}   # path: (checked at, mtime or 0 if absent)


def _mtime(path: Path) -> float:
    now = time.monotonic()
    checked = _checked.get(path)
    if checked and now - checked[0] < CHECK_SECONDS:
        return checked[1]
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        mtime = 0.0
    _checked[path] = (now, mtime)
    return mtime


def plain(text: str) -> str:
    """The text with Traditional characters simplified and known slips
    corrected; always as long as the text given."""
    mtime = _mtime(TYPOS_FILE)
    return _rules(TYPOS_FILE, mtime)(text or "") if mtime else (text or "").translate(_traditional_to_simplified())
