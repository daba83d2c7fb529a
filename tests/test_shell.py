"""`rasa shell` on the trained model, driven through a pseudo-terminal as an
operator would type into it (tests/stacks.py starts it early: loading the
model takes minutes)."""

import pytest

from tests.stacks import START_SECONDS, STACKS


@pytest.fixture(scope="module")
def shell(servers):
    yield STACKS.get("shell")
    STACKS.stop("shell")


def test_rasa_shell_answers_in_chinese(shell):
    shell.wait_for(r"Bot loaded", START_SECONDS)
    answer = shell.type("客服几点上班")
    screen = shell.wait_for(r"周一至周日 00:00-23:59", 60, after=answer)   # the test stack's hours
    assert "人工客服的服务时间" in screen
    shell.type("/stop")
    shell.process.wait(60)
