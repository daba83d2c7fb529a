"""WeChat replies that could not be sent at once (a late reply whose
customer-service call failed) wait here, in the desk database, and are
retried with growing pauses until they go out or are given up on and
reported. Several Rasa servers may run the retry loop: each row is claimed
before it is tried, so it is sent once."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from typing import Any, List, Optional

import sqlalchemy as sa

from channels.wechat_api import OUT_OF_WINDOW, CustomerServiceAPI, WeChatSendError
from desk.schema import engine, wechat_outbox

logger = logging.getLogger(__name__)

# Seconds before attempts 2, 3, ... (WALLET_OUTBOX_BACKOFF="5,30,120,600,1800").
BACKOFF = [float(n) for n in os.environ.get("WALLET_OUTBOX_BACKOFF", "5,30,120,600,1800").split(",")]
CLAIM_SECONDS = 60                   # a claimed row is left alone this long
POLL_SECONDS = float(os.environ.get("WALLET_OUTBOX_POLL_SECONDS", 2.0))
PENDING, SENT, FAILED = "pending", "sent", "failed"


class Outbox:
    def __init__(self, api: CustomerServiceAPI, url: Optional[str] = None) -> None:
        self.api = api
        self.url = url

    @property
    def engine(self) -> sa.engine.Engine:
        return engine(self.url)

    async def _blocking(self, function: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, functools.partial(function, *args))

    async def send(self, open_id: str, pieces: List[str]) -> bool:
        """Sends now; what fails is kept for a retry. True if all went out."""
        for index, piece in enumerate(pieces):
            if not piece:
                continue
            try:
                await self.api.send_text(open_id, piece)
            except WeChatSendError as error:
                logger.error("wechat: reply to %s not sent (%s); kept in the outbox for a retry", open_id, error)
                await self._blocking(self._keep, open_id, [p for p in pieces[index:] if p], str(error),
                                     error.code == OUT_OF_WINDOW)
                return False
        return True

    def _keep(self, open_id: str, pieces: List[str], error: str, hopeless: bool) -> None:
        now = time.time()
        with self.engine.begin() as db:
            db.execute(wechat_outbox.insert(), [{
                "open_id": open_id, "text": piece, "created_at": now, "attempts": 1,
                "next_attempt_at": now + BACKOFF[0], "status": FAILED if hopeless else PENDING,
                "last_error": error} for piece in pieces])

    def _claim_due(self, limit: int = 20) -> List[Any]:
        now = time.time()
        claimed = []
        with self.engine.begin() as db:
            rows = db.execute(sa.select(wechat_outbox).where(
                wechat_outbox.c.status == PENDING, wechat_outbox.c.next_attempt_at <= now)
                .order_by(wechat_outbox.c.id).limit(limit)).all()
            for row in rows:
                taken = db.execute(wechat_outbox.update().where(
                    wechat_outbox.c.id == row.id, wechat_outbox.c.next_attempt_at == row.next_attempt_at,
                    wechat_outbox.c.status == PENDING).values(next_attempt_at=now + CLAIM_SECONDS)).rowcount
                if taken:
                    claimed.append(row)
        return claimed

    def _record(self, row_id: int, attempts: int, error: Optional[str]) -> None:
        values: dict = {"attempts": attempts}
        if error is None:
            values["status"] = SENT
        elif attempts > len(BACKOFF):
            values.update(status=FAILED, last_error=error)
        else:
            values.update(next_attempt_at=time.time() + BACKOFF[attempts - 1], last_error=error)
        with self.engine.begin() as db:
            db.execute(wechat_outbox.update().where(wechat_outbox.c.id == row_id).values(**values))

    async def retry_due(self) -> int:
        """One pass over the messages due for another try; returns how many went out."""
        sent = 0
        for row in await self._blocking(self._claim_due):
            attempts = row.attempts + 1
            try:
                await self.api.send_text(row.open_id, row.text)
                await self._blocking(self._record, row.id, attempts, None)
                sent += 1
            except WeChatSendError as error:
                await self._blocking(self._record, row.id, attempts, str(error))
                if attempts > len(BACKOFF) or error.code == OUT_OF_WINDOW:
                    logger.error("wechat: gave up sending a reply to %s after %d attempts: %s",
                                 row.open_id, attempts, error)
        return sent

    async def run(self) -> None:
        while True:
            try:
                await self.retry_due()
            except Exception:  # the database may be restarting: try again later
                logger.exception("wechat: outbox pass failed")
            await asyncio.sleep(POLL_SECONDS)

    def rows(self) -> List[dict]:
        with self.engine.connect() as db:
            return [dict(r._mapping) for r in db.execute(sa.select(wechat_outbox).order_by(wechat_outbox.c.id))]
