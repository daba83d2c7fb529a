"""What the bot records outside tickets: ratings, suggestions, and one row
per session and per walkthrough for the supervisor's figures."""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from components.sensitive import mask_text
from desk.schema import engine, feedback, ratings, sessions, walkthroughs

SOLVED, HANDED_OFF = "solved", "handed_off"


class Records:
    def __init__(self, url: Optional[str] = None) -> None:
        self.engine = engine(url)

    def save_rating(self, conversation_id: str, problem: Optional[str], rating: int,
                    ticket_number: Optional[str] = None) -> None:
        if not isinstance(rating, int) or not 1 <= rating <= 5:
            raise ValueError(f"rating must be 1-5, not {rating!r}")
        with self.engine.begin() as db:
            db.execute(ratings.insert().values(created_at=time.time(), conversation_id=conversation_id,
                                               problem=problem, rating=rating, ticket_number=ticket_number))

    def save_feedback(self, conversation_id: str, channel: Optional[str], text: str) -> int:
        with self.engine.begin() as db:
            return db.execute(feedback.insert().values(
                created_at=time.time(), conversation_id=conversation_id, channel=channel,
                text=mask_text(text.strip()[:2000])[0])).inserted_primary_key[0]

    def session_started(self, conversation_id: str, channel: Optional[str]) -> None:
        with self.engine.begin() as db:
            db.execute(sessions.insert().values(conversation_id=conversation_id, channel=channel,
                                                started_at=time.time()))

    def walkthrough_started(self, conversation_id: str, problem: str) -> None:
        with self.engine.begin() as db:
            db.execute(walkthroughs.insert().values(conversation_id=conversation_id, problem=problem,
                                                    started_at=time.time()))

    def walkthrough_ended(self, conversation_id: str, problem: Optional[str], outcome: str) -> None:
        """Marks the conversation's latest unfinished walkthrough of `problem`."""
        if not problem:
            return
        with self.engine.begin() as db:
            latest = db.execute(sa.select(sa.func.max(walkthroughs.c.id)).where(
                walkthroughs.c.conversation_id == conversation_id, walkthroughs.c.problem == problem,
                walkthroughs.c.outcome.is_(None))).scalar()
            if latest is not None:
                db.execute(walkthroughs.update().where(walkthroughs.c.id == latest).values(
                    outcome=outcome, ended_at=time.time()))

    def rows(self, table: str) -> List[Dict[str, Any]]:
        source = {"ratings": ratings, "feedback": feedback, "sessions": sessions,
                  "walkthroughs": walkthroughs}[table]
        with self.engine.connect() as db:
            return [dict(r._mapping) for r in db.execute(sa.select(source).order_by(source.c.id))]
