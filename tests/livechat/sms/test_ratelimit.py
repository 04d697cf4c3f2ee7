"""Per-number token bucket and one notice per window (a controllable clock, no sleeping)."""

from __future__ import annotations

from livechat.sms.ratelimit import PhoneRateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_ten_per_minute_then_refused() -> None:
    clock = Clock()
    limiter = PhoneRateLimiter(10, clock=clock)
    assert all(limiter.allow("+15145551234") for _ in range(10))
    assert not limiter.allow("+15145551234")
    assert limiter.allow("+15145559999")  # another number has its own bucket


def test_tokens_come_back_with_time() -> None:
    clock = Clock()
    limiter = PhoneRateLimiter(10, clock=clock)
    for _ in range(10):
        limiter.allow("+15145551234")
    clock.now += 6.0  # one token every 6 s at 10/min
    assert limiter.allow("+15145551234")
    assert not limiter.allow("+15145551234")
    clock.now += 60.0
    assert sum(limiter.allow("+15145551234") for _ in range(20)) == 10


def test_one_notice_per_window() -> None:
    clock = Clock()
    limiter = PhoneRateLimiter(2, clock=clock)
    for _ in range(3):
        limiter.allow("+15145551234")
    assert limiter.should_notify("+15145551234")
    assert not limiter.should_notify("+15145551234")
    clock.now += 59.0
    assert not limiter.should_notify("+15145551234")
    clock.now += 1.0
    assert limiter.should_notify("+15145551234")


def test_unknown_number_needs_no_notice() -> None:
    assert not PhoneRateLimiter(10).should_notify("+15145551234")
