"""SQLTrackerStore that masks sensitive data in every event it writes.

The channels already mask what users send; this catches what reaches the
store another way (`rasa shell`, the HTTP API's /conversations endpoints).
Only the current session is loaded back (SQLTrackerStore's default), which
keeps month-long WeChat conversations as fast as new ones.
"""

from __future__ import annotations

import copy
import gc
import itertools
import json
from collections import OrderedDict
from typing import Any, Iterator, Optional, Tuple

import sqlalchemy as sa

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered, Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from components.sensitive import mask_text
from stores import speedups  # noqa: F401  (installs the Rasa speed-ups on import)


STORED_COUNT = "_wallet_stored_event_count"
MASKED_WHEN_STORED = "_wallet_masked_when_stored"
DEFAULT_CACHE_SIZE = 500


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


class MaskingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, cache_size: int = DEFAULT_CACHE_SIZE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._cache: "OrderedDict[str, Tuple[DialogueStateTracker, Optional[int]]]" = OrderedDict()
        self._cache_size = int(cache_size)
        if self.engine.dialect.name == "sqlite":
            self._pool_sqlite_connections()

    def _pool_sqlite_connections(self) -> None:
        # SQLAlchemy 1.4 opens a new SQLite connection per session (NullPool):
        # 6% of the server's time. Rasa runs its tracker-store calls one at
        # a time on the event loop, so a small pool is safe.
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=2,
                                       connect_args={"check_same_thread": False})
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
        kept = self._cache.pop(sender_id, None)
        if kept is None:
            return None
        tracker, last_id = kept
        # A tracker with unsaved events belongs to a message that failed
        # half-way; one whose conversation grew elsewhere is out of date.
        if len(tracker.events) != getattr(tracker, STORED_COUNT, None) or self._last_event_id(sender_id) != last_id:
            return None
        self._cache[sender_id] = kept
        return tracker

    def _keep(self, tracker: DialogueStateTracker, stored_before: Optional[int], last_id: Optional[int]) -> None:
        sender_id = tracker.sender_id
        self._cache.pop(sender_id, None)
        masked = getattr(tracker, MASKED_WHEN_STORED, False)
        setattr(tracker, MASKED_WHEN_STORED, False)
        if self._cache_size <= 0 or masked or _holds_older_session(tracker, stored_before):
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
        if not fetch_events_from_all_sessions:
            tracker = self._kept_tracker(sender_id)
            if tracker is not None:
                return tracker
        tracker = await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        if tracker is not None and not fetch_events_from_all_sessions:
            setattr(tracker, STORED_COUNT, len(tracker.events))
        return tracker

    async def stream_events(self, tracker: DialogueStateTracker) -> None:
        # The broker gets the difference to what is stored: compare with the
        # database, not with the kept tracker, which is this very object.
        self._cache.pop(tracker.sender_id, None)
        await super().stream_events(tracker)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """SQLTrackerStore.save with one multi-row INSERT instead of the ORM's
        unit of work (a row object, a flush and a statement per event)."""
        stored_before = getattr(tracker, STORED_COUNT, None)
        await self.stream_events(tracker)
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
