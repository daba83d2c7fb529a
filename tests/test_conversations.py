"""Whole conversations against a real Rasa server and action server, through
the REST channel: what the user sees, and what ends up stored."""

import json
import sqlite3

from desk.records import Records
from desk.tickets import TicketDesk
from tests.conftest import button_titles, texts


def tickets_of(servers, user):
    return [t for t in TicketDesk(f"sqlite:///{servers.desk_db}").rows() if t["conversation_id"] == user]


def stored_user_texts(servers, sender):
    with sqlite3.connect(servers.tracker_db) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)).fetchall()
    return [json.loads(r[0])["text"] for r in rows]


def test_payment_failed_walkthrough_ends_in_a_ticket_with_the_details(servers):
    user = "conv-payment-handoff"
    assert "网络" in texts(servers.say(user, "付款失败了，300块钱付不出去"))
    assert "支付密码" in texts(servers.say(user, "/affirm"))
    assert "余额" in texts(servers.say(user, "是的"))
    assert "商户" in texts(servers.say(user, "/affirm"))
    reply = texts(servers.say(user, "/affirm"))
    assert "人工" in reply and "什么时候" in reply           # amount and type were said already
    assert "提示" in texts(servers.say(user, "今天中午十二点"))
    reply = texts(servers.say(user, "提示交易失败请稍后再试"))
    assert "工单已建好" in reply

    [ticket] = tickets_of(servers, user)
    assert ticket["channel"] == "rest" and ticket["problem"] == "payment_failed"
    assert ticket["details"] == {"incident_time": "今天中午十二点", "amount": 300, "txn_type": "支付",
                                 "error_text": "提示交易失败请稍后再试"}
    assert [s["step"] for s in ticket["steps"]] == ["network", "password", "balance", "merchant"]
    assert [s.get("said") for s in ticket["steps"]] == [None, "是的", None, None]   # typed once, clicked thrice
    transcript = ticket["transcript"]
    assert transcript[0] == {"from": "user", "text": "付款失败了，300块钱付不出去"}
    assert {"from": "user", "text": "[点击] 网络正常"} in transcript
    assert ticket["number"] in reply


def test_a_fix_that_works_leads_to_a_stored_rating(servers):
    user = "conv-solved"
    servers.say(user, "付不了款")
    reply = servers.say(user, "/deny")
    assert "Wi-Fi" in texts(reply) and "解决了" in button_titles(reply)
    reply = servers.say(user, "/affirm")
    assert "问题解决了" in texts(reply) and "5 分 非常满意" in button_titles(reply)
    assert "谢谢您的评分" in texts(servers.say(user, '/rate{"rating": 4}'))
    ratings = Records(f"sqlite:///{servers.desk_db}").rows("ratings")
    assert [(r["conversation_id"], r["problem"], r["rating"]) for r in ratings if r["conversation_id"] == user] == \
        [(user, "payment_failed", 4)]


def test_stolen_account_gives_freeze_steps_first_and_offers_a_person(servers):
    reply = servers.say("conv-stolen", "我的账户被盗了，钱被转走了")
    first = reply[0]
    assert "冻结" in first["text"] and "改" in first["text"]
    assert "马上转人工" in button_titles(reply)


def test_request_human_at_any_point_creates_a_ticket(servers):
    user = "conv-human"
    servers.say(user, "提现失败")
    servers.say(user, "转人工")                              # the missing details first
    reply = texts(servers.say(user, "不记得了"))
    for _ in range(3):
        if "工单" in reply:
            break
        reply = texts(servers.say(user, "不知道"))
    [ticket] = tickets_of(servers, user)
    assert ticket["problem"] == "withdraw_failed" and ticket["number"] in reply and "预计等待" in reply


def test_sensitive_data_is_warned_about_and_never_stored(servers):
    user = "conv-sensitive"
    reply = servers.say(user, "我卡号6222021234567890128，验证码是123456，钱没到账")
    assert "不要发给任何人" in reply[0]["text"]
    stored = stored_user_texts(servers, user)
    assert stored == ["我卡号***************0128，验证码是******，钱没到账"]
    with open(servers.workdir / "rasa.log", encoding="utf-8") as log:
        assert "6222021234567890128" not in log.read()


def test_two_off_topic_messages_explain_the_scope_and_offer_a_person(servers):
    user = "conv-fallback"
    reply = servers.say(user, "今天天气怎么样")
    assert "都不是，转人工" in button_titles(reply)
    reply = servers.say(user, "给我讲个笑话")
    assert "付款失败" in texts(reply) and "马上转人工" in button_titles(reply)
    assert tickets_of(servers, user) == []


def test_operator_answers_use_brand_settings(servers):
    reply = texts(servers.say("conv-contact", "客服电话是多少"))
    assert "400-000-0000" in reply and "support@example.com" in reply
    reply = texts(servers.say("conv-hours", "客服几点上班"))
    assert "周一至周日 00:00-23:59" in reply      # the test stack's hours (brand.yml)
    reply = texts(servers.say("conv-official", "有人自称客服要我的验证码"))
    assert "绝不会" in reply


def test_feedback_is_recorded(servers):
    user = "conv-feedback"
    assert "请直接把想法发给我" in texts(servers.say(user, "我想提个建议"))
    assert "已经记录" in texts(servers.say(user, "希望能导出年度账单"))
    assert Records(f"sqlite:///{servers.desk_db}").rows("feedback")[-1]["text"] == "希望能导出年度账单"


def test_bad_input_gets_a_clear_answer(servers):
    assert "空消息" in texts(servers.say("conv-bad", ""))
    assert "空消息" in texts(servers.say("conv-bad", "   "))
    assert texts(servers.say("conv-bad", "😂😂"))                     # some answer, not silence
    assert texts(servers.say("conv-bad", "I cannot pay with my wallet"))
    assert "太长" in texts(servers.say("conv-bad", "付款失败" * 5000))  # 20,000 characters
    assert texts(servers.say("conv-bad", 12345))                      # a number instead of text
    status, _ = servers.post("/webhooks/rest/webhook", b'{"sender": "x", "message": ', {"Content-Type": "application/json"})
    assert status == 400
    # the server is still fine afterwards
    assert "网络" in texts(servers.say("conv-bad-2", "支付失败"))
