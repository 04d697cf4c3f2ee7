"""Writes still in flight, by conversation: bot replies sent to a web citizen while they are
being stored. A history read right after a reply waits for them, so it includes the reply."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

T = TypeVar("T")


class PendingWrites:
    """The storing tasks of each conversation, forgotten as they finish."""

    def __init__(self) -> None:
        self._pending: dict[int, set[asyncio.Future[Any]]] = {}

    def track(self, key: int, write: Awaitable[T]) -> asyncio.Future[T]:
        """Run `write` as a task counted against `key` until it finishes."""
        task = asyncio.ensure_future(write)
        pending = self._pending.setdefault(key, set())
        pending.add(task)

        def done(_: asyncio.Future[T]) -> None:
            pending.discard(task)
            if not pending and self._pending.get(key) is pending:
                del self._pending[key]

        task.add_done_callback(done)
        return task

    async def settled(self, key: int) -> None:
        """Return once the writes of `key` in flight now have finished (at once if none)."""
        pending = self._pending.get(key)
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def close(self, timeout: float) -> None:
        """Give every write in flight up to `timeout` seconds to finish (shutdown)."""
        writes = [task for pending in self._pending.values() for task in pending]
        if writes:
            await asyncio.wait(writes, timeout=timeout)
