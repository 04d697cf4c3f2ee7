"""The service-request form's detours with the real bot: a question in the middle, a photo,
a contact for updates, a correction from the summary, keyboard mash, then filing (web chat)."""

from __future__ import annotations

import re

from tests.integration.test_service_requests import REFERENCE, turn
from tests.support.citizen import CitizenClient

LIBRARY_HOURS_EN = "each library's current hours are at ville.example/libraries"


async def test_question_photo_contact_and_correction_then_filed(stack) -> None:
    citizen = CitizenClient(stack.gateway_url)
    await citizen.connect()
    try:
        size = await turn(citizen, "There's a big pothole in front of 12 Queen Street")
        assert "How big is the pothole?" in size, size
        # A question in the middle: answered, then the pending question again.
        detour = await turn(citizen, "what are the library hours?")
        assert LIBRARY_HOURS_EN in detour and "How big is the pothole?" in detour, detour
        photo = await turn(citizen, "3")
        assert "photo" in photo, photo
        await citizen.say("📷 Photo attached: /uploads/pothole.jpg",
                          metadata={"photo_url": "/uploads/pothole.jpg"})  # fmt: skip
        contact = "\n".join(r.get("text", "") for r in [await citizen.reply(60),
                                                        *await citizen.drain(2)])  # fmt: skip
        assert "mobile number" in contact, contact
        bad = await turn(citizen, "name@example")
        assert "does not look valid" in bad, bad
        language = await turn(citizen, "name@example.ca")
        assert "language" in language, language
        summary = await turn(citizen, "2")
        assert "12 Queen Street" in summary and "1 photo(s)" in summary, summary
        assert "name@example.ca (English)" in summary, summary
        again = await turn(citizen, "change the address")
        assert "address" in again.lower(), again
        corrected = await turn(citizen, "40 King Street")
        assert "40 King Street" in corrected and "12 Queen Street" not in corrected, corrected
        # Keyboard mash at the summary files nothing: the summary's question again.
        mash = await turn(citizen, "asdf")
        assert not REFERENCE.search(mash) and 'Answer "yes" to send it' in mash, mash
        filed = await turn(citizen, "yes")
        assert REFERENCE.search(filed), filed
        assert re.search(r"Updates will be sent to you by e-mail", filed), filed
    finally:
        await citizen.close()
