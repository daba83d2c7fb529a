"""SQLTrackerStore that masks sensitive data in every event it writes.

The channels already mask what users send; this catches what reaches the
store another way (`rasa shell`, the HTTP API's /conversations endpoints).
Only the current session is loaded back (SQLTrackerStore's default), which
keeps month-long WeChat conversations as fast as new ones.
"""

from __future__ import annotations

import copy
from typing import Any, Iterator

import sqlalchemy as sa

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components.sensitive import mask_text
from stores import speedups  # noqa: F401  (installs the Rasa speed-ups on import)


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

    def _additional_events(self, session, tracker: DialogueStateTracker) -> Iterator:
        for event in super()._additional_events(session, tracker):
            yield masked_event(event)
