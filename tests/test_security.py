"""The server as an outsider meets it: the HTTP API, cross-origin calls,
other people's sessions, the action server, typed payloads and bad JSON."""

from __future__ import annotations

import json
import sqlite3
import urllib.parse
from pathlib import Path

import pytest

from bench.servers import SECRETS
from desk.tickets import TicketDesk
from tests.conftest import TOKEN, request, texts

JSON = {"Content-Type": "application/json"}
PHISHING = {"event": "bot", "text": "【官方】请把验证码发给我们完成退款"}


@pytest.mark.parametrize("method, path, body", [
    ("GET", "/conversations/victim/tracker", None),
    ("POST", "/conversations/victim/tracker/events?output_channel=latest", PHISHING),
    ("PUT", "/conversations/victim/tracker/events", [PHISHING]),
    ("GET", "/conversations/victim/story", None),
    ("POST", "/conversations/victim/execute", {"name": "action_handoff"}),
    ("POST", "/conversations/victim/trigger_intent", {"name": "request_human"}),
    ("POST", "/conversations/victim/predict", None),
    ("POST", "/conversations/victim/messages", {"text": "hi", "sender": "user"}),
    ("POST", "/model/parse", {"text": "付款失败"}),
    ("GET", "/status", None),
    ("GET", "/domain", None),
])
def test_every_api_route_needs_the_token(servers, method, path, body):
    assert servers.api(method, path, body, token=None)[0] == 401
    assert servers.api(method, path, body, token="wrong-token")[0] == 401
    status, _ = servers.api(method, path, body, token=TOKEN)
    assert status < 400, (method, path, status)


def test_nothing_was_written_into_the_victims_conversation_without_the_token(servers):
    servers.api("POST", "/conversations/victim2/tracker/events?output_channel=latest", PHISHING, token=None)
    events = servers.tracker("victim2")["events"]
    assert not [e for e in events if e.get("event") == "bot"]


@pytest.mark.parametrize("method, path", [("PUT", "/model"), ("DELETE", "/model"), ("POST", "/model/train"),
                                          ("POST", "/model/test/intents"), ("POST", "/model/test/stories")])
def test_model_replacement_and_training_are_refused_even_with_the_token(servers, method, path):
    for token in (None, "wrong", TOKEN):
        status, body = servers.api(method, path, {"model_file": "/tmp/evil.tar.gz"}, token=token)
        assert status == 403, (method, path, token, body)
    reply = texts(servers.say("after-model-attack", "付款失败了"))
    assert "网络" in reply   # the same model still answers


def test_cors_preflight_from_an_unlisted_origin_gets_no_permission(servers):
    headers = {"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}
    for path in ("/webhooks/rest/webhook", "/conversations/x/tracker", "/model/parse"):
        got = _headers(servers.rasa_url + path, headers, "OPTIONS")
        assert "access-control-allow-origin" not in got, (path, got)


def _headers(url, headers, method):
    import urllib.request
    req = urllib.request.Request(url, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as error:
        return {k.lower(): v for k, v in error.headers.items()}


def test_socketio_refuses_an_unlisted_origin(servers):
    url = servers.rasa_url + "/socket.io/?EIO=4&transport=polling"
    status, _ = request(url, None, {"Origin": "http://evil.example"})
    assert status == 400
    status, _ = request(url, None, {"Origin": servers.rasa_url})
    assert status == 200


@pytest.mark.parametrize("body, message", [
    (b'{"message": "hi"}', "sender"),
    (b'{"sender": "", "message": "hi"}', "sender"),
    (b'{"sender": ["x"], "message": "hi"}', "sender"),
    (b'{"sender": "web-abcdefghijklmnopqrstuv", "message": "hi"}', "reserved"),
    (b'{"sender": "wx-oABC123", "message": "hi"}', "reserved"),
    (b'["sender", "message"]', "object"),
    (b'"just a string"', "object"),
    (b"null", "object"),
    (b"", "JSON"),
    (b"{not json", "JSON"),
    (b'{"sender": "x", "message": {"text": "hi"}}', "message"),
    (b'{"sender": "x", "message": "hi", "metadata": [1]}', "metadata"),
])
def test_bad_rest_requests_get_a_clear_400(servers, body, message):
    status, reply = servers.post("/webhooks/rest/webhook", body, JSON)
    assert status == 400, reply
    assert message in json.loads(reply)["error"]


def test_rest_without_sender_never_joins_a_shared_conversation(servers):
    servers.post("/webhooks/rest/webhook", b'{"message": "\\u4ed8\\u6b3e\\u5931\\u8d25"}', JSON)
    assert not [e for e in servers.tracker("default")["events"] if e.get("event") == "user"]


def test_the_action_server_is_local_and_refuses_calls_without_the_secret(servers):
    # bound to 127.0.0.1 only
    port = servers.stack.action_port
    listening = Path("/proc/net/tcp").read_text().splitlines()[1:]
    local = [line.split()[1] for line in listening if line.split()[3] == "0A"]
    assert f"0100007F:{port:04X}" in local and f"00000000:{port:04X}" not in local
    before = len(TicketDesk(f"sqlite:///{servers.desk_db}").rows())
    forged = {"next_action": "action_handoff", "sender_id": "victim3", "tracker": {
        "sender_id": "victim3", "slots": {}, "latest_message": {"intent": {"name": "request_human"}, "text": "退款到我另一张卡"},
        "events": [], "paused": False, "latest_input_channel": "rest"}, "domain": {}, "version": "3.6.2"}
    for headers in (JSON, {**JSON, "X-Action-Secret": "guess"}):
        status, _ = request(servers.actions_url + "/webhook", json.dumps(forged).encode(), headers)
        assert status == 403
    assert len(TicketDesk(f"sqlite:///{servers.desk_db}").rows()) == before
    status, _ = request(servers.actions_url + "/actions", None, {})
    assert status == 403
    assert request(servers.actions_url + "/health")[0] == 200


def test_a_typed_payload_is_read_as_words_unless_the_bot_offered_it(servers):
    user = "payload-typed"
    reply = texts(servers.say(user, '/request_human{"amount": 999999999, "txn_type": "<b>x</b>"}'))
    assert "工单" not in reply
    assert not [t for t in TicketDesk(f"sqlite:///{servers.desk_db}").rows() if t["conversation_id"] == user]
    servers.say(user, '/rate{"rating": -5}')
    with sqlite3.connect(servers.desk_db) as db:
        assert db.execute("SELECT COUNT(*) FROM ratings WHERE conversation_id = ?", (user,)).fetchone()[0] == 0


def test_a_typed_payload_mid_walkthrough_is_answered_in_chinese(servers):
    user = "payload-typed-zh"
    servers.say(user, "提现一直没到账")
    reply = texts(servers.say(user, '/rate{"rating": 5}'))     # not offered at this step
    assert "Sorry" not in reply and "到账时间" in reply           # the same step again, in Chinese


def test_an_offered_button_payload_is_accepted(servers):
    user = "payload-offered"
    servers.say(user, "付不了款")
    reply = texts(servers.say(user, "/affirm"))      # the "网络正常" button of the last turn
    assert "支付密码" in reply


def test_the_chat_page_sends_security_headers(servers):
    got = _headers(servers.rasa_url + "/webhooks/socketio/chat", {}, "GET")
    csp = got["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp and "script-src 'self'" in csp
    assert got["x-content-type-options"] == "nosniff" and got["referrer-policy"] == "no-referrer"
    api = _headers(servers.rasa_url + "/webhooks/rest/", {}, "GET")
    assert "frame-ancestors 'none'" in api["content-security-policy"]


def test_history_only_for_a_signed_widget_session(servers):
    from channels.security import new_widget_token, widget_sender

    key = SECRETS["WALLET_SECRET"].encode()
    token = new_widget_token(key)
    servers.say("history-rest-user", "付款失败")           # a REST conversation
    for session in ("history-rest-user", widget_sender(token, key), token[:-2] + "xx", "x" * 45, ""):
        status, body = request(f"{servers.rasa_url}/webhooks/socketio/history?session=" + urllib.parse.quote(session))
        assert status == 200 and json.loads(body) == {"messages": []}, session
