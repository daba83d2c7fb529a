"""Asyncio load generator: whole conversations over the REST channel or the
WeChat endpoint, closed loop (users without pause) or open loop
(conversations arriving at a fixed rate, 1-3 s of think time per turn).

Locust could drive the closed loop, but not an open-loop arrival rate of
multi-turn conversations with per-turn think time, so the generator is
plain asyncio + aiohttp; it sends traffic to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import math
import random
import statistics
import time
import uuid
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import aiohttp

from bench.conversations import SCRIPTS, wechat_script


@dataclass
class Stats:
    latencies: List[float] = field(default_factory=list)  # seconds
    errors: int = 0
    started: float = field(default_factory=time.perf_counter)
    ended: float = 0.0

    def summary(self) -> Dict[str, float]:
        elapsed = (self.ended or time.perf_counter()) - self.started
        ordered = sorted(self.latencies)

        def pct(q: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2) if ordered else 0.0

        return {"messages": len(ordered), "errors": self.errors, "seconds": round(elapsed, 1),
                "msgs_per_s": round(len(ordered) / elapsed, 1) if elapsed else 0.0,
                "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
                "mean_ms": round(statistics.fmean(ordered) * 1000, 2) if ordered else 0.0}


class RestClient:
    name = "rest"

    def __init__(self, base_url: str) -> None:
        self.url = base_url + "/webhooks/rest/webhook"

    def script(self, script: List[str]) -> List[str]:
        return script

    async def send(self, session: aiohttp.ClientSession, sender: str, text: str) -> bool:
        async with session.post(self.url, json={"sender": sender, "message": text}) as response:
            body = await response.read()
            return response.status == 200 and body.startswith(b"[") and len(body) > 2


class WeChatClient:
    name = "wechat"

    def __init__(self, base_url: str, token: str) -> None:
        self.url = base_url + "/webhooks/wechat/"
        self.token = token
        self.ids = itertools.count(int(time.time() * 1000))

    def script(self, script: List[str]) -> List[str]:
        return wechat_script(script)

    async def send(self, session: aiohttp.ClientSession, sender: str, text: str) -> bool:
        timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:10]
        signature = hashlib.sha1("".join(sorted([self.token, timestamp, nonce])).encode()).hexdigest()
        xml = (f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{sender}]]></FromUserName>"
               f"<CreateTime>{timestamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
               f"<Content><![CDATA[{text}]]></Content><MsgId>{next(self.ids)}</MsgId></xml>")
        params = {"signature": signature, "timestamp": timestamp, "nonce": nonce, "openid": sender}
        async with session.post(self.url, params=params, data=xml.encode("utf-8")) as response:
            body = await response.read()
            # "success" means the reply went out late: within the 5 s window that is an error for us.
            return response.status == 200 and b"<Content>" in body


async def _timed(client, session, sender: str, text: str, stats: Stats) -> None:
    started = time.perf_counter()
    try:
        ok = await client.send(session, sender, text)
    except (aiohttp.ClientError, asyncio.TimeoutError):
        ok = False
    if ok:
        stats.latencies.append(time.perf_counter() - started)
    else:
        stats.errors += 1


def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                 timeout=aiohttp.ClientTimeout(total=30))


async def closed_loop(client, users: int, seconds: float, tag: str = "c") -> Dict[str, float]:
    """`users` users, each playing conversations back to back without pause."""
    stats = Stats()
    deadline = time.perf_counter() + seconds

    async def user(number: int) -> None:
        scripts = itertools.cycle(SCRIPTS[number % len(SCRIPTS):] + SCRIPTS[:number % len(SCRIPTS)])
        async with _session() as session:
            while time.perf_counter() < deadline:
                sender = f"{tag}-{number}-{uuid.uuid4().hex[:8]}"
                for text in client.script(next(scripts)):
                    if time.perf_counter() >= deadline:
                        return
                    await _timed(client, session, sender, text, stats)

    await asyncio.gather(*(user(n) for n in range(users)))
    stats.ended = time.perf_counter()
    return {"users": users, **stats.summary()}


def _caught_pause(rng: random.Random, think) -> float:
    """A uniform think pause as seen at a random moment (length-biased):
    density proportional to its length on [low, high]."""
    low, high = think
    return math.sqrt(low * low + rng.random() * (high * high - low * low))


async def open_loop(client, rate: float, seconds: float, think=(1.0, 3.0), tag: str = "o",
                    seed: int = 7) -> Dict[str, float]:
    """Conversations arrive (Poisson) so that `rate` messages/s are offered;
    each user waits 1-3 s after every reply before the next turn."""
    rng = random.Random(seed)
    stats = Stats()
    mean_turns = statistics.fmean(len(s) for s in SCRIPTS)
    arrivals_per_s = rate / mean_turns
    deadline = time.perf_counter() + seconds
    tasks = []
    offered = 0

    async with _session() as session:
        async def conversation(script: List[str], sender: str, first_pause: float = 0.0) -> None:
            nonlocal offered
            for i, text in enumerate(client.script(script)):
                await asyncio.sleep(rng.uniform(*think) if i else first_pause)
                if time.perf_counter() >= deadline:
                    return
                offered += 1
                await _timed(client, session, sender, text, stats)

        # Warm start: conversations already under way, so the offered rate is
        # reached at once instead of after one conversation length. Each is in
        # the middle of a think pause: a pause drawn as an observer arriving at
        # a random moment sees it (longer pauses are likelier to be caught),
        # and the part of it still to come. Sending all their first messages
        # at once would offer twice the rate for the first seconds.
        in_flight = int(arrivals_per_s * mean_turns * statistics.fmean(think))
        for n in range(in_flight):
            script = SCRIPTS[n % len(SCRIPTS)]
            skip = rng.randrange(len(script))
            remaining = rng.uniform(0, _caught_pause(rng, think))
            tasks.append(asyncio.ensure_future(
                conversation(script[skip:], f"{tag}-w{n}-{uuid.uuid4().hex[:6]}", first_pause=remaining)))
        n = 0
        while time.perf_counter() < deadline:
            await asyncio.sleep(rng.expovariate(arrivals_per_s))
            script = SCRIPTS[n % len(SCRIPTS)]
            tasks.append(asyncio.ensure_future(conversation(script, f"{tag}-{n}-{uuid.uuid4().hex[:6]}")))
            n += 1
        await asyncio.gather(*tasks)
    stats.ended = time.perf_counter()
    summary = stats.summary()
    summary["offered_msgs_per_s"] = round(offered / seconds, 1)
    return {"rate": rate, **summary}


async def long_conversation(client, checkpoints=(5, 50, 200, 1000), samples: int = 5,
                            new_session_per_visit: bool = True,
                            api: Optional[Tuple[str, str]] = None) -> Dict[str, float]:
    """One sender playing visit after visit (the conversation scripts) for
    max(checkpoints) messages; latency around each checkpoint is the median of
    the `samples` messages ending there.

    With `new_session_per_visit` (and `api`: Rasa's HTTP API URL with its
    token), each visit starts a new session through the API, which is what
    Rasa does by itself when a user comes back after the session expired (4
    hours here): a WeChat user's months-long chat is many short sessions. A
    typed "/session_start" would not do: the channels read a payload the bot
    did not offer as words. Without it, every message lands in one
    ever-growing session (capped by the tracker store).
    """
    sender = f"long-{uuid.uuid4().hex[:8]}"
    latencies: List[float] = []
    visits = itertools.cycle(SCRIPTS)
    async with _session() as session:
        while len(latencies) < max(checkpoints):
            if new_session_per_visit and api:
                base, token = api
                async with session.post(f"{base}/conversations/{sender}/trigger_intent", params={"token": token},
                                        json={"name": "session_start"}) as response:
                    await response.read()
            for text in client.script(next(visits)):
                started = time.perf_counter()
                await client.send(session, sender, text)
                latencies.append(time.perf_counter() - started)
    result = {}
    for mark in checkpoints:
        window = latencies[max(0, mark - samples):mark]
        result[f"message_{mark}_ms"] = round(statistics.median(window) * 1000, 2)
    return result
