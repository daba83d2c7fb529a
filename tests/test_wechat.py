"""The WeChat official-account bridge against a real Rasa server, speaking
the protocol as WeChat does: signed GETs and POSTs, plain and AES mode."""

import asyncio
import hashlib
import re
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from wechatpy.crypto import WeChatCrypto

from desk.tickets import TicketDesk
from tests.conftest import WECHAT

TOKEN = WECHAT["WECHAT_TOKEN"]
OFFICIAL = "gh_wallet_official"


def signed_query(timestamp=None, nonce="nonce123", **extra):
    timestamp = str(timestamp if timestamp is not None else int(time.time()))
    signature = hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce])).encode()).hexdigest()
    return {"signature": signature, "timestamp": timestamp, "nonce": nonce, **extra}


def text_xml(user, content, msg_id):
    return (f"<xml><ToUserName><![CDATA[{OFFICIAL}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>")


def event_xml(user, event):
    return (f"<xml><ToUserName><![CDATA[{OFFICIAL}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[{event}]]></Event></xml>")


def image_xml(user, msg_id):
    return (f"<xml><ToUserName><![CDATA[{OFFICIAL}]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[image]]></MsgType>"
            f"<PicUrl><![CDATA[http://127.0.0.1/x.jpg]]></PicUrl><MediaId><![CDATA[m1]]></MediaId>"
            f"<MsgId>{msg_id}</MsgId></xml>")


def post(servers, xml, query=None, timeout=10):
    query = query or signed_query(openid="x")
    return servers.post("/webhooks/wechat/?" + urllib.parse.urlencode(query), xml.encode("utf-8"),
                        {"Content-Type": "text/xml"}, timeout=timeout)


def reply_text(body: bytes) -> str:
    match = re.search(r"<Content><!\[CDATA\[(.*)\]\]></Content>", body.decode("utf-8"), re.S)
    assert match, body
    return match.group(1)


_ids = iter(range(10**15, 10**16))


def wait_for_sent(servers, user, part, seconds=60):
    """The first customer-service message to `user` containing `part`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        found = [m for m in servers.wechat_api.sent if m["touser"] == user and part in m["text"]["content"]]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"nothing with {part!r} sent to {user} within {seconds} s")


def answer_of(servers, user, body, before, seconds=60):
    """The bot's answer: the passive reply, or, when the bot was slower than
    WeChat's 5 s window (a loaded machine), what the channel then sent
    through the customer-service API."""
    if body != b"success":
        return reply_text(body)
    deadline = time.time() + seconds
    while time.time() < deadline:
        late = [m for m in servers.wechat_api.sent[before:] if m["touser"] == user]
        if late:
            time.sleep(0.5)   # a long answer goes out in several pieces
            late = [m for m in servers.wechat_api.sent[before:] if m["touser"] == user]
            return "\n".join(m["text"]["content"] for m in late)
        time.sleep(0.1)
    raise AssertionError(f"no answer to {user} within {seconds} s")


def say(servers, user, content, wait=True):
    """What the bot answers `user`; with wait=False only the delivery (a
    person may have the conversation, and the bot then keeps quiet)."""
    before = len(servers.wechat_api.sent)
    status, body = post(servers, text_xml(user, content, next(_ids)))
    assert status == 200, body
    return answer_of(servers, user, body, before) if wait else None


def test_url_verification_echoes_echostr(servers):
    query = urllib.parse.urlencode(signed_query(echostr="hello-wechat"))
    with urllib.request.urlopen(f"{servers.rasa_url}/webhooks/wechat/?{query}", timeout=10) as response:
        assert response.read() == b"hello-wechat"


def test_forged_or_stale_signatures_are_refused_and_reach_nothing(servers):
    forged = signed_query()
    forged["signature"] = "0" * 40
    status, _ = post(servers, text_xml("wx-forged", "转人工", 1), forged)
    assert status == 403
    status, _ = post(servers, text_xml("wx-forged", "转人工", 2), signed_query(timestamp=int(time.time()) - 3600))
    assert status == 403
    assert not [t for t in TicketDesk(f"sqlite:///{servers.desk_db}").rows() if t["conversation_id"] == "wx-forged"]


def test_malformed_xml_gets_400_and_the_next_message_still_works(servers):
    assert post(servers, "<xml><MsgType>text</MsgType><Content>付款")[0] == 400
    assert post(servers, "not xml at all")[0] == 400
    assert post(servers, "")[0] == 400
    assert "网络" in say(servers, "wx-after-bad", "付款失败")


def test_subscribe_gets_the_greeting_and_a_numbered_menu(servers):
    before = len(servers.wechat_api.sent)
    status, body = post(servers, event_xml("wx-new", "subscribe"))
    text = answer_of(servers, "wx-new", body, before)
    assert "您好" in text and "回复 1：支付失败" in text and "转人工" in text


def test_images_get_a_text_only_notice(servers):
    before = len(servers.wechat_api.sent)
    status, body = post(servers, image_xml("wx-image", next(_ids)))
    assert status == 200 and "文字" in answer_of(servers, "wx-image", body, before)


def test_whole_payment_failed_walkthrough_by_numbered_replies(servers):
    user = "wx-walkthrough"
    text = say(servers, user, "付款失败了，两百块")
    assert "网络" in text and "回复 1：网络正常" in text and "回复 2：网络不太好" in text
    assert "支付密码" in say(servers, user, "1")
    assert "余额" in say(servers, user, "1")
    assert "商户" in say(servers, user, "1")
    text = say(servers, user, "1")
    assert "什么时候" in text
    assert "提示" in say(servers, user, "昨天晚上八点")
    text = say(servers, user, "没有")
    assert "工单" in text or "非工作时间" in text
    ticket = TicketDesk(f"sqlite:///{servers.desk_db}").rows()[-1]
    assert ticket["conversation_id"] == "wx-" + user and ticket["channel"] == "wechat"
    assert ticket["details"]["amount"] == 200


def test_a_number_picks_the_fix_path_too(servers):
    user = "wx-solved"
    say(servers, user, "支付失败")
    text = say(servers, user, "2")             # 网络不太好
    assert "Wi-Fi" in text and "回复 1：解决了" in text
    text = say(servers, user, "1")             # 解决了
    assert "打个分" in text and "回复 5：5 分 非常满意" in text   # the number is the score
    assert "谢谢您的评分" in say(servers, user, "5")
    ratings = TicketDesk(f"sqlite:///{servers.desk_db}").rows("ratings")
    assert [r["rating"] for r in ratings if r["conversation_id"] == "wx-" + user] == [5]


def test_retried_delivery_is_processed_once_and_answered_the_same(servers):
    user, msg_id = "wx-retry", next(_ids)
    xml = text_xml(user, "转人工", msg_id)
    with ThreadPoolExecutor(3) as pool:  # WeChat's retries can overlap the first delivery
        results = list(pool.map(lambda _: post(servers, xml), range(3)))
    later = post(servers, xml)
    passive = {reply_text(body) for status, body in results + [later] if body != b"success"}
    assert len(passive) <= 1                  # every passive answer is the same one
    if any(body == b"success" for _, body in results + [later]):
        # Acknowledged and sent later: sent once, however many deliveries came.
        late = answer_of(servers, user, b"success", 0)
        time.sleep(3)
        # Each piece of the answer (one message may hold several lines) once.
        pieces = [m["text"]["content"] for m in servers.wechat_api.sent if m["touser"] == user]
        assert pieces and len(pieces) == len(set(pieces)), pieces
        assert not passive or passive == {late}
    tickets = [t for t in TicketDesk(f"sqlite:///{servers.desk_db}").rows() if t["conversation_id"] == "wx-" + user]
    assert len(tickets) == 1


def test_the_same_msgid_from_another_user_is_another_message(servers):
    msg_id = next(_ids)
    before = len(servers.wechat_api.sent)
    first = answer_of(servers, "wx-msgid-a", post(servers, text_xml("wx-msgid-a", "客服电话是多少", msg_id))[1], before)
    second = answer_of(servers, "wx-msgid-b", post(servers, text_xml("wx-msgid-b", "付款失败了", msg_id))[1], before)
    assert "400-000-0000" in first and "网络" in second


def test_safe_mode_messages_are_decrypted_and_replies_encrypted(servers):
    crypto = WeChatCrypto(TOKEN, WECHAT["WECHAT_AES_KEY"], WECHAT["WECHAT_APP_ID"])
    say(servers, "wx-aes", "你好")   # a new session's first turn is the slowest one
    nonce, timestamp = "aesnonce", str(int(time.time()))
    encrypted = crypto.encrypt_message(text_xml("wx-aes", "客服电话是多少", next(_ids)), nonce, timestamp)
    msg_signature = re.search(r"<MsgSignature><!\[CDATA\[(.*?)\]\]>", encrypted).group(1)
    query = signed_query(timestamp=timestamp, nonce=nonce, encrypt_type="aes", msg_signature=msg_signature,
                         openid="wx-aes")
    status, body = post(servers, encrypted, query)
    assert status == 200 and b"<Encrypt>" in body
    reply_signature = re.search(rb"<MsgSignature><!\[CDATA\[(.*?)\]\]>", body).group(1).decode()
    reply_timestamp = re.search(rb"<TimeStamp>(\d+)</TimeStamp>", body).group(1).decode()
    reply_nonce = re.search(rb"<Nonce><!\[CDATA\[(.*?)\]\]>", body).group(1).decode()
    plain = crypto.decrypt_message(body, reply_signature, reply_timestamp, reply_nonce)
    assert "400-000-0000" in reply_text(plain.encode("utf-8"))

    query["msg_signature"] = "f" * 40     # a forged message signature in safe mode
    assert post(servers, encrypted, query)[0] == 403


def test_slow_answer_is_acknowledged_then_sent_through_the_customer_service_api(servers):
    say(servers, "wx-slow", "你好")
    with servers.actions_stalled(6):
        started = time.time()
        status, body = post(servers, text_xml("wx-slow", "客服几点上班", next(_ids)))
        assert status == 200 and body == b"success"
        assert time.time() - started < 5          # inside WeChat's window
        late = wait_for_sent(servers, "wx-slow", "00:00", seconds=120)   # the test stack's support hours
    assert late["msgtype"] == "text"


def test_a_late_reply_that_wechat_refuses_is_retried_from_the_outbox(servers):
    from channels.wechat_outbox import Outbox

    say(servers, "wx-outbox", "你好")
    refused_before = servers.wechat_api.refused
    servers.wechat_api.fail_next = 2
    try:
        with servers.actions_stalled(6):
            status, body = post(servers, text_xml("wx-outbox", "客服几点上班", next(_ids)))
            assert status == 200 and body == b"success"
            wait_for_sent(servers, "wx-outbox", "00:00", seconds=90)
    finally:
        servers.wechat_api.fail_next = 0
    assert servers.wechat_api.refused == refused_before + 2
    # The row is marked sent just after the send itself: give it a moment.
    deadline = time.time() + 30
    while True:
        rows = [r for r in Outbox(None, f"sqlite:///{servers.desk_db}").rows() if r["open_id"] == "wx-outbox"]
        if (rows and all(r["status"] == "sent" for r in rows)) or time.time() > deadline:
            break
        time.sleep(0.5)
    assert rows and all(r["status"] == "sent" for r in rows) and rows[0]["attempts"] == 3, rows


def test_the_ledger_forgets_a_message_id_only_after_its_window(monkeypatch):
    from channels import wechat

    monkeypatch.setattr(wechat, "LEDGER_SECONDS", 100)
    clock = {"now": 1000.0}
    monkeypatch.setattr(wechat, "time", type("Clock", (), {"monotonic": staticmethod(lambda: clock["now"]),
                                                          "time": staticmethod(lambda: clock["now"])}))

    async def reply(text):
        return [{"text": text}]

    async def scenario():
        ledger = wechat.DeliveryLedger()
        ledger.start("msg-1", reply("一"))
        clock["now"] += 60
        ledger.start("msg-2", reply("二"))
        clock["now"] += 60
        ledger.start("msg-3", reply("三"))  # msg-1 is now past its window, msg-2 is not
        assert ledger.get("msg-1") is None
        assert await ledger.get("msg-2").task == [{"text": "二"}]
        assert await ledger.get("msg-3").task == [{"text": "三"}]

    asyncio.run(scenario())
