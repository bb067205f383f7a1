"""Request bodies -> parsed input, or an ``ApiError`` naming what is wrong (4xx, French);
the query string's values that are not UTF-8 (``undecodable_query``).

The HTTP edge of the flow, before ``calls`` hands records to the application layer: the
content type is checked, the body is read up to the configured size and no further, decoded
as UTF-8, parsed as JSON (an invitation or a list of them, nested no deeper than
``MAX_DEPTH``) or kept as text for the invitation reader (JSON Lines, CSV). Messages give
the place (line, column, byte) and never what was sent: bodies hold personal data.
"""

from __future__ import annotations

import codecs
import enum
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request

from tamis.invitations.french import ZIP_SIGNATURE, json_reason, zip_archive
from tamis.service.errors import ApiError

MAX_DEPTH = 32  # an invitation is a few levels deep; deeper is an attack or a mistake
BODY = "corps"


class BodyKind(enum.Enum):
    JSON = "application/json"
    JSON_LINES = "application/x-ndjson"
    CSV = "text/csv"


JSON_LINES_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines")


def media_type(content_type: str | None) -> str:
    """The media type of ``Content-Type``, lower-cased ("" when absent); 415 naming the
    header when it declares a charset other than UTF-8."""
    media, _, params = (content_type or "").partition(";")
    charset = _charset(params)
    if charset not in (None, "utf-8", "utf8"):
        raise ApiError(
            415, "jeu de caractères non pris en charge : seul UTF-8 est accepté", "Content-Type"
        )
    return media.strip().lower()


def is_json(media: str) -> bool:
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def body_kind(content_type: str | None) -> BodyKind:
    """JSON (``application/json`` or ``…+json``), JSON Lines (``application/x-ndjson``) or
    CSV; else 415, naming the header."""
    media = media_type(content_type)
    if is_json(media):
        return BodyKind.JSON
    if media in JSON_LINES_TYPES:
        return BodyKind.JSON_LINES
    if media in ("text/csv", "application/csv"):
        return BodyKind.CSV
    raise unsupported(
        media,
        "« application/json » (une invitation ou une liste), « application/x-ndjson » (JSON "
        "Lines) ou « text/csv » (Invitations.csv de LinkedIn)",
    )


def unsupported(media: str, wanted: str) -> ApiError:
    """The 415 of a body of type ``media`` where ``wanted`` (French) is expected."""
    shown = "absent" if not media else "non pris en charge"
    return ApiError(415, f"type de contenu {shown} : envoyez {wanted}", "Content-Type")


def _charset(params: str) -> str | None:
    for part in params.split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None


def too_large(limit: int) -> ApiError:
    return ApiError(413, f"corps trop volumineux : {limit} octets au plus", BODY)


async def request_body(request: Request) -> bytes:
    """The body of ``request`` as sent, within the service's size limit (``read_body``);
    415 naming ``Content-Encoding`` when it is compressed: the service reads no coding (a
    gzip'd body would otherwise be read as bytes that are not UTF-8)."""
    coding = request.headers.get("content-encoding", "").strip().lower()
    if coding not in ("", "identity"):
        raise ApiError(
            415,
            "corps compressé (Content-Encoding) non pris en charge : envoyez-le sans compression",
            "Content-Encoding",
            headers={"Accept-Encoding": "identity"},
        )
    length = request.headers.get("content-length")
    return await read_body(request.stream(), length, request.app.state.limits.max_body)


async def read_body(chunks: AsyncIterator[bytes], declared_length: str | None, limit: int) -> bytes:
    """The whole body, refused (413) as soon as it is known to exceed ``limit``."""
    if declared_length is not None and declared_length.isdigit() and int(declared_length) > limit:
        raise too_large(limit)
    parts, size = [], 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        parts.append(chunk)
    return b"".join(parts)


def no_archive(body: bytes) -> None:
    """400 for a body of invitations that is a ZIP archive: LinkedIn's export as downloaded,
    or an Excel workbook, which ``decode`` would call « pas en UTF-8 » at some byte."""
    if body.startswith(ZIP_SIGNATURE):
        raise ApiError(400, f"corps illisible : {zip_archive('Invitations.csv')}", BODY)


def decode(body: bytes) -> str:
    """UTF-8 text (a leading byte-order mark dropped); 400 naming the first bad byte."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ApiError(
            400,
            f"le corps n'est pas en UTF-8 (octet invalide à la position {error.start})",
            BODY,
        ) from None


@dataclass(frozen=True)
class JsonBody:
    """A parsed JSON body: its invitations, and whether it was a list (the answer's shape)."""

    objects: list[object]
    is_list: bool


def parse_json(body: bytes, max_items: int) -> JsonBody:
    if not body.strip():
        raise ApiError(400, "corps vide : envoyez une invitation ou une liste d'invitations", BODY)
    value = load_json(body)
    if isinstance(value, dict):
        return JsonBody([value], False)
    if not isinstance(value, list):
        raise ApiError(
            400, "le corps doit être une invitation (objet JSON) ou une liste d'invitations", BODY
        )
    if len(value) > max_items:
        raise ApiError(413, f"trop d'invitations : {max_items} au plus par requête", BODY)
    return JsonBody(value, True)


def load_json(body: bytes) -> object:
    """The JSON value of a body in UTF-8 (a leading byte-order mark dropped, as ``decode``
    does); 400 naming the bad byte, or the line and column of the syntax error, or the depth."""
    decode(body)  # a clear UTF-8 error before orjson's
    if body.startswith(codecs.BOM_UTF8):  # Windows tools write one; orjson refuses it
        body = body[len(codecs.BOM_UTF8) :]
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        if "depth limit" in error.msg or "recursion" in error.msg:
            raise too_deep() from None
        raise ApiError(
            400,
            f"JSON invalide, ligne {error.lineno}, colonne {error.colno} "
            f"({json_reason(error.msg)})",
            BODY,
        ) from None
    check_depth(value)
    return value


def check_depth(value: object) -> None:
    """400 when containers nest deeper than ``MAX_DEPTH`` (walked without recursion)."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if not isinstance(item, dict | list):
            continue
        if depth > MAX_DEPTH:
            raise too_deep()
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def too_deep() -> ApiError:
    return ApiError(400, f"JSON trop imbriqué : {MAX_DEPTH} niveaux au plus", BODY)


def undecodable_query(request: Request) -> Iterator[tuple[str, str]]:
    """Each query parameter whose value is not UTF-8 (``?expediteur=S%E9bastien``, Latin-1),
    with that value as a terminal hands such bytes over (lone surrogates). Starlette reads it
    with U+FFFD, a text nobody typed (the parser refuses raw bytes, not percent-encoded ones)."""
    query = request.scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True, errors="surrogateescape"):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            yield name, value
