"""The checklist runner, on the operator's real checklists and on a small one."""

import pytest

from actions import knowledge
from actions.checklist_runner import CHECKING, CONTINUE, FIXING, HANDOFF, SOLVED, ChecklistRunner

TEXTS = {"ask_solved": "解决了吗？", "solved_button": "解决了", "not_solved_button": "还没解决", "human_button": "转人工",
         "skipped_steps": "{done}已确认，从{next}开始。", "unsure_again": "不确定也没关系。",
         "told_before_asked": "{done}也没问题，跳过。", "ask_done": "做好了吗？", "done_button": "做好了",
         "not_done_button": "还没有"}
OUTCOMES = {"next", "solved", "fix", "handoff"}
SMALL = {
    "intro": "我们排查一下。",
    "steps": [
        {"id": "a", "ask": "网络正常吗？", "yes_label": "正常", "no_label": "不正常", "fix": "换个网络。"},
        {"id": "b", "ask": "收到短信了吗？", "fix": "需要人工。", "on_no": "handoff"},
        {"id": "c", "ask": "能登录了吗？", "on_yes": "solved", "fix": "再试一次。"},
    ],
}


def test_start_shows_intro_and_first_question_with_buttons():
    turn = ChecklistRunner(SMALL, TEXTS).start()
    assert [p.text for p in turn.prompts] == ["我们排查一下。", "网络正常吗？"]
    assert turn.prompts[-1].buttons == [{"title": "正常", "payload": "/affirm"},
                                        {"title": "不正常", "payload": "/deny"}]
    assert (turn.step, turn.phase, turn.outcome) == (0, CHECKING, CONTINUE)


def test_failed_check_gives_the_fix_and_asks_if_solved():
    turn = ChecklistRunner(SMALL, TEXTS).answer(0, CHECKING, False, [])
    assert [p.text for p in turn.prompts] == ["换个网络。", "解决了吗？"]
    assert (turn.step, turn.phase) == (0, FIXING)
    assert turn.log == [{"step": "a", "question": "网络正常吗？", "answer": "不正常", "read_as": "no", "how": "button"}]


def test_typed_answers_keep_the_users_words_and_doubt():
    turn = ChecklistRunner(SMALL, TEXTS).answer(0, CHECKING, True, [], said="应该没问题吧", sure=False)
    assert turn.log[0]["said"] == "应该没问题吧" and turn.log[0]["sure"] is False


def test_a_later_check_passed_in_an_answer_is_not_asked_again():
    steps = [dict(s, name=n) for s, n in zip(SMALL["steps"], "甲乙丙")]
    steps.insert(2, {"id": "x", "name": "丁", "ask": "余额够吗？", "fix": "充值。"})
    runner = ChecklistRunner(SMALL | {"steps": steps}, TEXTS)
    turn = runner.answer(0, CHECKING, True, [], said="网络没问题，余额也够", also={"x": "yes"})
    assert [p.text for p in turn.prompts] == ["收到短信了吗？"]           # 乙 is next: 丁 comes after it
    assert [(e["step"], e["how"]) for e in turn.log] == [("a", "typed"), ("x", "told_before_asked")]
    turn = runner.answer(1, CHECKING, True, turn.log, said="收到了")
    assert [p.text for p in turn.prompts] == ["能登录了吗？"]             # 丁 skipped
    runner = ChecklistRunner(SMALL | {"steps": [steps[0], steps[2], steps[1], steps[3]]}, TEXTS)
    turn = runner.answer(0, CHECKING, True, [], said="网络没问题，余额也够", also={"x": "yes"})
    assert [p.text for p in turn.prompts] == ["丁也没问题，跳过。", "收到短信了吗？"]


def test_checks_a_first_message_answered_are_skipped_and_said():
    runner = ChecklistRunner(SMALL | {"steps": [dict(s, name=n) for s, n in zip(SMALL["steps"], "甲乙丙")]}, TEXTS)
    turn = runner.start({"a": "yes", "b": "yes"}, said="网络好的，短信也收到了")
    assert [p.text for p in turn.prompts] == ["甲、乙已确认，从丙开始。", "能登录了吗？"]
    assert [(e["step"], e["how"]) for e in turn.log] == [("a", "first_message"), ("b", "first_message")]
    failed = runner.start({"a": "no"}, said="网络不好")
    assert failed.phase == FIXING and [p.text for p in failed.prompts][-2:] == ["换个网络。", "解决了吗？"]


def test_not_knowing_explains_first_then_moves_on():
    runner = ChecklistRunner(SMALL | {"steps": [dict(SMALL["steps"][0], how_to_check="打开网页看看。")]
                                      + SMALL["steps"][1:]}, TEXTS)
    first = runner.unsure(0, CHECKING, [], "不知道", times=1)
    assert [p.text for p in first.prompts] == ["打开网页看看。", "网络正常吗？"] and first.step == 0
    second = runner.unsure(0, CHECKING, [], "还是不知道", times=2)
    assert second.step == 1 and second.log[-1]["read_as"] == "unsure"


def test_fix_that_worked_ends_solved():
    turn = ChecklistRunner(SMALL, TEXTS).answer(0, FIXING, True, [])
    assert turn.outcome == SOLVED


def test_fix_that_did_not_help_moves_to_the_next_step():
    turn = ChecklistRunner(SMALL, TEXTS).answer(0, FIXING, False, [])
    assert turn.prompts[-1].text == "收到短信了吗？" and turn.step == 1


def test_a_step_can_hand_off_straight_away():
    turn = ChecklistRunner(SMALL, TEXTS).answer(1, CHECKING, False, [])
    assert turn.outcome == HANDOFF and [p.text for p in turn.prompts] == ["需要人工。"]


def test_a_step_can_end_solved_on_yes():
    assert ChecklistRunner(SMALL, TEXTS).answer(2, CHECKING, True, []).outcome == SOLVED


def test_all_checks_passed_ends_in_handoff():
    runner = ChecklistRunner(SMALL | {"steps": SMALL["steps"][:2], "exhausted": "转人工吧。"}, TEXTS)
    turn = runner.answer(1, CHECKING, True, [])
    assert turn.outcome == HANDOFF and turn.prompts[-1].text == "转人工吧。"


def test_urgent_checklists_offer_a_person_on_every_step():
    runner = ChecklistRunner(SMALL | {"urgent": "先冻结账户。"}, TEXTS)
    turn = runner.start()
    assert turn.prompts[0].text == "先冻结账户。"
    assert {"title": "转人工", "payload": "/request_human"} in turn.prompts[-1].buttons


@pytest.mark.parametrize("problem", sorted(knowledge.checklist_names()))
def test_every_operator_checklist_is_well_formed_and_walkable(problem):
    checklist = knowledge.checklist(problem)
    assert checklist["title"] and checklist["steps"]
    for step in checklist["steps"]:
        assert step["ask"] and step.get("yes_label") and step.get("no_label"), step
        assert step.get("on_yes", "next") in OUTCOMES and step.get("on_no", "fix") in OUTCOMES
        for outcome in (step.get("on_yes", "next"), step.get("on_no", "fix")):
            if outcome in ("fix", "handoff"):
                assert step.get("fix"), f"{problem}/{step['id']} needs a fix text"
    runner = ChecklistRunner(checklist, TEXTS, knowledge.fill)
    # Saying yes to every check walks to the end without getting stuck.
    turn = runner.start()
    for _ in range(len(checklist["steps"]) + 1):
        if turn.outcome != CONTINUE:
            break
        turn = runner.answer(turn.step, turn.phase, True, turn.log)
    assert turn.outcome in (SOLVED, HANDOFF)
    for prompt in turn.prompts:
        assert "{" not in prompt.text, f"unfilled placeholder in {problem}: {prompt.text}"


def test_required_checklists_exist():
    required = {"payment_failed", "funds_not_received", "account_stolen", "forgot_password", "account_locked",
                "charged_but_failed", "refund_request", "bind_card_failed", "top_up_failed", "withdraw_failed",
                "balance_abnormal", "app_malfunction"}
    assert required <= set(knowledge.checklist_names())


def test_in_an_urgent_walkthrough_a_fix_done_leads_to_the_next_step_not_to_solved():
    urgent = SMALL | {"urgent": "先冻结账户。"}
    runner = ChecklistRunner(urgent, TEXTS)
    turn = runner.answer(0, CHECKING, False, [])
    assert [p.key for p in turn.prompts][-1] == "ask_done" and turn.phase == FIXING
    turn = runner.answer(0, FIXING, True, turn.log)
    assert turn.outcome == CONTINUE and (turn.step, turn.phase) == (1, CHECKING)
    assert ChecklistRunner(SMALL, TEXTS).answer(0, FIXING, True, []).outcome == SOLVED   # not urgent: solved
