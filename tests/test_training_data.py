"""The training data keeps its promises: contract intent names, enough
varied examples, a held-out file that is really held out."""

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PROBLEM_INTENTS = [
    "payment_failed", "charged_but_failed", "funds_not_received", "account_stolen", "forgot_password",
    "account_locked", "refund_request", "bind_card_failed", "top_up_failed", "withdraw_failed",
    "balance_abnormal", "app_malfunction", "fraud_report", "verify_official_service", "security_question",
    "contact_channels", "service_hours", "complaint", "feedback", "feature_inquiry",
]
CONVERSATION_INTENTS = ["greet", "goodbye", "thanks", "affirm", "deny", "bot_challenge", "request_human"]


def examples(paths):
    found = defaultdict(list)
    for path in paths:
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
            found[block["intent"]] += [line.strip()[2:].strip() for line in block["examples"].splitlines()
                                       if line.strip().startswith("- ")]
    return found


TRAIN = examples(sorted((ROOT / "data" / "nlu").glob("*.yml")))
HELD_OUT = examples([ROOT / "tests" / "nlu_test.yml"])
# Written by someone who had not read the training data, in other voices.
INDEPENDENT = examples([ROOT / "tests" / "nlu_independent.yml"])
# A second one, written after the out-of-scope training examples were last
# extended, so its figures are not tuned to by those.
FRESH = examples([ROOT / "tests" / "nlu_fresh.yml"])
# A third, in many voices (Traditional, typos, pinyin initials, emoji).
FRESH2 = examples([ROOT / "tests" / "nlu_fresh2.yml"])
# A fourth, story-like (who, what, when, how much), never seen when the
# training stories (data/nlu/stories.yml) were written.
FRESH3 = examples([ROOT / "tests" / "nlu_fresh3.yml"])
# A fifth, in many voices, written after the training stories.
FRESH4 = examples([ROOT / "tests" / "nlu_fresh4.yml"])
# A sixth, 2026-11-27, in many voices (dialects, English, stories).
FRESH5 = examples([ROOT / "tests" / "nlu_fresh5.yml"])


def domain_intents():
    intents = set()
    for path in (ROOT / "domain").glob("*.yml"):
        intents |= set(yaml.safe_load(path.read_text(encoding="utf-8")).get("intents") or [])
    return intents


def test_contract_intents_are_in_domain_and_training_data():
    for intent in PROBLEM_INTENTS + CONVERSATION_INTENTS:
        assert intent in domain_intents(), intent
        assert TRAIN[intent], intent


def test_every_problem_intent_has_at_least_80_distinct_examples():
    for intent in PROBLEM_INTENTS:
        assert len(set(TRAIN[intent])) >= 80, (intent, len(set(TRAIN[intent])))


def test_out_of_scope_examples_cover_many_requests():
    assert len(set(TRAIN["out_of_scope"])) >= 150


def test_held_out_file_is_large_and_never_trained_on():
    held_out = [text for texts in HELD_OUT.values() for text in texts]
    trained = {text for texts in TRAIN.values() for text in texts}
    assert len(held_out) >= 150
    assert not set(held_out) & trained
    assert set(PROBLEM_INTENTS) <= set(HELD_OUT)


def test_independent_file_is_large_never_trained_on_and_apart_from_the_other():
    independent = {text for texts in INDEPENDENT.values() for text in texts}
    trained = {text for texts in TRAIN.values() for text in texts}
    held_out = {text for texts in HELD_OUT.values() for text in texts}
    assert len(independent) >= 300
    assert len(INDEPENDENT["out_of_scope"]) >= 40
    assert not independent & trained, sorted(independent & trained)[:10]
    assert not independent & held_out, sorted(independent & held_out)[:10]
    assert set(PROBLEM_INTENTS) <= set(INDEPENDENT)


def test_no_example_is_labelled_with_two_intents():
    seen = {}
    for intent, texts in TRAIN.items():
        for text in texts:
            assert seen.setdefault(text, intent) == intent, f"{text!r}: {seen[text]} and {intent}"


def test_every_problem_intent_has_a_dialogue_test_story():
    stories = (ROOT / "tests" / "test_stories.yml").read_text(encoding="utf-8")
    for intent in PROBLEM_INTENTS:
        assert f"intent: {intent}" in stories, intent


def test_no_brand_or_phone_number_in_code_or_domain_responses():
    brand = yaml.safe_load((ROOT / "knowledge" / "brand.yml").read_text(encoding="utf-8"))
    needles = [brand["brand_name"], brand["hotline"], brand["email"]]
    sources = list((ROOT / "domain").glob("*.yml")) + [p for d in ("actions", "channels", "components", "stores")
                                                        for p in (ROOT / d).glob("*.py")]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        for needle in needles:
            assert needle not in text, f"{needle} hard-coded in {path}"


def test_fresh_file_covers_every_intent_and_is_never_trained_on():
    fresh = {text for texts in FRESH.values() for text in texts}
    trained = {text for texts in TRAIN.values() for text in texts}
    assert len(fresh) >= 150 and len(FRESH["out_of_scope"]) >= 35
    assert not fresh & trained, sorted(fresh & trained)[:10]
    assert set(PROBLEM_INTENTS) <= set(FRESH)


# Later independent files: (examples, at least this many lines, at least this
# many out-of-scope lines), each checked against training and every file before it.
LATER = [(FRESH2, 220, 20), (FRESH3, 250, 35), (FRESH4, 220, 20), (FRESH5, 300, 30)]


@pytest.mark.parametrize("position", range(len(LATER)), ids=["fresh2", "fresh3", "fresh4", "fresh5"])
def test_later_files_cover_every_intent_and_share_no_line_with_training_or_earlier_files(position):
    held, at_least, out_of_scope = LATER[position]
    lines = {text for texts in held.values() for text in texts}
    trained = {text for texts in TRAIN.values() for text in texts}
    earlier = [HELD_OUT, INDEPENDENT, FRESH] + [files for files, _, _ in LATER[:position]]
    others = {text for files in earlier for texts in files.values() for text in texts}
    assert len(lines) >= at_least and len(held["out_of_scope"]) >= out_of_scope
    assert not lines & trained, sorted(lines & trained)[:10]
    assert not lines & others, sorted(lines & others)[:10]
    assert set(PROBLEM_INTENTS) <= set(held)
