"""Copies the briefs for helpers who write independent test text to
/tmp/brief/, with the checklists stripped of their word lists (yes_words,
no_words, about, English blocks): the authors see the questions, fixes and
hand-off details a user meets, never how answers are read. The authors must
not read this repository; they read /tmp/brief/ and ../shared/seeds/ only.

    .venv/bin/python tests/authoring/prepare_brief.py
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
OUT = Path("/tmp/brief")
KEEP = ("title", "intro", "urgent", "details", "exhausted", "handoff_note")
KEEP_STEP = ("id", "name", "ask", "yes_label", "no_label", "fix", "on_no", "on_yes", "yes_means", "how_to_check")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    stripped = {}
    for path in sorted((ROOT / "knowledge" / "checklists").glob("*.yml")):
        checklist = yaml.safe_load(path.read_text(encoding="utf-8"))
        entry = {key: value for key, value in checklist.items() if key in KEEP}
        entry["steps"] = [{k: v for k, v in step.items() if k in KEEP_STEP} for step in checklist["steps"]]
        stripped[path.stem] = entry
    (OUT / "checklists.yml").write_text(yaml.safe_dump(stripped, allow_unicode=True, sort_keys=False, width=200),
                                        encoding="utf-8")
    for name in ("conversation_brief.md", "nlu_brief.md"):
        shutil.copy(Path(__file__).parent / name, OUT / name.replace("conversation_brief", "brief"))
    shutil.copy(ROOT.parent / "shared" / "contract" / "intents.md", OUT / "intents.md")
    print(f"wrote {OUT}/: brief.md, nlu_brief.md, checklists.yml, intents.md")


if __name__ == "__main__":
    main()
