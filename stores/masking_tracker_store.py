"""SQLTrackerStore that masks sensitive data in every event it writes.

The channels already mask what users send; this catches what reaches the
store another way (`rasa shell`, the HTTP API's /conversations endpoints).
Only the current session is loaded back (SQLTrackerStore's default), which
keeps month-long WeChat conversations as fast as new ones.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any, Iterator

import sqlalchemy as sa

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components.sensitive import mask_text
from stores import speedups  # noqa: F401  (installs the Rasa speed-ups on import)


STORED_COUNT = "_wallet_stored_event_count"


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


class MaskingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # One commit per message: with the default rollback journal each
            # commit waits for two fsyncs (22% of the server's time under load).
            # WAL with synchronous=NORMAL stays consistent after a crash and
            # may lose only the last moments before a power cut.
            sa.event.listen(self.engine, "connect", _sqlite_wal)
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")

    # Rasa counts a sender's stored events with a query before every save
    # (6% of the server's time). A tracker this store loaded already knows how
    # many it holds; the conversation lock keeps anyone else from writing in
    # between. Trackers from elsewhere (HTTP API) still get the query.
    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
        tracker = await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        if tracker is not None and not fetch_events_from_all_sessions:
            setattr(tracker, STORED_COUNT, len(tracker.events))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        setattr(tracker, STORED_COUNT, len(tracker.events))

    def _additional_events(self, session, tracker: DialogueStateTracker) -> Iterator:
        stored = getattr(tracker, STORED_COUNT, None)
        if stored is None:
            events = super()._additional_events(session, tracker)
        else:
            events = itertools.islice(tracker.events, stored, len(tracker.events))
        for event in events:
            yield masked_event(event)
