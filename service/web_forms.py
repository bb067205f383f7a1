"""The fields of a form posted to a page, exactly as typed, or a refusal naming the field.

Starlette's form reader never refuses a byte: a percent-encoded value that is not UTF-8
becomes U+FFFD, a raw one (``curl -d``) or a multipart field is read as Latin-1 (« RenÃ©e »
for « Renée »). A page would then decide, journal or save a text nobody typed. ``fields``
reads the body itself, within the service's size limit (``inputs.request_body``), and
decodes every name and value as UTF-8, strictly; the pages call it instead of
``request.form()`` for their text forms (the upload's file is read as bytes, and checked by
``decide_csv``).
"""

from __future__ import annotations

import io
from urllib.parse import unquote_to_bytes

from python_multipart import parse_form
from python_multipart.exceptions import FormParserError
from starlette.exceptions import HTTPException
from starlette.requests import Request

from tamis.service import inputs

URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


class FormNotText(Exception):
    """A form field whose name or value is not UTF-8 (``field``: its name, when that is)."""

    def __init__(self, field: str | None) -> None:
        super().__init__(field)
        self.field = field


async def fields(request: Request) -> dict[str, str]:
    """The form's fields, the last value of a name repeated (as ``FormData.items()``); an
    ``ApiError`` for a body too large or compressed, or declaring a charset other than
    UTF-8, a ``FormNotText`` for a name or value that is not UTF-8. A body of another type is
    an empty form, as Starlette reads it."""
    media = inputs.media_type(request.headers.get("content-type"))
    if media not in (URLENCODED, MULTIPART):
        return {}
    body = await inputs.request_body(request)
    pairs = _multipart(request, body) if media == MULTIPART else _urlencoded(body)
    form = {}
    for raw_name, raw_value in pairs:
        name = _text(raw_name, None)
        form[name] = _text(raw_value, name)
    return form


def _urlencoded(body: bytes) -> list[tuple[bytes, bytes]]:
    pairs = []
    for part in body.split(b"&"):
        if part:
            name, _, value = part.partition(b"=")
            pairs.append((_unquoted(name), _unquoted(value)))
    return pairs


def _unquoted(raw: bytes) -> bytes:
    return unquote_to_bytes(raw.replace(b"+", b" "))


def _multipart(request: Request, body: bytes) -> list[tuple[bytes, bytes]]:
    """The text fields of a multipart body (a page's script sends ``FormData``); a file part
    is no text field and is left out."""
    pairs: list[tuple[bytes, bytes]] = []
    headers = {"Content-Type": request.headers["content-type"].encode("latin-1")}
    on_field = lambda field: pairs.append((field.field_name or b"", field.value or b""))  # noqa: E731
    try:
        parse_form(headers, io.BytesIO(body), on_field, lambda _file: None)
    except (FormParserError, ValueError):  # Starlette's 400: « formulaire illisible »
        raise HTTPException(400) from None
    return pairs


def _text(raw: bytes, field: str | None) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise FormNotText(field) from None
