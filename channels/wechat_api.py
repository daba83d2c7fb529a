"""The official account's customer-service message API, used when a reply
is not ready within WeChat's 5-second window. The base URL is configurable
so tests and staging can point it at a local server."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Optional

import aiohttp

logger = logging.getLogger(__name__)

TOKEN_EXPIRED = {40001, 40014, 42001}
OUT_OF_WINDOW = 45015  # the user has not written within the allowed window


class CustomerServiceAPI:
    def __init__(self, base_url: str, app_id: str, app_secret: str, timeout: float = 10) -> None:
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self.app_secret = app_secret
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._token: Optional[str] = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    async def _access_token(self, session: aiohttp.ClientSession, refresh: bool = False) -> str:
        async with self._token_lock:
            if refresh or not self._token or time.time() > self._token_expires:
                params = {"grant_type": "client_credential", "appid": self.app_id, "secret": self.app_secret}
                async with session.get(f"{self.base_url}/cgi-bin/token", params=params) as response:
                    data = await response.json(content_type=None)
                if "access_token" not in data:
                    raise RuntimeError(f"WeChat token request failed: {data}")
                self._token = data["access_token"]
                # Renew a minute early so a token never expires mid-request.
                self._token_expires = time.time() + int(data.get("expires_in", 7200)) - 60
            return self._token

    async def send_text(self, open_id: str, text: str) -> bool:
        body = json.dumps({"touser": open_id, "msgtype": "text", "text": {"content": text}}, ensure_ascii=False)
        async with aiohttp.ClientSession(timeout=self.timeout) as session:
            for attempt in range(2):
                token = await self._access_token(session, refresh=attempt > 0)
                async with session.post(f"{self.base_url}/cgi-bin/message/custom/send",
                                        params={"access_token": token}, data=body.encode("utf-8"),
                                        headers={"Content-Type": "application/json"}) as response:
                    data = await response.json(content_type=None)
                code = data.get("errcode", 0)
                if code == 0:
                    return True
                if code in TOKEN_EXPIRED and attempt == 0:
                    continue
                if code == OUT_OF_WINDOW:
                    logger.warning("wechat: %s is outside the customer-service window; reply dropped", open_id)
                else:
                    logger.error("wechat: customer-service message failed: %s", data)
                return False
        return False
