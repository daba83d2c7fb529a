"""Whole conversations the load generator plays: the self-check walkthroughs
with their button answers, 6 to 12 turns each, as users really go through them.

REST scripts send button payloads; the WeChat variants answer with the
numbers WeChat users type instead ("1" for the first option).
"""

from __future__ import annotations

from typing import List

YES, NO = "/affirm", "/deny"

SCRIPTS: List[List[str]] = [
    # payment failed, every check passes, details collected, hand-off (9 turns)
    ["你好", "付款失败了", YES, YES, YES, YES, "今天下午三点", "200", "提示支付失败"],
    # withdrawal: waiting does not help, a working card does, rating (7 turns)
    ["提现一直没到账", NO, NO, NO, YES, '/rate{"rating": 5}', "谢谢"],
    # questions first, then a stolen account handed off (9 turns)
    ["客服电话是多少", "客服几点上班", "我的账户被盗了", YES, YES, YES, "昨天晚上", "3000", "转账"],
    # forgotten password solved in three steps, rating, goodbye (6 turns)
    ["忘记密码了", YES, YES, YES, '/rate{"rating": 4}', "拜拜"],
    # app crash, walk to the end, details, hand-off (8 turns)
    ["app一直闪退", YES, YES, YES, NO, NO, "刚才", "打开就白屏"],
    # refund, asks for a person while details are collected, then asks
    # where the person is (the bot answers only that while the user waits) (7 turns)
    ["我要退款", YES, NO, NO, YES, "转人工", "客服怎么还没回我"],
]

WECHAT_ANSWERS = {YES: "1", NO: "2", '/rate{"rating": 5}': "1", '/rate{"rating": 4}': "2"}


def wechat_script(script: List[str]) -> List[str]:
    return [WECHAT_ANSWERS.get(turn, turn) for turn in script]
