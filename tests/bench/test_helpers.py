"""The bench's own arithmetic and bookkeeping: percentiles, slopes, the order and loss checks,
the printed report and the comparison of two results files (no timing is asserted)."""

from __future__ import annotations

import math

import pytest

from bench.common import percentile, slope_per_minute, summary
from bench.report import compare_lines, flatten, report_lines, section_lines
from bench.scaleout import order_problems
from bench.soak import memory_figures
from bench.soak_check import Ledger, check_sms, check_web, web_paragraphs


def test_percentile_interpolates_between_ranks() -> None:
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert percentile(values, 50) == 3.0
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 5.0
    assert math.isclose(percentile(values, 95), 4.8)
    assert percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_summary_is_in_milliseconds() -> None:
    assert summary([0.1, 0.2, 0.3]) == {"n": 3, "p50_ms": 200.0, "p95_ms": 290.0,
                                        "mean_ms": 200.0}


def test_slope_per_minute() -> None:
    assert slope_per_minute([(0, 100.0), (30, 101.0), (60, 102.0)]) == pytest.approx(2.0)
    assert slope_per_minute([(0, 100.0)]) == 0.0
    assert slope_per_minute([(5, 1.0), (5, 2.0)]) == 0.0


def test_memory_figures_judge_only_after_the_warm_up() -> None:
    short = memory_figures([(t, 100.0 + t) for t in range(0, 70, 10)])
    assert short["steady_slope_mb_per_min"] is None
    assert short["slope_mb_per_min"] == pytest.approx(60.0)
    # Growth in the first minute only, flat afterwards.
    samples = [(float(t), 100.0 + min(t, 60)) for t in range(0, 600, 10)]
    figures = memory_figures(samples)
    assert figures["steady_slope_mb_per_min"] == 0.0
    assert (figures["start_mb"], figures["end_mb"], figures["samples"]) == (100.0, 160.0, 60)


def user(text: str) -> dict[str, str]:
    return {"event": "user", "text": text}


def test_order_problems() -> None:
    sent = ["Bonjour", "merci", "Hello"]
    events = [{"event": "action", "name": "action_listen"}, user("Bonjour"),
              {"event": "bot", "text": "Allo!"}, user("merci"), user("Hello")]
    assert order_problems(sent, events) == []
    swapped = order_problems(sent, [user("Bonjour"), user("Hello"), user("merci")])
    assert swapped == ["out of order: sent ['Bonjour', 'merci', 'Hello'], "
                       "processed ['Bonjour', 'Hello', 'merci']"]
    assert order_problems(sent, [user("Bonjour"), user("Hello")]) == ["missing ['merci']"]
    repeated = order_problems(sent, [*map(user, sent), user("Hello"), user("allo")])
    assert repeated == ["unexpected or repeated ['Hello', 'allo']"]


def test_ledger_counts_lost_and_duplicated() -> None:
    ledger = Ledger()
    ledger.differ("web abc", "replies", ["a", "b", "b"], ["a", "b", "c", "c"])
    assert (ledger.lost, ledger.duplicated) == (1, 2)
    assert ledger.examples == ["web abc replies lost: ['b']", "web abc replies duplicated: ['c']"]


def test_web_and_sms_checks_against_stored_rows() -> None:
    # session, phone, direction, sender, content, source_id, client_message_id, private
    rows = [
        ("s1", None, "incoming", "citizen", "Bonjour", None, "c1", False),
        ("s1", None, "outgoing", "bot", "Bonjour!\n\nComment puis-je aider?", None, None, False),
        ("s1", None, "outgoing", "system", "En file", None, None, False),
        ("s1", None, "activity", "agent", "note", None, None, True),
        ("s1", None, "outgoing", "agent", "Agent reply 1", None, None, False),
        (None, "+17055550001", "incoming", "citizen", "Hello", "SMin", None, False),
        (None, "+17055550001", "outgoing", "bot", "Hi!", "SMout1", None, False),
        (None, "+17055550001", "outgoing", "bot", "Second", None, None, False),
    ]
    ledger = Ledger()
    received = [{"text": "Bonjour!"}, {"text": "Comment puis-je aider?"},
                {"text": "En file", "sender": "system", "kind": "queue_position"},
                {"text": "Agent reply 1", "sender": "agent"}]
    check_web(ledger, rows, "s1", ["c1"], received)
    assert (ledger.lost, ledger.duplicated, ledger.checked_in, ledger.checked_out) == (0, 0, 1, 3)
    check_web(ledger, rows, "s1", ["c1", "c2"], [*received, received[-1]])
    assert (ledger.lost, ledger.duplicated) == (1, 1)
    sms = Ledger()
    check_sms(sms, rows, "+17055550001", ["SMin"], ["SMout1", "SMextra"])
    # "Second" was stored but never sent; SMextra was sent but is not in the database.
    assert (sms.lost, sms.duplicated) == (1, 1)
    assert web_paragraphs(None) == [] and web_paragraphs(" a\n\nb ") == ["a", "b"]


RESULTS = {
    "at": "2026-01-01T00:00:00+0000",
    "settings": {"rounds": 30},
    "model": {"training_s": 120.0, "rasa_start_with_model_s": 40.0, "model_bytes": 10,
              "method": "m"},
    "latency": {"method": "m", "rasa_rest": {"n": 3, "p50_ms": 100.0, "p95_ms": 150.0},
                "gateway_web": {"n": 3, "p50_ms": 105.0, "p95_ms": 170.0},
                "ratio_p50": 1.05, "ratio_p95": 1.133, "overhead_p50_ms": 5.0},
    "throughput": [{"concurrency": 8, "messages": 80, "rasa_rest_msg_per_s": 10.0,
                    "gateway_web_msg_per_s": 9.0, "ratio": 0.9}],
    "scaleout": {"method": "m", "one_rasa_msg_per_s": 5.0, "two_rasa_msg_per_s": 6.0,
                 "ratio": 1.2, "rasa_cpu_s_during_two": {"rasa": 1.0, "rasa2": 1.1},
                 "order": {"conversations": 4, "out_of_order_or_missing": 0, "examples": {}}},
}


def test_report_prints_every_part_with_its_method() -> None:
    lines = report_lines(RESULTS)
    text = "\n".join(lines)
    assert lines[0] == "==> (5) model"
    assert "within the 10% target at p50" in text
    assert "8 conversations: Rasa REST 10.0 msg/s, gateway web 9.0 msg/s, ratio 0.9" in text
    assert "0 of 4 conversations with turns out of order or missing" in text
    assert text.count("method: m") == 3
    over = {**RESULTS["latency"], "ratio_p50": 1.2}  # type: ignore[dict-item]
    assert "OVER the 10% target" in "\n".join(section_lines("latency", over))
    assert section_lines("unknown", {}) == []


def test_compare_lists_measured_figures_with_their_change() -> None:
    newer = {**RESULTS, "settings": {"rounds": 300},
             "throughput": [{**RESULTS["throughput"][0], "gateway_web_msg_per_s": 9.9}]}  # type: ignore[index]
    lines = compare_lines(RESULTS, newer)
    assert lines[1] == "    (the runs' settings differ: counts are not comparable one to one)"
    row = next(line for line in lines if "throughput[8].gateway_web_msg_per_s" in line)
    assert row.split()[-3:] == ["9.00", "9.90", "+10.0%"]
    assert not any("settings." in line for line in lines)
    flat = flatten({"a": [{"concurrency": 1, "x": 2}], "b": True, "c": "s", "d": [3]})
    assert flat == {"a[1].concurrency": 1.0, "a[1].x": 2.0, "d[0]": 3.0}
