"""The desk's tickets and accounts on a real (SQLite) database: what an agent
and a waiting user would notice if it went wrong."""

from __future__ import annotations

import threading
import time

import pytest

from desk.accounts import MAX_FAILURES, Accounts
from desk.records import Records
from desk.tickets import CLOSED, LIVE, DeskError, TicketDesk, ticket_number_prefix


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    """These tests are about lockouts and sessions, not about the hash: the
    production argon2 settings take seconds per login on a loaded machine
    (the servers' tests log in with them)."""
    from argon2 import PasswordHasher

    from desk import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'desk.db'}"


def open_one(desk, conversation, problem="payment_failed", **kw):
    return desk.open_ticket(conversation, "rest", problem, "用户要求转人工", kw.get("steps", []),
                            kw.get("details", {}), kw.get("transcript", []), True)


def test_ticket_numbers_carry_the_beijing_date_and_a_daily_counter(url):
    desk = TicketDesk(url)
    first, second = open_one(desk, "u1"), open_one(desk, "u2")
    prefix = ticket_number_prefix(time.time())
    assert first.number == prefix + "0001" and second.number == prefix + "0002"
    # 23:30 UTC is already the next day in Beijing.
    assert ticket_number_prefix(1764113400) == "T20251126-"


def test_one_open_ticket_per_conversation_a_second_request_adds_to_it(url):
    desk = TicketDesk(url)
    first = open_one(desk, "u1", details={"amount": 300})
    again = open_one(desk, "u1", details={"amount": 999, "incident_time": "昨天"})
    assert again.appended and again.number == first.number
    ticket = desk.ticket(first.number)
    assert ticket["details"] == {"amount": 300, "incident_time": "昨天"}  # what was said first stays
    assert len(desk.rows()) == 1
    assert [e["data"]["status"] for e in ticket["events"]] == ["opened", "asked_again"]


def test_concurrent_requests_from_one_conversation_open_one_ticket(url):
    desk = TicketDesk(url)
    numbers = []
    threads = [threading.Thread(target=lambda: numbers.append(open_one(desk, "same").number)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(numbers)) == 1 and len(desk.rows()) == 1


def test_queue_position_counts_only_waiting_tickets_urgent_first(url):
    desk = TicketDesk(url)
    a = open_one(desk, "a")
    b = open_one(desk, "b")
    assert (a.position, b.position) == (0, 1)
    stolen = open_one(desk, "c", problem="account_stolen")
    assert stolen.position == 0                        # urgent goes first
    assert desk.open_ticket_of("a")["position"] == 1
    desk.claim(stolen.number, "li")
    assert desk.open_ticket_of("a")["position"] == 0   # a live ticket no longer counts
    assert [t["number"] for t in desk.queue()][:2] == [a.number, b.number]


def test_only_one_agent_can_claim_a_ticket(url):
    desk = TicketDesk(url)
    number = open_one(desk, "u1").number
    results = []
    threads = [threading.Thread(target=lambda who=who: results.append((who, *desk.claim(number, who))))
               for who in ("li", "wang", "zhao")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [who for who, won, _ in results if won]
    assert len(winners) == 1
    assert {owner for _, _, owner in results} == {winners[0]}
    assert desk.ticket(number)["status"] == LIVE


def test_replies_need_the_owner_and_closing_frees_the_conversation(url):
    desk = TicketDesk(url)
    number = open_one(desk, "u1").number
    with pytest.raises(DeskError):
        desk.add_agent_message(number, "li", "您好")       # not claimed yet
    desk.claim(number, "li")
    with pytest.raises(DeskError):
        desk.add_agent_message(number, "wang", "您好")     # someone else's
    event_id, _, stored = desk.add_agent_message(number, "li", "卡号6222021234567890128我看到了")
    assert stored == "卡号***************0128我看到了"
    desk.mark_delivery(event_id, "sent")
    with pytest.raises(DeskError):
        desk.close(number, "li", "")                       # a summary is required
    desk.close(number, "li", "已退款")
    assert desk.ticket(number)["status"] == CLOSED and desk.open_ticket_of("u1") is None
    assert open_one(desk, "u1").number != number           # the next 转人工 is a new ticket


def test_user_messages_while_waiting_reach_the_ticket_masked(url):
    desk = TicketDesk(url)
    number = open_one(desk, "u1").number
    assert desk.add_user_message("u1", "补充一下，金额是300块，验证码是123456") == number
    assert desk.add_user_message("nobody", "hi") is None
    event = desk.ticket(number)["events"][-1]
    assert event["kind"] == "user" and "123456" not in event["text"] and "300块" in event["text"]


def test_reopen_and_transfer(url):
    desk = TicketDesk(url)
    Accounts(url).add_agent("wang", "password-123")
    number = open_one(desk, "u1").number
    desk.claim(number, "li")
    desk.transfer(number, "li", "wang")
    assert desk.ticket(number)["owner"] == "wang"
    with pytest.raises(DeskError):
        desk.transfer(number, "wang", "ghost")
    desk.close(number, "wang", "已处理")
    desk.reopen(number, "li")
    reopened = desk.ticket(number)
    assert reopened["status"] == LIVE and reopened["owner"] == "li"


def test_expected_wait_uses_measured_handle_times(url):
    desk = TicketDesk(url)
    for name in ("h1", "h2"):
        number = open_one(desk, name).number
        desk.claim(number, "li")
        desk.close(number, "li", "好了")
    with desk.engine.begin() as db:   # make both take 10 minutes
        db.exec_driver_sql("UPDATE tickets SET claimed_at = closed_at - 600")
    assert desk.expected_wait_minutes(position=2, default_minutes=3, agents_on_duty=1) == 30
    assert desk.expected_wait_minutes(position=2, default_minutes=3, agents_on_duty=3) == 10


def test_login_is_rate_limited_and_sessions_are_checked(url):
    accounts = Accounts(url)
    accounts.add_agent("li", "correct-horse", "小李")
    assert accounts.login("li", "wrong", "1.2.3.4") is None
    token = accounts.login("li", "correct-horse", "1.2.3.4")
    session = accounts.session(token)
    assert session.agent.display_name == "小李" and len(session.csrf) > 20
    assert accounts.session("forged-token") is None
    for _ in range(MAX_FAILURES):
        accounts.login("li", "guess", "5.6.7.8")
    assert accounts.locked_out("user:li", "addr:5.6.7.8")
    accounts.logout(token)
    assert accounts.session(token) is None


def test_ratings_accept_only_one_to_five(url):
    records = Records(url)
    records.save_rating("u1", "payment_failed", 5)
    for bad in (0, 6, -5, 3.5, "5"):
        with pytest.raises(ValueError):
            records.save_rating("u1", None, bad)
    assert [r["rating"] for r in records.rows("ratings")] == [5]


def test_passwords_are_stored_as_argon2id_hashes_with_the_production_settings(url, monkeypatch):
    monkeypatch.undo()   # the real hasher, not the quick one the other tests use
    from sqlalchemy import create_engine, text

    Accounts(url).add_agent("li", "correct-horse", "小李")
    with create_engine(url).connect() as db:
        stored = db.execute(text("SELECT password_hash FROM agents WHERE username = 'li'")).scalar()
    assert stored.startswith("$argon2id$") and "m=65536,t=3" in stored and "correct-horse" not in stored
