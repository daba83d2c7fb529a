import pytest

from components.amounts import parse_number


@pytest.mark.parametrize("text, value", [
    ("200", 200), ("1,000.50", 1000.5), ("1，000", 1000), ("两百", 200), ("三千五", 3500),
    ("一万二", 12000), ("1.5万", 15000), ("3万", 30000), ("一百零五", 105), ("十五", 15),
    ("二十", 20), ("零点五", 0.5), ("一千零五十", 1050), ("壹佰", 100),
])
def test_written_amounts_become_numbers(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "abc", "两百块钱", "1.2.3"])
def test_non_numbers_are_rejected(text):
    assert parse_number(text) is None
