"""Local stand-ins for the outside world, on 127.0.0.1 only:
a fake WeChat customer-service API and a proxy that can slow the action server."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List


class _Server:
    def __init__(self, handler_class) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
        self.httpd.owner = self
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


class FakeWeChatAPI(_Server):
    """Answers /cgi-bin/token and records /cgi-bin/message/custom/send."""

    def __init__(self) -> None:
        self.sent: List[Dict] = []
        self.token_requests = 0
        super().__init__(_WeChatHandler)

    def wait_for(self, count: int, seconds: float = 20) -> List[Dict]:
        deadline = time.time() + seconds
        while time.time() < deadline and len(self.sent) < count:
            time.sleep(0.1)
        return self.sent


class _WeChatHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def _json(self, data) -> None:
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        fake = self.server.owner
        if self.path.startswith("/cgi-bin/token"):
            fake.token_requests += 1
            self._json({"access_token": "fake-token", "expires_in": 7200})
        else:
            self._json({"errcode": 404})

    def do_POST(self) -> None:
        fake = self.server.owner
        query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if query.get("access_token") != ["fake-token"]:
            self._json({"errcode": 40001, "errmsg": "invalid credential"})
            return
        fake.sent.append(body)
        self._json({"errcode": 0, "errmsg": "ok"})


class SlowActionProxy(_Server):
    """Forwards action calls to the real action server, after `delay` seconds."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.delay = 0.0
        super().__init__(_ProxyHandler)


class _ProxyHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def _forward(self, method: str) -> None:
        proxy = self.server.owner
        if proxy.delay:
            time.sleep(proxy.delay)
        length = int(self.headers.get("Content-Length") or 0)
        request = urllib.request.Request(proxy.target + self.path, data=self.rfile.read(length) if length else None,
                                         method=method, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._forward("GET")

    def do_POST(self) -> None:
        self._forward("POST")
