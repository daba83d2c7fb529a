"""tests/test_stories.yml through Rasa's own story test (`rasa test core`),
run on the in-process model so the model is loaded once per test run."""

import asyncio
import json

from tests.conftest import FIGURES, ROOT

OUT = ROOT / "results" / "rasa_test"


def test_every_test_story_goes_as_written(agent):
    from rasa.core.test import test as test_core

    OUT.mkdir(parents=True, exist_ok=True)
    result = asyncio.run(test_core(str(ROOT / "tests" / "test_stories.yml"), agent, out_directory=str(OUT),
                                   disable_plotting=True))
    stories = result["report"]["conversation_accuracy"]
    FIGURES.append(f"dialogue stories: {stories['correct']} / {stories['total']} correct, "
                   f"action accuracy {result['accuracy']:.3f}")
    failed = (OUT / "failed_test_stories.yml").read_text(encoding="utf-8")
    assert stories["correct"] == stories["total"], failed
    assert result["accuracy"] == 1.0, json.dumps(result["report"], ensure_ascii=False)[:3000]
