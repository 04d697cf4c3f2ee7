"""Hypothesis for hostile input against a running gateway: strategies (any JSON shape,
awkward text, SQL-looking strings) and `fuzz()`, which runs the examples on the test's loop."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

T = TypeVar("T")
EXAMPLE_TIMEOUT = 60.0

# Bounded and deadline-free: the gateway runs for real, so one example takes milliseconds,
# and CI time is what matters. Fixtures (the running gateway) are shared by the examples on
# purpose: every invariant is checked as a change from before the example.
FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)

HOSTILE_STRINGS = (
    "'; DROP TABLE messages; --",
    "1' OR '1'='1",
    "Robert'); DELETE FROM conversations WHERE ('1'='1",
    "%' UNION SELECT password_hash FROM agents --",
    '<script>alert("x")</script>',
    '<img src=x onerror="alert(1)">',
    "{{7*7}} ${7*7} %s %(x)s",
    "\x00nul\x00",
    "\x1b[31mred\x1b[0m\r\n\t\x07\x7f",
    "\u202eevil\u202c \u200b\ufeff",
    "\ud800 lone surrogate",
    "🚧 nid-de-poule ✓ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
)

# Text as JSON can carry it: any code point, lone surrogates included (a browser's JSON.stringify
# of a broken string sends "\ud800"), control characters, and known hostile strings.
any_text = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec=None, categories=["Cs", "Cc", "Cf", "Zs"]), max_size=12),
    st.sampled_from(HOSTILE_STRINGS),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    any_text,
)
json_values: st.SearchStrategy[Any] = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=8,
)


async def fuzz(
    strategy: st.SearchStrategy[T],
    check: Callable[[T], Awaitable[None]],
    config: settings = FUZZ,
) -> None:
    """Check every example of `strategy` with `check`, on this event loop (where the gateway
    and its clients live); Hypothesis itself runs in a worker thread and shrinks failures."""
    loop = asyncio.get_running_loop()

    @config
    @given(strategy)
    def run(value: T) -> None:
        asyncio.run_coroutine_threadsafe(check(value), loop).result(EXAMPLE_TIMEOUT)

    await asyncio.to_thread(run)
