"""Printing the figures with their methods, and comparing two results files.

Results are plain JSON (results/bench.json); `--compare old.json` prints each numeric figure
of both runs side by side with the change.
"""

from __future__ import annotations

from typing import Any


def _latency(name: str, r: dict[str, Any], path: str) -> list[str]:
    base, gw = r["rasa_rest"], r[path]
    verdict = "within" if r["ratio_p50"] <= 1.10 else "OVER"
    return [
        f"    method: {r['method']}",
        f"    Rasa REST channel : p50 {base['p50_ms']:8.2f} ms   p95 {base['p95_ms']:8.2f} ms",
        f"    gateway {name:<10}: p50 {gw['p50_ms']:8.2f} ms   p95 {gw['p95_ms']:8.2f} ms",
        f"    ratio p50 {r['ratio_p50']:.3f} (+{r['overhead_p50_ms']} ms), ratio p95 "
        f"{r['ratio_p95']:.3f}; {verdict} the 10% target at p50",
    ]


def section_lines(key: str, r: Any) -> list[str]:
    """The printed lines of one part of the results."""
    if key == "latency":
        return ["==> (1) bot round trip, web chat", *_latency("web chat", r, "gateway_web")]
    if key == "sms_latency":
        ack = r["webhook_ack"]
        return ["==> (1) bot round trip, SMS", *_latency("SMS", r, "gateway_sms"),
                f"    (webhook acknowledged in p50 {ack['p50_ms']} ms, p95 {ack['p95_ms']} ms)"]
    if key == "throughput":
        out = ["==> (2) throughput: N conversations at once, each message after the previous "
               "reply; Rasa REST alone, then gateway web chat"]
        out += [f"    {row['concurrency']:>3} conversations: Rasa REST "
                f"{row['rasa_rest_msg_per_s']} msg/s, gateway web {row['gateway_web_msg_per_s']}"
                f" msg/s, ratio {row['ratio']}" for row in r]
        return out
    if key == "connections":
        d = r["agent_delivery"]
        return ["==> (3) concurrent web-chat connections on one gateway process",
                f"    method: {r['method']}",
                f"    {r['connected']}/{r['requested']} connected ({r['failed']} failed) in "
                f"{r['connect_all_s']} s; gateway RSS {r['rss_before_mb']} -> "
                f"{r['rss_after_mb']} MB, {r['rss_per_connection_kb']} KB per connection",
                f"    agent -> citizen delivery meanwhile: p50 {d['p50_ms']} ms, "
                f"p95 {d['p95_ms']} ms (n={d['n']})"]
    if key == "sms_ack":
        return ["==> (4) SMS webhook acknowledgement", f"    method: {r['method']}",
                f"    p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms (n={r['n']}), "
                f"HTTP statuses {r['statuses']}"]
    if key == "model":
        return ["==> (5) model", f"    method: {r['method']}",
                f"    trained in {r['training_s']} s (when trained by bootstrap), Rasa up with "
                f"the model in {r['rasa_start_with_model_s']} s, model {r['model_bytes']} bytes"]
    if key == "alone":
        return ["==> (1b) the gateway alone: a fake Rasa that answers at once",
                f"    method: {r['method']}",
                f"    floor (one HTTP round trip): p50 {r['floor']['p50_ms']} ms",
                f"    web chat: p50 {r['web']['p50_ms']} ms (+{r['web_added_p50_ms']} ms), "
                f"{r['web_cpu_ms_per_message']} ms of gateway CPU per message",
                f"    SMS: p50 {r['sms']['p50_ms']} ms (+{r['sms_added_p50_ms']} ms), "
                f"{r['sms_cpu_ms_per_message']} ms of gateway CPU per message"]
    if key == "scaleout":
        o = r["order"]
        return ["==> (6) two Rasa servers (shared SQL tracker, Redis lock) behind one gateway",
                f"    method: {r['method']}",
                f"    one Rasa {r['one_rasa_msg_per_s']} msg/s, two Rasa "
                f"{r['two_rasa_msg_per_s']} msg/s, ratio {r['ratio']} (Rasa CPU seconds "
                f"during the two-server run: {r['rasa_cpu_s_during_two']})",
                f"    {o['out_of_order_or_missing']} of {o['conversations']} conversations with "
                f"turns out of order or missing {o['examples'] or ''}".rstrip()]
    return []


ORDER = ("model", "latency", "sms_latency", "alone", "throughput", "connections", "sms_ack",
         "scaleout")


def report_lines(results: dict[str, Any]) -> list[str]:
    """Every measured part, in the issue's order."""
    return [line for key in ORDER if key in results for line in section_lines(key, results[key])]


def flatten(value: Any, prefix: str = "") -> dict[str, float]:
    """Numeric leaves by dotted path; list items named by their concurrency or index."""
    out: dict[str, float] = {}
    if isinstance(value, bool):
        return out
    if isinstance(value, int | float):
        return {prefix: float(value)}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            name = item.get("concurrency", index) if isinstance(item, dict) else index
            out.update(flatten(item, f"{prefix}[{name}]"))
    return out


def compare_lines(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Figures of both runs side by side (only those in both), with the relative change."""
    before, after = flatten(old), flatten(new)
    lines = [f"==> compared with the run of {old.get('at', '?')}"]
    if old.get("settings") != new.get("settings"):
        lines.append("    (the runs' settings differ: counts are not comparable one to one)")
    lines.append(f"    {'figure':<52} {'before':>12} {'after':>12} {'change':>8}")
    measured = {k for k in before.keys() & after.keys()
                if not k.startswith(("settings.", "machine."))}
    for key in sorted(measured):
        a, b = before[key], after[key]
        change = f"{(b - a) / a * 100:+.1f}%" if a else "n/a"
        lines.append(f"    {key:<52} {a:>12.2f} {b:>12.2f} {change:>8}")
    return lines
