"""PendingWrites: a history read waits for the writes of its conversation, and only those."""

from __future__ import annotations

import asyncio

from livechat.conversations.pending import PendingWrites


async def test_settled_waits_for_the_writes_of_its_key_only() -> None:
    writes = PendingWrites()
    release = {1: asyncio.Event(), 2: asyncio.Event()}

    async def write(key: int) -> str:
        await release[key].wait()
        return f"stored {key}"

    first = writes.track(1, write(1))
    writes.track(2, write(2))
    waiting = asyncio.ensure_future(writes.settled(1))
    await asyncio.sleep(0.01)
    assert not waiting.done()  # key 1's write is still in flight
    release[1].set()
    await asyncio.wait_for(waiting, 1)  # key 2's write, still blocked, is not waited for
    assert await first == "stored 1"
    release[2].set()
    await writes.close(timeout=1)


async def test_settled_returns_at_once_without_writes_and_after_a_failed_one() -> None:
    writes = PendingWrites()
    await asyncio.wait_for(writes.settled(7), 0.1)

    async def failing() -> None:
        raise RuntimeError("database down")

    task = writes.track(7, failing())
    await asyncio.wait_for(writes.settled(7), 1)  # a failed write settles too
    assert isinstance(task.exception(), RuntimeError)
    await asyncio.wait_for(writes.settled(7), 0.1)  # and is forgotten


async def test_close_gives_up_after_the_timeout() -> None:
    writes = PendingWrites()
    never = asyncio.Event()
    task = writes.track(3, never.wait())
    await writes.close(timeout=0.05)
    assert not task.done()
    task.cancel()
