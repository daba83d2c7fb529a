"""docs/benchmarks.md and its figures, from results/eval.json (make eval) and
results/bench.json (make bench). Either part may be missing; the report says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
RESULTS = ROOT / "results"


def _load(name: str) -> Optional[Dict[str, Any]]:
    path = RESULTS / name
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def confusion_png(pairs: List[Tuple[str, str]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = sorted({e for e, _ in pairs} | {p for _, p in pairs})
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for expected, predicted in pairs:
        matrix[index[expected]][index[predicted]] += 1
    fig, ax = plt.subplots(figsize=(12, 11))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            if count:
                ax.text(j, i, count, ha="center", va="center", fontsize=7,
                        color="white" if count > max(map(max, matrix)) / 2 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected (held-out tests/nlu_test.yml)")
    ax.set_title("Intent confusion, this project's pipeline")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def latency_png(bench: Dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    for model, runs in bench["models"].items():
        for channel, data in runs["realistic"].items():
            rates = [r["rate"] for r in data]
            ax.plot(rates, [r["p99_ms"] for r in data], marker="o", label=f"{model} · {channel} · p99")
            ax.plot(rates, [r["p50_ms"] for r in data], marker=".", linestyle="--", label=f"{model} · {channel} · p50")
    ax.set_xlabel("offered load (messages/s, 1-3 s think time)")
    ax.set_ylabel("latency (ms)")
    ax.set_yscale("log")
    ax.grid(True, which="both", alpha=.3)
    ax.legend(fontsize=7)
    ax.set_title("Latency vs load, one Rasa server, 2 cores shared with the load generator")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _nlu_section(evaluation: Optional[Dict[str, Any]]) -> List[str]:
    if not evaluation:
        return ["## NLU quality", "", "_Not measured yet: run `make eval`._", ""]
    lines = ["## NLU quality (`make eval`)", "",
             "Held-out: `tests/nlu_test.yml`, utterances never trained on. Out-of-scope texts count as correct "
             "when they end in the fallback. Cross-validation: stratified 5-fold on `data/nlu`.", "",
             "| pipeline | held-out accuracy | macro-F1 | in-scope → fallback | out-of-scope → fallback "
             "| 5-fold accuracy | 5-fold macro-F1 | train (s) |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, r in evaluation.items():
        h, cv = r["held_out"], r["cross_validation"]
        lines.append(f"| {name} | {h['accuracy']:.3f} | {h['macro_f1']:.3f} | {h['fallback_rate']:.3f} "
                     f"| {h['out_of_scope_to_fallback']} | {cv['accuracy_mean']:.3f} ± {cv['accuracy_std']:.3f} "
                     f"| {cv['macro_f1_mean']:.3f} ± {cv['macro_f1_std']:.3f} | {r['train_seconds']} |")
    names = list(evaluation)
    intents = sorted(evaluation[names[0]]["held_out"]["per_intent_f1"])
    if all("independent" in r for r in evaluation.values()):
        lines += ["", "Independent: `tests/nlu_independent.yml`, written by someone who had not read the training "
                  "data (the figure outside checks measure).", "",
                  "| pipeline | in-scope accuracy | macro-F1 | in-scope → fallback | out-of-scope → fallback |",
                  "| --- | --- | --- | --- | --- |"]
        for name, r in evaluation.items():
            i = r["independent"]
            lines.append(f"| {name} | {i['in_scope_accuracy']:.3f} | {i['macro_f1']:.3f} | {i['fallback_rate']:.3f} "
                         f"| {i['out_of_scope_to_fallback']} |")
    lines += ["", "Per-intent F1 on the held-out file:", "",
              "| intent | " + " | ".join(names) + " |", "| --- |" + " --- |" * len(names)]
    for intent in intents:
        lines.append(f"| {intent} | " + " | ".join(
            f"{evaluation[n]['held_out']['per_intent_f1'].get(intent, 0):.2f}" for n in names) + " |")
    lines += ["", "![confusion matrix](confusion_matrix.png)", ""]
    return lines


def _load_table(by_channel: Dict[str, List[Dict[str, Any]]], lead: List[Tuple[str, str]]) -> List[str]:
    """One row per run: channel, the `lead` columns, then latency and errors."""
    columns = lead + [("p50 ms", "p50_ms"), ("p95 ms", "p95_ms"), ("p99 ms", "p99_ms"), ("errors", "errors")]
    lines = ["| channel | " + " | ".join(title for title, _ in columns) + " |",
             "| --- |" + " --- |" * len(columns)]
    for channel, runs in by_channel.items():
        for run in runs:
            lines.append(f"| {channel} | " + " | ".join(str(run.get(key, "")) for _, key in columns) + " |")
    return lines


def _load_section(bench: Optional[Dict[str, Any]]) -> List[str]:
    if not bench:
        return ["## Load", "", "_Not measured yet: run `make bench`._", ""]
    lines = ["## Load (`make bench`)", "", bench.get("setup", ""), ""]
    for model, runs in bench["models"].items():
        lines += [f"### {model}", "", "Saturation: closed-loop users sending without pause.", ""]
        lines += _load_table(runs["saturation"], [("users", "users"), ("messages/s", "msgs_per_s")])
        lines += ["", "Realistic: conversations arriving at a fixed rate, 1-3 s think time per turn (open loop).", "",
                  "Arrivals are set for the target rate; users think only after a reply, so once the server "
                  "falls behind, fewer messages are actually sent (the 'sent' column).", ""]
        lines += _load_table(runs["realistic"], [("target msg/s", "rate"), ("sent msg/s", "offered_msgs_per_s"),
                                                 ("answered msg/s", "msgs_per_s")])
        memory = runs.get("memory", {})
        lines += ["", f"Peak RSS: Rasa server {memory.get('rasa_peak_rss_mb')} MB, "
                      f"action server {memory.get('actions_peak_rss_mb')} MB.", ""]
        if runs.get("long_conversation"):
            lines += ["Long conversation (one sender):", "", "| case | " +
                      " | ".join(k.replace("_ms", "") for k in runs["long_conversation"][0]["latency"]) + " |",
                      "| --- |" + " --- |" * len(runs["long_conversation"][0]["latency"])]
            columns = list(runs["long_conversation"][0]["latency"])
            for case in runs["long_conversation"]:
                lines.append(f"| {case['case']} | " + " | ".join(
                    f"{case['latency'][c]} ms" if c in case["latency"] else "not run" for c in columns) + " |")
            lines.append("")
    if bench.get("ratios"):
        lines += ["### This project vs the stock pipeline", "", "| measure | ratio |", "| --- | --- |"]
        lines += [f"| {k} | {v} |" for k, v in bench["ratios"].items()]
        lines.append("")
    if bench.get("training"):
        t = bench["training"]
        lines += ["### Training", "", "| measure | value |", "| --- | --- |"]
        lines += [f"| {k} | {v} |" for k, v in t.items()]
        lines.append("")
    lines += ["![latency vs load](latency_vs_load.png)", ""]
    return lines


def _targets_section(evaluation: Optional[Dict[str, Any]], bench: Optional[Dict[str, Any]]) -> List[str]:
    """The issue's targets next to what was measured."""
    rows = []
    if bench and "this project" in bench["models"]:
        ours = bench["models"]["this project"]
        saturation = ours["saturation"]["rest"]
        best = max(r["msgs_per_s"] for r in saturation)
        one_user = next(r for r in saturation if r["users"] == 1)
        at_100 = next((r for r in ours["realistic"]["rest"] if r["rate"] == 100), None)
        long = ours.get("long_conversation", [{}])[0].get("latency", {})
        rows += [
            ("≥ 150 messages/s saturation, one Rasa server", f"{best} messages/s", best >= 150),
            ("100 messages/s offered with think time: p99 ≤ 50 ms, 0 errors",
             f"p99 {at_100['p99_ms']} ms, {at_100['errors']} errors" if at_100 else "not run",
             bool(at_100) and at_100["p99_ms"] <= 50 and at_100["errors"] == 0),
            ("one user p50 ≤ 10 ms", f"{one_user['p50_ms']} ms", one_user["p50_ms"] <= 10),
        ]
        if long.get("message_1000_ms"):
            factor = long["message_1000_ms"] / long["message_5_ms"]
            rows.append(("message 1000 ≤ 1.5 × message 5", f"{factor:.2f} ×", factor <= 1.5))
        rss = ours["memory"]["rasa_peak_rss_mb"]
        rows.append(("Rasa server RSS ≤ 1 GB", f"{rss} MB", rss <= 1024))
        no_change = bench.get("training", {}).get("no-change `make train`", "")
        if no_change:
            rows.append(("no-change `make train` ≤ 10 s", no_change, float(no_change.split()[0]) <= 10))
    if evaluation:
        ours_eval = next(iter(evaluation.values()))["held_out"]
        done, total = map(int, ours_eval["out_of_scope_to_fallback"].split("/"))
        rows += [("held-out intent accuracy ≥ 0.95", f"{ours_eval['accuracy']:.3f}", ours_eval["accuracy"] >= 0.95),
                 ("out-of-scope → fallback ≥ 0.90", f"{done}/{total} = {done / total:.2f}", done / total >= 0.90)]
    if not rows:
        return []
    lines = ["## Targets", "", "| target | measured | met |", "| --- | --- | --- |"]
    lines += [f"| {target} | {measured} | {'yes' if met else '**no**'} |" for target, measured, met in rows]
    return lines + [""]


def write_report() -> Path:
    evaluation, bench = _load("eval.json"), _load("bench.json")
    if evaluation:
        evaluation = {k: {**v, **{part: {kk: vv for kk, vv in v[part].items() if kk != "pairs"}
                                         for part in ("held_out", "independent") if part in v}}
                      for k, v in evaluation.items()}
    lines = ["# Benchmarks", "",
             "Measured on the project's own machine kind: 2 cores, 24 GB, no GPU; load generator on the same "
             "machine, loopback only. Regenerate with `make eval` and `make bench`; raw figures are in "
             "`docs/eval.json` and `docs/bench.json`.", ""]
    lines += _targets_section(evaluation, bench) + _nlu_section(evaluation) + _load_section(bench)
    notes = DOCS / "benchmarks-notes.md"
    if notes.is_file():
        lines += [notes.read_text(encoding="utf-8")]
    DOCS.mkdir(exist_ok=True)
    # The raw figures travel with the report (results/ is scratch space).
    for name, data in (("eval.json", evaluation), ("bench.json", bench)):
        if data:
            (DOCS / name).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    if bench:
        latency_png(bench, DOCS / "latency_vs_load.png")
    path = DOCS / "benchmarks.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
