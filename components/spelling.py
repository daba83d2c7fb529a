"""Traditional characters and common typing slips, read as the words meant.

Used by the tokenizer (so the classifier sees "提现" when the user typed
"体现" or "提現") and by the answer reader in the action server. Every
replacement keeps the text's length, so token positions still point into
the user's own text. The slips are operator YAML (knowledge/typos.yml); the
character table is OpenCC's (opencc-python-reimplemented).
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Callable, Dict

import opencc
import yaml

TYPOS_FILE = Path(os.environ.get("WALLET_KNOWLEDGE_DIR", Path(__file__).resolve().parent.parent / "knowledge")) / "typos.yml"
_CJK = re.compile(r"[\u4e00-\u9fff]")


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
    for wrong, right in pairs.items():
        if len(str(wrong)) != len(str(right)):
            raise ValueError(f"{TYPOS_FILE}: {what} '{wrong}: {right}' must keep its length")
    return {str(w).lower(): str(r) for w, r in pairs.items() if str(w) != str(r)}


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
        text = text.translate(table)
        if typo_re is not None:
            text = typo_re.sub(lambda m: typos[m.group(0)], text)
        if short_re is not None and _CJK.search(text):
            text = short_re.sub(lambda m: short[m.group(0).lower()], text)
        return text

    return plain


def plain(text: str) -> str:
    """The text with Traditional characters simplified and known slips
    corrected; always as long as the text given."""
    try:
        mtime = TYPOS_FILE.stat().st_mtime
    except FileNotFoundError:
        mtime = 0.0
    return _rules(TYPOS_FILE, mtime)(text or "") if mtime else (text or "").translate(_traditional_to_simplified())
