"""Jobs run one at a time per key, in submission order, while different keys run concurrently.

The router keeps a conversation's messages in order this way: Rasa sees them in the order they
were stored and replies go out in that order.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[object]]


class OrderedWorkers:
    """One FIFO worker task per key, alive while the key has jobs."""

    def __init__(self, name: str, key_field: str = "key") -> None:
        """`name` names the tasks and the failure log ("<name> handling failed"); `key_field`
        is the key's name in the log record (e.g. conversation_id)."""
        self._name = name
        self._key_field = key_field
        self._queues: dict[int, deque[Job]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}

    def busy(self, key: int) -> bool:
        """Whether a job of this key is queued or running."""
        return key in self._workers

    def submit(self, key: int, job: Job) -> None:
        """Run `job` after the jobs of `key` already submitted."""
        self._queues.setdefault(key, deque()).append(job)
        if key not in self._workers:
            self._workers[key] = asyncio.create_task(self._work(key), name=f"{self._name}-{key}")

    async def join(self) -> None:
        """Wait until every submitted job has run."""
        while self._workers:
            await asyncio.gather(*self._workers.values(), return_exceptions=True)

    async def close(self) -> None:
        """Cancel pending work (shutdown)."""
        workers = list(self._workers.values())
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        self._queues.clear()

    async def _work(self, key: int) -> None:
        try:
            while True:
                queue = self._queues.get(key)
                if not queue:
                    self._queues.pop(key, None)
                    return
                job = queue.popleft()
                try:
                    await job()
                except Exception:
                    log.exception("%s handling failed", self._name, extra={self._key_field: key})
        finally:
            self._workers.pop(key, None)
