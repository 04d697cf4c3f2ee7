"""scripts/stack.py's options for scale-out: shared stores and more Rasa servers (no process
is started here)."""

from __future__ import annotations

from pathlib import Path

from bench.common import Stack
from bench.services import Stores


def test_second_rasa_server_on_shared_stores(tmp_path: Path) -> None:
    stores = Stores("bench_abc", 6390)
    stack = Stack(rasa_port=5101, actions_port=5102, gateway_port=5103, log_dir=tmp_path,
                  rasa_stores=stores.rasa_stores(), extra_rasa_ports=(5104,))
    services = {s.name: s for s in stack.build()}
    assert list(services) == ["actions", "rasa", "rasa2", "gateway"]
    assert services["gateway"].env["RASA_URL"] == "http://127.0.0.1:5101,http://127.0.0.1:5104"
    assert services["rasa2"].ready_url == "http://127.0.0.1:5104/"
    endpoints = (tmp_path / "endpoints.yml").read_text()
    assert 'url: "http://127.0.0.1:5102/webhook"' in endpoints
    assert 'dialect: "postgresql"' in endpoints and 'db: "bench_abc"' in endpoints
    assert 'type: "redis"' in endpoints and "port: 6390" in endpoints
    first, second = services["rasa"].command, services["rasa2"].command
    port_at = first.index("-p") + 1
    assert (first[port_at], second[port_at]) == ("5101", "5104")
    assert first[:port_at] + first[port_at + 1:] == second[:port_at] + second[port_at + 1:]


def test_default_stack_is_unchanged(tmp_path: Path) -> None:
    stack = Stack(rasa_port=5201, actions_port=5202, gateway_port=5203, log_dir=tmp_path,
                  tracker_db=tmp_path / "tracker.db")
    services = {s.name: s for s in stack.build()}
    assert list(services) == ["actions", "rasa", "gateway"]
    assert services["gateway"].env["RASA_URL"] == "http://127.0.0.1:5201"
    assert "lock_store:\n  type: in_memory" in (tmp_path / "endpoints.yml").read_text()
