"""Typed answers read against the question the bot asked, with the
operator's real checklists and word lists (no Rasa needed)."""

from __future__ import annotations

import dataclasses

import pytest

from actions import knowledge
from actions.answer_reader import (GREET, HUMAN, NO, QUESTION, SOLVED, STILL_BROKEN, SWITCH, THANKS, UNREADABLE, UNSURE, YES,
                                   AnswerReader, Lexicon, Nlu, question_for_step, solved_question)
from actions.common import PROBLEM_INTENTS
from actions.walkthrough import other_topics

READER = AnswerReader(Lexicon(knowledge.reading()))


def step_question(problem: str, step_id: str, lang: str = "zh"):
    checklist = knowledge.checklist(problem)
    step = next(s for s in checklist["steps"] if s["id"] == step_id)
    return question_for_step(step, bool(checklist.get("urgent")), step.get(lang) if lang != "zh" else None)


def steps_of(problem):
    checklist = knowledge.checklist(problem)
    return [(s["id"], question_for_step(s, bool(checklist.get("urgent")))) for s in checklist["steps"]]


def read(problem, step_id, text, nlu=None, lang="zh"):
    # As the walkthrough asks it: with every other step's topic words.
    question = dataclasses.replace(step_question(problem, step_id, lang),
                                   others_about=other_topics(problem, step_id, lang))
    return READER.read(text, question, nlu or Nlu(), problem, PROBLEM_INTENTS)


@pytest.mark.parametrize("problem, step, text, kind", [
    # the step's own words, and the same with a negation in front
    ("payment_failed", "password", "密码是对的", YES),
    ("payment_failed", "password", "密码我确定没记错", YES),
    ("payment_failed", "password", "有提示密码错误", NO),
    ("payment_failed", "network", "wifi 一直连着的", YES),
    ("payment_failed", "network", "网络有点慢", NO),
    ("payment_failed", "balance", "里面钱足够", YES),
    ("payment_failed", "balance", "余额不够了", NO),
    ("payment_failed", "merchant", "商家应该支持吧，之前都能付", YES),
    ("funds_not_received", "record_success", "转账记录显示成功", YES),
    ("funds_not_received", "record_success", "没显示成功", NO),
    ("account_stolen", "password_changed", "还没改，登不上去了", NO),
    ("account_stolen", "account_frozen", "打了，冻结好了", YES),
    ("top_up_failed", "bank_limit", "就充100 不会超的", YES),
    # a length of time at "has it been that long yet?" steps (time_passed)
    ("charged_but_failed", "wait", "都四十多分钟了", YES),
    ("charged_but_failed", "wait", "才十分钟", NO),
    ("charged_but_failed", "refund_window", "还没到三个工作日", NO),
    ("charged_but_failed", "refund_window", "都四天了还没退", YES),
    ("account_locked", "reason", "我想起来了 前天就这样了", YES),
    ("account_locked", "reason", "早上刚锁的 才几个钟头", NO),
    ("withdraw_failed", "arrival_time", "三个多小时了", YES),
    # Traditional characters and pinyin slips
    ("forgot_password", "reset_entry", "有看到「忘記密碼」 點進去了", YES),
    ("forgot_password", "sms_received", "簡訊收到了", YES),
    # "没跳出来说密码错": the negation reaches over a verb of showing
    ("payment_failed", "password", "也没跳出来说密码错", YES),
    ("payment_failed", "password", "跳出来说密码错", NO),
    ("payment_failed", "network", "手机上看新闻一点都不卡的", YES),
    # the user corrects themselves: what follows the correction counts
    ("account_locked", "reason", "锁了有一天多了吧……哦不对，是今天早上才锁的，昨天晚上还能登", NO),
    ("account_locked", "reason", "今天早上锁的……哦不对，是前天", YES),
    # a rhetorical question next to a statement: the statement counts
    ("bind_card_failed", "same_owner", "不是我的卡我绑它干嘛？我本人去柜台办的", YES),
    # … and a question that says yes
    ("bind_card_failed", "phone_match", "银行留的不就是我现在这个号吗？", YES),
    # what the user says it has been, over what they say it has not
    ("charged_but_failed", "refund_window", "才一个多小时，哪来的三天", NO),
    # "还在" answers "问题还在吗？", but "刚还在打排位" is no such answer
    ("app_malfunction", "restart", "关了重开 还在", YES),
    ("top_up_failed", "network", "网没毛病 刚还在打排位 ping才二十几 一点不lag", YES),
    ("payment_failed", "password", "密码按完也没跳什么错误，直接就说付款没成功", YES),
    # the topic next to a "done" ("弄了", "办了"), typed over WeChat by hand
    ("withdraw_failed", "identity", "实名早就弄了", YES),
    # a negation ends at the comma
    ("fraud_report", "reported", "还没，打算下了班去派出所", NO),
    # an emphatic yes beside a rhetorical question; "要是" makes the trouble hypothetical
    ("payment_failed", "network", "废话，网要是有问题我还能在这跟你打字？", YES),
    # a formal question mid-walkthrough is a question
    ("charged_but_failed", "merchant_order", "另请问：若最终确认失败，款项原路退回一般需要几个工作日？", QUESTION),
    ("fraud_report", "reported", "报了 回执也拿到了", YES),
    # a "还没" in front of a phrase that is itself a "no" does not turn it into a yes
    ("refund_request", "applied", "还没 不知道在哪申请", NO),
    ("funds_not_received", "payer_confirmed", "这个还没跟他对过", NO),
    ("charged_but_failed", "merchant_order", "问过了 客服说查不到这个订单", YES),
    ("top_up_failed", "deducted", "银行短信说扣了 但是钱包里没多出来", NO),
    ("withdraw_failed", "limit", "超不了，才两百", YES),
    # "I don't know" is neither yes nor no …
    ("payment_failed", "password", "这个我就不清楚了", UNSURE),
    # … unless the step's "no" button says so ("不支持或不确定")
    ("payment_failed", "merchant", "这个我就不清楚了", NO),
    ("refund_request", "eligible", "不确定 我没看规则", NO),
    ("funds_not_received", "arrival_time", "不知道", UNSURE),
    # good and bad news in passing
    ("payment_failed", "network", "切了4G就好了，可以付了", SOLVED),
    ("payment_failed", "balance", "还是不行", STILL_BROKEN),
    # not understanding the question is no answer to it ("嗯" alone would be a yes):
    # the step's how-to-check explains what is asked
    ("top_up_failed", "network", "嗯？啥意思", UNSURE),
    ("payment_failed", "password", "没明白", UNSURE),
    # a hello in the middle is greeted back, not taken as an answer
    ("refund_request", "eligible", "在吗", GREET),
    ("payment_failed", "network", "你好？", GREET),
    # a plain yes or no leads, the story follows ("还在" later is no "still broken")
    ("fraud_report", "evidence", "还没 群都被他们解散了 只剩私聊还在", NO),
    ("charged_but_failed", "merchant_order", "还没问呢 我这就打给店家", NO),
    ("bind_card_failed", "phone_match", "唔係喎 銀行登記嗰個係我香港電話 我頭先填咗大陸號碼", NO),
    # English yes / no typed at a Chinese step (YAML must not turn them into true / false)
    ("payment_failed", "balance", "yes", YES),
    ("payment_failed", "balance", "no", NO),
    # asking how to check, or not being able to tell, is "I don't know"
    ("funds_not_received", "payer_confirmed", "我怎么核对 我又看不到他那边", UNSURE),
    ("forgot_password", "sms_received", "填了她手机号 可她那手机短信几百条没点开的 我翻半天也不知道来没来", UNSURE),
    ("balance_abnormal", "pending", "账单里头密密麻麻的 我眼神不好 看不清楚", UNSURE),
    # "fine" in words that fit any step
    ("bind_card_failed", "card_status", "新卡 上周五刚拿到 激活过了能用", YES),
    # telling about the hotline is no question about it; asking is
    ("account_stolen", "account_frozen", "你们那热线我打了三遍才打通 人也太少了吧 不过总算给冻上了", YES),
    ("app_malfunction", "reinstall", "先问下你们hotline多少 我怕reinstall完还是不行", QUESTION),
    # "还是" as "or", and "还是" before the same figure
    ("charged_but_failed", "merchant_order", "那个钱退的话是退回我钱包还是卡上 要几天啊", QUESTION),
    ("balance_abnormal", "refresh", "刷了 退出去又进来 还是三百来块", YES),
    # "it worked before" at steps about something that lasts (worked_before: true) …
    ("withdraw_failed", "limit", "八千算啥 上个月一次提的比这多一倍都顺顺利利的", YES),
    ("payment_failed", "merchant", "出口那个码上就印着你们的牌子，上礼拜我还在这儿交过", YES),
    # … but not where the step asks about now, and "fine" beside "broken" is no answer
    ("payment_failed", "network", "昨天还好好的 今天就不行", UNREADABLE),
    # rhetorical questions that deny: "能超什么限额", "密码能输错？"
    ("top_up_failed", "bank_limit", "就充一百块 能超什么限额", YES),
    ("payment_failed", "password", "我又不傻 密码能输错？天天输的", YES),
    # a 没有 that answers something else does not turn "问题还在" around
    ("app_malfunction", "restart", "维护公告也看了，没有，问题还在", YES),
    # a limit and an amount typed together are compared (amount_within_limit: true)
    ("top_up_failed", "bank_limit", "单笔限额5万 我就充648", YES),
    ("top_up_failed", "bank_limit", "single payment limit is 5000 and I was trying to put in 8000", NO),
    # part done is not done
    ("account_stolen", "password_changed", "登录密码改了 支付密码还没", NO),
    # a plain no further in, where nothing says still broken or fixed
    ("account_locked", "reason", "你们这设计真离谱。。没到 差远了", NO),
    # asking where to look gets the how-to-check even where the no button says 不确定
    ("refund_request", "eligible", "退款条件？我上哪看去 不知道啊", UNSURE),
    # thanks with nothing else understood is thanks; "退回来了再…" is still to come
    ("funds_not_received", "arrival_time", "中，那俺叫他找找，退回来了再给俺转一回，麻烦你了啊", THANKS),
    # "还没三天" is less than three days
    ("refund_request", "waited", "前天才同意的 还没三天吧", NO),
    # is this a scam? asked of the bot itself, in the middle of a step
    ("account_locked", "identity_check", "刷脸？老爷子问你们这个靠谱不 别是骗人的 要人脸干啥", QUESTION),
    ("forgot_password", "sms_received", "你要验证码不 我可不给你 我孙子说了谁要都别给", QUESTION),
    # trouble in the next clause after the step's topic
    ("app_malfunction", "reinstall", "重装完了 登录进去首页能看 一点账单就闪退", NO),
    # "那个" between a verb of showing and what was not shown
    ("payment_failed", "password", "密码没输错 也没弹那个密码错误", YES),
    # "好着呢" tells, though it ends in 呢
    ("payment_failed", "network", "我是他媳妇 网好着呢 刚还刷抖音了 密码也没提示错", YES),
    # 找到了 holds 到了 but says nothing is fixed; the step's own words decide
    ("forgot_password", "sms_received", "找到了 在那个骚扰短信里头 有个验证码", YES),
    # Sichuan 没得 is 没有
    ("charged_but_failed", "merchant_order", "问了的 商家说他们后台没得这个订单", YES),
    # "why so long?" asks about arrival times
    ("funds_not_received", "payer_confirmed", "你们转账不是马上就到的迈 咋个要这么久", QUESTION),
    # another step's topic in a short answer is no plain yes to this one
    ("forgot_password", "new_password", "网没毛病", UNREADABLE),
    # 着…呢 tells; "开着灯" is no verdict on the face check
    ("account_locked", "identity_check", "刷脸刷了三遍 一直说光线不足 我在屋里开着灯呢", NO),
    ("payment_failed", "merchant", "他家摊上贴着你们的码呢 上礼拜我还在这扫过", YES),
    # 、 joins a list under one negation; "刚才没看到" is said of before; "？？" is indignation
    ("withdraw_failed", "card_ok", "这张是单位发工资的卡，这个月还正常进过工资，应该不会有注销、挂失这些情况。", YES),
    ("forgot_password", "reset_entry", "找到了！就在密码框下面…不好意思刚才没看到", YES),
    ("account_locked", "identity_check", "刷脸刷了三次都说不是本人？？我就是本人啊", NO),
    # a limit said per day or per payment, and what was taken out
    ("withdraw_failed", "limit", "ok the withdraw page says 50000 a day, I only took out 3000", YES),
    ("withdraw_failed", "limit", "提现页面上写单笔5万 我就提了800", YES),
    # Henan 不中 is 不行; "还是没出票" is still the trouble in any words
    ("bind_card_failed", "phone_match", "刚打银行电话给改成现在这个号了 再绑还是不中", STILL_BROKEN),
    # Cantonese "仲係唔得" is "还是不行": tried the number, and no
    ("bind_card_failed", "phone_match", "改咗做香港號碼都係收唔到短訊 仲係唔得", NO),
])
def test_typed_answers_at_a_step(problem, step, text, kind):
    assert read(problem, step, text).kind == kind


@pytest.mark.parametrize("text", ["topped up and it went through now", "it worked, thanks"])
def test_good_news_in_english_at_a_step(text):
    assert read("payment_failed", "balance", text, lang="en").kind == SOLVED


@pytest.mark.parametrize("text, kind", [("还在", YES), ("没用", YES), ("还是不行", YES), ("好了", NO),
                                        ("重启以后正常了", NO)])
def test_yes_means_still_broken_where_the_question_asks_so(text, kind):
    # app_malfunction's first step asks "…问题还在吗？"
    assert read("app_malfunction", "restart", text).kind == kind


@pytest.mark.parametrize("text, kind", [("还是不行", NO), ("没用", NO), ("试了还是付不了", NO), ("可以了", YES),
                                        ("重启了一下好了，谢谢", YES),
                                        ("处理完了 余额对了", YES), ("还是对不上", NO)])
def test_after_a_fix_solved_or_not(text, kind):
    question = solved_question("解决了", "还没解决", urgent=False)
    reading = READER.read(text, question, Nlu(), "payment_failed", PROBLEM_INTENTS)
    assert reading.kind == kind


def test_thanks_with_the_fix_means_solved_and_thanked():
    reading = read("app_malfunction", "network", "清了缓存就好了，多谢")
    assert reading.kind == NO and reading.thanked   # "问题还在吗？" → no: it works now


def test_questions_mid_walkthrough_are_questions():
    assert read("payment_failed", "password", "退款要几天？") == read("payment_failed", "password", "退款要几天？")
    reading = read("payment_failed", "password", "退款要几天？")
    assert (reading.kind, reading.topic) == (QUESTION, "refund_time")
    reading = read("payment_failed", "password", "你们电话多少 我直接打过去问问")
    assert (reading.kind, reading.topic) == (QUESTION, "contact_channels")


def test_a_different_problem_is_a_switch_not_a_yes():
    reading = read("payment_failed", "password", "对了我还有个提现的问题", Nlu("withdraw_failed", 0.8))
    assert (reading.kind, reading.topic) == (SWITCH, "withdraw_failed")


def test_thanks_in_any_form():
    for text in ("ok thx", "谢谢", "3q", "多谢啦"):
        assert read("payment_failed", "network", text).kind == THANKS, text


def test_a_guess_from_the_classifier_is_marked_unsure():
    reading = read("payment_failed", "network", "上次来的时候就这么弄的", Nlu("affirm", 0.9))
    assert reading.kind == YES and not reading.sure


def test_first_message_answers_the_checks_it_mentions():
    steps = steps_of("payment_failed")
    assert READER.checks_in("网络没问题，余额也够，就是付不了款", steps) == {"network": YES, "balance": YES}
    assert READER.checks_in("付款失败了", steps) == {}
    steps = steps_of("top_up_failed")
    # "卡里" is the card, not a lagging app ("卡")
    assert READER.checks_in("网络正常 卡里也有钱 就是充值不成功", steps) == {"network": YES, "card_balance": YES}
    assert READER.checks_in("卡里没有钱了", steps) == {"card_balance": NO}
    steps = steps_of("app_malfunction")
    # "still broken after a restart?" is answered by someone who tried it
    assert READER.checks_in("重启过了也更新到最新版了 还是闪退", steps) == {"restart": YES, "update": YES}
    assert READER.checks_in("app一直闪退 怎么办", steps) == {}
    steps = steps_of("balance_abnormal")
    # "对不上" is not the "对" of "it matches"
    assert YES not in READER.checks_in("账单里余额跟我算的对不上", steps).values()


def test_english_answers():
    assert read("payment_failed", "network", "the network is fine", lang="en").kind == YES
    assert read("payment_failed", "network", "not sure", lang="en").kind == UNSURE
    assert read("payment_failed", "password", "I got a wrong password error", lang="en").kind == NO


@pytest.mark.parametrize("text, error", [
    ("给房东付房租 按了确认就弹出交易异常", "交易异常"),
    ("付款的时候提示“该商户暂不支持此付款方式”", "该商户暂不支持此付款方式"),
    ("提现一直显示处理失败", "处理失败"),
    ("我这边显示成功了 他说没收到", None),       # not an error message
    ("付款失败了，300块钱付不出去", None),         # a problem, not a quoted message
])
def test_an_error_message_quoted_in_the_first_message_is_kept(text, error):
    from actions.details import error_in_message

    assert error_in_message(text) == error


@pytest.mark.parametrize("text", ["等了半个多小时还是没变", "还是没变化", "还是待支付", "对过了账号名字都对 还是没有"])
def test_nothing_changed_after_a_fix_means_still_broken(text):
    question = solved_question("解决了", "还没解决", urgent=False)
    assert READER.read(text, question, Nlu(), "charged_but_failed", PROBLEM_INTENTS).kind == NO


@pytest.mark.parametrize("text, kind", [("payments", "支付"), ("it was a transfer", "转账"), ("top-up", "充值"),
                                        ("转账", "转账"), ("no idea", None)])
def test_the_transaction_type_is_understood_in_chinese_and_english(text, kind):
    from actions.details import valid_txn_type

    assert valid_txn_type(text) == kind


@pytest.mark.parametrize("text, kind, topic", [
    ("几点有人工？", QUESTION, "service_hours"),
    ("人工客服电话多少", QUESTION, "contact_channels"),
    ("转人工吧", HUMAN, None),
    ("我要找人工", HUMAN, None),
])
def test_a_question_about_the_people_is_answered_not_taken_as_asking_for_one(text, kind, topic):
    reading = read("withdraw_failed", "identity", text, Nlu("request_human", 0.9))
    assert (reading.kind, reading.topic) == (kind, topic)


def test_a_merchant_that_agreed_means_the_refund_was_allowed_and_applied_for():
    steps = steps_of("refund_request")
    found = READER.checks_in("商家已经同意退款了 钱还没回来", steps)
    assert found.get("eligible") == YES and found.get("applied") == YES
    assert READER.checks_in("商家不同意退款", steps).get("eligible") != YES
    assert READER.checks_in("这单不想要了 钱能退吗", steps) == {}       # a question tells nothing
    assert READER.checks_in("这单不想要了，能退？", steps) == {}


def test_english_phrases_match_with_or_without_a_plural_s():
    assert read("payment_failed", "merchant", "the cashier told me they only take cash", lang="en").kind == NO
    assert read("payment_failed", "merchant", "this shop only takes cash", lang="en").kind == NO


def test_a_question_about_when_agents_are_around_is_not_a_request_for_one():
    reading = read("funds_not_received", "arrival_time", "and when are your agents available?", lang="en")
    assert (reading.kind, reading.topic) == (QUESTION, "service_hours")


def test_a_length_of_time_in_the_first_message_skips_its_step():
    steps = steps_of("withdraw_failed")
    assert READER.checks_in("体现三个多小时了还没到 卡也是好的", steps) == {"arrival_time": YES, "card_ok": YES}
    # a short time is left to its step: earlier steps may settle the matter first
    assert "arrival_time" not in READER.checks_in("提现才十分钟", steps)


def test_an_english_answer_that_starts_with_no_or_yes():
    assert read("account_stolen", "account_frozen", "No, I haven't contacted anyone about a freeze yet.", lang="en").kind == NO
    assert read("payment_failed", "network", "Yeah, everything else on my phone loads just fine", lang="en").kind == YES


def test_fine_in_passing_is_no_answer_when_it_names_another_steps_topic():
    import dataclasses

    asked = step_question("payment_failed", "merchant")
    others = [w for s in knowledge.checklist("payment_failed")["steps"] if s["id"] != "merchant" for w in s["about"]]
    text = "网络一切正常 刚才还刷视频呢"
    assert READER.read(text, asked, Nlu(), "payment_failed", PROBLEM_INTENTS).kind == YES
    elsewhere = dataclasses.replace(asked, others_about=others)
    assert READER.read(text, elsewhere, Nlu(), "payment_failed", PROBLEM_INTENTS).kind == UNREADABLE


def test_a_slip_in_the_operators_word_list_costs_one_word_not_every_reading():
    words = dict(knowledge.reading())
    words["goodbye"] = list(words["goodbye"]) + [None, "", True, 886]
    reader = AnswerReader(Lexicon(words))
    assert reader.read("886", step_question("payment_failed", "network"), Nlu(), "payment_failed",
                       PROBLEM_INTENTS).kind == "goodbye"
    assert reader.read("wifi 一直连着的", step_question("payment_failed", "network"), Nlu(), "payment_failed",
                       PROBLEM_INTENTS).kind == YES


def test_already_having_sent_money_is_no_sign_of_having_stopped():
    # "已经" next to the step's topic (转账) once read as "fine": the first
    # step was skipped for someone still being scammed.
    text = "有个人说是你们客服，让我把钱转到安全账户，我已经转账转了两万了"
    assert "stopped" not in READER.checks_in(text, steps_of("fraud_report"))


@pytest.mark.parametrize("problem, step, text, kind", [
    # a balance typed as a number (balance_covers), compared with the sum to pay when both are there
    ("top_up_failed", "card_balance", "卡里两万多呢", YES),
    ("top_up_failed", "card_balance", "卡里四千多 就充三百", YES),
    ("top_up_failed", "card_balance", "卡里就三百 要充五百", NO),
    ("top_up_failed", "card_balance", "卡里只有50", NO),
    ("payment_failed", "balance", "卡里有3000 要付5000", NO),
    ("payment_failed", "balance", "卡里三千多 这才一百来块钱", YES),
    ("payment_failed", "balance", "钱包里一直放着备用金，付个车费绰绰有余", YES),   # 一直 is no sum
    # an arrival option named: measured against its own wait
    ("funds_not_received", "arrival_time", "问了 他选的2小时到账 这才转了40分钟", NO),
    ("funds_not_received", "arrival_time", "他选的两小时到账 好像还没到两小时", NO),
    ("funds_not_received", "arrival_time", "选的2小时到账 都三个小时了", YES),
    # not knowing how to tell is no "找不到" (the no button of the entry step)
    ("forgot_password", "reset_entry", "你说的那个入口是啥意思啊 我不太会弄这个手机", UNSURE),
    ("app_malfunction", "update", "我怎么知道是不是最新的", UNSURE),
    # "没弹过什么密码错误": not shown, so not wrong
    ("payment_failed", "password", "密码我能输错？？根本没弹过什么密码错误", YES),
    ("payment_failed", "password", "没弹密吗错误 就转一圈然后付不了", YES),   # 密吗: a slip for 密码
])
def test_sums_options_and_slips_at_a_step(problem, step, text, kind):
    assert read(problem, step, text).kind == kind


def test_a_sum_known_from_earlier_is_what_the_balance_is_compared_with():
    question = dataclasses.replace(step_question("payment_failed", "balance"), amount_wanted=5000)
    assert READER.read("卡里三千多", question, Nlu(), "payment_failed", PROBLEM_INTENTS).kind == NO
    question = dataclasses.replace(question, amount_wanted=45)
    assert READER.read("卡里三千多", question, Nlu(), "payment_failed", PROBLEM_INTENTS).kind == YES


def test_another_matter_announced_is_a_switch_not_a_yes():
    nlu = Nlu("withdraw_failed", 0.72)
    reading = read("payment_failed", "balance", "对了还有个事 我提现的钱到现在都没到卡上", nlu)
    assert (reading.kind, reading.topic) == (SWITCH, "withdraw_failed")


def test_a_shadow_typed_apart_is_no_shadow():
    solved = solved_question("解决了", "还没解决", False)
    assert READER.read("换了张卡重新提 到了", solved, Nlu(), "withdraw_failed", PROBLEM_INTENTS).kind == YES
    assert READER.read("提到了吗", solved, Nlu(), "withdraw_failed", PROBLEM_INTENTS).kind != YES


def test_a_time_in_the_next_clause_answers_a_how_long_step_in_the_first_message():
    assert READER.checks_in("登录提示账户已锁定 前天就这样了", steps_of("account_locked")) == {"reason": YES}
    # "七天无理由" before the words of the step is a policy, not a wait
    found = READER.checks_in("羽绒服七天无理由退的 退款申请也提交了 商家昨天点了同意", steps_of("refund_request"))
    assert "waited" not in found
    assert READER.checks_in("食堂扫码付不了 网络正常 余额也有八百多", steps_of("payment_failed")) == {
        "network": YES, "balance": YES}


@pytest.mark.parametrize("problem, step, text, kind", [
    # minutes between two clock times
    ("charged_but_failed", "wait", "It was charged at 2:05pm and it's 2:20 now", NO),
    ("funds_not_received", "arrival_time", "She picked the 2-hour option and sent it at 4:15pm. It's only 4:50 now", NO),
    # a limit told as "只可以 / 最多", or per withdrawal and per day in English
    ("top_up_failed", "bank_limit", "我看了银行app 一次只可以五千 我充值了八千", NO),
    ("withdraw_failed", "limit", "The page says 50,000 per withdrawal and 200,000 per day. Mine was only 1,500", YES),
    # "够的" said outright; the 钱 of 钱包 is no talk of money
    ("payment_failed", "balance", "钱包里还有两百多呢 够的", YES),
    # a request for a person taken back at once: the rest is the answer
    ("charged_but_failed", "bill_status", "要不你直接给我转人工吧…算了算了不用了 我自己看了下 账单写的是支付成功", NO),
    # "没看见啥处理中": not seen, so none
    ("balance_abnormal", "pending", "都是完成的 没看见啥处理中", YES),
])
def test_clock_times_limits_and_retractions(problem, step, text, kind):
    assert read(problem, step, text).kind == kind


@pytest.mark.parametrize("text, topic", [
    ("你们这什么破平台 账都算不明白 我要投诉", "complaint"),
    ("刚刚有个电话自称你们平台客服，让我把验证码报给他，说帮我冻结，这是你们的人吗？", "verify_official_service"),
    ("冻结要打哪个电话", "contact_channels"),
])
def test_a_complaint_or_a_scam_check_is_heard_even_after_a_fix(text, topic):
    question = dataclasses.replace(solved_question("已经办了", "还没办", True),
                                   yes_words=step_question("account_stolen", "account_frozen").yes_words)
    reading = READER.read(text, question, Nlu(), "account_stolen", PROBLEM_INTENTS)
    assert (reading.kind, reading.topic) == (QUESTION, topic)


def test_money_words_inside_wallet_are_not_the_balance_topic():
    steps = steps_of("top_up_failed")
    assert READER.checks_in("网络没问题 卡里钱也够 就是往钱包充值一直失败", steps) == {"network": YES, "card_balance": YES}


def test_enough_said_outright_beats_the_sums():
    question = dataclasses.replace(step_question("payment_failed", "balance"), amount_wanted=300)
    assert READER.read("卡里两百多 够的", question, Nlu(), "payment_failed", PROBLEM_INTENTS).kind == YES
    assert READER.read("卡里两百多", question, Nlu(), "payment_failed", PROBLEM_INTENTS).kind == NO


@pytest.mark.parametrize("problem, step, text, kind", [
    # "没看到有什么说密码错误的提示": not seen, so not wrong
    ("payment_failed", "password", "密码应该没输错吧，我没看到有什么说密码错误的提示，就是一直转圈然后就失败了", YES),
    # a question of fact asked outright is answered, even with 怎么看 in it …
    ("withdraw_failed", "limit", "提现要收手续费吗？我怎么看到少了几块", QUESTION),
    # … but not knowing the word is the how-to-check, and a rhetorical one is an answer
    ("top_up_failed", "bank_limit", "啥限额？没听懂", UNSURE),
    ("top_up_failed", "bank_limit", "200块还能超限额？不至于吧", YES),
])
def test_questions_of_fact_rhetoric_and_negations(problem, step, text, kind):
    assert read(problem, step, text).kind == kind


def test_how_it_used_to_go_is_not_solved():
    solved = solved_question("解决了", "还没解决", False)
    reading = READER.read("普通提现一般多久能到账？我记得以前几分钟就到了", solved, Nlu(), "withdraw_failed",
                          PROBLEM_INTENTS)
    assert (reading.kind, reading.topic) == (QUESTION, "arrival_time")
    # "原来是" is "it turns out", not "before"
    assert READER.read("银行卡的短信退款已经到账了原来是我自己没注意", solved, Nlu(), "refund_request",
                       PROBLEM_INTENTS).kind == YES


def test_the_trouble_itself_answers_no_check_in_the_first_message():
    text = "你好，我想绑一张新办的招商银行卡，输完卡号和手机号以后一直提示“信息校验失败”。卡是我自己上个月刚去网点办的"
    found = READER.checks_in(text, steps_of("bind_card_failed"))
    assert found.get("phone_match") != NO
    text = "我真的有点着急，昨天晚上九点多付了680，银行卡扣钱的短信都收到了，订单显示未支付。现在都过去快一天了"
    found = READER.checks_in(text, steps_of("charged_but_failed"))
    assert found.get("wait") == YES
    assert "waited" not in READER.checks_in("上周退货的空气炸锅 商家已经同意退款了 显示原路退回", steps_of("refund_request"))


@pytest.mark.parametrize("problem, step, text, kind", [
    ("withdraw_failed", "arrival_time", "今天早上九点提的 现在都下午三点了", YES),
    ("charged_but_failed", "wait", "十点扣的 现在十点十分", NO),
    ("funds_not_received", "arrival_time", "HR checked, it was next-day arrival and that day is long gone", YES),
    ("bind_card_failed", "phone_match", "预留就是现在这个号 银行的短信天天往这个号发", YES),
    ("balance_abnormal", "refresh", "下拉刷了好几遍 数字纹丝不动", YES),   # "still wrong?": yes
])
def test_clock_times_in_chinese_and_more_ways_of_saying(problem, step, text, kind):
    lang = "en" if text.isascii() else "zh"
    assert read(problem, step, text, lang=lang).kind == kind


def test_still_wont_in_english_after_a_fix():
    solved = solved_question("Solved", "Not yet", False)
    reading = READER.read("ok went to the branch at lunch and got it updated. still won't add though", solved, Nlu(),
                          "bind_card_failed", PROBLEM_INTENTS)
    assert reading.kind == NO


@pytest.mark.parametrize("problem, step, text, kind", [
    ("funds_not_received", "payer_confirmed", "收款账号和姓名我刚核对过，都没有错。", YES),
    ("app_malfunction", "restart", "还在卡", YES),
    ("fraud_report", "stopped", "他还在给我发消息 说再转一笔就能全退回来", NO),
    ("balance_abnormal", "pending", "这种处理中的一般多久能到账", QUESTION),
    ("top_up_failed", "bank_limit", "限额？？ 这个去哪看", UNSURE),
    # a correction typed apart ("等下 不对") still corrects
    ("top_up_failed", "card_balance", "够的。。等下 不对 工资卡里只剩30了 我要充500", NO),
    ("payment_failed", "merchant", "便利店啊 以前一直用你们付的", YES),
])
def test_the_last_round_of_typed_answers(problem, step, text, kind):
    assert read(problem, step, text).kind == kind


def test_going_back_is_no_new_matter():
    # "等下" may announce another matter, but "回到刚才退款那个" goes back to one.
    nlu = Nlu("refund_request", 0.8)
    reading = read("top_up_failed", "card_balance", "等下 还是先回到刚才退款那个吧", nlu)
    assert reading.kind != SWITCH
    reading = read("balance_abnormal", "pending", "等下 我登录密码也忘了 能先弄密码吗", Nlu("forgot_password", 0.8))
    assert (reading.kind, reading.topic) == (SWITCH, "forgot_password")
