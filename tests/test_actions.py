"""Actions run on tracker fixtures, as Rasa's financial-demo tests them: a
user's message in, what the bot says and which slots it sets out."""

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionRephrase
from actions.handoff import ActionHandoff
from actions.service_hours import ServiceHours
from actions.survey import ActionSaveRating
from actions.walkthrough import ActionReadAnswer, ActionStartChecklist
from desk.records import Records
from desk.tickets import TicketDesk

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def desk_file(tmp_path, monkeypatch):
    path = tmp_path / "desk.db"
    monkeypatch.setenv("WALLET_DESK_DB", str(path))
    return path


@pytest.fixture(autouse=True)
def tuesday_noon(monkeypatch):
    """Support is open unless a test says otherwise (a frozen clock)."""
    monkeypatch.setattr(ServiceHours, "local", lambda self, moment=None: datetime(2026, 11, 24, 12, 0, tzinfo=SHANGHAI))


def tracker(intent, text="", slots=None, events=None, entities=None, ranking=None, confidence=0.9):
    message = {"intent": {"name": intent, "confidence": confidence}, "text": text, "entities": entities or [],
               "intent_ranking": ranking or []}
    return Tracker("user-7", slots or {}, message, events or [], False, None, {}, "action_listen")


def run(action, tr):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tr, {}))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def said(messages):
    return [m.get("reply_key") for m in messages]


def at_step(step, phase="checking", problem="payment_failed", **more):
    return {"problem": problem, "checklist_step": step, "checklist_phase": phase, "checklist_log": [],
            "awaiting": "checklist", **more}


def test_a_problem_starts_its_checklist_at_the_first_step():
    messages, slots = run(ActionStartChecklist(), tracker("payment_failed", "付款失败"))
    assert "网络" in messages[-1]["text"] and messages[-1]["buttons"]
    assert slots["problem"] == "payment_failed" and slots["checklist_step"] == 0 and slots["awaiting"] == "checklist"


def test_what_the_first_message_already_says_is_not_asked_again():
    messages, slots = run(ActionStartChecklist(), tracker("payment_failed", "网络没问题，余额也够，就是付不了款"))
    assert "skipped_steps" in said(messages)
    assert slots["checklist_step"] == 1                      # the password step
    assert "网络" in messages[0]["text"] and "余额" in messages[0]["text"] and "支付密码" in messages[0]["text"]


def test_a_typed_answer_moves_the_walkthrough_on():
    messages, slots = run(ActionReadAnswer(), tracker("forgot_password", "密码是对的", at_step(1)))  # NLU heard 密码
    assert slots["checklist_step"] == 2 and "余额" in messages[-1]["text"]
    assert slots["checklist_log"][-1]["said"] == "密码是对的"


def test_a_later_check_passed_in_an_answer_is_not_asked_again():
    messages, slots = run(ActionReadAnswer(), tracker("affirm", "网络没问题，余额也够，就是付不了款", at_step(0)))
    assert slots["checklist_step"] == 1 and "支付密码" in messages[-1]["text"]
    assert [(e["step"], e["how"]) for e in slots["checklist_log"]] == [("network", "typed"),
                                                                        ("balance", "told_before_asked")]
    messages, slots = run(ActionReadAnswer(), tracker("affirm", "密码没问题",
                                                      at_step(1, checklist_log=slots["checklist_log"])))
    assert slots["checklist_step"] == 3 and "商户" in messages[-1]["text"]     # the balance step is not asked


def test_after_a_fix_the_steps_own_words_say_whether_it_worked():
    slots = at_step(0, "fixing", problem="fraud_report")
    messages, changed = run(ActionReadAnswer(), tracker("verify_official_service", "好 我挂了 不理他了", slots))
    assert changed["checklist_step"] == 1 and changed["checklist_phase"] == "checking"   # on to the evidence step
    assert "solved" not in said(messages)


def test_still_broken_after_the_last_fix_goes_to_a_person_not_back_to_step_one():
    messages, slots = run(ActionReadAnswer(), tracker("payment_failed", "试了还是付不了", at_step(3, "fixing")))
    assert slots["awaiting"] == "detail" and slots["awaiting_detail"] == "incident_time"


def test_asking_for_a_person_mid_walkthrough_still_collects_the_details():
    messages, slots = run(ActionReadAnswer(), tracker("request_human", "转人工吧", at_step(1, amount=300)))
    assert slots["awaiting"] == "detail" and slots["awaiting_detail"] == "incident_time"
    assert "details_before_handoff" in said(messages)


def test_a_question_in_a_walkthrough_is_answered_and_the_step_asked_again():
    messages, slots = run(ActionReadAnswer(), tracker("refund_request", "退款要几天？", at_step(2)))
    assert said(messages)[0] == "answer.refund_time" and "余额" in messages[-1]["text"]
    assert "checklist_step" not in slots                      # still at the same step


@pytest.mark.parametrize("text, kind", [("你们电话多少", "answer.contact_channels"), ("300块", "unfit_incident_time"),
                                        ("不记得了", None), ("不记得了 当时手机没在身边", None)])
def test_the_time_question_takes_only_a_time(text, kind):
    slots = at_step(None, None, awaiting="detail", awaiting_detail="incident_time")
    messages, changed = run(ActionReadAnswer(), tracker("nlu_fallback", text, slots))
    if kind:
        assert kind in said(messages) and changed.get("awaiting_detail", "incident_time") == "incident_time"
    else:
        assert changed["incident_time"] == "未提供" and changed["awaiting_detail"] == "amount"


def test_the_rating_takes_only_one_to_five(desk_file):
    slots = {"awaiting": "rating", "problem": "payment_failed"}
    messages, changed = run(ActionReadAnswer(), tracker("nlu_fallback", "23.5元", slots))
    assert "rating_unclear" in said(messages) and not Records(f"sqlite:///{desk_file}").rows("ratings")
    messages, changed = run(ActionReadAnswer(), tracker("rate", "非常满意", slots))
    assert [r["rating"] for r in Records(f"sqlite:///{desk_file}").rows("ratings")] == [5]


def test_bye_bye_in_digits_is_a_goodbye_not_a_rating(desk_file):
    # "886" reads as a score to the NLU; nobody asked for one here.
    messages, _ = run(ActionSaveRating(), tracker("rate", "886"))
    assert said(messages) == ["goodbye"] and not Records(f"sqlite:///{desk_file}").rows("ratings")
    messages, _ = run(ActionSaveRating(), tracker("rate", "7"))
    assert said(messages) == ["no_checklist_affirm"]


def fallback_event(text):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": "nlu_fallback"}}}


def test_off_topic_twice_explains_the_scope_and_offers_a_person_without_a_ticket(desk_file):
    ranking = [{"name": "nlu_fallback"}, {"name": "refund_request"}, {"name": "greet"}]
    first = tracker("nlu_fallback", "那个钱的事", events=[fallback_event("那个钱的事")], ranking=ranking)
    messages, _ = run(ActionRephrase(), first)
    assert [b["payload"] for b in messages[0]["buttons"]][0] == "/refund_request"
    second = tracker("out_of_scope", "帮我订张高铁票",
                     events=[fallback_event("今天天气真好"), fallback_event("帮我订张高铁票")])
    messages, _ = run(ActionRephrase(), second)
    assert said(messages) == ["offtopic_help"] and messages[0]["buttons"][0]["payload"] == "/request_human"
    assert TicketDesk(f"sqlite:///{desk_file}").rows() == []


def test_within_hours_the_user_hears_the_queue_and_the_wait(desk_file):
    messages, slots = run(ActionHandoff(), tracker("request_human", "转人工"))
    assert "handoff_ticket" in said(messages) and "预计等待" in messages[1]["text"]
    assert slots["handoff"] == "waiting" and TicketDesk(f"sqlite:///{desk_file}").rows()[0]["within_hours"]


def test_outside_hours_the_user_is_told_when_support_opens(desk_file, monkeypatch):
    monkeypatch.setattr(ServiceHours, "local", lambda self, moment=None: datetime(2026, 11, 24, 23, 0,
                                                                                  tzinfo=SHANGHAI))
    messages, slots = run(ActionHandoff(), tracker("request_human", "转人工"))
    text = "".join(m["text"] for m in messages)
    assert "非工作时间" in text and "明天 09:00" in text and "留言已经保存" in text
    ticket = TicketDesk(f"sqlite:///{desk_file}").rows()[0]
    assert not ticket["within_hours"] and ticket["number"] in text


def test_slots_are_set_only_when_they_change():
    _, slots = run(ActionReadAnswer(), tracker("affirm", "/affirm", at_step(0)))
    assert "problem" not in slots and slots["checklist_step"] == 1


def test_another_services_account_is_sent_to_that_service(desk_file):
    entities = [{"entity": "other_service", "value": "QQ"}]
    messages, _ = run(ActionRephrase(), tracker("out_of_scope", "QQ密码忘了", entities=entities))
    assert said(messages) == ["other_service"] and "QQ的官方客服" in messages[0]["text"]
    assert TicketDesk(f"sqlite:///{desk_file}").rows() == []


def test_after_a_fix_still_broken_wins_over_the_steps_own_words():
    slots = at_step(2, "fixing", problem="funds_not_received")
    messages, changed = run(ActionReadAnswer(), tracker("affirm", "对过了账号名字都对 还是没有", slots))
    assert "solved" not in said(messages) and changed.get("awaiting") != "rating"


def test_a_check_reported_done_after_its_advice_moves_on_instead_of_solved():
    slots = at_step(2, "fixing", problem="charged_but_failed")
    messages, changed = run(ActionReadAnswer(), tracker("affirm", "刚回复了 说确实没生成", slots))
    assert "solved" not in said(messages)
    assert changed["checklist_step"] == 3 and changed["checklist_phase"] == "checking"   # the refund-window step


def test_solved_words_after_a_fix_end_the_walkthrough_even_with_the_steps_words():
    slots = at_step(0, "fixing", problem="bind_card_failed")
    messages, changed = run(ActionReadAnswer(), tracker("affirm", "用我自己的卡绑上了", slots))
    assert "solved" in said(messages) and changed["awaiting"] == "rating"


@pytest.mark.parametrize("text, rating", [("4吧 差点heart attack", 4), ("给4分吧 总体还行", 4), ("5 stars", 5),
                                          ("4, would've been 5 if the app told me", 4),
                                          ("等了3天", None), ("3分钟都没人", None), ("23.5元", None)])
def test_a_score_with_a_remark_is_read_and_a_time_is_not_a_score(text, rating):
    from actions.survey import read_rating

    assert read_rating(text, []) == rating


def test_a_later_check_told_failed_goes_to_its_fix_and_the_step_passed_over_stays_unanswered():
    slots = at_step(2, problem="top_up_failed")   # bank_limit: "within the card's limit?"
    messages, changed = run(ActionReadAnswer(), tracker("nlu_fallback", "银行来短信了 扣了200 钱包里没见着", slots))
    assert changed["checklist_step"] == 3 and changed["checklist_phase"] == "fixing"   # deducted: its fix
    assert "step_not_understood" not in said(messages)
    passed = [e for e in changed["checklist_log"] if e["step"] == "bank_limit"]
    assert passed and passed[0]["answer"] == "not_answered"
    # Nothing about a later step: asked again, as before.
    messages, changed = run(ActionReadAnswer(), tracker("nlu_fallback", "我现在在公司楼下呢", slots))
    assert "step_not_understood" in said(messages)


def test_not_understanding_the_question_gets_the_how_to_check_then_the_offer_of_a_person():
    slots = at_step(0)
    messages, changed = run(ActionReadAnswer(), tracker("nlu_fallback", "嗯？啥意思", slots))
    assert "how_to_check" in said(messages) and changed.get("misreads") == 1
    messages, changed = run(ActionReadAnswer(), tracker("nlu_fallback", "还是没明白", {**slots, "misreads": 1}))
    assert changed.get("awaiting") == "offer_human"
