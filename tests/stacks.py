"""The real servers the tests talk to, and their early start.

Each Rasa process needs minutes to import TensorFlow and load the model on a
loaded 2-core machine, and pytest needs about as long to import Rasa and run
the in-process tests. On a whole-suite run every stack is therefore started
in the background when the session starts (`STACKS`, from conftest), so the loads
overlap each other and the in-process tests; fixtures then wait for theirs.
A narrower run starts a stack when a test first needs it.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from bench.scaled import NEEDED, Scaled, installed
from bench.servers import BIN, ROOT, SECRETS, Stack, free_port, request, stack_env
from tests.fakes import CallbackReceiver, FakeWeChatAPI, HostPage

TOKEN = SECRETS["RASA_AUTH_TOKEN"]
# The WeChat channel is configured from the environment, as in production.
WECHAT = {"WECHAT_TOKEN": "test-token", "WECHAT_APP_ID": "wx0123456789abcdef",
          "WECHAT_APP_SECRET": "test-secret", "WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}
START_SECONDS = int(os.environ.get("WALLET_START_SECONDS", 900))
# How long a test waits for a server's answer: a functional check, not a
# latency one (on a loaded 2-core machine a turn that opens a ticket took
# longer than 30 s). Latency is measured by `make bench`.
ANSWER_SECONDS = 120
# `rasa shell` loads at a lower CPU priority, beside the scaled-mode tests.
LATER = 10


def latest_model() -> str:
    models = glob.glob(str(ROOT / "models" / "wallet-*.tar.gz"))
    if not models:
        raise RuntimeError("no trained model: run `make train` first")
    return max(models, key=os.path.getmtime)


class Servers:
    """The default stack as `make run` starts it (action server, Rasa with its
    HTTP API behind a token, agent console; SQLite files in a scratch dir),
    with local fakes for WeChat's API, an app's callback URL and two host
    pages, and the helpers tests use."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.wechat_api = FakeWeChatAPI()
        self.callback = CallbackReceiver()
        self.stack = Stack(latest_model(), workdir, {})
        self.listed_page = HostPage(self.stack.rasa_url)
        self.unlisted_page = HostPage(self.stack.rasa_url)
        self.stack.env = stack_env(workdir, {
            **WECHAT, "WECHAT_API_BASE": self.wechat_api.url, "WALLET_RASA_URL": self.stack.rasa_url,
            "WALLET_REST_CALLBACK_URL": self.callback.url, "WALLET_ALLOWED_ORIGINS": self.listed_page.origin,
            "WALLET_KNOWLEDGE_DIR": str(always_open_knowledge(workdir)),
            "WALLET_OUTBOX_BACKOFF": "1,1,1", "WALLET_OUTBOX_POLL_SECONDS": "1"})
        self.stack.write_config()

    def __getattr__(self, name: str) -> Any:
        if name == "stack":   # not set yet: no recursion
            raise AttributeError(name)
        return getattr(self.stack, name)

    def start(self) -> "Servers":
        try:
            self.stack.start_actions()
            self.stack.start_rasa(["--cors", self.listed_page.origin])
            self.stack.start_desk()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self.stack.stop()
        for fake in (self.wechat_api, self.callback, self.listed_page, self.unlisted_page):
            fake.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    @contextlib.contextmanager
    def actions_stalled(self, seconds: float):
        """The action server hangs for `seconds` (SIGSTOP, then SIGCONT), as a
        stuck one would: Rasa's call waits, nothing fails."""
        pid = self.stack.actions.pid
        os.kill(pid, signal.SIGSTOP)
        timer = threading.Timer(seconds, os.kill, (pid, signal.SIGCONT))
        timer.start()
        try:
            yield
        finally:
            timer.cancel()
            os.kill(pid, signal.SIGCONT)

    def post(self, path: str, body: bytes, headers: Optional[Dict[str, str]] = None,
             timeout: float = ANSWER_SECONDS):
        return request(self.rasa_url + path, body, headers or {}, "POST", timeout)

    def say(self, sender: str, text: Any) -> List[Dict[str, Any]]:
        status, body = self.post("/webhooks/rest/webhook", json.dumps({"sender": sender, "message": text}).encode(),
                                 {"Content-Type": "application/json"})
        assert status == 200, body
        return json.loads(body)

    def api(self, method: str, path: str, body: Any = None, token: Optional[str] = TOKEN):
        """Rasa's HTTP API, with the token unless told otherwise."""
        separator = "&" if "?" in path else "?"
        url = self.rasa_url + path + (f"{separator}token={token}" if token is not None else "")
        data = json.dumps(body).encode() if body is not None else None
        return request(url, data, {"Content-Type": "application/json"}, method, timeout=ANSWER_SECONDS)

    def tracker(self, sender: str) -> Dict[str, Any]:
        status, body = self.api("GET", f"/conversations/{sender}/tracker")
        assert status == 200, body
        return json.loads(body)


def always_open_knowledge(workdir: Path) -> Path:
    """The operator's knowledge with support open around the clock, so that
    hand-off answers do not depend on when the tests run (the closed-hours
    answers are tested with a fixed clock in test_actions.py)."""
    target = workdir / "knowledge"
    shutil.copytree(ROOT / "knowledge", target)
    brand = target / "brand.yml"
    text = brand.read_text(encoding="utf-8")
    for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
        text = text.replace(f"  {day}: [", f"  {day}: [\"00:00\", \"23:59\"]  # was [", 1)
    brand.write_text(text, encoding="utf-8")
    return target


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    """A program on a pseudo-terminal, read continuously (a full terminal
    buffer would stall the program while nobody reads it)."""

    def __init__(self, command: List[str], env: Dict[str, str], nice: int = 0) -> None:
        import pty

        self.main, child = pty.openpty()
        self.process = subprocess.Popen(command, cwd=ROOT, stdin=child, stdout=child, stderr=child, env=env,
                                        start_new_session=True, preexec_fn=(lambda: os.nice(nice)) if nice else None)
        os.close(child)
        self.screen = ""
        self._seen = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            ready, _, _ = select.select([self.main], [], [], 0.5)
            if not ready:
                if self.process.poll() is not None:
                    return
                continue
            try:
                chunk = os.read(self.main, 65536).decode("utf-8", "replace")
            except OSError:
                return
            if not chunk:
                return
            with self._seen:
                self.screen += ANSI.sub("", chunk)
                self._seen.notify_all()

    def wait_for(self, pattern: str, seconds: float, after: int = 0) -> str:
        """The screen from `after` on, once it shows `pattern`."""
        deadline = time.time() + seconds
        with self._seen:
            while not re.search(pattern, self.screen[after:]):
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError(f"no {pattern!r} within {seconds}s; terminal showed:\n{self.screen[-2000:]}")
                self._seen.wait(min(left, 1))
            return self.screen[after:]

    def type(self, text: str) -> int:
        """Types a line; returns where the answer starts on the screen."""
        with self._seen:
            start = len(self.screen)
        os.write(self.main, (text + "\r").encode("utf-8"))
        return start

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        try:
            os.close(self.main)
        except OSError:
            pass


def start_shell(servers: Servers) -> Terminal:
    """`rasa shell` as `make shell` runs it, on its own conversation file,
    calling the stack's action server."""
    endpoints = servers.workdir / "shell-endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "{servers.actions_url}/webhook"\n'
                         f'  headers:\n    X-Action-Secret: "{servers.env["WALLET_ACTION_SECRET"]}"\n'
                         f"tracker_store:\n  type: stores.masking_tracker_store.MaskingSQLTrackerStore\n"
                         f'  dialect: "sqlite"\n  db: "{servers.workdir / "shell.db"}"\n', encoding="utf-8")
    env = servers.env | {"TERM": "xterm", "COLUMNS": "120", "LINES": "40"}
    return Terminal([str(BIN / "python"), str(ROOT / "scripts" / "serve_rasa.py"), "shell", "--model", servers.model,
                     "--endpoints", str(endpoints), "--port", str(free_port())], env, nice=LATER)


def start_scaled() -> Scaled:
    missing = [p for p in NEEDED if not installed(p)]
    if missing:
        raise RuntimeError(f"not installed: {missing}; `make test` installs them (scripts/install_scaled_deps.sh)")
    # PostgreSQL runs as the postgres user, who cannot enter pytest's private
    # temp dirs: the scratch directory is under the project's var/.
    workdir = ROOT / "var" / f"test-scaled-{uuid.uuid4().hex[:8]}"
    workdir.mkdir(parents=True)
    stack = Scaled(workdir, latest_model())
    try:
        stack.start()
    except BaseException:
        stack.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return stack


def stop_scaled(stack: Scaled) -> None:
    stack.stop()
    shutil.rmtree(stack.workdir, ignore_errors=True)


class Stacks:
    """Each stack started once, in the background, and stopped at the end."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="stack")
        self._lock = threading.Lock()
        self._started: Dict[str, Future] = {}
        self._stops: Dict[str, Callable[[Any], None]] = {}
        self._servers: Optional[Servers] = None

    def _start(self, name: str, start: Callable[[], Any], stop: Callable[[Any], None]) -> Future:
        with self._lock:
            if name not in self._started:
                self._stops[name] = stop
                self._started[name] = self._pool.submit(start)
            return self._started[name]

    def _prepared_servers(self) -> Servers:
        with self._lock:
            if self._servers is None:
                self._servers = Servers(Path(tempfile.mkdtemp(prefix="wallet-servers-")))
            return self._servers

    def servers(self) -> Future:
        prepared = self._prepared_servers()
        return self._start("servers", prepared.start, Servers.stop)

    def shell(self) -> Future:
        prepared = self._prepared_servers()
        return self._start("shell", lambda: start_shell(prepared), Terminal.stop)

    def scaled(self) -> Future:
        return self._start("scaled", start_scaled, stop_scaled)

    def get(self, name: str, seconds: float = 2 * START_SECONDS) -> Any:
        return getattr(self, name)().result(timeout=seconds)

    def stop(self, name: str) -> None:
        with self._lock:
            future = self._started.pop(name, None)
            stop = self._stops.pop(name, None)
        if future is None:
            return
        try:
            stack = future.result(timeout=2 * START_SECONDS)
        except Exception:
            return   # a stack that failed to start cleaned up after itself
        stop(stack)

    def stop_all(self) -> None:
        # The shell calls the stack's action server: it goes first.
        for name in ("shell", "scaled", "servers"):
            self.stop(name)
        self._pool.shutdown(wait=False)


STACKS = Stacks()
