"""OrderedWorkers: one job at a time per key, in order; keys concurrently."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import pytest

from livechat.conversations.ordered import OrderedWorkers


async def test_jobs_of_a_key_run_in_order_and_keys_run_concurrently() -> None:
    workers = OrderedWorkers("test")
    log: list[str] = []
    running: set[int] = set()
    overlap: list[tuple[int, ...]] = []

    def job(key: int, name: str, delay: float) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            running.add(key)
            overlap.append(tuple(sorted(running)))
            await asyncio.sleep(delay)
            log.append(name)
            running.discard(key)

        return run

    for key in (1, 2):
        for index, delay in enumerate((0.05, 0.0, 0.02)):
            workers.submit(key, job(key, f"{key}-{index}", delay))
    assert workers.busy(1) and workers.busy(2) and not workers.busy(3)
    await workers.join()

    assert [name for name in log if name.startswith("1")] == ["1-0", "1-1", "1-2"]
    assert [name for name in log if name.startswith("2")] == ["2-0", "2-1", "2-2"]
    assert (1, 2) in overlap  # the two keys were in hand at the same time
    assert not workers.busy(1) and not workers.busy(2)


async def test_a_failing_job_is_logged_and_the_next_one_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    workers = OrderedWorkers("message", key_field="conversation_id")
    done: list[str] = []

    async def fails() -> None:
        raise RuntimeError("boom")

    async def next_one() -> None:
        done.append("next")

    with caplog.at_level(logging.ERROR):
        workers.submit(7, fails)
        workers.submit(7, next_one)
        await workers.join()

    assert done == ["next"]
    failures = [r for r in caplog.records if r.getMessage() == "message handling failed"]
    assert [getattr(r, "conversation_id", None) for r in failures] == [7]


async def test_close_cancels_what_is_pending() -> None:
    workers = OrderedWorkers("test")
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.sleep(3600)

    workers.submit(1, forever)
    await started.wait()
    await workers.close()

    assert not workers.busy(1)
