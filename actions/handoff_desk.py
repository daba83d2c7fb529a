"""The hand-off desk: tickets for human agents, satisfaction ratings and
feedback, kept in one SQLite file (WALLET_DESK_DB, default var/support.db).

Everything written here has already been masked; `open_ticket` masks the
transcript once more because `rasa shell` hands the actions unmasked text.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

from components.sensitive import mask_text

DEFAULT_DB = Path(__file__).resolve().parent.parent / "var" / "support.db"

SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT UNIQUE,
    created_at REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    conversation_id TEXT NOT NULL,
    channel TEXT,
    problem TEXT,
    reason TEXT,
    steps TEXT NOT NULL,        -- JSON list: checklist steps done with the answers
    details TEXT NOT NULL,      -- JSON object: time, amount, txn_type, error text
    transcript TEXT NOT NULL,   -- JSON list of {"from": "user"|"bot", "text": ...}
    within_hours INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_open ON tickets(status, id);
CREATE TABLE IF NOT EXISTS ratings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    conversation_id TEXT NOT NULL,
    problem TEXT,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5)
);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    conversation_id TEXT NOT NULL,
    channel TEXT,
    text TEXT NOT NULL
);
"""


@dataclass
class Ticket:
    number: str
    queue_ahead: int
    wait_minutes: int


class HandoffDesk:
    def __init__(self, path: Optional[str] = None) -> None:
        self.path = Path(path or os.environ.get("WALLET_DESK_DB") or DEFAULT_DB)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10)
        db.execute("PRAGMA journal_mode=WAL")
        try:
            with db:
                yield db
        finally:
            db.close()

    def open_ticket(
        self,
        conversation_id: str,
        channel: Optional[str],
        problem: Optional[str],
        reason: str,
        steps: List[Dict[str, Any]],
        details: Dict[str, Any],
        transcript: List[Dict[str, str]],
        within_hours: bool,
        agents: int,
        minutes_per_ticket: float,
        minimum_wait: int,
    ) -> Ticket:
        transcript = [{**line, "text": mask_text(line.get("text") or "")[0]} for line in transcript]
        details = {k: mask_text(v)[0] if isinstance(v, str) else v for k, v in details.items()}
        with self._lock, self._connect() as db:
            ahead = db.execute("SELECT COUNT(*) FROM tickets WHERE status = 'open'").fetchone()[0]
            cursor = db.execute(
                "INSERT INTO tickets (created_at, conversation_id, channel, problem, reason, steps, details,"
                " transcript, within_hours) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (time.time(), conversation_id, channel, problem, reason,
                 json.dumps(steps, ensure_ascii=False), json.dumps(details, ensure_ascii=False),
                 json.dumps(transcript, ensure_ascii=False), int(within_hours)),
            )
            number = f"T{time.strftime('%Y%m%d')}{cursor.lastrowid:05d}"
            db.execute("UPDATE tickets SET number = ? WHERE id = ?", (number, cursor.lastrowid))
        wait = max(minimum_wait, math.ceil((ahead + 1) / max(agents, 1) * minutes_per_ticket))
        return Ticket(number, ahead, wait)

    def ticket(self, number: str) -> Optional[Dict[str, Any]]:
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            row = db.execute("SELECT * FROM tickets WHERE number = ?", (number,)).fetchone()
        if row is None:
            return None
        found = dict(row)
        for key in ("steps", "details", "transcript"):
            found[key] = json.loads(found[key])
        return found

    def close_ticket(self, number: str) -> None:
        with self._connect() as db:
            db.execute("UPDATE tickets SET status = 'closed' WHERE number = ?", (number,))

    def save_rating(self, conversation_id: str, problem: Optional[str], rating: int) -> None:
        with self._connect() as db:
            db.execute("INSERT INTO ratings (created_at, conversation_id, problem, rating) VALUES (?, ?, ?, ?)",
                       (time.time(), conversation_id, problem, rating))

    def save_feedback(self, conversation_id: str, channel: Optional[str], text: str) -> int:
        with self._connect() as db:
            cursor = db.execute("INSERT INTO feedback (created_at, conversation_id, channel, text) VALUES (?, ?, ?, ?)",
                                (time.time(), conversation_id, channel, mask_text(text)[0]))
            return cursor.lastrowid

    def rows(self, table: str) -> List[Dict[str, Any]]:
        if table not in {"tickets", "ratings", "feedback"}:
            raise ValueError(table)
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute(f"SELECT * FROM {table} ORDER BY id")]


_desk: Optional[HandoffDesk] = None


def desk() -> HandoffDesk:
    global _desk
    if _desk is None or str(_desk.path) != str(os.environ.get("WALLET_DESK_DB") or DEFAULT_DB):
        _desk = HandoffDesk()
    return _desk
