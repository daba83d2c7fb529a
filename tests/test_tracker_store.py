"""The tracker store keeps recently saved trackers in memory. What a user
must never see from that: a second server's part of the conversation lost,
a half-processed message replayed, an old session coming back, or an
unmasked card number handed out again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from stores.masking_tracker_store import MaskingSQLTrackerStore

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain"))


def store(domain: Domain, db: Path, **kwargs) -> MaskingSQLTrackerStore:
    return MaskingSQLTrackerStore(domain, dialect="sqlite", db=str(db), **kwargs)


def run(coroutine):
    return asyncio.run(coroutine)


def texts(tracker: DialogueStateTracker) -> list:
    return [event.text for event in tracker.events if isinstance(event, (UserUttered, BotUttered))]


def new_conversation(domain: Domain, sender: str = "u1") -> DialogueStateTracker:
    tracker = DialogueStateTracker.from_events(sender, [ActionExecuted("action_session_start"), SessionStarted(),
                                                        ActionExecuted("action_listen")], domain.slots)
    tracker.update(UserUttered("付款失败了"))
    tracker.update(BotUttered("先看看网络是否正常"))
    return tracker


def test_a_saved_tracker_comes_back_without_a_reload(domain, tmp_path):
    one = store(domain, tmp_path / "c.db")
    tracker = new_conversation(domain)
    run(one.save(tracker))
    assert run(one.retrieve("u1")) is tracker
    assert texts(run(store(domain, tmp_path / "c.db").retrieve("u1"))) == ["付款失败了", "先看看网络是否正常"]


def test_what_another_server_wrote_is_not_lost(domain, tmp_path):
    first, second = store(domain, tmp_path / "c.db"), store(domain, tmp_path / "c.db")
    run(first.save(new_conversation(domain)))

    elsewhere = run(second.retrieve("u1"))
    elsewhere.update(UserUttered("网络正常"))
    elsewhere.update(BotUttered("再看看余额够不够"))
    run(second.save(elsewhere))

    again = run(first.retrieve("u1"))
    assert texts(again) == ["付款失败了", "先看看网络是否正常", "网络正常", "再看看余额够不够"]
    again.update(UserUttered("余额够"))
    run(first.save(again))
    assert texts(run(second.retrieve("u1")))[-1] == "余额够"


def test_a_message_that_failed_half_way_is_not_replayed(domain, tmp_path):
    one = store(domain, tmp_path / "c.db")
    run(one.save(new_conversation(domain)))
    tracker = run(one.retrieve("u1"))
    tracker.update(UserUttered("这条没有保存"))  # processing stopped before the save
    assert texts(run(one.retrieve("u1"))) == ["付款失败了", "先看看网络是否正常"]


def test_after_a_session_expires_only_the_new_session_comes_back(domain, tmp_path):
    one = store(domain, tmp_path / "c.db")
    tracker = new_conversation(domain)
    run(one.save(tracker))
    tracker = run(one.retrieve("u1"))
    for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
                  UserUttered("我要退款")):
        tracker.update(event)
    run(one.save(tracker))
    assert texts(run(one.retrieve("u1"))) == ["我要退款"]


def test_an_unmasked_card_number_is_not_handed_out_again(domain, tmp_path):
    one = store(domain, tmp_path / "c.db")
    tracker = new_conversation(domain)
    tracker.update(UserUttered("卡号 6222 0202 0001 2345 678"))  # arrived by `rasa shell`, not a masking channel
    run(one.save(tracker))
    again = run(one.retrieve("u1"))
    assert again is not tracker
    assert "6222 0202 0001 2345 678" not in " ".join(texts(again))


def test_the_memory_keeps_at_most_cache_size_conversations(domain, tmp_path):
    one = store(domain, tmp_path / "c.db", cache_size=2)
    kept = [new_conversation(domain, f"u{i}") for i in range(3)]
    for tracker in kept:
        run(one.save(tracker))
    assert run(one.retrieve("u0")) is not kept[0]  # the oldest was let go and is loaded again
    assert texts(run(one.retrieve("u0"))) == ["付款失败了", "先看看网络是否正常"]
    assert run(one.retrieve("u2")) is kept[2]
