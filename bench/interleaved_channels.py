"""WeChat and REST, one user and eight, interleaved on one server for three
rounds. Two versions measured back to back this way can be compared even when
the machine's speed drifts between whole `make bench` runs (it did by a third
on 2026-11-27, docs/benchmarks-notes.md).

    .venv/bin/python bench/interleaved_channels.py <checkout>   # this one, or a git worktree of another
"""

from __future__ import annotations

import asyncio
import glob
import importlib
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROUNDS, SECONDS, USERS = 3, 8, (1, 8)


def main() -> int:
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    # The checkout's own code and model are measured, not this one's.
    sys.path.insert(0, str(root))
    os.chdir(root)
    servers = importlib.import_module("bench.servers")
    load = importlib.import_module("bench.load")
    model = sorted(glob.glob(str(root / "models" / "*.tar.gz")))[-1]
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        running = servers.start(model, Path(tmp), extra_env={"WALLET_SENDER_PER_MINUTE": "1000000"})
        try:
            clients = {"wechat": load.WeChatClient(running.rasa_url, servers.WECHAT_TOKEN),
                       "rest": load.RestClient(running.rasa_url)}
            asyncio.run(load.closed_loop(clients["rest"], 4, 5, tag="warm"))
            for round_ in range(ROUNDS):
                for name, client in clients.items():
                    for users in USERS:
                        row = asyncio.run(load.closed_loop(client, users, SECONDS, tag=f"{name}{round_}{users}"))
                        rows.setdefault((name, users), []).append(row["msgs_per_s"])
                        print(f"{root.name} {name} {users} users: {row['msgs_per_s']} msgs/s, p50 {row['p50_ms']} ms",
                              flush=True)
        finally:
            running.stop()
    for (name, users), figures in rows.items():
        print(f"{root.name} {name} {users} users, mean of {ROUNDS}: {statistics.fmean(figures):.1f} msgs/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
