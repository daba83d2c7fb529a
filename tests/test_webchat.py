"""The chat widget in a real browser (Debian's headless Chromium) against a
real Rasa server: type, click quick replies, reload, embed."""

import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "results" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: `make test` installs it (apt-get install chromium)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 780}, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def bot_texts(page):
    return page.locator("li.bot .bubble").all_inner_texts()


def wait_for_bot(page, words, timeout=20000):
    page.locator("li.bot .bubble", has_text=words).last.wait_for(timeout=timeout)


def test_walkthrough_by_buttons_survives_a_reload(servers, page):
    page.goto(f"{servers.rasa_url}/webhooks/socketio/chat")
    wait_for_bot(page, "智能客服助手")                       # greeting on first open
    assert page.locator("#human").is_visible()

    page.fill("#input", "付款失败")
    page.press("#input", "Enter")
    wait_for_bot(page, "第一步")
    page.locator(".buttons button", has_text="网络正常").last.click()
    wait_for_bot(page, "第二步")
    page.locator(".buttons button", has_text="密码没问题").last.click()
    wait_for_bot(page, "第三步")
    assert page.locator("li.user .bubble").all_inner_texts() == ["付款失败", "网络正常", "密码没问题"]

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "webchat-walkthrough.png"), full_page=True)

    page.reload()
    wait_for_bot(page, "第三步")                             # history redrawn from the server
    assert page.locator("li.user .bubble").all_inner_texts() == ["付款失败", "网络正常", "密码没问题"]
    page.locator(".buttons button:not([disabled])", has_text="余额够").click()
    wait_for_bot(page, "最后一步")                           # the same conversation went on
    page.screenshot(path=str(SHOTS / "webchat-after-reload.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390                                      # no sideways scrolling on a phone


def test_enter_while_composing_chinese_does_not_send(servers, page):
    page.goto(f"{servers.rasa_url}/webhooks/socketio/chat")
    wait_for_bot(page, "智能客服助手")
    page.fill("#input", "fukuan")
    page.evaluate("""() => document.getElementById('input').dispatchEvent(
        new KeyboardEvent('keydown', {key: 'Enter', isComposing: true, bubbles: true, cancelable: true}))""")
    page.wait_for_timeout(500)
    assert page.locator("li.user").count() == 0 and page.input_value("#input") == "fukuan"
    page.fill("#input", "")
    page.keyboard.insert_text("忘记密码")                    # text committed by an IME
    page.press("#input", "Enter")
    wait_for_bot(page, "忘记密码")


def test_typing_indicator_and_human_button(servers, page):
    page.goto(f"{servers.rasa_url}/webhooks/socketio/chat")
    wait_for_bot(page, "智能客服助手")
    servers.action_proxy.delay = 2
    try:
        page.click("#human")
        page.locator("#typing").wait_for(state="visible", timeout=2000)
        wait_for_bot(page, "转人工客服")
    finally:
        servers.action_proxy.delay = 0
    assert "工单" in " ".join(bot_texts(page)) or "非工作时间" in " ".join(bot_texts(page))


def test_one_script_tag_embeds_the_chat(servers, page):
    page.set_content(f'<h1>商户页面</h1><script src="{servers.rasa_url}/webhooks/socketio/embed.js"></script>')
    page.get_by_role("button", name="在线客服").click()
    frame = page.frame_locator("iframe")
    frame.locator("li.bot .bubble", has_text="智能客服助手").first.wait_for(timeout=20000)
    page.screenshot(path=str(SHOTS / "webchat-embedded.png"))
