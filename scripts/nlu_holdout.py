"""Parse the held-out messages (bot/tests/nlu_holdout.yml) with a trained model.

Prints the intent accuracy on messages the model never saw, each miss with its confidence, and
the parse latency (the processor's `parse_message`, the work behind `POST /model/parse`, without
HTTP), so a change of pipeline shows what it costs per message. Extra messages given with
`--fallback TEXT` must come out as `nlu_fallback` (gibberish, or answers that only make sense
inside a form).

Run with the bot environment: `.venvs/bot/bin/python scripts/nlu_holdout.py [--model PATH]`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.evaluate import predicted_name, quiet_logs, top_confidence  # noqa: E402

HOLDOUT = ROOT / "bot" / "tests" / "nlu_holdout.yml"


def holdout_examples(path: Path) -> list[tuple[str, str]]:
    """(text, full intent name) for every held-out message."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("text"), m.get("intent_response_key") or m.get("intent"))
            for m in data.intent_examples]


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "city311.tar.gz")
    parser.add_argument("--holdout", type=Path, default=HOLDOUT)
    parser.add_argument("--fallback", action="append", default=[],
                        help="a message that must be nlu_fallback (repeatable)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="parse every message this many times for the latency figure")
    args = parser.parse_args()

    from rasa.core.agent import Agent

    agent = Agent.load(str(args.model))
    cases = holdout_examples(args.holdout) + [(text, "nlu_fallback") for text in args.fallback]
    await agent.parse_message("bonjour")  # the first parse builds TensorFlow's graph
    misses = 0
    for text, gold in cases:
        parsed = await agent.parse_message(text)
        predicted = predicted_name(parsed)
        if predicted != gold:
            misses += 1
            print(f"  miss: {text!r}: {gold} -> {predicted} "
                  f"(top {predicted_name(parsed, ignore_fallback=True)} "
                  f"{top_confidence(parsed):.2f})")
    print(f"==> {len(cases) - misses}/{len(cases)} held-out messages right "
          f"({(len(cases) - misses) / len(cases):.3f})")

    timings = []
    for _ in range(args.rounds):
        for text, _gold in cases:
            started = time.perf_counter()
            await agent.parse_message(text)
            timings.append(time.perf_counter() - started)
    timings.sort()
    print(f"==> parse latency over {len(timings)} parses: median "
          f"{1000 * statistics.median(timings):.1f} ms, p95 "
          f"{1000 * timings[int(0.95 * (len(timings) - 1))]:.1f} ms, mean "
          f"{1000 * statistics.fmean(timings):.1f} ms")
    return 1 if misses else 0


if __name__ == "__main__":
    quiet_logs()
    sys.exit(asyncio.run(main()))
