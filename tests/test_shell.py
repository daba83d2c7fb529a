"""`rasa shell` on the trained model, driven through a pseudo-terminal as an
operator would type into it."""

import os
import pty
import re
import select
import subprocess
import time

from tests.conftest import BIN, ROOT, free_port, latest_model, server_env

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def read_until(fd, pattern, seconds):
    seen = ""
    deadline = time.time() + seconds
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 65536).decode("utf-8", "replace")
            except OSError:
                break
            seen += ANSI.sub("", chunk)
            if re.search(pattern, seen):
                return seen
    raise AssertionError(f"no {pattern!r} within {seconds}s; terminal showed:\n{seen[-2000:]}")


def test_rasa_shell_answers_in_chinese(servers, tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "{servers.action_url}/webhook"\n'
                         f"tracker_store:\n  type: stores.masking_tracker_store.MaskingSQLTrackerStore\n"
                         f'  dialect: "sqlite"\n  db: "{tmp_path / "shell.db"}"\n', encoding="utf-8")
    main, child = pty.openpty()
    env = server_env(servers) | {"TERM": "xterm", "COLUMNS": "120", "LINES": "40"}
    shell = subprocess.Popen([str(BIN / "rasa"), "shell", "--model", latest_model(), "--endpoints", str(endpoints),
                              "--port", str(free_port())],
                             cwd=ROOT, stdin=child, stdout=child, stderr=child, env=env, start_new_session=True)
    try:
        read_until(main, r"Bot loaded", 240)
        os.write(main, "客服几点上班\r".encode("utf-8"))
        screen = read_until(main, r"周一至周五 09:00-21:00", 60)
        assert "人工客服的服务时间" in screen
        os.write(main, "/stop\r".encode())
        shell.wait(30)
    finally:
        if shell.poll() is None:
            shell.kill()
        os.close(main)
        os.close(child)
