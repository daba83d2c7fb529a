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

from actions.handoff_desk import HandoffDesk
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


def say(servers, user, content):
    status, body = post(servers, text_xml(user, content, next(_ids)))
    assert status == 200, body
    return reply_text(body)


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
    assert not [t for t in HandoffDesk(str(servers.desk_db)).rows("tickets") if t["conversation_id"] == "wx-forged"]


def test_malformed_xml_gets_400_and_the_next_message_still_works(servers):
    assert post(servers, "<xml><MsgType>text</MsgType><Content>付款")[0] == 400
    assert post(servers, "not xml at all")[0] == 400
    assert post(servers, "")[0] == 400
    assert "网络" in say(servers, "wx-after-bad", "付款失败")


def test_subscribe_gets_the_greeting_and_a_numbered_menu(servers):
    status, body = post(servers, event_xml("wx-new", "subscribe"))
    text = reply_text(body)
    assert "您好" in text and "回复 1：支付失败" in text and "转人工" in text


def test_images_get_a_text_only_notice(servers):
    status, body = post(servers, image_xml("wx-image", next(_ids)))
    assert status == 200 and "文字" in reply_text(body)


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
    ticket = HandoffDesk(str(servers.desk_db)).rows("tickets")[-1]
    assert ticket["conversation_id"] == user and ticket["channel"] == "wechat"
    assert '"amount": 200' in ticket["details"]


def test_a_number_picks_the_fix_path_too(servers):
    user = "wx-solved"
    say(servers, user, "支付失败")
    text = say(servers, user, "2")             # 网络不太好
    assert "Wi-Fi" in text and "回复 1：解决了" in text
    text = say(servers, user, "1")             # 解决了
    assert "打个分" in text and "回复 1：5 分 非常满意" in text
    assert "谢谢您的评分" in say(servers, user, "1")


def test_retried_delivery_is_processed_once_and_answered_the_same(servers):
    user, msg_id = "wx-retry", next(_ids)
    xml = text_xml(user, "转人工", msg_id)
    with ThreadPoolExecutor(3) as pool:  # WeChat's retries can overlap the first delivery
        results = list(pool.map(lambda _: post(servers, xml), range(3)))
    later = post(servers, xml)
    bodies = {reply_text(body) for status, body in results + [later]}
    assert len(bodies) == 1
    tickets = [t for t in HandoffDesk(str(servers.desk_db)).rows("tickets") if t["conversation_id"] == user]
    assert len(tickets) == 1


def test_safe_mode_messages_are_decrypted_and_replies_encrypted(servers):
    crypto = WeChatCrypto(TOKEN, WECHAT["WECHAT_AES_KEY"], WECHAT["WECHAT_APP_ID"])
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
    before = len(servers.wechat_api.sent)
    servers.action_proxy.delay = 6
    try:
        started = time.time()
        status, body = post(servers, text_xml("wx-slow", "客服几点上班", next(_ids)))
        assert status == 200 and body == b"success"
        assert time.time() - started < 5          # inside WeChat's window
        sent = servers.wechat_api.wait_for(before + 1)
    finally:
        servers.action_proxy.delay = 0
    late = sent[before]
    assert late["touser"] == "wx-slow" and late["msgtype"] == "text"
    assert "09:00" in late["text"]["content"]


def test_the_ledger_forgets_a_message_id_only_after_its_window(monkeypatch):
    from channels import wechat

    monkeypatch.setattr(wechat, "LEDGER_SECONDS", 0.2)

    async def reply(text):
        return [{"text": text}]

    async def scenario():
        ledger = wechat.DeliveryLedger()
        ledger.start("msg-1", reply("一"))
        await asyncio.sleep(0.12)
        ledger.start("msg-2", reply("二"))
        await asyncio.sleep(0.12)
        ledger.start("msg-3", reply("三"))  # msg-1 is now past its window, msg-2 is not
        assert ledger.get("msg-1") is None
        assert await ledger.get("msg-2").task == [{"text": "二"}]
        assert await ledger.get("msg-3").task == [{"text": "三"}]

    asyncio.run(scenario())
