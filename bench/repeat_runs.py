"""How much one figure moves between identical runs: three rounds on one
server of the headline measurements (one user, eight users, 100 messages/s
offered with think time). `make bench-repeat`; writes results/repeat.json.
The full `make bench` runs each level once, so read its figures with the
spread this prints."""

from __future__ import annotations

import asyncio
import glob
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load, servers  # noqa: E402

ROUNDS = 3


def main() -> int:
    model = max(glob.glob(str(ROOT / "models" / "wallet-*.tar.gz")), key=lambda path: Path(path).stat().st_mtime)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        running = servers.start(model, Path(tmp))
        try:
            client = load.RestClient(running.rasa_url)
            asyncio.run(load.closed_loop(client, 4, 5, tag="warm"))
            for round_number in range(1, ROUNDS + 1):
                for users in (1, 8):
                    row = asyncio.run(load.closed_loop(client, users, 15, tag=f"r{round_number}-u{users}"))
                    rows.append({"round": round_number, "load": f"{users} users, closed loop", **row})
                    print(rows[-1], flush=True)
                row = asyncio.run(load.open_loop(client, 100, 30, tag=f"r{round_number}-o100"))
                rows.append({"round": round_number, "load": "100 msg/s offered, 1-3 s think time", **row})
                print(rows[-1], flush=True)
        finally:
            running.stop()
    print(f"wrote {servers.write_results('repeat.json', rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
