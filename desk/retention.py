"""How long personal data is kept, and a user's right to have theirs
exported and erased.

Covers both databases: the conversations (Rasa's tracker store, `events`
table) and the desk (tickets, their events, ratings, feedback, session and
walkthrough rows). Days come from WALLET_RETENTION_DAYS (default 180).
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from desk.schema import (engine, feedback, login_attempts, ratings, sessions, shared_values, ticket_events, tickets,
                         walkthroughs, wechat_outbox)

DEFAULT_DAYS = 180
DAY = 86400


def retention_days() -> int:
    value = os.environ.get("WALLET_RETENTION_DAYS")
    days = int(value) if value else DEFAULT_DAYS
    if days < 1:
        raise ValueError("WALLET_RETENTION_DAYS must be at least 1")
    return days


def _events_table(tracker_url: str) -> sa.Table:
    return sa.Table("events", sa.MetaData(), autoload_with=engine_for_tracker(tracker_url))


_tracker_engines: Dict[str, sa.engine.Engine] = {}


def engine_for_tracker(url: str) -> sa.engine.Engine:
    found = _tracker_engines.get(url)
    if found is None:
        args = {"connect_args": {"timeout": 30}} if url.startswith("sqlite") else {}
        found = _tracker_engines[url] = sa.create_engine(url, future=True, **args)
    return found


def _has_events_table(url: str) -> bool:
    return sa.inspect(engine_for_tracker(url)).has_table("events")


def purge(tracker_url: Optional[str], days: Optional[int] = None, now: Optional[float] = None,
          desk_url: Optional[str] = None) -> Dict[str, int]:
    """Deletes everything older than `days`; returns how many rows went."""
    days = days or retention_days()
    cutoff = (now or time.time()) - days * DAY
    counts: Dict[str, int] = {}
    with engine(desk_url).begin() as db:
        old = sa.select(tickets.c.id).where(sa.func.coalesce(tickets.c.closed_at, tickets.c.last_user_at,
                                                             tickets.c.created_at) < cutoff)
        counts["ticket_events"] = db.execute(ticket_events.delete().where(ticket_events.c.ticket_id.in_(old))).rowcount
        counts["tickets"] = db.execute(tickets.delete().where(tickets.c.id.in_(old))).rowcount
        for name, table, column in (("ratings", ratings, ratings.c.created_at),
                                    ("feedback", feedback, feedback.c.created_at),
                                    ("sessions", sessions, sessions.c.started_at),
                                    ("walkthroughs", walkthroughs, walkthroughs.c.started_at),
                                    ("wechat_outbox", wechat_outbox, wechat_outbox.c.created_at),
                                    ("login_attempts", login_attempts, login_attempts.c.at)):
            counts[name] = db.execute(table.delete().where(column < cutoff)).rowcount
        db.execute(shared_values.delete().where(shared_values.c.expires_at < (now or time.time())))
    if tracker_url and _has_events_table(tracker_url):
        events = _events_table(tracker_url)
        with engine_for_tracker(tracker_url).begin() as db:
            counts["conversation_events"] = db.execute(events.delete().where(events.c.timestamp < cutoff)).rowcount
    return counts


def _rows(db, table: sa.Table, condition) -> List[Dict[str, Any]]:
    return [dict(r._mapping) for r in db.execute(sa.select(table).where(condition).order_by(table.c.id))]


def export(tracker_url: Optional[str], sender_id: str, desk_url: Optional[str] = None) -> Dict[str, Any]:
    """Everything kept about one conversation id, as JSON-ready data."""
    import json

    found: Dict[str, Any] = {"sender_id": sender_id, "exported_at": time.time()}
    with engine(desk_url).connect() as db:
        found["tickets"] = _rows(db, tickets, tickets.c.conversation_id == sender_id)
        found["ticket_events"] = _rows(db, ticket_events, ticket_events.c.conversation_id == sender_id)
        found["ratings"] = _rows(db, ratings, ratings.c.conversation_id == sender_id)
        found["feedback"] = _rows(db, feedback, feedback.c.conversation_id == sender_id)
        found["sessions"] = _rows(db, sessions, sessions.c.conversation_id == sender_id)
        found["walkthroughs"] = _rows(db, walkthroughs, walkthroughs.c.conversation_id == sender_id)
    found["conversation_events"] = []
    if tracker_url and _has_events_table(tracker_url):
        events = _events_table(tracker_url)
        with engine_for_tracker(tracker_url).connect() as db:
            found["conversation_events"] = [json.loads(r.data) for r in db.execute(
                sa.select(events.c.data).where(events.c.sender_id == sender_id).order_by(events.c.id))]
    return found


def forget(tracker_url: Optional[str], sender_id: str, desk_url: Optional[str] = None) -> Dict[str, int]:
    """Erases one conversation id everywhere; returns how many rows went."""
    counts: Dict[str, int] = {}
    with engine(desk_url).begin() as db:
        counts["ticket_events"] = db.execute(
            ticket_events.delete().where(ticket_events.c.conversation_id == sender_id)).rowcount
        counts["tickets"] = db.execute(tickets.delete().where(tickets.c.conversation_id == sender_id)).rowcount
        for name, table in (("ratings", ratings), ("feedback", feedback), ("sessions", sessions),
                            ("walkthroughs", walkthroughs)):
            counts[name] = db.execute(table.delete().where(table.c.conversation_id == sender_id)).rowcount
        open_id = sender_id[3:] if sender_id.startswith("wx-") else None
        if open_id:
            counts["wechat_outbox"] = db.execute(
                wechat_outbox.delete().where(wechat_outbox.c.open_id == open_id)).rowcount
    if tracker_url and _has_events_table(tracker_url):
        events = _events_table(tracker_url)
        with engine_for_tracker(tracker_url).begin() as db:
            counts["conversation_events"] = db.execute(events.delete().where(events.c.sender_id == sender_id)).rowcount
    return counts
