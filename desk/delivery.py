"""Getting an agent's words to the user, in the channel they came from.

Everything goes through Rasa's own HTTP API (with its token), so the message
is also stored in the conversation and the widget shows it on the next visit:

  reply          POST /conversations/<id>/tracker/events?output_channel=latest
                 with a `bot` event; Rasa sends it through the user's latest
                 channel (socket.io room, WeChat customer-service API, the
                 REST app's callback URL)
  close/handback POST /conversations/<id>/trigger_intent: the bot takes over
                 again (thanks, rating) through the same channel

Where a channel cannot reach the user live (`rasa shell`, a REST app without
a callback URL, WeChat after its 48-hour window) the message is stored only
and the agent is told why.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from typing import Any, Dict, List, Optional
from urllib.parse import quote

import aiohttp

logger = logging.getLogger(__name__)

WECHAT_WINDOW_SECONDS = 48 * 3600
SENT, STORED, FAILED = "sent", "stored", "failed"


@dataclass
class Outcome:
    status: str                  # sent | stored | failed
    note: Optional[str] = None   # shown to the agent


def reachability(channel: Optional[str], last_user_at: Optional[float], now: Optional[float] = None) -> Outcome:
    """Whether a reply can reach this user live, said the way an agent needs it."""
    now = now or time.time()
    if channel == "socketio":
        return Outcome(SENT)
    if channel == "wechat":
        if last_user_at and now - last_user_at > WECHAT_WINDOW_SECONDS:
            return Outcome(STORED, "用户最后一次发消息已超过 48 小时，微信不允许再主动发消息。"
                                   "回复已保存，等用户再次发消息后才能联系上。")
        return Outcome(SENT)
    if channel == "rest":
        if os.environ.get("WALLET_REST_CALLBACK_URL"):
            return Outcome(SENT)
        return Outcome(STORED, "这个 App 接入没有配置回调地址，回复已保存在对话记录里，用户下次打开时能看到。")
    return Outcome(STORED, "用户在命令行测试（rasa shell），无法实时送达；回复已保存在对话记录里。")


class RasaLink:
    def __init__(self, base_url: Optional[str] = None, token: Optional[str] = None, timeout: float = 15) -> None:
        self.base_url = (base_url or os.environ.get("WALLET_RASA_URL") or "http://127.0.0.1:5005").rstrip("/")
        self.token = token if token is not None else os.environ.get("RASA_AUTH_TOKEN", "")
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: Optional[aiohttp.ClientSession] = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _post(self, path: str, body: Any, live: bool) -> Optional[str]:
        """None when Rasa took it; otherwise the error to show the agent."""
        params = {"token": self.token}
        if live:
            params.update(output_channel="latest", execute_side_effects="true")
        try:
            async with self._client().post(self.base_url + path, json=body, params=params) as response:
                if response.status < 300:
                    return None
                text = await response.text()
                logger.error("desk: Rasa refused %s: %s %s", path, response.status, text[:500])
                return _error_for_agent(text)
        except (aiohttp.ClientError, OSError, TimeoutError) as error:
            logger.error("desk: Rasa not reachable for %s: %s", path, error)
            return "智能助手服务暂时连不上，消息没有发出，请稍后重试。"

    async def send_reply(self, conversation_id: str, channel: Optional[str], last_user_at: Optional[float],
                         text: str, agent_name: str) -> Outcome:
        outcome = reachability(channel, last_user_at)
        event = {"event": "bot", "text": text, "timestamp": time.time(),
                 "metadata": {"agent": agent_name, "from_agent": True}}
        error = await self._post(f"/conversations/{quote(conversation_id, safe='')}/tracker/events",
                                 [event], live=outcome.status == SENT)
        if error:
            return Outcome(FAILED, error)
        return outcome

    async def bot_takes_over(self, conversation_id: str, intent: str, entities: Dict[str, Any],
                             channel: Optional[str], last_user_at: Optional[float]) -> Outcome:
        outcome = reachability(channel, last_user_at)
        error = await self._post(f"/conversations/{quote(conversation_id, safe='')}/trigger_intent",
                                 {"name": intent, "entities": entities}, live=outcome.status == SENT)
        return Outcome(FAILED, error) if error else outcome

    async def append_events(self, conversation_id: str, events: List[Dict[str, Any]]) -> Optional[str]:
        return await self._post(f"/conversations/{quote(conversation_id, safe='')}/tracker/events", events, live=False)


def _error_for_agent(text: str) -> str:
    if "45015" in text:
        return "微信提示用户已超过 48 小时没有互动，消息发不出去。"
    if "wechat" in text.lower():
        return "微信接口发送失败：" + text[:200]
    return "消息没有送达：" + text[:200]
