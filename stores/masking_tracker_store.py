"""SQLTrackerStore that masks sensitive data in every event it writes.

The channels already mask what users send; this catches what reaches the
store another way (`rasa shell`, the HTTP API's /conversations endpoints).
Only the current session is loaded back (SQLTrackerStore's default), which
keeps month-long WeChat conversations as fast as new ones.

The database is never used on the event loop: a locked SQLite file or a
PostgreSQL restart makes the calls for that conversation wait in a worker
thread (retried for `retry_seconds`) while everyone else is served. A call
that still fails raises; it is never quietly kept in memory instead
(stores/fail_loudly.py). One session loaded back is capped at
`max_session_events`: a flood of messages cannot make every later message
of that conversation slower for the whole server.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import gc
import itertools
import json
import logging
import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import sqlalchemy as sa

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from components.sensitive import mask_text
from stores import action_server_down, fail_loudly, speedups  # noqa: F401  (install their Rasa patches)

logger = logging.getLogger(__name__)


STORED_COUNT = "_wallet_stored_event_count"
MASKED_WHEN_STORED = "_wallet_masked_when_stored"
DEFAULT_CACHE_SIZE = 500
DEFAULT_MAX_SESSION_EVENTS = 400
DEFAULT_RETRY_SECONDS = 30.0


def _sqlite_wal(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def masked_event(event: Event) -> Event:
    if isinstance(event, (UserUttered, BotUttered)) and event.text:
        masked, kinds = mask_text(event.text)
        if kinds:
            event = copy.deepcopy(event)
            event.text = masked
            if isinstance(event, UserUttered) and event.parse_data:
                event.parse_data["text"] = masked  # a second copy of the text
    return event


def _event_row(sender_id: str, event: Event) -> dict:
    data = event.as_dict()
    return {"sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"), "data": json.dumps(data)}


def _holds_older_session(tracker: DialogueStateTracker, stored_before: Optional[int]) -> bool:
    """After a session expires only the new one is loaded back, so a tracker
    that still holds the old one must not be handed out again."""
    if stored_before is None:
        return sum(isinstance(event, SessionStarted) for event in tracker.events) > 1
    return stored_before > 0 and any(isinstance(event, SessionStarted)
                                     for event in itertools.islice(tracker.events, stored_before, None))


_LAST_EVENT_ID = (sa.select(sa.func.max(SQLTrackerStore.SQLEvent.id))
                  .where(SQLTrackerStore.SQLEvent.sender_id == sa.bindparam("sender_id")))


def _freeze_startup_heap() -> None:
    """Keep the objects that live as long as the server out of garbage
    collection. Rasa's process holds millions of them (TensorFlow, the model,
    the domain), and every full collection walked them all: 290-400 ms with
    the server standing still, which was the whole p99 at 100 messages/s.
    Called at the first conversation, when the model is surely loaded."""
    global _heap_frozen
    if not _heap_frozen:
        gc.freeze()
        _heap_frozen = True


_heap_frozen = False


def capped_session(events: List[Dict[str, Any]], limit: int) -> List[Dict[str, Any]]:
    """The last `limit` events of a session (from a user turn on), behind
    what a new session with the same slots, form and problem would start with."""
    if len(events) <= limit:
        return events
    cut = len(events) - limit
    while cut < len(events) and not (events[cut].get("event") == "action" and events[cut].get("name") == "action_listen"):
        cut += 1
    slots: Dict[str, Any] = {}
    loop: Optional[Dict[str, Any]] = None
    for event in events[:cut]:
        kind = event.get("event")
        if kind == "slot":
            slots[event.get("name")] = event.get("value")
        elif kind in ("reset_slots", "restart", "session_started"):
            slots, loop = {}, None
        elif kind == "active_loop":
            loop = event if event.get("name") else None
    stamp = events[cut - 1].get("timestamp") if cut else time.time()
    head: List[Dict[str, Any]] = [{"event": "action", "name": "action_session_start", "timestamp": stamp},
                                  {"event": "session_started", "timestamp": stamp}]
    head += [{"event": "slot", "name": name, "value": value, "timestamp": stamp}
             for name, value in slots.items() if value is not None]
    if loop:
        head.append(loop)
    return head + events[cut:]


def _transient(error: Exception) -> bool:
    """Worth another try: a locked SQLite file, a database restarting."""
    return isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError)) or (
        isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated)


class MaskingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, cache_size: int = DEFAULT_CACHE_SIZE,
                 max_session_events: int = DEFAULT_MAX_SESSION_EVENTS,
                 retry_seconds: float = DEFAULT_RETRY_SECONDS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cache: "OrderedDict[str, Tuple[DialogueStateTracker, Optional[int]]]" = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_size = int(cache_size)
        self.max_session_events = int(max_session_events)
        self.retry_seconds = float(retry_seconds)
        if self.engine.dialect.name == "sqlite":
            self._pool_sqlite_connections()
        else:
            self.engine.dispose()
            self.engine = sa.create_engine(self.engine.url, pool_pre_ping=True, pool_size=5, max_overflow=10)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def _blocking(self, function: Callable, *args: Any) -> Any:
        """Runs database work in a worker thread, retrying transient failures."""
        return await asyncio.get_running_loop().run_in_executor(
            None, functools.partial(self._with_retries, function, *args))

    def _with_retries(self, function: Callable, *args: Any) -> Any:
        deadline = time.monotonic() + self.retry_seconds
        pause = 0.1
        while True:
            try:
                return function(*args)
            except sa.exc.SQLAlchemyError as error:
                if not _transient(error) or time.monotonic() > deadline:
                    raise
                logger.warning("tracker store busy or unreachable (%s); retrying", type(error).__name__)
                time.sleep(pause)
                pause = min(pause * 2, 2.0)

    def _pool_sqlite_connections(self) -> None:
        # SQLAlchemy 1.4 opens a new SQLite connection per session (NullPool):
        # 6% of the server's time. The calls run on worker threads, several
        # at once under load; a connection beyond the pool's size is opened
        # and closed per call, so the pool holds as many as there are threads
        # at work.
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=8, max_overflow=8,
                                       connect_args={"check_same_thread": False, "timeout": 5})
        # One commit per message: with the default rollback journal each
        # commit waits for two fsyncs (22% of the server's time under load).
        # WAL with synchronous=NORMAL stays consistent after a crash and
        # may lose only the last moments before a power cut.
        sa.event.listen(self.engine, "connect", _sqlite_wal)
        with self.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _last_event_id(self, sender_id: str) -> Optional[int]:
        # Core, not an ORM query: this runs for every message.
        with self.engine.connect() as connection:
            return connection.execute(_LAST_EVENT_ID, {"sender_id": sender_id}).scalar()

    def _kept_tracker(self, sender_id: str) -> Optional[DialogueStateTracker]:
        with self._cache_lock:
            kept = self._cache.pop(sender_id, None)
        if kept is None:
            return None
        tracker, last_id = kept
        # A tracker with unsaved events belongs to a message that failed
        # half-way; one whose conversation grew elsewhere is out of date.
        if len(tracker.events) != getattr(tracker, STORED_COUNT, None) or self._last_event_id(sender_id) != last_id:
            return None
        with self._cache_lock:
            self._cache[sender_id] = kept
        return tracker

    def _keep(self, tracker: DialogueStateTracker, stored_before: Optional[int], last_id: Optional[int]) -> None:
        sender_id = tracker.sender_id
        masked = getattr(tracker, MASKED_WHEN_STORED, False)
        setattr(tracker, MASKED_WHEN_STORED, False)
        with self._cache_lock:
            self._cache.pop(sender_id, None)
            if self._cache_size <= 0 or masked or _holds_older_session(tracker, stored_before) \
                    or len(tracker.events) > self.max_session_events:
                return  # keep only what a reload would give back exactly
            self._cache[sender_id] = (tracker, last_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    # Rasa counts a sender's stored events with a query before every save
    # (6% of the server's time). A tracker this store loaded already knows how
    # many it holds; the conversation lock keeps anyone else from writing in
    # between. Trackers from elsewhere (HTTP API) still get the query.
    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
        _freeze_startup_heap()
        return await self._blocking(self._retrieve_now, sender_id, fetch_events_from_all_sessions)

    def _retrieve_now(self, sender_id: str, all_sessions: bool) -> Optional[DialogueStateTracker]:
        if not all_sessions:
            tracker = self._kept_tracker(sender_id)
            if tracker is not None:
                return tracker
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=all_sessions).all()
            events = [json.loads(row.data) for row in rows]
        if not self.domain or not events:
            return None
        if not all_sessions:
            events = capped_session(events, self.max_session_events)
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if not all_sessions:
            setattr(tracker, STORED_COUNT, len(tracker.events))
        return tracker

    async def keys(self) -> Any:
        return await self._blocking(self._keys_now)

    def _keys_now(self) -> List[str]:
        with self.session_scope() as session:
            return [sender_id for (sender_id,) in session.query(self.SQLEvent.sender_id).distinct().all()]

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        # The broker gets the difference to what is stored: compare with the
        # database, not with the kept tracker, which is this very object.
        with self._cache_lock:
            self._cache.pop(tracker.sender_id, None)
        await super().stream_events(tracker)

    async def save(self, tracker: DialogueStateTracker) -> None:
        stored_before = getattr(tracker, STORED_COUNT, None)
        await self.stream_events(tracker)
        await self._blocking(self._save_now, tracker, stored_before)

    def _save_now(self, tracker: DialogueStateTracker, stored_before: Optional[int]) -> None:
        """SQLTrackerStore.save with one multi-row INSERT instead of the ORM's
        unit of work (a row object, a flush and a statement per event)."""
        with self.session_scope() as session:
            rows = [_event_row(tracker.sender_id, event) for event in self._additional_events(session, tracker)]
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            # Read in the same transaction: the id this save ended on.
            last_id = session.execute(_LAST_EVENT_ID, {"sender_id": tracker.sender_id}).scalar()
            session.commit()
        setattr(tracker, STORED_COUNT, len(tracker.events))
        self._keep(tracker, stored_before, last_id)

    def _additional_events(self, session, tracker: DialogueStateTracker) -> Iterator:
        stored = getattr(tracker, STORED_COUNT, None)
        if stored is None:
            events = super()._additional_events(session, tracker)
        else:
            events = itertools.islice(tracker.events, stored, len(tracker.events))
        for event in events:
            stored_event = masked_event(event)
            if stored_event is not event:
                setattr(tracker, MASKED_WHEN_STORED, True)
            yield stored_event
