"""The operator's YAML is re-read when it changes, without a restart."""

import os

from actions import knowledge


def test_an_edited_reply_is_used_within_a_second_and_a_new_checklist_appears(tmp_path, monkeypatch):
    monkeypatch.setattr(knowledge, "KNOWLEDGE_DIR", tmp_path)
    (tmp_path / "checklists").mkdir()
    (tmp_path / "brand.yml").write_text("brand: 安心钱包\n", encoding="utf-8")
    replies = tmp_path / "replies.yml"
    replies.write_text("greet: 您好\n", encoding="utf-8")
    clock = [1000.0]
    monkeypatch.setattr(knowledge.time, "monotonic", lambda: clock[0])
    assert knowledge.reply("greet") == "您好"
    assert knowledge.checklist("refund_request") is None
    assert knowledge.checklist_names() == {}

    replies.write_text("greet: 您好，我是小安\n", encoding="utf-8")
    os.utime(replies, (2_000_000_000, 2_000_000_000))
    (tmp_path / "checklists" / "refund_request.yml").write_text("title: 退款\nsteps: []\n", encoding="utf-8")
    assert knowledge.reply("greet") == "您好"                 # within the second: not looked at again
    clock[0] += knowledge.CHECK_SECONDS
    assert knowledge.reply("greet") == "您好，我是小安"
    assert knowledge.checklist("refund_request")["title"] == "退款"
    assert knowledge.checklist_names() == {"refund_request": "退款"}     # a new file is listed


def test_every_word_in_the_operators_lists_is_text():
    """YAML reads an unquoted yes / no / on / off as true or false and 886 as
    a number: such a word would never match what the user typed (typing
    "yes" at a step once read as nothing). Words must be quoted."""
    import glob

    import yaml

    def not_text(node, where):
        if isinstance(node, dict):
            return [bad for key, value in node.items() for bad in not_text(value, f"{where}/{key}")]
        if isinstance(node, list):
            return [f"{where}: {item!r}" for item in node if not isinstance(item, (str, dict, list))] + \
                [bad for item in node for bad in not_text(item, where)]
        return []

    files = glob.glob(os.path.join(os.path.dirname(knowledge.__file__), "..", "knowledge", "**", "*.yml"),
                      recursive=True)
    assert files
    bad = [b for path in files for b in not_text(yaml.safe_load(open(path, encoding="utf-8")), os.path.basename(path))]
    assert not bad, bad
