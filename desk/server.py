"""The agent console: a small Sanic app beside the Rasa server.

  /desk/login              sign-in page
  /desk/                   the console (queue + one conversation)
  /desk/supervisor         figures with charts (supervisors only)
  /desk/api/...            JSON API behind a session cookie; every change
                           needs the CSRF token from /desk/api/me
  /desk/api/stream         live feed (server-sent events)

Run: python -m desk.server [--host 127.0.0.1] [--port 5006]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set
from urllib.parse import urlparse

import yaml
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions import knowledge
from components.sensitive import install_log_masking
from desk import metrics
from desk.accounts import Accounts, Session, csrf_matches
from desk.delivery import FAILED, RasaLink, reachability
from desk.tickets import DeskError, TicketDesk

logger = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent / "web"
COOKIE = "desk_session"
POLL_SECONDS = 0.2
PING_SECONDS = 15
STATIC = {
    "api.js": "application/javascript; charset=utf-8",
    "console.js": "application/javascript; charset=utf-8",
    "supervisor.js": "application/javascript; charset=utf-8",
    "login.js": "application/javascript; charset=utf-8",
    "desk.css": "text/css; charset=utf-8",
}
PAGES = {"login": "login.html", "console": "console.html", "supervisor": "supervisor.html"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class Feed:
    """Follows the ticket events in the database and hands each new one to
    every open console. One poller per process, however many consoles."""

    def __init__(self, desk: TicketDesk) -> None:
        self.desk = desk
        self.listeners: Set[asyncio.Queue] = set()
        self.last_id = 0
        self.following = False
        self.recent: List[int] = []

    async def listen(self) -> asyncio.Queue:
        """A queue of every event from now on, for one open console."""
        listener: asyncio.Queue = asyncio.Queue()
        if not self.following:
            # Catch up without delivering: what happened before the console
            # opened is in the state it loads, and the poll looks back.
            loop = asyncio.get_running_loop()
            last_id = await loop.run_in_executor(None, self.desk.last_event_id)
            rows = await loop.run_in_executor(None, self.desk.events_since, max(0, last_id - 50))
            if not self.following:
                self.last_id = max([last_id] + [row["id"] for row in rows])
                self.recent = [row["id"] for row in rows][-200:]
                self.following = True
        self.listeners.add(listener)
        return listener

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self.listeners:
                # Nobody has a console open, and a console that opens loads
                # the current state itself: the database is left alone.
                self.following = False
                await asyncio.sleep(POLL_SECONDS)
                continue
            try:
                # Look back a little: on PostgreSQL a lower id can commit after a higher one.
                rows = await loop.run_in_executor(None, self.desk.events_since, max(0, self.last_id - 50))
                for row in rows:
                    if row["id"] in self.recent:
                        continue
                    self.recent = (self.recent + [row["id"]])[-200:]
                    self.last_id = max(self.last_id, row["id"])
                    for queue in list(self.listeners):
                        queue.put_nowait(_public_event(row))
            except Exception:  # the database may be restarting: keep following
                logger.exception("desk: reading new ticket events failed")
                await asyncio.sleep(1)
            await asyncio.sleep(POLL_SECONDS)


def _public_event(row: Dict[str, Any]) -> Dict[str, Any]:
    return {"id": row["id"], "number": row["number"], "kind": row["kind"], "author": row["author"],
            "text": row["text"], "data": row["data"], "delivery": row["delivery"], "at": row["created_at"]}


def _problem_title(problem: Optional[str]) -> str:
    if not problem:
        return "直接要求转人工"
    return knowledge.checklist_names().get(problem) or (knowledge.answers().get(problem) or {}).get("title") or problem


def _ticket_view(ticket: Dict[str, Any]) -> Dict[str, Any]:
    reach = reachability(ticket.get("channel"), ticket.get("last_user_at"))
    view = {key: ticket.get(key) for key in (
        "number", "conversation_id", "channel", "problem", "urgent", "status", "owner", "reason", "steps",
        "details", "transcript", "summary", "rating", "created_at", "claimed_at", "closed_at", "last_user_at",
        "within_hours", "language", "position")}
    view["problem_title"] = _problem_title(ticket.get("problem"))
    view["reachable"] = reach.status != "stored"
    view["reach_note"] = reach.note
    if "events" in ticket:
        view["events"] = [_public_event({**e, "number": ticket["number"]}) for e in ticket["events"]]
    return view


def canned_replies() -> List[Dict[str, str]]:
    path = knowledge.KNOWLEDGE_DIR / "canned_replies.yml"
    if not path.is_file():
        return []
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [{"title": e["title"], "text": knowledge.fill(e["text"])} for e in entries if e.get("title")]


def create_app(desk_url: Optional[str] = None, rasa: Optional[RasaLink] = None) -> Sanic:
    install_log_masking()
    app = Sanic("wallet_desk")
    app.config.REQUEST_MAX_SIZE = 1_000_000
    app.config.RESPONSE_TIMEOUT = 3600  # the live feed stays open
    desk = TicketDesk(desk_url)
    accounts = Accounts(desk_url)
    feed = Feed(desk)
    link = rasa or RasaLink()
    app.ctx.desk, app.ctx.accounts, app.ctx.link = desk, accounts, link

    async def blocking(function: Callable, *args: Any) -> Any:
        # The database may be SQLite on disk: keep its waits off the event loop.
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args))

    @app.before_server_start
    async def start_feed(app_: Sanic, _loop: Any) -> None:
        app_.add_task(feed.run())

    @app.after_server_stop
    async def close_link(_app: Sanic, _loop: Any) -> None:
        await link.close()

    @app.on_response
    async def security_headers(request: Request, resp: HTTPResponse) -> None:
        for name, value in SECURITY_HEADERS.items():
            resp.headers.setdefault(name, value)
        if request.path.startswith("/desk/api/"):
            resp.headers.setdefault("Cache-Control", "no-store")

    def same_origin(request: Request) -> bool:
        """State changes must come from the console's own pages."""
        origin = request.headers.get("origin")
        if not origin:
            return True  # no Origin on same-origin requests in some browsers: SameSite + CSRF cover them
        return urlparse(origin).netloc == request.host

    async def current(request: Request) -> Optional[Session]:
        return await blocking(accounts.session, request.cookies.get(COOKIE))

    def api(supervisor: bool = False, change: bool = True):
        """Session required; CSRF and origin checked on every change."""
        def wrap(handler: Callable[..., Awaitable[HTTPResponse]]):
            @functools.wraps(handler)
            async def guarded(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
                session = await current(request)
                if session is None:
                    return response.json({"error": "请先登录"}, status=401)
                if change and (not same_origin(request)
                               or not csrf_matches(session, request.headers.get("x-csrf-token"))):
                    return response.json({"error": "页面已过期，请刷新后再试"}, status=403)
                if supervisor and not session.agent.supervisor:
                    return response.json({"error": "只有主管可以查看"}, status=403)
                try:
                    return await handler(request, session, *args, **kwargs)
                except DeskError as error:
                    return response.json({"error": str(error)}, status=409)
            return guarded
        return wrap

    def body(request: Request) -> Dict[str, Any]:
        try:
            data = request.json
        except Exception:
            data = None
        return data if isinstance(data, dict) else {}

    # -- pages ------------------------------------------------------------------

    async def page(name: str) -> HTTPResponse:
        return await response.file(WEB_DIR / PAGES[name], mime_type="text/html; charset=utf-8",
                                   headers={"Cache-Control": "no-store"})

    # Sanic treats "/desk" and "/desk/" as one route (strict_slashes off).
    @app.get("/desk/")
    async def console(request: Request) -> HTTPResponse:
        if await current(request) is None:
            return response.redirect("/desk/login")
        return await page("console")

    @app.get("/desk/supervisor")
    async def supervisor_page(request: Request) -> HTTPResponse:
        session = await current(request)
        if session is None:
            return response.redirect("/desk/login")
        if not session.agent.supervisor:
            return response.text("只有主管可以查看这个页面", status=403)
        return await page("supervisor")

    @app.get("/desk/login")
    async def login_page(request: Request) -> HTTPResponse:
        return await page("login")

    @app.get("/desk/static/<name>")
    async def static(request: Request, name: str) -> HTTPResponse:
        if name not in STATIC:
            return response.text("not found", status=404)
        return await response.file(WEB_DIR / name, mime_type=STATIC[name], headers={"Cache-Control": "no-cache"})

    @app.get("/desk/health")
    async def health(request: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    # -- session ----------------------------------------------------------------

    @app.post("/desk/api/login")
    async def login(request: Request) -> HTTPResponse:
        if not same_origin(request):
            return response.json({"error": "请从客服工作台页面登录"}, status=403)
        data = body(request)
        username, password = str(data.get("username") or "")[:64], str(data.get("password") or "")[:256]
        address = request.remote_addr or request.ip or "unknown"
        if await blocking(accounts.locked_out, f"user:{username}", f"addr:{address}"):
            return response.json({"error": "登录失败次数太多，请 15 分钟后再试"}, status=429)
        token = await blocking(accounts.login, username, password, address)
        if token is None:
            return response.json({"error": "账号或密码不对"}, status=401)
        session = await blocking(accounts.session, token)
        resp = response.json({"agent": _agent_view(session), "csrf": session.csrf})
        resp.cookies[COOKIE] = token
        cookie = resp.cookies[COOKIE]
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["path"] = "/desk"
        cookie["max-age"] = 12 * 3600
        if request.scheme == "https" or os.environ.get("WALLET_DESK_SECURE_COOKIE") == "1":
            cookie["secure"] = True
        return resp

    @app.post("/desk/api/logout")
    @api()
    async def logout(request: Request, session: Session) -> HTTPResponse:
        await blocking(accounts.logout, request.cookies.get(COOKIE))
        resp = response.json({"ok": True})
        del resp.cookies[COOKIE]
        return resp

    @app.get("/desk/api/me")
    @api(change=False)
    async def me(request: Request, session: Session) -> HTTPResponse:
        return response.json({"agent": _agent_view(session), "csrf": session.csrf})

    # -- queue and tickets --------------------------------------------------------

    @app.get("/desk/api/queue")
    @api(change=False)
    async def queue(request: Request, session: Session) -> HTTPResponse:
        tickets = await blocking(desk.queue)
        for ticket in tickets:
            ticket["problem_title"] = _problem_title(ticket["problem"])
        return response.json({"tickets": tickets, "agents": await blocking(accounts.agents), "now": time.time()})

    @app.get("/desk/api/tickets/<number>")
    @api(change=False)
    async def ticket(request: Request, session: Session, number: str) -> HTTPResponse:
        found = await blocking(desk.ticket, number)
        if found is None:
            return response.json({"error": "没有这个工单"}, status=404)
        return response.json(_ticket_view(found))

    @app.post("/desk/api/tickets/<number>/claim")
    @api()
    async def claim(request: Request, session: Session, number: str) -> HTTPResponse:
        won, owner = await blocking(desk.claim, number, session.agent.username)
        return response.json({"won": won, "owner": owner}, status=200 if won else 409)

    @app.post("/desk/api/tickets/<number>/reply")
    @api()
    async def reply(request: Request, session: Session, number: str) -> HTTPResponse:
        text = str(body(request).get("text") or "")
        event_id, ticket_row, stored_text = await blocking(desk.add_agent_message, number, session.agent.username,
                                                           text, session.agent.supervisor)
        outcome = await link.send_reply(ticket_row["conversation_id"], ticket_row["channel"],
                                        ticket_row["last_user_at"], stored_text, session.agent.display_name)
        await blocking(desk.mark_delivery, event_id, outcome.status, outcome.note)
        return response.json({"event": event_id, "delivery": outcome.status, "note": outcome.note},
                             status=502 if outcome.status == FAILED else 200)

    @app.post("/desk/api/tickets/<number>/note")
    @api()
    async def note(request: Request, session: Session, number: str) -> HTTPResponse:
        await blocking(desk.add_note, number, session.agent.username, str(body(request).get("text") or ""))
        return response.json({"ok": True})

    @app.post("/desk/api/tickets/<number>/transfer")
    @api()
    async def transfer(request: Request, session: Session, number: str) -> HTTPResponse:
        await blocking(desk.transfer, number, session.agent.username, str(body(request).get("to") or ""),
                       session.agent.supervisor)
        return response.json({"ok": True})

    async def end(request: Request, session: Session, number: str, handed_back: bool) -> HTTPResponse:
        summary = str(body(request).get("summary") or "")
        row = await blocking(desk.close, number, session.agent.username, summary, handed_back,
                             session.agent.supervisor)
        intent = "EXTERNAL_handback" if handed_back else "EXTERNAL_handoff_closed"
        outcome = await link.bot_takes_over(row["conversation_id"], intent, {"ticket_number": number},
                                            row["channel"], row["last_user_at"])
        return response.json({"ok": True, "delivery": outcome.status, "note": outcome.note})

    @app.post("/desk/api/tickets/<number>/close")
    @api()
    async def close(request: Request, session: Session, number: str) -> HTTPResponse:
        return await end(request, session, number, handed_back=False)

    @app.post("/desk/api/tickets/<number>/handback")
    @api()
    async def handback(request: Request, session: Session, number: str) -> HTTPResponse:
        return await end(request, session, number, handed_back=True)

    @app.post("/desk/api/tickets/<number>/reopen")
    @api()
    async def reopen(request: Request, session: Session, number: str) -> HTTPResponse:
        row = await blocking(desk.reopen, number, session.agent.username)
        error = await link.append_events(row["conversation_id"], [
            {"event": "slot", "name": "handoff", "value": "live", "timestamp": time.time()},
            {"event": "slot", "name": "ticket_number", "value": number, "timestamp": time.time()}])
        return response.json({"ok": True, "note": error})

    @app.get("/desk/api/canned")
    @api(change=False)
    async def canned(request: Request, session: Session) -> HTTPResponse:
        return response.json({"replies": canned_replies()})

    @app.get("/desk/api/stats")
    @api(supervisor=True, change=False)
    async def stats(request: Request, session: Session) -> HTTPResponse:
        try:
            days = min(max(int(request.args.get("days", 30)), 1), 365)
        except ValueError:
            days = 30
        return response.json(await blocking(metrics.summary, days, desk_url))

    @app.get("/desk/api/stream")
    @api(change=False)
    async def stream(request: Request, session: Session) -> Any:
        listener = await feed.listen()
        await blocking(accounts.seen, session.agent.id)
        resp = await request.respond(content_type="text/event-stream; charset=utf-8", headers={
            "Cache-Control": "no-store", "X-Accel-Buffering": "no"})
        try:
            await resp.send("retry: 2000\n\n")
            while True:
                try:
                    item = await asyncio.wait_for(listener.get(), PING_SECONDS)
                except asyncio.TimeoutError:
                    await resp.send(": ping\n\n")
                    await blocking(accounts.seen, session.agent.id)
                    continue
                await resp.send(f"data: {json.dumps(item, ensure_ascii=False)}\n\n")
        finally:
            feed.listeners.discard(listener)

    return app


def _agent_view(session: Session) -> Dict[str, Any]:
    agent = session.agent
    return {"username": agent.username, "display_name": agent.display_name, "role": agent.role}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("WALLET_DESK_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("WALLET_DESK_PORT", 5006)))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    create_app().run(host=args.host, port=args.port, access_log=False)


if __name__ == "__main__":
    main()
