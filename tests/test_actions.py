"""Actions run on tracker fixtures, as Rasa's financial-demo tests them."""

import asyncio
import shutil

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.checklist import ActionChecklistAnswer, ActionStartChecklist
from actions.fallback import ActionRephrase
from actions.handoff import ActionHandoff, ValidateHandoffDetailsForm
from actions.handoff_desk import HandoffDesk
from actions.survey import ActionSaveRating, read_rating


@pytest.fixture(autouse=True)
def desk_file(tmp_path, monkeypatch):
    path = tmp_path / "desk.db"
    monkeypatch.setenv("WALLET_DESK_DB", str(path))
    return path


def tracker(intent, text="", slots=None, events=None, entities=None, ranking=None):
    message = {"intent": {"name": intent, "confidence": 0.9}, "text": text, "entities": entities or [],
               "intent_ranking": ranking or []}
    return Tracker("user-7", slots or {}, message, events or [], False, None, {}, "action_listen")


def run(action, tr):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tr, {}))
    return dispatcher.messages, events


def test_problem_intent_starts_its_checklist():
    messages, events = run(ActionStartChecklist(), tracker("payment_failed", "付款失败"))
    assert "网络" in messages[-1]["text"]
    assert SlotSet("problem", "payment_failed") in events and SlotSet("checklist_step", 0) in events


def test_restating_the_problem_repeats_the_current_step_instead_of_restarting():
    slots = {"problem": "payment_failed", "checklist_step": 2, "checklist_phase": "checking", "checklist_log": []}
    messages, events = run(ActionStartChecklist(), tracker("payment_failed", "还是付不了款", slots))
    assert len(messages) == 1 and "余额" in messages[0]["text"] and events == []


def test_yes_outside_a_walkthrough_is_just_acknowledged():
    messages, events = run(ActionChecklistAnswer(), tracker("affirm", "好的"))
    assert messages[0]["text"].startswith("好的") and events == []


def test_last_passed_check_activates_the_details_form():
    slots = {"problem": "payment_failed", "checklist_step": 3, "checklist_phase": "checking", "checklist_log": []}
    messages, events = run(ActionChecklistAnswer(), tracker("affirm", "是", slots))
    assert "人工" in messages[-1]["text"]
    assert ActiveLoop("handoff_details_form") in events


def test_solved_problem_asks_for_a_rating():
    slots = {"problem": "payment_failed", "checklist_step": 0, "checklist_phase": "fixing", "checklist_log": []}
    messages, _ = run(ActionChecklistAnswer(), tracker("affirm", "解决了", slots))
    assert [b["payload"] for b in messages[-1]["buttons"]][0] == '/rate{"rating": 5}'


@pytest.mark.parametrize("text, entities, rating", [
    ("", [4], 4), ("5分", [], 5), ("打个三分吧", [], 3), ("非常满意", [], 5), ("不满意", [], 2), ("嗯", [], None),
])
def test_ratings_are_read_from_buttons_digits_and_words(text, entities, rating):
    assert read_rating(text, entities) == rating


def test_rating_is_stored(desk_file):
    run(ActionSaveRating(), tracker("rate", "5分", {"problem": "forgot_password"}))
    assert HandoffDesk(str(desk_file)).rows("ratings")[0]["rating"] == 5


def fallback_event(text):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": "nlu_fallback"}}}


def test_first_miss_offers_likely_problems_second_miss_hands_off(desk_file):
    ranking = [{"name": "nlu_fallback"}, {"name": "refund_request"}, {"name": "greet"}]
    first = tracker("nlu_fallback", "那个钱的事", events=[fallback_event("那个钱的事")], ranking=ranking)
    messages, _ = run(ActionRephrase(), first)
    assert [b["payload"] for b in messages[0]["buttons"]][0] == "/refund_request"
    assert messages[0]["buttons"][-1]["payload"] == "/request_human"

    second = tracker("nlu_fallback", "就是那个", events=[fallback_event("那个钱的事"), fallback_event("就是那个")])
    messages, events = run(ActionRephrase(), second)
    assert "工单" in "".join(m["text"] for m in messages)
    assert len(HandoffDesk(str(desk_file)).rows("tickets")) == 1


def test_details_form_asks_only_what_the_checklist_needs():
    form = ValidateHandoffDetailsForm()
    slots = asyncio.run(form.required_slots(["incident_time", "amount", "txn_type", "error_text"],
                                            CollectingDispatcher(), tracker("deny", "", {"problem": "forgot_password"}),
                                            {}))
    assert slots == ["incident_time", "error_text"]


@pytest.mark.parametrize("slot, said, stored", [
    ("amount", "两百块", 200), ("amount", "200", 200), ("amount", "没有", "未提供"),
    ("txn_type", "是转帐", "转账"), ("incident_time", "不记得了", "未提供"),
    ("error_text", "无法连接服务器", "无法连接服务器"), ("error_text", "没有", "无"),
])
def test_details_answers_are_normalised(slot, said, stored):
    form = ValidateHandoffDetailsForm()
    validate = getattr(form, f"validate_{slot}")
    assert validate(said, CollectingDispatcher(), tracker("deny", said), {}) == {slot: stored}


def test_outside_service_hours_the_user_is_told_when_support_opens(desk_file, monkeypatch, tmp_path):
    from actions import knowledge

    shutil.copytree(knowledge.KNOWLEDGE_DIR, tmp_path / "knowledge")
    brand = tmp_path / "knowledge" / "brand.yml"
    always_closed = brand.read_text(encoding="utf-8").replace('["09:00", "21:00"]', "null") \
        .replace('["10:00", "18:00"]', "null")
    brand.write_text(always_closed + "\n", encoding="utf-8")
    monkeypatch.setattr(knowledge, "KNOWLEDGE_DIR", tmp_path / "knowledge")
    messages, _ = run(ActionHandoff(), tracker("request_human", "转人工"))
    text = "".join(m["text"] for m in messages)
    assert "非工作时间" in text and "留言已经保存" in text
    ticket = HandoffDesk(str(desk_file)).rows("tickets")[0]
    assert ticket["within_hours"] == 0 and ticket["number"] in text
