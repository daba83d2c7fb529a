"""Tables of the support desk and the engine they live in.

SQLite (var/support.db) unless WALLET_DESK_DB_URL gives an SQLAlchemy URL
(postgresql://...). Times are Unix seconds (floats): every process agrees
on them and the Beijing calendar is applied only where a person reads them.
"""

from __future__ import annotations

import functools
import os
import threading
from pathlib import Path
from typing import Optional

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE = ROOT / "var" / "support.db"

metadata = sa.MetaData()

tickets = sa.Table(
    "tickets", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("number", sa.String(32), nullable=False, unique=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    # Equal to conversation_id while the ticket is open, NULL once closed: the
    # unique constraint then allows one open ticket per conversation, across
    # every process that may open one at the same moment.
    sa.Column("open_key", sa.String(255), unique=True),
    sa.Column("channel", sa.String(32)),
    sa.Column("language", sa.String(8)),
    sa.Column("problem", sa.String(64)),
    sa.Column("urgent", sa.Boolean, nullable=False, default=False),
    sa.Column("reason", sa.Text),
    sa.Column("steps", sa.JSON, nullable=False),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Column("transcript", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # waiting | live | closed
    sa.Column("within_hours", sa.Boolean, nullable=False, default=True),
    sa.Column("owner", sa.String(64)),
    sa.Column("summary", sa.Text),
    sa.Column("rating", sa.Integer),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("claimed_at", sa.Float),
    sa.Column("first_response_at", sa.Float),
    sa.Column("closed_at", sa.Float),
    sa.Column("last_user_at", sa.Float),
    sa.Column("updated_at", sa.Float, nullable=False),
)
sa.Index("tickets_queue", tickets.c.status, tickets.c.urgent, tickets.c.created_at)

# Everything that happens to a ticket, in order: the conversation during the
# hand-off, notes, status changes. Also the feed the console follows live.
ticket_events = sa.Table(
    "ticket_events", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    # user | bot | agent | note | status
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("author", sa.String(64)),
    sa.Column("text", sa.Text),
    sa.Column("data", sa.JSON),
    # agent messages: pending | sent | stored (user not reachable live) | failed
    sa.Column("delivery", sa.String(16)),
    sa.Column("created_at", sa.Float, nullable=False, index=True),
)

agents = sa.Table(
    "agents", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(64), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),  # agent | supervisor
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_seen_at", sa.Float),
)

agent_sessions = sa.Table(
    "agent_sessions", metadata,
    # SHA-256 of the cookie value: a leaked table does not log anyone in.
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("agent_id", sa.Integer, sa.ForeignKey("agents.id", ondelete="CASCADE"), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False),
)

login_attempts = sa.Table(
    "login_attempts", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(128), nullable=False, index=True),
    sa.Column("at", sa.Float, nullable=False),
)

ratings = sa.Table(
    "ratings", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("problem", sa.String(64)),
    sa.Column("ticket_number", sa.String(32)),
    sa.Column("rating", sa.Integer, sa.CheckConstraint("rating BETWEEN 1 AND 5"), nullable=False),
)

feedback = sa.Table(
    "feedback", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("channel", sa.String(32)),
    sa.Column("text", sa.Text, nullable=False),
)

# One row per conversation session and per walkthrough, for the supervisor's
# figures: how many people came, and how each problem ended.
sessions = sa.Table(
    "sessions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("channel", sa.String(32)),
    sa.Column("started_at", sa.Float, nullable=False, index=True),
)

walkthroughs = sa.Table(
    "walkthroughs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation_id", sa.String(255), nullable=False, index=True),
    sa.Column("problem", sa.String(64), nullable=False),
    sa.Column("started_at", sa.Float, nullable=False, index=True),
    sa.Column("outcome", sa.String(16)),  # solved | handed_off | NULL (left unfinished)
    sa.Column("ended_at", sa.Float),
)

# Small shared values with an expiry (the WeChat access token).
shared_values = sa.Table(
    "shared_values", metadata,
    sa.Column("key", sa.String(191), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("expires_at", sa.Float),
)

# WeChat customer-service messages that could not be sent yet (issue: late
# replies must survive failures and restarts).
wechat_outbox = sa.Table(
    "wechat_outbox", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("open_id", sa.String(128), nullable=False, index=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.Float, nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False),  # pending | sent | failed
    sa.Column("last_error", sa.Text),
)


def database_url() -> str:
    url = os.environ.get("WALLET_DESK_DB_URL")
    if url:
        return url
    path = Path(os.environ.get("WALLET_DESK_DB") or DEFAULT_SQLITE)
    return f"sqlite:///{path}"


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    # WAL lets the console read while the action server writes; a writer
    # that finds the file locked waits instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


_engines = {}
_engines_lock = threading.Lock()


def engine(url: Optional[str] = None) -> sa.engine.Engine:
    """One engine per URL and process, with the tables created."""
    url = url or database_url()
    with _engines_lock:
        found = _engines.get(url)
        if found is None:
            found = _create(url)
            _engines[url] = found
        return found


def _create(url: str) -> sa.engine.Engine:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # SQLAlchemy 1.4 opens and closes a file database per use (NullPool):
        # each ticket write paid a connect and the pragmas. Pooled connections
        # are handed to one thread at a time, which SQLite allows.
        pool = {"poolclass": sa.pool.QueuePool, "pool_size": 5, "max_overflow": 10} if parsed.database else {}
        created = sa.create_engine(url, future=True, connect_args={"timeout": 30, "check_same_thread": False}, **pool)
        sa.event.listen(created, "connect", _sqlite_pragmas)
    else:
        created = sa.create_engine(url, future=True, pool_pre_ping=True, pool_size=5, max_overflow=5)
    metadata.create_all(created)
    return created


@functools.lru_cache(maxsize=None)
def is_postgres(url: str) -> bool:
    return sa.engine.make_url(url).get_backend_name() == "postgresql"
