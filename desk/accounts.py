"""Agent accounts, their console sessions and the login rate limit.

Passwords are hashed with Argon2id (argon2-cffi). The session cookie holds
a random token; the database keeps only its SHA-256, with a CSRF token that
every state-changing request must echo.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Dict, List, Optional

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from desk.schema import agent_sessions, agents, engine, login_attempts

ROLES = ("agent", "supervisor")
SESSION_SECONDS = 12 * 3600
# Five wrong passwords per account or per address in a quarter of an hour,
# then wait: slow enough to stop guessing, short enough not to lock out a
# colleague for the whole shift.
MAX_FAILURES = 5
# One office shares one address: a colleague's typos must not lock everyone
# out, yet guessing across many accounts from one address stays bounded.
MAX_FAILURES_PER_ADDRESS = 30
FAILURE_WINDOW = 15 * 60
_hasher = PasswordHasher()
# A hash to verify against when the user does not exist, so a wrong name
# takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


@dataclass
class Agent:
    id: int
    username: str
    display_name: str
    role: str

    @property
    def supervisor(self) -> bool:
        return self.role == "supervisor"


@dataclass
class Session:
    agent: Agent
    csrf: str


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Accounts:
    def __init__(self, url: Optional[str] = None) -> None:
        self.engine = engine(url)

    def add_agent(self, username: str, password: str, display_name: Optional[str] = None,
                  role: str = "agent") -> None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}")
        if not username or len(username) > 64:
            raise ValueError("username must be 1-64 characters")
        if len(password) < 8:
            raise ValueError("password must have at least 8 characters")
        values = dict(display_name=display_name or username, role=role, password_hash=_hasher.hash(password),
                      active=True)
        with self.engine.begin() as db:
            existing = db.execute(sa.select(agents.c.id).where(agents.c.username == username)).first()
            if existing:
                db.execute(agents.update().where(agents.c.id == existing.id).values(**values))
            else:
                db.execute(agents.insert().values(username=username, created_at=time.time(), **values))

    def agents(self) -> List[Dict[str, object]]:
        with self.engine.connect() as db:
            rows = db.execute(sa.select(agents.c.username, agents.c.display_name, agents.c.role,
                                        agents.c.last_seen_at).where(agents.c.active.is_(True))
                              .order_by(agents.c.username)).all()
        return [dict(r._mapping) for r in rows]

    def display_name(self, username: str) -> str:
        with self.engine.connect() as db:
            name = db.execute(sa.select(agents.c.display_name).where(agents.c.username == username)).scalar()
        return name or username

    # -- login ----------------------------------------------------------------

    def locked_out(self, *keys: str) -> bool:
        since = time.time() - FAILURE_WINDOW
        with self.engine.connect() as db:
            for key in keys:
                failures = db.execute(sa.select(sa.func.count()).select_from(login_attempts).where(
                    login_attempts.c.key == key, login_attempts.c.at > since)).scalar()
                if failures >= (MAX_FAILURES_PER_ADDRESS if key.startswith("addr:") else MAX_FAILURES):
                    return True
        return False

    def login(self, username: str, password: str, address: str) -> Optional[str]:
        """A new session token, or None. Failures count against both the
        account and the address; a success clears the account's count."""
        keys = (f"user:{username}", f"addr:{address}")
        with self.engine.connect() as db:
            row = db.execute(sa.select(agents).where(agents.c.username == username,
                                                     agents.c.active.is_(True))).first()
        try:
            _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
            ok = row is not None
        except (VerificationError, InvalidHashError):
            ok = False
        now = time.time()
        with self.engine.begin() as db:
            if not ok:
                db.execute(login_attempts.insert(), [{"key": key, "at": now} for key in keys])
                db.execute(login_attempts.delete().where(login_attempts.c.at < now - FAILURE_WINDOW))
                return None
            db.execute(login_attempts.delete().where(login_attempts.c.key == keys[0]))
            token = secrets.token_urlsafe(32)
            db.execute(agent_sessions.insert().values(
                token_hash=_hash_token(token), agent_id=row.id, csrf=secrets.token_urlsafe(24),
                created_at=now, expires_at=now + SESSION_SECONDS))
            db.execute(agent_sessions.delete().where(agent_sessions.c.expires_at < now))
            db.execute(agents.update().where(agents.c.id == row.id).values(last_seen_at=now))
        return token

    def session(self, token: Optional[str]) -> Optional[Session]:
        if not token:
            return None
        with self.engine.connect() as db:
            row = db.execute(sa.select(agents, agent_sessions.c.csrf).join(
                agent_sessions, agent_sessions.c.agent_id == agents.c.id).where(
                agent_sessions.c.token_hash == _hash_token(token), agent_sessions.c.expires_at > time.time(),
                agents.c.active.is_(True))).first()
        if row is None:
            return None
        return Session(Agent(row.id, row.username, row.display_name, row.role), row.csrf)

    def seen(self, agent_id: int) -> None:
        """The agent has the console open (queue estimates count them)."""
        with self.engine.begin() as db:
            db.execute(agents.update().where(agents.c.id == agent_id).values(last_seen_at=time.time()))

    def logout(self, token: str) -> None:
        with self.engine.begin() as db:
            row = db.execute(sa.select(agent_sessions.c.agent_id)
                             .where(agent_sessions.c.token_hash == _hash_token(token))).first()
            db.execute(agent_sessions.delete().where(agent_sessions.c.token_hash == _hash_token(token)))
            if row is not None:
                db.execute(agents.update().where(agents.c.id == row.agent_id).values(last_seen_at=None))


def csrf_matches(session: Session, given: Optional[str]) -> bool:
    return bool(given) and secrets.compare_digest(session.csrf, given)
