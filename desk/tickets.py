"""Ticket life cycle: opened by a hand-off, waited on, claimed by one agent,
answered, transferred, closed (or handed back to the bot), reopened.

One open ticket per conversation: a second 转人工 adds to the first. Every
change also writes a ticket event, which is both the ticket's history and
the feed the agent console follows.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from components.sensitive import mask_data, mask_text
from desk.schema import agents, engine, metadata, ticket_events, tickets

BEIJING = ZoneInfo("Asia/Shanghai")
WAITING, LIVE, CLOSED = "waiting", "live", "closed"
OPEN_STATES = (WAITING, LIVE)
# A ticket's urgency follows its problem: money can still be moving.
URGENT_PROBLEMS = {"account_stolen", "fraud_report"}
AGENT_ONLINE_SECONDS = 120
HANDLE_TIME_SAMPLE = 50
MAX_TEXT = 4000


class DeskError(Exception):
    """A desk action that cannot be done; the message is shown to the agent."""


@dataclass
class Opened:
    number: str
    appended: bool      # True when the conversation already had an open ticket
    position: int       # waiting tickets ahead of this one
    status: str


def _now() -> float:
    return time.time()


def _clean(text: Optional[str]) -> str:
    return mask_text((text or "").strip()[:MAX_TEXT])[0]


def ticket_number_prefix(moment: float) -> str:
    return "T" + datetime.fromtimestamp(moment, BEIJING).strftime("%Y%m%d") + "-"


def _next_number(db: sa.engine.Connection, moment: float) -> str:
    prefix = ticket_number_prefix(moment)
    last = db.execute(sa.select(sa.func.max(tickets.c.number)).where(tickets.c.number.like(prefix + "%"))).scalar()
    count = int(last[len(prefix):]) if last else 0
    return f"{prefix}{count + 1:04d}"


def _event(db, ticket_id: int, conversation_id: str, kind: str, text: Optional[str] = None,
           author: Optional[str] = None, data: Optional[Dict[str, Any]] = None,
           delivery: Optional[str] = None, at: Optional[float] = None) -> int:
    result = db.execute(ticket_events.insert().values(
        ticket_id=ticket_id, conversation_id=conversation_id, kind=kind, text=text, author=author,
        data=data, delivery=delivery, created_at=at or _now()))
    return result.inserted_primary_key[0]


class TicketDesk:
    def __init__(self, url: Optional[str] = None) -> None:
        self.engine = engine(url)

    # -- the user's side ----------------------------------------------------

    def open_ticket(self, conversation_id: str, channel: Optional[str], problem: Optional[str], reason: str,
                    steps: List[Dict[str, Any]], details: Dict[str, Any], transcript: List[Dict[str, Any]],
                    within_hours: bool, language: str = "zh") -> Opened:
        """Opens the conversation's ticket, or adds to the one already open."""
        steps, details, transcript = mask_data(steps), mask_data(details), mask_data(transcript)
        for _ in range(10):
            try:
                with self.engine.begin() as db:
                    existing = db.execute(sa.select(tickets).where(tickets.c.open_key == conversation_id)).first()
                    if existing is not None:
                        self._add_to(db, existing, problem, reason, steps, details)
                        return Opened(existing.number, True, self._position(db, existing), existing.status)
                    now = _now()
                    number = _next_number(db, now)
                    ticket_id = db.execute(tickets.insert().values(
                        number=number, conversation_id=conversation_id, open_key=conversation_id, channel=channel,
                        language=language, problem=problem, urgent=problem in URGENT_PROBLEMS, reason=reason,
                        steps=steps, details=details, transcript=transcript, status=WAITING,
                        within_hours=within_hours, created_at=now, last_user_at=now, updated_at=now,
                    )).inserted_primary_key[0]
                    _event(db, ticket_id, conversation_id, "status", reason, data={"status": "opened"}, at=now)
                    row = db.execute(sa.select(tickets).where(tickets.c.id == ticket_id)).first()
                    return Opened(number, False, self._position(db, row), WAITING)
            except IntegrityError:
                continue  # another process took this number or opened this conversation's ticket: look again
        raise DeskError("could not open a ticket")

    def _add_to(self, db, existing, problem, reason, steps, details) -> None:
        merged = dict(existing.details or {})
        merged.update({k: v for k, v in details.items() if v not in (None, "") and k not in merged})
        known = {(s.get("step"), s.get("answer")) for s in existing.steps or []}
        steps = list(existing.steps or []) + [s for s in steps if (s.get("step"), s.get("answer")) not in known]
        now = _now()
        db.execute(tickets.update().where(tickets.c.id == existing.id).values(
            details=merged, steps=steps, problem=existing.problem or problem,
            urgent=existing.urgent or problem in URGENT_PROBLEMS, last_user_at=now, updated_at=now))
        _event(db, existing.id, existing.conversation_id, "status", reason, data={"status": "asked_again"}, at=now)

    def add_user_message(self, conversation_id: str, text: str) -> Optional[str]:
        """What the user writes while a ticket is open; None when none is."""
        with self.engine.begin() as db:
            row = db.execute(sa.select(tickets.c.id, tickets.c.number)
                             .where(tickets.c.open_key == conversation_id)).first()
            if row is None:
                return None
            now = _now()
            _event(db, row.id, conversation_id, "user", _clean(text), at=now)
            db.execute(tickets.update().where(tickets.c.id == row.id).values(last_user_at=now, updated_at=now))
            return row.number

    def add_bot_message(self, conversation_id: str, text: str) -> None:
        """What the bot itself answered during the wait (e.g. the queue position)."""
        with self.engine.begin() as db:
            row = db.execute(sa.select(tickets.c.id).where(tickets.c.open_key == conversation_id)).first()
            if row is not None:
                _event(db, row.id, conversation_id, "bot", _clean(text))

    def open_ticket_of(self, conversation_id: str) -> Optional[Dict[str, Any]]:
        with self.engine.connect() as db:
            row = db.execute(sa.select(tickets).where(tickets.c.open_key == conversation_id)).first()
            if row is None:
                return None
            found = dict(row._mapping)
            found["position"] = self._position(db, row) if row.status == WAITING else 0
            return found

    def _position(self, db, row) -> int:
        if row.status != WAITING:
            return 0
        urgency = sa.cast(tickets.c.urgent, sa.Integer)
        ahead = sa.and_(tickets.c.status == WAITING, tickets.c.id != row.id, sa.or_(
            urgency > int(bool(row.urgent)),
            sa.and_(urgency == int(bool(row.urgent)), tickets.c.created_at < row.created_at)))
        return db.execute(sa.select(sa.func.count()).select_from(tickets).where(ahead)).scalar() or 0

    def expected_wait_minutes(self, position: int, default_minutes: float, agents_on_duty: int,
                              minimum: int = 1) -> int:
        """Minutes until an agent is likely free: measured handle times of the
        last closed tickets, shared among the agents online now (or on duty)."""
        with self.engine.connect() as db:
            handle = [r[0] for r in db.execute(
                sa.select(tickets.c.closed_at - tickets.c.claimed_at)
                .where(tickets.c.closed_at.isnot(None), tickets.c.claimed_at.isnot(None))
                .order_by(tickets.c.closed_at.desc()).limit(HANDLE_TIME_SAMPLE))]
            online = db.execute(sa.select(sa.func.count()).select_from(agents).where(
                agents.c.active.is_(True), agents.c.last_seen_at > _now() - AGENT_ONLINE_SECONDS)).scalar() or 0
        minutes = _median(handle) / 60 if handle else default_minutes
        staff = online or max(agents_on_duty, 1)
        return max(minimum, math.ceil((position + 1) / staff * minutes))

    # -- the agent's side ---------------------------------------------------

    def queue(self) -> List[Dict[str, Any]]:
        """Open tickets: waiting ones urgent first, then by how long they have waited."""
        columns = [tickets.c.number, tickets.c.conversation_id, tickets.c.channel, tickets.c.problem,
                   tickets.c.urgent, tickets.c.status, tickets.c.owner, tickets.c.created_at,
                   tickets.c.last_user_at, tickets.c.within_hours, tickets.c.details]
        with self.engine.connect() as db:
            rows = db.execute(sa.select(*columns).where(tickets.c.status.in_(OPEN_STATES)).order_by(
                tickets.c.status.desc(), tickets.c.urgent.desc(), tickets.c.created_at)).all()
        return [dict(r._mapping) for r in rows]

    def ticket(self, number: str) -> Optional[Dict[str, Any]]:
        with self.engine.connect() as db:
            row = db.execute(sa.select(tickets).where(tickets.c.number == number)).first()
            if row is None:
                return None
            found = dict(row._mapping)
            found["events"] = [dict(e._mapping) for e in db.execute(
                sa.select(ticket_events).where(ticket_events.c.ticket_id == row.id).order_by(ticket_events.c.id))]
            found["position"] = self._position(db, row)
        return found

    def claim(self, number: str, agent: str) -> Tuple[bool, Optional[str]]:
        """Takes a waiting ticket. Only one agent can win: (won, owner now)."""
        with self.engine.begin() as db:
            now = _now()
            taken = db.execute(tickets.update().where(
                tickets.c.number == number, tickets.c.status == WAITING, tickets.c.owner.is_(None),
            ).values(owner=agent, status=LIVE, claimed_at=now, updated_at=now)).rowcount
            row = db.execute(sa.select(tickets.c.id, tickets.c.conversation_id, tickets.c.owner)
                             .where(tickets.c.number == number)).first()
            if row is None:
                raise DeskError("没有这个工单")
            if taken:
                _event(db, row.id, row.conversation_id, "status", None, agent, {"status": "claimed"}, at=now)
        return bool(taken), row.owner

    def _owned(self, db, number: str, agent: str, supervisor: bool = False, states=OPEN_STATES):
        row = db.execute(sa.select(tickets).where(tickets.c.number == number)).first()
        if row is None:
            raise DeskError("没有这个工单")
        if row.status not in states:
            raise DeskError("这个工单已经结束了")
        if row.owner != agent and not supervisor:
            raise DeskError(f"这个工单由 {row.owner} 负责" if row.owner else "请先接入这个工单")
        return row

    def add_agent_message(self, number: str, agent: str, text: str, supervisor: bool = False
                          ) -> Tuple[int, Dict[str, Any], str]:
        """Records a reply (masked) before it is sent: (event id, ticket, text as stored)."""
        text = _clean(text)
        if not text:
            raise DeskError("回复不能为空")
        with self.engine.begin() as db:
            row = self._owned(db, number, agent, supervisor)
            now = _now()
            event_id = _event(db, row.id, row.conversation_id, "agent", text, agent, delivery="pending", at=now)
            db.execute(tickets.update().where(tickets.c.id == row.id).values(
                first_response_at=row.first_response_at or now, updated_at=now))
            return event_id, dict(row._mapping), text

    def mark_delivery(self, event_id: int, status: str, error: Optional[str] = None) -> None:
        with self.engine.begin() as db:
            row = db.execute(sa.select(ticket_events.c.ticket_id, ticket_events.c.conversation_id)
                             .where(ticket_events.c.id == event_id)).first()
            db.execute(ticket_events.update().where(ticket_events.c.id == event_id).values(
                delivery=status, data={"error": error} if error else None))
            # A separate event, so consoles following the feed learn the outcome.
            _event(db, row.ticket_id, row.conversation_id, "status", error, data={
                "status": "delivery", "event": event_id, "delivery": status})

    def add_note(self, number: str, agent: str, text: str) -> None:
        text = _clean(text)
        if not text:
            raise DeskError("备注不能为空")
        with self.engine.begin() as db:
            row = db.execute(sa.select(tickets.c.id, tickets.c.conversation_id)
                             .where(tickets.c.number == number)).first()
            if row is None:
                raise DeskError("没有这个工单")
            _event(db, row.id, row.conversation_id, "note", text, agent)

    def transfer(self, number: str, agent: str, to_agent: str, supervisor: bool = False) -> None:
        with self.engine.begin() as db:
            target = db.execute(sa.select(agents.c.username).where(
                agents.c.username == to_agent, agents.c.active.is_(True))).first()
            if target is None:
                raise DeskError("没有这个客服账号")
            row = self._owned(db, number, agent, supervisor)
            db.execute(tickets.update().where(tickets.c.id == row.id).values(
                owner=to_agent, status=LIVE, claimed_at=row.claimed_at or _now(), updated_at=_now()))
            _event(db, row.id, row.conversation_id, "status", None, agent,
                   {"status": "transferred", "to": to_agent, "from": row.owner})

    def close(self, number: str, agent: str, summary: str, handed_back: bool = False,
              supervisor: bool = False) -> Dict[str, Any]:
        summary = _clean(summary)[:200]
        if not summary and not handed_back:
            raise DeskError("请写一句处理结果再结束")
        with self.engine.begin() as db:
            row = self._owned(db, number, agent, supervisor)
            now = _now()
            db.execute(tickets.update().where(tickets.c.id == row.id).values(
                status=CLOSED, open_key=None, closed_at=now, summary=summary or row.summary,
                claimed_at=row.claimed_at or now, updated_at=now))
            _event(db, row.id, row.conversation_id, "status", summary or None, agent,
                   {"status": "handed_back" if handed_back else "closed"}, at=now)
            return dict(row._mapping)

    def reopen(self, number: str, agent: str) -> Dict[str, Any]:
        try:
            with self.engine.begin() as db:
                row = db.execute(sa.select(tickets).where(tickets.c.number == number)).first()
                if row is None:
                    raise DeskError("没有这个工单")
                if row.status != CLOSED:
                    raise DeskError("这个工单还没有结束")
                now = _now()
                db.execute(tickets.update().where(tickets.c.id == row.id).values(
                    status=LIVE, open_key=row.conversation_id, owner=agent, closed_at=None, updated_at=now))
                _event(db, row.id, row.conversation_id, "status", None, agent, {"status": "reopened"}, at=now)
                return dict(row._mapping)
        except IntegrityError:
            raise DeskError("这位用户已经有一个新的工单，请在新工单里继续") from None

    def rate(self, conversation_id: str, number: str, rating: int) -> None:
        with self.engine.begin() as db:
            row = db.execute(sa.select(tickets.c.id).where(tickets.c.number == number,
                                                           tickets.c.conversation_id == conversation_id)).first()
            if row is not None:
                db.execute(tickets.update().where(tickets.c.id == row.id).values(rating=rating, updated_at=_now()))
                _event(db, row.id, conversation_id, "status", None, data={"status": "rated", "rating": rating})

    def events_since(self, last_id: int, limit: int = 500) -> List[Dict[str, Any]]:
        with self.engine.connect() as db:
            rows = db.execute(sa.select(ticket_events, tickets.c.number).join(
                tickets, tickets.c.id == ticket_events.c.ticket_id).where(ticket_events.c.id > last_id)
                .order_by(ticket_events.c.id).limit(limit)).all()
        return [dict(r._mapping) for r in rows]

    def last_event_id(self) -> int:
        with self.engine.connect() as db:
            return db.execute(sa.select(sa.func.max(ticket_events.c.id))).scalar() or 0

    def rows(self, table: str = "tickets") -> List[Dict[str, Any]]:
        """Every row of a desk table (tickets, ticket_events, ratings …),
        oldest first: for tests and exports."""
        source = metadata.tables[table]
        with self.engine.connect() as db:
            return [dict(r._mapping) for r in db.execute(sa.select(source).order_by(source.c.id))]


def _median(values: List[float]) -> float:
    ordered = sorted(v for v in values if v is not None and v >= 0)
    if not ordered:
        return 0.0
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
