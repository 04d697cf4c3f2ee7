"""The bilingual satisfaction survey page ``GET /survey/{token}`` and its answers.

The page is plain HTML (no script) whose form posts to ``/api/v1/surveys``; every value put
in it is escaped. The token travels in the path and the form only: the page sends no
referrer and is never cached.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from aiohttp import web

from livechat.requests import survey_texts, surveys
from livechat.requests.appkeys import CATALOGUE, SERVICE
from livechat.requests.errors import ValidationError
from livechat.requests.http import NO_STORE, api_error, language_of

routes = web.RouteTableDef()
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.5;color:#1a1a1a}fieldset{border:1px solid #767676;padding:1rem}"
    "label{display:block;margin:.4rem 0}textarea{width:100%;min-height:5rem}"
    "button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem}"
    ".error{color:#a00000;font-weight:bold}nav{text-align:right}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()
HEADERS = {
    **NO_STORE,
    "Content-Security-Policy": (
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Robots-Tag": "noindex",
}


def _page(language: str, heading: str, body: str, status: int = 200) -> web.Response:
    texts = survey_texts.PAGE[language]
    document = (
        f'<!DOCTYPE html>\n<html lang="{language}-CA">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(texts['title'])}</title>\n<style>{STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n<h1>{html.escape(heading)}</h1>\n{body}\n"
        f"<p><small>{html.escape(texts['emergency'])}</small></p>\n</main>\n</body>\n</html>\n"
    )
    return web.Response(
        text=document, status=status, content_type="text/html", charset="utf-8", headers=HEADERS
    )


def _message_page(language: str, key: str, status: int, **params: Any) -> web.Response:
    texts = survey_texts.PAGE[language]
    text = texts[key].format(**params)
    return _page(language, texts[f"{key}_heading"], f"<p>{html.escape(text)}</p>", status)


def _form_page(
    token: str,
    survey: surveys.OpenSurvey,
    name: str,
    language: str,
    *,
    error: str | None = None,
    comment: str = "",
    status: int = 200,
) -> web.Response:
    texts = survey_texts.PAGE[language]
    other = "en" if language == "fr" else "fr"
    token_attr = html.escape(token, quote=True)
    switch = html.escape(f"/survey/{quote(token, safe='')}?lang={other}", quote=True)
    options = "\n".join(
        f'<label><input type="radio" name="rating" value="{n}" required> '
        f"{html.escape(texts[f'rating_{n}'])}</label>"
        for n in range(1, 6)
    )
    alert = f'<p class="error" role="alert">{html.escape(error)}</p>\n' if error else ""
    body = (
        f'<nav><a href="{switch}" lang="{other}-CA">'
        f"{html.escape(survey_texts.PAGE[other]['lang_name'])}</a></nav>\n"
        f"<p>{html.escape(texts['intro'].format(ref=survey.ref, name=name))}</p>\n{alert}"
        '<form method="post" action="/api/v1/surveys">\n'
        f'<input type="hidden" name="token" value="{token_attr}">\n'
        f'<input type="hidden" name="lang" value="{language}">\n'
        f"<fieldset>\n<legend>{html.escape(texts['legend'])}</legend>\n{options}\n</fieldset>\n"
        f'<label for="comment">{html.escape(texts["comment"])}</label>\n'
        f'<textarea id="comment" name="comment" maxlength="1000">{html.escape(comment)}'
        "</textarea>\n"
        f'<button type="submit">{html.escape(texts["submit"])}</button>\n</form>'
    )
    return _page(language, texts["heading"], body, status)


def _service_name(request: web.Request, code: str, language: str) -> str:
    service = request.app[CATALOGUE].services.get(code)
    return service.name.get(language) if service else code


@routes.get("/survey/{token}")
async def survey_page(request: web.Request) -> web.Response:
    """The 1-5 form of an unanswered survey; 404 / 410 pages otherwise (both languages)."""
    token = request.match_info["token"]
    asked = request.query.get("lang") or request.query.get("locale")
    try:
        survey = await surveys.find_open(request.app[SERVICE], token)
    except surveys.SurveyNotFound:
        return _message_page(survey_texts.language(asked, language_of(request)), "not_found", 404)
    except surveys.SurveyClosed as closed:
        return _message_page(survey_texts.language(asked, closed.language), "closed", 410)
    language = survey_texts.language(asked, survey.language)
    name = _service_name(request, survey.service_code, language)
    return _form_page(token, survey, name, language)


async def answer_form(request: web.Request) -> web.Response:
    """The survey form's POST (form-encoded): the thanks page, or the form again (400)."""
    form = await request.post()
    token, comment = str(form.get("token", "")), str(form.get("comment", ""))[:1000]
    language = survey_texts.language(form.get("lang"), language_of(request))
    service = request.app[SERVICE]
    try:
        saved = await surveys.answer(service, token, form.get("rating"), comment, language)
    except surveys.SurveyNotFound:
        return _message_page(language, "not_found", 404)
    except surveys.SurveyClosed:
        return _message_page(language, "closed", 410)
    except ValidationError:
        try:
            survey = await surveys.find_open(service, token)
        except surveys.SurveyNotFound:
            return _message_page(language, "not_found", 404)
        except surveys.SurveyClosed:
            return _message_page(language, "closed", 410)
        name = _service_name(request, survey.service_code, language)
        error = survey_texts.PAGE[language]["invalid_rating"]
        return _form_page(token, survey, name, language, error=error, comment=comment, status=400)
    return _message_page(language, "thanks", 200, rating=saved.rating)


async def answer_json(request: web.Request, data: Mapping[str, Any]) -> web.Response:
    """``POST /api/v1/surveys`` with a ``token``: 201 {id}; 400 bad rating, 404 unknown
    token, 410 already answered or expired."""
    token, comment, language = data.get("token"), data.get("comment"), data.get("language")
    try:
        saved = await surveys.answer(
            request.app[SERVICE],
            token if isinstance(token, str) else "",
            data.get("rating") if isinstance(data.get("rating"), int) else None,
            comment if isinstance(comment, str) else None,
            language if isinstance(language, str) else None,
        )
    except surveys.SurveyNotFound as error:
        return api_error(404, error)
    except surveys.SurveyClosed as error:
        return api_error(410, error)
    except ValidationError as error:
        return api_error(400, error)
    return web.json_response({"id": saved.id}, status=201, headers=NO_STORE)
