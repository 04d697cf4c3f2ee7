"""`python -m livechat request status ...`, run as staff would: a real subprocess."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from livechat.requests import subscriptions
from livechat.requests.service import RequestService
from livechat.requests.validation import NewRequest

REPO = Path(__file__).resolve().parents[3]


async def run_cli(database_url: str, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(REPO)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "livechat", "request", "status", *args,
        cwd=REPO, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_cli_changes_status_and_queues_updates(
    service: RequestService, database_url: str
) -> None:
    request, _ = await service.create_request(
        NewRequest(service_code="report_streetlight", address="1 Main St",
                   attributes={"problem": "out"}, language="en")
    )  # fmt: skip
    ref = request.service_request_id
    await subscriptions.subscribe(service, ref, "email", "sam@example.org", "en", confirmed=True)

    code, out, err = await run_cli(
        database_url, ref.lower(), "in_progress", "--note", "Crew booked", "--language", "en"
    )
    assert code == 0, err
    assert out.strip() == f"{ref}: in_progress (1 update(s) queued)"
    stored = await service.get(ref)
    assert (stored.status, stored.status_notes) == ("in_progress", "Crew booked")
    assert stored.events[-1].actor == "staff:cli"

    code, out, _ = await run_cli(database_url, ref, "in_progress", "--note", "Crew booked")
    assert (code, out.strip()) == (0, f"{ref}: already in_progress, nothing changed")


async def test_cli_refuses_bad_references(database_url: str) -> None:
    code, _, err = await run_cli(database_url, "311-OOO-AAA-BBB", "closed")
    assert code == 1
    assert "jamais utilisés" in err
    code, _, err = await run_cli(database_url, "311-OOO-AAA-BBB", "closed", "--language", "en")
    assert "never used" in err
    code, _, err = await run_cli(database_url, "311-AAA-AAA-AAA", "done")
    assert code == 2 and "invalid choice" in err
