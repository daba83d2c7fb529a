"""Local stand-ins for the outside world, on 127.0.0.1 only:
a fake WeChat customer-service API."""

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
        self.fail_next = 0   # refuse this many sends (as WeChat does when rate limited)
        self.refused = 0
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
        if fake.fail_next > 0:
            fake.fail_next -= 1
            fake.refused += 1
            self._json({"errcode": 45009, "errmsg": "reach max api daily quota limit"})
            return
        fake.sent.append(body)
        self._json({"errcode": 0, "errmsg": "ok"})


class CallbackReceiver(_Server):
    """Stands in for an app backend's callback URL (REST channel replies)."""

    def __init__(self) -> None:
        self.received: List[Dict] = []
        super().__init__(_CallbackHandler)

    def wait_for(self, count: int, seconds: float = 20) -> List[Dict]:
        deadline = time.time() + seconds
        while time.time() < deadline and len(self.received) < count:
            time.sleep(0.1)
        return self.received


class _CallbackHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self.server.owner.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


class HostPage(_Server):
    """A shop's web page on another origin that embeds the widget."""

    def __init__(self, rasa_url: str) -> None:
        self.rasa_url = rasa_url
        super().__init__(_HostPageHandler)

    @property
    def origin(self) -> str:
        return self.url.replace("127.0.0.1", "localhost")


class _HostPageHandler(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        rasa = self.server.owner.rasa_url
        body = (f'<!doctype html><meta charset="utf-8"><title>商户页面</title><h1>商户页面</h1>'
                f'<script src="{rasa}/webhooks/socketio/embed.js"></script>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
