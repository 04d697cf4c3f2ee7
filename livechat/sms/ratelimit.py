"""Per-number rate limit of incoming SMS: a token bucket, and one notice per window.

State is per gateway process (several processes each apply the limit on their own share).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_TRACKED = 50_000


@dataclass
class _Bucket:
    tokens: float
    updated: float
    notified_at: float | None = None


class PhoneRateLimiter:
    """Allows `per_minute` messages per number per minute (bursts up to `per_minute`)."""

    def __init__(
        self,
        per_minute: int,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / window
        self.window = window
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def allow(self, phone: str) -> bool:
        """Take one token for `phone`; False when its bucket is empty."""
        now = self.clock()
        bucket = self._buckets.get(phone)
        if bucket is None:
            self._forget_idle(now)
            bucket = self._buckets[phone] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return True
        return False

    def should_notify(self, phone: str) -> bool:
        """True at most once per window for a limited number: time to send the notice."""
        now = self.clock()
        bucket = self._buckets.get(phone)
        if bucket is None:
            return False
        if bucket.notified_at is not None and now - bucket.notified_at < self.window:
            return False
        bucket.notified_at = now
        return True

    def _forget_idle(self, now: float) -> None:
        # Bound memory: a bucket idle for a window is full again, so it can be dropped.
        if len(self._buckets) < MAX_TRACKED:
            return
        for phone, bucket in list(self._buckets.items()):
            if now - bucket.updated >= self.window:
                del self._buckets[phone]
