"""Property tests for the sensitive-data masker: every kind of value, written
the ways users write it, inside random Chinese/English surroundings, never
survives masking; masking twice changes nothing; ordinary text without
digits is never touched."""

import datetime
import os
import re

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from components.sensitive import id_check_digit, mask_text

# No example database: it would be a stray .hypothesis/ directory in the work tree.
# 120 examples per property: on a loaded 2-core CI machine 300 cost a minute
# each; WALLET_HYPOTHESIS_EXAMPLES=1000 for a deeper run by hand.
SETTINGS = settings(max_examples=int(os.environ.get("WALLET_HYPOTHESIS_EXAMPLES", 120)), deadline=None,
                    database=None, suppress_health_check=[HealthCheck.too_slow])

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
SPOKEN = "〇零一二两三四五六七八九"
SPOKEN_VALUE = {"〇": "0", "零": "0", "一": "1", "二": "2", "两": "2", "三": "3", "四": "4", "五": "5",
                "六": "6", "七": "7", "八": "8", "九": "9"}
TO_ASCII = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, **SPOKEN_VALUE})

# -- surroundings: no digits and no Chinese numerals in them --------------------

CHINESE_WORDS = ["你好", "请问", "帮我看看", "谢谢", "怎么办", "急", "客服", "我刚才", "麻烦", "快点", "好的", "在吗",
                 "为什么", "不行", "登录不了", "页面", "显示", "失败", "了", "吗", "呢", "啊", "付款", "提现", "没到账",
                 "余额", "怎么回事", "我的", "账户", "被锁了", "请尽快处理"]
ENGLISH_WORDS = ["hi", "hello", "please", "help", "thanks", "ok", "my", "bank", "app", "urgent"]
PUNCTUATION = ["，", "。", "！", "？", "、", "：", "；", "…", ",", ".", "!", "?", "~", "（", "）", "\n"]
EMOJI = ["😀", "🙏", "😭", "👍", "💳", "🔥"]
SPACES = [" ", "  ", "\u3000"]

# English words stand apart from what is around them, as in real text.
piece = st.one_of(st.sampled_from(CHINESE_WORDS), st.sampled_from([f" {w} " for w in ENGLISH_WORDS]),
                  st.sampled_from(PUNCTUATION),
                  st.sampled_from(EMOJI), st.sampled_from(SPACES))
surrounding = st.lists(piece, max_size=4).map("".join)


def digits_of(text: str) -> str:
    """The digits in a text, full-width and Chinese numerals read as ASCII."""
    return re.sub(r"[^0-9]", "", text.translate(TO_ASCII))


def assert_masked(text: str, value_digits: str) -> str:
    masked, kinds = mask_text(text)
    assert kinds, text
    assert value_digits not in digits_of(masked), (text, masked)
    assert mask_text(masked) == (masked, []), (text, masked)  # masking twice changes nothing
    return masked


# -- generators -------------------------------------------------------------------


def luhn_complete(partial: str) -> str:
    total = 0
    for index, char in enumerate(reversed(partial)):
        value = int(char)
        if index % 2 == 0:  # doubled once the check digit is appended
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return partial + str((10 - total % 10) % 10)


@st.composite
def card_numbers(draw):
    prefix = draw(st.sampled_from(["4", "51", "55", "62", "622202", "6011", "35", "34", "37"]))
    length = 15 if prefix in ("34", "37") else draw(st.integers(15, 19))
    body = draw(st.text("0123456789", min_size=length - 1 - len(prefix), max_size=length - 1 - len(prefix)))
    return luhn_complete(prefix + body)


@st.composite
def grouped(draw, digits: str, min_group: int = 3, max_group: int = 6):
    """The digits in groups with one separator (space, double space, dash,
    dot, slash, full-width dash or space, or none), maybe in full-width."""
    separator = draw(st.sampled_from([" ", "  ", "-", ".", "/", "－", "\u3000", "_", ""]))
    groups, rest = [], digits
    regular = draw(st.booleans())
    while rest:
        size = 4 if regular else draw(st.integers(min_group, max_group))
        groups.append(rest[:size])
        rest = rest[size:]
    text = separator.join(groups)
    return text.translate(FULL_WIDTH) if draw(st.booleans()) else text


@st.composite
def cards_in_text(draw):
    number = draw(card_numbers())
    words = draw(st.sampled_from(["", "", "卡号", "卡号：", "我的卡是", "银行卡 ", "card number: "]))
    text = draw(surrounding) + words + draw(grouped(number)) + draw(surrounding)
    return text, number


@st.composite
def codes_in_text(draw):
    length = draw(st.integers(4, 8))
    digits = draw(st.text("0123456789", min_size=length, max_size=length))
    style = draw(st.sampled_from(["ascii", "full-width", "spoken", "spaced"]))
    if style == "full-width":
        value = digits.translate(FULL_WIDTH)
    elif style == "spoken":
        value = "".join(draw(st.sampled_from([c for c in SPOKEN if SPOKEN_VALUE[c] == d])) for d in digits)
    elif style == "spaced":
        value = " ".join(digits)
    else:
        value = digits
    forward = ["验证码是", "验证码：", "验证码", "码是", "动态码发你了 ", "收到的短信：", "短信验证码 ", "校验码为",
               "verification code is ", "code: ", "动态密码"]
    backward = [" 是验证码", "是动态码", "，这个是验证码"]
    if draw(st.booleans()):
        phrase = draw(st.sampled_from(forward)) + value
    else:
        phrase = value + draw(st.sampled_from(backward))
    return draw(surrounding) + phrase + draw(surrounding), digits


PASSWORD_CHARS = "abcdefXYZ0123456789!@#$%^&*._-+=?'\""


@st.composite
def passwords_in_text(draw):
    core = draw(st.text(PASSWORD_CHARS, min_size=2, max_size=14))
    password = draw(st.sampled_from("abcXYZ")) + core + draw(st.sampled_from("0123456789"))
    # "a****0" is what the masker itself leaves behind, and reads as already
    # masked; a real password is not a run of asterisks.
    assume("**" not in password)
    if draw(st.booleans()):  # a space or two inside
        for _ in range(draw(st.integers(1, 2))):
            at = draw(st.integers(1, len(password) - 1))
            if password[at - 1] != " ":
                password = password[:at] + " " + password[at:]
    words = draw(st.sampled_from(["密码是", "密码：", "密码 ", "登录密码是", "支付密码", "交易密码：", "我密码设的是 ",
                                  "密码是生日", "口令:", "password is ", "pwd=", "password: "]))
    opening, closing = draw(st.sampled_from([("", ""), ("“", "”"), ("‘", "’"), ('"', '"'), ("'", "'"), ("「", "」")]))
    if opening and closing in password:
        opening, closing = "", ""
    text = draw(surrounding) + words + opening + password + closing + draw(surrounding)
    return text, password


@st.composite
def id_numbers_in_text(draw):
    area = draw(st.sampled_from(["110105", "310104", "440305", "510107", "330106", "650102"]))
    birth = draw(st.dates(min_value=datetime.date(1930, 1, 1), max_value=datetime.date(2012, 12, 31))).strftime("%Y%m%d")
    first17 = area + birth + draw(st.text("0123456789", min_size=3, max_size=3))
    number = first17 + id_check_digit(first17)
    if number.endswith("X") and draw(st.booleans()):
        number = number[:-1] + "x"
    written = number
    if draw(st.booleans()):
        separator = draw(st.sampled_from([" ", "-"]))
        written = separator.join([number[:6], number[6:14], number[14:]])
    words = draw(st.sampled_from(["", "身份证号", "身份证号码是", "证件号：", "身份证 "]))
    return draw(surrounding) + words + written + draw(surrounding), first17


@st.composite
def mobiles_in_text(draw):
    number = "1" + draw(st.sampled_from("3456789")) + draw(st.text("0123456789", min_size=9, max_size=9))
    separator = draw(st.sampled_from(["", " ", "-", "  "]))
    written = separator.join([number[:3], number[3:7], number[7:]])
    written = draw(st.sampled_from(["", "+86 ", "86", "+86-", "0086 "])) + written
    if draw(st.booleans()):
        written = written.translate(FULL_WIDTH)
    words = draw(st.sampled_from(["", "手机号", "电话：", "打我电话 "]))
    return draw(surrounding) + words + written + draw(surrounding), number


@st.composite
def cvvs_in_text(draw):
    digits = draw(st.text("0123456789", min_size=3, max_size=4))
    if draw(st.booleans()):
        phrase = draw(st.sampled_from(["CVV ", "cvv2:", "CVC: ", "安全码是", "安全码 ", "卡背后三位 ", "卡背面三位是"])) + digits
    else:
        phrase = digits + draw(st.sampled_from(["是安全码", " 是CVV"]))
    return draw(surrounding) + phrase + draw(surrounding), digits


@st.composite
def expiries_in_text(draw):
    month = draw(st.integers(1, 12))
    year = draw(st.integers(2024, 2035))
    value, digits = draw(st.sampled_from([
        (f"{month:02d}/{year % 100:02d}", f"{month:02d}{year % 100:02d}"),
        (f"{month:02d}/{year}", f"{month:02d}{year}"),
        (f"{year}年{month}月", f"{year}{month}"),
        (f"{year}年{month:02d}月", f"{year}{month:02d}"),
        (f"{year}-{month:02d}", f"{year}{month:02d}"),
        (f"{month:02d}{year % 100:02d}", f"{month:02d}{year % 100:02d}"),
    ]))
    words = draw(st.sampled_from(["有效期 ", "有效期到", "有效期：", "有效期至", "expiry ", "exp: ", "卡的有效期是"]))
    return draw(surrounding) + words + value + draw(surrounding), digits


# -- properties ---------------------------------------------------------------------


@SETTINGS
@given(cards_in_text())
@example(("卡号6222 0212 3456 7890 128", "6222021234567890128"))
def test_card_numbers_never_survive(case):
    text, number = case
    masked = assert_masked(text, number)
    # as a card it keeps only its last four digits (an ID-looking one keeps none)
    kept = digits_of(masked)
    assert kept in ("", number[-4:]), (text, masked)


@SETTINGS
@given(codes_in_text())
def test_verification_codes_never_survive(case):
    text, digits = case
    assert_masked(text, digits)


@SETTINGS
@given(passwords_in_text())
def test_passwords_never_survive(case):
    text, password = case
    masked, kinds = mask_text(text)
    assert kinds, text
    assert password not in masked, (text, masked)
    assert mask_text(masked) == (masked, []), (text, masked)


@SETTINGS
@given(id_numbers_in_text())
def test_id_numbers_never_survive(case):
    text, first17 = case
    masked = assert_masked(text, first17)
    assert digits_of(masked) == "", (text, masked)


@SETTINGS
@given(mobiles_in_text())
def test_mobiles_keep_only_first_three_and_last_four(case):
    text, number = case
    masked = assert_masked(text, number)
    assert f"{number[:3]}****{number[-4:]}" in masked, (text, masked)


@SETTINGS
@given(cvvs_in_text())
def test_card_security_codes_never_survive(case):
    text, digits = case
    assert_masked(text, digits)


@SETTINGS
@given(expiries_in_text())
def test_expiry_dates_never_survive(case):
    text, digits = case
    assert_masked(text, digits)


ORDINARY_WORDS = CHINESE_WORDS + ["密码", "验证码", "卡号", "身份证", "有效期", "安全码", "码是", "短信", "密码是",
                                  "验证码是", "忘记密码", "收不到", "转账", "银行卡", "手机号", "订单号", "动态码"]
cjk = st.sampled_from([chr(c) for c in range(0x4E00, 0xA000) if chr(c) not in SPOKEN + "兩幺"])
ordinary = st.lists(st.one_of(st.sampled_from(ORDINARY_WORDS), cjk, st.sampled_from(PUNCTUATION),
                              st.sampled_from(EMOJI), st.sampled_from(SPACES)), max_size=30).map("".join)


@SETTINGS
@given(ordinary)
def test_ordinary_chinese_text_without_digits_is_never_changed(text):
    assert mask_text(text) == (text, [])


@SETTINGS
@given(st.one_of(cards_in_text(), codes_in_text(), passwords_in_text(), id_numbers_in_text(), mobiles_in_text(),
                 cvvs_in_text(), expiries_in_text()).map(lambda case: case[0]))
def test_masking_is_idempotent(text):
    once, _ = mask_text(text)
    assert mask_text(once) == (once, [])
