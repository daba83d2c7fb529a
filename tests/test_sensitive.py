import io
import logging

import pytest

from components.sensitive import install_log_masking, load_masker, mask_data, mask_text


@pytest.mark.parametrize("text, masked, kinds", [
    ("我的卡号是6222 0212 3456 7890 123，提现没到", "我的卡号是***************0123，提现没到", ["card_number"]),
    ("6222021234567890128", "***************0128", ["card_number"]),          # passes the Luhn check
    ("验证码是123456", "验证码是******", ["verification_code"]),
    ("收到的验证码：8842 要给你吗", "收到的验证码：****** 要给你吗", ["verification_code"]),
    ("支付密码123abc", "支付密码******", ["password"]),
    ("登录密码是 Abc@2024", "登录密码是 ******", ["password"]),
    ("卡号6222021234567890128 验证码是654321",
     "卡号***************0128 验证码是******", ["card_number", "verification_code"]),
])
def test_sensitive_values_are_masked(text, masked, kinds):
    assert mask_text(text) == (masked, kinds)


@pytest.mark.parametrize("text, masked", [
    ("码是123456", "码是******"),
    ("123456 是验证码", "****** 是验证码"),
    ("验证码是一二三四五六", "验证码是******"),
    ("验证码是〇零两三四五", "验证码是******"),
    ("验证码是１２３４５６", "验证码是******"),
    ("收到的短信：123456", "收到的短信：******"),
    ("短信验证码 1 2 3 4 5 6", "短信验证码 ******"),
    ("动态码发你了 654321", "动态码发你了 ******"),
    ("动态密码123456", "动态密码******"),
    ("verification code is 123456", "verification code is ******"),
])
def test_verification_codes(text, masked):
    assert mask_text(text) == (masked, ["verification_code"])


@pytest.mark.parametrize("text, masked", [
    ("密码是“Abc@123”", "密码是“******”"),
    ("密码是‘Abc@123’", "密码是‘******’"),
    ('密码是"Abc@123"', '密码是"******"'),
    ("密码是'Abc@123'", "密码是'******'"),
    ("密码是「Abc@123」", "密码是「******」"),
    ("密码是生日19900101", "密码是生日******"),
    ("密码：abc 123", "密码：******"),
    ("密码：abc 123，登不上去", "密码：******，登不上去"),
    ("pwd=xxxx", "pwd=******"),
    ("我密码设的是 qwer1234", "我密码设的是 ******"),
    ("my password is abc123", "my password is ******"),
    ("交易密码是Abc12345", "交易密码是******"),
])
def test_passwords(text, masked):
    assert mask_text(text) == (masked, ["password"])


@pytest.mark.parametrize("text, masked", [
    ("6222.0212.3456.7890.128", "***************0128"),
    ("6222  0212  3456  7890  128", "***************0128"),
    ("6222/0212/3456/7890/128", "***************0128"),
    ("6222-0212-3456-7890-128", "***************0128"),
    ("6222－0212－3456－7890－128", "***************0128"),
    ("６２２２ ０２１２ ３４５６ ７８９０ １２８", "***************0128"),
    ("卡号：6222_0212_3456_7890_128，谢谢", "卡号：***************0128，谢谢"),
    ("378282246310005", "***********0005"),                  # 15 digits, Amex
    ("3782 822463 10005 是我的卡", "***********0005 是我的卡"),
    ("我的卡是6222021234567890129", "我的卡是***************0129"),  # fails Luhn, but a card word before it
    ("信用卡 4111 1111 1111 1112 扣款失败", "信用卡 ************1112 扣款失败"),
])
def test_card_numbers(text, masked):
    assert mask_text(text) == (masked, ["card_number"])


@pytest.mark.parametrize("text, masked, kind", [
    ("CVV 123", "CVV ******", "cvv"),
    ("安全码是 456", "安全码是 ******", "cvv"),
    ("卡背后三位 789", "卡背后三位 ******", "cvv"),
    ("cvv2:1234", "cvv2:******", "cvv"),
    ("有效期 12/28", "有效期 ******", "expiry"),
    ("有效期到2028年12月", "有效期到******", "expiry"),
    ("有效期：2028-12", "有效期：******", "expiry"),
    ("exp 1228", "exp ******", "expiry"),
])
def test_card_security_code_and_expiry(text, masked, kind):
    assert mask_text(text) == (masked, [kind])


@pytest.mark.parametrize("text, masked", [
    ("身份证号11010519491231002X", "身份证号******"),
    ("11010519491231002x 是我的", "****** 是我的"),                 # valid check digit, no word needed
    ("440305198506121018 是我的", "****** 是我的"),                 # valid check digit (and not Luhn)
    ("身份证 110105194912310021", "身份证 ******"),                 # wrong check digit, but after 身份证
    ("证件号 110105491231002", "证件号 ******"),
    ("110105491231002", "******"),                                 # 15 digits with a valid birth date
    ("身份证号 110105 19491231 002X", "身份证号 ******"),
])
def test_id_numbers(text, masked):
    assert mask_text(text) == (masked, ["id_number"])


@pytest.mark.parametrize("text, masked", [
    ("手机号13800138000", "手机号138****8000"),
    ("138 1234 5678", "138****5678"),
    ("打我电话138-1234-5678", "打我电话138****5678"),
    ("+86 138 1234 5678", "+86 138****5678"),
    ("8613812345678", "86138****5678"),
    ("+86-13812345678 找我", "+86-138****5678 找我"),
])
def test_mobile_numbers_keep_first_three_and_last_four(text, masked):
    assert mask_text(text) == (masked, ["mobile"])


def test_several_kinds_in_one_message():
    text = "卡号6222021234567890128 有效期12/28 安全码123，手机13812345678，身份证11010519491231002X"
    assert mask_text(text) == (
        "卡号***************0128 有效期****** 安全码******，手机138****5678，身份证******",
        ["card_number", "cvv", "expiry", "id_number", "mobile"],
    )


def test_numbers_side_by_side_are_told_apart():
    assert mask_text("卡号6222021234567890128 13812345678") == (
        "卡号***************0128 138****5678", ["card_number", "mobile"])
    # the order number is left alone, the mobile after it is not
    assert mask_text("订单号2023112412345678901 13812345678") == (
        "订单号2023112412345678901 138****5678", ["mobile"])


@pytest.mark.parametrize("text", [
    "忘记密码了", "密码输错了好几次", "验证码收不到", "订单号2023112412345678901",
    "转了200元", "300块", "", "付款失败", "2024-01-01", "今天下午3点", "付款1,000.50元失败了",
    "12:30", "2028年", "付款失败了，300块钱付不出去", "验证码过了5分钟还没收到", "验证码收不到，转了1000",
    "交易单号 2023 1124 1234 5678 901", "2024-01-01 - 2024-02-01", "20240101-20240201", "密码错了 help me",
    "密码是什么", "卡号后四位0128", "验证码发了3次", "有效期30天", "余额还有1,234,567.89元",
    "我一直收不到验证码，等了二十分钟", "流水号：4200001234202311241234567890",
    # order numbers that would pass for a card, an ID or a mobile without the word
    "订单号2023112412345678900", "订单号：202311241234567897", "交易单号 6222 0212 3456 7890 128", "单号13812345678",
])
def test_ordinary_text_is_left_alone(text):
    assert mask_text(text) == (text, [])


def test_without_an_order_word_the_same_numbers_are_masked():
    assert mask_text("2023112412345678900") == ("***************8900", ["card_number"])  # Luhn
    assert mask_text("202311241234567897") == ("******", ["id_number"])               # ID check digit


@pytest.mark.parametrize("text", [
    "***************0128", "138****5678", "密码是******", "验证码是******", "卡号***************0128 138****5678",
    "密码是“******”", "身份证号******",
])
def test_masked_text_is_not_masked_again(text):
    assert mask_text(text) == (text, [])


def test_spans_point_into_the_original_text():
    text = "卡号６２２２０２１２３４５６７８９０１２８，手机１３８１２３４５６７８"
    found = load_masker().find(text)
    assert [(s.kind, text[s.start:s.end]) for s in found] == [
        ("card_number", "６２２２０２１２３４５６７８９０１２８"), ("mobile", "１３８１２３４５６７８")]


def test_mask_data_masks_every_string_and_keeps_the_shape():
    data = {
        "note": "验证码是123456",
        "items": ["卡号6222021234567890128", 42, 3.5, None, True, {"phone": "13812345678"}],
        "phone_as_number": 13812345678,
        "amount": 300,
        "验证码是123456": "key stays",
    }
    masked = mask_data(data)
    assert masked == {
        "note": "验证码是******",
        "items": ["卡号***************0128", 42, 3.5, None, True, {"phone": "138****5678"}],
        "phone_as_number": "138****5678",
        "amount": 300,
        "验证码是123456": "key stays",
    }
    assert data["note"] == "验证码是123456"  # a copy: the original is untouched
    assert mask_data("密码是abc123") == "密码是******"
    assert mask_data(("码是1234",)) == ("码是******",)


@pytest.fixture
def captured_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logger = logging.getLogger("tests.sensitive.logging")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    factory = logging.getLogRecordFactory()
    try:
        yield logger, stream
    finally:
        logging.setLogRecordFactory(factory)
        logger.removeHandler(handler)


def test_log_records_are_masked(captured_log):
    logger, stream = captured_log
    install_log_masking()
    install_log_masking()  # twice is the same as once
    logger.info("user said %s", "我的卡号6222021234567890128，验证码是123456")
    logger.warning("手机 %s, metadata %r", "13812345678", {"pwd": "pwd=secret12"})
    try:
        raise ValueError("cannot parse 密码是Abc@123 from 身份证号11010519491231002X")
    except ValueError:
        logger.exception("failed on %s", "卡号 6222 0212 3456 7890 128")
    output = stream.getvalue()
    for secret in ("6222021234567890128", "6222 0212 3456 7890 128", "123456", "13812345678",
                   "secret12", "Abc@123", "11010519491231002X"):
        assert secret not in output
    assert "user said 我的卡号***************0128，验证码是******" in output
    assert "手机 138****5678" in output
    assert "Traceback (most recent call last)" in output and "ValueError: cannot parse 密码是******" in output


def test_log_masking_clears_args_and_keeps_plain_records(captured_log):
    logger, stream = captured_log
    install_log_masking()
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    keep = Keep()
    logger.addHandler(keep)
    try:
        logger.info("转了%d元 %s", 300, "订单号2023112412345678901")
        logger.info("bad format %d", "x")  # does not raise
    finally:
        logger.removeHandler(keep)
    assert records[0].getMessage() == "转了300元 订单号2023112412345678901"
    assert records[0].args == ()
    assert "bad format" in records[1].getMessage()
    assert "转了300元 订单号2023112412345678901" in stream.getvalue()
