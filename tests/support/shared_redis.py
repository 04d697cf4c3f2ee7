"""The shared Redis server (127.0.0.1:6379) of the scale-out tests: reachable, or the test is
skipped. Fault tests never use it: they stop Redis, so they start their own
(tests/faults/services.py)."""

from __future__ import annotations

import pytest
import redis.asyncio

SHARED_REDIS_URL = "redis://127.0.0.1:6379/0"


async def shared_redis_url() -> str:
    """The shared Redis's URL once it answers a PING; skips the test when it does not."""
    client = redis.asyncio.Redis.from_url(SHARED_REDIS_URL)
    try:
        await client.ping()
    except (OSError, redis.RedisError) as error:
        pytest.skip(f"Redis at 127.0.0.1:6379 unreachable: {error!r}")
    finally:
        await client.aclose()
    return SHARED_REDIS_URL
