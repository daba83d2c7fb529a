"""A person takes over, in two real browsers: the user in the chat widget,
the agent in the console (Debian's headless Chromium, real servers)."""

from __future__ import annotations

import sqlite3

import pytest

from desk.tickets import TicketDesk
from tests.desk_client import make_agent
from tests.test_webchat import ARGS, CHROMIUM, SHOTS, new_context, wait_for_bot

playwright = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def agent_account(servers):
    make_agent(servers.desk_db, "xiaoli", "supervisor", "小李")


def login(page, servers, username="xiaoli"):
    page.goto(f"{servers.desk_url}/desk/")
    page.fill("#username", username)
    page.fill("#password", "password-123")
    page.click("#login")
    page.locator("#queue").wait_for(timeout=60000)   # argon2 and the first queue load take ~13 s on a loaded machine


def type_in_widget(page, text, expect):
    page.fill("#input", text)
    page.press("#input", "Enter")
    wait_for_bot(page, expect)


def test_user_and_agent_talk_live_then_the_bot_asks_for_the_rating(servers, browser, agent_account):
    user_context = new_context(browser, viewport={"width": 390, "height": 780}, locale="zh-CN")
    agent_context = new_context(browser, viewport={"width": 1280, "height": 800}, locale="zh-CN")
    errors = []
    try:
        widget = user_context.new_page()
        widget.goto(f"{servers.rasa_url}/webhooks/socketio/chat")
        wait_for_bot(widget, "智能客服助手")
        type_in_widget(widget, "付款失败了，200块付不出去", "第一步")
        type_in_widget(widget, "网络没问题", "第二步")
        type_in_widget(widget, "转人工吧，试了半天还是不行", "什么时候")
        type_in_widget(widget, "今天中午十二点左右", "提示")
        type_in_widget(widget, "提示交易失败请稍后再试", "工单")
        session = widget.evaluate("localStorage.getItem('wallet-support-session')")
        from channels.security import widget_sender
        from bench.servers import SECRETS
        sender = widget_sender(session, SECRETS["WALLET_SECRET"].encode())
        number = TicketDesk(f"sqlite:///{servers.desk_db}").open_ticket_of(sender)["number"]

        console = agent_context.new_page()
        console.on("pageerror", lambda error: errors.append(str(error)))
        login(console, servers)
        item = console.locator(f'li.ticket[data-number="{number}"]')
        item.wait_for(timeout=30000)
        # Another user asks for a person: the live feed refreshes the queue, and
        # the item the agent is about to click must stay the same element.
        item.evaluate("element => { element.__seen = true; }")
        other = servers.say(f"desk-browser-other-{number}", "转人工")
        assert any("工单" in str(m.get("text")) for m in other), other
        other_number = TicketDesk(f"sqlite:///{servers.desk_db}").open_ticket_of(f"desk-browser-other-{number}")["number"]
        console.locator(f'li.ticket[data-number="{other_number}"]').wait_for(timeout=30000)
        assert item.evaluate("element => element.__seen === true")
        item.click()
        console.locator("#ticket-body").wait_for(timeout=30000)          # the pane shows once the ticket has loaded
        steps = console.locator("#steps").inner_text()
        assert "网络" in steps and "网络没问题" in steps                 # the user's own words
        details = console.locator("#details").inner_text()
        assert "200" in details and "今天中午十二点左右" in details and "交易失败" in details
        console.click("#claim")
        console.locator("#owner", has_text="小李").wait_for(timeout=30000)

        console.fill("#reply-text", "您好，我是小李，这笔 200 元我来帮您查")
        console.click("#reply-send")
        reply = widget.locator("li.bot.agent .bubble", has_text="我来帮您查")
        reply.wait_for(timeout=30000)                                     # live, in the widget (no reload)
        assert "小李" in widget.locator("li.bot.agent .who").last.inner_text()
        assert widget.locator("#agent").is_visible()                        # "a person is answering"

        type_in_widget_text = "补充一下：是在超市扫码付的 <img src=x onerror=window.__xss=1>"
        widget.fill("#input", type_in_widget_text)
        widget.press("#input", "Enter")
        shown = console.locator("#events li.event.user .text", has_text="超市扫码付")
        shown.wait_for(timeout=30000)                                      # live, in the console (no reload)
        assert "<img src=x" in shown.inner_text()                          # as text, never as HTML
        assert console.evaluate("window.__xss") is None
        SHOTS.mkdir(parents=True, exist_ok=True)
        console.screenshot(path=str(SHOTS / "desk-console.png"))

        console.click("#close-ticket")
        console.fill("#close-summary", "已查明：银行扣款失败，钱会原路退回")
        console.click("#close-confirm")
        wait_for_bot(widget, "打个分")                                      # the bot is back
        widget.locator(".buttons button:not([disabled])", has_text="5 分").click()
        wait_for_bot(widget, "谢谢您的评分")
        with sqlite3.connect(servers.desk_db) as db:
            rating = db.execute("SELECT rating FROM tickets WHERE number = ?", (number,)).fetchone()[0]
        assert rating == 5
        assert not errors, errors
    finally:
        user_context.close()
        agent_context.close()


def test_a_reply_written_while_the_user_was_away_is_there_when_they_come_back(servers, browser, agent_account):
    context = new_context(browser, locale="zh-CN")
    try:
        widget = context.new_page()
        widget.goto(f"{servers.rasa_url}/webhooks/socketio/chat")
        wait_for_bot(widget, "智能客服助手")
        type_in_widget(widget, "转人工", "工单")
        from channels.security import widget_sender
        from bench.servers import SECRETS
        sender = widget_sender(widget.evaluate("localStorage.getItem('wallet-support-session')"),
                               SECRETS["WALLET_SECRET"].encode())
        widget.close()                                                    # the user leaves
        from tests.desk_client import DeskClient
        client = DeskClient(servers.desk_url)
        client.login("xiaoli")
        number = TicketDesk(f"sqlite:///{servers.desk_db}").open_ticket_of(sender)["number"]
        client.call("POST", f"/desk/api/tickets/{number}/claim")
        assert client.call("POST", f"/desk/api/tickets/{number}/reply", {"text": "您的问题已处理好了"})[0] == 200
        back = context.new_page()                                          # the user comes back
        back.goto(f"{servers.rasa_url}/webhooks/socketio/chat")
        back.locator("li.bot.agent .bubble", has_text="您的问题已处理好了").wait_for(timeout=45000)
    finally:
        context.close()
