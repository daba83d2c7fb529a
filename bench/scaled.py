"""The scaled mode as `make run-scaled` starts it (scripts/run_scaled.sh):
PostgreSQL, Redis, N Rasa servers, the action server, the desk and nginx,
on free loopback ports with data under a scratch directory. Shared by the
scaled-mode tests and `make bench-scaled`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List

from bench.servers import ROOT, SECRETS, free_port, request

TOKEN = SECRETS["RASA_AUTH_TOKEN"]


NEEDED = ["/usr/lib/postgresql/15/bin/postgres", "redis-server", "nginx"]


def installed(program: str) -> bool:
    return Path(program).exists() if program.startswith("/") else bool(
        shutil.which(program) or Path("/usr/sbin", program).exists())


class Scaled:
    def __init__(self, workdir: Path, model: str, servers: int = 2) -> None:
        self.workdir = workdir
        self.rasa_ports = [free_port() for _ in range(servers)]
        self.port = free_port()
        self.env = {**os.environ, **SECRETS, "SERVERS": str(servers), "PORT": str(self.port), "MODEL": model,
                    "FIRST_RASA_PORT": str(self.rasa_ports[0]), "ACTION_PORT": str(free_port()),
                    "DESK_PORT": str(free_port()), "WALLET_PG_PORT": str(free_port()),
                    "WALLET_REDIS_PORT": str(free_port()), "WALLET_SCALED_DIR": str(workdir / "scaled"),
                    "WALLET_LOG_DIR": str(workdir / "logs"), "PYTHONWARNINGS": "ignore"}
        # run_scaled.sh numbers the servers from FIRST_RASA_PORT on.
        self.rasa_ports = [self.rasa_ports[0] + i for i in range(servers)]

    def start(self) -> None:
        result = subprocess.run([str(ROOT / "scripts" / "run_scaled.sh")], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=2400)
        if result.returncode != 0:
            raise RuntimeError(f"run_scaled.sh failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")

    def stop(self) -> None:
        subprocess.run([str(ROOT / "scripts" / "stop_scaled.sh")], cwd=ROOT, env=self.env, capture_output=True,
                       timeout=120)

    def pid(self, name: str) -> int:
        for line in (self.workdir / "scaled" / "pids").read_text().splitlines():
            label, pid = line.split()
            if label == name:
                return int(pid)
        raise KeyError(name)

    def url(self, server: int) -> str:
        """0, 1, ...: a Rasa server directly; None: through nginx."""
        return f"http://127.0.0.1:{self.port if server is None else self.rasa_ports[server]}"

    # Functional, not a latency check: a burst's first turns took over 60 s
    # on a loaded 2-core machine.
    def say(self, server, sender: str, text: str, message_id: str, timeout: float = 300):
        body = json.dumps({"sender": sender, "message": text, "message_id": message_id}).encode()
        try:
            return request(self.url(server) + "/webhooks/rest/webhook", body, {"Content-Type": "application/json"},
                           "POST", timeout)
        except OSError as error:  # connection refused or reset: the server died
            return 0, str(error).encode()

    def tracker(self, sender: str) -> Dict:
        for server in (None, *range(len(self.rasa_ports))):
            try:
                status, body = request(f"{self.url(server)}/conversations/{sender}/tracker?token={TOKEN}")
            except OSError:
                continue
            if status == 200:
                return json.loads(body)
        raise AssertionError(f"no server returned the tracker of {sender}")

    def desk_rows(self, table: str) -> List[Dict]:
        from desk.tickets import TicketDesk

        url = subprocess.run([str(ROOT / "scripts" / "scaled_services.sh"), "env"], cwd=ROOT, env=self.env,
                             capture_output=True, text=True, check=True).stdout
        desk_url = next(line.split("=", 1)[1] for line in url.split() if line.startswith("WALLET_DESK_DB_URL="))
        return TicketDesk(desk_url).rows(table)
