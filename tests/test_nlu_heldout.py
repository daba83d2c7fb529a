"""Intent figures on both held-out files: ours, and the one written by
people who never saw the training data. The figures are printed at the end
of the run and written to results/nlu_heldout.json; the floors below are
where the model stood when they were set, so a change that makes the
assistant understand less fails here."""

import os

from scripts.nlu_report import held_out_reports, summary, write_reports
from tests.conftest import FIGURES, ROOT, latest_model

OUT = ROOT / "results" / "nlu_heldout.json"
FLOORS = {
    "tests/nlu_test.yml": {"in_scope_accuracy": 0.98, "accuracy": 0.97, "out_of_scope_to_fallback": 0.90},
    "tests/nlu_independent.yml": {"in_scope_accuracy": 0.96, "accuracy": 0.95, "out_of_scope_to_fallback": 0.90},
    # Written after the others, mostly hard out-of-scope cases (other apps'
    # accounts and passwords): 0.949 / 0.882 / 0.657 when added, 0.949 / 0.928 / 0.857
    # with components/other_service_guard.py (written after seeing those misses).
    "tests/nlu_fresh.yml": {"in_scope_accuracy": 0.95, "accuracy": 0.93, "out_of_scope_to_fallback": 0.88},
    # 231 utterances in many voices (Traditional, typos, pinyin initials, emoji):
    # 0.935 / 0.930 / 0.900 on the model it was written against (all 300 lines).
    "tests/nlu_fresh2.yml": {"in_scope_accuracy": 0.97, "accuracy": 0.96, "out_of_scope_to_fallback": 0.88},
    # 257 story-like utterances: 0.959 / 0.938 / 0.806 on the model it was
    # written against (before data/nlu/stories.yml, which did not see it).
    "tests/nlu_fresh3.yml": {"in_scope_accuracy": 0.96, "accuracy": 0.95, "out_of_scope_to_fallback": 0.90},
    # 227 utterances (of 300 written; the rest equal a line seen before): 0.971 /
    # 0.965 / 0.905 on the model it was written against.
    "tests/nlu_fresh4.yml": {"in_scope_accuracy": 0.96, "accuracy": 0.955, "out_of_scope_to_fallback": 0.88},
    # A sixth, 383 lines in many voices; first run 0.957 in scope, 0.935 out of scope.
    "tests/nlu_fresh5.yml": {"in_scope_accuracy": 0.97, "accuracy": 0.97, "out_of_scope_to_fallback": 0.95},
}
MAX_IN_SCOPE_TO_FALLBACK = 4   # per file: a user with a real problem told "I did not understand"


def test_intents_on_the_held_out_files(agent):
    reports = held_out_reports(agent)
    write_reports(reports, latest_model(), OUT)
    FIGURES.extend(summary(reports, latest_model(), OUT, misses=15))
    below = []
    for report in reports:
        for figure, floor in FLOORS[report["file"].replace(os.sep, "/")].items():
            if report[figure] < floor:
                below.append(f"{report['file']}: {figure} {report[figure]:.3f} < {floor}")
        if report["in_scope_sent_to_fallback"] > MAX_IN_SCOPE_TO_FALLBACK:
            below.append(f"{report['file']}: {report['in_scope_sent_to_fallback']} in-scope messages fell back")
    assert not below, "\n".join(below + summary(reports, latest_model(), OUT))
