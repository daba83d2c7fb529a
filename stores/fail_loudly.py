"""Rasa wraps every tracker store in a FailSafeTrackerStore that, when a save
fails, logs "Falling back to use the 'InMemoryTrackerStore'" and keeps the
conversation in memory only, and when a read fails, carries on as if the
conversation were new. Both lose what the user said without anyone noticing.
Here both re-raise instead: the tracker store has already retried (see
masking_tracker_store.py), the channel gate tells the user to try again, and
the error is in the log. Imported by the tracker store module, so it is
active wherever this project's store is."""

from __future__ import annotations

from typing import Any, Optional, Text

from rasa.core.tracker_store import FailSafeTrackerStore


async def _save(self: FailSafeTrackerStore, tracker: Any) -> None:
    await self._tracker_store.save(tracker)


async def _retrieve(self: FailSafeTrackerStore, sender_id: Text) -> Optional[Any]:
    return await self._tracker_store.retrieve(sender_id)


async def _retrieve_full_tracker(self: FailSafeTrackerStore, sender_id: Text) -> Optional[Any]:
    return await self._tracker_store.retrieve_full_tracker(sender_id)


def install() -> None:
    FailSafeTrackerStore.save = _save
    FailSafeTrackerStore.retrieve = _retrieve
    FailSafeTrackerStore.retrieve_full_tracker = _retrieve_full_tracker


install()
