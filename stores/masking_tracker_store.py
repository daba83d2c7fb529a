"""SQLTrackerStore that masks sensitive data in every event it writes.

The channels already mask what users send; this catches what reaches the
store another way (`rasa shell`, the HTTP API's /conversations endpoints).
Only the current session is loaded back (SQLTrackerStore's default), which
keeps month-long WeChat conversations as fast as new ones.
"""

from __future__ import annotations

import copy
from typing import Iterator

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from components.sensitive import mask_text


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
    def _additional_events(self, session, tracker: DialogueStateTracker) -> Iterator:
        for event in super()._additional_events(session, tracker):
            yield masked_event(event)
