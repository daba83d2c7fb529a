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


async def predict(model: str, texts):
    from rasa.core.agent import Agent

    agent = Agent.load(model)
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("model", nargs="?")
    parser.add_argument("--test-file", default=str(ROOT / "tests" / "nlu_test.yml"))
    parser.add_argument("--out", default=str(ROOT / "results" / "nlu_heldout.json"))
    args = parser.parse_args()
    model = args.model or max(glob.glob(str(ROOT / "models" / "wallet-*.tar.gz")), key=os.path.getmtime)
    from rasa.utils.log_utils import configure_structlog

    logging.disable(logging.WARNING)
    configure_structlog(logging.WARNING)

    examples = list(read_examples(Path(args.test_file)))
    predictions = asyncio.run(predict(model, [t for t, _ in examples]))
    pairs = [(fold(expected), fold(predicted)) for (_, expected), (predicted, *_) in zip(examples, predictions)]
    accuracy, macro_f1, per_label = scores(pairs)
    oos = [p for (e, p) in pairs if e == "fallback"]
    in_scope_to_fallback = sum(1 for e, p in pairs if e != "fallback" and p == "fallback")
    errors = [{"text": t, "expected": e, "predicted": p, "confidence": round(c, 3)}
              for (t, e), (p, c, *_) in zip(examples, predictions) if fold(e) != fold(p)]
    report = {
        "model": os.path.basename(model),
        "examples": len(pairs),
        "accuracy": round(accuracy, 4),
        "macro_f1": round(macro_f1, 4),
        "out_of_scope_to_fallback": round(sum(1 for p in oos if p == "fallback") / len(oos), 4) if oos else None,
        "in_scope_sent_to_fallback": in_scope_to_fallback,
        "per_intent": per_label,
        "errors": errors,
        "threshold_sweep": threshold_sweep(examples, predictions),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"NLU held-out ({report['examples']} utterances, {report['model']}): "
          f"accuracy {report['accuracy']:.3f}, macro-F1 {report['macro_f1']:.3f}, "
          f"out-of-scope → fallback {report['out_of_scope_to_fallback']:.3f}, "
          f"in-scope → fallback {in_scope_to_fallback}")
    print("  fallback threshold sweep: " + "; ".join(
        f"{r['threshold']}: acc {r['accuracy']:.3f} oos {r['out_of_scope_to_fallback']:.2f}"
        for r in report["threshold_sweep"]))
    for error in errors:
        print(f"  miss: {error['text']!r} expected {error['expected']} got {error['predicted']} ({error['confidence']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
