"""A small client for the agent console's API, as the console page uses it."""

from __future__ import annotations

import http.cookiejar
import json
import urllib.error
import urllib.request
from typing import Any, Dict, Optional, Tuple

from desk.accounts import Accounts
from tests.stacks import ANSWER_SECONDS


def make_agent(desk_db, username: str, role: str = "agent", display: Optional[str] = None,
               password: str = "password-123") -> None:
    Accounts(f"sqlite:///{desk_db}").add_agent(username, password, display or username, role)


class DeskClient:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf: Optional[str] = None

    def call(self, method: str, path: str, body: Any = None, csrf: bool = True,
             headers: Optional[Dict[str, str]] = None) -> Tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else (b"{}" if method == "POST" else None)
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json", **(headers or {})})
        if csrf and self.csrf and method != "GET":
            request.add_header("X-CSRF-Token", self.csrf)
        try:
            with self.opener.open(request, timeout=ANSWER_SECONDS) as response:
                raw = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            raw, status = error.read(), error.code
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode("utf-8", "replace")

    def login(self, username: str, password: str = "password-123") -> Tuple[int, Any]:
        status, body = self.call("POST", "/desk/api/login", {"username": username, "password": password})
        if status == 200:
            self.csrf = body["csrf"]
        return status, body
