"""Reads the operator's YAML (knowledge/) for the actions.

Files are re-read when they change on disk, so an operator who edits a
checklist or a reply sees it in the next conversation turn without a restart.
"""

from __future__ import annotations

import os
import string
import threading
import time
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import yaml

KNOWLEDGE_DIR = Path(os.environ.get("WALLET_KNOWLEDGE_DIR", Path(__file__).resolve().parent.parent / "knowledge"))

# A file is looked at (one stat) at most this often: an edit shows within a
# second, and a busy server no longer stats the same files for every reply.
CHECK_SECONDS = 1.0

_cache: Dict[Path, Tuple[Optional[float], Any, float]] = {}   # path: (mtime or None if absent, data, checked at)
_lock = threading.Lock()


_REQUIRED = object()


def _load(path: Path, missing: Any = _REQUIRED) -> Any:
    now = time.monotonic()
    with _lock:
        cached = _cache.get(path)
        if cached and now - cached[2] < CHECK_SECONDS:
            return cached[1]
    try:
        mtime: Optional[float] = path.stat().st_mtime
    except FileNotFoundError:
        mtime = None
    if cached and cached[0] == mtime:
        data = cached[1]
    elif mtime is None:
        if missing is _REQUIRED:
            raise FileNotFoundError(path)
        data = missing
    else:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle) or {}
    with _lock:
        _cache[path] = (mtime, data, now)
    return data


def brand() -> Dict[str, Any]:
    return _load(KNOWLEDGE_DIR / "brand.yml")


def answers() -> Dict[str, Any]:
    return _load(KNOWLEDGE_DIR / "answers.yml")


def replies() -> Dict[str, Any]:
    return _load(KNOWLEDGE_DIR / "replies.yml")


def entity_patterns() -> Dict[str, Any]:
    return _load(KNOWLEDGE_DIR / "entity_patterns.yml")


def reading() -> Dict[str, Any]:
    return _load(KNOWLEDGE_DIR / "reading.yml")


def checklist(problem: str) -> Optional[Dict[str, Any]]:
    return _load(KNOWLEDGE_DIR / "checklists" / f"{problem}.yml", missing=None)


_checklist_files: Dict[str, Any] = {"stamp": None, "paths": []}


def checklist_names() -> Dict[str, str]:
    """Problem id → title, for suggestion buttons."""
    folder = KNOWLEDGE_DIR / "checklists"
    # The folder is listed again only when a file is added or removed (its
    # mtime changes); each file's own edits are seen by _load.
    stamp = folder.stat().st_mtime_ns
    if _checklist_files["stamp"] != stamp:
        _checklist_files.update(stamp=stamp, paths=sorted(folder.glob("*.yml")))
    return {path.stem: _load(path).get("title", path.stem) for path in _checklist_files["paths"]}


class _KeepUnknown(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill(template: str, **values: Any) -> str:
    """Fills {placeholders} from brand.yml and `values`; unknown ones stay
    visible instead of raising, so a typo in YAML shows up in testing."""
    if not template:
        return ""
    fields = _KeepUnknown({k: v for k, v in brand().items() if isinstance(v, (str, int, float))})
    fields.update(values)
    return string.Formatter().vformat(template, (), fields).strip()


def reply(key: str, lang: str = "zh", **values: Any) -> str:
    """An operator text in the user's language; Chinese where no
    translation is given (replies.yml keeps English under `en:`)."""
    texts = replies()
    template = (texts.get(lang) or {}).get(key) if lang != "zh" else None
    return fill(template or texts[key], **values)


def answer(key: str, lang: str = "zh") -> Optional[Dict[str, Any]]:
    """An answers.yml entry, its text and buttons in the user's language."""
    entry = answers().get(key)
    if not isinstance(entry, dict):
        return None
    translated = entry.get(lang) if lang != "zh" else None
    return {**entry, **translated} if isinstance(translated, dict) else entry
