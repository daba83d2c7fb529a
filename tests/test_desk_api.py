"""The agent console's API against the real servers: who may do what, and
what reaches the user in each channel."""

from __future__ import annotations

import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from desk.tickets import TicketDesk
from tests.conftest import texts
from tests.desk_client import DeskClient, make_agent
from tests.test_wechat import say as wechat_say
from tests.test_wechat import wait_for_sent

ROUTES = [("GET", "/desk/api/me"), ("GET", "/desk/api/queue"), ("GET", "/desk/api/tickets/T1"),
          ("POST", "/desk/api/tickets/T1/claim"), ("POST", "/desk/api/tickets/T1/reply"),
          ("POST", "/desk/api/tickets/T1/note"), ("POST", "/desk/api/tickets/T1/transfer"),
          ("POST", "/desk/api/tickets/T1/close"), ("POST", "/desk/api/tickets/T1/handback"),
          ("POST", "/desk/api/tickets/T1/reopen"), ("GET", "/desk/api/canned"), ("GET", "/desk/api/stats"),
          ("GET", "/desk/api/stream"), ("POST", "/desk/api/logout")]


@pytest.fixture(scope="module")
def agents(servers):
    make_agent(servers.desk_db, "li", "supervisor", "小李")
    make_agent(servers.desk_db, "wang", "agent", "小王")
    make_agent(servers.desk_db, "zhao", "agent", "小赵")
    make_agent(servers.desk_db, "sun", "agent", "小孙")   # locked out by the login-failure test


def desk(servers, who="li"):
    client = DeskClient(servers.desk_url)
    assert client.login(who)[0] == 200
    return client


def hand_off(servers, user, first="付款失败了，300块"):
    servers.say(user, first)
    servers.say(user, "转人工")
    for _ in range(4):   # answer whatever details are still asked
        reply = texts(servers.say(user, "不知道"))
        if "工单" in reply or "排队" in reply:
            break
    return TicketDesk(f"sqlite:///{servers.desk_db}").open_ticket_of(user)["number"]


@pytest.mark.parametrize("method, path", ROUTES)
def test_every_desk_endpoint_refuses_without_a_session(servers, method, path):
    status, _ = DeskClient(servers.desk_url).call(method, path)
    assert status == 401


def test_login_failures_are_limited_and_pages_need_a_session(servers, agents):
    client = DeskClient(servers.desk_url)
    assert client.call("GET", "/desk/")[0] == 200 and "登录" in client.call("GET", "/desk/")[1]  # redirected
    assert client.login("sun", "wrong")[0] == 401
    assert client.login("nobody", "wrong")[0] == 401
    for _ in range(5):
        client.login("sun", "still wrong")
    assert client.login("sun")[0] == 429           # even the right password waits now
    assert DeskClient(servers.desk_url).login("wang")[0] == 200   # others are not locked out


def test_changes_need_the_csrf_token_and_the_consoles_origin(servers, agents):
    number = hand_off(servers, "desk-csrf")
    client = desk(servers, "wang")
    assert client.call("POST", f"/desk/api/tickets/{number}/claim", csrf=False)[0] == 403
    assert client.call("POST", f"/desk/api/tickets/{number}/claim",
                       headers={"Origin": "http://evil.example"})[0] == 403
    assert TicketDesk(f"sqlite:///{servers.desk_db}").ticket(number)["owner"] is None
    assert client.call("POST", f"/desk/api/tickets/{number}/claim")[0] == 200
    assert client.call("GET", "/desk/api/stats")[0] == 403          # supervisors only


def test_two_agents_claiming_at_once_get_one_owner(servers, agents):
    number = hand_off(servers, "desk-race")
    clients = [desk(servers, who) for who in ("li", "wang", "zhao")]
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda c: c.call("POST", f"/desk/api/tickets/{number}/claim"), clients))
    winners = [body["owner"] for status, body in results if status == 200]
    assert len(winners) == 1
    assert {body["owner"] for _, body in results} == set(winners)


def test_the_user_keeps_talking_to_the_desk_not_the_bot(servers, agents):
    user = "desk-waiting"
    number = hand_off(servers, user)
    assert texts(servers.say(user, "补充一下，金额是300块")) == ""          # quiet: a person will answer
    assert "前面还有" in texts(servers.say(user, "客服怎么还没回我"))          # only the queue position
    assert "前面还有" in texts(servers.say(user, "人工！！！"))
    tickets = [t for t in TicketDesk(f"sqlite:///{servers.desk_db}").rows() if t["conversation_id"] == user]
    assert len(tickets) == 1
    events = TicketDesk(f"sqlite:///{servers.desk_db}").ticket(number)["events"]
    assert "补充一下，金额是300块" in [e["text"] for e in events if e["kind"] == "user"]


def test_while_waiting_what_is_said_to_the_bot_gets_the_bots_answer(servers, agents):
    user = "desk-waiting-asks"
    number = hand_off(servers, user)
    assert "不客气" in texts(servers.say(user, "行 谢了"))
    assert "400-000-0000" in texts(servers.say(user, "你们有没有电话啊 我想打电话问"))
    assert "服务时间" in texts(servers.say(user, "你们人工客服几点下班啊"))     # the hours, not the queue
    assert number in texts(servers.say(user, "好的 拜拜"))
    assert texts(servers.say(user, "补充一下，是在超市付的")) == ""          # for the person: quiet
    # Once a person has the conversation, thanks are theirs to answer.
    desk(servers, "li").call("POST", f"/desk/api/tickets/{number}/claim")
    assert texts(servers.say(user, "谢谢")) == ""
    said = [e["text"] for e in TicketDesk(f"sqlite:///{servers.desk_db}").ticket(number)["events"]]
    assert "行 谢了" in said and "谢谢" in said and any("不客气" in text for text in said)


def test_a_rest_user_gets_the_reply_through_the_apps_callback(servers, agents):
    user = "desk-rest"
    number = hand_off(servers, user)
    client = desk(servers, "li")
    client.call("POST", f"/desk/api/tickets/{number}/claim")
    before = len(servers.callback.received)
    status, body = client.call("POST", f"/desk/api/tickets/{number}/reply", {"text": "您好，我是小李，正在帮您查"})
    assert status == 200 and body["delivery"] == "sent"
    received = servers.callback.wait_for(before + 1)[before]
    assert received["recipient_id"] == user and received["text"] == "您好，我是小李，正在帮您查"
    assert received["custom"]["agent"] == "小李"
    # the close hands the conversation back to the bot, which asks for the rating
    client.call("POST", f"/desk/api/tickets/{number}/close", {"summary": "已查明，银行退款中"})
    servers.callback.wait_for(before + 3)
    assert any("打个分" in (m.get("text") or "") for m in servers.callback.received[before:])
    assert "谢谢您的评分" in texts(servers.say(user, "5分"))
    assert TicketDesk(f"sqlite:///{servers.desk_db}").ticket(number)["rating"] == 5
    assert "网络" in texts(servers.say(user, "付款又失败了"))                    # the bot is back


def test_a_wechat_user_gets_the_reply_through_the_customer_service_api(servers, agents):
    openid = "desk-wechat-user"
    reply = wechat_say(servers, openid, "转人工")
    # With no problem named there are no details to ask: the ticket may come at once,
    # and after it the bot is quiet (a "不知道" would then get no answer at all).
    for _ in range(4):
        if "工单" in reply:
            break
        reply = wechat_say(servers, openid, "不知道")
    number = TicketDesk(f"sqlite:///{servers.desk_db}").open_ticket_of("wx-" + openid)["number"]
    client = desk(servers, "li")
    client.call("POST", f"/desk/api/tickets/{number}/claim")
    status, body = client.call("POST", f"/desk/api/tickets/{number}/reply", {"text": "您好，这里是人工客服"})
    assert status == 200 and body["delivery"] == "sent"
    assert wait_for_sent(servers, openid, "您好，这里是人工客服")["text"]["content"] == "您好，这里是人工客服"
    # 49 hours later WeChat would refuse: the desk keeps the reply and says why
    with sqlite3.connect(servers.desk_db) as db:
        db.execute("UPDATE tickets SET last_user_at = ? WHERE number = ?", (time.time() - 49 * 3600, number))
    status, body = client.call("POST", f"/desk/api/tickets/{number}/reply", {"text": "还在吗？"})
    assert status == 200 and body["delivery"] == "stored" and "48 小时" in body["note"]
    assert not [m for m in servers.wechat_api.sent if m["touser"] == openid and m["text"]["content"] == "还在吗？"]
    # a send WeChat refuses is reported to the agent
    with sqlite3.connect(servers.desk_db) as db:
        db.execute("UPDATE tickets SET last_user_at = ? WHERE number = ?", (time.time(), number))
    servers.wechat_api.fail_next = 1
    status, body = client.call("POST", f"/desk/api/tickets/{number}/reply", {"text": "再试一次"})
    servers.wechat_api.fail_next = 0
    assert status == 502 and body["delivery"] == "failed" and body["note"]


def test_a_restarted_action_server_loses_nothing(servers, agents):
    """The action server is restarted (a deploy) while a walkthrough and a
    hand-off are under way: both go on where they were. (A Rasa server that
    has never seen a conversation taking it over is tested in the scaled
    mode, where one is killed: tests/test_scaled.py.)"""
    walker = "conv-restart"
    servers.say(walker, "支付失败")
    servers.say(walker, "/affirm")
    user = "desk-restart"
    number = hand_off(servers, user)
    servers.stack.stop_actions()
    servers.stack.start_actions()
    assert "余额" in texts(servers.say(walker, "/affirm"))   # step three: the walkthrough went on
    assert texts(servers.say(user, "我还在等")) == ""
    events = TicketDesk(f"sqlite:///{servers.desk_db}").ticket(number)["events"]
    assert "我还在等" in [e["text"] for e in events if e["kind"] == "user"]
    client = desk(servers, "wang")
    assert client.call("POST", f"/desk/api/tickets/{number}/claim")[0] == 200
    assert client.call("POST", f"/desk/api/tickets/{number}/reply", {"text": "久等了"})[1]["delivery"] == "sent"
    conversation = servers.tracker(user)["events"]
    assert any(e.get("event") == "bot" and e.get("text") == "久等了" for e in conversation)


def test_supervisor_figures(servers, agents):
    status, stats = desk(servers, "li").call("GET", "/desk/api/stats?days=7")
    assert status == 200
    assert stats["totals"]["tickets"] >= 1 and stats["per_day"]
    assert {"p50", "p90"} <= set(stats["waiting_seconds"])
