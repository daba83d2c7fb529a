"""Fixtures: the project on sys.path, the real servers (tests/stacks.py),
one in-process Agent, and the order tests run in.

Tests that need no server run first, while the servers load in the
background (see `_group` for the order).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Set

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")   # nothing leaves the machine

from scripts.lean_imports import skip_unused_optional_imports  # noqa: E402

skip_unused_optional_imports()   # before anything imports Rasa (and TensorFlow)

from bench.servers import request  # noqa: E402,F401  (tests import it from here)
from tests.stacks import STACKS, TOKEN, WECHAT, Servers, latest_model  # noqa: E402,F401

FIGURES: List[str] = []   # lines the model checks print at the end of the run
SHELL_AFTER: Set[str] = set()   # the test at whose start `rasa shell` starts loading


def _whole_suite(config) -> bool:
    return not config.args or all(Path(a).resolve() == ROOT / "tests" for a in config.args)


def pytest_sessionstart(session):
    if _whole_suite(session.config) and not session.config.option.collectonly:
        STACKS.servers()
        STACKS.scaled()


def _group(item) -> int:
    """In-process tests first, while the stacks load; then the scaled mode
    and the shell, which are stopped once done (an idle server still costs
    CPU on a loaded machine); then the default stack."""
    names = set(item.fixturenames)
    if "servers" in names:
        return 2 if "shell" in names else 3
    return 1 if "scaled" in names else 0


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=_group)   # stable: file order within each group
    # `rasa shell` loads while the scaled-mode tests run, not from the start:
    # once loaded, it waits at its prompt and still costs CPU.
    first = next((item for item in items if _group(item) >= 1), None)
    if first is not None and any(_group(item) == 2 for item in items):
        SHELL_AFTER.add(first.nodeid)


def pytest_runtest_setup(item):
    if item.nodeid in SHELL_AFTER:
        STACKS.shell()


def pytest_sessionfinish(session):
    STACKS.stop_all()


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def servers() -> Servers:
    return STACKS.get("servers")


@pytest.fixture(scope="session")
def agent():
    """The trained model in this process, for the NLU figures, the dialogue
    stories and the graph checks."""
    from rasa.core.agent import Agent

    return Agent.load(latest_model())


def texts(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def button_titles(replies: List[Dict[str, Any]]) -> List[str]:
    return [b["title"] for r in replies for b in r.get("buttons") or []]
