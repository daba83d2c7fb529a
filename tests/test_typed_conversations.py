"""Typed multi-turn conversations (tests/conversations/*.yml, written
independently of the training data) replayed against the real servers, over
REST or the WeChat endpoint; after each turn the bot must be where a good
agent would be. The figures are printed and written to results/."""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

from tests.conftest import FIGURES, ROOT
from tests.conversation_check import check, stored_tracker
from tests.test_wechat import say as wechat_say

# Each set with the share of its turns that must be right: a ratchet, set
# just under the last measured figure and raised as reading improves. Below
# it the test fails and lists every wrong turn; the figures are printed at
# the end of the run and kept in results/.
#   conversations          written with the reading rules (own held-out set)
#   conversations_fresh    written later by a helper that had read neither the
#                          code nor the other sets: 103 of 122 on first run
#   conversations_fresh2   the same, a third author: 86 of 139 on first run
#   conversations_fresh3   the same, a fourth: 81 of 146 on first run
#   conversations_fresh4   the same, a fifth: 91 of 144 on first run
#   conversations_fresh5   the same, a sixth: 75 of 126 on first run
#   conversations_fresh6   the same, a seventh: 70 of 112 on first run
#   conversations_fresh7   the same, an eighth: 33 of 97 on first run
#   conversations_fresh8   the same, a ninth: 72 of 112 on first run
#   conversations_fresh9   the same, a tenth: 64 of 120 on first run
#   conversations_fresh10  the same, an eleventh: 81 of 117 on first run
#   conversations_fresh11  the same, a twelfth: 83 of 125 on first run
#   conversations_fresh12  the same, a thirteenth: 80 of 127 on first run
#   conversations_fresh13  the same, a fourteenth: 82 of 115 on first run
#   conversations_fresh14  the same, a fifteenth: 90 of 125 on first run
#   conversations_fresh15  the same, a sixteenth: 80 of 115 on first run
#   conversations_fresh16  the same, a seventeenth: 77 of 114 on first run
#   conversations_fresh17  the same, an eighteenth: 82 of 127 on first run
#   conversations_fresh18  the same, a nineteenth: 76 of 110 on first run
#   conversations_fresh19  the same, a twentieth: 80 of 120 on first run
#   conversations_fresh20  the same, a twenty-first: 95 of 126 on first run
#   conversations_fresh21  the same, a twenty-second (regional and learners' Chinese): 71 of 128 on first run
#   conversations_fresh22  the same, a twenty-third: 78 of 114 on first run
#   conversations_fresh23  the same, a twenty-fourth: 89 of 121 on first run
#   conversations_fresh24  the same, a twenty-fifth: 75 of 115 on first run
#   conversations_fresh25  the same, a twenty-sixth: 93 of 120 on first run
#   conversations_fresh26  the same, a twenty-seventh (older users, voice input): 128 of 153 on first run
#   conversations_fresh27  the same, a twenty-eighth (students, slang): 141 of 150 on first run
#   conversations_fresh28  the same, a twenty-ninth (impatient, scams): 135 of 163 on first run
#   conversations_fresh29  the same, a thirtieth (people at work, facts for answers): 97 of 150 on first run
#   conversations_fresh30  the same, a thirty-first (everyday adults), after fixes from 26-29: 121 of 150 on first run
#   conversations_fresh31  the same, a thirty-second (numbers, self-corrections), after fixes from 26-29: 120 of 157
#   conversations_fresh32  the same, a thirty-third (an ordinary weekday's mix), after fixes from 26-31: 128 of 139
#   conversations_fresh33  the same, a thirty-fourth (off the script), after fixes from 26-31: 126 of 153
#   conversations_fresh34  the same, a thirty-fifth (long messages, shortest answers), after 26-33: 110 of 155
#   conversations_fresh35  the same, a thirty-sixth (the seed guides' situations), after 26-33: 122 of 147
#   conversations_fresh36  the same, a thirty-seventh (as unexpected as realistic), after 26-35: 116 of 148
#   conversations_fresh37  the same, a thirty-eighth (what they did and saw), after 26-35: 128 of 157
#   conversations_fresh38  the same, a thirty-ninth (one evening's chats), after 26-37: 129 of 143
#   conversations_fresh39  the same, a fortieth (people under stress, in bursts), after 26-37: 114 of 141
#   conversations_fresh40  the same, a forty-first (ten real people in turn), after 26-39: 123 of 148
#   conversations_fresh41  the same, a forty-second (natural, not textbook answers), after 26-39: 123 of 152
# Fixes have since been made from the misses of each, so their figures are
# no longer independent.
SETS = {"conversations": 0.97, "conversations_fresh": 0.93, "conversations_fresh2": 0.90,
        "conversations_fresh3": 0.97, "conversations_fresh4": 0.97, "conversations_fresh5": 0.94,
        "conversations_fresh6": 0.97, "conversations_fresh7": 0.78, "conversations_fresh8": 0.91,
        "conversations_fresh9": 0.93, "conversations_fresh10": 0.92, "conversations_fresh11": 0.79,
        "conversations_fresh12": 0.80, "conversations_fresh13": 0.90, "conversations_fresh14": 0.94,
        "conversations_fresh15": 0.92, "conversations_fresh16": 0.81, "conversations_fresh17": 0.84,
        "conversations_fresh18": 0.92, "conversations_fresh19": 0.81,
        "conversations_fresh20": 0.92, "conversations_fresh21": 0.87, "conversations_fresh22": 0.88,
        "conversations_fresh23": 0.90, "conversations_fresh24": 0.85, "conversations_fresh25": 0.92,
        "conversations_fresh26": 0.91, "conversations_fresh27": 0.98, "conversations_fresh28": 0.96,
        "conversations_fresh29": 0.97, "conversations_fresh30": 0.97, "conversations_fresh31": 0.96,
        "conversations_fresh32": 0.98, "conversations_fresh33": 0.94,
        "conversations_fresh34": 0.88, "conversations_fresh35": 0.92, "conversations_fresh36": 0.94,
        "conversations_fresh37": 0.97, "conversations_fresh38": 0.94, "conversations_fresh39": 0.87,
        "conversations_fresh40": 0.95, "conversations_fresh41": 0.93}
# WALLET_CONVERSATIONS_DIR replays one other directory with the same checks.
ONLY = os.environ.get("WALLET_CONVERSATIONS_DIR")
DIRS = [Path(ONLY)] if ONLY else [ROOT / "tests" / name for name in SETS]


def conversations_in(directory: Path) -> list:
    return [(path.stem, index, conversation) for path in sorted(directory.glob("*.yml"))
            for index, conversation in enumerate(yaml.safe_load(path.read_text(encoding="utf-8")))]


def settled_tracker(servers, conversation_id: str, slots, sent: int, seconds: float = 120) -> dict:
    """The stored conversation once the turn's user message is in it. Rasa
    saves a turn's events together when the turn ends; a WeChat turn that
    was acknowledged before its answer (the slow path) may still be running."""
    deadline = time.time() + seconds
    while True:
        tracker = stored_tracker(str(servers.tracker_db), conversation_id, slots)
        stored = sum(event.get("event") == "user" for event in tracker["events"])
        if stored >= sent or time.time() > deadline:
            return tracker
        time.sleep(0.2)


def replay(servers, slots, source: str, index: int, conversation: dict) -> list:
    """(turn, problems) for every turn of one conversation."""
    channel = conversation.get("channel", "rest")
    sender = f"typed-{source}-{index}"   # the file name keeps the sets apart
    outcome = []
    for sent, turn in enumerate(conversation["turns"], start=1):
        if channel == "wechat":
            # The turn is checked from what is stored (settled_tracker below),
            # so a quiet bot (a person has the conversation) is checked too.
            wechat_say(servers, sender, str(turn["user"]), wait=False)
            conversation_id = "wx-" + sender
        else:
            servers.say(sender, str(turn["user"]))
            conversation_id = sender
        tracker = settled_tracker(servers, conversation_id, slots, sent)
        outcome.append((turn, check(turn["expect"], tracker, str(servers.desk_db), conversation_id)))
    return outcome


@pytest.mark.parametrize("directory", DIRS, ids=[d.name for d in DIRS])
def test_typed_conversations_are_understood(servers, directory):
    from rasa.shared.core.domain import Domain

    slots = Domain.load(str(ROOT / "domain")).slots
    conversations = conversations_in(directory)
    results, failures = {}, []
    # Four users at a time, as on a real service (each conversation has its
    # own sender): the replay then overlaps network, action-server and Rasa
    # time instead of waiting on each in turn.
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda item: replay(servers, slots, *item), conversations))
    for (_, _, conversation), outcome in zip(conversations, outcomes):
        results[conversation["name"]] = [not problems for _, problems in outcome]
        failures += [f"{conversation['name']} / {turn['user']!r}: {'; '.join(problems)}"
                     for turn, problems in outcome if problems]
    turns = [ok for oks in results.values() for ok in oks]
    summary = {"conversations": len(results), "conversations_all_right": sum(all(v) for v in results.values()),
               "turns": len(turns), "turns_right": sum(turns), "share_right": round(sum(turns) / len(turns), 3)}
    name = "typed_conversations" + ("" if directory.name == "conversations" else f"_{directory.name}")
    out = ROOT / "results" / f"{name}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "failures": failures, "per_conversation": results},
                              ensure_ascii=False, indent=2), encoding="utf-8")
    FIGURES.append(f"typed conversations, {directory.name}: {summary['turns_right']} of {summary['turns']} turns right "
                   f"({summary['share_right']:.3f}), {summary['conversations_all_right']} of "
                   f"{summary['conversations']} conversations right throughout")
    assert summary["share_right"] >= SETS.get(directory.name, 0.0), "\n".join(failures)
