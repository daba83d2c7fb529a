"""Intent accuracy and macro-F1 of a trained model on the held-out file.

Usage: python scripts/nlu_report.py [MODEL] [--out results/nlu.json]
Prints a table and writes the figures as JSON. Out-of-scope examples count as
correct when they end in the fallback (nlu_fallback or out_of_scope).
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import json
import logging
import os
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the model refers to components.* by module path
FALLBACK = {"nlu_fallback", "out_of_scope"}


def read_examples(path: Path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for block in data.get("nlu", []):
        for line in block["examples"].splitlines():
            line = line.strip()
            if line.startswith("- "):
                yield line[2:].strip(), block["intent"]


def scores(pairs):
    """pairs: (expected, predicted) with out-of-scope folded into 'fallback'."""
    labels = sorted({e for e, _ in pairs})
    per_label = {}
    for label in labels:
        tp = sum(1 for e, p in pairs if e == label and p == label)
        fp = sum(1 for e, p in pairs if e != label and p == label)
        fn = sum(1 for e, p in pairs if e == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_label[label] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                            "support": tp + fn}
    accuracy = sum(1 for e, p in pairs if e == p) / len(pairs)
    macro_f1 = sum(v["f1"] for v in per_label.values()) / len(per_label)
    return accuracy, macro_f1, per_label


def fold(intent: str) -> str:
    return "fallback" if intent in FALLBACK else intent


HELD_OUT = [ROOT / "tests" / name for name in ("nlu_test.yml", "nlu_independent.yml", "nlu_fresh.yml", "nlu_fresh2.yml",
                                                         "nlu_fresh3.yml", "nlu_fresh4.yml", "nlu_fresh5.yml")]


async def predict(agent, texts):
    results = []
    for text in texts:
        parsed = await agent.parse_message(text)
        # The classifier's own best guess, before the fallback threshold.
        raw = next((r for r in parsed.get("intent_ranking") or [] if r["name"] != "nlu_fallback"),
                   {"name": None, "confidence": 0.0})
        results.append((parsed["intent"]["name"], parsed["intent"].get("confidence", 0.0),
                        raw["name"], raw["confidence"]))
    return results


def threshold_sweep(examples, predictions, thresholds=(0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5)):
    """What the FallbackClassifier threshold trades: accuracy against how much
    out-of-scope text reaches the fallback."""
    rows = []
    for threshold in thresholds:
        pairs = [(fold(e), "fallback" if c < threshold else fold(n))
                 for (_, e), (_, _, n, c) in zip(examples, predictions)]
        oos = [p for e, p in pairs if e == "fallback"]
        rows.append({"threshold": threshold,
                     "accuracy": round(sum(e == p for e, p in pairs) / len(pairs), 4),
                     "out_of_scope_to_fallback": round(oos.count("fallback") / len(oos), 4) if oos else None,
                     "in_scope_to_fallback": sum(1 for e, p in pairs if e != "fallback" and p == "fallback")})
    return rows


def report_for(name: str, examples, predictions) -> dict:
    pairs = [(fold(expected), fold(predicted)) for (_, expected), (predicted, *_) in zip(examples, predictions)]
    accuracy, macro_f1, per_label = scores(pairs)
    oos = [p for (e, p) in pairs if e == "fallback"]
    in_scope = [(e, p) for e, p in pairs if e != "fallback"]
    errors = [{"text": t, "expected": e, "predicted": p, "confidence": round(c, 3)}
              for (t, e), (p, c, *_) in zip(examples, predictions) if fold(e) != fold(p)]
    return {
        "file": name,
        "examples": len(pairs),
        "accuracy": round(accuracy, 4),
        # How outside checks report it: in-scope utterances given their own intent.
        "in_scope_accuracy": round(sum(e == p for e, p in in_scope) / len(in_scope), 4),
        "macro_f1": round(macro_f1, 4),
        "out_of_scope_to_fallback": round(sum(1 for p in oos if p == "fallback") / len(oos), 4) if oos else None,
        "in_scope_sent_to_fallback": sum(1 for e, p in in_scope if p == "fallback"),
        "per_intent": per_label,
        "errors": errors,
        "threshold_sweep": threshold_sweep(examples, predictions),
    }


def held_out_reports(agent, files=HELD_OUT) -> list:
    """One report per held-out file, from one pass of the agent's NLU."""
    per_file = {Path(name): list(read_examples(Path(name))) for name in files}
    everything = [t for examples in per_file.values() for t, _ in examples]
    predicted = iter(asyncio.run(predict(agent, everything)))
    reports = []
    for name, examples in per_file.items():
        predictions = [next(predicted) for _ in examples]
        reports.append(report_for(os.path.relpath(name, ROOT), examples, predictions))
    return reports


def write_reports(reports: list, model: str, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"model": os.path.basename(model), "files": reports}, ensure_ascii=False, indent=2),
                   encoding="utf-8")


def summary(reports: list, model: str, out: Path, misses: int = 25) -> list:
    lines = []
    for report in reports:
        lines.append(f"NLU {report['file']} ({report['examples']} utterances, {os.path.basename(model)}): "
                     f"in-scope accuracy {report['in_scope_accuracy']:.3f}, accuracy {report['accuracy']:.3f}, "
                     f"macro-F1 {report['macro_f1']:.3f}, out-of-scope → fallback "
                     f"{report['out_of_scope_to_fallback']:.3f}, in-scope → fallback "
                     f"{report['in_scope_sent_to_fallback']}")
        lines.append("  fallback threshold sweep: " + "; ".join(
            f"{r['threshold']}: acc {r['accuracy']:.3f} oos {r['out_of_scope_to_fallback']:.2f}"
            for r in report["threshold_sweep"]))
        for error in report["errors"][:misses]:
            lines.append(f"  miss: {error['text']!r} expected {error['expected']} got {error['predicted']} "
                         f"({error['confidence']})")
        if len(report["errors"]) > misses:
            lines.append(f"  … {len(report['errors']) - misses} more misses in {out}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("model", nargs="?")
    parser.add_argument("--test-file", action="append",
                        help="held-out files (default: the four in tests/)")
    parser.add_argument("--out", default=str(ROOT / "results" / "nlu_heldout.json"))
    parser.add_argument("--misses", type=int, default=25, help="misses printed per file")
    args = parser.parse_args()
    model = args.model or max(glob.glob(str(ROOT / "models" / "wallet-*.tar.gz")), key=os.path.getmtime)
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    logging.disable(logging.WARNING)
    configure_structlog(logging.WARNING)
    reports = held_out_reports(Agent.load(model), args.test_file or HELD_OUT)
    write_reports(reports, model, Path(args.out))
    print("\n".join(summary(reports, model, Path(args.out), args.misses)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
