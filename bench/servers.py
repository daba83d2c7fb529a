"""Starts the servers the way `make run` does (action server behind its
secret, Rasa with its HTTP API behind a token, optionally the agent
console), on loopback ports with their own SQLite files in a scratch
directory. Shared by the tests and the benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python")
WECHAT_TOKEN = "bench-token"
# Fixed test secrets (never used outside scratch directories).
SECRETS = {"RASA_AUTH_TOKEN": "test-api-token-0123456789", "WALLET_ACTION_SECRET": "test-action-secret-0123",
           "WALLET_SECRET": "test-widget-secret-0123456789"}


def request(url: str, body: Optional[bytes] = None, headers: Optional[Dict[str, str]] = None,
            method: Optional[str] = None, timeout: float = 30):
    req = urllib.request.Request(url, data=body, headers=headers or {}, method=method or ("POST" if body else "GET"))
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def write_results(name: str, data: Any) -> Path:
    """results/<name>, the raw figures a benchmark prints."""
    import json

    out = ROOT / "results" / name
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return out


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


def wait_until_up(url: str, process: subprocess.Popen, log: Path, seconds: Optional[int] = None) -> None:
    """Polls `url` until it answers; fails with the end of the server's log.
    Rasa took more than 5 minutes to start on a loaded 2-core machine:
    WALLET_START_SECONDS (default 900) bounds the wait."""
    seconds = seconds or int(os.environ.get("WALLET_START_SECONDS", 900))
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


def stop(process: Optional[subprocess.Popen]) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@dataclass
class Stack:
    """One set of servers in `workdir`; each can be stopped and restarted."""
    model: str
    workdir: Path
    env: Dict[str, str]
    rasa_port: int = field(default_factory=free_port)
    action_port: int = field(default_factory=free_port)
    desk_port: int = field(default_factory=free_port)
    rasa: Optional[subprocess.Popen] = None
    actions: Optional[subprocess.Popen] = None
    desk: Optional[subprocess.Popen] = None
    credentials: Optional[Path] = None
    endpoints: Optional[Path] = None
    rasa_args: List[str] = field(default_factory=list)
    rasa_log: str = "rasa.log"
    nice: int = 0   # a server that is not needed at once loads at a lower priority

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    @property
    def desk_url(self) -> str:
        return f"http://127.0.0.1:{self.desk_port}"

    @property
    def tracker_db(self) -> Path:
        return self.workdir / "conversations.db"

    @property
    def desk_db(self) -> Path:
        return self.workdir / "support.db"

    def write_config(self, endpoints_extra: str = "") -> None:
        self.endpoints = self.workdir / "endpoints.yml"
        self.endpoints.write_text(
            f'action_endpoint:\n  url: "{self.actions_url}/webhook"\n'
            f'  headers:\n    X-Action-Secret: "{self.env["WALLET_ACTION_SECRET"]}"\n'
            f"tracker_store:\n  type: stores.masking_tracker_store.MaskingSQLTrackerStore\n"
            f'  dialect: "sqlite"\n  db: "{self.tracker_db}"\n'
            f'lock_store:\n  type: "in_memory"\n' + endpoints_extra, encoding="utf-8")
        self.credentials = self.workdir / "credentials.yml"
        self.credentials.write_text((ROOT / "credentials.yml").read_text(encoding="utf-8"), encoding="utf-8")

    def start_actions(self) -> None:
        log = self.workdir / "actions.log"
        self.actions = subprocess.Popen([PYTHON, "-m", "actions.server", "--port", str(self.action_port)],
                                        cwd=ROOT, env=self.env, stdout=open(log, "a"), stderr=subprocess.STDOUT)
        wait_until_up(self.actions_url + "/health", self.actions, log)

    def start_rasa(self, extra_args: Optional[List[str]] = None) -> None:
        """Starts Rasa; arguments given once are kept for restarts."""
        if extra_args is not None:
            self.rasa_args = list(extra_args)
        log = self.workdir / self.rasa_log
        self.rasa = subprocess.Popen(
            [PYTHON, str(ROOT / "scripts" / "serve_rasa.py"), "--model", self.model, "--port", str(self.rasa_port),
             "--interface", "127.0.0.1", "--endpoints", str(self.endpoints), "--credentials", str(self.credentials),
             "--enable-api", *self.rasa_args],
            cwd=ROOT, env=self.env, stdout=open(log, "a"), stderr=subprocess.STDOUT,
            preexec_fn=(lambda: os.nice(self.nice)) if self.nice else None)
        wait_until_up(self.rasa_url + "/", self.rasa, log)

    def start_desk(self) -> None:
        log = self.workdir / "desk.log"
        self.desk = subprocess.Popen([PYTHON, "-m", "desk.server", "--port", str(self.desk_port)],
                                     cwd=ROOT, env=self.env, stdout=open(log, "a"), stderr=subprocess.STDOUT)
        wait_until_up(self.desk_url + "/desk/health", self.desk, log)

    def stop_rasa(self) -> None:
        stop(self.rasa)

    def stop_actions(self) -> None:
        stop(self.actions)

    def stop_desk(self) -> None:
        stop(self.desk)

    def stop(self) -> None:
        for process in (self.desk, self.rasa, self.actions):
            stop(process)

    def memory(self) -> Dict[str, Optional[float]]:
        return {"rasa_peak_rss_mb": peak_rss_mb(self.rasa.pid), "actions_peak_rss_mb": peak_rss_mb(self.actions.pid)}


def stack_env(workdir: Path, extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(SECRETS)
    env.update(PYTHONPATH=str(ROOT), PYTHONWARNINGS="ignore", RASA_TELEMETRY_ENABLED="false",
               WALLET_DESK_DB=str(workdir / "support.db"), WALLET_VAR_DIR=str(workdir),
               WECHAT_TOKEN=WECHAT_TOKEN, WECHAT_APP_ID="wxbench", WECHAT_APP_SECRET="bench",
               WECHAT_API_BASE="http://127.0.0.1:9")
    env.update(extra or {})
    env["WALLET_RASA_URL"] = env.get("WALLET_RASA_URL", "")
    return env


def start(model: str, workdir: Path, endpoints_extra: str = "", desk: bool = False,
          extra_env: Optional[Dict[str, str]] = None) -> Stack:
    """Action server, Rasa and (optionally) the desk, as `make run` starts them."""
    workdir.mkdir(parents=True, exist_ok=True)
    stack = Stack(model, workdir, stack_env(workdir, extra_env))
    stack.env["WALLET_RASA_URL"] = stack.rasa_url
    stack.write_config(endpoints_extra)
    stack.start_actions()
    stack.start_rasa()
    if desk:
        stack.start_desk()
    return stack
