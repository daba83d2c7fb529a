"""Faults in the default (single-machine) mode, against the real servers:
the action server down mid-walkthrough, and the SQLite file locked by
another process. The user always gets a clear answer and nothing is lost."""

from __future__ import annotations

import sqlite3
import threading
import time

from desk.tickets import TicketDesk
from tests.conftest import texts


def user_texts(servers, sender):
    return [e.get("text") for e in servers.tracker(sender)["events"] if e.get("event") == "user"]


def test_action_server_down_mid_walkthrough_then_back(servers):
    user = "fault-actions-down"
    assert "网络" in texts(servers.say(user, "付款失败"))
    servers.say(user, "网络正常")                                 # now at the password step
    servers.stack.actions.terminate()
    servers.stack.actions.wait(30)
    try:
        busy = texts(servers.say(user, "密码没问题"))
        assert "系统繁忙" in busy                                   # a clear answer, not silence
        servers.say(user, "转人工")                                 # still reaches a person
        assert TicketDesk(f"sqlite:///{servers.desk_db}").open_ticket_of(user) is not None
    finally:
        servers.stack.start_actions()
    # Back up: the same conversation goes on; every message was stored.
    assert {"付款失败", "网络正常", "密码没问题", "转人工"} <= set(user_texts(servers, user))
    other = "fault-actions-back"
    servers.say(other, "付款失败")
    assert "第二步" in texts(servers.say(other, "网络正常"))


def test_a_locked_conversation_file_delays_or_answers_clearly_and_loses_nothing(servers):
    user = "fault-sqlite-lock"
    servers.say(user, "你好")
    locked = threading.Event()

    def hold_lock():
        with sqlite3.connect(servers.tracker_db, timeout=30) as db:
            db.execute("BEGIN EXCLUSIVE")
            locked.set()
            time.sleep(10)
            db.rollback()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    assert locked.wait(30)
    started = time.time()
    replies = servers.say(user, "付款失败")
    holder.join()
    assert replies, "silence while the file was locked"
    assert "网络" in texts(replies) or "系统繁忙" in texts(replies)
    assert time.time() - started < 60
    # Once the lock is gone the message is there, stored once.
    assert user_texts(servers, user).count("付款失败") == 1
