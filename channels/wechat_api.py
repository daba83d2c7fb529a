"""The official account's customer-service message API: replies not ready
within WeChat's 5-second window, and agents' replies from the desk.

The access token is kept in one place shared by every process that sends
(Rasa servers, the desk): wechatpy's session-storage interface, backed by
Redis when WALLET_REDIS_URL is set (several servers) and by the desk
database otherwise. The base URL is configurable so tests and staging can
point it at a local server.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import time
from typing import Any, Optional

import aiohttp
import sqlalchemy as sa
from wechatpy.session import SessionStorage

from desk.schema import engine, shared_values

logger = logging.getLogger(__name__)

TOKEN_EXPIRED = {40001, 40014, 42001}
OUT_OF_WINDOW = 45015  # the user has not written within the allowed window


class WeChatSendError(Exception):
    """A message WeChat did not take; the text says why, for people."""

    def __init__(self, message: str, code: Optional[int] = None) -> None:
        super().__init__(message)
        self.code = code


class DatabaseStorage(SessionStorage):
    """wechatpy session storage in the desk database (single-machine mode)."""

    def __init__(self, url: Optional[str] = None) -> None:
        self.engine = engine(url)

    def get(self, key: str, default: Any = None) -> Any:
        with self.engine.connect() as db:
            row = db.execute(sa.select(shared_values.c.value, shared_values.c.expires_at)
                             .where(shared_values.c.key == key)).first()
        if row is None or (row.expires_at and row.expires_at < time.time()):
            return default
        return json.loads(row.value)

    def set(self, key: str, value: Any, ttl: Optional[int] = None) -> None:
        if value is None:
            return
        expires = time.time() + ttl if ttl else None
        with self.engine.begin() as db:
            db.execute(shared_values.delete().where(shared_values.c.key == key))
            db.execute(shared_values.insert().values(key=key, value=json.dumps(value), expires_at=expires))

    def delete(self, key: str) -> None:
        with self.engine.begin() as db:
            db.execute(shared_values.delete().where(shared_values.c.key == key))


def token_storage() -> SessionStorage:
    url = os.environ.get("WALLET_REDIS_URL")
    if url:
        import redis
        from wechatpy.session.redisstorage import RedisStorage

        return RedisStorage(redis.Redis.from_url(url, socket_timeout=5), prefix="wallet:wechat")
    return DatabaseStorage()


class CustomerServiceAPI:
    def __init__(self, base_url: str, app_id: str, app_secret: str, timeout: float = 10,
                 storage: Optional[SessionStorage] = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self.app_secret = app_secret
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._storage = storage
        self._token_lock = asyncio.Lock()

    @property
    def configured(self) -> bool:
        return bool(self.app_id and self.app_secret)

    @property
    def storage(self) -> SessionStorage:
        if self._storage is None:
            self._storage = token_storage()
        return self._storage

    @property
    def token_key(self) -> str:
        return f"{self.app_id}_access_token"  # wechatpy's own key name

    async def _blocking(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args))

    async def _access_token(self, session: aiohttp.ClientSession, refresh: bool = False) -> str:
        async with self._token_lock:
            token = None if refresh else await self._blocking(self.storage.get, self.token_key)
            if token:
                return token
            params = {"grant_type": "client_credential", "appid": self.app_id, "secret": self.app_secret}
            async with session.get(f"{self.base_url}/cgi-bin/token", params=params) as response:
                data = await response.json(content_type=None)
            if "access_token" not in data:
                raise WeChatSendError(f"获取微信 access_token 失败：{data.get('errmsg') or data}", data.get("errcode"))
            # Renew a minute early so a token never expires mid-request.
            ttl = max(60, int(data.get("expires_in", 7200)) - 60)
            await self._blocking(self.storage.set, self.token_key, data["access_token"], ttl)
            return data["access_token"]

    async def send_text(self, open_id: str, text: str) -> None:
        """Sends one text message; raises WeChatSendError when WeChat refuses."""
        if not self.configured:
            raise WeChatSendError("没有配置公众号 AppID / AppSecret，无法发送客服消息")
        body = json.dumps({"touser": open_id, "msgtype": "text", "text": {"content": text}}, ensure_ascii=False)
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                for attempt in range(2):
                    token = await self._access_token(session, refresh=attempt > 0)
                    async with session.post(f"{self.base_url}/cgi-bin/message/custom/send",
                                            params={"access_token": token}, data=body.encode("utf-8"),
                                            headers={"Content-Type": "application/json"}) as response:
                        data = await response.json(content_type=None)
                    code = data.get("errcode", 0)
                    if code == 0:
                        return
                    if code in TOKEN_EXPIRED and attempt == 0:
                        continue
                    if code == OUT_OF_WINDOW:
                        raise WeChatSendError("用户超过 48 小时没有互动，微信不允许再发客服消息", code)
                    raise WeChatSendError(f"微信客服消息接口返回错误 {code}：{data.get('errmsg', '')}", code)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as error:
            raise WeChatSendError(f"连不上微信接口：{error}") from error
