"""BackgroundTasks: kept while running, joined including late ones, cancelled on close."""

from __future__ import annotations

import asyncio

from livechat.background import BackgroundTasks


async def test_join_waits_for_tasks_started_meanwhile_and_forgets_them() -> None:
    tasks = BackgroundTasks()
    done: list[str] = []

    async def second() -> None:
        done.append("second")

    async def first() -> None:
        await asyncio.sleep(0.01)
        tasks.spawn(second())
        done.append("first")

    tasks.spawn(first(), name="first")
    assert len(tasks) == 1
    await asyncio.wait_for(tasks.join(), 1)
    assert done == ["first", "second"]
    assert len(tasks) == 0


async def test_close_cancels_what_still_runs() -> None:
    tasks = BackgroundTasks()
    task = tasks.spawn(asyncio.Event().wait())
    await asyncio.wait_for(tasks.close(), 1)
    assert task.cancelled()
    assert len(tasks) == 0
