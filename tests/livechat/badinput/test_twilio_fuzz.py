"""Fuzzing Twilio's webhooks with arbitrary form bodies, signed with the real twilio
RequestValidator (as Twilio does) or forged.

Invariants: never a 5xx; a forged or missing signature is 403 and stores nothing; a signed
message from a phone number is stored once per MessageSid, its text as sent; anything else is
refused clearly (400) or acknowledged with empty TwiML, and stores nothing.
"""

from __future__ import annotations

from urllib.parse import urlencode

import aiohttp
from hypothesis import strategies as st
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from livechat.models import Message
from livechat.storable import storable_text
from tests.livechat.badinput.fuzz import HOSTILE_STRINGS, fuzz
from tests.livechat.sms.conftest import AUTH_TOKEN, CITIZEN, PUBLIC_URL, SmsGateway
from tests.livechat.sms.twilio_webhook import new_sid

SMS_PATH = "/webhooks/twilio/sms"
STATUS_PATH = "/webhooks/twilio/status"
SIGNER = RequestValidator(AUTH_TOKEN)

# Form values as a browser or Twilio can encode them (no lone surrogate: not encodable).
form_text = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=30),
    st.sampled_from([t for t in HOSTILE_STRINGS if "\ud800" not in t]),
)
phones = st.one_of(
    st.just(CITIZEN),
    st.sampled_from(["+15145550199", "514-555-0123", "(705) 555-0142", "+33612345678"]),
    form_text,
)
sids = st.one_of(st.builds(new_sid), form_text, st.text("SM0123456789abcdef", max_size=80))
forms = st.one_of(
    st.dictionaries(form_text, form_text, max_size=6),
    st.fixed_dictionaries(
        {"MessageSid": sids, "From": phones, "Body": form_text},
        optional={
            "NumMedia": st.one_of(form_text, st.integers(-5, 20).map(str)),
            "MediaUrl0": form_text,
            "MediaContentType0": form_text,
            "To": form_text,
        },
    ),
)


async def post(
    gateway: SmsGateway, path: str, form: dict[str, str], signature: str | None
) -> tuple[int, str, str]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    body = urlencode(form).encode()  # as Twilio encodes it (UTF-8, percent-escaped)
    async with (
        aiohttp.ClientSession() as session,
        session.post(gateway.url + path, data=body, headers=headers) as response,
    ):
        return response.status, response.content_type, await response.text()


def signed(path: str, form: dict[str, str]) -> str:
    return str(SIGNER.compute_signature(PUBLIC_URL + path, form))


async def stored(gateway: SmsGateway, sid: str | None = None) -> list[Message]:
    async with gateway.sessionmaker() as session:
        query = select(Message).where(Message.direction == "incoming")
        if sid is not None:
            query = query.where(Message.source_id == sid)
        return list((await session.scalars(query)).all())


async def incoming_count(gateway: SmsGateway) -> int:
    async with gateway.sessionmaker() as session:
        query = select(func.count()).select_from(Message).where(Message.direction == "incoming")
        return int(await session.scalar(query) or 0)


async def test_signed_incoming_webhooks_with_any_form(sms_gateway: SmsGateway) -> None:
    first_body: dict[str, str] = {}

    async def one(form: dict[str, str]) -> None:
        before = await incoming_count(sms_gateway)
        status, content_type, text = await post(sms_gateway, SMS_PATH, form, signed(SMS_PATH, form))
        await sms_gateway.settle()
        assert status < 500, text
        sid = form.get("MessageSid") or form.get("SmsSid") or ""
        if status == 400:
            assert "MessageSid" in text
            assert await incoming_count(sms_gateway) == before
            return
        assert status == 200 and content_type == "text/xml", (status, text)
        copies = await stored(sms_gateway, sid) if sid else []
        assert len(copies) <= 1
        if copies:
            first_body.setdefault(sid, form.get("Body", ""))
            assert copies[0].content == storable_text(first_body[sid])
        else:
            assert await incoming_count(sms_gateway) == before

    await fuzz(forms, one)
    assert first_body, "no fuzzed webhook was a message from a phone number"
    # The channel still works afterwards.
    assert (await sms_gateway.sms("Bonjour", sid=new_sid())).status == 200


async def test_forged_or_missing_signatures_store_nothing(sms_gateway: SmsGateway) -> None:
    wrong = RequestValidator("c" * 32)

    async def one(case: tuple[dict[str, str], int, str]) -> None:
        form, kind, path = case
        if kind == 0:
            signature = None
        elif kind == 1:
            signature = str(wrong.compute_signature(PUBLIC_URL + path, form))
        elif kind == 2:  # signed for another URL
            signature = signed("/webhooks/twilio/other", form)
        else:  # a signature of other parameters
            signature = signed(path, {**form, "Body": "autre chose"})
        status, _, _ = await post(sms_gateway, path, form, signature)
        assert status == 403
        assert await incoming_count(sms_gateway) == 0

    await fuzz(st.tuples(forms, st.integers(0, 3), st.sampled_from([SMS_PATH, STATUS_PATH])), one)
    assert sms_gateway.twilio.messages == []


async def test_signed_status_callbacks_with_any_form(sms_gateway: SmsGateway) -> None:
    status_forms = st.one_of(
        forms,
        st.fixed_dictionaries(
            {"MessageSid": sids, "MessageStatus": st.one_of(form_text, st.sampled_from(
                ["queued", "sent", "delivered", "undelivered", "failed", "receiving"]))},
            optional={"ErrorCode": form_text},
        ),
    )  # fmt: skip

    async def one(form: dict[str, str]) -> None:
        status, _, text = await post(sms_gateway, STATUS_PATH, form, signed(STATUS_PATH, form))
        assert status == 204, (status, text)

    await fuzz(status_forms, one)


async def test_raw_bodies_never_give_a_server_error(sms_gateway: SmsGateway) -> None:
    """Invalid UTF-8, a multipart body with a file, JSON, garbage: refused, never a 5xx."""
    bodies = st.tuples(
        st.binary(max_size=200),
        st.sampled_from(
            [
                "application/x-www-form-urlencoded",
                "application/x-www-form-urlencoded; charset=latin-1",
                "multipart/form-data; boundary=xyz",
                "application/json",
                "text/plain",
            ]
        ),
        st.sampled_from([SMS_PATH, STATUS_PATH]),
        st.booleans(),
    )

    async def one(case: tuple[bytes, str, str, bool]) -> None:
        body, content_type, path, sign = case
        headers = {"Content-Type": content_type}
        if sign:
            headers["X-Twilio-Signature"] = signed(path, {})
        async with (
            aiohttp.ClientSession() as session,
            session.post(sms_gateway.url + path, data=body, headers=headers) as response,
        ):
            assert response.status < 500, await response.text()

    await fuzz(bodies, one)
    files = aiohttp.FormData()
    files.add_field("MessageSid", new_sid())
    files.add_field("From", CITIZEN)
    files.add_field("Body", b"\xff\xfe not text", filename="body.bin")
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            sms_gateway.url + SMS_PATH, data=files, headers={"X-Twilio-Signature": "forged"}
        ) as response,
    ):
        assert response.status == 400 and "files" in await response.text()
    assert await incoming_count(sms_gateway) == 0
