"""The SMS and requests fixtures, shared with this folder (a gateway with the fake Twilio; a
gateway with the requests wing and its SMTP sink)."""

from __future__ import annotations

from tests.livechat.requests.conftest import requests_gateway, smtp
from tests.livechat.sms.conftest import fake_twilio, make_sms_gateway, sms_gateway, sms_settings

__all__ = [
    "fake_twilio",
    "make_sms_gateway",
    "requests_gateway",
    "sms_gateway",
    "sms_settings",
    "smtp",
]
