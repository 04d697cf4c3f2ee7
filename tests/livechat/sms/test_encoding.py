"""GSM-7 / UCS-2 detection, segment counts and splitting, on real French (and English) text."""

from __future__ import annotations

import pytest

from livechat.sms.encoding import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    Encoding,
    encoding_of,
    fits,
    measure,
    plain_text,
    split_sms,
)

GSM = Encoding.GSM7
UCS2 = Encoding.UCS2

# From the Grand Sudbury 311 article (seeds/002), as published (typographic apostrophes).
SUDBURY_CHAT = (
    "Option 2 : Demander un service par clavardage 311 en direct ou par téléphone. Vous n’avez "
    "pas besoin d’un compte en ligne pour présenter une demande par clavardage 311 en direct, "
    "par téléphone ou par courriel. Un préposé du Service à la clientèle vous demandera de "
    "fournir vos renseignements personnels afin de créer un profil client en vue de surveiller, "
    "de gérer et de traiter vos demandes de services municipaux. Nous ne partagerons pas vos "
    "renseignements personnels avec des tierces parties."
)
SUDBURY_OUI = (
    "Si vous choisissez de recevoir des mises à jour par message texte, vous recevrez une "
    "confirmation par message texte. Vous devez répondre « Oui » afin de recevoir des mises à "
    "jour."
)


def test_the_tables_have_the_size_of_gsm_03_38() -> None:
    # 128 codes minus the escape; ten characters reached through it.
    assert len(GSM7_BASIC) == 127
    assert len(GSM7_EXTENSION) == 10


@pytest.mark.parametrize("char", [*"éèàùìòÉÇ", "\n", "@", "£", "ß", "Ñ", "ü"])
def test_french_letters_in_the_gsm_basic_table(char: str) -> None:
    assert encoding_of(f"Allo {char}") is GSM


@pytest.mark.parametrize(
    "char",
    # Lowercase ç is NOT in GSM 03.38 (only Ç is); circumflexes, diaeresis on e/i, À, È, œ,
    # guillemets and typographic apostrophes are not either.
    [*"çâêîôûëïÀÈÊÎÔœ«»’", "\u00a0", "🙂"],
)
def test_characters_that_make_a_message_ucs2(char: str) -> None:
    assert encoding_of(f"Allo {char}") is UCS2


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        (
            "Votre demande 311-K7M-4PX-9QD a été créée. Un employé de la Ville s'en occupera "
            "d'ici vendredi.",
            GSM, 95, 1,
        ),
        ("Bonjour! Votre demande a été reçue.", UCS2, 35, 1),
        ("ÇA VA", GSM, 5, 1),
        ("ça va", UCS2, 5, 1),
        ("Où est la bibliothèque? Elle ouvre à 9 h.", GSM, 41, 1),
        (
            "Le nid-de-poule signalé sur la rue Notre-Dame sera réparé. Nous vous remercions de "
            "votre patience et vous souhaitons une bonne fête!",
            UCS2, 132, 2,
        ),
        # € { } cost two septets each: 93 characters, 96 septets.
        (
            "Les frais du permis de vente-débarras sont de 10 € par jour; payez en ligne {ou} "
            "au comptoir.",
            GSM, 96, 1,
        ),
        (SUDBURY_OUI, UCS2, 179, 3),
        ("Your request was received. Reply STOP to stop.", GSM, 46, 1),
    ],
)  # fmt: skip
def test_measure_real_messages(text: str, encoding: Encoding, units: int, segments: int) -> None:
    size = measure(text)
    assert (size.encoding, size.units, size.segments) == (encoding, units, segments)


def test_gsm_boundary_160_then_153_per_segment() -> None:
    sentence = "La collecte des ordures est reportée au lendemain les jours fériés. "  # 68
    text = (sentence * 3)[:160]
    assert measure(text).segments == 1
    assert measure(text + "!").segments == 2  # 161 septets: 153 + 8
    assert measure((sentence * 5)[:306]).segments == 2
    assert measure((sentence * 5)[:307]).segments == 3


def test_ucs2_boundary_70_then_67_per_segment() -> None:
    sentence = "Le déneigement des trottoirs commence après 5 cm de neige; à l'arrêt. "
    assert encoding_of(sentence) is UCS2
    text = (sentence * 3)[:70]
    assert measure(text).segments == 1
    assert measure((sentence * 3)[:71]).segments == 2
    assert measure((sentence * 3)[:134]).segments == 2
    assert measure((sentence * 3)[:135]).segments == 3
    assert measure((sentence * 3)[:201]).segments == 3
    assert measure((sentence * 3)[:202]).segments == 4


def test_an_escape_pair_never_straddles_two_segments() -> None:
    # 152 + 2 + 152 = 306 septets would fit 2 x 153, but the € cannot be cut in two.
    text = "a" * 152 + "€" + "a" * 152
    assert measure(text).units == 306
    assert measure(text).segments == 3
    assert measure("a" * 151 + "€" + "a" * 153).segments == 2


def test_a_surrogate_pair_never_straddles_two_segments() -> None:
    text = "é" * 66 + "🙂" + "ê" * 66  # 134 UTF-16 units
    assert measure(text).units == 134
    assert measure(text).segments == 3
    assert measure("ê" * 65 + "🙂" + "ê" * 67).segments == 2


def test_plain_text_keeps_french_accents_but_not_typographic_punctuation() -> None:
    assert plain_text("L’école « Saint-Jean » ouvre à 7\u00a0h\u00a030 — bienvenue…") == (
        "L'école « Saint-Jean » ouvre à 7 h 30 - bienvenue..."
    )
    assert encoding_of(plain_text("L’école ouvre à 7\u00a0h\u00a030.")) is GSM
    assert encoding_of(plain_text("L’arrêt d’autobus")) is UCS2  # ê stays


def test_short_text_is_one_sms() -> None:
    assert split_sms("  Merci!  ") == ["Merci!"]
    assert split_sms("   ") == []


def test_long_french_text_is_cut_between_sentences_into_three_segment_sms() -> None:
    text = plain_text(SUDBURY_CHAT)
    assert measure(text) == measure(text)  # deterministic
    assert (measure(text).encoding, measure(text).units, measure(text).segments) == (GSM, 495, 4)

    parts = split_sms(text)

    assert [measure(part).segments for part in parts] == [3, 1]
    assert [len(part) for part in parts] == [415, 79]
    assert parts[0].endswith("demandes de services municipaux.")
    assert parts[1] == (
        "Nous ne partagerons pas vos renseignements personnels avec des tierces parties."
    )
    assert " ".join(parts) == text


def test_ucs2_text_is_cut_at_201_units_per_sms() -> None:
    sentences = [
        "Votre demande de ramassage d'encombrants est confirmée pour le mercredi 3 décembre.",
        "Déposez les objets en bordure de rue avant 7 h, sans bloquer le trottoir ni la piste.",
        "Les matelas doivent être emballés dans une housse de plastique fermée.",
        "Les électroménagers contenant des halocarbures sont ramassés à part, sur rendez-vous.",
    ]
    text = " ".join(sentences)
    assert measure(text).encoding is UCS2

    parts = split_sms(text)

    assert all(measure(part).segments <= 3 and len(part) <= 201 for part in parts)
    assert parts == [" ".join(sentences[:2]), " ".join(sentences[2:])]
    assert [measure(part).encoding for part in parts] == [GSM, UCS2]  # ê only in the second


def test_paragraphs_are_kept_whole_when_possible() -> None:
    first = "Collecte des ordures : le lundi. " * 12  # 396: with the second, over 459
    second = "Collecte du recyclage : le jeudi. " * 4
    parts = split_sms(first.strip() + "\n\n" + second.strip())
    assert parts == [first.strip(), second.strip()]


def test_a_word_longer_than_an_sms_is_cut() -> None:
    url = "https://311.grandsudbury.ca/" + "x" * 600
    parts = split_sms(f"Voir {url}")
    assert all(fits(part) for part in parts)
    assert [len(part) for part in parts] == [459, 174]
    assert "".join(parts) == f"Voir {url}"
