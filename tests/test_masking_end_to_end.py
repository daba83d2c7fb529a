"""Sensitive data typed in many ways never reaches storage: not the tracker
store, not the ticket, not the feedback, not the logs, not the widget's
history. Generated cases (hypothesis) go through the real servers."""

from __future__ import annotations

import itertools
import json
import re
import sqlite3

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_masking_properties import (cards_in_text, codes_in_text, cvvs_in_text, digits_of, expiries_in_text,
                                           id_numbers_in_text, mobiles_in_text, passwords_in_text)

_senders = itertools.count()
DIGIT_CASES = st.one_of(cards_in_text(), codes_in_text(), id_numbers_in_text(), cvvs_in_text(), expiries_in_text())


def stored_texts(servers, sender):
    with sqlite3.connect(servers.tracker_db) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)).fetchall()
    found = []
    for (data,) in rows:
        event = json.loads(data)
        found += [event.get("text") or "", json.dumps(event.get("metadata") or {}, ensure_ascii=False),
                  (event.get("parse_data") or {}).get("text") or ""]
    return found


def ticket_texts(servers, sender):
    with sqlite3.connect(servers.desk_db) as db:
        rows = db.execute("SELECT transcript, details, steps FROM tickets WHERE conversation_id = ?", (sender,)).fetchall()
        events = db.execute("SELECT text FROM ticket_events WHERE conversation_id = ?", (sender,)).fetchall()
    found = []
    for transcript, details, steps in rows:
        found += [line["text"] for line in json.loads(transcript)] + [details, steps]
    return found + [text or "" for (text,) in events]


def logs(servers) -> str:
    return "".join((servers.workdir / name).read_text(encoding="utf-8", errors="replace")
                   for name in ("rasa.log", "actions.log", "desk.log"))


# Numbers the bot writes itself (ticket number, queue place, minutes, the
# model's random id in event metadata) are not the user's: a three-digit CVV
# can turn up inside "T20261127-0017" or a hex model id by chance.
_BOT_NUMBERS = re.compile(r'T\d{8}-\d{4}|前面还有 \d+ 位|等待 \d+ 分钟|"model_id": "[0-9a-f]+"')


def assert_hidden(texts, secret_digits, raw):
    for text in texts:
        assert secret_digits not in digits_of(_BOT_NUMBERS.sub("", text)), (raw, text)


# Each case is three turns through the real servers and a hand-off; the
# masking rules themselves get hundreds of cases in-process
# (test_masking_properties.py). Here the question is whether every path to
# storage goes through them.
@settings(max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(case=DIGIT_CASES, metadata_too=st.booleans())
def test_nothing_sensitive_reaches_the_tracker_the_ticket_or_the_logs(servers, case, metadata_too):
    text, secret = case
    sender = f"mask-e2e-{next(_senders)}"
    body = {"sender": sender, "message": text}
    if metadata_too:
        body["metadata"] = {"note": text, "nested": [text]}
    status, reply = servers.post("/webhooks/rest/webhook", json.dumps(body).encode(), {"Content-Type": "application/json"})
    assert status == 200, reply
    servers.say(sender, "转人工")
    servers.say(sender, "不知道")   # answer whatever detail is asked, or land in the queue
    assert_hidden(stored_texts(servers, sender), secret, text)
    assert_hidden(ticket_texts(servers, sender), secret, text)
    assert text not in logs(servers)
    if len(secret) >= 8:
        assert secret not in digits_of(logs(servers))


@settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(case=passwords_in_text())
def test_passwords_are_not_stored(servers, case):
    text, password = case
    sender = f"mask-pw-{next(_senders)}"
    servers.say(sender, text)
    for stored in stored_texts(servers, sender):
        assert password not in stored and password.replace(" ", "") not in stored.replace(" ", ""), (text, stored)


@settings(max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(case=mobiles_in_text())
def test_mobile_numbers_are_kept_recognisable_but_not_whole(servers, case):
    text, number = case
    sender = f"mask-mobile-{next(_senders)}"
    servers.say(sender, text)
    user_texts = stored_texts(servers, sender)
    assert not any(number in digits_of(t) for t in user_texts), (text, user_texts)
    assert any(number[:3] in digits_of(t) and number[-4:] in digits_of(t) for t in user_texts), (text, user_texts)


def test_feedback_is_masked(servers):
    sender = "mask-feedback"
    servers.say(sender, "我想提个建议")
    servers.say(sender, "希望能记住我的身份证号110105199003071234，绑卡就不用再输了")
    with sqlite3.connect(servers.desk_db) as db:
        stored = db.execute("SELECT text FROM feedback WHERE conversation_id = ?", (sender,)).fetchall()
    assert stored and "199003071234" not in stored[-1][0] and "绑卡" in stored[-1][0]
