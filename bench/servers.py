"""Starts the action server and a Rasa server the way `make run` does
(SQLite tracker store, REST + widget + WeChat channels), on loopback ports
and in a scratch directory, and reads their peak memory."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
WECHAT_TOKEN = "bench-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_mb(pid: int) -> Optional[float]:
    """Peak resident set size (VmHWM) of a process and its children."""
    total = 0.0
    pids = [pid] + [int(p) for p in _children(pid)]
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except FileNotFoundError:
            continue
    return round(total, 1) if total else None


def _children(pid: int):
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return []


def wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: int = 240) -> None:
    """Polls `url` until it answers; fails with the end of the server's log."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not come up in {seconds}s:\n{log.read_text()[-3000:]}")


@dataclass
class Running:
    rasa_url: str
    rasa: subprocess.Popen
    actions: subprocess.Popen
    workdir: Path

    def memory(self) -> Dict[str, Optional[float]]:
        return {"rasa_peak_rss_mb": peak_rss_mb(self.rasa.pid), "actions_peak_rss_mb": peak_rss_mb(self.actions.pid)}

    def stop(self) -> None:
        for process in (self.rasa, self.actions):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()


def start(model: str, workdir: Path, endpoints_extra: str = "") -> Running:
    workdir.mkdir(parents=True, exist_ok=True)
    rasa_port, action_port = free_port(), free_port()
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        f"tracker_store:\n  type: stores.masking_tracker_store.MaskingSQLTrackerStore\n"
        f'  dialect: "sqlite"\n  db: "{workdir / "conversations.db"}"\n'
        f'lock_store:\n  type: "in_memory"\n' + endpoints_extra, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONWARNINGS="ignore", RASA_TELEMETRY_ENABLED="false", WALLET_DESK_DB=str(workdir / "support.db"),
               WECHAT_TOKEN=WECHAT_TOKEN, WECHAT_APP_ID="wxbench", WECHAT_APP_SECRET="bench",
               WECHAT_API_BASE="http://127.0.0.1:9")
    actions_log, rasa_log = workdir / "actions.log", workdir / "rasa.log"
    actions = subprocess.Popen([str(BIN / "rasa"), "run", "actions", "--port", str(action_port)], cwd=ROOT, env=env,
                               stdout=open(actions_log, "w"), stderr=subprocess.STDOUT)
    wait_until_up(f"http://127.0.0.1:{action_port}/health", actions, actions_log)
    rasa = subprocess.Popen([str(BIN / "rasa"), "run", "--model", model, "--port", str(rasa_port),
                             "--interface", "127.0.0.1", "--endpoints", str(endpoints),
                             "--credentials", str(ROOT / "credentials.yml")],
                            cwd=ROOT, env=env, stdout=open(rasa_log, "w"), stderr=subprocess.STDOUT)
    wait_until_up(f"http://127.0.0.1:{rasa_port}/", rasa, rasa_log)
    return Running(f"http://127.0.0.1:{rasa_port}", rasa, actions, workdir)
