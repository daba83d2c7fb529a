from types import SimpleNamespace

from channels.wechat_format import last_bot_turn, payload_for_digit, render_turn, split_for_wechat

TURN = [
    {"text": "账户可能被盗……", "buttons": [{"title": "马上转人工", "payload": "/request_human"}]},
    {"text": "第一步：密码改好了吗？", "buttons": [{"title": "已经改好", "payload": "/affirm"},
                                           {"title": "还没改", "payload": "/deny"},
                                           {"title": "马上转人工", "payload": "/request_human"}]},
]


def test_a_turn_becomes_one_text_with_numbered_options_once_each():
    # The step's yes / no are 1 / 2 on every step; "马上转人工" comes last.
    text = render_turn(TURN, "回复 {number}：{title}")
    assert text == ("账户可能被盗……\n\n第一步：密码改好了吗？\n\n"
                    "回复 1：已经改好\n回复 2：还没改\n回复 3：马上转人工")


def test_digits_map_back_to_what_was_shown():
    assert payload_for_digit("1", TURN) == "/affirm"
    assert payload_for_digit(" 2。", TURN) == "/deny"
    assert payload_for_digit("3", TURN) == "/request_human"
    assert payload_for_digit("9", TURN) is None
    assert payload_for_digit("200", TURN) is None
    assert payload_for_digit("付款失败", TURN) is None


def test_last_bot_turn_comes_from_tracker_events():
    events = [SimpleNamespace(type_name="bot", text="旧的", data={"buttons": [{"title": "x", "payload": "/x"}]}),
              SimpleNamespace(type_name="user", text="付款失败", data=None),
              SimpleNamespace(type_name="bot", text="第一步", data={"buttons": TURN[1]["buttons"]})]
    assert payload_for_digit("1", last_bot_turn(events)) == "/affirm"


def test_long_replies_are_split_under_the_wechat_limit():
    pieces = split_for_wechat("\n".join(["很长的一行说明文字" * 20] * 10), limit=2000)
    assert len(pieces) > 1
    assert all(len(p.encode("utf-8")) <= 2000 for p in pieces)
    assert "".join(pieces).replace("\n", "") == ("很长的一行说明文字" * 20) * 10


def test_a_digit_at_the_rating_is_the_score_not_the_position():
    turn = [{"text": "打个分吧", "buttons": [{"title": f"{n} 分", "payload": f'/rate{{"rating": {n}}}'}
                                          for n in (5, 4, 3, 2, 1)]}]
    assert payload_for_digit("5", turn) == '/rate{"rating": 5}'
    assert payload_for_digit("1", turn) == '/rate{"rating": 1}'
    assert "回复 5：5 分" in render_turn(turn, "回复 {number}：{title}")
