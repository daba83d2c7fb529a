"""`make bench`: load, memory, long conversations and training time, for this
project's model and for the same assistant trained with Rasa's stock
pipeline. Servers start as `make run` starts them (SQLite tracker store,
action server); the load comes from bench/load.py over loopback.
Writes results/bench.json and docs/benchmarks.md (bench/report.py)."""

from __future__ import annotations

import argparse
import asyncio
import glob
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load, servers  # noqa: E402
from bench.report import write_report  # noqa: E402

USERS = [1, 8, 32, 64]
RATES = [25, 50, 100, 150]


def fingerprint(config: Path) -> str:
    paths = [config] + sorted(p for d in ("domain", "data", "components") for p in (ROOT / d).rglob("*")
                              if p.is_file() and p.suffix in (".yml", ".py"))
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def rasa_train(config: Path, out: Path, name: str, cache: Path) -> float:
    started = time.perf_counter()
    subprocess.run([str(servers.BIN / "rasa"), "train", "--config", str(config), "--domain", "domain",
                    "--out", str(out), "--fixed-model-name", name], cwd=ROOT, check=True,
                   env=dict(os.environ, RASA_CACHE_DIRECTORY=str(cache), PYTHONWARNINGS="ignore"),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def stock_model() -> str:
    """The stock-pipeline model, trained once per data version."""
    config = ROOT / "bench" / "stock_config.yml"
    name = f"stock-{fingerprint(config)}"
    path = ROOT / "models" / f"{name}.tar.gz"
    if not path.is_file():
        print("training the stock-pipeline model (DIET + TED) ...", flush=True)
        seconds = rasa_train(config, ROOT / "models", name, ROOT / ".rasa" / "stock-cache")
        print(f"  trained in {seconds:.0f} s", flush=True)
    return str(path)


def training_figures(model: str) -> Dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        cold = rasa_train(ROOT / "config.yml", Path(tmp), "cold", Path(tmp) / "cache")
    started = time.perf_counter()
    subprocess.run(["make", "-s", "train"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    no_change = time.perf_counter() - started
    return {"cold `rasa train` (empty cache)": f"{cold:.1f} s",
            "no-change `make train`": f"{no_change:.2f} s",
            "model size": f"{os.path.getsize(model) / 1e6:.1f} MB"}


def measure(model: str, label: str, seconds: float, open_seconds: float, channels, long_runs: bool) -> Dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        # The long-conversation runs send a thousand messages from one sender
        # as fast as they are answered: under the per-sender flood limit most
        # would get the cheap "slow down" reply and measure nothing.
        running = servers.start(model, Path(tmp), extra_env={"WALLET_SENDER_PER_MINUTE": "1000000"})
        try:
            clients = {"rest": load.RestClient(running.rasa_url),
                       "wechat": load.WeChatClient(running.rasa_url, servers.WECHAT_TOKEN)}
            asyncio.run(load.closed_loop(clients["rest"], 4, 5, tag="warm"))
            result: Dict[str, Any] = {"saturation": {}, "realistic": {}}
            for channel in channels:
                client = clients[channel]
                result["saturation"][channel] = []
                for users in USERS:
                    row = asyncio.run(load.closed_loop(client, users, seconds, tag=f"{label}-{channel}-s{users}"))
                    print(f"  {label} {channel} saturation {users:>2} users: {row}", flush=True)
                    result["saturation"][channel].append(row)
                result["realistic"][channel] = []
                for rate in RATES:
                    row = asyncio.run(load.open_loop(client, rate, open_seconds, tag=f"{label}-{channel}-o{rate}"))
                    print(f"  {label} {channel} realistic {rate:>3} msg/s: {row}", flush=True)
                    result["realistic"][channel].append(row)
            if long_runs:
                result["long_conversation"] = [
                    {"case": "a new session per visit (what session expiry gives)",
                     "latency": asyncio.run(load.long_conversation(
                         clients["rest"], api=(running.rasa_url, servers.SECRETS["RASA_AUTH_TOKEN"])))},
                    {"case": "one session that never expires (worst case)",
                     "latency": asyncio.run(load.long_conversation(clients["rest"], checkpoints=(5, 50, 200),
                                                                   new_session_per_visit=False))},
                ]
                print(f"  {label} long conversation: {result['long_conversation']}", flush=True)
            result["memory"] = running.memory()
            print(f"  {label} memory: {result['memory']}", flush=True)
            return result
        finally:
            running.stop()


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15, help="per saturation level")
    parser.add_argument("--open-seconds", type=float, default=30, help="per offered rate")
    parser.add_argument("--skip-stock", action="store_true")
    args = parser.parse_args()

    ours = max(glob.glob(str(ROOT / "models" / "wallet-*.tar.gz")), key=os.path.getmtime)
    bench: Dict[str, Any] = {
        "setup": (f"One Rasa server and one action server as `make run` starts them (SQLite tracker store); "
                  f"saturation {args.seconds:.0f} s per level, realistic {args.open_seconds:.0f} s per rate; "
                  f"conversations from bench/conversations.py (6-9 turns each, then a new conversation)."),
        "models": {},
    }
    print("== training figures", flush=True)
    bench["training"] = training_figures(ours)
    print(f"  {bench['training']}", flush=True)
    print("== this project's model", flush=True)
    bench["models"]["this project"] = measure(ours, "ours", args.seconds, args.open_seconds, ["rest", "wechat"], True)
    if not args.skip_stock:
        stock = stock_model()
        print("== stock-pipeline model", flush=True)
        bench["models"]["Rasa stock pipeline"] = measure(stock, "stock", args.seconds, args.open_seconds, ["rest"],
                                                         False)
        a, b = bench["models"]["this project"], bench["models"]["Rasa stock pipeline"]
        sat = lambda run, users: next(r for r in run["saturation"]["rest"] if r["users"] == users)  # noqa: E731
        bench["ratios"] = {
            "messages/s at 32 users (ours / stock)": ratio(sat(a, 32)["msgs_per_s"], sat(b, 32)["msgs_per_s"]),
            "p50 at 1 user (stock / ours)": ratio(sat(b, 1)["p50_ms"], sat(a, 1)["p50_ms"]),
            "Rasa server peak RSS (stock / ours)": ratio(b["memory"]["rasa_peak_rss_mb"],
                                                         a["memory"]["rasa_peak_rss_mb"]),
        }
        bench["training"]["stock model size"] = f"{os.path.getsize(stock) / 1e6:.1f} MB"
    print(f"wrote {servers.write_results('bench.json', bench)} and {write_report()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
