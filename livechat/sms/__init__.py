"""The SMS channel over Twilio, plugged into the gateway as a wing (see ``setup``).

Modules: ``encoding`` (GSM-7/UCS-2, segments, splitting), ``keywords`` (STOP/START/HELP/Oui,
numbered choices), ``ratelimit``, ``twilio_client`` (the `twilio` library, async),
``store`` (opt-outs, delivery status), ``delivery`` (the one send path), ``texts``; the
webhooks themselves are ``livechat.channels.sms``.
"""

from __future__ import annotations

from aiohttp import web


def setup(app: web.Application) -> None:
    """Add the Twilio webhooks and the SMS sender (called by ``livechat.app.create_app``)."""
    from livechat.sms.wing import setup_sms

    setup_sms(app)
