"""Redaction of contact details from public free text."""

from __future__ import annotations

import pytest

from livechat.requests.views import open311_status, redact


@pytest.mark.parametrize(
    ("text", "names", "expected"),
    [
        ("Appelez le 613 555-0142 svp", (), "Appelez le […] svp"),
        ("call +1 (819) 555-0199 or 1-800-555-0100", (), "call […] or […]"),
        ("écrivez à jo.b+311@exemple.qc.ca.", (), "écrivez à […]."),
        ("Demandez Marie-Ève Côté", ("Marie-Ève Côté",), "Demandez […]"),
        ("Marie a appelé; MARIE rappellera", ("Marie Tremblay",), "[…] a appelé; […] rappellera"),
        # Words of 3+ letters of a name go even when they are ordinary words (privacy first);
        # shorter ones, and names inside other words, stay.
        (
            "Le bac de Jo est plein; Joanne aussi",
            ("Jo Bac",),
            "Le […] de Jo est plein; Joanne aussi",
        ),
        ("Trou de 30 cm au 1250, rue Notre-Dame", (), "Trou de 30 cm au 1250, rue Notre-Dame"),
        (None, ("x",), None),
    ],
)
def test_redact(text: str | None, names: tuple[str, ...], expected: str | None) -> None:
    assert redact(text, names) == expected


def test_open311_knows_only_open_and_closed() -> None:
    assert [open311_status(s) for s in ("open", "in_progress", "closed")] == [
        "open",
        "open",
        "closed",
    ]
