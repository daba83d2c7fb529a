import pytest

from components.sensitive import mask_text


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


@pytest.mark.parametrize("text", [
    "忘记密码了", "密码输错了好几次", "验证码收不到", "订单号2023112412345678901",
    "手机号13800138000", "转了200元", "", "付款失败",
])
def test_ordinary_text_is_left_alone(text):
    assert mask_text(text) == (text, [])
