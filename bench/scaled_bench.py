"""`make bench-scaled`: one Rasa server on SQLite (as `make run` starts it)
against the scaled mode (N Rasa servers on PostgreSQL + Redis behind nginx,
as `make run-scaled` starts it), in one run on the same machine, with the
same load from bench/load.py over loopback: saturation (closed loop) and
p50/p99 at offered rates with think time. Writes results/bench_scaled.json;
docs/scaling.md quotes it."""

from __future__ import annotations

import argparse
import asyncio
import glob
import os
import shutil
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any, Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load, servers  # noqa: E402
from bench.scaled import NEEDED, Scaled, installed  # noqa: E402

USERS = [1, 8, 32]
RATES = [50, 100, 150]


def run_loads(url: str, label: str, seconds: float, open_seconds: float) -> Dict[str, List[Dict[str, Any]]]:
    client = load.RestClient(url)
    asyncio.run(load.closed_loop(client, 4, 5, tag=f"{label}-warm"))
    result: Dict[str, List[Dict[str, Any]]] = {"saturation": [], "offered": []}
    for users in USERS:
        row = asyncio.run(load.closed_loop(client, users, seconds, tag=f"{label}-s{users}-{uuid.uuid4().hex[:4]}"))
        print(f"  {label} saturation {users:>2} users: {row}", flush=True)
        result["saturation"].append(row)
    for rate in RATES:
        row = asyncio.run(load.open_loop(client, rate, open_seconds, tag=f"{label}-o{rate}-{uuid.uuid4().hex[:4]}"))
        print(f"  {label} offered {rate:>3} msg/s: {row}", flush=True)
        result["offered"].append(row)
    return result


def single(model: str, seconds: float, open_seconds: float) -> Dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        running = servers.start(model, Path(tmp))
        try:
            return run_loads(running.rasa_url, "single", seconds, open_seconds)
        finally:
            running.stop()


def scaled(model: str, count: int, seconds: float, open_seconds: float) -> Dict[str, Any]:
    # PostgreSQL runs as the postgres user, who cannot enter private temp dirs.
    workdir = ROOT / "var" / f"bench-scaled-{uuid.uuid4().hex[:8]}"
    workdir.mkdir(parents=True)
    stack = Scaled(workdir, model, servers=count)
    try:
        stack.start()
        return run_loads(stack.url(None), f"scaled{count}", seconds, open_seconds)
    finally:
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--servers", type=int, default=int(os.environ.get("SERVERS", 2)))
    parser.add_argument("--seconds", type=float, default=15, help="per saturation level")
    parser.add_argument("--open-seconds", type=float, default=30, help="per offered rate")
    args = parser.parse_args()
    missing = [p for p in NEEDED if not installed(p)]
    if missing:
        print(f"not installed: {missing} (scripts/install_scaled_deps.sh installs them)")
        return 1
    model = max(glob.glob(str(ROOT / "models" / "wallet-*.tar.gz")), key=os.path.getmtime)
    result: Dict[str, Any] = {
        "setup": (f"Same machine ({os.cpu_count()} cores), same model, same load generator on loopback. "
                  f"single: one Rasa server + action server on SQLite. scaled: {args.servers} Rasa servers + "
                  f"action server + PostgreSQL + Redis + nginx. Saturation {args.seconds:.0f} s per level; "
                  f"offered rates {args.open_seconds:.0f} s each, users pausing 1-3 s between turns."),
    }
    print("== one server, SQLite", flush=True)
    result["single"] = single(model, args.seconds, args.open_seconds)
    print(f"== {args.servers} servers, PostgreSQL + Redis behind nginx", flush=True)
    result["scaled"] = scaled(model, args.servers, args.seconds, args.open_seconds)
    print(f"wrote {servers.write_results('bench_scaled.json', result)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
