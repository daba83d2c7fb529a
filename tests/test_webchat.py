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


# Loading a page waits for the Rasa server that serves it; on a loaded 2-core
# machine that took more than Playwright's default 30 s. Functional checks,
# not latency ones.
NAVIGATION_MS = 120000


def new_context(browser, **options):
    context = browser.new_context(**options)
    context.set_default_navigation_timeout(NAVIGATION_MS)
    return context


@pytest.fixture
def page(browser):
    context = new_context(browser, viewport={"width": 390, "height": 780}, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def bot_texts(page):
    return page.locator("li.bot .bubble").all_inner_texts()


def wait_for_bot(page, words, timeout=45000):   # a loaded CI machine, not a latency check
    page.locator("li.bot .bubble", has_text=words).last.wait_for(timeout=timeout)


def test_walkthrough_by_buttons_survives_a_reload(servers, page):
    page.goto(f"{servers.rasa_url}/webhooks/socketio/chat")
    wait_for_bot(page, "智能客服助手", timeout=90000)        # greeting on first open (the module's first socket)
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


def test_typing_indicator_shows_only_while_busy_and_human_button(servers, page):
    page.goto(f"{servers.rasa_url}/webhooks/socketio/chat")
    wait_for_bot(page, "智能客服助手")
    assert not page.locator("#typing").is_visible()          # idle: hidden
    # No answer can come while the action server is stalled: the indicator
    # must show within that time (a starved browser can take seconds to draw).
    with servers.actions_stalled(10):
        page.click("#human")
        page.locator("#typing").wait_for(state="visible", timeout=8000)
        wait_for_bot(page, "转人工客服")
    page.locator("#typing").wait_for(state="hidden", timeout=10000)   # answered: hidden again
    assert "工单" in " ".join(bot_texts(page))


def test_only_the_latest_turns_buttons_can_be_clicked(servers, page):
    page.goto(f"{servers.rasa_url}/webhooks/socketio/chat")
    wait_for_bot(page, "智能客服助手")
    menu = page.locator("li.bot .buttons button", has_text="账户被盗").first
    assert menu.is_enabled()
    page.fill("#input", "付款失败")
    page.press("#input", "Enter")
    wait_for_bot(page, "第一步")
    assert menu.is_disabled()                                     # the welcome menu is over
    assert page.locator(".buttons button:not([disabled])", has_text="网络正常").count() == 1


def test_two_browsers_never_see_each_others_conversation(servers, browser):
    first, second = new_context(browser, locale="zh-CN"), new_context(browser, locale="zh-CN")
    try:
        a, b = first.new_page(), second.new_page()
        a.goto(f"{servers.rasa_url}/webhooks/socketio/chat")
        wait_for_bot(a, "智能客服助手")
        a.fill("#input", "我的钱被转走了，账户被盗了")
        a.press("#input", "Enter")
        wait_for_bot(a, "冻结")
        b.goto(f"{servers.rasa_url}/webhooks/socketio/chat")
        wait_for_bot(b, "智能客服助手")
        assert "账户被盗了" not in " ".join(b.locator("li.user .bubble").all_inner_texts())
        # b claims a's session with a's stored id, then with a made-up one: a new session each time
        stolen = a.evaluate("localStorage.getItem('wallet-support-session')")
        for forged in (stolen.split(".")[0], "web-" + stolen.split(".")[0], stolen[:-3] + "abc"):
            b.evaluate(f"localStorage.setItem('wallet-support-session', {forged!r})")
            b.reload()
            wait_for_bot(b, "智能客服助手")
            assert "账户被盗了" not in " ".join(b.locator("li.user .bubble").all_inner_texts())
            assert b.evaluate("localStorage.getItem('wallet-support-session')") != stolen
        a.reload()
        wait_for_bot(a, "冻结")                                  # the owner still has it
        assert "我的钱被转走了，账户被盗了" in a.locator("li.user .bubble").all_inner_texts()
    finally:
        first.close()
        second.close()


def test_one_script_tag_embeds_the_chat_on_a_listed_site_only(servers, page):
    page.goto(servers.listed_page.origin + "/")
    page.get_by_role("button", name="在线客服").click()
    frame = page.frame_locator("iframe")
    frame.locator("li.bot .bubble", has_text="智能客服助手").first.wait_for(timeout=45000)
    page.screenshot(path=str(SHOTS / "webchat-embedded.png"))

    blocked = []
    page.on("console", lambda message: blocked.append(message.text))
    page.goto(servers.unlisted_page.origin + "/")
    page.get_by_role("button", name="在线客服").click()
    page.wait_for_timeout(3000)
    assert page.frame_locator("iframe").locator("li.bot").count() == 0   # the browser refused to frame it
    assert any("frame-ancestors" in text for text in blocked), blocked


def test_a_page_on_an_unlisted_site_cannot_open_the_socket(servers, page):
    # The listed site chatting over the socket is test_one_script_tag_embeds_… above.
    for origin, allowed in ((servers.unlisted_page.origin, False),):
        page.goto(origin + "/")
        status = page.evaluate("""url => fetch(url, {mode: 'cors'}).then(r => r.status).catch(() => 'refused')""",
                               f"{servers.rasa_url}/socket.io/?EIO=4&transport=polling")
        assert (status == 200) == allowed, (origin, status)
