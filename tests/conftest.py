"""Fixtures: the project on sys.path, and real servers for conversation tests.

`servers` starts the action server and a Rasa server on free loopback ports,
with their own SQLite files under a temp dir, exactly as `make run` does.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from bench.servers import free_port, wait_until_up
from tests.fakes import FakeWeChatAPI, SlowActionProxy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = ROOT / ".venv" / "bin"


def latest_model() -> str:
    models = glob.glob(str(ROOT / "models" / "wallet-*.tar.gz"))
    if not models:
        pytest.fail("no trained model: run `make train` first")
    return max(models, key=os.path.getmtime)


@dataclass
class Servers:
    rasa_url: str
    action_url: str
    workdir: Path
    desk_db: Path
    tracker_db: Path
    rasa: Optional[subprocess.Popen] = None
    actions: Optional[subprocess.Popen] = None
    endpoints: Optional[Path] = None
    wechat_api: Optional[FakeWeChatAPI] = None
    action_proxy: Optional[SlowActionProxy] = None

    def post(self, path: str, body: bytes, headers: Optional[Dict[str, str]] = None, timeout: float = 30):
        request = urllib.request.Request(self.rasa_url + path, data=body, headers=headers or {}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def say(self, sender: str, text: Any) -> List[Dict[str, Any]]:
        status, body = self.post("/webhooks/rest/webhook",
                                 json.dumps({"sender": sender, "message": text}).encode(),
                                 {"Content-Type": "application/json"})
        assert status == 200, body
        return json.loads(body)

    def start_rasa(self) -> None:
        log = self.workdir / "rasa.log"
        port = self.rasa_url.rsplit(":", 1)[1]
        self.rasa = subprocess.Popen(
            [str(BIN / "rasa"), "run", "--model", latest_model(), "--port", port, "--interface", "127.0.0.1",
             "--endpoints", str(self.endpoints), "--credentials", str(self.workdir / "credentials.yml"),
             "--enable-api"],
            cwd=ROOT, stdout=open(log, "w"), stderr=subprocess.STDOUT, env=server_env(self))
        wait_until_up(self.rasa_url + "/", self.rasa, log)

    def stop_rasa(self) -> None:
        if self.rasa and self.rasa.poll() is None:
            self.rasa.terminate()
            self.rasa.wait(30)


# The WeChat channel is configured from the environment, as in production.
WECHAT = {"WECHAT_TOKEN": "test-token", "WECHAT_APP_ID": "wx0123456789abcdef",
          "WECHAT_APP_SECRET": "test-secret", "WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}


def server_env(servers: Servers) -> Dict[str, str]:
    env = dict(os.environ)
    env.update(WECHAT)
    env["WECHAT_API_BASE"] = servers.wechat_api.url if servers.wechat_api else ""
    env["WALLET_DESK_DB"] = str(servers.desk_db)
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONWARNINGS"] = "ignore"
    env["RASA_TELEMETRY_ENABLED"] = "false"
    return env


def start_servers(tmp: Path) -> Servers:
    rasa_port, action_port = free_port(), free_port()
    servers = Servers(rasa_url=f"http://127.0.0.1:{rasa_port}", action_url=f"http://127.0.0.1:{action_port}",
                      workdir=tmp, desk_db=tmp / "support.db", tracker_db=tmp / "conversations.db")
    servers.wechat_api = FakeWeChatAPI()
    # Rasa reaches the actions through a proxy that a test can slow down.
    servers.action_proxy = SlowActionProxy(servers.action_url)
    servers.endpoints = tmp / "endpoints.yml"
    servers.endpoints.write_text(
        f'action_endpoint:\n  url: "{servers.action_proxy.url}/webhook"\n'
        f"tracker_store:\n  type: stores.masking_tracker_store.MaskingSQLTrackerStore\n"
        f'  dialect: "sqlite"\n  db: "{servers.tracker_db}"\n'
        f'lock_store:\n  type: "in_memory"\n', encoding="utf-8")
    (tmp / "credentials.yml").write_text((ROOT / "credentials.yml").read_text(encoding="utf-8"), encoding="utf-8")
    log = tmp / "actions.log"
    env = server_env(servers)
    servers.actions = subprocess.Popen(
        [str(BIN / "rasa"), "run", "actions", "--port", str(action_port), "--actions", "actions"],
        cwd=ROOT, stdout=open(log, "w"), stderr=subprocess.STDOUT, env=env)
    wait_until_up(servers.action_url + "/health", servers.actions, log)
    servers.start_rasa()
    return servers


def stop_servers(servers: Servers) -> None:
    servers.stop_rasa()
    if servers.actions and servers.actions.poll() is None:
        servers.actions.terminate()
        servers.actions.wait(30)
    for fake in (servers.wechat_api, servers.action_proxy):
        if fake:
            fake.close()


@pytest.fixture(scope="session")
def servers(tmp_path_factory):
    running = start_servers(tmp_path_factory.mktemp("servers"))
    yield running
    stop_servers(running)


def texts(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def button_titles(replies: List[Dict[str, Any]]) -> List[str]:
    return [b["title"] for r in replies for b in r.get("buttons") or []]
