"""The widget on the demo city page, talking to the real gateway, Rasa model and actions.

A question and a service request in each language, then a reload that resumes the chat.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.widget.pages import ChatWidget

REFERENCE = re.compile(r"311-[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}")

CASES = {
    "fr": {
        "page": "/",
        "question": "C'est quoi les heures du clavardage?",
        "answer": re.compile(r"7 h 30|18 h"),
        "report": "Le lampadaire devant le 80 rue Notre-Dame est brûlé",
        "confirm": "Oui",
        "filed": re.compile(r"numéro 311-"),
    },
    "en": {
        "page": "/en",
        "question": "What are the live chat hours?",
        "answer": re.compile(r"7:30|6(:00)? p\.m\.|18:00"),
        "report": "The streetlight in front of 80 King Street is out",
        "confirm": "Yes",
        "filed": re.compile(r"number 311-"),
    },
}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_question_request_and_reload(stack, browser: Browser, language: str) -> None:
    case = CASES[language]
    context = browser.new_context(locale="fr-CA" if language == "fr" else "en-CA")
    page = context.new_page()
    try:
        page.goto(stack.gateway_url + case["page"])
        chat = ChatWidget(page)
        chat.open()

        chat.send(case["question"])
        chat.wait_for_bot(case["answer"], timeout=60_000)

        chat.send(case["report"])
        # Whatever the catalogue asks next, answer with the first choice until the summary.
        for _ in range(4):
            summary = chat.bot_messages().last
            expect(summary).to_be_visible(timeout=60_000)
            page.wait_for_timeout(1500)
            replies = chat.log.locator(".replies button")
            if chat.quick_reply(case["confirm"]).count():
                break
            if replies.count():
                replies.first.click()
            else:
                chat.send("1")
        chat.quick_reply(case["confirm"]).click()
        filed = chat.wait_for_bot(case["filed"], timeout=60_000)
        reference = REFERENCE.search(filed.inner_text())
        assert reference, filed.inner_text()
        chat.screenshot(f"fullstack-{language}-filed")

        # A reload resumes the same session and shows the history, reference number included.
        session = chat.session_id()
        page.reload()
        chat = ChatWidget(page)
        chat.open()
        chat.wait_for_bot(reference.group(0), timeout=30_000)
        assert chat.session_id() == session
        assert chat.axe_violations() == []
    finally:
        context.close()
