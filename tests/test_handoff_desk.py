from actions.handoff_desk import HandoffDesk


def open_one(desk, **overrides):
    values = dict(conversation_id="user-1", channel="rest", problem="payment_failed", reason="已排查未解决",
                  steps=[{"step": "network", "answer": "网络正常"}],
                  details={"amount": 200, "incident_time": "今天下午三点", "error_text": "验证码是123456"},
                  transcript=[{"from": "user", "text": "我卡号6222021234567890128付不了款"},
                              {"from": "bot", "text": "第一步……"}],
                  within_hours=True, agents=2, minutes_per_ticket=6, minimum_wait=3)
    values.update(overrides)
    return desk.open_ticket(**values)


def test_ticket_is_persisted_with_everything_the_agent_needs(tmp_path):
    desk = HandoffDesk(str(tmp_path / "desk.db"))
    ticket = open_one(desk)
    stored = HandoffDesk(str(tmp_path / "desk.db")).ticket(ticket.number)  # a fresh connection
    assert stored["conversation_id"] == "user-1" and stored["channel"] == "rest"
    assert stored["problem"] == "payment_failed" and stored["status"] == "open"
    assert stored["steps"] == [{"step": "network", "answer": "网络正常"}]
    assert stored["details"]["amount"] == 200


def test_ticket_never_holds_card_numbers_or_codes(tmp_path):
    desk = HandoffDesk(str(tmp_path / "desk.db"))
    stored = desk.ticket(open_one(desk).number)
    assert stored["transcript"][0]["text"] == "我卡号***************0128付不了款"
    assert stored["details"]["error_text"] == "验证码是******"


def test_queue_position_and_wait_grow_with_open_tickets(tmp_path):
    desk = HandoffDesk(str(tmp_path / "desk.db"))
    first, second, third = open_one(desk), open_one(desk), open_one(desk)
    assert (first.queue_ahead, second.queue_ahead, third.queue_ahead) == (0, 1, 2)
    assert first.wait_minutes == 3            # the minimum quoted
    assert third.wait_minutes == 9            # 3 tickets / 2 agents * 6 min
    desk.close_ticket(first.number)
    assert open_one(desk).queue_ahead == 2
    assert len({first.number, second.number, third.number}) == 3


def test_ratings_and_feedback_are_stored(tmp_path):
    desk = HandoffDesk(str(tmp_path / "desk.db"))
    desk.save_rating("user-1", "payment_failed", 4)
    number = desk.save_feedback("user-1", "rest", "建议加夜间模式，我的密码是abc12345")
    assert [r["rating"] for r in desk.rows("ratings")] == [4]
    assert desk.rows("feedback")[0]["id"] == number
    assert desk.rows("feedback")[0]["text"] == "建议加夜间模式，我的密码是******"
