"""The supervisor's figures, from the desk database: how many came, how
their problems ended, how long they waited and how satisfied they were."""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any, Dict, List, Optional

import sqlalchemy as sa

from desk.schema import engine, ratings, sessions, tickets, walkthroughs
from desk.tickets import BEIJING, WAITING

DAY = 86400


def percentile(values: List[float], share: float) -> Optional[float]:
    """Nearest-rank percentile; None for no values."""
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return None
    rank = max(1, math.ceil(share * len(ordered)))
    return round(ordered[rank - 1], 1)


def _day(moment: float) -> str:
    return datetime.fromtimestamp(moment, BEIJING).strftime("%Y-%m-%d")


def _spread(values: List[float]) -> Dict[str, Any]:
    return {"p50": percentile(values, 0.5), "p90": percentile(values, 0.9), "count": len(values)}


def summary(days: int = 30, url: Optional[str] = None, now: Optional[float] = None) -> Dict[str, Any]:
    now = now or time.time()
    since = now - days * DAY
    with engine(url).connect() as db:
        session_rows = db.execute(sa.select(sessions.c.started_at).where(sessions.c.started_at >= since)).all()
        walk_rows = db.execute(sa.select(walkthroughs.c.problem, walkthroughs.c.outcome, walkthroughs.c.started_at)
                               .where(walkthroughs.c.started_at >= since)).all()
        ticket_rows = db.execute(sa.select(
            tickets.c.problem, tickets.c.status, tickets.c.created_at, tickets.c.claimed_at,
            tickets.c.first_response_at, tickets.c.closed_at).where(tickets.c.created_at >= since)).all()
        rating_rows = db.execute(sa.select(ratings.c.rating, ratings.c.ticket_number, ratings.c.created_at)
                                 .where(ratings.c.created_at >= since)).all()

    per_day: Dict[str, Dict[str, int]] = defaultdict(lambda: {"conversations": 0, "self_solved": 0, "handed_off": 0})
    for row in session_rows:
        per_day[_day(row.started_at)]["conversations"] += 1
    by_problem: Dict[str, Counter] = defaultdict(Counter)
    for row in walk_rows:
        by_problem[row.problem]["started"] += 1
        if row.outcome == "solved":
            by_problem[row.problem]["self_solved"] += 1
            per_day[_day(row.started_at)]["self_solved"] += 1
    for row in ticket_rows:
        by_problem[row.problem or "direct_request"]["handed_off"] += 1
        per_day[_day(row.created_at)]["handed_off"] += 1

    waiting = [r.claimed_at - r.created_at for r in ticket_rows if r.claimed_at]
    first_response = [r.first_response_at - r.created_at for r in ticket_rows if r.first_response_at]
    handle = [r.closed_at - r.claimed_at for r in ticket_rows if r.closed_at and r.claimed_at]
    scores = [r.rating for r in rating_rows]
    problems = sorted(by_problem.items(), key=lambda item: -(item[1]["started"] + item[1]["handed_off"]))
    return {
        "days": days,
        "per_day": [{"date": day, **counts} for day, counts in sorted(per_day.items())],
        "by_problem": [{"problem": name, "started": c["started"], "self_solved": c["self_solved"],
                        "handed_off": c["handed_off"]} for name, c in problems],
        "totals": {"conversations": len(session_rows), "tickets": len(ticket_rows),
                   "self_solved": sum(c["self_solved"] for c in by_problem.values()),
                   "waiting_now": sum(1 for r in ticket_rows if r.status == WAITING)},
        "waiting_seconds": _spread(waiting),
        "first_response_seconds": _spread(first_response),
        "handle_seconds": _spread(handle),
        "satisfaction": {
            "average": round(sum(scores) / len(scores), 2) if scores else None,
            "count": len(scores),
            "distribution": {str(n): scores.count(n) for n in range(1, 6)},
            "after_agent": _average([r.rating for r in rating_rows if r.ticket_number]),
            "after_self_check": _average([r.rating for r in rating_rows if not r.ticket_number]),
        },
    }


def _average(values: List[int]) -> Optional[float]:
    return round(sum(values) / len(values), 2) if values else None
