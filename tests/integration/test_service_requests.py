"""A citizen files a service request with the real bot, then tracks it: web chat end to end.

The bot's form, its actions calling the gateway's requests API, the reference number, the
Open311 face and the staff status change all run for real.
"""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest

from tests.integration.conftest import STAFF_TOKEN
from tests.support.citizen import CitizenClient

REFERENCE = re.compile(r"311-[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}")

FLOWS = {
    "fr": {
        "report": "Il y a un gros nid-de-poule devant le 455 rue Principale",
        "size": "2",
        "no": "non",
        "confirm": "oui",
        "track": "où en est ma demande {ref}?",
        "status_note": "Une équipe est en route.",
    },
    "en": {
        "report": "There's a big pothole in front of 12 Queen Street",
        "size": "3",
        "no": "no",
        "confirm": "yes",
        "track": "what's the status of my request {ref}",
        "status_note": "A crew is on its way.",
    },
}


async def turn(citizen: CitizenClient, text: str) -> str:
    await citizen.say(text)
    replies = [await citizen.reply(60), *await citizen.drain(2)]
    return "\n".join(r.get("text", "") for r in replies)


async def get_json(url: str, **kwargs: Any) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http, http.get(url, **kwargs) as response:
        return response.status, await response.json(content_type=None)


@pytest.mark.parametrize("language", ["fr", "en"])
async def test_file_then_track_a_pothole(stack, language: str) -> None:
    flow = FLOWS[language]
    citizen = CitizenClient(stack.gateway_url)
    await citizen.connect()
    try:
        question = await turn(citizen, flow["report"])
        assert "1." in question and "2." in question, question  # the size, as numbered choices
        await turn(citizen, flow["size"])  # then: a photo? (optional)
        await turn(citizen, flow["no"])  # then: a phone or e-mail for updates? (optional)
        summary = await turn(citizen, flow["no"])
        assert ("455 rue Principale" if language == "fr" else "12 Queen Street") in summary
        filed = await turn(citizen, flow["confirm"])
        found = REFERENCE.search(filed)
        assert found, filed
        ref = found.group(0)

        # The request exists with what the citizen said, in their language, on the web channel.
        status, body = await get_json(f"{stack.gateway_url}/api/v1/requests/{ref}")
        assert status == 200, body
        assert body["service_code"] == "report_pothole"
        assert body["status"] == "open"
        # Open311 shows it too, without any contact detail.
        status, open311 = await get_json(f"{stack.gateway_url}/open311/v2/requests/{ref}.json")
        assert status == 200
        assert open311[0]["service_request_id"] == ref
        for private in ("email", "phone", "first_name", "last_name", "name"):
            assert private not in open311[0]

        # Staff move it along; the citizen asks the bot and hears the new status and note.
        async with aiohttp.ClientSession() as http, http.post(
            f"{stack.gateway_url}/api/v1/requests/{ref}/status",
            json={"status": "in_progress", "note": flow["status_note"], "language": language},
            headers={"Authorization": f"Bearer {STAFF_TOKEN}"},
        ) as response:
            assert response.status == 200, await response.text()
        tracked = await turn(citizen, flow["track"].format(ref=ref.lower().replace("-", " ")))
        assert flow["status_note"] in tracked, tracked
    finally:
        await citizen.close()
